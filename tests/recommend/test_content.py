"""Content-based: Chinese text tokenised with jieba, TF-IDF / BM25, cold items."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from crossplay.recommend.dataset import Catalog
from crossplay.recommend.models import ContentBased, Hybrid
from crossplay.recommend.models.content import bm25
from crossplay.recommend.text import item_features, tokens


def test_chinese_is_cut_into_words() -> None:
    words = tokens("《三国崛起》策略游戏，适合历史爱好者 / Rise of Kingdoms")
    assert {"三国", "崛起", "策略", "游戏", "历史"} <= set(words)
    assert {"rise", "kingdoms"} <= set(words)
    assert "of" not in words and "的" not in words
    # not one token per character, not the whole run as one token
    assert "策略游戏，适合历史爱好者" not in words and "策" not in words


def test_tags_and_category_are_whole_features() -> None:
    f = item_features("电竞解说 30 讲", "电竞", ["电竞", "英雄联盟"], "")
    assert "tag:电竞" in f and "tag:英雄联盟" in f and "cat:电竞" in f
    assert f.count("电竞") == 2  # title words count twice


def test_bm25_matches_the_formula() -> None:
    # d0 = [a, a, b], d1 = [b]: N = 2, avgdl = 2, k1 = 1.2, b = 0.75 (hand-computed:
    # idf(a) = ln 2, idf(b) = ln 1.2; w = idf * tf (k1+1) / (tf + k1 (1 - b + b dl/avgdl)))
    counts = sp.csr_matrix(np.array([[2, 1], [0, 1]], np.float64))
    w = bm25(counts).toarray()
    np.testing.assert_allclose(w, [[0.835575, 0.151361], [0.0, 0.229204]], atol=1e-6)


def _catalog() -> Catalog:
    rows = [
        ("k1", "knowledge", "Python 编程入门 / Python for Beginners", "编程", ["编程", "Python"],
         "零基础学 Python 编程"),
        ("k2", "knowledge", "电竞解说 30 讲 / Esports Commentary", "电竞", ["电竞", "解说"],
         "电竞比赛解说与战术分析"),
        ("k3", "knowledge", "中国通史 / Chinese History", "历史", ["历史"], "从先秦到明清的历史"),
        ("g1", "game", "荣耀联盟 / Glory League", "MOBA", ["MOBA", "电竞", "竞技"],
         "五对五电竞竞技"),
        ("g2", "game", "三国崛起 / Rise of Kingdoms", "策略", ["策略", "历史", "三国"],
         "三国历史策略游戏"),
    ]
    return Catalog(pd.DataFrame({
        "partner": [r[1] for r in rows], "item_id": [r[0] for r in rows],
        "platform": [r[1] for r in rows], "item_type": "course",
        "title": [r[2] for r in rows], "category": [r[3] for r in rows],
        "tags": [r[4] for r in rows], "description": [r[5] for r in rows],
        "available": True}))


@pytest.mark.parametrize("weighting", ["tfidf", "bm25"])
def test_games_lead_to_matching_courses_even_untouched(weighting: str) -> None:
    cat = _catalog()
    # nobody has touched any course: they are all cold items
    X = sp.csr_matrix(np.array([[0, 0, 0, 1, 0], [0, 0, 0, 0, 1]], np.float32))
    model = ContentBased(weighting=weighting).fit(X, cat)  # type: ignore[arg-type]
    courses = cat.in_domains(("knowledge",))
    ids, _ = model.recommend(np.arange(2), X, N=1, candidates=courses)
    assert cat.frame["item_id"][ids[:, 0]].tolist() == ["k2", "k3"]  # MOBA->电竞, 策略->历史
    assert model.shared_features(1, np.array([3])) == ["tag:电竞"]


def test_hybrid_ranks_cold_items_by_content() -> None:
    cat = _catalog()
    X = sp.csr_matrix(np.array([[0, 0, 0, 1, 0], [0, 0, 0, 0, 1], [0, 1, 0, 1, 0]],
                               np.float32))
    model = Hybrid(factors=2, shrink=5.0).fit(X, cat)
    courses = cat.in_domains(("knowledge",))
    ids, _ = model.recommend(np.array([1]), X[1], N=1, candidates=courses)
    assert cat.frame["item_id"][ids[0, 0]] == "k3"  # history course nobody took yet
