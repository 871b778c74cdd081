"""Every recommender honours one contract (the implicit test-suite idea: a known answer)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from crossplay.core.errors import ConfigError, CrossplayError
from crossplay.recommend.models import (
    ALS,
    BPR,
    ContentBased,
    Hybrid,
    ItemKNN,
    NotFittedError,
    Popularity,
    Recommender,
    SegmentPopularity,
    load_model,
)
from tests.recommend.helpers import catalog, checkerboard

PERSONALISED = [
    lambda: ItemKNN(),
    lambda: ItemKNN(shrink=0.0, neighbours=0),
    lambda: ALS(factors=8, iterations=20),
    lambda: BPR(factors=8, iterations=200),
    lambda: ContentBased(),
    lambda: ContentBased(weighting="bm25"),
    lambda: SegmentPopularity(),
    lambda: Hybrid(factors=8),
]
IDS = ["item_knn", "cosine", "als", "bpr", "content", "bm25", "segment_pop", "hybrid"]
ALL = [*PERSONALISED, lambda: Popularity()]
ALL_IDS = [*IDS, "popularity"]


@pytest.mark.parametrize("make", PERSONALISED, ids=IDS)
def test_held_out_diagonal_comes_first(make: object) -> None:
    X, cat = checkerboard(), catalog()
    model: Recommender = make().fit(X, cat)  # type: ignore[operator]
    ids, scores = model.recommend(np.arange(40), X, N=3)
    assert (ids[:, 0] == np.arange(40)).all()
    assert (np.diff(scores, axis=1) <= 1e-6).all()  # best first
    # fold-in (users the model never saw, given by their rows alone) agrees
    folded, _ = model.recommend(None, X, N=1)
    assert (folded[:, 0] == np.arange(40)).all()


def test_popularity_known_answer() -> None:
    X = sp.csr_matrix(np.array([[1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0]], np.float32))
    model = Popularity().fit(X)
    ids, sc = model.recommend(None, sp.csr_matrix((1, 4), dtype=np.float32), N=4)
    assert ids[0].tolist() == [0, 1, 2, 3]
    assert sc[0].tolist() == [3.0, 2.0, 1.0, 0.0]
    ids, _ = model.recommend(np.array([1]), X[1], N=4)  # consumed items filtered
    assert ids[0].tolist() == [2, 3, -1, -1]


@pytest.mark.parametrize("make", ALL, ids=ALL_IDS)
def test_save_load_round_trip_is_identical(make: object, tmp_path: Path) -> None:
    X, cat = checkerboard(), catalog()
    model: Recommender = make().fit(X, cat)  # type: ignore[operator]
    model.save(tmp_path / "m")
    again = load_model(tmp_path / "m")
    assert type(again) is type(model) and again.get_params() == model.get_params()
    a = model.recommend(np.arange(40), X, N=5)
    b = again.recommend(np.arange(40), X, N=5)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_allclose(a[1], b[1], rtol=1e-6)
    c = model.recommend(None, X[:7], N=5)
    d = again.recommend(None, X[:7], N=5)
    np.testing.assert_array_equal(c[0], d[0])


@pytest.mark.parametrize("make", ALL, ids=ALL_IDS)
def test_candidates_and_padding(make: object) -> None:
    X, cat = checkerboard(), catalog()
    model: Recommender = make().fit(X, cat)  # type: ignore[operator]
    cand = np.zeros(40, bool)
    cand[[0, 1, 25]] = True
    ids, sc = model.recommend(np.arange(40), X, N=5, candidates=cand)
    assert set(ids[ids >= 0].tolist()) <= {0, 1, 25}
    assert (ids[:, 3:] == -1).all() and np.isneginf(sc[:, 3:]).all()
    # user 0 consumed item 1, not item 0 or 25
    assert sorted(ids[0][ids[0] >= 0].tolist()) == [0, 25]


@pytest.mark.parametrize("make", ALL, ids=ALL_IDS)
def test_not_fitted_and_bad_input(make: object) -> None:
    model: Recommender = make()  # type: ignore[operator]
    with pytest.raises(NotFittedError, match="not fitted"):
        model.recommend(np.array([0]), checkerboard()[:1])
    with pytest.raises(ConfigError, match="sparse"):
        model.fit(np.ones((3, 3)), catalog(3))  # type: ignore[arg-type]
    neg = sp.csr_matrix(np.array([[1.0, -1.0]], np.float32))
    with pytest.raises(ConfigError, match="negative"):
        model.fit(neg, catalog(2))
    X, cat = checkerboard(), catalog()
    model.fit(X, cat)
    with pytest.raises(ConfigError, match="item columns"):
        model.recommend(None, sp.csr_matrix((1, 3), dtype=np.float32))
    with pytest.raises(ConfigError, match="N must"):
        model.recommend(None, X[:1], N=0)


def test_catalog_required() -> None:
    with pytest.raises(ConfigError, match="needs the item catalog"):
        ContentBased().fit(checkerboard())


@pytest.mark.parametrize("make", PERSONALISED[:6], ids=IDS[:6])
def test_similar_items_stay_in_group(make: object) -> None:
    X, cat = checkerboard(), catalog()
    model: Recommender = make().fit(X, cat)  # type: ignore[operator]
    ids, _ = model.similar_items(3, N=5)
    assert 3 not in ids.tolist()
    assert all(i < 20 for i in ids.tolist())


def test_popularity_has_no_similar_items() -> None:
    model = Popularity().fit(checkerboard())
    with pytest.raises(CrossplayError, match="no item representation"):
        model.similar_items(0)


def test_artifact_version_is_checked(tmp_path: Path) -> None:
    import json

    Popularity().fit(checkerboard()).save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    meta["artifact_version"] = 99
    (tmp_path / "m" / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ConfigError, match="retrain"):
        load_model(tmp_path / "m")
    with pytest.raises(CrossplayError, match="no saved model"):
        load_model(tmp_path / "nothing")


def test_item_knn_orders_unreached_items_by_popularity() -> None:
    # users 0-2 share items 0/1; items 2..5 are reached by nobody's neighbourhood from
    # item 0 alone, and item 4 is the most popular of them, then 3
    X = sp.csr_matrix(np.array([
        [1, 1, 0, 0, 0, 0], [1, 1, 0, 0, 1, 0], [0, 0, 0, 1, 1, 0],
        [0, 0, 0, 1, 1, 1], [0, 0, 1, 0, 1, 0], [0, 0, 0, 1, 0, 0]], np.float32))
    model = ItemKNN(neighbours=0, shrink=0.0).fit(X)
    row = sp.csr_matrix(np.array([[0, 0, 0, 0, 0, 1]], np.float32))  # only item 5
    ids, _ = model.recommend(None, row, 5)
    assert ids[0, 0] in (3, 4)  # item 5's neighbours first (co-occur with user 3)
    empty = sp.csr_matrix((1, 6), dtype=np.float32)
    ids, _ = model.recommend(None, empty, 6)
    assert ids[0].tolist() == [4, 3, 0, 1, 2, 5]  # nothing reached: by popularity
