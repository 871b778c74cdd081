"""Behaviour habits: discretised features that become basket items ("studies 3-5 h/week").

Pure: :func:`habit_pairs` turns a feature frame (:mod:`crossplay.mining.features`) into
(unit, habit token) pairs. Time bins are on hours per week over the analysed window, so
"learning time vs game time" relations show up as rules between bins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from crossplay.core.types import Lang

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Habit:
    key: str
    domain: str  # k, g or s
    name: dict[Lang, str]
    test: Callable[[pd.DataFrame, float], BoolArray]


def _between(col: str, lo: float, hi: float) -> Callable[[pd.DataFrame, float], BoolArray]:
    def test(f: pd.DataFrame, days: float) -> BoolArray:
        v = f[col].to_numpy()
        return np.asarray((v > lo) & (v <= hi))
    return test


def _share(col: str, hours: str, lo: float) -> Callable[[pd.DataFrame, float], BoolArray]:
    def test(f: pd.DataFrame, days: float) -> BoolArray:
        return np.asarray((f[hours].to_numpy() > 0) & (f[col].to_numpy() >= lo))
    return test


def _atleast(col: str, n: float) -> Callable[[pd.DataFrame, float], BoolArray]:
    def test(f: pd.DataFrame, days: float) -> BoolArray:
        return np.asarray(f[col].to_numpy() >= n)
    return test


def _daily(col: str) -> Callable[[pd.DataFrame, float], BoolArray]:
    def test(f: pd.DataFrame, days: float) -> BoolArray:
        return np.asarray(f[col].to_numpy() >= 0.5 * days)
    return test


def _h(key: str, domain: str, en: str, zh: str,
       test: Callable[[pd.DataFrame, float], BoolArray]) -> Habit:
    return Habit(key, domain, {"en": en, "zh-CN": zh}, test)


INF = float("inf")
_LIST: tuple[Habit, ...] = (
    _h("study_lt1", "k", "studies < 1 h/week", "每周学习不足1小时",
       _between("k_hours_week", 0, 1)),
    _h("study_1_3", "k", "studies 1-3 h/week", "每周学习1-3小时",
       _between("k_hours_week", 1, 3)),
    _h("study_3_5", "k", "studies 3-5 h/week", "每周学习3-5小时",
       _between("k_hours_week", 3, 5)),
    _h("study_5p", "k", "studies 5+ h/week", "每周学习5小时以上",
       _between("k_hours_week", 5, INF)),
    _h("study_evening", "k", "studies mostly 18:00-22:00", "主要在晚上18-22点学习",
       _share("k_evening", "k_hours_week", 0.5)),
    _h("study_late", "k", "studies late at night (after 22:00)", "常在深夜(22点后)学习",
       _share("k_night", "k_hours_week", 0.3)),
    _h("buys_courses", "k", "buys courses", "购买课程", _atleast("k_purchases", 1)),
    _h("completes_courses", "k", "completes courses", "完成课程", _atleast("k_completes", 1)),
    _h("k_checkin_daily", "k", "checks in on the learning app most days",
       "学习平台经常打卡", _daily("k_checkins")),
    _h("play_lt2", "g", "plays < 2 h/week", "每周游戏不足2小时",
       _between("g_hours_week", 0, 2)),
    _h("play_2_7", "g", "plays 2-7 h/week", "每周游戏2-7小时",
       _between("g_hours_week", 2, 7)),
    _h("play_7_14", "g", "plays 7-14 h/week", "每周游戏7-14小时",
       _between("g_hours_week", 7, 14)),
    _h("play_14p", "g", "plays 14+ h/week", "每周游戏14小时以上",
       _between("g_hours_week", 14, INF)),
    _h("play_night", "g", "plays mostly after 22:00", "主要在22点后玩游戏",
       _share("g_night", "g_hours_week", 0.5)),
    _h("pays_in_games", "g", "pays in games", "游戏内充值", _atleast("g_purchases", 1)),
    _h("g_checkin_daily", "g", "checks in on the game most days", "游戏经常签到",
       _daily("g_checkins")),
    _h("teams_up", "g", "teams up with friends", "组队开黑", _atleast("soc_teams", 1)),
    _h("invites_friends", "g", "invites friends", "邀请好友", _atleast("soc_invites", 1)),
    _h("watch_lt1", "s", "watches streams < 1 h/week", "每周看直播不足1小时",
       _between("s_hours_week", 0, 1)),
    _h("watch_1_5", "s", "watches streams 1-5 h/week", "每周看直播1-5小时",
       _between("s_hours_week", 1, 5)),
    _h("watch_5p", "s", "watches streams 5+ h/week", "每周看直播5小时以上",
       _between("s_hours_week", 5, INF)),
    _h("watch_night", "s", "watches streams mostly after 22:00", "主要在22点后看直播",
       _share("s_night", "s_hours_week", 0.5)),
    _h("gifts_streamers", "s", "gifts streamers", "给主播送礼物", _atleast("s_gifts", 1)),
    _h("chats_in_streams", "s", "sends bullet comments (10+)", "常发弹幕(10条以上)",
       _atleast("s_chats", 10)),
    _h("follows_streamers", "s", "follows streamers", "关注主播", _atleast("s_follows", 1)),
)
HABITS: dict[str, Habit] = {h.key: h for h in _LIST}


def habit_pairs(frame: pd.DataFrame, days: float) -> tuple[list[str], list[str]]:
    """(units, tokens) with one pair per unit and habit it shows (``<d>:hab:<key>``)."""
    units: list[str] = []
    tokens: list[str] = []
    index = frame.index.to_numpy()
    for h in _LIST:
        hit = h.test(frame, days)
        chosen = index[hit].tolist()
        units += chosen
        tokens += [f"{h.domain}:hab:{h.key}"] * len(chosen)
    return units, tokens
