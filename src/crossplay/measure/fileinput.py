"""Experiments run elsewhere: one row per person in a CSV / Parquet / JSONL file.

DuckDB reduces the file to summary statistics per variant in one pass (the statistics
never see the rows). Problems — a missing column, text in a metric, empty cells — raise
:class:`MeasureError` naming the column and what to do; nothing is dropped silently.

Metric values are numbers, or booleans read as 1 / 0 (a conversion flag): a BOOLEAN column,
or text ``true`` / ``false`` / ``yes`` / ``no`` in any case. Anything else — text, NaN,
infinity, a value DuckDB's CSV type detection did not see in its sample — is refused with
the column and the first bad value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from crossplay.ingest.sqlbase import ident, lit
from crossplay.measure.analysis import MetricKind, MetricSummary, Role
from crossplay.measure.errors import MeasureError
from crossplay.measure.summary import JointMoments, Moments


@dataclass(frozen=True)
class RatioSpec:
    name: str
    numerator: str
    denominator: str

    @classmethod
    def parse(cls, text: str) -> RatioSpec:
        """``NAME=NUM/DEN`` (or ``NUM/DEN``, named after the two columns)."""
        name, _, expr = text.rpartition("=")
        num, slash, den = expr.partition("/")
        if not slash or not num.strip() or not den.strip():
            raise MeasureError(f"ratio metric {text!r}: write NAME=NUMERATOR/DENOMINATOR",
                               code="measure_ratio_spec", params={"text": text})
        return cls(name.strip() or f"{num.strip()}/{den.strip()}", num.strip(), den.strip())


def _reader(path: Path) -> str:
    if not path.exists():
        raise MeasureError(f"file {path} does not exist", code="measure_file_missing",
                           params={"path": str(path)})
    suffix = "".join(path.suffixes[-2:]).lower()
    p = lit(str(path))
    if suffix.endswith(".parquet"):
        return f"read_parquet({p})"
    if suffix.endswith((".jsonl", ".ndjson", ".json")):
        return f"read_json_auto({p}, format='newline_delimited')"
    if suffix.endswith((".csv", ".tsv", ".txt", ".csv.gz")):
        return f"read_csv_auto({p}, header=true)"
    raise MeasureError(f"{path}: use a .csv, .parquet or .jsonl file",
                       code="measure_file_type", params={"path": str(path)})


def open_file(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, str]:
    """Register ``path`` as the view ``data``; returns its columns and DuckDB types.

    Also registers ``data_text``, the same file with every value as text (for a CSV, read
    again without type detection), where :func:`summaries` looks for the first bad value
    when a typed read fails.
    """
    reader = _reader(path)
    text = (reader.replace(", header=true)", ", header=true, all_varchar=true)")
            if reader.startswith("read_csv_auto(") else reader)
    try:
        con.sql(f"CREATE OR REPLACE TEMP VIEW data AS SELECT * FROM {reader}")
        con.sql(f"CREATE OR REPLACE TEMP VIEW data_text AS SELECT * FROM {text}")
        rows = con.sql("DESCRIBE data").fetchall()
    except duckdb.Error as exc:
        detail = _first_line(exc)
        raise MeasureError(f"cannot read {path}: {detail}", code="measure_file_unreadable",
                           params={"path": str(path), "detail": detail}) from None
    return {str(r[0]): str(r[1]) for r in rows}


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE",
            "DECIMAL", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT")

#: text read as 1 / 0 in a metric column (compared trimmed and lower-cased)
TRUE_WORDS = ("true", "yes")
FALSE_WORDS = ("false", "no")


def _text_value(sql: str) -> str:
    """A text value as DOUBLE: true/yes -> 1, false/no -> 0, a number as itself, else NULL."""
    low = f"lower(trim({sql}))"
    ones = ", ".join(lit(w) for w in TRUE_WORDS)
    zeros = ", ".join(lit(w) for w in FALSE_WORDS)
    return (f"CASE WHEN {low} IN ({ones}) THEN 1::DOUBLE WHEN {low} IN ({zeros}) "
            f"THEN 0::DOUBLE ELSE TRY_CAST(trim({sql}) AS DOUBLE) END")


def value_sql(columns: dict[str, str], col: str, what: str) -> str:
    """SQL for ``col`` of the view ``data`` as DOUBLE (booleans as 1 / 0); NULL where a
    value is not a number. Refuses a missing column or one of a non-numeric type."""
    if col not in columns:
        raise MeasureError(f"{what} column {col!r} is not in the file; columns: "
                           f"{', '.join(columns)}", code="measure_column_missing",
                           params={"role": what, "column": col,
                                   "columns": ", ".join(columns)})
    typ, c = columns[col].upper(), ident(col)
    if typ == "BOOLEAN":
        # not CAST(... AS DOUBLE): DuckDB pushes such a cast into the CSV reader, which
        # then fails on the text "True"
        return f"CASE WHEN {c} THEN 1::DOUBLE WHEN NOT {c} THEN 0::DOUBLE END"
    if typ.startswith(_NUMERIC):
        return f"CAST({c} AS DOUBLE)"
    if typ == "VARCHAR":
        return _text_value(c)
    raise MeasureError(f"{what} column {col!r} holds {columns[col]}, not numbers: "
                       "give a numeric column (0/1 or true/false for a conversion)",
                       code="measure_column_type",
                       params={"role": what, "column": col, "type": columns[col]})


def _bad_value_sql(value: str) -> str:
    """The condition "this value is not a finite number" for :func:`value_sql`'s SQL."""
    return f"({value} IS NULL OR NOT isfinite({value}))"


def _first_bad_value(con: duckdb.DuckDBPyConnection, view: str, col: str, value: str,
                     where: str = "true") -> str | None:
    rows = con.sql(f"SELECT CAST({ident(col)} AS VARCHAR) FROM {view} "
                   f"WHERE ({where}) AND {ident(col)} IS NOT NULL AND "
                   f"{_bad_value_sql(value)} LIMIT 1").fetchall()
    return str(rows[0][0]) if rows else None


def _not_a_number(what: str, col: str, value: str) -> MeasureError:
    return MeasureError(
        f"{what} column {col!r} holds {value!r}, not numbers: give numbers (true/false or "
        f"yes/no count as 1/0); fix or remove the rows holding such values",
        code="measure_not_a_number", params={"role": what, "column": col, "value": value})


def checked_values(con: duckdb.DuckDBPyConnection, columns: dict[str, str],
                   what: dict[str, str], *, where: str = "true",
                   nonempty: tuple[str, ...] = ()) -> dict[str, str]:
    """:func:`value_sql` of each column of ``what`` (column -> its role, for messages),
    after checking in one pass over the rows matching ``where`` that no cell of these (and
    of ``nonempty``) is empty and every value is a finite number (else a MeasureError
    naming the column and the first bad value)."""
    num = {c: value_sql(columns, c, w) for c, w in what.items()}
    for c in nonempty:
        if c not in columns:
            raise MeasureError(f"column {c!r} is not in the file; columns: "
                               f"{', '.join(columns)}", code="measure_column_absent",
                               params={"column": c, "columns": ", ".join(columns)})
    checks = [f"count(*) FILTER (WHERE {ident(c)} IS NULL)" for c in nonempty]
    for c in what:
        checks += [f"count(*) FILTER (WHERE {ident(c)} IS NULL)",
                   f"count(*) FILTER (WHERE {ident(c)} IS NOT NULL AND "
                   f"{_bad_value_sql(num[c])})"]
    try:
        counts = con.sql(f"SELECT {', '.join(checks)} FROM data WHERE {where}").fetchall()[0]
        for c, k in zip(nonempty, counts, strict=False):
            if k:
                raise _empty(c, k)
        for i, c in enumerate(what):
            empty, bad = counts[len(nonempty) + 2 * i], counts[len(nonempty) + 2 * i + 1]
            if empty:
                raise _empty(c, empty)
            if bad:
                value = _first_bad_value(con, "data", c, num[c], where)
                raise _not_a_number(what[c], c, "" if value is None else value)
    except duckdb.Error as exc:
        raise _read_failed(con, exc, what) from None
    return num


def _empty(col: str, k: int) -> MeasureError:
    return MeasureError(f"column {col!r} has {k:,} empty value(s): fill them (0 when "
                        "nothing happened) or remove those rows before analysing",
                        code="measure_empty_values", params={"column": col, "n": k})


def _read_failed(con: duckdb.DuckDBPyConnection, exc: duckdb.Error,
                 used: dict[str, str]) -> MeasureError:
    """A typed read failed (a CSV value past the type detector's sample): find and name the
    first bad value, reading every column as text."""
    for col, what in used.items():
        bad = _first_bad_value(con, "data_text", col, _text_value(ident(col)))
        if bad is not None:
            return _not_a_number(what, col, bad)
    detail = _first_line(exc)
    return MeasureError(f"cannot read the file: {detail}", code="measure_read_failed",
                        params={"detail": detail})


def _moments(con: duckdb.DuckDBPyConnection, variant_col: str, num: dict[str, str],
             metrics: list[str], guardrails: list[str], covariate: str | None,
             ratios: list[RatioSpec]) -> list[tuple[Any, ...]]:
    """Per variant: its value, n and the sums the statistics need."""
    aggs: list[str] = []
    for m in [*metrics, *guardrails]:
        y = num[m]
        aggs += [f"sum({y})", f"sum({y}*{y})",
                 f"count(*) FILTER (WHERE {y} NOT IN (0, 1))"]
        if covariate:
            x = num[covariate]
            aggs += [f"sum({x})", f"sum({x}*{x})", f"sum({x}*{y})"]
    for r in ratios:
        y, x = num[r.numerator], num[r.denominator]
        aggs += [f"sum({y})", f"sum({y}*{y})", f"sum({x})", f"sum({x}*{x})", f"sum({x}*{y})"]
    rows = con.sql(f"SELECT CAST({ident(variant_col)} AS VARCHAR) AS v, count(*) AS n, "
                   f"{', '.join(aggs)} FROM data GROUP BY 1 ORDER BY 1").fetchall()
    for row in rows:
        if not all(math.isfinite(float(v)) for v in row[2:]):
            raise MeasureError(
                f"values in variant {row[0]!r} are too large to analyse (their squares "
                f"overflow): check the metric columns for values such as 1e308",
                code="measure_overflow", params={"variant": row[0]})
    return rows


def summaries(con: duckdb.DuckDBPyConnection, columns: dict[str, str], *, variant_col: str,
              metrics: list[str], covariate: str | None = None,
              ratios: list[RatioSpec] | None = None, guardrails: list[str] | None = None,
              lower_is_better: list[str] | None = None) -> list[MetricSummary]:
    """Summary statistics per variant for each metric of the view ``data``.

    The first metric is primary, the others secondary, those in ``guardrails`` guardrails.
    """
    ratios = ratios or []
    guardrails = guardrails or []
    lower = set(lower_is_better or [])
    if variant_col not in columns:
        raise MeasureError(f"variant column {variant_col!r} is not in the file; columns: "
                           f"{', '.join(columns)}", code="measure_variant_column",
                           params={"column": variant_col, "columns": ", ".join(columns)})
    if not metrics and not ratios:
        raise MeasureError("name at least one --metric (or --ratio)",
                           code="measure_no_metric")
    what: dict[str, str] = {}  # column -> its role, for messages
    for m in metrics + guardrails:
        what.setdefault(m, "metric")
    if covariate:
        what.setdefault(covariate, "covariate")
    for r in ratios:
        what.setdefault(r.numerator, "ratio numerator")
        what.setdefault(r.denominator, "ratio denominator")
    num = checked_values(con, columns, what, nonempty=(variant_col,))
    try:
        rows = _moments(con, variant_col, num, metrics, guardrails, covariate, ratios)
    except duckdb.Error as exc:
        raise _read_failed(con, exc, what) from None
    out: list[MetricSummary] = []
    per = 6 if covariate else 3
    for i, m in enumerate([*metrics, *guardrails]):
        base = 2 + i * per
        stats: dict[str, Moments | JointMoments] = {}
        binary = True
        for row in rows:
            n, sy, syy, nonbin = float(row[1]), row[base], row[base + 1], row[base + 2]
            binary = binary and nonbin == 0
            if covariate:
                sx, sxx, sxy = row[base + 3], row[base + 4], row[base + 5]
                stats[row[0]] = JointMoments(n, sy, syy, sx, sxx, sxy)
            else:
                stats[row[0]] = Moments(n, sy, syy)
        kind: MetricKind = "proportion" if binary else "mean"
        role: Role = "guardrail" if m in guardrails else ("primary" if i == 0 else "secondary")
        out.append(MetricSummary(m, kind, stats, role, m not in lower, bool(covariate)))
    base0 = 2 + len([*metrics, *guardrails]) * per
    for j, r in enumerate(ratios):
        b = base0 + 5 * j
        joint = {row[0]: JointMoments(float(row[1]), row[b], row[b + 1], row[b + 2],
                                      row[b + 3], row[b + 4]) for row in rows}
        for v, s in joint.items():
            if s.sum_x == 0:
                raise MeasureError(f"ratio {r.name}: the denominator {r.denominator!r} sums "
                                   f"to 0 in variant {v!r}", code="measure_ratio_zero",
                                   params={"name": r.name, "denominator": r.denominator,
                                           "variant": v})
        role = "primary" if not out else ("guardrail" if r.name in guardrails else "secondary")
        out.append(MetricSummary(r.name, "ratio", dict(joint), role, r.name not in lower))
    return out
