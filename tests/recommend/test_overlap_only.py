"""Cross-domain models fitted on overlap persons only, and cold-start tuning."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from crossplay.core.errors import ConfigError
from crossplay.recommend.dataset import Domain
from crossplay.recommend.models import (
    ALS,
    EMCDR,
    CrossALS,
    CrossItemKNN,
    ItemKNN,
    Recommender,
    load_model,
)
from crossplay.recommend.models.crossdomain import overlap_rows
from crossplay.recommend.tuning import COLD_GRIDS, choose, cold_validation
from tests.recommend.test_crossdomain import _planted

SRC: tuple[Domain, ...] = ("game",)
TGT: tuple[Domain, ...] = ("knowledge",)


def _emptied(X: sp.csr_matrix, keep: np.ndarray) -> sp.csr_matrix:
    out = sp.csr_matrix(X.multiply(keep[:, None].astype(np.float32)))
    out.eliminate_zeros()
    return out


def test_overlap_rows_are_persons_with_both_domains() -> None:
    X, cat, _, cold = _planted()
    rows = overlap_rows(X, cat, SRC, TGT)
    assert rows.sum() == 180  # 3 groups x 60 persons with games and courses
    assert not rows[cold].any()  # cold persons have games only
    with pytest.raises(ConfigError, match="must differ"):
        overlap_rows(X, cat, SRC, SRC)


def test_emcdr_overlap_only_learns_from_overlap_persons_only() -> None:
    X, cat, _, _ = _planted()
    both = overlap_rows(X, cat, SRC, TGT)
    model = EMCDR(source=SRC, target=TGT, factors=4, overlap_only=True).fit(X, cat)
    # the same ALS on the matrix with every other row emptied: identical item factors
    games = np.flatnonzero(cat.in_domains(SRC))
    ref = ALS(factors=4, regularization=0.05, iterations=15).fit(_emptied(X, both)[:, games])
    # (implicit's conjugate-gradient steps differ in the last float digits run to run)
    np.testing.assert_allclose(model.source_model_.item_factors_, ref.item_factors_,
                               atol=1e-3)
    # everybody else is folded in from their own rows, so cold persons have factors
    others = np.flatnonzero(~both & (np.diff(X[:, games].indptr) > 0))
    assert (np.abs(model.source_model_.user_factors_[others]).sum(axis=1) > 0).all()
    plain = EMCDR(source=SRC, target=TGT, factors=4).fit(X, cat)
    assert not np.allclose(plain.source_model_.item_factors_,
                           model.source_model_.item_factors_, atol=1e-2)


@pytest.mark.parametrize("make", [
    lambda o: CrossALS(source=SRC, target=TGT, factors=4, overlap_only=o),
    lambda o: CrossItemKNN(source=SRC, target=TGT, overlap_only=o),
    lambda o: EMCDR(source=SRC, target=TGT, factors=4, overlap_only=o),
])
def test_overlap_only_models_serve_cold_persons_and_survive_save(
        make: object, tmp_path: Path) -> None:
    X, cat, group, cold = _planted()
    courses = cat.in_domains(TGT)
    users = np.flatnonzero(cold)
    assert callable(make)
    for overlap_only in (False, True):
        model: Recommender = make(overlap_only)
        model.fit(X, cat)
        ids, _ = model.recommend(users, X[users], N=3, candidates=courses)
        assert ((ids - 24) // 6 == group[users][:, None]).mean() >= 0.9, overlap_only
        again = load_model(model.save(tmp_path / f"{model.name}-{overlap_only}"))
        assert again.get_params() == model.get_params()
        np.testing.assert_array_equal(
            again.recommend(users, X[users], N=3, candidates=courses)[0], ids)


def test_cross_item_knn_overlap_only_is_item_knn_on_overlap_rows() -> None:
    X, cat, _, _ = _planted()
    both = overlap_rows(X, cat, SRC, TGT)
    cross = CrossItemKNN(source=SRC, target=TGT, neighbours=0, overlap_only=True).fit(X, cat)
    ref = ItemKNN(neighbours=0).fit(_emptied(X, both))
    assert (cross.similarity_ != ref.similarity_).nnz == 0
    full = CrossItemKNN(source=SRC, target=TGT, neighbours=0).fit(X, cat)
    assert (full.similarity_ != ItemKNN(neighbours=0).fit(X).similarity_).nnz == 0
    assert (full.similarity_ != cross.similarity_).nnz > 0  # course-only users count


def test_overlap_only_needs_overlap() -> None:
    X, cat, _, _ = _planted()
    only_games = sp.csr_matrix(X.multiply(np.asarray(cat.platform == "game")[None, :]))
    with pytest.raises(ConfigError, match="active in both domains"):
        CrossALS(source=SRC, target=TGT, overlap_only=True).fit(only_games, cat)


def test_cold_validation_hides_the_target_rows_of_overlap_persons() -> None:
    X, cat, _, _ = _planted()
    target = cat.in_domains(TGT)
    val = cold_validation(X, target, fraction=0.3, seed=1)
    both = overlap_rows(X, cat, SRC, TGT)
    assert val.users.size == round(0.3 * both.sum()) and both[val.users].all()
    for u, rel in zip(val.users, val.relevant, strict=True):
        row = X.indices[X.indptr[u]:X.indptr[u + 1]]
        left = val.train.indices[val.train.indptr[u]:val.train.indptr[u + 1]]
        assert rel == set(row[target[row]].tolist())
        assert not target[left].any() and set(left.tolist()) == set(row[~target[row]])
    assert val.train.nnz == X.nnz - sum(len(r) for r in val.relevant)
    again = cold_validation(X, target, fraction=0.3, seed=1)
    assert (again.train != val.train).nnz == 0


def test_cold_grids_start_at_the_models_defaults_and_explore() -> None:
    for name, (make, grid) in COLD_GRIDS.items():
        default = make({"source": SRC, "target": TGT}).get_params()
        assert all(default[k] == v for k, v in grid[0].items()), name
        assert any(p["overlap_only"] for p in grid), name
    emcdr = COLD_GRIDS["emcdr"][1]
    for key in ("factors", "alpha", "mapping_alpha", "overlap_only"):
        assert len({p[key] for p in emcdr}) >= 2, key


def test_cold_tuning_chooses_on_the_validation_persons() -> None:
    X, cat, _, _ = _planted()
    target = cat.in_domains(TGT)
    val = cold_validation(X, target, seed=1)
    params, recall = choose("item_knn", val, cat, target, 3,
                            fixed={"source": SRC, "target": TGT}, grids=COLD_GRIDS)
    assert params["source"] == SRC and recall > 0.4


def test_emcdr_segment_prior_moves_only_cold_rows_and_survives_save(tmp_path: Path) -> None:
    X, cat, _, cold = _planted()
    plain = EMCDR(source=SRC, target=TGT, factors=4).fit(X, cat)
    prior = EMCDR(source=SRC, target=TGT, factors=4, segment_weight=1.0).fit(X, cat)
    both = np.flatnonzero(overlap_rows(X, cat, SRC, TGT))
    np.testing.assert_array_equal(prior.scores(both, X[both]), plain.scores(both, X[both]))
    users = np.flatnonzero(cold)
    s_plain, s_prior = plain.scores(users, X[users]), prior.scores(users, X[users])
    assert not np.allclose(s_plain[:, 24:], s_prior[:, 24:])
    assert np.isneginf(s_prior[:, :24]).all()  # games are never candidates for the target
    again = load_model(prior.save(tmp_path / "m"))
    np.testing.assert_array_equal(again.scores(users, X[users]), s_prior)
    folded = again.scores(None, X[users])  # unknown rows: source factors folded in
    assert np.isfinite(folded[:, 24:]).all() and np.isneginf(folded[:, :24]).all()
