"""The SQL that maps, converts and validates one batch of a partner export (pure).

``transform_sql`` returns one DuckDB ``SELECT`` over a registered Arrow batch. Each output
row carries the canonical columns plus ``_reason`` (NULL when the row is valid, else
``code<US>column<US>message``) and ``_raw`` (the source row as JSON, only for rejects).
Everything is vectorised in DuckDB; no Python runs per row.
"""

from __future__ import annotations

import pyarrow as pa

from crossplay.core.errors import MappingError
from crossplay.core.types import PARTNER_PLATFORMS
from crossplay.ingest.limits import MAX_JSON_DEPTH
from crossplay.ingest.mapping import unit_factor
from crossplay.ingest.pseudonymise import CONTROL_CHARS
from crossplay.ingest.sqlbase import (
    DEEP_CHECK_PREFIX,
    ID_CHECK_PREFIX,
    INTERNAL_PREFIX,
    Plan,
    ident,
    is_text,
    lit,
    reason_sql,
    typed_source,
    value_text,
)
from crossplay.ingest.sqltime import naive_ts_expr, ts_checks, ts_expr
from crossplay.schema.tables import EVENT_TYPES, MAX_ID_CHARS, MAX_NUMBER, Field

_TRUE = ("true", "t", "1", "yes", "y", "granted", "agree", "是", "同意")
_FALSE = ("false", "f", "0", "no", "n", "revoked", "denied", "refused", "否", "拒绝")
#: control characters a long text may not hold (tab, line feed and carriage return may)
_TEXT_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
#: ... nor JSON text, as a byte or an escape (\u0000, \b, \f; an escaped backslash is not)
_JSON_CONTROL = (_TEXT_CONTROL
                 + r"|(^|[^\\])(\\\\)*\\(u00(0[0-8bBcCeEfF]|1[0-9a-fA-F])|[bf])")
_CONTROL_MESSAGE = ("holds a control character (NUL or another below U+0020); remove it "
                    "at the source")


def check_columns(plan: Plan, columns: list[str], path: str) -> None:
    """File-level: every mapped column exists and every required field has a source."""
    present = set(columns)
    have = ", ".join(columns) if columns else "(none)"
    m = plan.mapping
    table, origin = plan.spec.name, m.origin
    for f in plan.spec.fields:
        src = m.columns.get(f.name)
        key = "columns." + f.name
        if src is not None:
            if src not in present:
                raise _column_missing(path, table, f.name, src, key, origin, have)
            continue
        if f.name in m.constants or f.default is not None or _auto_expr(plan, f) is not None:
            continue
        if f.name in present:
            continue
        if f.required:
            raise _required_field(path, table, f.name, key, origin, have)
    for col in m.properties:
        if col not in present:
            if origin:
                raise MappingError(
                    f"{path}: `properties` lists column '{col}', which the file does not "
                    f"have (mapping key properties in {origin}). Columns: {have}",
                    code="ingest_property_missing",
                    params={"path": path, "column": col, "origin": origin, "have": have})
            raise MappingError(
                f"{path}: `properties` lists column '{col}', which the file does not have "
                f"(add `properties` to a mapping file (--mapping)). Columns: {have}",
                code="ingest_property_missing_unsaved",
                params={"path": path, "column": col, "have": have})
    for name in m.constants:
        if plan.spec.field(name).kind == "pseudo_id":
            key = "constants." + name
            if origin:
                raise MappingError(f"mapping key {key} in {origin}: a user id cannot be a "
                                   "constant", code="ingest_constant_user",
                                   params={"key": key, "origin": origin})
            raise MappingError(f"add `{key}` to a mapping file (--mapping): a user id cannot "
                               "be a constant", code="ingest_constant_user_unsaved",
                               params={"key": key})


def _column_missing(path: str, table: str, field: str, column: str, key: str,
                    origin: str | None, have: str) -> MappingError:
    """A mapped column the file does not have; where to fix it depends on whether the
    mapping came from a file."""
    if origin:
        return MappingError(
            f"{path}: the mapping reads {table} field '{field}' from column '{column}', which "
            f"the file does not have (mapping key {key} in {origin}). Columns in the file: "
            f"{have}", code="ingest_mapped_column_missing",
            params={"path": path, "table": table, "field": field, "column": column,
                    "key": key, "origin": origin, "have": have})
    return MappingError(
        f"{path}: the mapping reads {table} field '{field}' from column '{column}', which "
        f"the file does not have (add `{key}` to a mapping file (--mapping)). Columns in the "
        f"file: {have}", code="ingest_mapped_column_missing_unsaved",
        params={"path": path, "table": table, "field": field, "column": column, "key": key,
                "have": have})


def _required_field(path: str, table: str, field: str, key: str, origin: str | None,
                    have: str) -> MappingError:
    """A required field with neither a column of its name nor a mapped one."""
    if origin:
        return MappingError(
            f"{path}: required {table} field '{field}' has no source column: the file has no "
            f"column '{field}' and the mapping does not name one (mapping key {key} in "
            f"{origin}). Columns in the file: {have}", code="ingest_required_field",
            params={"path": path, "table": table, "field": field, "key": key,
                    "origin": origin, "have": have})
    return MappingError(
        f"{path}: required {table} field '{field}' has no source column: the file has no "
        f"column '{field}' and the mapping does not name one (add `{key}` to a mapping file "
        f"(--mapping)). Columns in the file: {have}", code="ingest_required_field_unsaved",
        params={"path": path, "table": table, "field": field, "key": key, "have": have})


def _auto_expr(plan: Plan, f: Field) -> str | None:
    """Defaults derived from other fields (platform from partner / event or item type)."""
    if f.name != "platform":
        return None
    platforms = PARTNER_PLATFORMS[plan.partner]
    if len(platforms) == 1:
        return lit(platforms[0])
    if plan.spec.name == "events":
        stream = ", ".join(lit(t) for t in EVENT_TYPES["stream"])
        return f"CASE WHEN __t_event_type IN ({stream}) THEN 'stream' ELSE 'game' END"
    if plan.spec.name == "items":
        return "CASE WHEN __t_item_type IN ('stream', 'streamer') THEN 'stream' ELSE 'game' END"
    return None


def _text_expr(plan: Plan, f: Field, types: dict[str, pa.DataType]) -> str:
    m = plan.mapping
    src = m.columns.get(f.name)
    if src is None and f.name in types and f.name not in m.constants:
        src = f.name
    if src is not None:
        if src not in types:
            expr = "CAST(NULL AS VARCHAR)"
        elif is_text(types[src]):
            expr = f"NULLIF({ident(src)}, '')"
        else:
            expr = f"CAST({ident(src)} AS VARCHAR)"
    elif f.name in m.constants:
        value = m.constants[f.name]
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        expr = lit(text)
    elif f.default is not None:
        expr = lit(f.default)
    else:
        expr = "CAST(NULL AS VARCHAR)"
    mapped = m.values.get(f.name)
    if mapped:
        whens = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in mapped.items())
        expr = f"CASE {expr} {whens} ELSE {expr} END"
    return expr


def _number_base(plan: Plan, f: Field, types: dict[str, pa.DataType]) -> str:
    """The number as the source gives it (DOUBLE, before unit conversion)."""
    typed = typed_source(plan, f, types)
    if typed is not None and (pa.types.is_integer(typed[1]) or pa.types.is_floating(typed[1])
                              or pa.types.is_decimal(typed[1])):
        return f"CAST({typed[0]} AS DOUBLE)"
    return f"TRY_CAST(__t_{f.name} AS DOUBLE)"


def _number_expr(plan: Plan, f: Field, types: dict[str, pa.DataType]) -> str:
    base = _number_base(plan, f, types)
    rule = plan.mapping.unit_rule(f.name)
    if rule is None:
        return base
    default = unit_factor(rule.default)
    if not rule.by_event_type:
        return f"round({base} * {default!r}, 6)"
    whens = " ".join(f"WHEN {lit(k)} THEN {unit_factor(v)!r}"
                     for k, v in rule.by_event_type.items())
    return f"round({base} * CASE __t_event_type {whens} ELSE {default!r} END, 6)"


def _tags_expr(plan: Plan, f: Field, types: dict[str, pa.DataType]) -> str:
    typed = typed_source(plan, f, types)
    if typed is not None and (pa.types.is_list(typed[1]) or pa.types.is_large_list(typed[1])):
        return f"CAST({typed[0]} AS VARCHAR[])"
    t = f"__t_{f.name}"
    split = (f"list_filter(list_transform(regexp_split_to_array({t}, '[,;|、，；]'), "
             f"lambda x: trim(x)), lambda x: x <> '')")
    return (f"CASE WHEN {t} IS NULL THEN NULL WHEN left({t}, 1) = '[' AND json_valid({t}) "
            f"THEN TRY_CAST(json_extract_string({t}, '$[*]') AS VARCHAR[]) ELSE {split} END")


def _json_expr(plan: Plan, f: Field) -> str:
    t = f"__t_{f.name}"
    props = plan.mapping.properties
    if not props:
        return t
    packed = ", ".join(f"{ident(c)} := {ident('__p_' + c)}" for c in props)
    built = f"CAST(to_json(struct_pack({packed})) AS VARCHAR)"
    return (f"CASE WHEN {t} IS NULL THEN {built} "
            f"WHEN json_valid({t}) THEN CAST(json_merge_patch({t}, {built}) AS VARCHAR) "
            f"ELSE {t} END")


def _parsed_expr(plan: Plan, f: Field, types: dict[str, pa.DataType]) -> str:
    t = f"__t_{f.name}"
    if f.kind in ("string", "pseudo_id", "enum"):
        return t
    if f.kind == "number":
        return _number_expr(plan, f, types)
    if f.kind == "timestamp":
        return ts_expr(plan, f, types)
    if f.kind == "bool":
        trues = ", ".join(lit(v) for v in _TRUE)
        falses = ", ".join(lit(v) for v in _FALSE)
        return (f"CASE WHEN lower({t}) IN ({trues}) THEN true "
                f"WHEN lower({t}) IN ({falses}) THEN false END")
    if f.kind == "json":
        return _json_expr(plan, f)
    return _tags_expr(plan, f, types)


def _checks(plan: Plan, f: Field, types: dict[str, pa.DataType]) -> list[tuple[str, str]]:
    t, p = f"__t_{f.name}", f"__v_{f.name}"
    src = plan.source_of(f) or f.name
    out: list[tuple[str, str]] = []
    if f.required or (f.name == "event_id" and f.name in plan.mapping.columns):
        out.append((f"{t} IS NULL", reason_sql(
            "missing_value", f.name,
            lit(f"required field '{f.name}' is empty (source column '{src}')"))))
    check = ID_CHECK_PREFIX + f.name
    if check in types:  # a pseudonymised id: checked before it became a key
        out.append((f"{ident(check)} = 'C'", reason_sql(
            "control_character", f.name, lit(f"field '{f.name}' {_CONTROL_MESSAGE}"))))
        out.append((f"starts_with({ident(check)}, 'L')", reason_sql(
            "too_long", f.name,
            f"'field ''{f.name}'' is ' || substr({ident(check)}, 2) || ' characters; "
            f"the limit is {MAX_ID_CHARS}'")))
    if f.kind in ("string", "enum", "tags"):
        out.append((f"strlen({t}) > {f.max_chars} AND length({t}) > {f.max_chars}", reason_sql(
            "too_long", f.name,
            f"'field ''{f.name}'' is ' || length({t}) || ' characters; the limit is "
            f"{f.max_chars}'")))
    if f.kind in ("string", "tags"):
        control = CONTROL_CHARS if f.max_chars <= MAX_ID_CHARS else _TEXT_CONTROL
        out.append((f"regexp_matches({t}, {lit(control)})", reason_sql(
            "control_character", f.name, lit(f"field '{f.name}' {_CONTROL_MESSAGE}"))))
    if f.kind == "json":
        out.append((f"strlen({p}) > {f.max_chars}", reason_sql(
            "too_long", f.name,
            f"'field ''{f.name}'' is ' || strlen({p}) || ' bytes; the "
            f"limit is {f.max_chars}'")))
        # json_type() fails on malformed text, and AND does not guard it in a batch that
        # mixes valid and malformed rows: only CASE does
        out.append((f"{t} IS NOT NULL AND coalesce(CASE WHEN json_valid({t}) THEN "
                    f"json_type({t}) END, '') <> 'OBJECT'",
                     reason_sql("bad_json", f.name,
                             f"'field ''{f.name}'' is not a JSON object: ' || {value_text(f)}")))
        deep = DEEP_CHECK_PREFIX + f.name
        if deep in types:
            out.append((ident(deep), reason_sql(
                "nested_too_deep", f.name,
                lit(f"field '{f.name}' nests deeper than {MAX_JSON_DEPTH} levels"))))
        out.append((f"regexp_matches({p}, {lit(_JSON_CONTROL)})", reason_sql(
            "control_character", f.name,
            lit(f"field '{f.name}' holds a control character (NUL or another below "
                "U+0020, as a byte or a \\u escape); remove it at the source"))))
    if f.kind == "enum":
        allowed = ", ".join(lit(v) for v in f.enum)
        shown = ", ".join(f.enum[:12]) + (", ..." if len(f.enum) > 12 else "")
        out.append((f"{t} IS NOT NULL AND {t} NOT IN ({allowed})", reason_sql(
            "unknown_value", f.name,
            f"'unknown {f.name} ''' || {value_text(f)} || '''; expected one of: {shown}. "
            f"Map it under values.{f.name} in the mapping'")))
    if f.kind == "number":
        base = _number_base(plan, f, types)
        out.append((f"{t} IS NOT NULL AND ({p} IS NULL OR isnan({p}) OR isinf({base}))",
                    reason_sql("not_a_number", f.name,
                               f"'{f.name} ''' || {value_text(f)} || ''' is not a number'")))
        out.append((f"isinf({p}) OR abs({p}) > {MAX_NUMBER!r}", reason_sql(
            "number_out_of_range", f.name,
            f"'{f.name} ''' || {value_text(f)} || ''' is outside ±{MAX_NUMBER:.0e} (after "
            "unit conversion); check the value and the unit in the mapping'")))
        if f.min_value is not None:
            out.append((f"{p} < {f.min_value!r}", reason_sql(
                "negative_value", f.name,
                f"'{f.name} is ' || {value_text(f)} || '; it must be >= {f.min_value:g}'")))
    if f.kind == "timestamp":
        out += ts_checks(plan, f, types)
    if f.kind == "bool":
        out.append((f"{t} IS NOT NULL AND {p} IS NULL", reason_sql(
            "not_a_boolean", f.name,
            f"'{f.name} ''' || {value_text(f)} || ''' is not true/false (or yes/no, 1/0)'")))
    return out


def _table_checks(plan: Plan) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    spec = plan.spec
    if "platform" in spec.field_names:
        allowed = PARTNER_PLATFORMS[plan.partner]
        out.append((f"__v_platform NOT IN ({', '.join(lit(p) for p in allowed)})", reason_sql(
            "wrong_platform", "platform",
            f"'platform ''' || __v_platform || ''' does not belong to partner {plan.partner} "
            f"(allowed: {', '.join(allowed)})'")))
    if spec.name == "events":
        whens = " ".join(
            f"WHEN {lit(p)} THEN __v_event_type IN "
            f"({', '.join(lit(t) for t in (*EVENT_TYPES[p], *EVENT_TYPES['common']))})"
            for p in ("knowledge", "game", "stream"))
        out.append((f"NOT (CASE __v_platform {whens} ELSE true END)", reason_sql(
            "event_type_platform_mismatch", "event_type",
            "'event type ''' || __v_event_type || ''' is not a ' || __v_platform || "
            "' event type'")))
    return out


def _key_expr(plan: Plan) -> str:
    """The natural key: the event id, a derived id, or a hash of the whole record."""
    content = []
    for f in plan.spec.fields:
        if f.name == "event_id":
            continue
        v = f"__v_{f.name}"
        if f.kind == "timestamp":
            content.append(f"CAST(epoch_us({v}) AS VARCHAR)")
        elif f.kind == "tags":
            content.append(f"array_to_string({v}, chr(30))")
        else:
            content.append(f"CAST({v} AS VARCHAR)")
    joined = "concat_ws(chr(31), " + ", ".join(f"coalesce({c}, '')" for c in content) + ")"
    if plan.spec.key_field is None:
        return f"left(sha256({lit(plan.partner)} || chr(31) || {joined}), 32)"
    k = f"__t_{plan.spec.key_field}"
    if plan.spec.key_field in plan.mapping.columns:
        return k
    return f"coalesce({k}, 'd' || left(sha256({joined}), 31))"


def transform_sql(
    plan: Plan, types: dict[str, pa.DataType], relation: str, file_index: int, source: str
) -> str:
    """The SELECT producing staged rows from ``relation`` (a batch with ``_row``)."""
    spec = plan.spec
    src_cols = [c for c in types if c != "_row" and not c.startswith(INTERNAL_PREFIX)]
    auto = {
        f.name: expr for f in spec.fields
        if f.name not in plan.mapping.columns and f.name not in plan.mapping.constants
        and f.name not in types and (expr := _auto_expr(plan, f)) is not None
    }
    text = [f"{_text_expr(plan, f, types)} AS __t_{f.name}" for f in spec.fields
            if f.name not in auto]
    props = [f"{_text_expr_plain(c, types)} AS {ident('__p_' + c)}"
             for c in plan.mapping.properties]
    level1 = ", ".join(["s.*", *text, *props])
    level1b = ", ".join(["s1.*", *[f"{e} AS __t_{n}" for n, e in auto.items()]])
    naive = [f"{naive_ts_expr(plan, f)} AS __n_{f.name}" for f in spec.fields
             if f.kind == "timestamp"]
    level2 = ", ".join(["s2.*", *naive])
    parsed = [f"{_parsed_expr(plan, f, types)} AS __v_{f.name}" for f in spec.fields]
    level3 = ", ".join(["s3.*", *parsed])
    checks: list[tuple[str, str]] = []
    for f in spec.fields:
        checks += _checks(plan, f, types)
    checks += _table_checks(plan)
    reason = "CASE " + " ".join(f"WHEN {c} THEN {r}" for c, r in checks) + " END"
    key = _key_expr(plan)
    level4 = f"s4.*, {reason} AS __reason, {key} AS __key"
    raw = ("CAST(to_json(struct_pack(" + ", ".join(f"{ident(c)} := {ident(c)}" for c in src_cols)
           + ")) AS VARCHAR)") if src_cols else "'{}'"
    out = [f"{file_index} AS _file", "_row", f"{lit(plan.partner)} AS partner"]
    if spec.key_field is None:
        out.append("__key AS record_id")
    for f in spec.fields:
        out.append(f"__key AS {ident(f.column)}" if f.name == spec.key_field
                   else f"__v_{f.name} AS {ident(f.column)}")
    ingested = plan.ingested_at.strftime("%Y-%m-%d %H:%M:%S.%f")
    out += [f"{lit(source)} AS source", f"TIMESTAMP {lit(ingested)} AS ingested_at"]
    if "date" in spec.partition_by:
        out.append("CAST(__v_ts AS DATE) AS date")
    out += ["__reason AS _reason",
            f"CASE WHEN __reason IS NOT NULL THEN {raw} END AS _raw"]
    return (f"SELECT {', '.join(out)} FROM (SELECT {level4} FROM ("
            f"SELECT {level3} FROM (SELECT {level2} FROM (SELECT {level1b} FROM ("
            f"SELECT {level1} FROM {relation} s) s1) s2) s3) s4) s5")


def _text_expr_plain(col: str, types: dict[str, pa.DataType]) -> str:
    if col not in types:
        return "CAST(NULL AS VARCHAR)"
    if is_text(types[col]):
        return f"NULLIF({ident(col)}, '')"
    return f"CAST({ident(col)} AS VARCHAR)"
