"""Non-personalised baselines: global popularity and popularity within a segment."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import scipy.sparse as sp

from crossplay.core.errors import ConfigError
from crossplay.recommend.dataset import Catalog
from crossplay.recommend.models.base import FloatArray, IntArray, Recommender


def _item_counts(X: sp.csr_matrix) -> FloatArray:
    """Distinct users per item."""
    return np.bincount(X.indices, minlength=X.shape[1]).astype(np.float32)


class Popularity(Recommender):
    """Items ranked by how many distinct users interacted with them (the same list for
    everyone; what persons who refused personalisation get).

    Parameters
    ----------
    by: ``users`` (distinct users per item) or ``confidence`` (summed confidence).
    """

    name = "popularity"

    def __init__(self, by: Literal["users", "confidence"] = "users") -> None:
        self.by = by

    def _fit(self, X: sp.csr_matrix, catalog: Catalog | None) -> None:
        if self.by not in ("users", "confidence"):
            raise ConfigError("by must be users or confidence", code="recommend_param_by")
        if self.by == "users":
            self.popularity_ = _item_counts(X)
        else:
            self.popularity_ = np.asarray(X.sum(axis=0)).ravel().astype(np.float32)

    def _scores(self, userids: IntArray | None, user_items: sp.csr_matrix) -> FloatArray:
        return np.broadcast_to(self.popularity_, (user_items.shape[0], self.n_items_))

    def _state(self) -> dict[str, Any]:
        return {"popularity_": self.popularity_}


class SegmentPopularity(Recommender):
    """Popularity inside the user's segment, falling back to global popularity.

    A user's segment is the value of the catalog attribute ``segment_by`` (``category``:
    genre, course category, stream category; or ``platform``) that carries most of the
    confidence in their history. It works across domains: a person whose history is all
    MOBA is offered the courses most popular among MOBA-first persons.

    Parameters
    ----------
    segment_by: catalog column naming the segment (``category`` or ``platform``).
    min_segment_users: smaller segments use global popularity.
    """

    name = "segment_popularity"
    needs_catalog = True

    def __init__(self, segment_by: Literal["category", "platform"] = "category",
                 min_segment_users: int = 5) -> None:
        self.segment_by = segment_by
        self.min_segment_users = min_segment_users

    def _fit(self, X: sp.csr_matrix, catalog: Catalog | None) -> None:
        assert catalog is not None
        if self.segment_by not in ("category", "platform"):
            raise ConfigError("segment_by must be category or platform",
                              code="recommend_param_segment_by")
        labels = catalog.frame[self.segment_by].astype(str).to_numpy()
        names, codes = np.unique(labels, return_inverse=True)
        self.segment_names_ = names.astype(str)
        self.item_segment_ = codes.astype(np.int64)
        seg = self._segments(X)
        n_seg = len(names)
        binary = sp.csr_matrix((np.ones(X.nnz, np.float32), X.indices, X.indptr),
                               shape=X.shape)
        onehot = sp.csr_matrix((np.ones(int((seg >= 0).sum()), np.float32),
                                (np.flatnonzero(seg >= 0), seg[seg >= 0])),
                               shape=(X.shape[0], n_seg))
        self.segment_popularity_ = np.asarray((onehot.T @ binary).todense(), np.float32)
        self.segment_users_ = np.bincount(seg[seg >= 0], minlength=n_seg).astype(np.int64)
        self.popularity_ = _item_counts(X)

    def _segments(self, X: sp.csr_matrix) -> IntArray:
        n_seg = len(self.segment_names_)
        onehot = sp.csr_matrix((np.ones(self.item_segment_.size, np.float32),
                                (np.arange(self.item_segment_.size), self.item_segment_)),
                               shape=(self.item_segment_.size, n_seg))
        mass = np.asarray((X @ onehot).todense())
        seg: IntArray = np.asarray(mass.argmax(axis=1), dtype=np.int64)
        seg[mass.max(axis=1) <= 0] = -1
        return seg

    def _scores(self, userids: IntArray | None, user_items: sp.csr_matrix) -> FloatArray:
        seg = self._segments(user_items)
        out = np.empty((user_items.shape[0], self.n_items_), np.float32)
        # global ranks sit below any in-segment signal: tie-break inside the segment
        tiebreak = self.popularity_ / (self.popularity_.max() + 1.0)
        for i, s in enumerate(seg):
            if s >= 0 and self.segment_users_[s] >= self.min_segment_users:
                out[i] = self.segment_popularity_[s] + tiebreak
            else:
                out[i] = self.popularity_
        return out

    def segment_of(self, user_items: sp.csr_matrix) -> list[str | None]:
        """Segment name of each row (``None`` without history)."""
        self._check_fitted()
        return [None if s < 0 else str(self.segment_names_[s])
                for s in self._segments(sp.csr_matrix(user_items, dtype=np.float32))]

    def _state(self) -> dict[str, Any]:
        return {"segment_names_": self.segment_names_, "item_segment_": self.item_segment_,
                "segment_popularity_": self.segment_popularity_,
                "segment_users_": self.segment_users_, "popularity_": self.popularity_}
