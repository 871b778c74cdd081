"""Live-stream behaviour for one chunk (pure numpy).

Viewers keep a few favourite streamers (interest-driven category, then a power-law
popularity inside it), watch mostly 20:00–24:00, chat in bullet comments (most never
do, a few a lot), gift rarely (1–5 % of viewers), follow and sometimes subscribe.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crossplay.synth import domain
from crossplay.synth.catalog import Streamers
from crossplay.synth.events import EventBlock, concat
from crossplay.synth.game import favourite, libraries
from crossplay.synth.people import People
from crossplay.synth.sampling import (
    SECONDS_PER_DAY,
    Calendar,
    FloatArray,
    IntArray,
    cap_daily,
    first_in_group,
    owners_of,
    pick,
    sample_times,
)

#: the streaming side's own event kinds
CODES: tuple[str, ...] = ("view", "danmu", "gift", "follow", "sub")
WATCH, CHAT, GIFT, FOLLOW, SUBSCRIBE = range(len(CODES))

WATCHES_PER_DAY = 1.4
MEDIAN_WATCH_S = 900.0
GIFTS_PER_WATCH = 0.35  # for gifters
P_FOLLOWED_BEFORE = 0.4
P_FOLLOW_NOW = 0.2
P_SUBSCRIBE = (0.02, 0.25)  # followers: non-gifter, gifter
MIN_CHATS_FOR_EDGE = 3
MAX_WATCH_PER_DAY_S = 10 * 3600


@dataclass(frozen=True)
class Aggregate:
    """Per (person, streamer) totals for the social graph."""

    person: IntArray
    streamer: IntArray
    total: FloatArray
    first_ts: IntArray


@dataclass(frozen=True)
class StreamResult:
    events: EventBlock
    follows: Aggregate  # every follow, including those made before the window
    gifts: Aggregate  # total in yuan
    chats: Aggregate  # message counts


def _aggregate(person: IntArray, streamer: IntArray, amount: FloatArray, ts: IntArray,
               n_streamers: int) -> Aggregate:
    key = person * n_streamers + streamer
    uniq, first, _ = first_in_group(key, ts)
    total = np.zeros(uniq.size)
    np.add.at(total, np.searchsorted(uniq, key), amount)
    return Aggregate(uniq // n_streamers, uniq % n_streamers, total, ts[first])


def simulate_stream(
    rng: np.random.Generator, people: People, streamers: Streamers, calendar: Calendar
) -> StreamResult:
    horizon = calendar.days * SECONDS_PER_DAY
    viewers = np.flatnonzero(people.watches)
    counts, starts, fav = libraries(rng, viewers, people.stream_pref, streamers.n,
                                    streamers.by_category.sample, 1.5, 10)
    span = people.g_hi[viewers] - people.g_lo[viewers]
    wrow = owners_of(rng.poisson(WATCHES_PER_DAY * people.act_s[viewers] * span))
    wp = viewers[wrow]
    star = favourite(rng, counts, starts, fav, wrow, 0.45)
    start = sample_times(rng, calendar, "watch", domain.hour_profiles("watch"),
                         people.arch[wp], people.g_lo[wp], people.g_hi[wp])
    raw = rng.lognormal(np.log(MEDIAN_WATCH_S), 1.0, wp.size)
    dur = cap_daily(wp, start, np.clip(raw, 30, 5 * 3600).astype(np.int64),
                    MAX_WATCH_PER_DAY_S)
    blocks = [EventBlock.make(wp, WATCH, start, item=star, value=dur)]

    k = np.minimum(rng.poisson(people.chat_rate[wp] * dur / 600.0), 300).astype(np.int64)
    o = owners_of(k)
    c_ts = start[o] + (rng.random(o.size) * dur[o]).astype(np.int64)
    blocks.append(EventBlock.make(wp[o], CHAT, c_ts, item=star[o],
                                  aux=rng.integers(0, len(domain.CHAT_PHRASES), o.size)))

    k = np.where(people.gifter[wp], rng.poisson(GIFTS_PER_WATCH, wp.size), 0).astype(np.int64)
    o = owners_of(k)
    tier = pick(rng, domain.GIFT_P, o.size)
    fen = np.asarray([g[1] for g in domain.GIFTS], dtype=np.int64)[tier]
    g_ts = start[o] + (rng.random(o.size) * dur[o]).astype(np.int64)
    blocks.append(EventBlock.make(wp[o], GIFT, g_ts, item=star[o], value=fen, aux=tier))

    # follows: per (viewer, favourite) — some before the window, some at the first watch
    uniq, first, _ = first_in_group(wp * streamers.n + star, start)
    f_person, f_star, f_first = uniq // streamers.n, uniq % streamers.n, start[first]
    fav_owner = viewers[owners_of(counts)]
    before = rng.random(fav.size) < P_FOLLOWED_BEFORE
    before_key = fav_owner[before] * streamers.n + fav[before]
    already = np.isin(uniq, before_key)
    now = ~already & (rng.random(uniq.size) < P_FOLLOW_NOW)
    n_now = int(now.sum())
    now_ts = f_first[now] + rng.integers(60, 1200, n_now)
    blocks.append(EventBlock.make(f_person[now], FOLLOW, now_ts, item=f_star[now]))
    followed = already | now
    sub = followed & (rng.random(uniq.size) < np.where(people.gifter[f_person],
                                                         P_SUBSCRIBE[1], P_SUBSCRIBE[0]))
    n_sub = int(sub.sum())
    blocks.append(EventBlock.make(f_person[sub], SUBSCRIBE,
                                  f_first[sub] + rng.integers(300, 3600, n_sub), item=f_star[sub],
                                  value=np.full(n_sub, domain.SUBSCRIBE_FEN, dtype=np.int64)))
    events = concat(blocks).before(horizon)

    pre_ts = -rng.integers(SECONDS_PER_DAY, 400 * SECONDS_PER_DAY, int(before.sum()))
    keep_now = now_ts < horizon
    fp = np.concatenate([fav_owner[before], f_person[now][keep_now]])
    fs = np.concatenate([fav[before], f_star[now][keep_now]])
    fts = np.concatenate([pre_ts, now_ts[keep_now]])
    follows = _aggregate(fp, fs, np.ones(fp.size), fts, streamers.n)
    gifts_sel = events.code == GIFT
    gifts = _aggregate(events.person[gifts_sel], events.item[gifts_sel],
                       events.value[gifts_sel] / 100.0, events.ts[gifts_sel], streamers.n)
    chats_sel = events.code == CHAT
    chats = _aggregate(events.person[chats_sel], events.item[chats_sel],
                       np.ones(int(chats_sel.sum())), events.ts[chats_sel], streamers.n)
    keep = chats.total >= MIN_CHATS_FOR_EDGE
    chats = Aggregate(chats.person[keep], chats.streamer[keep], chats.total[keep],
                      chats.first_ts[keep])
    return StreamResult(events, follows, gifts, chats)
