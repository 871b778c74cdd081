"""Metrics of an experiment over the lake: one row per exposed person, then moments.

SQL only (DuckDB over the partner-scoped lake views). ``exposures`` is a temp view of the
experiment's first exposure per person (people logged in two variants are left out and
counted); each metric is an aggregate of the person's events in a window that starts at
that first exposure (see :class:`crossplay.measure.experiment.MetricDef`); a pre-period
of ``cuped_days`` before the exposure gives the CUPED covariate. The statistics never see
the rows: :func:`metric_summaries` reduces them to sums per variant in SQL.
"""

from __future__ import annotations

import duckdb

from crossplay.ingest.sqlbase import ident, lit
from crossplay.measure.analysis import MetricKind, MetricSummary
from crossplay.measure.errors import MeasureError
from crossplay.measure.experiment import Experiment, MetricDef
from crossplay.measure.exposures import EXPOSURE_EVENT
from crossplay.measure.summary import JointMoments, Moments


def exposures_sql(exp: Experiment) -> str:
    """``user_key, variant, first_ts`` of people exposed in the window, one variant each."""
    variants = ", ".join(lit(v.key) for v in exp.variants)
    aud = (f" AND user_key IN (SELECT user_key FROM ({exp.audience_sql}))"
           if exp.audience_sql else "")
    return f"""
        SELECT user_key, min(variant) AS variant, min(ts) AS first_ts,
               count(DISTINCT variant) AS n_variants
        FROM (SELECT user_key, ts, json_extract_string(properties, '$.variant') AS variant
              FROM events
              WHERE partner = {lit(exp.partner)} AND event_type = {lit(EXPOSURE_EVENT)}
                AND item_id = {lit(exp.key)}
                AND ts >= TIMESTAMPTZ {lit(exp.start.isoformat() + ' 00:00:00+00')}
                AND ts < TIMESTAMPTZ {lit(exp.stop.isoformat() + ' 00:00:00+00')}{aud})
        WHERE variant IN ({variants})
        GROUP BY user_key"""


def _cond(m: MetricDef, lo_days: int, hi_days: int) -> str:
    parts = [f"ts >= first_ts + INTERVAL ({lo_days}) DAY",
             f"ts < first_ts + INTERVAL ({hi_days}) DAY"]
    if m.events:
        parts.append(f"event_type IN ({', '.join(lit(e) for e in m.events)})")
    if m.item_types:
        parts.append(f"item_type IN ({', '.join(lit(t) for t in m.item_types)})")
    if m.platform:
        parts.append(f"platform = {lit(m.platform)}")
    return " AND ".join(parts)


def _agg(m: MetricDef, lo: int, hi: int) -> str:
    c = _cond(m, lo, hi)
    if m.kind in ("conversion", "retention"):
        return f"CAST(count(*) FILTER (WHERE {c}) > 0 AS DOUBLE)"
    if m.kind == "count":
        return f"CAST(count(*) FILTER (WHERE {c}) AS DOUBLE)"
    return f"coalesce(sum(value) FILTER (WHERE {c}), 0)"


def person_sql(exp: Experiment) -> str:
    """One row per exposed person: ``user_key, variant, first_ts`` and a column per metric
    (``<key>``, plus ``<key>__pre`` with a pre-period)."""
    if not exp.metrics:
        raise MeasureError(f"experiment {exp.key} defines no metrics",
                           code="experiment_no_metrics", params={"key": exp.key})
    aggs: list[str] = []
    joins: list[str] = []
    cols: list[str] = []
    span_lo, span_hi = 0, 1
    for i, m in enumerate(exp.metrics):
        col = ident(m.key)
        if m.kind == "ratio":
            continue
        if m.kind == "sql":
            # summed per person: a query returning several rows for someone must not
            # duplicate that person in the analysis
            joins.append(f"LEFT JOIN (SELECT user_key, sum(CAST(value AS DOUBLE)) AS value "
                         f"FROM ({m.sql}) GROUP BY user_key) s{i} ON s{i}.user_key = x.user_key")
            cols.append(f"coalesce(CAST(s{i}.value AS DOUBLE), 0) AS {col}")
            continue
        lo, hi = ((m.day, m.day + 1) if m.kind == "retention" and m.day is not None
                  else (0, m.within_days))
        aggs.append(f"{_agg(m, lo, hi)} AS {col}")
        cols.append(f"coalesce(p.{col}, 0) AS {col}")
        span_hi = max(span_hi, hi)
        if m.cuped_days:
            pre = ident(m.key + "__pre")
            aggs.append(f"{_agg(m, -m.cuped_days, 0)} AS {pre}")
            cols.append(f"coalesce(p.{pre}, 0) AS {pre}")
            span_lo = min(span_lo, -m.cuped_days)
    for m in exp.metrics:
        if m.kind == "ratio":
            for ref in (m.numerator, m.denominator):
                kind = next(x.kind for x in exp.metrics if x.key == ref)
                if kind == "ratio":
                    raise MeasureError(f"ratio {m.key}: {ref} is itself a ratio",
                                       code="experiment_nested_ratio",
                                       params={"key": m.key, "ref": ref})
    per = "SELECT NULL::VARCHAR AS user_key WHERE false"
    if aggs:
        per = f"""
        SELECT e.user_key, {', '.join(aggs)}
        FROM (SELECT ev.user_key, ev.ts, ev.event_type, ev.item_type, ev.platform, ev.value,
                     x.first_ts
              FROM events ev JOIN exposures x ON ev.user_key = x.user_key
              WHERE ev.partner = {lit(exp.partner)}
                AND ev.ts >= x.first_ts + INTERVAL ({span_lo}) DAY
                AND ev.ts < x.first_ts + INTERVAL ({span_hi}) DAY) e
        GROUP BY e.user_key"""
    return f"""
        SELECT x.user_key, x.variant, x.first_ts, {', '.join(cols)}
        FROM exposures x LEFT JOIN ({per}) p ON p.user_key = x.user_key
        {' '.join(joins)}"""


def _sums(y: str, x: str | None) -> list[str]:
    out = [f"sum({y})", f"sum({y}*{y})"]
    if x is not None:
        out += [f"sum({x})", f"sum({x}*{x})", f"sum({x}*{y})"]
    return out


def create_person_table(con: duckdb.DuckDBPyConnection, exp: Experiment) -> None:
    """Temp views ``exposures_all`` (every exposed person, with ``n_variants``) and
    ``exposures`` (people in one variant only), and the temp table ``per_person``."""
    con.execute(f"CREATE TEMP VIEW exposures_all AS {exposures_sql(exp)}")
    con.execute("CREATE TEMP VIEW exposures AS SELECT user_key, variant, first_ts "
                "FROM exposures_all WHERE n_variants = 1")
    con.execute(f"CREATE TEMP TABLE per_person AS {person_sql(exp)}")


def metric_summaries(con: duckdb.DuckDBPyConnection, exp: Experiment,
                     view: str = "per_person") -> list[MetricSummary]:
    """Moments per variant for every metric of ``exp`` from the per-person view."""
    aggs: list[str] = []
    layout: list[tuple[MetricDef, bool]] = []
    for m in exp.metrics:
        if m.kind == "ratio":
            assert m.numerator and m.denominator
            aggs += _sums(ident(m.numerator), ident(m.denominator))
            layout.append((m, True))
        else:
            pre = ident(m.key + "__pre") if m.cuped_days else None
            aggs += _sums(ident(m.key), pre)
            aggs.append(f"count(*) FILTER (WHERE {ident(m.key)} NOT IN (0, 1))")
            layout.append((m, pre is not None))
    rows = con.sql(f"SELECT variant, count(*), {', '.join(aggs)} FROM {view} "
                   "GROUP BY 1 ORDER BY 1").fetchall()
    present = {r[0] for r in rows}
    missing = [v.key for v in exp.variants if v.key not in present]
    if missing:
        raise MeasureError(f"experiment {exp.key}: no exposures logged for variant(s) "
                           f"{', '.join(missing)} between {exp.start} and {exp.stop}",
                           code="experiment_variant_unexposed",
                           params={"key": exp.key, "variants": ", ".join(missing),
                                   "start": exp.start, "stop": exp.stop})
    out: list[MetricSummary] = []
    pos = 2
    for m, joint in layout:
        stats: dict[str, Moments | JointMoments] = {}
        width = 5 if joint else 2
        binary = True
        for r in rows:
            vals = [float(v or 0) for v in r[pos:pos + width]]
            n = float(r[1])
            stats[r[0]] = JointMoments(n, *vals) if joint else Moments(n, *vals)
            if m.kind != "ratio":
                binary = binary and r[pos + width] == 0
        kind: MetricKind = ("ratio" if m.kind == "ratio"
                            else "proportion" if binary and m.kind in ("conversion",
                                                                     "retention")
                            else "mean")
        out.append(MetricSummary(m.key, kind, stats, m.role, m.higher_is_better,
                                 covariate=joint and m.kind != "ratio"))
        pos += width + (0 if m.kind == "ratio" else 1)
    return out


def daily_series(con: duckdb.DuckDBPyConnection, metric: str, view: str = "per_person"
                 ) -> list[tuple[str, str, float, float, float]]:
    """``(exposure day, variant, n, sum, sum of squares)`` of one metric (for cumulative
    sequential intervals)."""
    m = ident(metric)
    rows = con.sql(f"SELECT CAST(CAST(first_ts AS DATE) AS VARCHAR), variant, count(*), "
                   f"sum({m}), sum({m}*{m}) FROM {view} GROUP BY 1, 2 ORDER BY 1, 2"
                   ).fetchall()
    return [(str(r[0]), str(r[1]), float(r[2]), float(r[3]), float(r[4])) for r in rows]
