"""The α / β content mix: the seed's formulas, the fit against references, slates."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import nnls

from crossplay.core.errors import ConfigError
from crossplay.recommend.contentmix import (
    blend,
    fit_gradient,
    fit_mix,
    fit_ridge,
    loss,
    raw_shares,
    slate_counts,
)
from tests.conftest import CliRunner, LoadedWorld


def test_raw_shares_are_the_seed_formula() -> None:
    a, b = raw_shares(np.array([2.0, 0.0]), np.array([1.0, 0.0]), np.array([1.0, 0.0]))
    assert a.tolist() == [0.5, 0.0] and b.tolist() == [0.25, 0.0]


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.gamma(2.0, 3.0, size=(200, 3))
    F = X @ np.array([2.0, 0.5, 1.0]) + rng.normal(0, 1, 200)
    w = rng.uniform(0.5, 2.0, 200)
    return X, F, w


def test_gradient_descent_matches_ridge_closed_form() -> None:
    X, F, w = _data()
    prior = np.array([1.0, 1.0, 1.0])
    for l2 in (0.0, 5.0):
        ridge = fit_ridge(X, F, w, l2, prior)
        gd = fit_gradient(X, F, w, l2, prior, nonnegative=False)
        np.testing.assert_allclose(gd, ridge, rtol=1e-6, atol=1e-8)
        assert loss(gd, X, F, w, l2, prior) <= loss(ridge + 1e-3, X, F, w, l2, prior)
    np.testing.assert_allclose(fit_ridge(X, F, w), [2.0, 0.5, 1.0], atol=0.05)


def test_nonnegative_fit_matches_scipy_nnls() -> None:
    X, F, w = _data(1)
    F = F - 3.0 * X[:, 1]  # the true T_K coefficient is now negative
    l2 = 2.0
    sw = np.sqrt(w)
    A = np.vstack([X * sw[:, None], np.sqrt(l2) * np.eye(3)])
    b = np.concatenate([F * sw, np.zeros(3)])
    ref, _ = nnls(A, b)
    got = fit_gradient(X, F, w, l2, nonnegative=True)
    assert got[1] == 0.0
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-7)


def test_fit_mix_segments_and_errors() -> None:
    X, F, w = _data(2)
    frame = pd.DataFrame(X, columns=["C_K", "T_K", "T_G"]).assign(
        F=F, weight=w, segment=["a"] * 120 + ["b"] * 80)
    fit = fit_mix(frame, method="ridge", l2=0.0)
    seg = fit.segments.set_index("segment")
    assert list(seg.index) == ["all", "a", "b"]
    for name in seg.index:
        assert 0 <= seg.at[name, "alpha"] <= 1 and 0 <= seg.at[name, "beta"] <= 1
        assert seg.at[name, "alpha"] + seg.at[name, "beta"] <= 1 + 1e-9
    th = fit.theta
    sums = X.sum(axis=0)
    assert seg.at["all", "alpha"] == pytest.approx(th[0] * sums[0] / (th @ sums))
    # with θ = 1 the fitted shares are the seed's raw α, β
    assert seg.at["all", "raw_alpha"] == pytest.approx(sums[0] / sums.sum())
    with pytest.raises(ConfigError, match="needs columns"):
        fit_mix(frame.drop(columns="F"))
    with pytest.raises(ConfigError, match="negative"):
        fit_mix(frame.assign(T_K=-1.0))


@settings(max_examples=60, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.integers(2, 30),
       st.integers(0, 30), st.integers(0, 30))
def test_blend_respects_counts(alpha: float, beta: float, n: int, nk: int, ng: int) -> None:
    k_list = list(range(nk))
    g_list = list(range(100, 100 + ng))
    want_k, want_g = slate_counts(alpha, beta, n)
    assert want_k + want_g == n
    s = blend(k_list, g_list, want_k, n)
    assert len(s) == min(n, nk + ng) and len(set(s)) == len(s)
    got_k = sum(1 for i in s if i < 100)
    assert got_k == min(nk, max(want_k, n - ng))
    # each side keeps its own order
    assert [i for i in s if i < 100] == k_list[:got_k]


def test_mix_command_on_the_world(cli: CliRunner, fresh_world: LoadedWorld) -> None:
    res = cli("--data-dir", fresh_world.data_dir, "recommend", "mix", "--truth",
              fresh_world.world_dir, "--json", data=False)
    assert res.code == 0, res.err
    data = res.json()
    c = data["comparison"]
    assert c["persons"] > 5 and c["mixed_value"] > 0 and c["fixed_50_50_value"] > 0
    assert {s["segment"] for s in data["segments"]} >= {"all"}
    saved = json.loads((fresh_world.data_dir / "derived/recommend/mix.json").read_text())
    assert saved["theta"] == data["theta"]
