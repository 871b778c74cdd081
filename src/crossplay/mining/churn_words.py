"""Churn drivers in words (en, zh-CN): a feature's name and the sentence saying its effect.

Every feature of :mod:`crossplay.mining.features` has a noun phrase; the category shares
(``kc:<course category>``, ``gc:<genre>``, ``sc:<stream category>``) name the category in
the reader's language (:func:`crossplay.mining.names.category_name`). Kept apart from
:mod:`crossplay.mining.churn` so the CLI words a stored report without loading the model's
libraries.
"""

from __future__ import annotations

from typing import Any

from crossplay.mining.names import category_name

#: feature -> (en, zh) noun phrase for driver sentences
FEATURE_WORDS: dict[str, tuple[str, str]] = {
    "k_days": ("active days on the learning app", "学习平台活跃天数"),
    "g_days": ("active days in games", "游戏活跃天数"),
    "s_days": ("days watching streams", "看直播天数"),
    "k_recency": ("days since last learning", "距上次学习天数"),
    "g_recency": ("days since last game", "距上次游戏天数"),
    "s_recency": ("days since last stream", "距上次看直播天数"),
    "k_events": ("learning events", "学习行为次数"), "g_events": ("game events", "游戏行为次数"),
    "s_events": ("stream events", "直播行为次数"),
    "k_hours_week": ("study hours per week", "每周学习时长"),
    "g_hours_week": ("play hours per week", "每周游戏时长"),
    "s_hours_week": ("watch hours per week", "每周观看时长"),
    "g_checkins": ("game check-ins", "游戏签到次数"),
    "k_checkins": ("learning check-ins", "学习打卡次数"),
    "g_purchases": ("game purchases", "游戏充值次数"),
    "k_purchases": ("course purchases", "课程购买次数"),
    "k_spend": ("spending on courses", "课程消费"),
    "g_spend": ("spending in games", "游戏充值金额"),
    "s_spend": ("spending on streams (gifts, subscriptions)", "直播消费 (礼物与订阅)"),
    "s_gifts": ("gifts to streamers", "给主播送礼次数"),
    "k_enrolls": ("course enrolments", "报名课程次数"),
    "k_completes": ("courses completed", "完课数"),
    "s_chats": ("bullet comments", "弹幕数"), "g_clears": ("levels cleared", "通关数"),
    "s_follows": ("streamers followed", "关注主播数"),
    "soc_friends": ("game friends", "游戏好友数"), "soc_teams": ("team-ups", "组队次数"),
    "soc_invites": ("game invitations", "游戏邀请次数"),
    "soc_gifts_to_users": ("gifts to other players", "赠送其他玩家礼物次数"),
    "k_evening": ("evening share of study time", "晚间学习占比"),
    "g_evening": ("evening share of play time", "晚间游戏占比"),
    "s_evening": ("evening share of watch time", "晚间观看占比"),
    "k_night": ("late-night share of study time", "深夜学习占比"),
    "g_night": ("late-night share of play time", "深夜游戏占比"),
    "s_night": ("late-night share of watch time", "深夜观看占比"),
}

#: category share prefix -> (en, zh) phrase around the category's name
_CATEGORY_WORDS: dict[str, tuple[str, str]] = {
    "kc:": ("share of course activity in {name}", "{name}课程学习占比"),
    "gc:": ("share of play time in {name} games", "{name}游戏时长占比"),
    "sc:": ("share of watch time on {name} streams", "{name}直播观看占比"),
}

#: features that are a share ("a higher share"), or money ("more" / "less" spending)
_SHARES = ("_evening", "_night")
_MONEY = "_spend"


def feature_words(name: str, lang: str) -> str:
    """The feature ``name`` as a noun phrase in ``lang`` (en or zh-CN)."""
    zh = lang == "zh-CN"
    words = _CATEGORY_WORDS.get(name[:3])
    if words is not None:
        category = category_name(name[3:], "zh-CN" if zh else "en")
        return (words[1] if zh else words[0]).format(name=category)
    en, zh_words = FEATURE_WORDS.get(name, (name, name))
    return zh_words if zh else en


def driver_sentence(driver: dict[str, Any], lang: str) -> str:
    """``driver`` (its ``feature`` and ``direction``, up or down) as a sentence."""
    feature = str(driver["feature"])
    words = feature_words(feature, lang)
    up = driver["direction"] == "up"
    if lang == "zh-CN":
        return f"{words}越{'高' if up else '低'}, 流失风险越高"
    if feature[:3] in _CATEGORY_WORDS or feature.endswith(_SHARES):
        more = "a higher" if up else "a lower"
    elif feature.endswith(_MONEY):
        more = "more" if up else "less"
    else:
        more = "more" if up else "fewer"
    return f"{more} {words} -> higher churn risk"
