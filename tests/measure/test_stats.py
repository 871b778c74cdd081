"""The statistics pinned to independent computations (scipy / statsmodels), 6 decimals."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from crossplay.measure import sequential
from crossplay.measure.analysis import MetricSummary, analyze
from crossplay.measure.bayes import beat_control, beat_control_relative
from crossplay.measure.corrections import benjamini_hochberg, holm
from crossplay.measure.effects import cuped, ratio, two_proportions, welch
from crossplay.measure.power import PlanError, n_for_power, plan, power
from crossplay.measure.srm import srm_check
from crossplay.measure.summary import JointMoments, Moments

D = 6  # decimals every pinned value must match


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261123)


def test_welch_matches_scipy(rng: np.random.Generator) -> None:
    a = rng.lognormal(1.0, 0.8, 700)
    b = rng.lognormal(1.05, 0.9, 650)
    e = welch(Moments.of(a), Moments.of(b))
    ref = stats.ttest_ind(b, a, equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert e.diff == pytest.approx(b.mean() - a.mean(), abs=10**-D)
    assert round(e.p_value, D) == round(ref.pvalue, D)
    assert round(e.df, D - 2) == round(ref.df, D - 2)
    assert round(e.ci_low, D) == round(ci.low, D)
    assert round(e.ci_high, D) == round(ci.high, D)


def test_two_proportions_match_statsmodels() -> None:
    conv = np.array([118, 152])
    nobs = np.array([2400, 2380])
    a = Moments(float(nobs[0]), float(conv[0]), float(conv[0]))
    b = Moments(float(nobs[1]), float(conv[1]), float(conv[1]))
    e = two_proportions(a, b)
    _, p = proportions_ztest(conv[::-1], nobs[::-1])
    lo, hi = confint_proportions_2indep(conv[1], nobs[1], conv[0], nobs[0], method="wald")
    assert round(e.p_value, D) == round(float(p), D)
    assert round(e.ci_low, D) == round(float(lo), D)
    assert round(e.ci_high, D) == round(float(hi), D)


def test_relative_lift_delta_method() -> None:
    a = Moments(1000.0, 50.0, 50.0)
    b = Moments(1000.0, 65.0, 65.0)
    e = two_proportions(a, b)
    pa, pb = 0.05, 0.065
    va, vb = pa * (1 - pa) / 1000, pb * (1 - pb) / 1000
    # independent: the gradient of b/a - 1 at (a, b) is (-b/a^2, 1/a)
    se = np.sqrt((pb / pa**2) ** 2 * va + (1 / pa) ** 2 * vb)
    assert round(e.rel, D) == round(pb / pa - 1, D)
    assert round(e.rel_se, D) == round(float(se), D)

    # Fieller: r is inside iff |b - (1 + r) a| <= z sqrt(Vb + (1 + r)^2 Va); bounds by root
    # finding on that inequality (scipy's brentq), independent of the closed form.
    z = stats.norm.ppf(0.975)

    def edge(r: float) -> float:
        return (pb - (1 + r) * pa) ** 2 - z**2 * (vb + (1 + r) ** 2 * va)

    lo, hi = optimize.brentq(edge, -0.99, 0.3), optimize.brentq(edge, 0.3, 10.0)
    assert round(e.rel_ci_low, D) == round(lo, D)
    assert round(e.rel_ci_high, D) == round(hi, D)


def test_relative_interval_never_below_minus_100_and_unbounded_when_control_is_noise() -> None:
    # control 2 / 40 converters, variant 0: Fieller's lower bound would be far below -100%
    e = two_proportions(Moments(40.0, 2.0, 2.0), Moments(40.0, 0.0, 0.0))
    assert e.rel == -1.0 and e.rel_ci_low == -1.0 and e.rel_ci_high > -1.0
    # a control mean indistinguishable from zero: nothing can be said about a ratio
    w = welch(Moments.of([0.0, 0.0, 0.0, 3.0]), Moments.of([1.0, 2.0, 3.0, 4.0]))
    assert w.rel_ci_low == -1.0 and w.rel_ci_high == np.inf


@settings(max_examples=300, deadline=None)
@given(st.integers(20, 5000), st.integers(20, 5000), st.floats(0.01, 0.6), st.floats(0.0, 0.6),
       st.sampled_from([0.01, 0.05, 0.2]))
def test_relative_and_absolute_intervals_agree_in_sign(n_a: int, n_b: int, p_a: float,
                                                       p_b: float, alpha: float) -> None:
    a = Moments(float(n_a), float(round(n_a * p_a)), float(round(n_a * p_a)))
    b = Moments(float(n_b), float(round(n_b * p_b)), float(round(n_b * p_b)))
    assume(a.sum > 0)
    e = two_proportions(a, b, alpha)
    assert e.rel_ci_low >= -1.0
    assert e.rel_ci_low <= e.rel <= e.rel_ci_high
    assert (e.ci_low > 0) == (e.rel_ci_low > 0)
    assert (e.ci_high < 0) == (e.rel_ci_high < 0)


def test_relative_chance_to_win_is_gbstats_lognormal() -> None:
    a, b = Moments(2000.0, 100.0, 100.0), Moments(2000.0, 124.0, 124.0)
    e = two_proportions(a, b)
    pa, pb = 0.05, 0.062
    va, vb = pa * (1 - pa) / 2000, pb * (1 - pb) / 2000
    ref = stats.norm.cdf(np.log(pb / pa) / np.sqrt(vb / pb**2 + va / pa**2))
    assert round(beat_control_relative(e.rel, e.rel_se), D) == round(float(ref), D)
    lower = beat_control_relative(e.rel, e.rel_se, higher_is_better=False)
    assert round(lower, D) == round(1 - float(ref), D)


def test_cuped_is_the_ancova_coefficient_and_welch_on_adjusted_values(
        rng: np.random.Generator) -> None:
    n = 900
    x_a, x_b = rng.gamma(2.0, 3.0, n), rng.gamma(2.0, 3.0, n + 40)
    y_a = 0.8 * x_a + rng.normal(0, 2, n)
    y_b = 0.8 * x_b + 0.5 + rng.normal(0, 2, n + 40)
    a, b = JointMoments.of(y_a, x_a), JointMoments.of(y_b, x_b)
    c = cuped(a, b)
    eff = welch(c.a, c.b)
    # ANCOVA: y ~ 1 + treated + x (statsmodels OLS); the treatment coefficient
    y = np.concatenate([y_a, y_b])
    x = np.concatenate([x_a, x_b])
    t = np.concatenate([np.zeros(n), np.ones(n + 40)])
    fit = sm.OLS(y, sm.add_constant(np.column_stack([t, x]))).fit()
    assert round(eff.diff, D) == round(float(fit.params[1]), D)
    assert round(float(c.theta), D) == round(float(fit.params[2]), D)
    # the adjusted values themselves through scipy's Welch test
    adj_a = y_a - c.theta * (x_a - x.mean())
    adj_b = y_b - c.theta * (x_b - x.mean())
    ref = stats.ttest_ind(adj_b, adj_a, equal_var=False)
    assert round(eff.p_value, D) == round(ref.pvalue, D)
    raw = welch(a.y, b.y)
    assert round(float(c.reduction), D) == round(1 - eff.se**2 / raw.se**2, D)
    assert float(c.reduction) > 0.5  # x explains most of y here


def test_cuped_per_comparison_equals_a_two_arm_analysis_and_pooled_is_ancova(
        rng: np.random.Generator) -> None:
    arms = {}
    for name, shift, scale in (("A", 0.0, 1.0), ("B", 0.4, 1.0), ("C", 0.0, 3.0)):
        x = rng.gamma(2.0, 3.0 * scale, 700)
        arms[name] = (0.8 * x + shift + rng.normal(0, 2, 700), x)
    joint = {k: JointMoments.of(y, x) for k, (y, x) in arms.items()}
    three = analyze([MetricSummary("y", "mean", dict(joint), covariate=True)], control="A")
    two = analyze([MetricSummary("y", "mean", {k: joint[k] for k in "AB"}, covariate=True)],
                  control="A")
    b3 = next(c for c in three.comparisons if c.variant == "B")
    assert b3.diff == two.comparisons[0].diff and b3.ci_low == two.comparisons[0].ci_low
    # relative lift against the observed (unadjusted) control mean
    assert round(b3.rel, D) == round(b3.diff / arms["A"][0].mean(), D)
    assert b3.control_mean == pytest.approx(arms["A"][0].mean())
    # pooled: the ANCOVA over all three arms, y ~ arm + x (statsmodels OLS)
    pooled = analyze([MetricSummary("y", "mean", dict(joint), covariate=True)], control="A",
                     cuped_slope="pooled")
    y = np.concatenate([arms[k][0] for k in "ABC"])
    x = np.concatenate([arms[k][1] for k in "ABC"])
    dummies = np.repeat(np.eye(3)[:, 1:], 700, axis=0)
    fit = sm.OLS(y, sm.add_constant(np.column_stack([dummies, x]))).fit()
    pb = next(c for c in pooled.comparisons if c.variant == "B")
    assert round(pb.diff, D) == round(float(fit.params[1]), D)
    assert round(b3.diff, D) != round(pb.diff, D)
    assert "per comparison" in three.methods["cuped"] and "pooled" in pooled.methods["cuped"]


def test_ratio_metric_delta_method(rng: np.random.Generator) -> None:
    sess_a = rng.poisson(4, 800) + 1
    sess_b = rng.poisson(4, 820) + 1
    rev_a = sess_a * rng.gamma(2, 1.0, 800)
    rev_b = sess_b * rng.gamma(2, 1.1, 820)
    e = ratio(JointMoments.of(rev_a, sess_a), JointMoments.of(rev_b, sess_b))

    def var_ratio(y: np.ndarray, x: np.ndarray) -> float:
        cov = np.cov(np.vstack([y, x]), ddof=1)
        g = np.array([1 / x.mean(), -y.mean() / x.mean() ** 2])  # gradient of mean(y)/mean(x)
        return float(g @ cov @ g / y.size)

    se = np.sqrt(var_ratio(rev_a, sess_a) + var_ratio(rev_b, sess_b))
    diff = rev_b.sum() / sess_b.sum() - rev_a.sum() / sess_a.sum()
    assert round(e.diff, D) == round(diff, D)
    assert round(e.se, D) == round(float(se), D)
    assert round(e.p_value, D) == round(float(2 * stats.norm.sf(abs(diff / se))), D)


def test_srm_warns_below_one_percent_and_threshold_is_settable() -> None:
    # ~90,000 people split 49.56% / 50.44%: p ~ 0.008, not "OK"
    r = srm_check([44604, 45396], [1, 1])
    assert 0.001 < r.p_value < 0.01 and r.warning and not r.mismatch
    strict = srm_check([44604, 45396], [1, 1], 0.01)
    assert strict.mismatch and not strict.warning


def test_srm_pairwise_names_the_arm_that_drifted() -> None:
    r = srm_check([10000, 10050, 9400], [1, 1, 1], names=["A", "B", "C"], control="A")
    by = {p.variant: p for p in r.pairwise}
    ref = stats.chisquare([10000, 9400], [9700, 9700])
    assert round(by["C"].p_value, D) == round(float(ref.pvalue), D)
    assert by["C"].mismatch and not by["B"].mismatch and not by["B"].warning


def test_srm_matches_scipy_chisquare() -> None:
    r = srm_check([5210, 4790], [0.5, 0.5])
    ref = stats.chisquare([5210, 4790], [5000, 5000])
    assert round(r.p_value, D) == round(float(ref.pvalue), D)
    assert r.mismatch
    ok = srm_check([3010, 2990, 6000], [1, 1, 2])
    assert not ok.mismatch
    assert round(ok.chi2, D) == round(float(stats.chisquare([3010, 2990, 6000],
                                                            [3000, 3000, 6000]).statistic), D)


def test_bayes_matches_numerical_integration() -> None:
    diff, se = 0.012, 0.009
    r = beat_control(diff, se)
    post = stats.norm(diff, se)
    assert round(r.p_beat, D) == round(float(post.sf(0)), D)
    loss, _ = integrate.quad(lambda d: max(0.0, -d) * post.pdf(d), -1, 1, points=[0],
                             epsabs=1e-13)
    keep, _ = integrate.quad(lambda d: max(0.0, d) * post.pdf(d), -1, 1, points=[0],
                             epsabs=1e-13)
    assert round(r.loss_ship, D) == round(loss, D)
    assert round(r.loss_keep, D) == round(keep, D)
    lower = beat_control(diff, se, higher_is_better=False)
    assert round(lower.p_beat, D) == round(float(post.cdf(0)), D)


def test_corrections_known_answers() -> None:
    """Worked by hand. Holm: sorted p x (m - rank), running max. BH: sorted p x m / rank,
    running min from the top."""
    p = [0.01, 0.04, 0.03, 0.005]
    # Holm: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> max-accumulate 0.06
    assert [round(v, 6) for v in holm(p)] == [0.03, 0.06, 0.06, 0.02]
    # BH: 0.005*4/1=0.02, 0.01*4/2=0.02, 0.03*4/3=0.04, 0.04*4/4=0.04
    assert [round(v, 6) for v in benjamini_hochberg(p)] == [0.02, 0.04, 0.04, 0.02]
    assert holm([0.9, 0.8]) == [1.0, 1.0]


@pytest.mark.parametrize("method,ours", [("holm", holm), ("fdr_bh", benjamini_hochberg)])
def test_corrections_match_statsmodels(method: str, ours: object) -> None:
    p = [0.001, 0.04, 0.03, 0.2, 0.0101, 0.049, 0.6, 0.0101]
    _, ref, _, _ = multipletests(p, method=method)
    assert [round(v, D) for v in ours(p)] == [round(float(v), D) for v in ref]  # type: ignore[operator]


def test_power_and_sample_size_match_statsmodels() -> None:
    ref = NormalIndPower()
    for n, es, ratio_ in [(500, 0.2, 1.0), (1200, 0.1, 2.0), (80, 0.5, 0.5)]:
        ours = power(n, es, 1.0, 1.0, 0.05, ratio_)
        assert round(ours, D) == round(float(ref.power(es, n, 0.05, ratio_)), D)
    n = n_for_power(0.1, 1.0, 1.0, 0.05, 0.8)
    assert round(n, 4) == round(float(ref.solve_power(0.1, None, 0.05, 0.8, 1.0)), 4)
    # proportions: unpooled variances, effect size delta / sqrt((pq_a + pq_b) / 2)
    p = plan(baseline=0.05, mde=0.2)
    pa, pb = 0.05, 0.06
    es = 0.01 / np.sqrt((pa * (1 - pa) + pb * (1 - pb)) / 2)
    assert p.n_control == int(np.ceil(ref.solve_power(es, None, 0.05, 0.8, 1.0)))
    assert p.n_total == 2 * p.n_control


def test_plan_refuses_nonsense() -> None:
    with pytest.raises(PlanError, match="in \\(0, 1\\)"):
        plan(baseline=1.5, mde=0.1)
    with pytest.raises(PlanError, match="not be zero"):
        plan(baseline=0.1, mde=0.0)
    with pytest.raises(PlanError, match="at least two"):
        plan(baseline=0.1, mde=0.1, variants=1)


def test_sequential_interval_formula_and_width() -> None:
    se, n, alpha = 0.01, 4000, 0.05
    rho2 = (-2 * np.log(alpha) + np.log(-2 * np.log(alpha) + 1)) / 5000
    s2 = se**2 * n
    expected = np.sqrt(s2 * 2 * (n * rho2 + 1) / (n**2 * rho2)
                       * np.log(np.sqrt(n * rho2 + 1) / alpha))
    assert round(sequential.halfwidth(se, n, alpha), D) == round(float(expected), D)
    # always wider than the fixed-horizon interval
    assert sequential.halfwidth(se, n, alpha) > stats.norm.ppf(0.975) * se


def test_degenerate_inputs_give_numbers_not_exceptions() -> None:
    z = Moments(100.0, 0.0, 0.0)
    e = two_proportions(z, z)
    assert e.diff == 0 and e.p_value == 1.0
    w = welch(Moments(3.0, 6.0, 12.0), Moments(3.0, 6.0, 12.0))  # zero variance, equal
    assert w.p_value == 1.0


def test_a_ratio_metric_whose_denominator_is_empty_in_a_group_is_refused_not_a_crash(
        ) -> None:
    """A group where nobody has a denominator event: the ratio is undefined. The read-out
    says which metric and group (en and zh-CN), instead of a ZeroDivisionError."""
    from crossplay.cli.i18n import coded_text
    from crossplay.measure.analysis import MetricSummary, analyze
    from crossplay.measure.effects import ratio_mean_var
    from crossplay.measure.errors import MeasureError
    from crossplay.measure.summary import JointMoments

    empty = JointMoments.of([1.0, 2.0, 0.0], [0.0, 0.0, 0.0])
    full = JointMoments.of([1.0, 3.0, 2.0], [1.0, 2.0, 2.0])
    r, var = ratio_mean_var(empty)
    assert np.isnan(r) and np.isnan(var)
    metric = MetricSummary("revenue_per_session", "ratio", {"A": full, "B": empty})
    with pytest.raises(MeasureError) as caught:
        analyze([metric], control="A")
    exc = caught.value
    assert exc.code == "analysis_ratio_no_denominator"
    assert exc.params == {"metric": "revenue_per_session", "group": "B"}
    zh = coded_text(exc.code, exc.params, exc.message, lang="zh-CN")
    assert "分母" in zh and "'B'" in zh
