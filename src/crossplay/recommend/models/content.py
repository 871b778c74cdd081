"""Content-based recommendations over catalog text: title, category, tags, description.

Each item becomes a bag of features (``crossplay.recommend.text.item_features``: jieba
words for Chinese, words for English, whole tags and the category), weighted by TF-IDF
(scikit-learn's ``TfidfTransformer``, sublinear tf) or Okapi BM25, rows L2-normalised. A
user's profile is the confidence-weighted sum of the vectors of the items in their
history; items score by cosine with it. Because items of every domain share one
vocabulary, a MOBA player's profile (``tag:电竞``, 竞技, 战术) reaches 电竞 courses: the
model works across domains and for items nobody has touched yet.

BM25 is written here (a dozen lines) because scikit-learn has no BM25 weighting; the test
suite checks it against the textbook formula on a hand-computed example.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize

from crossplay.core.errors import ConfigError
from crossplay.recommend.dataset import Catalog
from crossplay.recommend.models.base import FloatArray, IntArray, Recommender
from crossplay.recommend.text import item_features


def bm25(counts: sp.csr_matrix, k1: float = 1.2, b: float = 0.75) -> sp.csr_matrix:
    """Okapi BM25 weights of a documents x terms count matrix.

    ``w(t, d) = idf(t) * tf (k1 + 1) / (tf + k1 (1 - b + b |d| / avgdl))`` with
    ``idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5))``.
    """
    C = sp.csr_matrix(counts, dtype=np.float64)
    n_docs = C.shape[0]
    df = np.bincount(C.indices, minlength=C.shape[1])
    idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
    dl = np.asarray(C.sum(axis=1)).ravel()
    avgdl = dl.mean() if n_docs and dl.mean() > 0 else 1.0
    rows = np.repeat(np.arange(n_docs), np.diff(C.indptr))
    tf = C.data
    C.data = idf[C.indices] * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl[rows] / avgdl))
    return C


def catalog_documents(catalog: Catalog) -> list[list[str]]:
    f = catalog.frame
    return [item_features(str(t), str(c), list(g), str(d)) for t, c, g, d in
            zip(f["title"], f["category"], f["tags"], f["description"], strict=True)]


class ContentBased(Recommender):
    """Cosine between a user's text profile and each item's text vector.

    Parameters
    ----------
    weighting: ``tfidf`` or ``bm25``.
    min_df: features in fewer items are dropped.
    """

    name = "content"
    needs_catalog = True

    def __init__(self, weighting: Literal["tfidf", "bm25"] = "tfidf",
                 min_df: int = 1) -> None:
        self.weighting = weighting
        self.min_df = min_df

    def _fit(self, X: sp.csr_matrix, catalog: Catalog | None) -> None:
        assert catalog is not None
        if self.weighting not in ("tfidf", "bm25") or self.min_df < 1:
            raise ConfigError("weighting must be tfidf or bm25 and min_df >= 1",
                              code="recommend_param_content")
        docs = catalog_documents(catalog)
        if not any(docs):
            raise ConfigError("the catalog has no text (title, category, tags, "
                              "description): content-based needs some",
                              code="recommend_catalog_text")
        vec = CountVectorizer(analyzer=lambda doc: doc, min_df=self.min_df)
        counts = vec.fit_transform(docs)
        if self.weighting == "tfidf":
            weighted = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
        else:
            weighted = bm25(counts)
        self.item_vectors_ = sp.csr_matrix(normalize(weighted), dtype=np.float32)
        self.vocabulary_ = np.array(vec.get_feature_names_out(), dtype=str)

    def profiles(self, user_items: sp.csr_matrix) -> sp.csr_matrix:
        """Users' L2-normalised text profiles (users x features)."""
        self._check_fitted()
        return sp.csr_matrix(normalize(sp.csr_matrix(user_items) @ self.item_vectors_))

    def _scores(self, userids: IntArray | None, user_items: sp.csr_matrix) -> FloatArray:
        P = self.profiles(user_items)
        return np.asarray((P @ self.item_vectors_.T).todense(), np.float32)

    def _item_vectors(self) -> sp.csr_matrix:
        return self.item_vectors_

    def _labelled(self) -> npt.NDArray[np.bool_]:
        """Which features are whole tags or categories (computed once per loaded model:
        every explained item asks)."""
        cached: npt.NDArray[np.bool_] | None = getattr(self, "_labelled_cache", None)
        if cached is None or cached.size != self.vocabulary_.size:
            cached = np.char.startswith(self.vocabulary_.astype(str), "tag:") | \
                np.char.startswith(self.vocabulary_.astype(str), "cat:")
            self._labelled_cache = cached
        return cached

    def shared_features(self, item: int, history: npt.NDArray[np.int64],
                        top: int = 3, tags_only: bool = True) -> list[str]:
        """Features an item shares with a set of history items, strongest first (only
        whole tags and categories unless ``tags_only`` is false)."""
        self._check_fitted()
        if history.size == 0:
            return []
        target = self.item_vectors_[item].toarray().ravel()
        hist = np.asarray(self.item_vectors_[history].sum(axis=0)).ravel()
        w = target * hist
        if tags_only:
            w = np.where(self._labelled(), w, 0.0)
        order = [i for i in np.argsort(-w)[:top] if w[i] > 0]
        return [str(self.vocabulary_[i]) for i in order]

    def _state(self) -> dict[str, Any]:
        return {"item_vectors_": self.item_vectors_, "vocabulary_": self.vocabulary_}
