"""One base class for every recommender (scikit-learn conventions, versioned artifacts).

A model sees a users x items confidence matrix (``InteractionLog.matrix``) and, when it
needs item attributes (text, categories, domains), the ``Catalog``. ``__init__`` only
stores its keyword arguments; ``fit`` validates them and sets the learned state (names
ending in ``_``); using a model before ``fit`` raises ``NotFittedError``.

``recommend(userids, user_items, N)`` follows implicit's convention: ``userids`` are rows
of the training matrix (or ``None`` to fold users in from ``user_items`` alone, for users
the model never saw), ``user_items`` holds those users' rows (what to filter as already
consumed and, for memory-based models, what to score from). Scores of excluded items are
``-inf``; each result row is ``N`` item indexes, padded with ``-1`` when fewer candidates
exist.

Erasure: ``forget_users(rows)`` blanks the per-user state of training rows in place, so
row indexes stay aligned with the bundle's user table (see
:func:`crossplay.recommend.store.forget_keys`).

Artifacts: ``save(dir)`` writes ``model.json`` (model name, artifact version, parameters)
and ``state.npz`` (arrays only, no pickle); ``load_model(dir)`` rebuilds the model.
"""

from __future__ import annotations

import inspect
import json
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from crossplay.core.errors import ConfigError, CrossplayError, NotFoundError
from crossplay.recommend.dataset import Catalog

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
ARTIFACT_VERSION = 1
_BATCH = 1024


class NotFittedError(CrossplayError):
    code = "recommend_not_fitted"


class Recommender(ABC):
    """fit / recommend / similar_items / save / load for every model."""

    name: ClassVar[str] = "base"
    needs_catalog: ClassVar[bool] = False

    # --- parameters (scikit-learn style) ---------------------------------------------------
    def get_params(self) -> dict[str, Any]:
        sig = inspect.signature(type(self).__init__)
        return {p: getattr(self, p) for p in sig.parameters if p != "self"}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # --- learning ----------------------------------------------------------------------
    def fit(self, user_items: sp.csr_matrix, catalog: Catalog | None = None) -> Self:
        """Learn from a users x items confidence matrix; returns ``self``."""
        X = _check_matrix(user_items)
        if self.needs_catalog:
            if catalog is None:
                raise ConfigError(f"{self.name} needs the item catalog to fit",
                                  code="recommend_catalog", params={"model": self.name})
            if len(catalog) != X.shape[1]:
                raise ConfigError(f"catalog has {len(catalog)} items, the matrix "
                                  f"{X.shape[1]}", code="recommend_catalog_size",
                                  params={"catalog": len(catalog), "matrix": X.shape[1]})
        self._fit(X, catalog)
        self.n_items_ = int(X.shape[1])
        return self

    @abstractmethod
    def _fit(self, X: sp.csr_matrix, catalog: Catalog | None) -> None: ...

    @abstractmethod
    def _scores(self, userids: IntArray | None, user_items: sp.csr_matrix) -> FloatArray:
        """Dense scores (len(rows) x n_items) of the users' rows."""

    def _item_vectors(self) -> FloatArray | sp.csr_matrix:
        """Rows representing items for ``similar_items`` (cosine); override or not."""
        raise ConfigError(f"{self.name} has no item representation: similar items need "
                          "item_knn, als, bpr, content, emcdr or hybrid",
                          code="recommend_no_similarity", params={"model": self.name})

    # --- prediction ----------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "n_items_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted: call fit() first "
                                 "or load a trained model", code="recommend_not_fitted",
                                 params={"model": type(self).__name__})

    def scores(self, userids: IntArray | None, user_items: sp.csr_matrix) -> FloatArray:
        """Raw scores of every item for the given users (no filtering)."""
        self._check_fitted()
        X = _check_rows(user_items, self.n_items_, userids)
        return self._scores(None if userids is None else np.asarray(userids, np.int64), X)

    def recommend(self, userids: IntArray | None, user_items: sp.csr_matrix, N: int = 10,
                  *, filter_already_liked_items: bool = True,
                  candidates: npt.NDArray[np.bool_] | None = None,
                  ) -> tuple[IntArray, FloatArray]:
        """Top ``N`` items per user: (item indexes, scores), both ``len(rows) x N``."""
        self._check_fitted()
        if N < 1:
            raise ConfigError("N must be at least 1", code="recommend_n_top")
        X = _check_rows(user_items, self.n_items_, userids)
        ids_out = np.full((X.shape[0], N), -1, dtype=np.int64)
        sc_out = np.full((X.shape[0], N), -np.inf, dtype=np.float32)
        uids = None if userids is None else np.asarray(userids, np.int64)
        for lo in range(0, X.shape[0], _BATCH):
            hi = min(lo + _BATCH, X.shape[0])
            rows = X[lo:hi]
            s = self._scores(None if uids is None else uids[lo:hi], rows)
            s = np.array(s, dtype=np.float32, copy=True)
            mask_scores(s, rows if filter_already_liked_items else None, candidates)
            ids_out[lo:hi], sc_out[lo:hi] = top_n(s, N)
        return ids_out, sc_out

    def similar_items(self, itemid: int, N: int = 10) -> tuple[IntArray, FloatArray]:
        """The ``N`` items most similar to ``itemid`` (itself excluded), by cosine."""
        self._check_fitted()
        if not 0 <= itemid < self.n_items_:
            raise NotFoundError(f"item index {itemid} is outside 0..{self.n_items_ - 1}",
                                code="recommend_item_index",
                                params={"item": itemid, "last": self.n_items_ - 1})
        V = self._item_vectors()
        if sp.issparse(V):
            Vn = sp.csr_matrix(V, dtype=np.float32)
            norms = np.sqrt(np.asarray(Vn.multiply(Vn).sum(axis=1)).ravel())
            sims = np.asarray((Vn @ Vn[itemid].T).todense()).ravel()
        else:
            Vd = np.asarray(V, dtype=np.float32)
            norms = np.linalg.norm(Vd, axis=1)
            sims = Vd @ Vd[itemid]
        denom = norms * (norms[itemid] or 1.0)
        sims = np.where(denom > 0, sims / np.where(denom > 0, denom, 1.0), 0.0)
        sims = sims.astype(np.float32)[None, :]
        sims[0, itemid] = -np.inf
        ids, sc = top_n(sims, N)
        return ids[0], sc[0]

    # --- erasure -------------------------------------------------------------------------
    def forget_users(self, rows: IntArray) -> bool:
        """Blank everything learned *per user* for the training rows ``rows`` (erasure).

        Other rows keep their index and their state, so every other user's scores are
        unchanged; what the model learned across users (item factors, similarities,
        popularity) stays until the next training. Returns whether any state changed.
        Models with user-indexed state override this; the rest hold none.
        """
        self._check_fitted()
        return False

    # --- artifacts -------------------------------------------------------------------------
    def _state(self) -> dict[str, Any]:
        """Learned arrays (ndarray or scipy sparse) to save."""
        return {}

    def _set_state(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            setattr(self, k, v)

    def save(self, path: Path) -> Path:
        """Write ``model.json`` + ``state.npz`` into the directory ``path``."""
        self._check_fitted()
        path.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Any] = {"n_items_": np.array(self.n_items_)}
        sparse_keys = []
        for k, v in self._state().items():
            if sp.issparse(v):
                m = sp.csr_matrix(v)
                arrays |= {f"{k}.data": m.data, f"{k}.indices": m.indices,
                           f"{k}.indptr": m.indptr, f"{k}.shape": np.array(m.shape)}
                sparse_keys.append(k)
            else:
                arrays[k] = np.asarray(v)
        np.savez(path / "state.npz", allow_pickle=False, **arrays)
        meta = {"model": self.name, "artifact_version": ARTIFACT_VERSION,
                "params": self.get_params(), "sparse": sparse_keys}
        (path / "model.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2),
                                         encoding="utf-8")
        return path

    @classmethod
    def _from_saved(cls, params: dict[str, Any], arrays: dict[str, Any]) -> Self:
        model = cls(**params)
        model.n_items_ = int(arrays.pop("n_items_"))
        model._set_state(arrays)
        return model


def load_model(path: Path) -> Recommender:
    """Rebuild a model saved with ``Recommender.save``."""
    from crossplay.recommend.models.registry import MODELS

    meta_path = path / "model.json"
    if not meta_path.is_file():
        raise NotFoundError(f"no saved model in {path} (model.json missing)",
                            code="recommend_no_model_saved", params={"path": str(path)})
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("artifact_version") != ARTIFACT_VERSION:
        raise ConfigError(f"{path} holds artifact version {meta.get('artifact_version')}; "
                          f"this crossplay reads version {ARTIFACT_VERSION}: retrain",
                          code="recommend_artifact_version",
                          params={"path": str(path), "found": meta.get("artifact_version"),
                                  "expected": ARTIFACT_VERSION})
    cls = MODELS.get(meta["model"])
    if cls is None:
        raise ConfigError(f"unknown model {meta['model']!r} in {path}",
                          code="recommend_model_saved",
                          params={"model": meta["model"], "path": str(path)})
    with np.load(path / "state.npz", allow_pickle=False) as npz:
        raw = {k: npz[k] for k in npz.files}
    arrays: dict[str, Any] = {}
    for k in meta.get("sparse", []):
        shape = tuple(int(x) for x in raw.pop(f"{k}.shape"))
        arrays[k] = sp.csr_matrix((raw.pop(f"{k}.data"), raw.pop(f"{k}.indices"),
                                   raw.pop(f"{k}.indptr")), shape=shape)
    arrays |= raw
    return cls._from_saved(meta["params"], arrays)


# --- shared helpers --------------------------------------------------------------------------
def _check_matrix(X: Any) -> sp.csr_matrix:
    if not sp.issparse(X):
        raise ConfigError("user_items must be a scipy sparse matrix (users x items)",
                          code="recommend_input")
    m = sp.csr_matrix(X, dtype=np.float32)
    if m.nnz and not m.data.all():  # an explicit zero is not an interaction
        m = m.copy()
        m.eliminate_zeros()
    if m.shape[0] == 0 or m.shape[1] == 0:
        raise ConfigError("the interaction matrix is empty: no users or no items",
                          code="recommend_empty")
    if m.nnz and float(m.data.min()) < 0:
        raise ConfigError("confidence values must not be negative",
                          code="recommend_input_negative")
    return m


def _check_rows(X: Any, n_items: int, userids: Any) -> sp.csr_matrix:
    m = _check_matrix(X) if sp.issparse(X) and X.shape[0] else sp.csr_matrix(
        (0, n_items), dtype=np.float32)
    if m.shape[1] != n_items:
        raise ConfigError(f"user_items has {m.shape[1]} item columns; the model was "
                          f"fitted on {n_items}", code="recommend_input_columns",
                          params={"columns": m.shape[1], "items": n_items})
    if userids is not None and len(userids) != m.shape[0]:
        raise ConfigError("userids and user_items must have the same number of rows",
                          code="recommend_input_rows")
    return m


def mask_scores(scores: FloatArray, consumed: sp.csr_matrix | None,
                candidates: npt.NDArray[np.bool_] | None) -> None:
    """In place: ``-inf`` for consumed items (nonzeros of ``consumed``) and non-candidates."""
    if candidates is not None:
        scores[:, ~candidates] = -np.inf
    if consumed is not None and consumed.nnz:
        c = sp.csr_matrix(consumed)
        rows = np.repeat(np.arange(c.shape[0]), np.diff(c.indptr))
        scores[rows, c.indices] = -np.inf


def top_n(scores: FloatArray, N: int) -> tuple[IntArray, FloatArray]:
    """Best ``N`` per row, sorted descending; ``-inf`` entries become ``-1``."""
    n, m = scores.shape
    k = min(N, m)
    if k < m:
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    else:
        part = np.tile(np.arange(m), (n, 1))
    vals = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")
    ids = np.take_along_axis(part, order, axis=1).astype(np.int64)
    vals = np.take_along_axis(vals, order, axis=1)
    ids[~np.isfinite(vals)] = -1
    out_ids = np.full((n, N), -1, np.int64)
    out_sc = np.full((n, N), -np.inf, np.float32)
    out_ids[:, :k], out_sc[:, :k] = ids, vals
    return out_ids, out_sc
