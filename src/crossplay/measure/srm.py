"""Sample-ratio mismatch: do the variants hold the share of people their weights promise?

A chi-square goodness-of-fit test of the observed counts against the weights. A p-value
below ``SRM_THRESHOLD`` (0.001, the industry convention: the check runs on every analysis,
so it must rarely cry wolf) means assignment or logging is broken and no lift from this
experiment should be trusted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

SRM_THRESHOLD = 0.001


@dataclass(frozen=True)
class SrmResult:
    observed: list[int]
    expected: list[float]
    chi2: float
    p_value: float
    mismatch: bool


def srm_check(counts: Sequence[int], weights: Sequence[float],
              threshold: float = SRM_THRESHOLD) -> SrmResult:
    obs = np.asarray(counts, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    total = obs.sum()
    if obs.size < 2 or total == 0 or w.sum() <= 0:
        return SrmResult([int(c) for c in counts], [float(v) for v in w], 0.0, 1.0, False)
    exp = total * w / w.sum()
    res = stats.chisquare(obs, exp)
    chi2, p = float(res.statistic), float(res.pvalue)
    return SrmResult([int(c) for c in counts], [float(v) for v in exp], chi2, p, p < threshold)
