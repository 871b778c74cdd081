"""Invariants of the statistics, checked with hypothesis."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from crossplay.measure.corrections import benjamini_hochberg, holm
from crossplay.measure.effects import cuped, welch
from crossplay.measure.sequential import halfwidth
from crossplay.measure.summary import JointMoments, Moments

pvals = st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=30)


@given(pvals)
def test_corrections_never_lower_a_p_value_and_keep_the_order(p: list[float]) -> None:
    for adj in (holm(p), benjamini_hochberg(p)):
        assert all(a >= x - 1e-12 and a <= 1 for a, x in zip(adj, p, strict=True))
        order = np.argsort(p, kind="stable")
        ranked = np.asarray(adj)[order]
        assert np.all(np.diff(ranked) >= -1e-12)
    assert all(b <= h + 1e-12 for b, h in zip(benjamini_hochberg(p), holm(p), strict=True))


values = st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=3, max_size=60)


@given(values, values)
def test_moments_are_additive(a: list[float], b: list[float]) -> None:
    ma, mb, both = Moments.of(a), Moments.of(b), Moments.of(a + b)
    assert both.n == ma.n + mb.n
    assert np.isclose(both.sum, ma.sum + mb.sum, atol=1e-6)
    assert np.isclose(both.sum_sq, ma.sum_sq + mb.sum_sq, rtol=1e-9, atol=1e-6)


@settings(max_examples=50, deadline=None)
@given(values, values, st.floats(-100, 100))
def test_welch_is_shift_invariant_and_antisymmetric(a: list[float], b: list[float],
                                                    c: float) -> None:
    e = welch(Moments.of(a), Moments.of(b))
    shifted = welch(Moments.of([x + c for x in a]), Moments.of([x + c for x in b]))
    assert np.isclose(e.diff, shifted.diff, atol=1e-6)
    flipped = welch(Moments.of(b), Moments.of(a))
    assert np.isclose(e.diff, -flipped.diff) and np.isclose(e.p_value, flipped.p_value,
                                                            atol=1e-9)


@settings(max_examples=50, deadline=None)
@given(values, values)
def test_cuped_with_a_constant_covariate_changes_nothing(a: list[float], b: list[float]) -> None:
    ja = JointMoments.of(a, [3.0] * len(a))
    jb = JointMoments.of(b, [3.0] * len(b))
    c = cuped(ja, jb)
    assert np.isclose(c.a.sum, ja.sum_y, atol=1e-6) and np.isclose(c.b.sum, jb.sum_y, atol=1e-6)
    assert c.reduction == 0.0 or np.isclose(c.reduction, 0.0, atol=1e-9)


@given(st.floats(1e-4, 10), st.integers(10, 10**7))
def test_sequential_interval_is_wider_than_fixed(se: float, n: int) -> None:
    assert halfwidth(se, n) > 1.959963984540054 * se
