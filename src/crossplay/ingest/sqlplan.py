"""The SQL that maps, converts and validates one batch of a partner export (pure).

``transform_sql`` returns one DuckDB ``SELECT`` over a registered Arrow batch. Each output
row carries the canonical columns plus ``_reason`` (NULL when the row is valid, else
``code<US>column<US>message``) and ``_raw`` (the source row as JSON, only for rejects).
Everything is vectorised in DuckDB; no Python runs per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pyarrow as pa

from crossplay.core.errors import MappingError
from crossplay.core.types import PARTNER_PLATFORMS, Partner
from crossplay.ingest.mapping import Mapping, unit_factor
from crossplay.schema.tables import EVENT_TYPES, Field, TableSpec

US = "\x1f"  # separator inside _reason
_SQL_TYPES = {
    "string": "VARCHAR", "pseudo_id": "VARCHAR", "enum": "VARCHAR", "number": "DOUBLE",
    "timestamp": "TIMESTAMPTZ", "bool": "BOOLEAN", "json": "VARCHAR", "tags": "VARCHAR[]",
}
_TRUE = ("true", "t", "1", "yes", "y", "granted", "agree", "是", "同意")
_FALSE = ("false", "f", "0", "no", "n", "revoked", "denied", "refused", "否", "拒绝")
_OFFSET_RE = r"\d{1,2}:\d{2}(:\d{2}(\.\d{1,9})?)?\s*(Z|z|[+-]\d{2}(:?\d{2})?)$"
_ISO_NAIVE_RE = r"\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?"
_YMD_SLASH_RE = r"\d{4}/\d{1,2}/\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?"
_DMY_RE = r"(\d{1,2})/(\d{1,2})/(\d{4})(.*)"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_type(f: Field) -> str:
    return _SQL_TYPES[f.kind]


@dataclass(frozen=True)
class Plan:
    """Everything fixed for one ingest run of one table."""

    spec: TableSpec
    mapping: Mapping
    partner: Partner
    timezone: str
    run_id: str
    ingested_at: datetime  # UTC
    max_ts: datetime  # UTC; later timestamps are rejected

    def source_of(self, f: Field) -> str | None:
        """The source column that feeds field ``f`` (None: constant, default or absent)."""
        if f.name in self.mapping.columns:
            return self.mapping.columns[f.name]
        return None


def check_columns(plan: Plan, columns: list[str], path: str) -> None:
    """File-level: every mapped column exists and every required field has a source."""
    present = set(columns)
    have = ", ".join(columns) if columns else "(none)"
    m = plan.mapping
    for f in plan.spec.fields:
        src = m.columns.get(f.name)
        if src is not None:
            if src not in present:
                raise MappingError(
                    f"{path}: the mapping reads {plan.spec.name} field '{f.name}' from column "
                    f"'{src}', which the file does not have ({m.where('columns.' + f.name)}). "
                    f"Columns in the file: {have}")
            continue
        if f.name in m.constants or f.default is not None or _auto_expr(plan, f) is not None:
            continue
        if f.name in present:
            continue
        if f.required:
            raise MappingError(
                f"{path}: required {plan.spec.name} field '{f.name}' has no source column: "
                f"the file has no column '{f.name}' and the mapping does not name one "
                f"({m.where('columns.' + f.name)}). Columns in the file: {have}")
    for col in m.properties:
        if col not in present:
            raise MappingError(f"{path}: `properties` lists column '{col}', which the file "
                               f"does not have ({m.where('properties')}). Columns: {have}")
    for name in m.constants:
        if plan.spec.field(name).kind == "pseudo_id":
            raise MappingError(f"{m.where('constants.' + name)}: a user id cannot be a "
                               "constant")


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


def _is_text(t: pa.DataType | None) -> bool:
    return t is None or pa.types.is_string(t) or pa.types.is_large_string(t)


def _text_expr(plan: Plan, f: Field, types: dict[str, pa.DataType]) -> str:
    m = plan.mapping
    src = m.columns.get(f.name)
    if src is None and f.name in types and f.name not in m.constants:
        src = f.name
    if src is not None:
        if src not in types:
            expr = "CAST(NULL AS VARCHAR)"
        elif _is_text(types[src]):
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


def _typed_source(
    plan: Plan, f: Field, types: dict[str, pa.DataType]
) -> tuple[str, pa.DataType] | None:
    src = plan.mapping.columns.get(f.name) or (f.name if f.name in types else None)
    if src is None or src not in types or _is_text(types[src]):
        return None
    return ident(src), types[src]


def _number_expr(plan: Plan, f: Field, types: dict[str, pa.DataType]) -> str:
    typed = _typed_source(plan, f, types)
    if typed is not None and (pa.types.is_integer(typed[1]) or pa.types.is_floating(typed[1])
                              or pa.types.is_decimal(typed[1])):
        base = f"CAST({typed[0]} AS DOUBLE)"
    else:
        base = f"TRY_CAST(__t_{f.name} AS DOUBLE)"
    rule = plan.mapping.unit_rule(f.name)
    if rule is None:
        return base
    default = unit_factor(rule.default)
    if not rule.by_event_type:
        return f"round({base} * {default!r}, 6)"
    whens = " ".join(f"WHEN {lit(k)} THEN {unit_factor(v)!r}"
                     for k, v in rule.by_event_type.items())
    return f"round({base} * CASE __t_event_type {whens} ELSE {default!r} END, 6)"


def fixed_offset_seconds(tz: str) -> int | None:
    """The zone's UTC offset when it has not changed since 2000 (no DST), else None."""
    zone = ZoneInfo(tz)
    offsets = set()
    for year in range(2000, datetime.now().year + 2):
        for month in (1, 4, 7, 10):
            off = datetime(year, month, 15, tzinfo=zone).utcoffset()
            offsets.add(int(off.total_seconds()) if off is not None else 0)
    return offsets.pop() if len(offsets) == 1 else None


def _to_utc(tz: str, naive: str) -> str:
    """Local wall time ``naive`` (TIMESTAMP) -> UTC as a naive TIMESTAMP.

    Zones with one fixed offset since 2000 (Asia/Shanghai, UTC) need only arithmetic;
    others go through ICU's time-zone rules.
    """
    fixed = fixed_offset_seconds(tz)
    if fixed is not None:
        return naive if fixed == 0 else f"({naive} - INTERVAL {fixed} SECOND)"
    return f"make_timestamp(epoch_us(timezone({lit(tz)}, {naive})))"


def _from_utc(tz: str, utc: str) -> str:
    """UTC naive TIMESTAMP -> local wall time in ``tz`` (TIMESTAMP)."""
    return f"CAST(timezone({lit(tz)}, timezone('UTC', {utc})) AS TIMESTAMP)"


def _has_offset(t: str) -> str:
    return (f"(right({t}, 1) IN ('Z', 'z') OR contains({t}, '+') OR "
            f"(strlen({t}) > 10 AND contains(substr({t}, 11), '-')))")


def _naive_ts_expr(plan: Plan, f: Field) -> str:
    """Naive local timestamp parsed from text (NULL when the text has an offset / epoch)."""
    t = f"__t_{f.name}"
    fmt = plan.mapping.timestamp_format
    if fmt in ("epoch_s", "epoch_ms"):
        return "CAST(NULL AS TIMESTAMP)"
    if fmt != "auto":
        if "%z" in fmt or "%Z" in fmt:
            return "CAST(NULL AS TIMESTAMP)"
        return f"try_strptime({t}, {lit(fmt)})"
    dmy = (f"CASE WHEN CAST(regexp_extract({t}, {lit(_DMY_RE)}, 1) AS INT) > 12 "
           f"THEN regexp_replace({t}, {lit(_DMY_RE)}, '\\3-\\2-\\1\\4') "
           f"WHEN CAST(regexp_extract({t}, {lit(_DMY_RE)}, 2) AS INT) > 12 "
           f"OR regexp_extract({t}, {lit(_DMY_RE)}, 1) = regexp_extract({t}, {lit(_DMY_RE)}, 2) "
           f"THEN regexp_replace({t}, {lit(_DMY_RE)}, '\\3-\\1-\\2\\4') END")
    return (f"CASE WHEN {_has_offset(t)} THEN NULL "
            f"ELSE coalesce(TRY_CAST({t} AS TIMESTAMP), CASE WHEN regexp_full_match({t}, "
            f"{lit(_DMY_RE)}) THEN TRY_CAST({dmy} AS TIMESTAMP) END) END")


def _ts_expr(plan: Plan, f: Field, types: dict[str, pa.DataType]) -> str:
    """UTC as a naive TIMESTAMP (arithmetic only; the lake stores it tagged as UTC)."""
    tz = plan.timezone
    typed = _typed_source(plan, f, types)
    fmt = plan.mapping.timestamp_format
    if typed is not None:
        col, t = typed
        if pa.types.is_timestamp(t):
            if t.tz is None:
                return _to_utc(tz, f"CAST({col} AS TIMESTAMP)")
            return f"make_timestamp(epoch_us({col}))"
        if pa.types.is_date(t):
            return _to_utc(tz, f"CAST({col} AS TIMESTAMP)")
        if pa.types.is_integer(t) or pa.types.is_floating(t):
            return _epoch_expr(f"CAST({col} AS DOUBLE)", fmt)
    text = f"__t_{f.name}"
    naive = f"__n_{f.name}"
    if fmt in ("epoch_s", "epoch_ms"):
        return _epoch_expr(f"TRY_CAST({text} AS DOUBLE)", fmt)
    if fmt != "auto":
        if "%z" in fmt or "%Z" in fmt:
            return f"make_timestamp(epoch_us(try_strptime({text}, {lit(fmt)})))"
        return _to_utc(tz, naive)
    return (f"CASE WHEN {naive} IS NOT NULL THEN {_to_utc(tz, naive)} "
            f"WHEN {_has_offset(text)} "
            f"THEN make_timestamp(epoch_us(TRY_CAST({text} AS TIMESTAMPTZ))) "
            f"WHEN regexp_full_match({text}, '\\d{{9,10}}(\\.\\d+)?') "
            f"THEN {_epoch_expr(f'TRY_CAST({text} AS DOUBLE)', 'epoch_s')} "
            f"WHEN regexp_full_match({text}, '\\d{{12,13}}') "
            f"THEN {_epoch_expr(f'TRY_CAST({text} AS DOUBLE)', 'epoch_ms')} END")


def _epoch_expr(num: str, fmt: str) -> str:
    micros = {
        "epoch_s": f"{num} * 1000000",
        "epoch_ms": f"{num} * 1000",
        "auto": f"CASE WHEN abs({num}) >= 1e11 THEN {num} * 1000 ELSE {num} * 1000000 END",
    }.get(fmt, f"{num} * 1000000")
    return f"CASE WHEN abs({num}) < 1e14 THEN make_timestamp(CAST({micros} AS BIGINT)) END"


def _tags_expr(plan: Plan, f: Field, types: dict[str, pa.DataType]) -> str:
    typed = _typed_source(plan, f, types)
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
        return _ts_expr(plan, f, types)
    if f.kind == "bool":
        trues = ", ".join(lit(v) for v in _TRUE)
        falses = ", ".join(lit(v) for v in _FALSE)
        return (f"CASE WHEN lower({t}) IN ({trues}) THEN true "
                f"WHEN lower({t}) IN ({falses}) THEN false END")
    if f.kind == "json":
        return _json_expr(plan, f)
    return _tags_expr(plan, f, types)


def _reason(code: str, column: str, message: str) -> str:
    return f"concat_ws(chr(31), {lit(code)}, {lit(column)}, {message})"


def _val(f: Field) -> str:
    return f"left(__t_{f.name}, 80)"


def _checks(plan: Plan, f: Field, types: dict[str, pa.DataType]) -> list[tuple[str, str]]:
    t, p = f"__t_{f.name}", f"__v_{f.name}"
    src = plan.source_of(f) or f.name
    out: list[tuple[str, str]] = []
    if f.required or (f.name == "event_id" and f.name in plan.mapping.columns):
        out.append((f"{t} IS NULL", _reason(
            "missing_value", f.name,
            lit(f"required field '{f.name}' is empty (source column '{src}')"))))
    if f.kind in ("string", "enum", "tags"):
        out.append((f"strlen({t}) > {f.max_chars} AND length({t}) > {f.max_chars}", _reason(
            "too_long", f.name,
            f"'field ''{f.name}'' is ' || length({t}) || ' characters; the limit is "
            f"{f.max_chars}'")))
    if f.kind == "json":
        out.append((f"strlen({p}) > {f.max_chars}", _reason(
            "too_long", f.name,
            f"'field ''{f.name}'' is ' || strlen({p}) || ' bytes; the "
            f"limit is {f.max_chars}'")))
        out.append((f"{t} IS NOT NULL AND NOT (json_valid({t}) AND json_type({t}) = 'OBJECT')",
                     _reason("bad_json", f.name,
                             f"'field ''{f.name}'' is not a JSON object: ' || {_val(f)}")))
    if f.kind == "enum":
        allowed = ", ".join(lit(v) for v in f.enum)
        shown = ", ".join(f.enum[:12]) + (", ..." if len(f.enum) > 12 else "")
        out.append((f"{t} IS NOT NULL AND {t} NOT IN ({allowed})", _reason(
            "unknown_value", f.name,
            f"'unknown {f.name} ''' || {_val(f)} || '''; expected one of: {shown}. "
            f"Map it under values.{f.name} in the mapping'")))
    if f.kind == "number":
        out.append((f"{t} IS NOT NULL AND ({p} IS NULL OR isnan({p}) OR isinf({p}))", _reason(
            "not_a_number", f.name, f"'{f.name} ''' || {_val(f)} || ''' is not a number'")))
        if f.min_value is not None:
            out.append((f"{p} < {f.min_value!r}", _reason(
                "negative_value", f.name,
                f"'{f.name} is ' || {_val(f)} || '; it must be >= {f.min_value:g}'")))
    if f.kind == "timestamp":
        out += _ts_checks(plan, f, types)
    if f.kind == "bool":
        out.append((f"{t} IS NOT NULL AND {p} IS NULL", _reason(
            "not_a_boolean", f.name,
            f"'{f.name} ''' || {_val(f)} || ''' is not true/false (or yes/no, 1/0)'")))
    return out


def _ts_checks(plan: Plan, f: Field, types: dict[str, pa.DataType]) -> list[tuple[str, str]]:
    t, p, n = f"__t_{f.name}", f"__v_{f.name}", f"__n_{f.name}"
    tz = plan.timezone
    out: list[tuple[str, str]] = []
    text_source = _typed_source(plan, f, types) is None
    if text_source and plan.mapping.timestamp_format == "auto":
        a = f"CAST(regexp_extract({t}, {lit(_DMY_RE)}, 1) AS INT)"
        b = f"CAST(regexp_extract({t}, {lit(_DMY_RE)}, 2) AS INT)"
        out.append((f"{p} IS NULL AND {t} IS NOT NULL AND regexp_full_match({t}, "
                    f"{lit(_DMY_RE)}) AND {a} <= 12 AND {b} <= 12 "
                    f"AND {a} <> {b}", _reason(
            "ambiguous_timestamp", f.name,
            f"'timestamp ''' || {_val(f)} || ''' is ambiguous: day and month could be "
            f"swapped. Set timestamp_format in the mapping (e.g. ''%d/%m/%Y %H:%M:%S'')'")))
    if text_source and fixed_offset_seconds(tz) is None:
        back = _from_utc(tz, p)
        out.append((f"{n} IS NOT NULL AND {p} IS NOT NULL AND {back} <> {n}", _reason(
            "nonexistent_local_time", f.name,
            f"'local time ''' || {_val(f)} || ''' does not exist in {tz} (clocks jumped "
            f"forward); use timestamps with a UTC offset'")))
        out.append((
            f"{n} IS NOT NULL AND {p} IS NOT NULL AND ("
            f"{_from_utc(tz, p + ' + INTERVAL 1 HOUR')} = {n} OR "
            f"{_from_utc(tz, p + ' - INTERVAL 1 HOUR')} = {n})",
            _reason("ambiguous_local_time", f.name,
                    f"'local time ''' || {_val(f)} || ''' happens twice in {tz} (clocks went "
                    f"back); use timestamps with a UTC offset'")))
    out.append((f"{t} IS NOT NULL AND {p} IS NULL", _reason(
        "bad_timestamp", f.name,
        f"'''' || {_val(f)} || ''' is not a valid timestamp (expected e.g. "
        f"2026-09-01 20:15:00, ISO 8601 with an offset, or epoch seconds / ms; "
        f"or set timestamp_format in the mapping)'")))
    lo = "TIMESTAMP '2000-01-01 00:00:00'"
    hi = f"TIMESTAMP {lit(plan.max_ts.strftime('%Y-%m-%d %H:%M:%S'))}"
    out.append((f"{p} < {lo} OR {p} > {hi}", _reason(
        "timestamp_out_of_range", f.name,
        f"'timestamp ''' || {_val(f)} || ''' is outside 2000-01-01 .. "
        f"{plan.max_ts:%Y-%m-%d} (UTC)'")))
    return out


def _table_checks(plan: Plan) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    spec = plan.spec
    if "platform" in spec.field_names:
        allowed = PARTNER_PLATFORMS[plan.partner]
        out.append((f"__v_platform NOT IN ({', '.join(lit(p) for p in allowed)})", _reason(
            "wrong_platform", "platform",
            f"'platform ''' || __v_platform || ''' does not belong to partner {plan.partner} "
            f"(allowed: {', '.join(allowed)})'")))
    if spec.name == "events":
        whens = " ".join(
            f"WHEN {lit(p)} THEN __v_event_type IN "
            f"({', '.join(lit(t) for t in (*EVENT_TYPES[p], *EVENT_TYPES['common']))})"
            for p in ("knowledge", "game", "stream"))
        out.append((f"NOT (CASE __v_platform {whens} ELSE true END)", _reason(
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


def output_columns(spec: TableSpec) -> list[tuple[str, str]]:
    """(name, SQL type) of the staged rows: canonical columns plus bookkeeping."""
    cols: list[tuple[str, str]] = [("_file", "INTEGER"), ("_row", "BIGINT")]
    cols += [("partner", "VARCHAR")]
    if spec.key_field is None:
        cols.append(("record_id", "VARCHAR"))
    cols += [(f.column, "TIMESTAMP" if f.kind == "timestamp" else sql_type(f))
             for f in spec.fields]
    cols += [("source", "VARCHAR"), ("ingested_at", "TIMESTAMP")]
    if "date" in spec.partition_by:
        cols.append(("date", "DATE"))
    cols += [("_key", "VARCHAR"), ("_reason", "VARCHAR"), ("_raw", "VARCHAR")]
    return cols


def transform_sql(
    plan: Plan, types: dict[str, pa.DataType], relation: str, file_index: int, source: str
) -> str:
    """The SELECT producing staged rows from ``relation`` (a batch with ``_row``)."""
    spec = plan.spec
    src_cols = [c for c in types if c != "_row"]
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
    naive = [f"{_naive_ts_expr(plan, f)} AS __n_{f.name}" for f in spec.fields
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
    out += ["__key AS _key", "__reason AS _reason",
            f"CASE WHEN __reason IS NOT NULL THEN {raw} END AS _raw"]
    return (f"SELECT {', '.join(out)} FROM (SELECT {level4} FROM ("
            f"SELECT {level3} FROM (SELECT {level2} FROM (SELECT {level1b} FROM ("
            f"SELECT {level1} FROM {relation} s) s1) s2) s3) s4) s5")


def _text_expr_plain(col: str, types: dict[str, pa.DataType]) -> str:
    if col not in types:
        return "CAST(NULL AS VARCHAR)"
    if _is_text(types[col]):
        return f"NULLIF({ident(col)}, '')"
    return f"CAST({ident(col)} AS VARCHAR)"
