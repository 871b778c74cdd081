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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from crossplay.recommend.dataset import Catalog
from crossplay.recommend.metrics import mean_metrics
from crossplay.recommend.models import ALS, BPR, ItemKNN, Recommender

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


def choose(name: str, val: Validation, catalog: Catalog | None,
           candidates: npt.NDArray[np.bool_] | None, k: int,
           fixed: dict[str, Any] | None = None) -> tuple[dict[str, Any], float]:
    """The parameters of ``GRIDS[name]`` with the best validation Recall@K, and that
    recall. ``fixed`` parameters (e.g. ``random_state``) are added to every point."""
    make, grid = GRIDS[name]
    best: tuple[float, dict[str, Any]] | None = None
    for point in grid:
        params = {**point, **(fixed or {})}
        model = make(params).fit(val.train, catalog)
        rec, _ = model.recommend(val.users, val.train[val.users], k, candidates=candidates)
        recall = mean_metrics(rec, val.relevant, k)["recall"]
        if best is None or recall > best[0]:
            best = (recall, params)
    assert best is not None
    return best[1], best[0]
