"""The fields an audience expression may name, each a fixed SQL expression (a whitelist).

A name is looked up here and nowhere else: what reaches SQL is the expression written
below, never the user's text. Three families (docs/marketing.md lists them all):

- **profile** fields, all-time, from the joint profiles (:mod:`crossplay.privacy.profiles`,
  ``crossplay profiles build``): ``knowledge.events`` / ``.spend`` / ``.hours`` /
  ``.top_category`` / ``.days_since_active``, the same for ``game.`` and ``game.stream_``
  (the game partner's streaming platform);
- **windowed** fields, ``<side>.<metric>_<N>d`` with 1 <= N <= 365, counted over the last N
  days up to the newest event in the lake (as mining's ``--window``): see :data:`WINDOWED`;
- **model** fields: ``segment`` (joint segments, ``crossplay segments fit``; compared with a
  number or a segment's name), ``propensity.churn`` (``crossplay churn fit --scope joint``).

Predicates (functions returning true/false): ``has("k:cat:编程")`` — the person holds that
basket token (``k:``/``g:``/``s:`` + ``cat:`` category or ``item:`` id, as the rules name
them), and ``rule(N)`` — the person holds rule N's "if" side but not yet its "then" side
(rule N is row N of ``crossplay rules mine --scope joint --level category``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from crossplay.core.types import Lang

FieldType = Literal["number", "string", "bool", "segment"]
Source = Literal["profile", "window", "segment", "churn"]

TYPE_NAMES: dict[str, dict[Lang, str]] = {
    "number": {"en": "number", "zh-CN": "数值"},
    "string": {"en": "string", "zh-CN": "字符串"},
    "bool": {"en": "true/false", "zh-CN": "真/假"},
    "segment": {"en": "segment", "zh-CN": "人群分群"},
}


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: FieldType
    sql: str  # over the base relation ``b`` (its columns are fixed names, see query.py)
    source: Source
    en: str
    zh: str


_SIDES = {"knowledge": ("k", "knowledge"), "game": ("g", "game"), "game.stream": ("s", "stream")}


def _profile_fields() -> dict[str, FieldDef]:
    out: dict[str, FieldDef] = {}
    for prefix, (p, label) in (("knowledge.", ("k", "courses")), ("game.", ("g", "games")),
                               ("game.stream_", ("s", "streams"))):
        zh = {"courses": "知识付费", "games": "游戏", "streams": "直播"}[label]
        defs = [
            ("events", "number", f"b.{p}_events", f"events on {label}, all time",
             f"{zh}事件数 (全部时间)"),
            ("spend", "number", f"b.{p}_spend", f"yuan spent on {label}, all time",
             f"{zh}消费金额 (元, 全部时间)"),
            ("hours", "number", f"b.{p}_seconds / 3600.0", f"hours on {label}, all time",
             f"{zh}时长 (小时, 全部时间)"),
            ("top_category", "string", f"b.{p}_top_category",
             f"most frequent category on {label}", f"{zh}最常见的类别"),
            ("days_since_active", "number", f"date_diff('day', b.{p}_last_ts, b.as_of)",
             f"days since the last event on {label} (none: no match)",
             f"距上次{zh}活动的天数 (无活动则不匹配)"),
        ]
        for name, typ, sql, en, zh_text in defs:
            full = prefix + name
            out[full] = FieldDef(full, typ, sql, "profile", en, zh_text)  # type: ignore[arg-type]
    return out


#: windowed metrics: (side prefix, metric) -> (event types, measure, en, zh)
Measure = Literal["count", "hours", "sum", "days"]
WINDOWED: dict[tuple[str, str], tuple[tuple[str, ...], Measure, str, str]] = {
    ("knowledge", "events"): ((), "count", "events", "事件数"),
    ("knowledge", "hours"): (("lesson_watch",), "hours", "hours of lessons", "学习时长(小时)"),
    ("knowledge", "purchases"): (("purchase",), "count", "course purchases", "购买次数"),
    ("knowledge", "spend"): (("purchase",), "sum", "yuan spent", "消费金额(元)"),
    ("knowledge", "enrolls"): (("enroll",), "count", "enrolments", "报名次数"),
    ("knowledge", "completes"): (("course_complete",), "count", "courses completed",
                                 "完课数"),
    ("knowledge", "checkins"): (("checkin",), "count", "check-ins", "打卡次数"),
    ("knowledge", "active_days"): ((), "days", "active days", "活跃天数"),
    ("game", "events"): ((), "count", "events", "事件数"),
    ("game", "hours"): (("session",), "hours", "hours played", "游戏时长(小时)"),
    ("game", "sessions"): (("session",), "count", "sessions", "对局数"),
    ("game", "purchases"): (("purchase",), "count", "purchases", "充值次数"),
    ("game", "spend"): (("purchase",), "sum", "yuan spent", "充值金额(元)"),
    ("game", "clears"): (("level_clear",), "count", "levels cleared", "通关次数"),
    ("game", "checkins"): (("checkin",), "count", "check-ins", "打卡次数"),
    ("game", "active_days"): ((), "days", "active days", "活跃天数"),
    ("game.stream", "events"): ((), "count", "stream events", "直播事件数"),
    ("game.stream", "hours"): (("watch",), "hours", "hours watched", "观看时长(小时)"),
    ("game.stream", "gifts"): (("gift",), "count", "gifts sent", "送礼次数"),
    ("game.stream", "spend"): (("gift", "subscribe"), "sum", "yuan on gifts and subscriptions",
                               "礼物与订阅金额(元)"),
    ("game.stream", "chats"): (("chat",), "count", "bullet comments", "弹幕数"),
    ("game.stream", "follows"): (("follow",), "count", "follows", "关注次数"),
    ("game.stream", "active_days"): ((), "days", "active days", "活跃天数"),
}
MAX_WINDOW_DAYS = 365
_WINDOWED_NAME = re.compile(r"^(knowledge|game)\.(stream_)?([a-z_]+?)_(\d{1,4})d$")

PROFILE_FIELDS = _profile_fields()
MODEL_FIELDS: dict[str, FieldDef] = {
    "segment": FieldDef("segment", "segment", "b.segment", "segment",
                        "joint segment (its number, or its name in Chinese or English)",
                        "联合人群分群 (编号, 或中文/英文名称)"),
    "propensity.churn": FieldDef("propensity.churn", "number", "b.churn_probability", "churn",
                                 "calibrated probability of churning (0..1)",
                                 "流失概率 (0..1, 已校准)"),
}


@dataclass(frozen=True)
class Windowed:
    """A windowed field: which events, which measure, over how many days."""

    name: str
    platform: str  # knowledge | game | stream
    partner: str
    event_types: tuple[str, ...]
    measure: Measure
    days: int

    @property
    def column(self) -> str:
        """The base relation's column (derived from whitelisted parts only)."""
        return f"w_{self.platform}_{self.name.rsplit('.', 1)[1]}"


def windowed(name: str) -> Windowed | None:
    """The windowed field ``name`` names, or None (also for N out of 1..365)."""
    m = _WINDOWED_NAME.match(name)
    if not m:
        return None
    side = m.group(1) + (".stream" if m.group(2) else "")
    spec = WINDOWED.get((side, m.group(3)))
    days = int(m.group(4))
    if spec is None or not 1 <= days <= MAX_WINDOW_DAYS:
        return None
    platform = {"knowledge": "knowledge", "game": "game", "game.stream": "stream"}[side]
    partner = "knowledge" if side == "knowledge" else "game"
    return Windowed(name, platform, partner, spec[0], spec[1], days)


def known_names() -> list[str]:
    """Every field name (windowed ones with N = 30), for hints and ``audience fields``."""
    names = list(PROFILE_FIELDS) + list(MODEL_FIELDS)
    for side, metric in WINDOWED:
        prefix = "game.stream_" if side == "game.stream" else f"{side}."
        names.append(f"{prefix}{metric}_30d")
    return names


def catalogue(lang: Lang) -> list[dict[str, str]]:
    """Every field with its type and meaning (``crossplay audience fields``)."""
    rows = []
    for f in (*PROFILE_FIELDS.values(), *MODEL_FIELDS.values()):
        rows.append({"field": f.name, "type": TYPE_NAMES[f.type][lang],
                     "meaning": f.en if lang == "en" else f.zh})
    for (side, metric), (_types, _measure, en, zh) in WINDOWED.items():
        prefix = "game.stream_" if side == "game.stream" else f"{side}."
        rows.append({"field": f"{prefix}{metric}_<N>d", "type": TYPE_NAMES["number"][lang],
                     "meaning": (f"{en} in the last N days (1..365)" if lang == "en"
                                 else f"最近 N 天的{zh} (N 为 1..365)")})
    rows.append({"field": 'has("k:cat:编程")', "type": TYPE_NAMES["bool"][lang],
                 "meaning": ("holds a basket token (k:/g:/s: + cat:CATEGORY or item:ID)"
                             if lang == "en" else
                             "拥有某个行为篮标记 (k:/g:/s: 加 cat:类别 或 item:编号)")})
    rows.append({"field": "rule(N)", "type": TYPE_NAMES["bool"][lang],
                 "meaning": ("holds joint category rule N's 'if' side, not yet its 'then' side"
                             if lang == "en" else
                             "满足第 N 条联合类别规则的前件, 尚未满足其后件")})
    return rows
