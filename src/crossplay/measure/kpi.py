"""The seeds' KPIs (exact definitions in docs/kpis.md) and campaign ROI.

- ``C_k``: of the knowledge users active in the period, the share with at least one paid
  purchase (``purchase`` with value > 0) on the knowledge platform in the period.
- ``R_k`` / ``R_g``: D7 retention on the knowledge / game platform — of the users whose
  first activity on that platform is at least 7 days before the last day of data, the share
  active again exactly 7 local days later (the ``retention`` command's D7, people-weighted
  over observable cohorts).
- ``I = (C_k * R_k * R_g) ** (1/3)``, the geometric mean. Why: the three live on different
  scales (conversion ~ a few %, retention ~ tens of %); the geometric mean is scale-free, so
  a 10% relative gain in any one raises I by the same ~3.2% and no KPI dominates by its
  size; and it is 0 when any part is 0 — the co-marketing loop needs paying learners *and*
  players who stay.
- ROI of a campaign = incremental revenue / cost, incremental revenue = (revenue per
  treated person - revenue per holdout person) x treated people, with the Welch interval
  of the difference carried through (the cost is a known constant). The cost is
  ``--cost``, or else the campaigns ledger's (:func:`crossplay.campaigns.cost.campaign_cost`:
  net points issued x point value in yuan).

Intervals: Wilson for the three proportions; for I the delta method on
``log I = (log C_k + log R_k + log R_g) / 3`` with the three treated as independent.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from scipy import special

from crossplay.core.settings import Settings
from crossplay.ingest.sqlbase import lit
from crossplay.measure.errors import MeasureError
from crossplay.measure.retention import retention
from crossplay.warehouse import connect

Z95 = float(special.ndtri(0.975))


@dataclass(frozen=True)
class Kpi:
    key: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    numerator: int | None
    denominator: int | None
    definition: str


def wilson(x: int, n: int, z: float = Z95) -> tuple[float, float]:
    if n == 0:
        return (math.nan, math.nan)
    p = x / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return centre - half, centre + half


def _prop(key: str, x: int, n: int, definition: str) -> Kpi:
    if n == 0:
        return Kpi(key, None, None, None, x, n, definition)
    lo, hi = wilson(x, n)
    return Kpi(key, x / n, lo, hi, x, n, definition)


def paid_conversion(settings: Settings, start: dt.date | None = None,
                    end: dt.date | None = None) -> Kpi:
    cond = ["partner = 'knowledge'", "platform = 'knowledge'"]
    if start:
        cond.append(f"ts >= TIMESTAMPTZ {lit(start.isoformat() + ' 00:00:00+00')}")
    if end:
        cond.append(f"ts < TIMESTAMPTZ {lit(end.isoformat() + ' 00:00:00+00')}")
    con = connect(settings, scope="knowledge")
    try:
        x, n = con.sql(
            "SELECT count(DISTINCT user_key) FILTER (WHERE event_type = 'purchase' AND "
            f"value > 0), count(DISTINCT user_key) FROM events WHERE {' AND '.join(cond)}"
        ).fetchall()[0]
    finally:
        con.close()
    return _prop("C_k", int(x), int(n), "paying knowledge users / active knowledge users")


def d7_retention(settings: Settings, platform: str) -> Kpi:
    key = "R_k" if platform == "knowledge" else "R_g"
    r = retention(settings, platform=platform, grain="day", days=[7])  # type: ignore[arg-type]
    x = sum(c.retained[0] or 0 for c in r.cohorts if c.retained[0] is not None)
    n = sum(c.size for c in r.cohorts if c.retained[0] is not None)
    return _prop(key, x, n, f"D7 retention on the {platform} platform")


def interaction_index(ck: Kpi, rk: Kpi, rg: Kpi) -> Kpi:
    parts = (ck, rk, rg)
    definition = "(C_k * R_k * R_g) ** (1/3)"
    if any(p.value is None or not p.denominator for p in parts):
        return Kpi("I", None, None, None, None, None, definition)
    vals = [float(p.value) for p in parts if p.value is not None]
    if min(vals) == 0:
        return Kpi("I", 0.0, 0.0, None, None, None, definition)
    value = math.prod(vals) ** (1 / 3)
    var_log = sum((1 - v) / (v * float(p.denominator or 1)) for v, p in zip(vals, parts,
                                                                            strict=True)) / 9
    se = math.sqrt(var_log)
    return Kpi("I", value, value * math.exp(-Z95 * se), value * math.exp(Z95 * se), None,
               None, definition)


def kpis(settings: Settings, start: dt.date | None = None, end: dt.date | None = None
         ) -> list[Kpi]:
    ck = paid_conversion(settings, start, end)
    rk = d7_retention(settings, "knowledge")
    rg = d7_retention(settings, "game")
    return [ck, rk, rg, interaction_index(ck, rk, rg)]


@dataclass(frozen=True)
class Roi:
    campaign: str
    treated: int
    holdout: int
    revenue_per_treated: float
    revenue_per_holdout: float
    incremental_revenue: float
    incremental_ci: tuple[float, float]
    cost: float
    cost_source: str
    roi: float
    roi_ci: tuple[float, float]
    significant: bool


def campaign_roi(settings: Settings, campaign: str, cost: float | None,
                 revenue_metric: str = "revenue") -> Roi:
    """ROI from the campaign's experiment (its holdout) and the campaign's cost."""
    from crossplay.measure.lakeanalysis import analyze_experiment
    from crossplay.measure.registry import get_experiment

    exp = get_experiment(settings, campaign)
    metric = next((m for m in exp.metrics if m.key == revenue_metric), None)
    if metric is None or metric.kind != "revenue":
        raise MeasureError(f"experiment {campaign} has no revenue metric {revenue_metric!r}",
                           code="roi_no_revenue",
                           params={"campaign": campaign, "metric": revenue_metric})
    source = "--cost"
    if cost is None:
        cost, source = ledger_cost(settings, campaign), "ledger"
    if cost <= 0:
        raise MeasureError(f"campaign {campaign}: the cost must be positive (got {cost:g}); "
                           "give --cost AMOUNT (yuan)", code="roi_cost",
                           params={"campaign": campaign, "cost": cost})
    result, _, _ = analyze_experiment(settings, exp, correction="none")
    treat = [v.key for v in exp.variants if v.key != exp.control]
    if len(treat) != 1:
        raise MeasureError("ROI needs exactly one treatment variant and the holdout",
                           code="roi_variants")
    c = next(x for x in result.comparisons if x.metric == revenue_metric)
    n_t = result.counts[treat[0]]
    inc = c.diff * n_t
    ci = (c.ci_low * n_t, c.ci_high * n_t)
    return Roi(campaign, n_t, result.counts[exp.control], c.variant_mean, c.control_mean,
               inc, ci, float(cost), source, inc / cost, (ci[0] / cost, ci[1] / cost),
               c.ci_low > 0 or c.ci_high < 0)


def ledger_cost(settings: Settings, campaign: str) -> float:
    """The campaign's cost in yuan from the campaigns ledger (net points issued, valued)."""
    from crossplay.campaigns.cost import campaign_cost
    from crossplay.core.errors import CrossplayError

    try:
        return float(campaign_cost(settings, campaign).cost_yuan)
    except CrossplayError as exc:
        raise MeasureError(f"campaign {campaign}: no cost in the ledger ({exc.message}); "
                           "give --cost AMOUNT (yuan)", code="roi_no_ledger_cost",
                           params={"campaign": campaign, "reason": exc.message}) from None
