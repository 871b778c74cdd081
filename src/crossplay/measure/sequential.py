"""Always-valid confidence intervals for peeking (mixture sequential probability ratio test).

The interval for a difference with standard error ``se`` after ``N`` people in total is the
normal-mixture mSPRT confidence sequence (Johari, Pekelis & Walsh 2017; Howard et al.
2021), as GrowthBook's gbstats computes it::

    s2 = se**2 * N                       # variance per unit of the difference
    rho = sqrt((-2 log(alpha) + log(-2 log(alpha) + 1)) / tuning)
    half = sqrt(s2) * sqrt(2 (N rho**2 + 1) / (N**2 rho**2) * log(sqrt(N rho**2 + 1) / alpha))

``tuning`` is the sample size at which the interval is tightest relative to the fixed-
horizon one (default 5,000 people). The probability that the interval *ever* misses the
true effect, however often one looks, is at most ``alpha``: a marketer may watch the
dashboard daily and stop when it excludes zero. It is wider than the fixed-horizon
interval; that is the price of peeking.

Written here (gbstats is not a Python dependency; the formula is a few lines): the test
pins it to the formula above and the simulations in ``tests/measure/test_aa_simulation.py``
show it keeps the error rate under continuous peeking where the fixed interval does not.
"""

from __future__ import annotations

import numpy as np

from crossplay.measure.summary import Num

DEFAULT_TUNING = 5000.0


def mixture_rho(alpha: float, tuning: float = DEFAULT_TUNING) -> float:
    """The mixing variance parameter that is optimal around ``tuning`` people."""
    la = -2 * np.log(alpha)
    return float(np.sqrt((la + np.log(la + 1)) / tuning))


def halfwidth(se: Num, n_total: Num, alpha: float = 0.05,
              tuning: float = DEFAULT_TUNING) -> Num:
    """Half-width of the always-valid interval for a difference with standard error ``se``."""
    rho2 = mixture_rho(alpha, tuning) ** 2
    n = np.asarray(n_total, dtype=np.float64)
    s2 = np.asarray(se, dtype=np.float64) ** 2 * n
    inner = 2 * (n * rho2 + 1) / (n**2 * rho2) * np.log(np.sqrt(n * rho2 + 1) / alpha)
    out = np.sqrt(s2) * np.sqrt(inner)
    return out if out.ndim else float(out)


def interval(diff: Num, se: Num, n_total: Num, alpha: float = 0.05,
             tuning: float = DEFAULT_TUNING) -> tuple[Num, Num]:
    h = halfwidth(se, n_total, alpha, tuning)
    return diff - h, diff + h


def significant(diff: Num, se: Num, n_total: Num, alpha: float = 0.05,
                tuning: float = DEFAULT_TUNING) -> Num:
    """True where the always-valid interval excludes zero."""
    h = halfwidth(se, n_total, alpha, tuning)
    out = np.abs(np.asarray(diff)) > h
    return out if out.ndim else bool(out)
