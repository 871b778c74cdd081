"""Each metric's formula pinned on a hand-computed ranking."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossplay.evaluation.measures import estimate, per_user, sampled_rankings
from crossplay.recommend.metrics import hit_at_k

# recommended, best first; relevant {1, 2, 5}: hits at ranks 2 and 4
REC = np.array([[3, 1, 7, 2, 9]], dtype=np.int64)
REL = [{1, 2, 5}]


def test_hand_computed_values_at_5() -> None:
    v = per_user(REC, REL, 5)
    assert v["precision"][0] == pytest.approx(2 / 5)  # hits / K
    assert v["recall"][0] == pytest.approx(2 / 3)  # hits / |relevant|
    dcg = 1 / math.log2(3) + 1 / math.log2(5)  # ranks 2 and 4
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)  # min(K, |relevant|) = 3 ideal hits
    assert v["ndcg"][0] == pytest.approx(dcg / idcg)
    assert v["ndcg"][0] == pytest.approx(0.4981893, abs=1e-7)
    assert v["map"][0] == pytest.approx((1 / 2 + 2 / 4) / 3)  # Σ P@k·rel(k) / min(K, |rel|)
    assert v["hit"][0] == 1.0


def test_cut_off_and_padding() -> None:
    v = per_user(REC, REL, 1)
    assert [v[m][0] for m in ("precision", "recall", "ndcg", "map", "hit")] == [0.0] * 5
    padded = np.array([[1, -1, -1]], dtype=np.int64)
    w = per_user(padded, [{1}], 3)
    assert w["precision"][0] == pytest.approx(1 / 3)  # the denominator stays K
    assert w["ndcg"][0] == 1.0 and w["map"][0] == 1.0 and w["recall"][0] == 1.0
    assert hit_at_k([4, 5], {6}, 2) == 0.0


def test_standard_error_over_users() -> None:
    e = estimate(np.array([0.0, 1.0, 1.0, 0.0]))
    assert e.mean == 0.5
    assert e.se == pytest.approx(math.sqrt(1 / 3) / 2)  # sd (ddof 1) / sqrt(n)
    assert estimate(np.array([0.7])).se == 0.0
    assert estimate(np.array([])).n == 0


def test_sampled_ranking_ranks_relevant_among_sampled_negatives() -> None:
    scores = np.array([[0.9, 0.1, 0.5, 0.8, 0.7, 0.2]], dtype=np.float32)
    cand = np.ones(6, bool)
    # relevant item 2, trained on item 0; negatives from {1, 3, 4, 5}
    rng = np.random.default_rng(0)
    out = sampled_rankings(scores, [{2}], [{0}], cand, 4, 3, rng)
    assert out.tolist() == [[3, 4, 2]]  # all four negatives drawn: 0.8, 0.7, then 0.5
    small = sampled_rankings(scores, [{2}], [{0}], cand, 1, 2, np.random.default_rng(1))
    assert 2 in small[0] and 0 not in small[0] and small.shape == (1, 2)


def test_peak_memory_sees_a_large_native_allocation() -> None:
    from crossplay.evaluation.memory import PeakMemory

    with PeakMemory() as m:
        a = np.ones(20_000_000)  # 160 MB, touched
        a.sum()
        del a
    assert m.method in ("rss-hwm", "tracemalloc")
    assert 140 < m.peak_mb < 400
    with PeakMemory() as small:
        sum(range(1000))
    assert small.peak_mb < 20


@settings(max_examples=80, deadline=None)
@given(n_items=st.integers(2, 40), k=st.integers(1, 15), seed=st.integers(0, 10**6),
       n_rel=st.integers(1, 10))
def test_ndcg_agrees_with_scikit_learn(n_items: int, k: int, seed: int, n_rel: int) -> None:
    """An independent reference: ``sklearn.metrics.ndcg_score`` with binary gains."""
    from sklearn.metrics import ndcg_score

    rng = np.random.default_rng(seed)
    scores = rng.permutation(n_items).astype(float)  # distinct: no tie handling involved
    rel = set(rng.choice(n_items, size=min(n_rel, n_items), replace=False).tolist())
    ranking = np.argsort(-scores)[:k].astype(np.int64)[None, :]
    truth = np.array([[1.0 if i in rel else 0.0 for i in range(n_items)]])
    mine = per_user(ranking, [rel], k)["ndcg"][0]
    assert mine == pytest.approx(ndcg_score(truth, scores[None, :], k=k))
