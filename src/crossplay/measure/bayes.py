"""Bayesian read-out: probability that a variant beats control, and the expected loss.

With a flat prior and the normal approximation of the difference ``D = b - a``
(``D ~ N(diff, se**2)`` a posteriori — the approximation gbstats uses for means and large
samples of proportions):

- ``P(b > a) = Phi(diff / se)``;
- expected loss of shipping b = ``E[max(0, -D)] = se * phi(diff/se) - diff * Phi(-diff/se)``
  (what is lost, in metric units, if b is in truth worse); of keeping a, ``E[max(0, D)]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from crossplay.measure.summary import Num


@dataclass(frozen=True)
class BayesResult:
    p_beat: Num
    loss_ship: Num
    loss_keep: Num


def _phi(z: Num) -> Num:
    return np.exp(-0.5 * np.asarray(z) ** 2) / np.sqrt(2 * np.pi)


def beat_control(diff: Num, se: Num, higher_is_better: bool = True) -> BayesResult:
    d = np.asarray(diff, dtype=np.float64) * (1 if higher_is_better else -1)
    s = np.asarray(se, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(s > 0, d / np.where(s > 0, s, 1.0), np.sign(d) * np.inf)
    p = np.where(np.isnan(z), 0.5, special.ndtr(np.nan_to_num(z, nan=0.0, posinf=np.inf,
                                                               neginf=-np.inf)))
    zf = np.where(np.isfinite(z), z, 0.0)
    loss_ship = np.where(s > 0, s * _phi(zf) - d * special.ndtr(-zf), np.maximum(-d, 0.0))
    loss_keep = loss_ship + d  # E[max(0, D)] = E[max(0, -D)] + E[D]
    return BayesResult(*(float(v) if np.ndim(v) == 0 else v for v in (p, loss_ship, loss_keep)))


def beat_control_relative(rel: Num, rel_se: Num, higher_is_better: bool = True) -> Num:
    """Chance to beat control in the relative form GrowthBook reports.

    The posterior of ``log(b / a)`` is taken as normal with mean ``log(1 + rel)`` and
    standard deviation ``rel_se / (1 + rel)`` (the delta method on the log ratio: with
    independent arms ``Var = Var(b)/b^2 + Var(a)/a^2``, gbstats's lognormal approximation);
    the chance is ``Phi(mean / sd)``. Undefined (nan) when ``1 + rel <= 0``.
    """
    r = np.asarray(rel, dtype=np.float64)
    s = np.asarray(rel_se, dtype=np.float64)
    ok = (1 + r) > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(ok, np.log1p(np.where(ok, r, 0.0)), np.nan)
        sd = np.where(ok, s / np.where(ok, 1 + r, 1.0), np.nan)
        z = np.where(sd > 0, mean / np.where(sd > 0, sd, 1.0), np.sign(mean) * np.inf)
    z = z * (1 if higher_is_better else -1)
    p = np.where(np.isnan(z), np.nan, special.ndtr(np.nan_to_num(z, nan=0.0, posinf=np.inf,
                                                                 neginf=-np.inf)))
    return float(p) if np.ndim(p) == 0 else p
