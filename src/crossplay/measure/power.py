"""Power and sample size for a two-variant test (normal approximation, two-sided).

The difference of means with per-person standard deviations ``sd_a`` (control) and
``sd_b`` and ``n_b = ratio * n_a`` has variance ``sd_a**2 / n_a + sd_b**2 / n_b``. Power
counts both rejection tails, exactly as ``statsmodels.stats.power.NormalIndPower``; the
sample size is the smallest n whose power reaches the target (solved with Brent's method,
then rounded up to whole people).

For a conversion rate ``p`` and a lift to ``p + mde``: ``sd_a = sqrt(p (1 - p))``,
``sd_b = sqrt((p + mde)(1 - p - mde))`` (the unpooled variances the analysis uses).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from scipy import optimize, special

from crossplay.core.errors import CrossplayError


class PlanError(CrossplayError):
    code = "plan_error"


def power(n_a: float, effect: float, sd_a: float, sd_b: float, alpha: float = 0.05,
          ratio: float = 1.0) -> float:
    """Probability of a significant two-sided result when the true difference is ``effect``."""
    se = math.sqrt(sd_a**2 / n_a + sd_b**2 / (ratio * n_a))
    z = float(special.ndtri(1 - alpha / 2))
    d = abs(effect) / se
    return float(special.ndtr(d - z) + special.ndtr(-d - z))


def n_for_power(effect: float, sd_a: float, sd_b: float, alpha: float = 0.05,
                target: float = 0.8, ratio: float = 1.0) -> float:
    """The (fractional) control-arm size at which :func:`power` equals ``target``."""
    if effect == 0 or sd_a < 0 or sd_b < 0 or not 0 < alpha < 1 or not alpha < target < 1:
        raise PlanError("need a non-zero effect, 0 < alpha < power < 1 and sd >= 0",
                        code="plan_inputs")
    if sd_a == 0 and sd_b == 0:
        return 1.0
    hi = 2.0
    while power(hi, effect, sd_a, sd_b, alpha, ratio) < target:
        hi *= 2
        if hi > 1e13:
            raise PlanError("the effect is too small to detect with any realistic sample",
                            code="plan_effect_tiny")
    root = optimize.brentq(lambda n: power(n, effect, sd_a, sd_b, alpha, ratio) - target,
                           1e-9, hi, xtol=1e-10, rtol=1e-14)
    return float(root)


@dataclass(frozen=True)
class Plan:
    kind: Literal["proportion", "mean"]
    baseline: float
    sd: float
    mde_abs: float
    mde_rel: float
    alpha: float
    power: float
    variants: int
    ratio: float
    n_control: int
    n_variant: int
    n_total: int
    days: float | None


def plan(*, baseline: float, mde: float, relative: bool = True, sd: float | None = None,
         alpha: float = 0.05, target_power: float = 0.8, variants: int = 2,
         ratio: float = 1.0, daily_traffic: float | None = None) -> Plan:
    """Sample size per arm to detect ``mde`` (relative by default) over ``baseline``.

    ``sd`` given: a mean metric with that per-person standard deviation; otherwise the
    baseline is a conversion rate in (0, 1). With more than two variants alpha is split
    (Bonferroni) over the ``variants - 1`` comparisons with control.
    """
    if variants < 2:
        raise PlanError("an experiment needs at least two variants (control and one more)",
                        code="plan_variants")
    if ratio <= 0:
        raise PlanError("--ratio must be positive", code="plan_ratio")
    mde_abs = mde * baseline if relative else mde
    if mde_abs == 0:
        raise PlanError("the minimum detectable effect must not be zero", code="plan_mde_zero")
    a = alpha / (variants - 1)
    if sd is None:
        if not 0 < baseline < 1 or not 0 < baseline + mde_abs < 1:
            raise PlanError("a conversion baseline and baseline + MDE must lie in (0, 1); "
                            "give --sd for a mean metric", code="plan_baseline")
        sd_a = math.sqrt(baseline * (1 - baseline))
        p_b = baseline + mde_abs
        sd_b = math.sqrt(p_b * (1 - p_b))
        kind: Literal["proportion", "mean"] = "proportion"
    else:
        if sd <= 0:
            raise PlanError("--sd must be positive", code="plan_sd")
        sd_a = sd_b = sd
        kind = "mean"
    n_a = math.ceil(n_for_power(mde_abs, sd_a, sd_b, a, target_power, ratio) - 1e-9)
    n_b = math.ceil(n_a * ratio - 1e-9)
    total = n_a + n_b * (variants - 1)
    days = total / daily_traffic if daily_traffic else None
    return Plan(kind, baseline, sd_a, mde_abs, mde_abs / baseline if baseline else math.nan,
                alpha, target_power, variants, ratio, n_a, n_b, total, days)
