"""Difference between a variant and control: estimate, standard error, interval, p-value.

Pure functions over :mod:`crossplay.measure.summary` statistics; every one broadcasts
over numpy arrays so thousands of simulated experiments are analysed in one call.

- Welch's t-test for means (unequal variances, Welch–Satterthwaite degrees of freedom).
- The two-proportion z-test for conversions: pooled standard error for the test (as
  ``statsmodels.stats.proportion.proportions_ztest``), unpooled (Wald) for the interval.
- Relative lift ``(b - a) / a`` against the *observed* control mean, with a delta-method
  standard error and Fieller's interval for the ratio: it never goes below -100% for a
  non-negative metric, is unbounded (not wrong) when the control mean is itself not
  distinguishable from zero, and excludes 0 exactly when the absolute interval does, since
  both use the same quantile and the same variance of ``b - a``.
- CUPED: the metric adjusted by a pre-period covariate with a slope ``theta`` fitted on the
  two arms being compared (the per-comparison slope gbstats and most references use; the
  treatment coefficient of the ANCOVA regression ``y ~ variant + x`` over those two arms),
  or pooled within all arms on request, and the variance reduction achieved.
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


def fieller(d: Num, var_d: Num, a: Num, var_a: Num, cov_da: Num, q: Num) -> tuple[Num, Num]:
    """Fieller's interval for the ratio ``d / a`` at quantile ``q``.

    The set of ``r`` with ``(d - r a)^2 <= q^2 Var(d - r a)``: where
    ``(a^2 - q^2 Va) r^2 - 2 (a d - q^2 Cda) r + (d^2 - q^2 Vd) <= 0``. When ``a`` is
    significantly different from zero (``a^2 > q^2 Va``) that is one bounded interval.
    Otherwise it is the whole line, or two rays; of two rays we report the one holding the
    estimate when 0 lies outside the set (the difference itself is significant), else the
    whole line -- so the interval excludes 0 exactly when the absolute interval does.
    """
    qa = a * a - q * q * var_a
    b = a * d - q * q * cov_da
    c = d * d - q * q * var_d
    disc = b * b - qa * c
    root = np.sqrt(np.maximum(disc, 0.0))
    bounded = qa > 0
    safe = np.where(qa != 0, qa, 1.0)
    r1 = np.minimum((b - root) / safe, (b + root) / safe)
    r2 = np.maximum((b - root) / safe, (b + root) / safe)
    est = _safe_div(d, a)
    rays = (~bounded) & (qa != 0) & (disc > 0) & (c > 0)
    upper = rays & (est >= r2)
    lower = rays & (est <= r1)
    lo = np.where(bounded, r1, np.where(upper, r2, -np.inf))
    hi = np.where(bounded, r2, np.where(lower, r1, np.inf))
    return (lo if np.ndim(lo) else float(lo)), (hi if np.ndim(hi) else float(hi))


def relative_interval(diff: Num, var_diff: Num, control: Num, var_control: Num,
                      cov_diff_control: Num, q: Num, *, floor: Num = True
                      ) -> tuple[Num, Num, Num, Num]:
    """Relative lift ``diff / control``: estimate, delta-method s.e. and Fieller interval.

    ``floor`` (bool or array): the metric cannot be negative, so the lift cannot be below
    -100% and the lower bound is clipped there.
    """
    rel = _safe_div(diff, control)
    var = (_safe_div(var_diff, control**2) + _safe_div(diff**2 * var_control, control**4)
           - 2 * _safe_div(diff * cov_diff_control, control**3))
    lo, hi = fieller(diff, var_diff, control, var_control, cov_diff_control, q)
    floored: Num = np.where(np.asarray(floor, dtype=bool), np.maximum(lo, -1.0), lo)
    se = np.sqrt(np.maximum(var, 0.0))
    return (rel, se if np.ndim(se) else float(se),
            floored if np.ndim(floored) else float(floored), hi)


def _effect(mean_a: Num, var_a: Num, mean_b: Num, var_b: Num, se_test: Num, df: Num,
            alpha: float, *, control_observed: Num | None = None,
            var_control_observed: Num | None = None, cov_a_observed: Num | None = None,
            floor: Num = True) -> Effect:
    """The comparison of two estimated means.

    The relative lift divides by the observed control mean; by default that is ``mean_a``
    itself (then ``Cov(b - a, a) = -Var(a)``). CUPED passes the unadjusted control mean,
    its variance and the covariance of the adjusted with the observed control mean.
    """
    diff = mean_b - mean_a
    se = np.sqrt(var_a + var_b)
    p = _p_two_sided(_safe_div(diff, se_test), df)
    p = np.where(se_test > 0, p, np.where(diff == 0, 1.0, 0.0))
    q = _quantile(alpha, df)
    ctrl = mean_a if control_observed is None else control_observed
    v_ctrl = var_a if var_control_observed is None else var_control_observed
    cov = -(var_a if cov_a_observed is None else cov_a_observed)
    rel, rel_se, rel_lo, rel_hi = relative_interval(diff, var_a + var_b, ctrl, v_ctrl, cov, q,
                                                    floor=floor)
    return Effect(ctrl, mean_b if control_observed is None else ctrl + diff, diff, se, df,
                  p if np.ndim(p) else float(p), diff - q * se, diff + q * se, rel, rel_se,
                  rel_lo, rel_hi)


def welch_df(var_mean_a: Num, n_a: Num, var_mean_b: Num, n_b: Num) -> Num:
    """Welch–Satterthwaite degrees of freedom from the variances of the two means."""
    num = (var_mean_a + var_mean_b) ** 2
    den = _safe_div(var_mean_a**2, n_a - 1) + _safe_div(var_mean_b**2, n_b - 1)
    df = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.inf)
    return df if np.ndim(df) else float(df)


def _nonnegative(*ms: Moments) -> Num:
    """True where every mean is >= 0 (the lift of such a metric cannot be below -100%)."""
    out = np.ones_like(np.asarray(ms[0].mean, dtype=np.float64), dtype=bool)
    for m in ms:
        out = out & (np.asarray(m.mean) >= 0)
    return out


def welch(a: Moments, b: Moments, alpha: float = 0.05) -> Effect:
    """Welch's t-test and t interval for ``mean(b) - mean(a)``."""
    va, vb = a.var_of_mean, b.var_of_mean
    df = welch_df(va, a.n, vb, b.n)
    return _effect(a.mean, va, b.mean, vb, np.sqrt(va + vb), df, alpha,
                   floor=_nonnegative(a, b))


def cuped_welch(c: Cuped, raw_a: JointMoments, alpha: float = 0.05) -> Effect:
    """Welch's test on CUPED-adjusted values; relative lift against the observed control.

    ``raw_a`` is the control arm's unadjusted moments: its mean is the denominator of the
    relative lift (what a reader compares with), and ``Cov(adjusted mean, observed mean)
    = Var(mean y) - theta Cov(mean x, mean y)`` enters Fieller's interval.
    """
    va, vb = c.a.var_of_mean, c.b.var_of_mean
    df = welch_df(va, c.a.n, vb, c.b.n)
    y = raw_a.y
    cov_adj_obs = y.var_of_mean - c.theta * _safe_div(raw_a.cov, raw_a.n)
    return _effect(c.a.mean, va, c.b.mean, vb, np.sqrt(va + vb), df, alpha,
                   control_observed=y.mean, var_control_observed=y.var_of_mean,
                   cov_a_observed=cov_adj_obs, floor=_nonnegative(y))


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
    """Adjust ``a`` and ``b`` with theta pooled over ``groups``.

    The default, ``a`` and ``b`` only, is the per-comparison slope; pass every arm for the
    slope pooled within all variants."""
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
    """``sum_y / sum_x`` and its delta-method variance (people are the units); NaN for
    both where the ratio is undefined (no people, or the denominator sums to 0)."""
    n = np.asarray(g.n, dtype=np.float64)
    my, mx = _safe_div(g.sum_y, n), _safe_div(g.sum_x, n)
    vy, vx = g.y.var, g.x.var
    cxy = _safe_div(g.sum_xy - g.sum_x * _safe_div(g.sum_y, n), n - 1)
    r = _safe_div(my, mx)
    var = _safe_div(_safe_div(vy, mx**2) - 2 * _safe_div(my * cxy, mx**3)
                    + _safe_div(my**2 * vx, mx**4), n)
    return r, var


def ratio(a: JointMoments, b: JointMoments, alpha: float = 0.05) -> Effect:
    """Difference of two ratio metrics (normal test, delta-method variances)."""
    ra, va = ratio_mean_var(a)
    rb, vb = ratio_mean_var(b)
    return _effect(ra, va, rb, vb, np.sqrt(va + vb), np.inf, alpha)
