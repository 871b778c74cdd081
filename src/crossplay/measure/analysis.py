"""An experiment's read-out: every metric, every variant against control, one verdict.

Input is summary statistics per variant (:class:`MetricSummary`), however they were
computed (a file, the lake). Output is plain frozen dataclasses that the CLI prints as
text / JSON and the report draws.

Rules:

- proportions (0/1 metrics) use the two-proportion z-test, means Welch's t-test, ratio
  metrics the delta method; with a covariate, means and proportions are CUPED-adjusted and
  analysed with Welch's test on the adjusted values (the variance reduction is reported).
  The CUPED slope is fitted on the two arms being compared (``cuped_slope="per_comparison"``,
  the default, as gbstats and most references do, so a 3-arm test gives each comparison the
  numbers a 2-arm analysis of those arms would) or pooled within all arms (``"pooled"``,
  the ANCOVA over every arm);
- relative lifts divide by the observed control mean, with Fieller's interval (never below
  -100% for a non-negative metric, same sign as the absolute interval);
- every comparison also gets the always-valid (mSPRT) interval and the Bayesian
  probability to beat control (absolute, with its expected loss, and relative);
- primary and secondary comparisons (all variants x metrics) are corrected together
  (Holm by default, or Benjamini–Hochberg); guardrails are judged uncorrected, which is
  the cautious side for a guardrail: any significant harm fails it;
- a sample-ratio mismatch (p < ``srm_threshold``, default 0.001; overall, or of the variant
  against control when there are more than two arms) marks the variant broken whatever
  the lifts say; p < 0.01 is a visible warning.

``Analysis.methods`` names every method used, for the JSON read-out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from crossplay.measure import sequential
from crossplay.measure.bayes import beat_control, beat_control_relative
from crossplay.measure.corrections import Correction, adjust
from crossplay.measure.effects import Effect, cuped, cuped_welch, ratio, two_proportions, welch
from crossplay.measure.errors import MeasureError
from crossplay.measure.srm import SRM_THRESHOLD, SrmResult, srm_check
from crossplay.measure.summary import JointMoments, Moments

MetricKind = Literal["proportion", "mean", "ratio"]
Role = Literal["primary", "secondary", "guardrail"]
Verdict = Literal["ship", "do_not_ship", "inconclusive", "broken"]
CupedSlope = Literal["per_comparison", "pooled"]


@dataclass(frozen=True)
class MetricSummary:
    """One metric's statistics per variant.

    ``kind`` ratio: ``stats`` are :class:`JointMoments` with y the numerator, x the
    denominator. With ``covariate`` True they are :class:`JointMoments` with x the
    pre-period covariate (CUPED); otherwise :class:`Moments`.
    """

    name: str
    kind: MetricKind
    stats: dict[str, Moments | JointMoments]
    role: Role = "primary"
    higher_is_better: bool = True
    covariate: bool = False


@dataclass(frozen=True)
class Comparison:
    metric: str
    role: Role
    kind: MetricKind
    variant: str
    n_control: int
    n_variant: int
    control_mean: float
    variant_mean: float
    diff: float
    se: float
    ci_low: float
    ci_high: float
    rel: float
    rel_ci_low: float
    rel_ci_high: float
    p_value: float
    test: str
    p_adjusted: float
    significant: bool
    seq_ci_low: float
    seq_ci_high: float
    seq_significant: bool
    p_beat_control: float
    expected_loss: float
    #: chance to beat control in relative form (lognormal approximation, as GrowthBook)
    p_beat_control_relative: float
    cuped_theta: float | None
    variance_reduction: float | None
    outcome: Literal["better", "worse", "flat"]


@dataclass(frozen=True)
class Analysis:
    variants: list[str]
    control: str
    counts: dict[str, int]
    srm: SrmResult
    alpha: float
    correction: Correction
    comparisons: list[Comparison]
    verdicts: dict[str, Verdict]
    reasons: dict[str, list[str]] = field(default_factory=dict)
    #: the same reasons as codes for translation: srm, guardrail:<metrics>, primary_worse,
    #: primary_better, no_change
    reason_codes: dict[str, list[str]] = field(default_factory=dict)
    #: every method used, by what it decides (test per metric kind, intervals, CUPED
    #: slope, SRM, Bayesian model, sequential test, correction)
    methods: dict[str, str] = field(default_factory=dict)


def _f(v: object) -> float:
    return float(np.asarray(v))


def _n(s: Moments | JointMoments) -> int:
    return int(_f(s.n))


def _compare(m: MetricSummary, control: str, variant: str, alpha: float,
             slope: CupedSlope = "per_comparison"
             ) -> tuple[Effect, str, float | None, float | None]:
    a, b = m.stats[control], m.stats[variant]
    if m.kind == "ratio":
        assert isinstance(a, JointMoments) and isinstance(b, JointMoments)
        for group, s in ((control, a), (variant, b)):
            if not _f(s.sum_x) != 0:
                raise MeasureError(
                    f"ratio metric {m.name!r}: the denominator sums to 0 in group "
                    f"{group!r}, so the ratio is undefined there; check the metric's "
                    "denominator events or analyse it once the group has some",
                    code="analysis_ratio_no_denominator",
                    params={"metric": m.name, "group": group})
        return ratio(a, b, alpha), "delta-method z", None, None
    if m.covariate:
        assert isinstance(a, JointMoments) and isinstance(b, JointMoments)
        joint = ([s for s in m.stats.values() if isinstance(s, JointMoments)]
                 if slope == "pooled" else None)
        c = cuped(a, b, joint)
        return cuped_welch(c, a, alpha), "CUPED Welch t", _f(c.theta), _f(c.reduction)
    ma = a.y if isinstance(a, JointMoments) else a
    mb = b.y if isinstance(b, JointMoments) else b
    if m.kind == "proportion":
        return two_proportions(ma, mb, alpha), "two-proportion z", None, None
    return welch(ma, mb, alpha), "Welch t", None, None


def analyze(metrics: Sequence[MetricSummary], *, control: str,
            weights: dict[str, float] | None = None, alpha: float = 0.05,
            correction: Correction = "holm",
            tuning: float = sequential.DEFAULT_TUNING,
            srm_threshold: float = SRM_THRESHOLD,
            cuped_slope: CupedSlope = "per_comparison") -> Analysis:
    """Compare every variant with ``control`` on every metric; see the module rules."""
    if not metrics:
        raise MeasureError("name at least one metric to analyse", code="analysis_no_metric")
    variants = list(metrics[0].stats)
    if control not in variants:
        seen = ", ".join(map(str, variants)) or "none"
        raise MeasureError(f"control variant {control!r} is not in the data; variants seen: "
                           f"{seen}", code="analysis_control",
                           params={"control": control, "seen": seen})
    if len(variants) < 2:
        raise MeasureError("the data hold only one variant: nothing to compare",
                           code="analysis_one_variant")
    counts = {v: _n(metrics[0].stats[v]) for v in variants}
    w = weights or dict.fromkeys(variants, 1.0)
    missing = [v for v in variants if v not in w]
    if missing:
        raise MeasureError(f"no weight for variant(s) {', '.join(missing)}",
                           code="analysis_weights", params={"variants": ", ".join(missing)})
    if not 0 < srm_threshold < 1:
        raise MeasureError(f"the SRM threshold must lie between 0 and 1 (got {srm_threshold})",
                           code="analysis_srm_threshold", params={"threshold": srm_threshold})
    srm = srm_check([counts[v] for v in variants], [w[v] for v in variants], srm_threshold,
                    names=variants, control=control)
    srm_pair = {pair.variant: pair for pair in srm.pairwise}

    raw: list[tuple[MetricSummary, str, Effect, str, float | None, float | None]] = []
    for m in metrics:
        for v in variants:
            if v == control:
                continue
            if counts[v] < 2 or counts[control] < 2:
                raise MeasureError(f"variant {v!r} or control has fewer than 2 people",
                                   code="analysis_too_few", params={"variant": v})
            eff, test, theta, red = _compare(m, control, v, alpha, cuped_slope)
            raw.append((m, v, eff, test, theta, red))
    tested = [i for i, r in enumerate(raw) if r[0].role != "guardrail"]
    adj = adjust([_f(raw[i][2].p_value) for i in tested], correction)
    p_adj = {i: adj[j] for j, i in enumerate(tested)}

    comps: list[Comparison] = []
    for i, (m, v, e, test, theta, red) in enumerate(raw):
        pa = p_adj.get(i, _f(e.p_value))
        sig = pa < alpha
        n_tot = counts[control] + counts[v]
        lo, hi = sequential.interval(_f(e.diff), _f(e.se), n_tot, alpha, tuning)
        bayes = beat_control(_f(e.diff), _f(e.se), m.higher_is_better)
        p_rel = beat_control_relative(_f(e.rel), _f(e.rel_se), m.higher_is_better)
        good = (_f(e.diff) > 0) == m.higher_is_better
        outcome: Literal["better", "worse", "flat"] = (
            ("better" if good else "worse") if sig else "flat")
        comps.append(Comparison(
            m.name, m.role, m.kind, v, counts[control], counts[v], _f(e.control_mean),
            _f(e.variant_mean), _f(e.diff), _f(e.se), _f(e.ci_low), _f(e.ci_high), _f(e.rel),
            _f(e.rel_ci_low), _f(e.rel_ci_high), _f(e.p_value), test, pa, bool(sig),
            _f(lo), _f(hi), bool(lo > 0 or hi < 0), _f(bayes.p_beat),
            _f(bayes.loss_ship), _f(p_rel), theta, red, outcome))

    verdicts: dict[str, Verdict] = {}
    reasons: dict[str, list[str]] = {}
    reason_codes: dict[str, list[str]] = {}
    for v in variants:
        if v == control:
            continue
        why: list[str] = []
        codes: list[str] = []
        mine = [c for c in comps if c.variant == v]
        pair = srm_pair.get(v)
        if srm.mismatch or (pair is not None and pair.mismatch):
            verdict: Verdict = "broken"
            p_srm = srm.p_value if srm.mismatch or pair is None else pair.p_value
            why.append(f"sample ratio mismatch (p = {p_srm:.2g})")
            codes.append("srm")
        else:
            harmed = [c.metric for c in mine if c.role == "guardrail" and c.outcome == "worse"]
            primary = [c for c in mine if c.role == "primary"]
            if harmed:
                verdict = "do_not_ship"
                why.append("guardrail harmed: " + ", ".join(harmed))
                codes.append("guardrail:" + ",".join(harmed))
            elif any(c.outcome == "worse" for c in primary):
                verdict = "do_not_ship"
                why.append("primary metric worse")
                codes.append("primary_worse")
            elif primary and all(c.outcome == "better" for c in primary):
                verdict = "ship"
                why.append("primary metric better, guardrails hold")
                codes.append("primary_better")
            else:
                verdict = "inconclusive"
                why.append("no significant change in the primary metric")
                codes.append("no_change")
        verdicts[v] = verdict
        reasons[v] = why
        reason_codes[v] = codes
    return Analysis(variants, control, counts, srm, alpha, correction, comps, verdicts,
                    reasons, reason_codes, _methods(metrics, correction, srm_threshold,
                                                    cuped_slope, tuning))


def _methods(metrics: Sequence[MetricSummary], correction: Correction, srm_threshold: float,
             slope: CupedSlope, tuning: float) -> dict[str, str]:
    out = {
        "proportion": "two-proportion z-test (pooled s.e.), Wald interval (unpooled s.e.)",
        "mean": "Welch t-test, Welch-Satterthwaite df, t interval",
        "ratio": "delta-method z-test for ratio metrics (people are the units)",
        "relative_lift": "(variant - control) / observed control mean; Fieller interval, "
                         "floored at -100% for non-negative metrics",
        "srm": f"chi-square goodness of fit against the planned weights; broken below "
               f"p = {srm_threshold:g}, warning below p = 0.01; pairwise vs control "
               f"with more than two arms",
        "bayes": "flat prior, normal posterior of the difference: chance to beat control "
                 "and expected loss; relative chance from the lognormal approximation",
        "sequential": f"mSPRT always-valid interval (normal mixture, tuning {tuning:g})",
        "correction": {"holm": "Holm step-down over primary and secondary comparisons",
                       "bh": "Benjamini-Hochberg over primary and secondary comparisons",
                       "none": "none"}[correction],
    }
    if any(m.covariate for m in metrics):
        out["cuped"] = ("CUPED, slope fitted on the two arms compared (per comparison)"
                        if slope == "per_comparison" else
                        "CUPED, slope pooled within all arms (ANCOVA over every arm)")
    kinds = {m.kind for m in metrics} | {"relative_lift", "srm", "bayes", "sequential",
                                         "correction", "cuped"}
    return {k: v for k, v in out.items() if k in kinds}
