"""Ranking metrics: known values and invariants."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from crossplay.recommend.metrics import (
    ap_at_k,
    coverage,
    mean_metrics,
    ndcg_at_k,
    novelty,
    precision_at_k,
    recall_at_k,
)


def test_known_values() -> None:
    rec = [5, 1, 7, 2, -1]
    rel = {1, 2, 9}
    assert recall_at_k(rec, rel, 3) == 1 / 3
    assert precision_at_k(rec, rel, 4) == 2 / 4
    # hits at ranks 2 and 4: DCG = 1/log2(3) + 1/log2(5); ideal (3 hits) = 1 + 1/log2(3) + 1/2
    expect = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3) + 0.5)
    assert abs(ndcg_at_k(rec, rel, 5) - expect) < 1e-12
    # AP@5 = (1/2 + 2/4) / min(5, 3)
    assert abs(ap_at_k(rec, rel, 5) - (0.5 + 0.5) / 3) < 1e-12
    assert ndcg_at_k([1, 2, 9], rel, 3) == 1.0 and ap_at_k([1, 2, 9], rel, 3) == 1.0
    assert recall_at_k(rec, set(), 3) == 0.0
    assert coverage([[1, 2], [2, 3, -1]], 10, 2) == 0.3
    # items seen by 1 of 4 and 2 of 4 users: -log2(1/4) = 2, -log2(1/2) = 1
    assert novelty([[0, 1]], np.array([1.0, 2.0]), 4, 2) == 1.5


def test_mean_metrics() -> None:
    recs = np.array([[1, 2], [3, 4]])
    m = mean_metrics(recs, [{1}, {9}], 2)
    assert m["recall"] == 0.5 and m["ndcg"] == 0.5 and m["map"] == 0.5
    assert m["precision"] == 0.25


@given(st.lists(st.integers(0, 30), max_size=15, unique=True),
       st.sets(st.integers(0, 30), min_size=1, max_size=10), st.integers(1, 15))
def test_invariants(rec: list[int], rel: set[int], k: int) -> None:
    for f in (recall_at_k, precision_at_k, ndcg_at_k, ap_at_k):
        assert 0.0 <= f(rec, rel, k) <= 1.0 + 1e-12
    assert recall_at_k(rec, rel, k) <= recall_at_k(rec, rel, k + 1)
    perfect = sorted(rel)[:k]
    assert abs(ndcg_at_k(perfect, rel, k) - 1.0) < 1e-9
