"""People of one chunk: archetype, shared interests, which sides they use, how much.

Pure numpy. A person's interest vector over ``domain.TOPICS`` is drawn once and drives
their choices on *both* platforms; that shared cause is the cross-domain signal a model
can find. Activity is heavy-tailed: a per-person engagement level (lognormal, σ 0.8)
times a per-domain factor (lognormal, σ 0.6).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from crossplay.synth import domain, text
from crossplay.synth.sampling import (
    BoolArray,
    FloatArray,
    IntArray,
    lognormal_mean1,
    pick,
)

#: share of each side's users who are new (first seen inside the window)
NEW_SHARE = {"knowledge": 0.18, "game": 0.25}
#: share of existing users who leave at a random day inside the window
CHURN_SHARE = 0.06
#: cap on a person's activity multiplier (keeps the heaviest gamer near 10 h a day)
MAX_ACTIVITY = 4.0


@dataclass(frozen=True)
class People:
    """One chunk of people; row ``i`` is global person ``first + i``."""

    first: int
    arch: IntArray
    interest: FloatArray  # (n, topics), rows sum to 1
    uses_k: BoolArray
    uses_g: BoolArray
    plays: BoolArray
    watches: BoolArray
    act_k: FloatArray
    act_g: FloatArray
    act_s: FloatArray
    k_lo: IntArray  # active window [lo, hi) in days, per side
    k_hi: IntArray
    g_lo: IntArray
    g_hi: IntArray
    new_k: BoolArray
    new_g: BoolArray
    device: IntArray  # index into domain.KNOWLEDGE_DEVICES
    client: IntArray  # index into domain.GAME_CLIENTS
    payer: BoolArray
    gifter: BoolArray
    chat_rate: FloatArray  # bullet comments per 10 minutes watched
    checkin_k: FloatArray  # daily check-in probability (0 = no habit)
    checkin_g: FloatArray
    privacy: FloatArray  # latent openness: higher grants more consent
    cat_pref: FloatArray  # (n, course categories)
    genre_pref: FloatArray  # (n, genres)
    stream_pref: FloatArray  # (n, stream categories)
    k_uid: pa.Array
    g_uid: pa.Array

    @property
    def n(self) -> int:
        return int(self.arch.size)

    @property
    def global_index(self) -> IntArray:
        return np.arange(self.first, self.first + self.n, dtype=np.int64)

    @property
    def dual(self) -> BoolArray:
        return self.uses_k & self.uses_g


def preferences(
    interest: FloatArray, loadings: tuple[dict[str, float], ...], shares: tuple[float, ...]
) -> FloatArray:
    """P(category | person) ∝ share · (interest · loading + ε)^β, rows sum to 1."""
    fit = interest @ domain.loading_matrix(loadings).T + 0.02
    w = np.asarray(shares)[None, :] * fit ** domain.CHOICE_SHARPNESS
    return np.asarray(w / w.sum(axis=1, keepdims=True), dtype=np.float64)


def _windows(
    rng: np.random.Generator, n: int, days: int, new_share: float
) -> tuple[IntArray, IntArray, BoolArray]:
    """Active day windows. New users' stay follows a day-1 ≈ 45 %, day-7 ≈ 19 % curve."""
    lo = np.zeros(n, dtype=np.int64)
    hi = np.full(n, days, dtype=np.int64)
    new = rng.random(n) < new_share
    lo[new] = rng.integers(0, days, int(new.sum()))
    u = rng.random(n)
    stay = np.select(
        [u < 0.55, u < 0.81, u < 0.96],
        [np.ones(n, dtype=np.int64), rng.integers(2, 8, n), rng.integers(8, 31, n)],
        np.full(n, days + 1, dtype=np.int64),
    )
    hi[new] = np.minimum(days, lo[new] + stay[new])
    churn = ~new & (rng.random(n) < CHURN_SHARE)
    hi[churn] = rng.integers(1, days + 1, int(churn.sum()))
    return lo, hi, new


def draw_people(
    rng: np.random.Generator, first: int, n: int, days: int, seed: int
) -> People:
    """Draw ``n`` people starting at global index ``first``."""
    col = domain.archetype_column
    arch = pick(rng, tuple(a.share for a in domain.ARCHETYPES), n)
    gamma = rng.gamma(domain.archetype_alpha()[arch])
    interest = gamma / gamma.sum(axis=1, keepdims=True)

    p_k, p_g = col("p_knowledge")[arch], col("p_game_side")[arch]
    uses_k = rng.random(n) < p_k
    uses_g = rng.random(n) < p_g
    neither = ~uses_k & ~uses_g
    uses_k |= neither & (p_k >= p_g)
    uses_g |= neither & (p_k < p_g)
    p_play, p_watch = col("p_play")[arch], col("p_watch")[arch]
    plays = uses_g & (rng.random(n) < p_play)
    watches = uses_g & (rng.random(n) < p_watch)
    idle = uses_g & ~plays & ~watches
    plays |= idle & (p_play >= p_watch)
    watches |= idle & (p_play < p_watch)

    engagement = lognormal_mean1(rng, 0.8, n)
    act_k, act_g, act_s = (
        col(name)[arch] * np.minimum(engagement * lognormal_mean1(rng, 0.6, n), MAX_ACTIVITY)
        for name in ("act_k", "act_g", "act_s")
    )
    k_lo, k_hi, new_k = _windows(rng, n, days, NEW_SHARE["knowledge"])
    g_lo, g_hi, new_g = _windows(rng, n, days, NEW_SHARE["game"])

    chatty = rng.random(n) < col("p_chatty")[arch]
    chat_rate = np.where(chatty, rng.lognormal(np.log(0.6), 1.0, n), 0.0)
    habit_k = rng.random(n) < col("p_checkin_k")[arch]
    habit_g = rng.random(n) < col("p_checkin_g")[arch]
    gindex = np.arange(first, first + n, dtype=np.int64)
    return People(
        first=first, arch=arch, interest=interest,
        uses_k=uses_k, uses_g=uses_g, plays=plays, watches=watches,
        act_k=act_k, act_g=act_g, act_s=act_s,
        k_lo=k_lo, k_hi=k_hi, g_lo=g_lo, g_hi=g_hi, new_k=new_k & uses_k, new_g=new_g & uses_g,
        device=pick(rng, domain.KNOWLEDGE_DEVICE_P, n),
        client=pick(rng, domain.GAME_CLIENT_P, n),
        payer=plays & (rng.random(n) < col("p_payer")[arch]),
        gifter=watches & (rng.random(n) < col("p_gifter")[arch]),
        chat_rate=chat_rate,
        checkin_k=np.where(habit_k & uses_k, rng.uniform(0.3, 0.95, n), 0.0),
        checkin_g=np.where(habit_g & uses_g, rng.uniform(0.3, 0.95, n), 0.0),
        privacy=rng.normal(0.0, 1.0, n),
        cat_pref=preferences(interest, domain.COURSE_LOADINGS, domain.COURSE_CATEGORY_SHARE),
        genre_pref=preferences(interest, domain.GENRE_LOADINGS, domain.GENRE_SHARE),
        stream_pref=preferences(interest, domain.STREAM_LOADINGS, domain.STREAM_CATEGORY_SHARE),
        k_uid=text.knowledge_uids(gindex, seed),
        g_uid=text.game_uids(gindex, seed),
    )
