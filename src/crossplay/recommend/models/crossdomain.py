"""Cross-domain models: EMCDR-style mapping and a content + collaborative hybrid.

Both are fitted on the *joint* matrix (``load_log(..., joint=True)``): rows of linked,
consenting persons carry behaviour from both partners, rows of unlinked users only their
own partner's. Joint-space ALS needs no class of its own: it is ``ALS`` fitted on that
matrix and asked for target-domain candidates.

EMCDR (Man et al., IJCAI 2017): factorise each domain on its own (every row with
behaviour there helps), learn a mapping from source-domain user factors to target-domain
user factors on the persons active in both (a ridge regression: the linear variant of the
paper's mapping; it needs no tuning and the overlap is small), and score target items
for a person with no target history from their *mapped* source factors.

``overlap_only`` (EMCDR, ``CrossALS``, ``CrossItemKNN``) fits the latent spaces or the
item similarities on the persons active in both the source and the target domains only;
every other person's factors are then folded in from their own rows (one least-squares
step against the learned item factors), so a cold person is still scored. The single-
domain crowd no longer shapes the factors the mapping and the scores rest on: on the
synthetic world it is the latent space the mapping was learned on, the variant Man et al.
describe for a small overlap.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.linear_model import Ridge

from crossplay.core.errors import ConfigError
from crossplay.recommend.dataset import DOMAINS, Catalog, Domain
from crossplay.recommend.models.base import FloatArray, IntArray, Recommender
from crossplay.recommend.models.content import ContentBased
from crossplay.recommend.models.knn import _TIEBREAK, ItemKNN
from crossplay.recommend.models.mf import ALS
from crossplay.recommend.models.popularity import SegmentPopularity


def _domain_mask(catalog_platform: npt.NDArray[np.str_],
                 domains: tuple[Domain, ...]) -> npt.NDArray[np.bool_]:
    bad = [d for d in domains if d not in DOMAINS]
    if bad or not domains:
        raise ConfigError("source and target must be domains: knowledge, game, stream",
                          code="recommend_param_domains")
    return np.isin(catalog_platform, list(domains))


def overlap_rows(X: sp.csr_matrix, catalog: Catalog, source: tuple[Domain, ...],
                 target: tuple[Domain, ...]) -> npt.NDArray[np.bool_]:
    """Rows of ``X`` with behaviour on both a source and a target domain item."""
    s_mask = _domain_mask(catalog.platform, source)
    t_mask = _domain_mask(catalog.platform, target)
    if (s_mask & t_mask).any():
        raise ConfigError("source and target domains must differ",
                          code="recommend_param_same_domain")
    has_s = np.diff(X[:, np.flatnonzero(s_mask)].indptr) > 0
    has_t = np.diff(X[:, np.flatnonzero(t_mask)].indptr) > 0
    return np.asarray(has_s & has_t, bool)


def _only_rows(X: sp.csr_matrix, rows: npt.NDArray[np.bool_]) -> sp.csr_matrix:
    """``X`` with every row outside ``rows`` emptied (same shape)."""
    out = sp.csr_matrix(sp.diags(rows.astype(X.dtype)) @ X)
    out.eliminate_zeros()
    return out


def fit_on_rows(model: ALS, X: sp.csr_matrix, rows: npt.NDArray[np.bool_]) -> ALS:
    """Fit ``model`` on the rows ``rows`` of ``X`` only, then fold every other row in
    from its own history (``ALS.user_vectors``; an empty row gets zero factors)."""
    model.fit(_only_rows(X, rows))
    others = np.flatnonzero(~rows)
    if others.size:
        U = np.array(model.user_factors_, np.float32, copy=True)
        U[others] = model.user_vectors(None, X[others])
        model.user_factors_ = U
        if hasattr(model, "model_"):
            model.model_.user_factors = np.ascontiguousarray(U)
    return model


class EMCDR(Recommender):
    """Source factors -> target factors on overlapping persons; target items for all.

    Parameters
    ----------
    source, target: the domains (e.g. ``("game", "stream")`` -> ``("knowledge",)``).
    factors, regularization, iterations, random_state: of both domains' ALS.
    alpha: both domains' ALS confidence scale (``ALS.alpha``).
    mapping_alpha: ridge penalty of the mapping.
    overlap_only: fit both latent spaces on the persons active in both domains only
        (everybody else folded in).
    segment_weight: for persons without target history, add this weight times the
        standardised log segment popularity (``SegmentPopularity``: the target items
        most taken by persons whose history is dominated by the same category) to the
        standardised mapped scores; 0 = the mapping alone.
    """

    name = "emcdr"
    needs_catalog = True

    def __init__(self, source: tuple[Domain, ...] = ("game", "stream"),
                 target: tuple[Domain, ...] = ("knowledge",), factors: int = 16,
                 regularization: float = 0.05, iterations: int = 15,
                 mapping_alpha: float = 1.0, random_state: int = 0, alpha: float = 1.0,
                 overlap_only: bool = False, segment_weight: float = 0.0) -> None:
        self.source = tuple(source)
        self.target = tuple(target)
        self.factors = factors
        self.regularization = regularization
        self.iterations = iterations
        self.mapping_alpha = mapping_alpha
        self.random_state = random_state
        self.alpha = alpha
        self.overlap_only = overlap_only
        self.segment_weight = segment_weight

    def _als(self) -> ALS:
        return ALS(factors=self.factors, regularization=self.regularization,
                   iterations=self.iterations, random_state=self.random_state,
                   alpha=self.alpha)

    def _fit(self, X: sp.csr_matrix, catalog: Catalog | None) -> None:
        assert catalog is not None
        s_mask = _domain_mask(catalog.platform, self.source)
        t_mask = _domain_mask(catalog.platform, self.target)
        if (s_mask & t_mask).any():
            raise ConfigError("source and target domains must differ",
                              code="recommend_param_same_domain")
        self.source_items_ = np.flatnonzero(s_mask)
        self.target_items_ = np.flatnonzero(t_mask)
        Xs, Xt = X[:, self.source_items_], X[:, self.target_items_]
        has_s = np.diff(Xs.indptr) > 0
        has_t = np.diff(Xt.indptr) > 0
        both = has_s & has_t
        if both.sum() < 2:
            raise ConfigError("fewer than two persons are active in both domains: the "
                              "mapping cannot be learned (link more accounts)",
                              code="recommend_overlap")
        if self.mapping_alpha < 0 or self.segment_weight < 0:
            raise ConfigError("mapping_alpha and segment_weight must not be negative",
                              code="recommend_param_mapping_alpha")
        self.segment_model_ = (SegmentPopularity().fit(X, catalog)
                               if self.segment_weight > 0 else None)
        if self.overlap_only:
            self.source_model_ = fit_on_rows(self._als(), Xs, both)
            self.target_model_ = fit_on_rows(self._als(), Xt, both)
        else:
            self.source_model_ = self._als().fit(Xs)
            self.target_model_ = self._als().fit(Xt)
        ridge = Ridge(alpha=self.mapping_alpha)
        ridge.fit(self.source_model_.user_factors_[both],
                  self.target_model_.user_factors_[both])
        self.coef_ = np.asarray(ridge.coef_, np.float32)
        self.intercept_ = np.asarray(ridge.intercept_, np.float32)
        self.has_target_ = has_t
        self.overlap_users_ = int(both.sum())

    def target_vectors(self, userids: IntArray | None, user_items: sp.csr_matrix
                       ) -> FloatArray:
        """Target-domain user factors: learned or folded in from target history when
        there is some, mapped from the source factors otherwise."""
        Xs = user_items[:, self.source_items_]
        Xt = user_items[:, self.target_items_]
        if userids is None:
            us = self.source_model_.user_vectors(None, Xs)
            ut = self.target_model_.user_vectors(None, Xt)
            known_t = np.diff(Xt.indptr) > 0
        else:
            us = self.source_model_.user_factors_[userids]
            ut = self.target_model_.user_factors_[userids]
            known_t = self.has_target_[userids]
        mapped = us @ self.coef_.T + self.intercept_
        return np.where(known_t[:, None], ut, mapped).astype(np.float32)

    def _scores(self, userids: IntArray | None, user_items: sp.csr_matrix) -> FloatArray:
        ut = self.target_vectors(userids, user_items)
        out = np.full((user_items.shape[0], self.n_items_), -np.inf, np.float32)
        out[:, self.target_items_] = ut @ self.target_model_.item_factors_.T
        if self.segment_model_ is None:
            return out
        known_t = (np.diff(user_items[:, self.target_items_].indptr) > 0 if userids is None
                   else self.has_target_[np.asarray(userids, np.int64)])
        cold = np.flatnonzero(~known_t)
        if cold.size:
            prior = np.full((cold.size, self.n_items_), -np.inf, np.float32)
            seg = np.asarray(self.segment_model_._scores(None, user_items[cold]), np.float32)
            prior[:, self.target_items_] = np.log1p(np.maximum(seg[:, self.target_items_],
                                                               0.0))
            out[cold] = (_standardise(out[cold])
                         + self.segment_weight * _standardise(prior))
        return out

    def forget_users(self, rows: IntArray) -> bool:
        """Zero the erased users' factors in both domains and drop their target flag."""
        self._check_fitted()
        idx = np.asarray(rows, np.int64)
        if idx.size == 0:
            return False
        self.source_model_.forget_users(idx)
        self.target_model_.forget_users(idx)
        has_target = np.array(self.has_target_, bool, copy=True)
        has_target[idx] = False
        self.has_target_ = has_target
        return True

    def _item_vectors(self) -> FloatArray:
        V = np.zeros((self.n_items_, self.factors), np.float32)
        V[self.target_items_] = self.target_model_.item_factors_
        V[self.source_items_] = self.source_model_.item_factors_ @ self.coef_.T
        return V

    def _state(self) -> dict[str, Any]:
        return {"source_items_": self.source_items_, "target_items_": self.target_items_,
                "s_user": self.source_model_.user_factors_,
                "s_item": self.source_model_.item_factors_,
                "t_user": self.target_model_.user_factors_,
                "t_item": self.target_model_.item_factors_,
                "coef_": self.coef_, "intercept_": self.intercept_,
                "has_target_": self.has_target_,
                "overlap_users_": np.array(self.overlap_users_)} | (
            {} if self.segment_model_ is None else
            {f"seg.{k}": v for k, v in self.segment_model_._state().items()})

    def _set_state(self, state: dict[str, Any]) -> None:
        s = dict(state)
        for prefix, attr, cols in (("s", "source_model_", s["source_items_"]),
                                   ("t", "target_model_", s["target_items_"])):
            m = self._als()
            m.n_items_ = len(cols)
            m._set_state({"user_factors_": s.pop(f"{prefix}_user"),
                          "item_factors_": s.pop(f"{prefix}_item")})
            setattr(self, attr, m)
        s["overlap_users_"] = int(s["overlap_users_"])
        seg = {k[4:]: s.pop(k) for k in [k for k in s if k.startswith("seg.")]}
        self.segment_model_ = None
        if seg:
            self.segment_model_ = SegmentPopularity()
            self.segment_model_.n_items_ = len(seg["item_segment_"])
            self.segment_model_._set_state(seg)
        super()._set_state(s)


class CrossALS(ALS):
    """Joint-space ALS (one factor space over both domains' items), optionally fitted on
    the persons active in both domains only (``overlap_only``; everybody else, cold
    persons included, is folded in from their own rows).

    Parameters
    ----------
    source, target: the domains whose overlap ``overlap_only`` keeps.
    factors, regularization, iterations, random_state, alpha: as in ``ALS``.
    overlap_only: fit on overlap persons only.
    """

    name = "cross_als"
    needs_catalog = True

    def __init__(self, source: tuple[Domain, ...] = ("game", "stream"),
                 target: tuple[Domain, ...] = ("knowledge",), factors: int = 16,
                 regularization: float = 0.05, iterations: int = 15,
                 random_state: int = 0, alpha: float = 1.0,
                 overlap_only: bool = False) -> None:
        super().__init__(factors=factors, regularization=regularization,
                         iterations=iterations, random_state=random_state, alpha=alpha)
        self.source = tuple(source)
        self.target = tuple(target)
        self.overlap_only = overlap_only

    def _fit(self, X: sp.csr_matrix, catalog: Catalog | None) -> None:
        assert catalog is not None
        if not self.overlap_only:
            super()._fit(X, catalog)
            return
        rows = overlap_rows(X, catalog, self.source, self.target)
        if rows.sum() < 2:
            raise ConfigError("fewer than two persons are active in both domains: "
                              "overlap_only has nothing to learn from (link more accounts)",
                              code="recommend_overlap_only")
        plain = ALS(factors=self.factors, regularization=self.regularization,
                    iterations=self.iterations, random_state=self.random_state,
                    alpha=self.alpha)
        fit_on_rows(plain, X, rows)
        self.model_ = plain.model_
        self.user_factors_ = plain.user_factors_
        self.item_factors_ = plain.item_factors_


class CrossItemKNN(ItemKNN):
    """Cross-domain item-kNN: ``ItemKNN`` whose similarities are computed on the persons
    active in both domains only when ``overlap_only`` (a cold person's source items then
    reach target items through co-occurrences of people who use both). The popularity
    tie-break stays the whole matrix's.

    Parameters
    ----------
    source, target: the domains whose overlap ``overlap_only`` keeps.
    neighbours, shrink: as in ``ItemKNN``.
    overlap_only: similarities from overlap persons only.
    """

    name = "cross_item_knn"
    needs_catalog = True

    def __init__(self, source: tuple[Domain, ...] = ("game", "stream"),
                 target: tuple[Domain, ...] = ("knowledge",), neighbours: int = 100,
                 shrink: float = 10.0, overlap_only: bool = False) -> None:
        super().__init__(neighbours=neighbours, shrink=shrink)
        self.source = tuple(source)
        self.target = tuple(target)
        self.overlap_only = overlap_only

    def _fit(self, X: sp.csr_matrix, catalog: Catalog | None) -> None:
        assert catalog is not None
        if self.overlap_only:
            rows = overlap_rows(X, catalog, self.source, self.target)
            super()._fit(_only_rows(X, rows), catalog)
        else:
            super()._fit(X, catalog)
        users = np.bincount(X.indices, minlength=X.shape[1]).astype(np.float32)
        self.tiebreak_ = (_TIEBREAK * users / max(float(users.max()), 1.0)).astype(
            np.float32)


def _standardise(s: FloatArray) -> FloatArray:
    finite = np.isfinite(s)
    x = np.where(finite, s, np.nan)
    with np.errstate(invalid="ignore"):
        mu = np.nanmean(x, axis=1, keepdims=True)
        sd = np.nanstd(x, axis=1, keepdims=True)
    mu = np.nan_to_num(mu)
    sd = np.where(np.nan_to_num(sd) > 0, sd, 1.0)
    return np.where(finite, (s - mu) / sd, -np.inf).astype(np.float32)


class Hybrid(Recommender):
    """Blend of collaborative (ALS) and content scores, trusting CF by item support.

    ``score = w_i z(cf) + (1 - w_i) z(content)`` with ``w_i = n_i / (n_i + shrink)``,
    ``n_i`` the users who interacted with item ``i`` in training and ``z`` a per-user
    standardisation. An item nobody touched (a new course) is ranked by content alone.

    Parameters
    ----------
    shrink: support at which CF and content weigh the same.
    cf: ``als`` (joint-space) or ``emcdr`` (with ``source`` / ``target``).
    """

    name = "hybrid"
    needs_catalog = True

    def __init__(self, shrink: float = 20.0, cf: Literal["als", "emcdr"] = "als",
                 factors: int = 32, weighting: Literal["tfidf", "bm25"] = "tfidf",
                 source: tuple[Domain, ...] = ("game", "stream"),
                 target: tuple[Domain, ...] = ("knowledge",), random_state: int = 0) -> None:
        self.shrink = shrink
        self.cf = cf
        self.factors = factors
        self.weighting = weighting
        self.source = tuple(source)
        self.target = tuple(target)
        self.random_state = random_state

    def _make_cf(self) -> Recommender:
        if self.cf == "als":
            return ALS(factors=self.factors, random_state=self.random_state)
        if self.cf == "emcdr":
            return EMCDR(source=self.source, target=self.target, factors=self.factors,
                         random_state=self.random_state)
        raise ConfigError("cf must be als or emcdr", code="recommend_param_cf")

    def _fit(self, X: sp.csr_matrix, catalog: Catalog | None) -> None:
        if self.shrink < 0:
            raise ConfigError("shrink must not be negative", code="recommend_param_shrink")
        self.cf_model_ = self._make_cf().fit(X, catalog)
        self.content_model_ = ContentBased(weighting=self.weighting).fit(X, catalog)
        support = np.bincount(X.indices, minlength=X.shape[1]).astype(np.float32)
        self.cf_weight_ = support / (support + self.shrink) if self.shrink else np.ones_like(
            support)

    def _scores(self, userids: IntArray | None, user_items: sp.csr_matrix) -> FloatArray:
        cf = _standardise(self.cf_model_._scores(userids, user_items))
        ct = _standardise(self.content_model_._scores(None, user_items))
        w = self.cf_weight_
        cf_part = np.where(np.isfinite(cf), cf, 0.0)
        blend = w * cf_part + (1.0 - w) * ct
        return np.where(np.isfinite(ct), blend, -np.inf).astype(np.float32)

    def forget_users(self, rows: IntArray) -> bool:
        """The collaborative part holds the per-user state; content holds none."""
        self._check_fitted()
        return self.cf_model_.forget_users(rows) | self.content_model_.forget_users(rows)

    def _item_vectors(self) -> sp.csr_matrix:
        return self.content_model_.item_vectors_

    def _state(self) -> dict[str, Any]:
        out = {f"cf.{k}": v for k, v in self.cf_model_._state().items()}
        out |= {f"ct.{k}": v for k, v in self.content_model_._state().items()}
        out["cf_weight_"] = self.cf_weight_
        return out

    def _set_state(self, state: dict[str, Any]) -> None:
        cf = self._make_cf()
        cf.n_items_ = self.n_items_
        cf._set_state({k[3:]: v for k, v in state.items() if k.startswith("cf.")})
        ct = ContentBased(weighting=self.weighting)
        ct.n_items_ = self.n_items_
        ct._set_state({k[3:]: v for k, v in state.items() if k.startswith("ct.")})
        self.cf_model_, self.content_model_ = cf, ct
        self.cf_weight_ = state["cf_weight_"]
