"""Matrix factorisation from ``implicit``: ALS (Hu-Koren-Volinsky) and BPR.

The models are ``implicit.cpu`` objects; crossplay adds the shared interface, fold-in of
unseen users, candidate masks and artifacts. Fitting and scoring run under a one-thread
BLAS limit (implicit warns, and is slower here, with a multi-threaded OpenBLAS).
``recommend`` for known users delegates to implicit's own top-N so that the wrapper costs
little over calling implicit directly (see benchmarks/recommend_bench.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from threadpoolctl import ThreadpoolController

from crossplay.core.errors import ConfigError
from crossplay.recommend.dataset import Catalog
from crossplay.recommend.models.base import FloatArray, IntArray, Recommender, top_n

_CONTROLLER: list[ThreadpoolController] = []


def _one_blas_thread() -> Any:
    """A one-thread BLAS limit. The libraries are looked up once per process: a fresh
    ``threadpool_limits`` scans them on every call (~3 ms), which dominated serving one
    user and explaining a recommendation."""
    if not _CONTROLLER:
        # load every BLAS the factorisations use before looking the libraries up
        import implicit.cpu.als
        import implicit.cpu.bpr  # noqa: F401
        import scipy.linalg  # noqa: F401

        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=1, user_api="blas")


class _Factorisation(Recommender):
    """Shared state: ``user_factors_`` and ``item_factors_`` (float32)."""

    factors: int
    regularization: float
    iterations: int
    random_state: int

    def _check_params(self) -> None:
        if self.factors < 1 or self.iterations < 1 or self.regularization < 0:
            raise ConfigError("factors and iterations must be >= 1, regularization >= 0",
                              code="recommend_param")

    def _implicit(self) -> Any:
        raise NotImplementedError

    def _fit(self, X: sp.csr_matrix, catalog: Catalog | None) -> None:
        self._check_params()
        with _one_blas_thread():
            model = self._implicit()
            model.fit(X, show_progress=False)
        self.model_ = model
        self.user_factors_ = np.asarray(model.user_factors, np.float32)
        self.item_factors_ = np.asarray(model.item_factors, np.float32)

    def _fold_in(self, user_items: sp.csr_matrix) -> FloatArray:
        raise NotImplementedError

    def user_vectors(self, userids: IntArray | None, user_items: sp.csr_matrix
                     ) -> FloatArray:
        """Learned factors of known users, folded-in factors from ``user_items`` else."""
        self._check_fitted()
        if userids is None:
            return self._fold_in(sp.csr_matrix(user_items, dtype=np.float32))
        return self.user_factors_[np.asarray(userids, np.int64)]

    def _scores(self, userids: IntArray | None, user_items: sp.csr_matrix) -> FloatArray:
        U = self.user_vectors(userids, user_items)
        with _one_blas_thread():
            return np.asarray(U @ self.item_factors_.T, np.float32)

    def recommend(self, userids: IntArray | None, user_items: sp.csr_matrix, N: int = 10,
                  *, filter_already_liked_items: bool = True,
                  candidates: npt.NDArray[np.bool_] | None = None,
                  ) -> tuple[IntArray, FloatArray]:
        self._check_fitted()
        if userids is None or not hasattr(self, "model_"):
            return super().recommend(userids, user_items, N,
                                     filter_already_liked_items=filter_already_liked_items,
                                     candidates=candidates)
        uids = np.asarray(userids, np.int64)
        X = sp.csr_matrix(user_items, dtype=np.float32)
        if X.shape != (uids.size, self.n_items_):
            raise ConfigError("user_items must have one row per user id and the model's "
                              "item columns", code="recommend_input_shape")
        if N < 1:
            raise ConfigError("N must be at least 1", code="recommend_n_top")
        items = None if candidates is None else np.flatnonzero(candidates).astype(np.int32)
        if items is not None and items.size == 0:
            return (np.full((uids.size, N), -1, np.int64),
                    np.full((uids.size, N), -np.inf, np.float32))
        with _one_blas_thread():
            ids, sc = self.model_.recommend(uids, X, N=N, items=items,
                                            filter_already_liked_items=(
                                                filter_already_liked_items))
        ids = np.atleast_2d(np.asarray(ids, np.int64))
        sc = np.atleast_2d(np.asarray(sc, np.float32))
        if ids.shape[1] < N:  # fewer candidates than N
            pad = N - ids.shape[1]
            ids = np.hstack([ids, np.full((ids.shape[0], pad), -1, np.int64)])
            sc = np.hstack([sc, np.full((sc.shape[0], pad), -np.inf, np.float32)])
        bad = ~np.isfinite(sc) | (sc <= np.finfo(np.float32).min / 2)
        ids[bad] = -1
        sc[bad] = -np.inf
        return ids, sc

    def _item_vectors(self) -> FloatArray:
        return self.item_factors_

    def forget_users(self, rows: IntArray) -> bool:
        """Zero the erased users' factors (their scores become 0: never served, since the
        bundle no longer maps any key to those rows)."""
        self._check_fitted()
        idx = np.asarray(rows, np.int64)
        if idx.size == 0:
            return False
        factors = np.array(self.user_factors_, np.float32, copy=True)
        factors[idx] = 0.0
        self.user_factors_ = factors
        if hasattr(self, "model_"):
            self.model_.user_factors = np.ascontiguousarray(factors)
        return True

    def _state(self) -> dict[str, Any]:
        return {"user_factors_": self.user_factors_, "item_factors_": self.item_factors_}

    def _set_state(self, state: dict[str, Any]) -> None:
        super()._set_state(state)
        with _one_blas_thread():
            model = self._implicit()
        model.user_factors = np.ascontiguousarray(self.user_factors_)
        model.item_factors = np.ascontiguousarray(self.item_factors_)
        self.model_ = model


class ALS(_Factorisation):
    """Implicit-feedback ALS (``implicit.cpu.als.AlternatingLeastSquares``).

    The input matrix already holds confidences; ``alpha`` rescales them once more for
    ALS alone (implicit's own ``alpha``: C = 1 + alpha * X). It is the weight of observed
    pairs against the unobserved ones: a smaller alpha pulls scores towards popularity,
    which the validation study in docs/recommendation.md found better on the sparse game
    and stream sides. Unseen users are folded in by one exact least-squares step against
    the item factors, with the same scaling.

    Parameters
    ----------
    factors, regularization, iterations, random_state: as in implicit.
    alpha: confidence scale applied to the input matrix (1 = as given).
    """

    name = "als"

    def __init__(self, factors: int = 64, regularization: float = 0.05,
                 iterations: int = 15, random_state: int = 0, alpha: float = 1.0) -> None:
        self.factors = factors
        self.regularization = regularization
        self.iterations = iterations
        self.random_state = random_state
        self.alpha = alpha

    def _check_params(self) -> None:
        super()._check_params()
        if not self.alpha > 0:
            raise ConfigError("alpha must be > 0", code="recommend_param_alpha")

    def _implicit(self) -> Any:
        from implicit.cpu.als import AlternatingLeastSquares

        return AlternatingLeastSquares(factors=self.factors,
                                       regularization=self.regularization,
                                       alpha=float(self.alpha),
                                       iterations=self.iterations,
                                       random_state=self.random_state, num_threads=1)

    def _fold_in(self, user_items: sp.csr_matrix) -> FloatArray:
        """x_u = (YᵀY + Yᵀ(C_u − I)Y + λI)⁻¹ Yᵀ C_u p(u): implicit's own user step."""
        Y = self.item_factors_.astype(np.float64)
        YtY = Y.T @ Y
        reg = self.regularization * np.eye(Y.shape[1])
        out = np.zeros((user_items.shape[0], Y.shape[1]), np.float32)
        for u in range(user_items.shape[0]):
            lo, hi = user_items.indptr[u], user_items.indptr[u + 1]
            if lo == hi:
                continue
            idx = user_items.indices[lo:hi]
            conf = self.alpha * user_items.data[lo:hi].astype(np.float64)
            Yi = Y[idx]
            A = YtY + (Yi.T * conf) @ Yi + reg
            b = Yi.T @ (1.0 + conf)
            out[u] = np.linalg.solve(A, b)
        return out


class BPR(_Factorisation):
    """Bayesian personalised ranking (``implicit.cpu.bpr.BayesianPersonalizedRanking``).

    BPR has no closed-form fold-in: an unseen user's vector is the confidence-weighted
    mean of the factors of the items in their history (a standard approximation).

    Parameters
    ----------
    factors, learning_rate, regularization, iterations, random_state: as in implicit.
    """

    name = "bpr"

    def __init__(self, factors: int = 64, learning_rate: float = 0.05,
                 regularization: float = 0.01, iterations: int = 100,
                 random_state: int = 0) -> None:
        self.factors = factors
        self.learning_rate = learning_rate
        self.regularization = regularization
        self.iterations = iterations
        self.random_state = random_state

    def _implicit(self) -> Any:
        from implicit.cpu.bpr import BayesianPersonalizedRanking

        return BayesianPersonalizedRanking(factors=self.factors,
                                           learning_rate=self.learning_rate,
                                           regularization=self.regularization,
                                           iterations=self.iterations,
                                           random_state=self.random_state, num_threads=1)

    def _fold_in(self, user_items: sp.csr_matrix) -> FloatArray:
        w = user_items.multiply(1.0 / np.maximum(
            np.asarray(user_items.sum(axis=1)), 1e-9))
        out = np.asarray(sp.csr_matrix(w) @ self.item_factors_, np.float32)
        out[:, -1] = 1.0  # implicit's BPR keeps a constant 1 against the item bias column
        return out


__all__ = ["ALS", "BPR", "top_n"]
