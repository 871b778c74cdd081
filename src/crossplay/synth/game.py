"""Game-platform behaviour for one chunk (pure numpy).

Each player keeps a small library of games picked by interest and popularity, plays
sessions (lognormal length, longer for night owls and MOBA/RPG), clears levels, earns
achievements, buys items now and then (payers much more often), and checks in daily if
that is their habit.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from crossplay.synth import domain
from crossplay.synth.catalog import Games
from crossplay.synth.events import EventBlock, concat
from crossplay.synth.people import People
from crossplay.synth.sampling import (
    SECONDS_PER_DAY,
    Calendar,
    FloatArray,
    IntArray,
    cap_daily,
    daily_checkins,
    owners_of,
    pick,
    rank_in_group,
    rowwise_choice,
    sample_times,
)

#: the game partner's own action codes
CODES: tuple[str, ...] = ("session_end", "stage_clear", "achv", "pay", "daily_sign")
SESSION, STAGE, ACHIEVEMENT, PAY, SIGN = range(len(CODES))

SESSIONS_PER_DAY = 2.0
MEDIAN_SESSION_S = 1080.0
STAGE_EVERY_S = 1500.0
P_ACHIEVEMENT = 0.05
P_PAY = (0.002, 0.07)  # per session: non-payer, payer
N_SKUS = 40
N_ACHIEVEMENTS = 60
MAX_PLAY_PER_DAY_S = 12 * 3600  # the heaviest players, not more


def libraries(
    rng: np.random.Generator, owners: IntArray, prefs: FloatArray, n_items: int,
    sample: Callable[[np.random.Generator, IntArray], IntArray], mean_extra: float, cap: int,
) -> tuple[IntArray, IntArray, IntArray]:
    """Distinct favourite items per owner: ``(counts, starts, items)`` in owner order."""
    want = np.clip(1 + rng.poisson(mean_extra, owners.size), 1, cap).astype(np.int64)
    rows = owners_of(want)
    segs = rowwise_choice(rng, prefs, owners[rows])
    items = sample(rng, segs)
    key = rows * n_items + items
    _, keep = np.unique(key, return_index=True)
    rows, items = rows[keep], items[keep]
    counts = np.bincount(rows, minlength=owners.size).astype(np.int64)
    return counts, np.cumsum(counts) - counts, items.astype(np.int64)


def favourite(rng: np.random.Generator, counts: IntArray, starts: IntArray, items: IntArray,
              rows: IntArray, p_first: float) -> IntArray:
    """For each activity row of owner ``rows[i]``, one of the owner's items (first ones
    more often: a geometric slot)."""
    slot = np.minimum(rng.geometric(p_first, rows.size) - 1, counts[rows] - 1)
    return items[starts[rows] + slot]


def simulate_game(
    rng: np.random.Generator, people: People, games: Games, calendar: Calendar
) -> EventBlock:
    horizon = calendar.days * SECONDS_PER_DAY
    hours = domain.hour_profiles("play")
    players = np.flatnonzero(people.plays)
    counts, starts, lib = libraries(rng, players, people.genre_pref, games.n,
                                    games.by_genre.sample, 0.9, 5)
    span = people.g_hi[players] - people.g_lo[players]
    srow = owners_of(rng.poisson(SESSIONS_PER_DAY * people.act_g[players] * span))
    sp = players[srow]
    game = favourite(rng, counts, starts, lib, srow, 0.55)
    start = sample_times(rng, calendar, "play", hours, people.arch[sp],
                         people.g_lo[sp], people.g_hi[sp])
    night = domain.archetype_column("night")[people.arch[sp]]
    raw = rng.lognormal(np.log(MEDIAN_SESSION_S), 0.8, sp.size)
    raw = raw * games.session_factor[game] * (1 + 0.4 * night)
    dur = np.clip(raw, 60, 6 * 3600).astype(np.int64)
    dur = cap_daily(sp, start, dur, MAX_PLAY_PER_DAY_S)
    blocks = [EventBlock.make(sp, SESSION, start + dur, item=game, value=dur)]

    k = rng.poisson(dur / STAGE_EVERY_S)
    owner = owners_of(k.astype(np.int64))
    lp, lgame = sp[owner], game[owner]
    lts = start[owner] + (rng.random(owner.size) * dur[owner]).astype(np.int64)
    key = lp * games.n + lgame
    uniq, inv = np.unique(key, return_inverse=True)
    base = np.where(people.new_g[uniq // games.n], 0, rng.integers(0, 150, uniq.size))
    order = np.lexsort((lts, inv))
    rank = np.empty(owner.size, dtype=np.int64)
    rank[order] = rank_in_group(np.bincount(inv, minlength=uniq.size).astype(np.int64))
    blocks.append(EventBlock.make(lp, STAGE, lts, item=lgame, aux=base[inv] + rank + 1,
                                  value=rng.integers(45, 900, owner.size)))

    ach = rng.random(sp.size) < P_ACHIEVEMENT
    blocks.append(EventBlock.make(
        sp[ach], ACHIEVEMENT, start[ach] + (rng.random(int(ach.sum())) * dur[ach]).astype(np.int64),
        item=game[ach], aux=rng.integers(1, N_ACHIEVEMENTS + 1, int(ach.sum()))))
    pay = rng.random(sp.size) < np.where(people.payer[sp], P_PAY[1], P_PAY[0])
    n_pay = int(pay.sum())
    amount = np.asarray(domain.GAME_PAY_FEN, dtype=np.int64)[pick(rng, domain.GAME_PAY_P, n_pay)]
    blocks.append(EventBlock.make(
        sp[pay], PAY, start[pay] + (rng.random(n_pay) * dur[pay]).astype(np.int64),
        item=game[pay], value=amount, aux=rng.integers(1, N_SKUS + 1, n_pay)))

    cp, c_ts = daily_checkins(rng, people.checkin_g, people.g_lo, people.g_hi,
                              calendar.days, hours, people.arch)
    blocks.append(EventBlock.make(cp, SIGN, c_ts))
    return concat(blocks).before(horizon)
