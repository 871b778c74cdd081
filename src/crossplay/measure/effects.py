"""Difference between a variant and control: estimate, standard error, interval, p-value.

Pure functions over :mod:`crossplay.measure.summary` statistics; every one broadcasts
over numpy arrays so thousands of simulated experiments are analysed in one call.

- Welch's t-test for means (unequal variances, Welch–Satterthwaite degrees of freedom).
- The two-proportion z-test for conversions: pooled standard error for the test (as
  ``statsmodels.stats.proportion.proportions_ztest``), unpooled (Wald) for the interval.
- Relative lift ``(b - a) / a`` with a delta-method standard error.
- CUPED: the metric adjusted by a pre-period covariate with one slope ``theta`` pooled
  within variants — the treatment coefficient of the ANCOVA regression
  ``y ~ variant + x`` — and the variance reduction achieved.
- Ratio metrics (sum of y / sum of x per variant, e.g. revenue per session) with the
  delta-method variance, because people, not sessions, are the randomised units.

Why written here rather than calling scipy / statsmodels per test: they take raw rows (or,
``ttest_ind_from_stats``, give no interval and no relative lift), while the analysis works
from moments that SQL computed, and the A/A simulations need one vectorised call over
thousands of experiments. Every formula is pinned to scipy / statsmodels to 6 decimals in
``tests/measure/test_stats.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from crossplay.measure.summary import JointMoments, Moments, Num


@dataclass(frozen=True)
class Effect:
    """``b - a`` (absolute) with its standard error; ``df`` is inf for a normal test."""

    control_mean: Num
    variant_mean: Num
    diff: Num
    se: Num
    df: Num
    p_value: Num
    ci_low: Num
    ci_high: Num
    rel: Num
    rel_se: Num
    rel_ci_low: Num
    rel_ci_high: Num


def _quantile(alpha: float, df: Num) -> Num:
    q = np.where(np.isinf(df), special.ndtri(1 - alpha / 2),
                 stats.t.ppf(1 - alpha / 2, np.where(np.isinf(df), 1.0, df)))
    return q if np.ndim(q) else float(q)


def _p_two_sided(stat: Num, df: Num) -> Num:
    p = np.where(np.isinf(df), 2 * special.ndtr(-np.abs(stat)),
                 2 * stats.t.sf(np.abs(stat), np.where(np.isinf(df), 1.0, df)))
    return p if np.ndim(p) else float(p)


def _safe_div(a: Num, b: Num) -> Num:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(b != 0, np.divide(a, np.where(b != 0, b, 1.0)), np.nan)
    return out if np.ndim(out) else float(out)


def relative(mean_a: Num, var_mean_a: Num, mean_b: Num, var_mean_b: Num
             ) -> tuple[Num, Num]:
    """``(b - a) / a`` and its delta-method standard error (a and b independent)."""
    rel = _safe_div(mean_b - mean_a, mean_a)
    var = _safe_div(var_mean_b, mean_a**2) + _safe_div(mean_b**2 * var_mean_a, mean_a**4)
    return rel, np.sqrt(var)


def _effect(mean_a: Num, var_a: Num, mean_b: Num, var_b: Num, se_test: Num, df: Num,
            alpha: float) -> Effect:
    diff = mean_b - mean_a
    se = np.sqrt(var_a + var_b)
    p = _p_two_sided(_safe_div(diff, se_test), df)
    p = np.where(se_test > 0, p, np.where(diff == 0, 1.0, 0.0))
    q = _quantile(alpha, df)
    rel, rel_se = relative(mean_a, var_a, mean_b, var_b)
    z = special.ndtri(1 - alpha / 2)
    return Effect(mean_a, mean_b, diff, se, df, p if np.ndim(p) else float(p),
                  diff - q * se, diff + q * se, rel, rel_se, rel - z * rel_se, rel + z * rel_se)


def welch_df(var_mean_a: Num, n_a: Num, var_mean_b: Num, n_b: Num) -> Num:
    """Welch–Satterthwaite degrees of freedom from the variances of the two means."""
    num = (var_mean_a + var_mean_b) ** 2
    den = _safe_div(var_mean_a**2, n_a - 1) + _safe_div(var_mean_b**2, n_b - 1)
    df = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.inf)
    return df if np.ndim(df) else float(df)


def welch(a: Moments, b: Moments, alpha: float = 0.05) -> Effect:
    """Welch's t-test and t interval for ``mean(b) - mean(a)``."""
    va, vb = a.var_of_mean, b.var_of_mean
    df = welch_df(va, a.n, vb, b.n)
    return _effect(a.mean, va, b.mean, vb, np.sqrt(va + vb), df, alpha)


def two_proportions(a: Moments, b: Moments, alpha: float = 0.05) -> Effect:
    """Two-proportion z-test (pooled SE) with the Wald interval (unpooled SE).

    ``a.sum`` and ``b.sum`` are the counts of converters (values are 0/1).
    """
    pa_, pb = a.sum / a.n, b.sum / b.n
    va, vb = pa_ * (1 - pa_) / a.n, pb * (1 - pb) / b.n
    pooled = (a.sum + b.sum) / (a.n + b.n)
    se_test = np.sqrt(pooled * (1 - pooled) * (1 / a.n + 1 / b.n))
    return _effect(pa_, va, pb, vb, se_test, np.inf, alpha)


@dataclass(frozen=True)
class Cuped:
    """CUPED-adjusted means; ``reduction`` is 1 - var(adjusted diff) / var(raw diff)."""

    theta: Num
    a: Moments
    b: Moments
    reduction: Num


def cuped_theta(groups: list[JointMoments]) -> Num:
    """The slope of y on x pooled within the variants (the ANCOVA coefficient of x)."""
    sxx = sum(g.sxx for g in groups)
    sxy = sum(g.sxy for g in groups)
    return _safe_div(sxy, sxx)


def cuped_adjust(g: JointMoments, theta: Num, x_mean_all: Num) -> Moments:
    """Moments of ``y - theta * (x - x_mean_all)`` in one variant."""
    n = g.n
    s = g.sum_y - theta * (g.sum_x - n * x_mean_all)
    # sum of (y - t x + t m)^2 expanded
    c = theta * x_mean_all
    ss = (g.sum_yy + theta**2 * g.sum_xx + n * c**2 - 2 * theta * g.sum_xy
          + 2 * c * g.sum_y - 2 * theta * c * g.sum_x)
    return Moments(n, s, ss)


def cuped(a: JointMoments, b: JointMoments, groups: list[JointMoments] | None = None
          ) -> Cuped:
    """Adjust ``a`` and ``b`` with theta pooled over ``groups`` (default: a and b)."""
    pool = groups or [a, b]
    theta = np.nan_to_num(cuped_theta(pool))
    n_all = sum(g.n for g in pool)
    x_mean = sum(g.sum_x for g in pool) / n_all
    adj_a, adj_b = cuped_adjust(a, theta, x_mean), cuped_adjust(b, theta, x_mean)
    raw = a.y.var_of_mean + b.y.var_of_mean
    new = adj_a.var_of_mean + adj_b.var_of_mean
    reduction = np.where(raw > 0, 1 - new / np.where(raw > 0, raw, 1.0), 0.0)
    return Cuped(theta, adj_a, adj_b, reduction if np.ndim(reduction) else float(reduction))


def ratio_mean_var(g: JointMoments) -> tuple[Num, Num]:
    """``sum_y / sum_x`` and its delta-method variance (people are the units)."""
    n = g.n
    my, mx = g.sum_y / n, g.sum_x / n
    vy, vx, cxy = g.y.var, g.x.var, g.cov
    r = _safe_div(my, mx)
    var = (vy / mx**2 - 2 * my * cxy / mx**3 + my**2 * vx / mx**4) / n
    return r, var


def ratio(a: JointMoments, b: JointMoments, alpha: float = 0.05) -> Effect:
    """Difference of two ratio metrics (normal test, delta-method variances)."""
    ra, va = ratio_mean_var(a)
    rb, vb = ratio_mean_var(b)
    return _effect(ra, va, rb, vb, np.sqrt(va + vb), np.inf, alpha)
