"""Hyper-parameter choice on a validation split carved from the training matrix.

The evaluation harness never looks at test pairs to choose parameters: for a model with a
grid (``GRIDS``), a seeded ``fraction`` of each training user's pairs (users with at least
two) is held out of the *training* matrix, every candidate is fitted on the rest and
scored by Recall@K on the held-out pairs (consumed items filtered, the task's candidate
items only), and the winner is refitted on the whole training matrix by the caller.

The grids are small on purpose (each point is a full fit) and come from the validation
study in docs/recommendation.md: on the synthetic world ALS preferred few factors and, on
the sparse game and stream sides, a lower confidence scale (``alpha``); item-kNN gained
from keeping every neighbour on the knowledge side; BPR needed a smaller learning rate
and more epochs than implicit's defaults.

Cold start has its own carve-out (``cold_validation``: a seeded share of the training
persons active in both domains loses its target rows, which become the held-out pairs)
and its own grids (``COLD_GRIDS``): EMCDR's latent factors, both latent models' confidence
scale ``alpha``, the mapping's ridge penalty, whether the latent spaces are fitted on
overlap persons only and the weight of a segment-popularity prior for cold persons; the
joint ALS and the cross-domain item-kNN with and without the overlap-only fit. The first
point of every grid is the model's previous fixed setting, and a later point must beat it
strictly to be chosen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from crossplay.core.errors import ConfigError
from crossplay.recommend.dataset import Catalog
from crossplay.recommend.metrics import mean_metrics
from crossplay.recommend.models import (
    ALS,
    BPR,
    EMCDR,
    CrossALS,
    CrossItemKNN,
    ItemKNN,
    Recommender,
)

Factory = Callable[[dict[str, Any]], Recommender]

#: model name -> (factory from parameters, candidate parameter sets)
GRIDS: dict[str, tuple[Factory, list[dict[str, Any]]]] = {
    "als": (lambda p: ALS(**p),
            [{"factors": f, "alpha": a, "regularization": 1.0}
             for f in (4, 8, 16) for a in (0.1, 1.0)]),
    "bpr": (lambda p: BPR(**p),
            [{"factors": f, "learning_rate": 0.01, "regularization": r, "iterations": it}
             for f, r, it in ((8, 0.1, 400), (32, 0.1, 400), (8, 0.01, 100))]),
    "item_knn": (lambda p: ItemKNN(**p),
                 [{"neighbours": n, "shrink": 10.0} for n in (100, 0)]),
}

#: cold start: model name -> (factory, candidate parameter sets); source / target and the
#: seed come in ``fixed``
COLD_GRIDS: dict[str, tuple[Factory, list[dict[str, Any]]]] = {
    "emcdr": (lambda p: EMCDR(**p),
              [{"factors": f, "alpha": a, "mapping_alpha": m, "overlap_only": o,
                "segment_weight": w}
               for w in (0.0, 1.0) for o in (False, True) for f in (16, 8)
               for a in (1.0, 0.3) for m in (1.0, 10.0)]),
    "joint_als": (lambda p: CrossALS(**p),
                  [{"factors": f, "alpha": a, "overlap_only": o}
                   for o in (False, True) for f in (16, 8) for a in (1.0, 0.3)]),
    "item_knn": (lambda p: CrossItemKNN(**p),
                 [{"neighbours": n, "overlap_only": o}
                  for o in (False, True) for n in (100, 0)]),
}
#: cold-start carve-outs (seeds ``seed + 1 …``) a point's validation recall is pooled
#: over: one carve-out holds ~170 persons at 20,000 persons, too few to rank the grid
COLD_REPEATS = 3


@dataclass(frozen=True)
class Validation:
    """The training matrix without the held-out pairs, and who holds what out."""

    train: sp.csr_matrix
    users: npt.NDArray[np.int64]
    relevant: list[set[int]]


def validation_split(X: sp.csr_matrix, *, fraction: float = 0.2, seed: int = 0,
                     max_users: int | None = 5000) -> Validation:
    """Hold out a seeded ``fraction`` of each user's pairs (at least one, never all).

    ``max_users`` caps the number of validation users scored (not the training rows)."""
    X = sp.csr_matrix(X)
    rng = np.random.default_rng(seed)
    sizes = np.diff(X.indptr)
    rows = np.repeat(np.arange(X.shape[0]), sizes)
    key = rng.random(X.nnz)
    order = np.lexsort((key, rows))
    rank = np.empty(X.nnz, np.int64)
    starts = np.repeat(X.indptr[:-1], sizes)
    rank[order] = np.arange(X.nnz) - starts[order]
    n_hold = np.where(sizes >= 2, np.maximum(np.floor(sizes * fraction), 1), 0)
    hold = rank < n_hold[rows]
    train = sp.csr_matrix((np.where(hold, 0.0, X.data).astype(X.dtype), X.indices.copy(),
                           X.indptr.copy()), shape=X.shape)
    train.eliminate_zeros()
    users = np.unique(rows[hold]).astype(np.int64)
    if max_users and users.size > max_users:
        users = np.sort(rng.choice(users, max_users, replace=False))
    held = sp.csr_matrix((np.ones(int(hold.sum()), np.int8),
                          (rows[hold], X.indices[hold])), shape=X.shape)
    relevant = [set(held.indices[held.indptr[u]:held.indptr[u + 1]].tolist())
                for u in users]
    return Validation(train, users, relevant)


def cold_validation(X: sp.csr_matrix, target: npt.NDArray[np.bool_], *,
                    fraction: float = 0.3, seed: int = 0,
                    max_users: int | None = 5000) -> Validation:
    """Cold start carved from the training matrix: a seeded ``fraction`` of the rows
    with both target (``target``: an item mask) and other items lose their target
    pairs, which are held out; only those rows are scored (at most ``max_users``)."""
    X = sp.csr_matrix(X)
    t_cols = np.flatnonzero(target)
    s_cols = np.flatnonzero(~target)
    both = np.flatnonzero((np.diff(X[:, t_cols].indptr) > 0)
                          & (np.diff(X[:, s_cols].indptr) > 0))
    rng = np.random.default_rng(seed)
    n_cold = min(both.size, max(1, round(both.size * fraction))) if both.size else 0
    cold = np.zeros(X.shape[0], bool)
    cold[rng.choice(both, size=n_cold, replace=False)] = True
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    hold = cold[rows] & target[X.indices]
    train = sp.csr_matrix((np.where(hold, 0.0, X.data).astype(X.dtype), X.indices.copy(),
                           X.indptr.copy()), shape=X.shape)
    train.eliminate_zeros()
    users = np.flatnonzero(cold).astype(np.int64)
    if max_users and users.size > max_users:
        users = np.sort(rng.choice(users, max_users, replace=False))
    relevant = [set(X.indices[X.indptr[u]:X.indptr[u + 1]][
        target[X.indices[X.indptr[u]:X.indptr[u + 1]]]].tolist()) for u in users]
    return Validation(train, users, relevant)


def choose(name: str, val: Validation | list[Validation], catalog: Catalog | None,
           candidates: npt.NDArray[np.bool_] | None, k: int,
           fixed: dict[str, Any] | None = None,
           grids: dict[str, tuple[Factory, list[dict[str, Any]]]] | None = None
           ) -> tuple[dict[str, Any], float]:
    """The parameters of ``grids[name]`` (default ``GRIDS``) with the best validation
    Recall@K, and that recall; ties keep the earlier point. With several validation
    splits (``val`` a list: carve-outs of different seeds) a point's recall is the mean
    over them, pooled by held-out user. ``fixed`` parameters (e.g. ``random_state``) are
    added to every point."""
    make, grid = (GRIDS if grids is None else grids)[name]
    vals = val if isinstance(val, list) else [val]
    best: tuple[float, dict[str, Any]] | None = None
    for point in grid:
        params = {**point, **(fixed or {})}
        hits, users = 0.0, 0
        try:
            for v in vals:
                model = make(params).fit(v.train, catalog)
                rec, _ = model.recommend(v.users, v.train[v.users], k,
                                         candidates=candidates)
                hits += mean_metrics(rec, v.relevant, k)["recall"] * v.users.size
                users += v.users.size
        except ConfigError:  # e.g. too little overlap left for this point
            continue
        recall = hits / max(users, 1)
        if best is None or recall > best[0]:
            best = (recall, params)
    if best is None:
        raise ConfigError(f"no setting of {name} could be fitted on the validation "
                          "split", code="recommend_tuning", params={"model": name})
    return best[1], best[0]
