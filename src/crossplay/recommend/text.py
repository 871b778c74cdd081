"""Tokenising catalog text in Chinese and English: jieba for Chinese, words for Latin.

``tokens("《三国崛起》策略游戏 / Rise of Kingdoms")`` -> ``["三国", "崛起", "策略", "游戏",
"rise", "kingdoms"]``: jieba's precise mode cuts Chinese runs into words, Latin runs are
lower-cased words, single Latin letters, digits-only pieces and a small stop list go.
Tags and categories are kept whole as ``tag:<tag>`` / ``cat:<category>`` features, so a
tag shared by a game and a course (电竞, 历史) matches exactly.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

_LATIN = re.compile(r"[a-z][a-z0-9+#\-]*[a-z0-9+#]|[a-z]{2,}")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_STOP = frozenset({
    "the", "of", "and", "a", "an", "to", "in", "for", "on", "with", "by", "from", "is",
    "at", "as", "or", "its", "it", "this", "that", "be", "are", "your", "you",
    "的", "了", "和", "与", "及", "在", "是", "共", "讲", "适合", "一个", "我们", "学习者",
})


@lru_cache(maxsize=1)
def _jieba() -> object:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokens(text: str) -> list[str]:
    """Words of ``text`` (Chinese through jieba, Latin lower-cased), stop words removed."""
    if not text:
        return []
    jieba = _jieba()
    low = text.lower()
    out: list[str] = []
    for m in _CJK.finditer(low):
        for w in jieba.lcut(m.group(0), cut_all=False):  # type: ignore[attr-defined]
            w = w.strip()
            if w and w not in _STOP:
                out.append(w)
    for w in _LATIN.findall(_CJK.sub(" ", low)):
        if w not in _STOP:
            out.append(w)
    return out


def item_features(title: str, category: str, tags: list[str], description: str,
                  title_weight: int = 2) -> list[str]:
    """Features of one catalog item: title words (counted ``title_weight`` times),
    description words, whole tags and the category."""
    feats = tokens(title) * title_weight + tokens(description)
    feats += [f"tag:{t.strip().lower()}" for t in tags if t and t.strip()]
    if category:
        feats.append(f"cat:{category.strip().lower()}")
    return feats
