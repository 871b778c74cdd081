"""The world's vocabulary: shared topics, archetypes, categories and rhythms.

Everything here is a constant; the generator's randomness lives elsewhere. The *shared
topics* are the latent space both partners' catalogs load on: a person's interest vector
over these topics drives which courses, games and streamers they pick, which is what
plants the cross-domain affinities (MOBA players take 电竞 coaching courses, strategy
players take 理财 and 历史, casual players take 心理学).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

TOPICS: tuple[str, ...] = (
    "competitive", "strategy", "relax", "story", "create", "tech", "career", "language",
)
TOPIC_ZH: tuple[str, ...] = ("竞技", "谋略", "休闲", "故事", "创造", "技术", "职场", "语言")

COURSE_CATEGORIES: tuple[str, ...] = (
    "编程", "数据分析", "人工智能", "英语", "考研/考证", "职场",
    "心理学", "历史", "理财", "设计", "电竞", "游戏开发",
)
#: share of the course catalog per category
COURSE_CATEGORY_SHARE: tuple[float, ...] = (
    0.14, 0.09, 0.10, 0.10, 0.09, 0.10, 0.08, 0.06, 0.08, 0.06, 0.04, 0.06,
)
#: topic loadings of each course category (topic -> weight)
COURSE_LOADINGS: tuple[dict[str, float], ...] = (
    {"tech": 1.0, "create": 0.2},
    {"tech": 0.6, "career": 0.5, "strategy": 0.2},
    {"tech": 0.9, "career": 0.2, "create": 0.2},
    {"language": 1.0, "career": 0.3},
    {"language": 0.6, "career": 0.7},
    {"career": 1.0, "relax": 0.1},
    {"relax": 0.8, "career": 0.2, "story": 0.2},
    {"strategy": 0.6, "story": 0.6},
    {"strategy": 0.7, "career": 0.5},
    {"create": 1.0, "tech": 0.2},
    {"competitive": 1.0, "tech": 0.1},
    {"create": 0.6, "tech": 0.7, "story": 0.2},
)

GENRES: tuple[str, ...] = ("MOBA", "RPG", "策略", "射击", "卡牌", "休闲", "模拟", "棋牌", "益智")
GENRE_SHARE: tuple[float, ...] = (0.12, 0.16, 0.11, 0.11, 0.10, 0.14, 0.09, 0.08, 0.09)
GENRE_LOADINGS: tuple[dict[str, float], ...] = (
    {"competitive": 1.0, "strategy": 0.2},
    {"story": 1.0, "create": 0.1},
    {"strategy": 1.0, "story": 0.2},
    {"competitive": 0.9},
    {"story": 0.5, "strategy": 0.5},
    {"relax": 1.0},
    {"create": 0.8, "relax": 0.3},
    {"strategy": 0.6, "relax": 0.4},
    {"relax": 0.6, "tech": 0.3, "strategy": 0.2},
)
#: typical session length factor per genre (MOBA matches are long, casual rounds short)
GENRE_SESSION_FACTOR: tuple[float, ...] = (1.4, 1.5, 1.3, 1.1, 0.8, 0.45, 1.0, 0.9, 0.5)

#: stream categories follow the genres, plus esports events and teaching streams
STREAM_CATEGORIES: tuple[str, ...] = (*GENRES, "电竞赛事", "教学")
STREAM_CATEGORY_SHARE: tuple[float, ...] = (
    0.20, 0.10, 0.07, 0.14, 0.05, 0.06, 0.04, 0.05, 0.04, 0.10, 0.15,
)
STREAM_LOADINGS: tuple[dict[str, float], ...] = (
    *GENRE_LOADINGS,
    {"competitive": 1.0},
    {"tech": 0.5, "create": 0.3, "competitive": 0.3, "language": 0.2},
)

#: the planted cross-domain affinities the docs and tests name (genre -> course category)
PLANTED_AFFINITIES: tuple[tuple[str, str], ...] = (
    ("MOBA", "电竞"), ("射击", "电竞"), ("策略", "理财"), ("策略", "历史"),
    ("休闲", "心理学"), ("模拟", "设计"), ("益智", "编程"), ("RPG", "历史"),
)

#: the same affinities seen from the stream side: a stream category named after a genre
#: loads like that genre, and esports-event streams load on "competitive" alone
PLANTED_STREAM_AFFINITIES: tuple[tuple[str, str], ...] = (
    *PLANTED_AFFINITIES, ("电竞赛事", "电竞"),
)

#: sharpness of interest-driven choices (probability ∝ (interest · loading)^β)
CHOICE_SHARPNESS = 1.6


@dataclass(frozen=True)
class Archetype:
    """A kind of person: how much they use each side and when."""

    key: str
    zh: str
    en: str
    share: float
    topic_alpha: dict[str, float]
    p_knowledge: float  # uses the knowledge platform
    p_game_side: float  # uses the game / streaming platform
    p_play: float  # on the game side: plays games
    p_watch: float  # on the game side: watches streams
    act_k: float  # mean intensity multipliers per domain
    act_g: float
    act_s: float
    p_payer: float  # buys in-game items now and then
    p_gifter: float  # gifts to streamers now and then
    p_chatty: float  # ever sends bullet comments
    p_checkin_k: float  # daily check-in habit on each side
    p_checkin_g: float
    p_bind: float  # binds accounts when both sides' linking consent allows it
    p_click: float  # clicks a campaign push
    uplift: float  # true campaign uplift on course purchase (absolute probability)
    night: float  # 0 = day person, 1 = night owl (shifts hour profiles later)


ARCHETYPES: tuple[Archetype, ...] = (
    Archetype("night_owl", "夜间重度玩家", "night-owl heavy gamer", 0.17,
              {"competitive": 2.0, "story": 1.5, "strategy": 0.6, "relax": 0.3},
              0.25, 0.98, 0.98, 0.50, 0.5, 1.7, 0.9, 0.16, 0.035, 0.45,
              0.10, 0.45, 0.70, 0.04, 0.003, 1.0),
    Archetype("student", "学习型用户", "student learner", 0.20,
              {"tech": 1.5, "language": 2.0, "career": 0.8, "create": 0.5, "relax": 0.5,
               "story": 0.3},
              0.97, 0.35, 0.90, 0.30, 1.4, 0.6, 0.5, 0.02, 0.005, 0.25,
              0.45, 0.20, 0.75, 0.07, 0.015, 0.3),
    Archetype("upskiller", "职场提升", "career upskiller", 0.18,
              {"career": 2.0, "tech": 1.0, "strategy": 1.0, "language": 0.6, "relax": 0.4},
              0.97, 0.30, 0.90, 0.25, 1.2, 0.5, 0.4, 0.03, 0.005, 0.20,
              0.35, 0.15, 0.75, 0.08, 0.020, 0.1),
    Archetype("esports_fan", "电竞粉丝", "esports fan who also learns", 0.12,
              {"competitive": 3.0, "tech": 0.6, "create": 0.5, "strategy": 0.4},
              0.55, 0.99, 0.85, 0.95, 0.8, 1.1, 1.5, 0.10, 0.050, 0.60,
              0.25, 0.35, 0.85, 0.10, 0.030, 0.6),
    Archetype("casual_dual", "休闲双栖", "casual on both", 0.18,
              {"relax": 2.5, "story": 0.6, "create": 0.5, "strategy": 0.4, "career": 0.3},
              0.65, 0.75, 0.90, 0.40, 0.6, 0.7, 0.5, 0.04, 0.010, 0.30,
              0.30, 0.35, 0.70, 0.06, 0.010, 0.3),
    Archetype("viewer", "直播观众", "stream viewer", 0.15,
              {"competitive": 1.2, "relax": 1.0, "story": 0.8, "strategy": 0.5},
              0.20, 0.99, 0.40, 1.00, 0.5, 0.5, 1.6, 0.05, 0.060, 0.65,
              0.10, 0.25, 0.65, 0.05, 0.006, 0.6),
)


def loading_matrix(rows: tuple[dict[str, float], ...]) -> npt.NDArray[np.float64]:
    """Rows of topic loadings as a (len(rows), len(TOPICS)) matrix."""
    out = np.zeros((len(rows), len(TOPICS)))
    for i, row in enumerate(rows):
        for topic, weight in row.items():
            out[i, TOPICS.index(topic)] = weight
    return out


def archetype_alpha() -> npt.NDArray[np.float64]:
    """Dirichlet concentration per archetype over the topics (a 0.1 floor everywhere)."""
    out = np.full((len(ARCHETYPES), len(TOPICS)), 0.1)
    for a, arch in enumerate(ARCHETYPES):
        for topic, weight in arch.topic_alpha.items():
            out[a, TOPICS.index(topic)] += weight
    return out


def archetype_column(name: str) -> npt.NDArray[np.float64]:
    """One numeric attribute of every archetype, e.g. ``archetype_column("act_g")``."""
    return np.array([float(getattr(a, name)) for a in ARCHETYPES])


# --- rhythms -------------------------------------------------------------------------
# Relative weight of each local hour (0..23) for an activity; the night-owl variant is
# mixed in by each archetype's ``night`` value.
_HOURS_LEARN = (0.2, 0.1, 0.05, 0.03, 0.03, 0.05, 0.3, 0.8, 1.0, 0.9, 0.8, 0.8,
                1.2, 1.1, 0.8, 0.8, 0.8, 0.9, 1.2, 1.8, 2.4, 2.6, 2.0, 0.9)
_HOURS_PLAY = (1.0, 0.6, 0.3, 0.15, 0.1, 0.1, 0.2, 0.4, 0.5, 0.5, 0.6, 0.8,
               1.2, 1.0, 0.8, 0.8, 0.9, 1.1, 1.4, 1.8, 2.2, 2.5, 2.4, 1.7)
_HOURS_WATCH = (0.9, 0.5, 0.25, 0.1, 0.05, 0.05, 0.1, 0.2, 0.3, 0.35, 0.4, 0.5,
                0.7, 0.6, 0.5, 0.5, 0.6, 0.7, 1.0, 1.5, 2.8, 3.2, 3.2, 2.6)
_HOURS_NIGHT = (2.6, 2.2, 1.6, 1.0, 0.5, 0.2, 0.1, 0.1, 0.1, 0.2, 0.3, 0.5,
                0.8, 0.8, 0.7, 0.7, 0.8, 0.9, 1.1, 1.4, 1.8, 2.2, 2.6, 2.8)

ACTIVITIES: tuple[str, ...] = ("learn", "play", "watch")
_HOUR_BASE = {"learn": _HOURS_LEARN, "play": _HOURS_PLAY, "watch": _HOURS_WATCH}
#: how much of the night-owl curve each activity takes from an archetype's ``night``
_NIGHT_MIX = {"learn": 0.25, "play": 0.6, "watch": 0.35}

#: weekday weights Monday..Sunday per activity
WEEKDAY_WEIGHTS: dict[str, tuple[float, ...]] = {
    "learn": (1.0, 1.0, 1.0, 1.0, 0.9, 1.3, 1.35),
    "play": (0.9, 0.9, 0.9, 0.95, 1.1, 1.45, 1.4),
    "watch": (0.9, 0.9, 0.9, 0.95, 1.15, 1.35, 1.3),
}
#: National Day golden week (1–7 October) moves time from learning to play
GOLDEN_WEEK_FACTOR: dict[str, float] = {"learn": 0.8, "play": 1.4, "watch": 1.3}


def hour_profiles(activity: str) -> npt.NDArray[np.float64]:
    """(archetypes, 24) hour-of-day probabilities for ``activity``."""
    base = np.asarray(_HOUR_BASE[activity], dtype=np.float64)
    night = np.asarray(_HOURS_NIGHT, dtype=np.float64)
    base, night = base / base.sum(), night / night.sum()
    mix = archetype_column("night") * _NIGHT_MIX[activity]
    out = (1.0 - mix)[:, None] * base[None, :] + mix[:, None] * night[None, :]
    return np.asarray(out / out.sum(axis=1, keepdims=True), dtype=np.float64)


# --- prices and codes ----------------------------------------------------------------
#: item kinds of the knowledge catalog and their export codes (Chinese in the catalog)
KNOWLEDGE_KINDS: tuple[str, ...] = ("course", "audio", "ebook", "membership")
KNOWLEDGE_KIND_ZH: tuple[str, ...] = ("课程", "音频课", "电子书", "会员")
KNOWLEDGE_KIND_CODE: tuple[str, ...] = ("course", "audio", "ebook", "vip")

COURSE_PRICES_FEN = (0, 990, 1990, 4900, 9900, 19900, 29900, 59900, 99900)
COURSE_PRICE_P = (0.25, 0.08, 0.10, 0.14, 0.17, 0.12, 0.08, 0.04, 0.02)
AUDIO_PRICES_FEN = (0, 990, 1990, 4900, 9900, 19900)
AUDIO_PRICE_P = (0.3, 0.2, 0.2, 0.15, 0.1, 0.05)
EBOOK_PRICES_FEN = (0, 990, 1990, 2990, 4990)
EBOOK_PRICE_P = (0.25, 0.25, 0.25, 0.15, 0.1)
MEMBERSHIPS: tuple[tuple[str, str, int], ...] = (
    ("月度会员", "Monthly membership", 2500),
    ("季度会员", "Quarterly membership", 6800),
    ("年度会员", "Annual membership", 19800),
)

GAME_PAY_FEN = (600, 3000, 6800, 12800, 32800, 64800)
GAME_PAY_P = (0.35, 0.30, 0.15, 0.10, 0.07, 0.03)
GIFTS: tuple[tuple[str, int], ...] = (
    ("荧光棒", 10), ("小心心", 100), ("飞机", 10000), ("火箭", 50000), ("超级火箭", 200000),
)
GIFT_P = (0.55, 0.30, 0.10, 0.04, 0.01)
SUBSCRIBE_FEN = 3000

CHAT_PHRASES: tuple[str, ...] = (
    "666", "哈哈哈哈", "主播太强了", "gg", "这波操作可以", "求带", "学到了", "上分了",
    "加油!", "nice", "啊这", "前排", "2333", "太秀了", "下一把稳了", "主播玩的什么英雄",
    "来了来了", "好家伙", "这也行?", "冲冲冲", "晚上好", "打卡", "教练我想学", "牛",
)

KNOWLEDGE_DEVICES: tuple[str, ...] = ("android", "ios", "web", "mini_program")
KNOWLEDGE_DEVICE_P = (0.45, 0.30, 0.15, 0.10)
GAME_CLIENTS: tuple[str, ...] = ("android", "ios", "pc")
GAME_CLIENT_P = (0.62, 0.28, 0.10)
VIEW_CHANNELS: tuple[str, ...] = ("organic", "search", "recommend", "share")
VIEW_CHANNEL_P = (0.45, 0.25, 0.25, 0.05)

CAMPAIGN_ID = "cmp_autumn_learn"
CAMPAIGN_TITLE = "学习季 · 玩家专享课程券 / Learning season: course coupons for players"
