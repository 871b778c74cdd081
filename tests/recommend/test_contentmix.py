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
    POLICIES,
    Z_95,
    MixFit,
    Policy,
    blend,
    choose_policy,
    fit_gradient,
    fit_mix,
    fit_ridge,
    knowledge_items,
    loss,
    paired,
    raw_shares,
    share_notes,
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


# --- the policy choice: known answers ----------------------------------------------------------

def test_paired_difference_known_answer() -> None:
    # differences 1, 2, 3: mean 2, s.d. 1, s.e. 1/√3; p from scipy's normal tail
    from scipy.stats import norm

    c = paired(np.array([2.0, 4.0, 6.0]), np.array([1.0, 2.0, 3.0]))
    assert (c.persons, c.difference, c.candidate, c.baseline) == (3, 2.0, 4.0, 2.0)
    assert c.standard_error == pytest.approx(1 / np.sqrt(3), rel=1e-12)
    assert c.p_value == pytest.approx(2 * norm.sf(2 * np.sqrt(3)), rel=1e-9)
    assert c.better and not c.worse
    with pytest.raises(ConfigError, match="one score per person"):
        paired(np.zeros(3), np.zeros(2))


def _scores(base: np.ndarray, shift: float, noise: float = 0.5, seed: int = 1
            ) -> np.ndarray:
    return base + shift + np.random.default_rng(seed).normal(0, noise, base.size)


def _values(fitted: float, raw: float, n: int = 400) -> dict[Policy, np.ndarray]:
    base = np.random.default_rng(0).poisson(1.0, n).astype(float)
    return {"fitted": _scores(base, fitted, seed=1), "raw": _scores(base, raw, seed=2),
            "fixed_50_50": base}


SEGS = np.array(["game", "knowledge"] * 200)


def test_fitted_worse_keeps_50_50() -> None:
    v = choose_policy(_values(-0.3, 0.0), SEGS)
    assert v.versus["fitted"].worse and not v.versus["raw"].better
    assert (v.chosen, v.reason, v.best) == ("fixed_50_50", "fitted_worse", "fixed_50_50")
    assert set(v.segment_policy.values()) == {"fixed_50_50"}


def test_fitted_significantly_better_is_chosen() -> None:
    v = choose_policy(_values(0.3, 0.0), SEGS)
    assert v.versus["fitted"].better
    assert (v.chosen, v.reason, v.best) == ("fitted", "fitted_better", "fitted")
    assert v.segment_policy == {"game": "fitted", "knowledge": "fitted"}


def test_tie_keeps_50_50() -> None:
    vals = _values(0.0, 0.0)
    v = choose_policy(vals, SEGS)
    for p in ("fitted", "raw"):
        c = v.versus[p]
        assert abs(c.difference) < Z_95 * c.standard_error  # neither side significant
    assert (v.chosen, v.reason) == ("fixed_50_50", "tie")
    # an exact tie: every person scores the same under every policy
    v = choose_policy({p: np.ones(50) for p in POLICIES}, np.array(["mixed"] * 50))
    assert (v.chosen, v.reason, v.best) == ("fixed_50_50", "tie", "fitted")


def test_raw_shares_win_when_they_alone_beat_50_50() -> None:
    v = choose_policy(_values(-0.3, 0.3), SEGS)
    assert (v.chosen, v.reason) == ("raw", "raw_better")
    both = choose_policy(_values(0.2, 0.5), SEGS)
    assert (both.chosen, both.reason) == ("raw", "raw_better")  # the larger win


def test_too_few_held_out_persons_keep_50_50() -> None:
    vals = {p: a[:10] for p, a in _values(3.0, 3.0).items()}
    v = choose_policy(vals, SEGS[:10])  # a huge win, but on 10 persons
    assert (v.chosen, v.reason) == ("fixed_50_50", "no_holdout")
    empty = choose_policy({p: np.zeros(0) for p in POLICIES}, np.array([], str))
    assert (empty.chosen, empty.reason, empty.versus["fitted"].persons) == (
        "fixed_50_50", "no_holdout", 0)


def test_a_segment_where_the_chosen_mix_loses_gets_50_50() -> None:
    vals = _values(0.8, 0.0)
    vals["fitted"][SEGS == "knowledge"] -= 1.1  # knowledge-first persons lose 0.3
    v = choose_policy(vals, SEGS)
    assert v.chosen == "fitted" and v.versus["fitted"].better
    assert v.segment_versus["knowledge"].worse
    assert v.segment_policy == {"game": "fitted", "knowledge": "fixed_50_50"}


def _fit(alpha: float, beta: float, raw_alpha: float, raw_beta: float) -> MixFit:
    seg = pd.DataFrame([{"segment": "game", "persons": 40, "theta_C_K": 0.0,
                         "theta_T_K": 0.0, "theta_T_G": 1.0, "alpha": alpha, "beta": beta,
                         "raw_alpha": raw_alpha, "raw_beta": raw_beta, "loss": 0.0}])
    return MixFit(theta=np.array([0.0, 0.0, 1.0]), segments=seg)


def test_zero_shares_are_explained() -> None:
    assert [n.as_dict() for n in share_notes(_fit(0.0, 1.0, 0.1, 0.9))] == [
        {"segment": "game", "side": "knowledge", "cause": "theta_zero"}]
    assert [n.as_dict() for n in share_notes(_fit(0.0, 1.0, 0.0, 0.9))] == [
        {"segment": "game", "side": "knowledge", "cause": "no_activity"}]
    assert [n.as_dict() for n in share_notes(_fit(0.7, 0.0, 0.5, 0.3))] == [
        {"segment": "game", "side": "game", "cause": "theta_zero"}]
    assert [n.cause for n in share_notes(_fit(0.0, 0.0, 0.4, 0.4))] == ["both_zero"]
    assert share_notes(_fit(0.3, 0.6, 0.3, 0.6)) == []
    fit = _fit(0.0, 1.0, 0.75, 0.25)
    # the slate each policy shows: fitted 0 of 10, raw 8 of 10, 50/50 5 of 10 (and 3 of 7)
    assert [knowledge_items(fit, p, "game", 10) for p in ("fitted", "raw", "fixed_50_50")
            ] == [0, 8, 5]
    assert knowledge_items(fit, "fixed_50_50", "game", 7) == 3


# --- the command on the shared world ------------------------------------------------------------

def _never_worse_than_50_50(data: dict[str, object]) -> None:
    """The saved policy is 50/50, or a mix whose held-out win over 50/50 is significant."""
    saved = data["policy"]
    verdict = data["verdict"]
    holdout = data["holdout"]
    assert isinstance(saved, dict) and isinstance(verdict, dict)
    assert isinstance(holdout, dict)
    assert saved["name"] == verdict["chosen"]
    n = saved["n"]
    applied = holdout["applied_versus_50_50"]
    if saved["name"] == "fixed_50_50":
        assert verdict["reason"] in ("fitted_worse", "tie", "no_holdout")
        assert all(s["policy"] == "fixed_50_50" and s["knowledge_items"] == n // 2
                   for s in saved["segments"])
        assert applied["difference"] == 0
    else:
        assert verdict["versus_50_50"][saved["name"]]["significantly_better"]
        assert applied["difference"] - Z_95 * applied["standard_error"] > 0
    assert holdout["values"]["applied"] >= holdout["values"]["fixed_50_50"]


def test_mix_command_gives_a_verdict(cli: CliRunner, fresh_world: LoadedWorld) -> None:
    res = cli("--data-dir", fresh_world.data_dir, "recommend", "mix", "--truth",
              fresh_world.world_dir, "--json", data=False)
    assert res.code == 0, res.err
    data = res.json()
    h = data["holdout"]
    assert h["measure"] == "hits" and h["cutoff"] and h["persons"] >= 20
    assert set(h["values"]) == {"fitted", "raw", "fixed_50_50", "applied"}
    c = data["comparison"]  # the ground truth, as before
    assert c["persons"] > 5 and c["mixed_value"] > 0 and c["fixed_50_50_value"] > 0
    assert {s["segment"] for s in data["segments"]} >= {"all"}
    _never_worse_than_50_50(data)
    assert data["verdict"]["text"][0].startswith("Verdict: ")
    assert data["verdict"]["text"][1].startswith("Applied policy: ")
    # every fitted share of 0 carries a note, in the reader's language
    zero = {(s["segment"], side) for s in data["segments"]
            for side, key in (("knowledge", "alpha"), ("game", "beta")) if s[key] == 0}
    assert {(n["segment"], n["side"]) for n in data["notes"]} == zero
    assert len(data["notes_text"]) == len(data["notes"])
    saved = json.loads((fresh_world.data_dir / "derived/recommend/mix.json").read_text())
    assert saved["theta"] == data["theta"] and saved["policy"] == data["policy"]
    _never_worse_than_50_50(saved)

    text = cli("--data-dir", fresh_world.data_dir, "recommend", "mix", data=False)
    assert text.code == 0, text.err
    flat = " ".join(text.out.split())
    for line in data["verdict"]["text"]:  # the same verdict, without --truth too
        assert " ".join(line.split()) in flat
    assert "Held-out comparison" in flat and "Saved the applied policy" in flat

    zh = cli("--data-dir", fresh_world.data_dir, "--lang", "zh-CN", "recommend", "mix",
             data=False)
    assert zh.code == 0, zh.err
    assert "结论：" in zh.out and "采用策略：" in zh.out and "留出期对比" in zh.out
    assert "Verdict" not in zh.out and "Applied policy" not in zh.out
    zh_json = cli("--data-dir", fresh_world.data_dir, "--lang", "zh-CN", "recommend", "mix",
                  "--json", data=False).json()
    assert zh_json["verdict"]["text"][0].startswith("结论：")
    assert zh_json["policy"] == data["policy"]  # the language changes no number


def test_without_a_held_out_comparison_50_50_is_applied(fresh_world: LoadedWorld) -> None:
    from crossplay.recommend.mixdata import evaluate_mix

    ev = evaluate_mix(fresh_world.settings(), min_persons=100_000)
    out = ev.as_dict()
    assert (ev.verdict.chosen, ev.verdict.reason) == ("fixed_50_50", "no_holdout")
    assert {s["policy"] for s in out["policy"]["segments"]} == {"fixed_50_50"}
    assert out["holdout"]["persons"] > 0 and "comparison" not in out
