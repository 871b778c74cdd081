"""Explanations cite real reasons: a known-answer catalog where the right reason is known.

The user studied a design course and a programming course. The recommended design course
shares its category, a level tag and an untranslatable tag with the design course, and a
beginner tag with the *programming* course only. The item-kNN model traces it to the
design course, so the reason may name only what the design course has — never the
programming course's tag, which the explanation used to cite when it compared the item
with the whole history — each tag once (a category that is also a tag is one tag), in
the reader's language.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from crossplay.recommend.dataset import Catalog
from crossplay.recommend.explain import (
    Reason,
    explain_items,
    reason_text,
    shared_labels,
    shown_tags,
)
from crossplay.recommend.models import ItemKNN
from crossplay.recommend.text import has_cjk, tag_label

#: item id, title, category, tags
ITEMS = [
    ("h1", "Figma 图解 / Figma Illustrated", "设计", ["设计", "figma", "高级", "配色"]),
    ("h2", "Python 编程入门 / Python for Beginners", "编程", ["编程", "Python", "入门"]),
    ("h3", "中国通史全讲", "历史", ["历史", "通史"]),
    ("r1", "品牌设计进阶 / Brand Design", "设计", ["设计", "Figma", "高级", "入门", "配色"]),
    ("r2", "三国志精讲", "历史", ["历史", "通史", "三国"]),
    ("r3", "Go 语言实战 / Practical Go", "编程", ["编程", "Go 语言"]),
]


def _catalog() -> Catalog:
    return Catalog(pd.DataFrame({
        "partner": "knowledge", "item_id": [i[0] for i in ITEMS], "platform": "knowledge",
        "item_type": "course", "title": [i[1] for i in ITEMS],
        "category": [i[2] for i in ITEMS], "tags": [list(i[3]) for i in ITEMS],
        "description": "", "available": True}))


def _model() -> ItemKNN:
    """Who took what: h1 goes with r1, h3 with r2, h2 with r3 (and never with r1)."""
    pairs = ([(u, 0) for u in range(10)] + [(u, 3) for u in range(10)]
             + [(u, 2) for u in range(10, 20)] + [(u, 4) for u in range(10, 20)]
             + [(u, 1) for u in range(20, 30)] + [(u, 5) for u in range(20, 30)])
    rows, cols = zip(*pairs, strict=True)
    X = sp.csr_matrix((np.ones(len(pairs), np.float32), (rows, cols)), shape=(30, 6))
    return ItemKNN(shrink=0.0).fit(X, _catalog())


def test_the_reason_cites_only_what_the_cited_item_has() -> None:
    cat = _catalog()
    history = sp.csr_matrix(np.array([[1, 1, 1, 0, 0, 0]], np.float32))
    r1, r2, r3 = explain_items(_model(), history, np.array([3, 4, 5]), cat)
    assert r1.because == [0] and r2.because == [2] and r3.because == [1]
    assert r1.shared == ["设计", "Figma", "高级", "配色"]  # not 入门: only h2 has it
    assert r3.shared == ["编程"]
    assert reason_text(r1, cat, "en") == ("because you studied Figma Illustrated "
                                          "(shared: design, Figma, advanced)")
    assert reason_text(r1, cat, "zh-CN") == ("因为你学习了《Figma 图解》"
                                             "（相同标签：设计、Figma、高级）")
    # a Chinese-only course: its Chinese tags stay when they have no English form
    assert reason_text(r2, cat, "en") == "because you studied 中国通史全讲 (shared: history, 通史)"
    assert reason_text(r3, cat, "en") == ("because you studied Python for Beginners "
                                          "(shared: programming)")
    # the structured reason says the same as the sentence
    detail = r1.as_dict(cat, "en")
    assert detail["shared_text"] == ["design", "Figma", "advanced"]
    assert [b["item_id"] for b in detail["because"]] == ["h1"]


def test_tags_are_compared_case_insensitively_and_named_once() -> None:
    cat = _catalog()
    assert shared_labels(cat, 3, [0]) == ["设计", "Figma", "高级", "配色"]
    assert shared_labels(cat, 3, [0, 1]) == []  # two cited items: what both of them have
    assert shared_labels(cat, 4, [2]) == ["历史", "通史"]
    assert shared_labels(cat, 3, []) == []
    reason = Reason("history", [0], ["设计", "设计", "Figma", "figma"])
    assert shown_tags(reason, cat, "en") == ["design", "Figma"]
    assert shown_tags(reason, cat, "zh-CN") == ["设计", "Figma"]


def test_an_english_reason_drops_a_chinese_tag_without_an_english_form() -> None:
    cat = _catalog()
    reason = Reason("history", [0], ["配色"])
    assert reason_text(reason, cat, "en") == "because you studied Figma Illustrated"
    assert reason_text(reason, cat, "zh-CN") == "因为你学习了《Figma 图解》（相同标签：配色）"


def test_every_tag_of_the_synthetic_catalog_reads_in_english() -> None:
    from crossplay.synth.catalog import build_catalog
    from crossplay.synth.domain import COURSE_CATEGORIES, GENRES, STREAM_CATEGORIES

    c = build_catalog(seed=7, people=2000)
    raw = [*c.courses.tags, *c.games.tags, *c.streamers.tags]
    tags = {t for text in raw for t in text.replace("|", ",").replace("、", ",").split(",")}
    for tag in sorted(tags | set(COURSE_CATEGORIES) | set(GENRES) | set(STREAM_CATEGORIES)):
        label = tag_label(tag, "en")
        assert label and not has_cjk(label), tag
        assert tag_label(tag, "zh-CN") == tag


def test_popular_reasons_say_so() -> None:
    cat = _catalog()
    assert reason_text(Reason("popular", [], []), cat, "en", popular_count=9) == \
        "popular right now (9 people)"
    assert reason_text(Reason("popular", [], []), cat, "zh-CN", popular_count=9) == \
        "热门推荐（9 人参与）"
    none = explain_items(_model(), sp.csr_matrix((1, 6), dtype=np.float32), np.array([3]), cat)
    assert none == [Reason("popular", [], [])]
