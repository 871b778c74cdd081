"""Readable segment profiles: what sets each segment apart, in words (en, zh-CN).

Pure: :func:`segment_profiles` takes the feature frame, the labels and the standardised
features, and describes each segment by its size, value (spend per person) and the traits
whose standardised mean is furthest above (or, for domain activity, below) everyone's.
A segment with no trait past those thresholds is ``distinct: false`` and is named by what
it leans towards ("close to average; leans: …"); ``segments fit`` prefers a k where
every segment is distinct.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from crossplay.core.types import Lang
from crossplay.mining.names import category_name

FloatArray = npt.NDArray[np.float64]

#: feature -> (high en, high zh, low en, low zh); empty low = not worth saying
TRAITS: dict[str, tuple[str, str, str, str]] = {
    "k_hours_week": ("studies a lot", "学习时间长", "rarely studies", "很少学习"),
    "k_events": ("active learner", "学习活跃", "barely uses the learning app",
                 "很少使用学习平台"),
    "k_purchases": ("buys courses", "购买课程", "", ""),
    "k_completes": ("finishes courses", "常完课", "", ""),
    "k_checkins": ("checks in to learn", "学习打卡", "", ""),
    "k_evening": ("studies in the evening", "晚间学习", "", ""),
    "k_night": ("studies late at night", "深夜学习", "", ""),
    "g_hours_week": ("heavy gamer", "重度玩家", "rarely plays", "很少玩游戏"),
    "g_night": ("plays at night", "夜间玩家", "", ""),
    "g_purchases": ("pays in games", "游戏充值", "", ""),
    "g_checkins": ("daily game check-in", "游戏签到", "", ""),
    "s_hours_week": ("watches streams a lot", "爱看直播", "rarely watches streams",
                     "很少看直播"),
    "s_night": ("watches streams late", "深夜看直播", "", ""),
    "s_gifts": ("gifts streamers", "打赏主播", "", ""),
    "s_chats": ("chatty in streams", "爱发弹幕", "", ""),
    "s_follows": ("follows streamers", "关注主播", "", ""),
    "soc_friends": ("many game friends", "游戏好友多", "", ""),
    "soc_teams": ("teams up", "常组队", "", ""),
    "soc_invites": ("invites friends", "邀请好友", "", ""),
}
_CAT: dict[str, tuple[str, str]] = {
    "kc": ("into {en} courses", "偏好{zh}课程"), "gc": ("plays {en} games", "偏好{zh}游戏"),
    "sc": ("watches {en} streams", "爱看{zh}直播"),
}
HIGH, LOW = 0.5, -0.8
#: below these a trait is too weak to name a segment by (see :func:`segment_profiles`)
MILD_HIGH, MILD_LOW = 0.2, -0.3


def trait_phrase(feature: str, high: bool, lang: Lang) -> str | None:
    if feature[:3] in ("kc:", "gc:", "sc:"):
        if not high:
            return None
        en, zh = _CAT[feature[:2]]
        cat = feature[3:]
        return (en.format(en=category_name(cat, "en")) if lang == "en"
                else zh.format(zh=category_name(cat, "zh-CN")))
    t = TRAITS.get(feature)
    if t is None:
        return None
    text = (t[0] if lang == "en" else t[1]) if high else (t[2] if lang == "en" else t[3])
    return text or None


def segment_profiles(frame: pd.DataFrame, labels: npt.ArrayLike, features: list[str],
                     scaled: FloatArray, top: int = 3) -> list[dict[str, Any]]:
    """One profile per segment (JSON-able), largest segment first."""
    lab = np.asarray(labels)
    n = lab.size
    spend = np.zeros(n)
    for c in ("k_spend", "g_spend", "s_spend"):
        if c in frame.columns:
            spend += frame[c].to_numpy(np.float64)
    out = []
    for seg in sorted(set(lab.tolist()), key=lambda s: -int((lab == s).sum())):
        mask = lab == seg
        z = scaled[mask].mean(axis=0)
        traits = _traits(z, features, HIGH, LOW, top)
        distinct = bool(traits)
        if distinct:
            name_en = ", ".join(t["en"] for t in traits[:2])
            name_zh = "，".join(t["zh"] for t in traits[:2])
        else:  # nothing stands out: name what leans furthest, and say it is mild
            traits = _traits(z, features, MILD_HIGH, MILD_LOW, 2)
            name_en = ("close to average; leans: " + ", ".join(t["en"] for t in traits)
                       if traits else "average on every trait")
            name_zh = ("接近平均，略偏：" + "，".join(t["zh"] for t in traits)
                       if traits else "各项均接近平均")
        part = frame[mask]
        out.append({
            "segment": int(seg), "size": int(mask.sum()), "share": round(mask.sum() / n, 4),
            "value_yuan_per_person": round(float(spend[mask].mean()), 2),
            "hours_week": {d: round(float(part[f"{d}_hours_week"].mean()), 2)
                           for d in ("k", "g", "s") if f"{d}_hours_week" in part.columns},
            "traits": traits, "distinct": distinct, "name_en": name_en, "name_zh": name_zh,
        })
    return out


def _traits(z: FloatArray, features: list[str], high_at: float, low_at: float,
            top: int) -> list[dict[str, Any]]:
    """The ``top`` nameable traits furthest from everyone's mean, at least ``high_at``
    above it or ``low_at`` below it (standardised units)."""
    traits: list[dict[str, Any]] = []
    for j in np.argsort(-np.abs(z), kind="stable").tolist():
        high = bool(z[j] > 0)
        if (high and z[j] < high_at) or (not high and z[j] > low_at):
            continue
        en = trait_phrase(features[j], high, "en")
        zh = trait_phrase(features[j], high, "zh-CN")
        if en is None or zh is None:
            continue
        traits.append({"feature": features[j], "z": round(float(z[j]), 2), "en": en, "zh": zh})
        if len(traits) == top:
            break
    return traits
