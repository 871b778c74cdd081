"""A/A and planted-effect simulations: split real per-person values at random, many times.

All splits are analysed at once (numpy arrays through the same statistics functions as
the CLI), so 1,000 experiments over a few thousand people take well under a second.
Used by the tests (false-positive rate, coverage) and quoted by ``crossplay demo``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from crossplay.measure import sequential
from crossplay.measure.effects import Effect, two_proportions, welch
from crossplay.measure.summary import Moments

FloatArray = npt.NDArray[np.float64]
#: the first look is taken when both arms hold at least this many people
MIN_PER_ARM = 30


@dataclass(frozen=True)
class SimulationResult:
    sims: int
    people: int
    effect: float
    false_positive_rate: float  # share of splits significant at alpha (A/A only)
    coverage: float  # share of 95% intervals containing the true effect
    mean_estimate: float
    looks: int
    fixed_miss_peeking: float  # share ever missing the truth when looking ``looks`` times
    sequential_miss_peeking: float  # same for the always-valid interval


def split_moments(y: FloatArray, assign: npt.NDArray[np.bool_]) -> tuple[Moments, Moments]:
    """Moments of control (False) and treatment (True) for every row of ``assign``."""
    t = assign.astype(np.float64)
    n_b = t.sum(1)
    s_b, ss_b = t @ y, t @ (y * y)
    return (Moments(y.size - n_b, y.sum() - s_b, (y * y).sum() - ss_b),
            Moments(n_b, s_b, ss_b))


def _test(a: Moments, b: Moments, binary: bool, alpha: float) -> Effect:
    return two_proportions(a, b, alpha) if binary else welch(a, b, alpha)


def simulate(y: npt.ArrayLike, *, sims: int = 1000, effect: float = 0.0, alpha: float = 0.05,
             looks: int = 50, seed: int = 0) -> SimulationResult:
    """Random 50/50 splits of ``y``; ``effect`` is added to every treated value.

    ``y`` of 0/1 values is analysed with the two-proportion test (when ``effect`` is 0),
    anything else with Welch's test. The peeking part orders people at random, looks after
    every ``1/looks`` of them (from ``MIN_PER_ARM`` people per arm) and records whether any
    look's interval missed the truth.
    """
    yv = np.asarray(y, dtype=np.float64)
    rng = np.random.default_rng(seed)
    binary = effect == 0 and bool(np.isin(yv, (0.0, 1.0)).all())
    assign = rng.random((sims, yv.size)) < 0.5
    a, b = split_moments(yv, assign)
    if effect:
        b = Moments(b.n, b.sum + effect * b.n, b.sum_sq + 2 * effect * b.sum + effect**2 * b.n)
    e = _test(a, b, binary, alpha)
    fpr = float(np.mean(e.p_value < alpha)) if effect == 0 else float("nan")
    cover = float(np.mean((e.ci_low <= effect) & (e.ci_high >= effect)))

    order = np.argsort(rng.random((sims, yv.size)), axis=1)
    ys = yv[order]
    t = assign.astype(np.float64)
    ys = ys + effect * t
    marks = np.unique(np.linspace(yv.size / looks, yv.size, looks).astype(int))
    cum = [np.cumsum(v, axis=1)[:, marks - 1] for v in (t, ys * t, ys * ys * t, ys, ys * ys)]
    c_t, c_y, c_yy, c_all, c_all2 = cum
    pa = Moments(marks[None, :] - c_t, c_all - c_y, c_all2 - c_yy)
    pb = Moments(c_t, c_y, c_yy)
    with np.errstate(divide="ignore", invalid="ignore"):
        pe = welch(pa, pb, alpha)
        lo, hi = sequential.interval(pe.diff, pe.se, marks[None, :], alpha)
    # a look needs a minimum sample (as a dashboard would) and some variance in the data:
    # 90% zeros in a handful of people give zero variance and a degenerate interval
    ok = (pa.n >= MIN_PER_ARM) & (pb.n >= MIN_PER_ARM) & (pe.se > 0)
    fixed_miss = float(np.any(ok & ((pe.ci_low > effect) | (pe.ci_high < effect)), 1).mean())
    seq_miss = float(np.any(ok & ((lo > effect) | (hi < effect)), 1).mean())
    return SimulationResult(sims, int(yv.size), effect, fpr, cover, float(np.mean(e.diff)),
                            len(marks), fixed_miss, seq_miss)
