"""Sample-ratio mismatch: do the variants hold the share of people their weights promise?

A chi-square goodness-of-fit test of the observed counts against the weights.

- Below ``threshold`` (default ``SRM_THRESHOLD`` = 0.001, the convention of GrowthBook and
  most experimentation platforms: the check runs on every analysis, so it must rarely cry
  wolf) assignment or logging is broken and no lift from this experiment should be trusted:
  the verdict is "broken".
- Below ``warn_below`` (default 0.01) but above the threshold the split is suspicious: the
  read-out says so visibly instead of printing "OK" (a 49.56% / 50.44% split of 90,000
  people, p ≈ 0.009, is worth a look before anyone ships).
- With more than two arms, each variant is also checked against control alone (the two
  counts against their two weights), so the arm that drifted is named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

SRM_THRESHOLD = 0.001
SRM_WARN_BELOW = 0.01


@dataclass(frozen=True)
class SrmPair:
    """One variant against control only."""

    variant: str
    observed: list[int]
    expected: list[float]
    chi2: float
    p_value: float
    mismatch: bool
    warning: bool


@dataclass(frozen=True)
class SrmResult:
    observed: list[int]
    expected: list[float]
    chi2: float
    p_value: float
    mismatch: bool
    #: p below ``warn_below`` (and not a mismatch): show a visible warning, not "OK"
    warning: bool = False
    threshold: float = SRM_THRESHOLD
    warn_below: float = SRM_WARN_BELOW
    #: each variant against control, for experiments with more than two arms
    pairwise: list[SrmPair] = field(default_factory=list)


def _test(counts: Sequence[int], weights: Sequence[float]) -> tuple[list[float], float, float]:
    obs = np.asarray(counts, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    total = obs.sum()
    if obs.size < 2 or total == 0 or w.sum() <= 0:
        return [float(v) for v in w], 0.0, 1.0
    exp = total * w / w.sum()
    res = stats.chisquare(obs, exp)
    return [float(v) for v in exp], float(res.statistic), float(res.pvalue)


def srm_check(counts: Sequence[int], weights: Sequence[float],
              threshold: float = SRM_THRESHOLD, *, warn_below: float = SRM_WARN_BELOW,
              names: Sequence[str] | None = None, control: str | None = None) -> SrmResult:
    """The overall check; with ``names`` and ``control`` and more than two arms, pairwise too."""
    warn = max(warn_below, threshold)
    exp, chi2, p = _test(counts, weights)
    pairs: list[SrmPair] = []
    if names is not None and control is not None and len(counts) > 2 and control in names:
        ci = list(names).index(control)
        for i, name in enumerate(names):
            if i == ci:
                continue
            two = [int(counts[ci]), int(counts[i])]
            e2, c2, p2 = _test(two, [weights[ci], weights[i]])
            pairs.append(SrmPair(str(name), two, e2, c2, p2, p2 < threshold,
                                 threshold <= p2 < warn))
    return SrmResult([int(c) for c in counts], exp, chi2, p, p < threshold,
                     threshold <= p < warn, threshold, warn, pairs)
