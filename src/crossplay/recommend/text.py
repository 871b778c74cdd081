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


# --- tags in the reader's language ----------------------------------------------------------
#: English forms of the catalog tags the partners' exports use (here: the vocabulary of
#: crossplay's synthetic catalogs — levels, course formats, game and streamer tags, plus
#: the categories of :data:`crossplay.mining.names.CATEGORY_EN` and the course subjects,
#: which come with English twins in :mod:`crossplay.synth.names`). A Chinese tag without
#: an English form is left out of English text rather than shown untranslated.
_TAG_EN: dict[str, str] = {
    "入门": "beginner", "进阶": "intermediate", "高级": "advanced",
    "实战": "hands-on", "系统课": "full course", "直播课": "live class", "案例": "case studies",
    "刷题": "practice drills", "训练营": "bootcamp",
    "全站课程": "all courses", "畅学": "unlimited learning",
    "竞技": "competitive", "团队": "team play", "排位": "ranked", "开放世界": "open world",
    "剧情": "story", "角色扮演": "role-playing", "二次元": "anime style", "国战": "nation wars",
    "经营": "management", "吃鸡": "battle royale", "枪战": "gunfights", "收集": "collecting",
    "回合制": "turn-based", "消除": "match-three", "单机": "single-player",
    "轻松": "relaxing", "建造": "building", "养成": "nurturing", "斗地主": "Dou Dizhu",
    "麻将": "mahjong", "好友约局": "games with friends", "解谜": "puzzle solving",
    "烧脑": "brain teasers",
    "技术流": "skilled play", "搞笑": "comedy", "颜值": "on camera", "聊天": "chatting",
    "高端局": "high-level matches", "新手友好": "beginner-friendly",
    "比赛解说": "match commentary", "陪玩": "play-along", "整活": "stunts",
}


@lru_cache(maxsize=1)
def _tags_en() -> dict[str, str]:
    from crossplay.mining.names import CATEGORY_EN
    from crossplay.synth.names import COURSE_SUBJECTS

    subjects = {zh: en for per_category in COURSE_SUBJECTS for zh, en in per_category}
    return {**subjects, **CATEGORY_EN, **_TAG_EN}


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds a Chinese character."""
    return _CJK.search(text) is not None


def tag_label(tag: str, lang: str) -> str | None:
    """How a catalog tag (or category) reads in ``lang``: as stored in Chinese; in English
    its English form, the tag itself when it has no Chinese, else None (leave it out)."""
    t = tag.strip()
    if not t or lang == "zh-CN" or not has_cjk(t):
        return t or None
    return _tags_en().get(t)
