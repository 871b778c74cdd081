"""``crossplay experiment analyze KEY``: an experiment document read against the lake."""

from __future__ import annotations

from dataclasses import dataclass

from crossplay.core.settings import Settings
from crossplay.measure import sequential
from crossplay.measure.analysis import Analysis, CupedSlope, analyze
from crossplay.measure.corrections import Correction
from crossplay.measure.errors import MeasureError
from crossplay.measure.experiment import Experiment
from crossplay.measure.lakemetrics import create_person_table, daily_series, metric_summaries
from crossplay.measure.registry import get_experiment
from crossplay.measure.srm import SRM_THRESHOLD
from crossplay.measure.summary import Moments
from crossplay.warehouse import connect


@dataclass(frozen=True)
class SeriesPoint:
    """Cumulative read-out of the primary metric after each exposure day."""

    day: str
    variant: str
    n_total: int
    diff: float
    ci_low: float
    ci_high: float
    seq_low: float
    seq_high: float


def cumulative(rows: list[tuple[str, str, float, float, float]], control: str,
               alpha: float) -> list[SeriesPoint]:
    from crossplay.measure.effects import welch

    days = sorted({r[0] for r in rows})
    variants = sorted({r[1] for r in rows})
    acc = {v: [0.0, 0.0, 0.0] for v in variants}
    out: list[SeriesPoint] = []
    for d in days:
        for r in rows:
            if r[0] == d:
                a = acc[r[1]]
                a[0] += r[2]
                a[1] += r[3]
                a[2] += r[4]
        c = acc.get(control)
        if c is None or c[0] < 2:
            continue
        for v in variants:
            if v == control or acc[v][0] < 2:
                continue
            e = welch(Moments(*c), Moments(*acc[v]), alpha)
            n = int(c[0] + acc[v][0])
            lo, hi = sequential.interval(float(e.diff), float(e.se), n, alpha)
            out.append(SeriesPoint(d, v, n, float(e.diff), float(e.ci_low), float(e.ci_high),
                                   float(lo), float(hi)))
    return out


def analyze_experiment(settings: Settings, exp: Experiment, *, alpha: float | None = None,
                       correction: Correction | None = None,
                       srm_threshold: float = SRM_THRESHOLD,
                       cuped_slope: CupedSlope = "per_comparison"
                       ) -> tuple[Analysis, list[SeriesPoint], dict[str, int]]:
    """Analyse ``exp`` over its partner's lake rows; also the cumulative primary series and
    exposure counts (``excluded_multiple_variants``)."""
    a = alpha if alpha is not None else exp.alpha
    corr: Correction = correction or exp.correction
    con = connect(settings, scope=exp.partner)
    try:
        create_person_table(con, exp)
        excluded = con.sql("SELECT count(*) FILTER (WHERE n_variants > 1), count(*) "
                           "FROM exposures_all").fetchall()[0]
        if not excluded[1]:
            raise MeasureError(f"no exposures of experiment {exp.key} in the lake between "
                               f"{exp.start} and {exp.stop}: log them with "
                               "`crossplay experiment log-exposures`",
                               code="experiment_no_exposures",
                               params={"key": exp.key, "start": exp.start, "stop": exp.stop})
        sums = metric_summaries(con, exp)
        primary = next(m for m in exp.metrics if m.role == "primary")
        series = (cumulative(daily_series(con, primary.key), exp.control, a)
                  if primary.kind != "ratio" else [])
    finally:
        con.close()
    result = analyze(sums, control=exp.control, weights=exp.weights, alpha=a,
                     correction=corr, srm_threshold=srm_threshold, cuped_slope=cuped_slope)
    return result, series, {"exposed": int(excluded[1]),
                            "excluded_multiple_variants": int(excluded[0])}


def analyze_key(settings: Settings, key: str, *, alpha: float | None = None,
                correction: Correction | None = None, srm_threshold: float = SRM_THRESHOLD,
                cuped_slope: CupedSlope = "per_comparison"
                ) -> tuple[Analysis, str, list[SeriesPoint], dict[str, int]]:
    """The analysis, the experiment's name, the cumulative series and exposure counts."""
    exp = get_experiment(settings, key)
    result, series, counts = analyze_experiment(settings, exp, alpha=alpha,
                                                correction=correction,
                                                srm_threshold=srm_threshold,
                                                cuped_slope=cuped_slope)
    return result, exp.name or exp.key, series, counts
