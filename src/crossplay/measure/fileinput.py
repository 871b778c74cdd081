"""Experiments run elsewhere: one row per person in a CSV / Parquet / JSONL file.

DuckDB reduces the file to summary statistics per variant in one pass (the statistics
never see the rows). Problems — a missing column, text in a metric, empty cells — raise
:class:`MeasureError` naming the column and what to do; nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
            raise MeasureError(f"ratio metric {text!r}: write NAME=NUMERATOR/DENOMINATOR")
        return cls(name.strip() or f"{num.strip()}/{den.strip()}", num.strip(), den.strip())


def _reader(path: Path) -> str:
    if not path.exists():
        raise MeasureError(f"file {path} does not exist")
    suffix = "".join(path.suffixes[-2:]).lower()
    p = lit(str(path))
    if suffix.endswith(".parquet"):
        return f"read_parquet({p})"
    if suffix.endswith((".jsonl", ".ndjson", ".json")):
        return f"read_json_auto({p}, format='newline_delimited')"
    if suffix.endswith((".csv", ".tsv", ".txt", ".csv.gz")):
        return f"read_csv_auto({p}, header=true)"
    raise MeasureError(f"{path}: use a .csv, .parquet or .jsonl file")


def open_file(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, str]:
    """Register ``path`` as the view ``data``; returns its columns and DuckDB types."""
    try:
        con.sql(f"CREATE OR REPLACE TEMP VIEW data AS SELECT * FROM {_reader(path)}")
        rows = con.sql("DESCRIBE data").fetchall()
    except duckdb.Error as exc:
        raise MeasureError(f"cannot read {path}: {exc}") from None
    return {str(r[0]): str(r[1]) for r in rows}


_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE",
            "DECIMAL", "BOOLEAN", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")


def _check_numeric(columns: dict[str, str], col: str, what: str) -> None:
    if col not in columns:
        raise MeasureError(f"{what} column {col!r} is not in the file; columns: "
                           f"{', '.join(columns)}")
    if not columns[col].upper().startswith(_NUMERIC):
        raise MeasureError(f"{what} column {col!r} holds {columns[col]}, not numbers: "
                           "give a numeric column (0/1 for a conversion)")


def _num(col: str) -> str:
    return f"CAST({ident(col)} AS DOUBLE)"


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
                           f"{', '.join(columns)}")
    if not metrics and not ratios:
        raise MeasureError("name at least one --metric (or --ratio)")
    for m in metrics + guardrails:
        _check_numeric(columns, m, "metric")
    if covariate:
        _check_numeric(columns, covariate, "covariate")
    for r in ratios:
        _check_numeric(columns, r.numerator, "ratio numerator")
        _check_numeric(columns, r.denominator, "ratio denominator")
    used = [*metrics, *guardrails, *([covariate] if covariate else []),
            *(c for r in ratios for c in (r.numerator, r.denominator))]
    nulls = ", ".join(f"count(*) FILTER (WHERE {ident(c)} IS NULL)" for c in used)
    null_counts = con.sql(f"SELECT count(*) FILTER (WHERE {ident(variant_col)} IS NULL), "
                          f"{nulls} FROM data").fetchall()[0]
    for c, k in zip([variant_col, *used], null_counts, strict=True):
        if k:
            raise MeasureError(f"column {c!r} has {k:,} empty value(s): fill them (0 when "
                               "nothing happened) or remove those rows before analysing")

    aggs: list[str] = []
    for m in [*metrics, *guardrails]:
        y = _num(m)
        aggs += [f"sum({y})", f"sum({y}*{y})",
                 f"count(*) FILTER (WHERE {y} NOT IN (0, 1))"]
        if covariate:
            x = _num(covariate)
            aggs += [f"sum({x})", f"sum({x}*{x})", f"sum({x}*{y})"]
    for r in ratios:
        y, x = _num(r.numerator), _num(r.denominator)
        aggs += [f"sum({y})", f"sum({y}*{y})", f"sum({x})", f"sum({x}*{x})", f"sum({x}*{y})"]
    rows = con.sql(f"SELECT CAST({ident(variant_col)} AS VARCHAR) AS v, count(*) AS n, "
                   f"{', '.join(aggs)} FROM data GROUP BY 1 ORDER BY 1").fetchall()
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
                                   f"to 0 in variant {v!r}")
        role = "primary" if not out else ("guardrail" if r.name in guardrails else "secondary")
        out.append(MetricSummary(r.name, "ratio", dict(joint), role, r.name not in lower))
    return out
