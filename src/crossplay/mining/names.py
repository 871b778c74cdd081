"""Readable names (en, zh-CN) of basket tokens, categories and habits.

A token is ``<domain>:<kind>:<value>``: domain ``k`` (knowledge), ``g`` (game), ``s``
(stream); kind ``item``, ``cat`` or ``hab`` (a habit, see :mod:`crossplay.mining.habits`).
"""

from __future__ import annotations

from crossplay.core.types import Lang

DOMAIN_PARTNER = {"k": "knowledge", "g": "game", "s": "game"}
DOMAIN_PLATFORM = {"k": "knowledge", "g": "game", "s": "stream"}

#: category (as stored in items.category) -> English
CATEGORY_EN: dict[str, str] = {
    "编程": "programming", "数据分析": "data analysis", "人工智能": "AI", "英语": "English",
    "考研/考证": "exam prep", "职场": "career skills", "心理学": "psychology",
    "历史": "history", "理财": "personal finance", "设计": "design",
    "电竞": "esports coaching", "游戏开发": "game development", "会员": "membership",
    "MOBA": "MOBA", "RPG": "RPG", "策略": "strategy", "射击": "shooter", "卡牌": "card",
    "休闲": "casual", "模拟": "simulation", "棋牌": "board & card", "益智": "puzzle",
    "电竞赛事": "esports events", "教学": "teaching",
}

_CAT_TEMPLATE: dict[str, dict[Lang, str]] = {
    "k": {"en": "learns {en}", "zh-CN": "学{zh}课程"},
    "g": {"en": "plays {en} games", "zh-CN": "玩{zh}游戏"},
    "s": {"en": "watches {en} streams", "zh-CN": "看{zh}直播"},
}
_ITEM_TEMPLATE: dict[str, dict[Lang, str]] = {
    "k": {"en": "course \"{en}\"", "zh-CN": "课程《{zh}》"},
    "g": {"en": "game \"{en}\"", "zh-CN": "游戏《{zh}》"},
    "s": {"en": "streamer {en}", "zh-CN": "主播{zh}"},
}


def category_name(category: str, lang: Lang) -> str:
    return category if lang == "zh-CN" else CATEGORY_EN.get(category, category)


def split_title(title: str) -> tuple[str, str]:
    """``"Go 语言实战 / Practical Go"`` -> (zh, en); a single-language title serves both."""
    if " / " in title:
        zh, en = title.split(" / ", 1)
        return zh.strip(), en.strip()
    return title, title


def token_domain(token: str) -> str:
    return token.split(":", 1)[0]


def token_name(token: str, lang: Lang, titles: dict[str, str] | None = None) -> str:
    """Readable name of ``token``; ``titles`` maps ``<domain>:item:<id>`` to item titles."""
    from crossplay.mining.habits import HABITS

    domain, kind, value = token.split(":", 2)
    if kind == "cat":
        zh = value
        return _CAT_TEMPLATE[domain][lang].format(en=CATEGORY_EN.get(value, value), zh=zh)
    if kind == "item":
        zh, en = split_title((titles or {}).get(token, value))
        return _ITEM_TEMPLATE[domain][lang].format(en=en, zh=zh)
    if kind == "hab" and value in HABITS:
        return HABITS[value].name[lang]
    return token


def itemset_name(tokens: tuple[str, ...], lang: Lang,
                 titles: dict[str, str] | None = None) -> str:
    sep = " + " if lang == "en" else "、"
    return sep.join(token_name(t, lang, titles) for t in tokens)
