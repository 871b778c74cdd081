"""The game side's social graph for one chunk (pure numpy).

User-to-user edges (friend, chat, team, invite, gift, follow) are drawn *within the
chunk*: people are lined up by (archetype, strongest topic, random) and 55 % of edges
go to someone a few places away in that line — homophily — the rest to anyone in the
chunk. Degrees are lognormal (a few very connected people). Edges to streamers are the
follows, gift totals and chat counts from the stream simulation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crossplay.schema.tables import SOCIAL_KINDS
from crossplay.synth import domain
from crossplay.synth.people import People
from crossplay.synth.sampling import (
    SECONDS_PER_DAY,
    BoolArray,
    Calendar,
    FloatArray,
    IntArray,
    owners_of,
    pick,
)
from crossplay.synth.stream import Aggregate, StreamResult

#: mix of kinds on user-to-user edges (order of SOCIAL_KINDS)
USER_KIND_P: dict[str, float] = {
    "follow": 0.04, "friend": 0.45, "gift": 0.05, "chat": 0.20, "invite": 0.06, "team": 0.20,
}
P_LOCAL = 0.55
MEDIAN_DEGREE = 2.5
MAX_DEGREE = 60
P_FRIEND_BEFORE = 0.6


@dataclass(frozen=True)
class Edges:
    src: IntArray  # person row
    dst: IntArray  # person row, or streamer position when ``to_streamer``
    to_streamer: BoolArray
    kind: IntArray  # index into SOCIAL_KINDS
    weight: FloatArray
    ts: IntArray  # seconds from the window start (negative = before)

    @property
    def n(self) -> int:
        return int(self.src.size)


def _streamer_edges(agg: Aggregate, kind: str) -> Edges:
    n = agg.person.size
    return Edges(agg.person, agg.streamer, np.ones(n, bool),
                 np.full(n, SOCIAL_KINDS.index(kind), dtype=np.int64),
                 np.round(agg.total, 2), agg.first_ts)


def draw_social(
    rng: np.random.Generator, people: People, stream: StreamResult, calendar: Calendar
) -> Edges:
    horizon = calendar.days * SECONDS_PER_DAY
    members = np.flatnonzero(people.uses_g)
    m = members.size
    parts: list[Edges] = []
    if m >= 2:
        top = people.interest[members].argmax(axis=1)
        line = np.lexsort((rng.random(m), top, people.arch[members]))
        place = np.empty(m, dtype=np.int64)
        place[line] = np.arange(m)
        degree = np.minimum(rng.lognormal(np.log(MEDIAN_DEGREE), 0.9, m), MAX_DEGREE)
        src_row = owners_of(degree.astype(np.int64))
        e = src_row.size
        step = (1 + rng.geometric(0.15, e)) * np.where(rng.random(e) < 0.5, -1, 1)
        near = np.clip(place[src_row] + step, 0, m - 1)
        far = rng.integers(0, m, e)
        dst_row = line[np.where(rng.random(e) < P_LOCAL, near, far)]
        ok = dst_row != src_row
        src, dst = members[src_row[ok]], members[dst_row[ok]]
        n = src.size
        kind = pick(rng, tuple(USER_KIND_P[k] for k in SOCIAL_KINDS), n)
        weight = np.ones(n)
        chat = kind == SOCIAL_KINDS.index("chat")
        weight[chat] = 1 + rng.poisson(5.0, int(chat.sum()))
        team = kind == SOCIAL_KINDS.index("team")
        weight[team] = 1 + rng.poisson(3.0, int(team.sum()))
        gift = kind == SOCIAL_KINDS.index("gift")
        gift_fen = np.asarray([g[1] for g in domain.GIFTS])
        weight[gift] = gift_fen[pick(rng, domain.GIFT_P, int(gift.sum()))] / 100.0
        ts = rng.integers(0, horizon, n)
        old = (kind == SOCIAL_KINDS.index("friend")) & (rng.random(n) < P_FRIEND_BEFORE)
        ts[old] = -rng.integers(SECONDS_PER_DAY, 365 * SECONDS_PER_DAY, int(old.sum()))
        parts.append(Edges(src, dst, np.zeros(n, bool), kind, weight, ts))
    parts += [
        _streamer_edges(stream.follows, "follow"),
        _streamer_edges(stream.gifts, "gift"),
        _streamer_edges(stream.chats, "chat"),
    ]
    edges = Edges(*(np.concatenate([getattr(p, f) for p in parts])
                    for f in ("src", "dst", "to_streamer", "kind", "weight", "ts")))
    span = int(max(people.n, int(edges.dst.max(initial=0)) + 1))
    key = ((edges.src * span + edges.dst) * 2 + edges.to_streamer) * len(SOCIAL_KINDS) + edges.kind
    _, keep = np.unique(key, return_index=True)
    keep.sort()
    return Edges(edges.src[keep], edges.dst[keep], edges.to_streamer[keep], edges.kind[keep],
                 edges.weight[keep], edges.ts[keep])
