"""Segmentation: k-means over scaled joint features, k chosen in a range, stable labels.

:class:`SegmentModel` follows scikit-learn's conventions (``__init__`` stores arguments,
``fit`` returns ``self``, learned state ends in ``_``). Its learned state is plain arrays
(no pickle): feature names, the transform, scaler mean/scale and centroids, so a stored
model is JSON and ``predict`` is "nearest centroid".

- transform: ``log1p`` of counts, hours and money; recency as a share of the window;
  shares (categories, time of day) as they are; then standardised; then weighted by
  feature group (:func:`group_weights`): every group (one domain's activity, money and
  habit counts; time of day; social; each domain's category shares) gets the same total
  weight, ``1 / sqrt(columns in the group)`` per column, and the three interest groups
  (course categories, game genres, stream categories) ``interest_weight`` times that —
  without it the ~30 sparse category columns and the many correlated activity counts
  drown each other out in the distances; then projected on the first ``n_components``
  principal components (not whitened: whitening gives a noise direction the same weight as
  the main one). See docs/mining.md for the measured effect;
- k: every k in ``k_range`` is fitted (scikit-learn ``KMeans``, ``n_init=10``) and the
  best by ``criterion`` wins: ``silhouette`` (mean silhouette on a sample of at most
  5,000 rows, highest wins) or ``bic`` (BIC of a diagonal-covariance Gaussian mixture
  with k components, scikit-learn ``GaussianMixture``, lowest wins); the segments are
  the k-means clusters of the chosen k either way. An ``accept`` test may veto a k
  (the job vetoes a k with a segment no trait describes): the best accepted k wins;
- stable labels: when refitted with ``previous`` (an earlier model), new clusters are
  matched to old ones by centroid distance (Hungarian assignment,
  ``scipy.optimize.linear_sum_assignment``, in the new scaled space) and keep the old
  label; unmatched clusters get new labels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score
from sklearn.mixture import GaussianMixture

from crossplay.mining.fpm import MiningError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Criterion = Literal["silhouette", "bic"]
MODEL_VERSION = 2
#: extra weight of the interest groups (category shares) in :func:`group_weights`
INTEREST_WEIGHT = 2.0
_INTEREST = ("kc:", "gc:", "sc:")

_AS_IS = ("_night", "_evening")


def _kind(col: str) -> str:
    if col.startswith(("kc:", "gc:", "sc:")) or col.endswith(_AS_IS):
        return "share"
    if col.endswith("_recency"):
        return "recency"
    return "log"


def feature_group(col: str) -> str:
    """The group a feature column belongs to (see :func:`group_weights`)."""
    if col.startswith(_INTEREST):
        return col[:3]
    if col.endswith(_AS_IS):
        return "time_of_day"
    if col.startswith("soc_"):
        return "social"
    return col.split("_", 1)[0] + "_activity"


def group_weights(features: list[str], interest_weight: float = INTEREST_WEIGHT) -> FloatArray:
    """Per-column weight: ``1 / sqrt(group size)``, times ``interest_weight`` for the
    category-share groups, so each group weighs the same in squared distances whatever its
    number of columns."""
    groups = [feature_group(c) for c in features]
    size = {g: groups.count(g) for g in set(groups)}
    return np.array([(interest_weight if g in _INTEREST else 1.0) / np.sqrt(size[g])
                     for g in groups], dtype=np.float64)


def gmm_bic(x: FloatArray, k: int, random_state: int) -> float:
    """BIC of a diagonal-covariance Gaussian mixture with ``k`` components (lower wins)."""
    gm = GaussianMixture(k, covariance_type="diag", n_init=2, random_state=random_state,
                         reg_covar=1e-4)
    return float(gm.fit(x).bic(x))


@dataclass(frozen=True)
class KScore:
    k: int
    silhouette: float
    bic: float


class SegmentModel:
    """K-means segments over a feature frame.

    Parameters
    ----------
    k_range: smallest and largest k tried (inclusive).
    criterion: ``silhouette`` or ``bic``.
    n_components: principal components kept before k-means; 0 = none.
    random_state: seed of k-means and the silhouette sample.
    interest_weight: weight of the category-share groups (see :func:`group_weights`).

    Attributes (after ``fit``)
    --------------------------
    features_, kinds_, mean_, scale_, weights_, window_days_, components_, pc_mean_,
    pc_scale_:
    the transform. centers_: (k, components) centroids in the transformed space;
    ``labels_`` the segment label of each centroid (stable across refits); ``k_``;
    ``accepted_`` (False when no k passed ``fit``'s ``accept`` test);
    ``scores_`` per k tried.
    """

    def __init__(self, k_range: tuple[int, int] = (3, 10), criterion: Criterion = "silhouette",
                 n_components: int = 6, random_state: int = 0,
                 interest_weight: float = INTEREST_WEIGHT) -> None:
        self.k_range = k_range
        self.criterion = criterion
        self.n_components = n_components
        self.random_state = random_state
        self.interest_weight = interest_weight

    # -- transform -------------------------------------------------------------------
    def _raw(self, frame: pd.DataFrame, window_days: float) -> FloatArray:
        cols = []
        for name, kind in zip(self.features_, self.kinds_, strict=True):
            v = (frame[name].to_numpy(np.float64) if name in frame.columns
                 else np.zeros(len(frame)))
            if kind == "log":
                v = np.log1p(np.maximum(v, 0.0))
            elif kind == "recency":
                v = np.clip(v / window_days, 0.0, 1.0)
            cols.append(v)
        return np.column_stack(cols) if cols else np.zeros((len(frame), 0))

    def standardise(self, frame: pd.DataFrame) -> FloatArray:
        """Features after the per-column transform and scaling (before the projection);
        usable inside ``fit`` once the transform is learnt (by an ``accept`` test)."""
        if not hasattr(self, "scale_"):
            self._check()
        return np.asarray((self._raw(frame, self.window_days_) - self.mean_) / self.scale_,
                          dtype=np.float64)

    def transform(self, frame: pd.DataFrame) -> FloatArray:
        return self._project(self.standardise(frame))

    def _project(self, scaled: FloatArray) -> FloatArray:
        return np.asarray(((scaled * self.weights_ - self.pc_mean_) @ self.components_.T)
                          / self.pc_scale_)

    def _unproject(self, z: FloatArray) -> FloatArray:
        """Transformed space -> raw (log / share) feature space."""
        scaled = ((z * self.pc_scale_) @ self.components_ + self.pc_mean_) / self.weights_
        return np.asarray(scaled * self.scale_ + self.mean_)

    def _check(self) -> None:
        if not hasattr(self, "centers_"):
            raise MiningError("the segment model is not fitted: run `crossplay segments fit`",
                              code="mining_not_fitted", params={})

    # -- fit / predict ---------------------------------------------------------------
    def fit(self, frame: pd.DataFrame, window_days: float,
            previous: SegmentModel | None = None,
            accept: Callable[[IntArray], bool] | None = None) -> SegmentModel:
        """Fit the transform and every k of ``k_range``; keep the best k by ``criterion``.

        ``accept(labels)`` (optional) judges the clustering of each k (``labels``: one
        cluster per row of ``frame``); the best *accepted* k wins, and the best overall
        only when no k is accepted (``accepted_`` says which happened).
        """
        lo, hi = self.k_range
        if not 2 <= lo <= hi:
            raise MiningError(f"k range must satisfy 2 <= min <= max, got {lo}..{hi}",
                              code="mining_k_range", params={"lo": lo, "hi": hi})
        if self.criterion not in ("silhouette", "bic"):
            raise MiningError(f"criterion must be silhouette or bic, not {self.criterion!r}",
                              code="mining_criterion", params={"criterion": self.criterion})
        n = len(frame)
        if n < max(hi + 1, 20):
            raise MiningError(f"only {n} people to segment: need at least {max(hi + 1, 20)}",
                              code="mining_too_few", params={"n": n, "need": max(hi + 1, 20)})
        self.features_ = [c for c in frame.columns if frame[c].to_numpy().std() > 0]
        self.kinds_ = [_kind(c) for c in self.features_]
        self.window_days_ = float(window_days)
        raw = self._raw(frame, self.window_days_)
        self.mean_ = raw.mean(axis=0)
        self.scale_ = np.where(raw.std(axis=0) > 0, raw.std(axis=0), 1.0)
        scaled = (raw - self.mean_) / self.scale_
        self.weights_ = group_weights(self.features_, self.interest_weight)
        d = scaled.shape[1]
        if 0 < self.n_components < d:
            pca = PCA(self.n_components, random_state=self.random_state)
            pca.fit(scaled * self.weights_)
            self.components_ = np.asarray(pca.components_, dtype=np.float64)
            self.pc_mean_ = np.asarray(pca.mean_, dtype=np.float64)
            self.pc_scale_ = np.ones(self.components_.shape[0])
        else:
            self.components_ = np.eye(d)
            self.pc_mean_ = np.zeros(d)
            self.pc_scale_ = np.ones(d)
        x = self._project(scaled)
        rng = np.random.default_rng(self.random_state)
        sample = rng.choice(n, min(n, 5000), replace=False)
        scores: list[KScore] = []
        fits: dict[int, KMeans] = {}
        for k in range(lo, hi + 1):
            km = KMeans(n_clusters=k, n_init=10, random_state=self.random_state).fit(x)
            labels = km.labels_.astype(np.int64)
            sil = (float(silhouette_score(x[sample], labels[sample]))
                   if len(set(labels[sample].tolist())) > 1 else -1.0)
            scores.append(KScore(k, sil, gmm_bic(x, k, self.random_state)))
            fits[k] = km
        ranked = (sorted(scores, key=lambda s: -s.silhouette) if self.criterion == "silhouette"
                  else sorted(scores, key=lambda s: s.bic))
        best = ranked[0]
        self.accepted_ = accept is None
        if accept is not None:
            for cand in ranked:
                if accept(fits[cand.k].labels_.astype(np.int64)):
                    best, self.accepted_ = cand, True
                    break
        self.k_ = best.k
        self.scores_ = scores
        self.centers_ = np.asarray(fits[best.k].cluster_centers_, dtype=np.float64)
        self.labels_ = self._stable_labels(previous)
        return self

    def _stable_labels(self, previous: SegmentModel | None) -> IntArray:
        k = self.centers_.shape[0]
        if previous is None or not hasattr(previous, "centers_"):
            return np.arange(k, dtype=np.int64)
        old = previous.centers_in(self)
        cost = ((self.centers_[:, None, :] - old[None, :, :]) ** 2).sum(axis=2)
        rows, cols = linear_sum_assignment(cost)
        labels = np.full(k, -1, dtype=np.int64)
        labels[rows] = previous.labels_[cols]
        nxt = int(previous.labels_.max()) + 1
        for i in np.flatnonzero(labels < 0).tolist():
            labels[i] = nxt
            nxt += 1
        return labels

    def centers_in(self, other: SegmentModel) -> FloatArray:
        """This model's centroids expressed in ``other``'s transformed space."""
        self._check()
        raw = self._unproject(self.centers_)
        frame = pd.DataFrame(raw, columns=self.features_)
        out = np.zeros((raw.shape[0], len(other.features_)))
        for j, name in enumerate(other.features_):
            if name in frame.columns:
                out[:, j] = (frame[name].to_numpy() - other.mean_[j]) / other.scale_[j]
            else:
                out[:, j] = (0.0 - other.mean_[j]) / other.scale_[j]
        return other._project(out)

    def raw_centers(self) -> pd.DataFrame:
        """Centroids in the raw (log / share) feature space, one row per label."""
        self._check()
        return pd.DataFrame(self._unproject(self.centers_), columns=self.features_,
                            index=self.labels_)

    def predict(self, frame: pd.DataFrame) -> IntArray:
        """Segment label of each row (nearest centroid)."""
        x = self.transform(frame)
        d = ((x[:, None, :] - self.centers_[None, :, :]) ** 2).sum(axis=2)
        return np.asarray(self.labels_[d.argmin(axis=1)], dtype=np.int64)

    # -- persistence -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        self._check()
        return {
            "version": MODEL_VERSION, "k_range": list(self.k_range),
            "criterion": self.criterion, "random_state": self.random_state,
            "n_components": self.n_components, "components": self.components_.tolist(),
            "interest_weight": self.interest_weight, "weights": self.weights_.tolist(),
            "pc_mean": self.pc_mean_.tolist(), "pc_scale": self.pc_scale_.tolist(),
            "features": self.features_, "kinds": self.kinds_, "window_days": self.window_days_,
            "mean": self.mean_.tolist(), "scale": self.scale_.tolist(),
            "centers": self.centers_.tolist(), "labels": self.labels_.tolist(), "k": self.k_,
            "scores": [{"k": s.k, "silhouette": s.silhouette, "bic": s.bic}
                       for s in self.scores_],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SegmentModel:
        if data.get("version") != MODEL_VERSION:
            raise MiningError(f"segment model version {data.get('version')} is not "
                              f"{MODEL_VERSION}: refit with `crossplay segments fit`",
                              code="mining_segment_model_version",
                              params={"version": data.get("version"),
                                      "expected": MODEL_VERSION})
        lo, hi = data["k_range"]
        m = cls((int(lo), int(hi)), data["criterion"], int(data["n_components"]),
                int(data["random_state"]), float(data["interest_weight"]))
        m.weights_ = np.asarray(data["weights"], dtype=np.float64)
        m.components_ = np.asarray(data["components"], dtype=np.float64)
        m.pc_mean_ = np.asarray(data["pc_mean"], dtype=np.float64)
        m.pc_scale_ = np.asarray(data["pc_scale"], dtype=np.float64)
        m.features_ = list(data["features"])
        m.kinds_ = list(data["kinds"])
        m.window_days_ = float(data["window_days"])
        m.mean_ = np.asarray(data["mean"], dtype=np.float64)
        m.scale_ = np.asarray(data["scale"], dtype=np.float64)
        m.centers_ = np.asarray(data["centers"], dtype=np.float64)
        m.labels_ = np.asarray(data["labels"], dtype=np.int64)
        m.k_ = int(data["k"])
        m.scores_ = [KScore(int(s["k"]), float(s["silhouette"]), float(s["bic"]))
                     for s in data["scores"]]
        return m
