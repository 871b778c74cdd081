"""Validation-split tuning and the no-history rule of the evaluation harness."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from crossplay.core.errors import ConfigError
from crossplay.recommend.evaluate import serve_no_history
from crossplay.recommend.models import ALS
from crossplay.recommend.models.base import load_model
from crossplay.recommend.tuning import GRIDS, choose, validation_split
from tests.recommend.helpers import catalog, checkerboard


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 12), st.integers(1, 15), st.floats(0.05, 0.9), st.integers(0, 9))
def test_validation_split_partitions_each_users_pairs(n_users: int, n_items: int,
                                                      frac: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = sp.csr_matrix(((rng.random((n_users, n_items)) < 0.5)
                       * rng.uniform(1, 5, (n_users, n_items))).astype(np.float32))
    val = validation_split(X, fraction=frac, seed=seed)
    sizes, kept = np.diff(X.indptr), np.diff(val.train.indptr)
    assert val.train.shape == X.shape
    assert (kept >= np.minimum(sizes, 1)).all()  # nobody loses their whole history
    assert ((sizes - kept)[sizes < 2] == 0).all()  # users with one pair hold nothing out
    for u, rel in zip(val.users, val.relevant, strict=True):
        row = set(X.indices[X.indptr[u]:X.indptr[u + 1]].tolist())
        left = set(val.train.indices[val.train.indptr[u]:val.train.indptr[u + 1]].tolist())
        assert rel and rel.isdisjoint(left) and rel | left == row
    held = int(sum(len(r) for r in val.relevant))
    assert held == X.nnz - val.train.nnz


def test_validation_split_is_seeded() -> None:
    X = checkerboard(20)
    a, b = validation_split(X, seed=3), validation_split(X, seed=3)
    assert (a.train != b.train).nnz == 0 and a.relevant == b.relevant


def test_choose_picks_the_best_validation_point() -> None:
    X = checkerboard(40)
    val = validation_split(X, seed=0)
    params, recall = choose("item_knn", val, catalog(40), None, 5)
    assert params in [p for p in GRIDS["item_knn"][1]]
    assert recall > 0.9  # the held-out items are the rest of the user's own group


def test_als_alpha_scales_confidence_and_survives_save(tmp_path: Path) -> None:
    X = checkerboard(40)
    a = ALS(factors=4, alpha=0.1, iterations=5).fit(X)
    b = ALS(factors=4, alpha=1.0, iterations=5).fit(X)
    assert not np.allclose(a.item_factors_, b.item_factors_)
    # alpha * X on the model is the same as scaling the matrix by hand, fold-in included
    same = ALS(factors=4, alpha=1.0, iterations=5).fit(sp.csr_matrix(X * 0.1))
    np.testing.assert_allclose(same.item_factors_, a.item_factors_, rtol=1e-3, atol=1e-4)
    users = np.arange(5)
    np.testing.assert_allclose(a.user_vectors(None, X[users]),
                               same.user_vectors(None, sp.csr_matrix(X[users] * 0.1)),
                               rtol=1e-3, atol=1e-4)
    ids, _ = a.recommend(users, X[users], 3)
    ids2, _ = load_model(a.save(tmp_path / "als")).recommend(users, X[users], 3)
    np.testing.assert_array_equal(ids, ids2)
    assert (ids[:, 0] == users).all()  # held-out diagonal first
    with pytest.raises(ConfigError):
        ALS(alpha=0.0).fit(X)


def test_serve_no_history_replaces_only_empty_rows() -> None:
    rec = np.array([[1, 2], [3, 4], [5, 6]])
    popular = np.array([[9, 8]])
    out = serve_no_history(rec, np.array([False, True, False]), popular)
    np.testing.assert_array_equal(out, [[1, 2], [9, 8], [5, 6]])
    np.testing.assert_array_equal(rec, [[1, 2], [3, 4], [5, 6]])
    assert serve_no_history(rec, np.zeros(3, bool), None) is rec
