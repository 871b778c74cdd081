"""Consent decisions on each side and the account bindings they allow (pure numpy).

Every user of a side has, with 93 % probability, a first decision per purpose at
sign-up (existing users: up to two years before the window; new users: on their first
day). A few decisions change inside the window (a grant withdrawn, a refusal turned
into a grant), so the latest decision is what counts. A person's latent ``privacy``
openness is shared by both sides, so linking consent correlates across partners.

A dual user binds accounts only at a moment when *both* sides' linking consent is
granted; withdrawing linking consent later unbinds, and a few users unbind on their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crossplay.schema.tables import PURPOSES
from crossplay.synth import domain
from crossplay.synth.people import People
from crossplay.synth.sampling import SECONDS_PER_DAY, BoolArray, IntArray

#: base grant probability per purpose (linking, personalisation, marketing)
BASE_GRANT = (0.55, 0.78, 0.35)
#: chance a first decision changes inside the window: withdraw a grant, grant a refusal
WITHDRAW = (0.04, 0.02, 0.06)
LATE_GRANT = (0.05, 0.04, 0.03)
RECORDED_SHARE = 0.93
NEVER = np.iinfo(np.int64).max
UNBIND_SHARE = 0.04


@dataclass(frozen=True)
class SideConsents:
    """One side's decisions as per-person-per-purpose state plus the export rows."""

    recorded: BoolArray  # (n,) the person has decisions on this side
    first_granted: BoolArray  # (n, purposes)
    first_ts: IntArray  # (n,) seconds from the window start (negative = before)
    change_ts: IntArray  # (n, purposes) NEVER when unchanged
    channel: IntArray  # (n,) index into the side's channel list

    def granted_at(self, purpose: int, ts: IntArray, rows: IntArray | None = None) -> BoolArray:
        """Whether ``purpose`` is granted at time ``ts`` (one ts per selected row)."""
        sel = slice(None) if rows is None else rows
        first = self.first_granted[sel, purpose]
        decided = self.recorded[sel] & (self.first_ts[sel] <= ts)
        changed = self.change_ts[sel, purpose] <= ts
        return np.asarray(decided & (first ^ changed), dtype=np.bool_)

    def rows(self) -> tuple[IntArray, IntArray, BoolArray, IntArray, IntArray]:
        """Export rows ``(person, purpose, granted, ts, channel)``, first decisions first."""
        n, k = self.first_granted.shape
        person = np.repeat(np.arange(n, dtype=np.int64), k)
        purpose = np.tile(np.arange(k, dtype=np.int64), n)
        rec = self.recorded[person]
        ts = self.first_ts[person]
        granted = self.first_granted.ravel()
        ch = self.change_ts.ravel() != NEVER
        p2, k2 = person[ch], purpose[ch]
        return (
            np.concatenate([person[rec], p2]),
            np.concatenate([purpose[rec], k2]),
            np.concatenate([granted[rec], ~granted[ch]]),
            np.concatenate([ts[rec], self.change_ts.ravel()[ch]]),
            np.concatenate([self.channel[person[rec]], self.channel[p2]]),
        )


def draw_side(
    rng: np.random.Generator, people: People, uses: BoolArray, lo_day: IntArray,
    new: BoolArray, days: int, n_channels: int,
) -> SideConsents:
    n, k = people.n, len(PURPOSES)
    recorded = uses & (rng.random(n) < RECORDED_SHARE)
    logit = np.log(np.asarray(BASE_GRANT) / (1 - np.asarray(BASE_GRANT)))
    z = logit[None, :] + 1.3 * people.privacy[:, None] + rng.normal(0.0, 0.7, (n, k))
    first_granted = rng.random((n, k)) < 1.0 / (1.0 + np.exp(-z))
    before = -rng.integers(SECONDS_PER_DAY, 730 * SECONDS_PER_DAY, n)
    on_first_day = lo_day * SECONDS_PER_DAY + rng.integers(0, 3600 * 12, n)
    first_ts = np.where(new, on_first_day, before)
    horizon = days * SECONDS_PER_DAY
    p_change = np.where(first_granted, np.asarray(WITHDRAW)[None, :],
                        np.asarray(LATE_GRANT)[None, :])
    change = recorded[:, None] & (rng.random((n, k)) < p_change)
    earliest = np.maximum(first_ts, 0)[:, None] + 60
    span = np.maximum(horizon - earliest, 1)
    at = earliest + (rng.random((n, k)) * span).astype(np.int64)
    change &= at < horizon
    change_ts = np.where(change, at, NEVER)
    return SideConsents(recorded, first_granted, first_ts, change_ts,
                        rng.integers(0, n_channels, n))


@dataclass(frozen=True)
class Bindings:
    person: IntArray  # one row per bind / unbind
    unbind: BoolArray
    ts: IntArray
    via: IntArray
    bound_at: IntArray  # (n,) NEVER when never bound
    unbound_at: IntArray  # (n,) NEVER when not unbound


BIND_CHANNELS: tuple[str, ...] = ("app_scan", "sms_verify", "oauth")


def draw_bindings(
    rng: np.random.Generator, people: People, k_side: SideConsents, g_side: SideConsents,
    days: int,
) -> Bindings:
    n = people.n
    horizon = days * SECONDS_PER_DAY
    link = PURPOSES.index("linking")
    start = np.maximum(k_side.first_ts, g_side.first_ts) + 3600
    span = np.maximum(horizon - start, 1)
    tb = start + (rng.random(n) * span).astype(np.int64)
    p_bind = domain.archetype_column("p_bind")[people.arch]
    ok = (people.dual & k_side.granted_at(link, tb) & g_side.granted_at(link, tb)
          & (rng.random(n) < p_bind) & (tb < horizon))
    withdrawn = np.minimum(k_side.change_ts[:, link], g_side.change_ts[:, link])
    forced = ok & (withdrawn > tb) & (withdrawn < horizon)
    own = ok & ~forced & (rng.random(n) < UNBIND_SHARE)
    own_at = tb + (rng.random(n) * np.maximum(horizon - tb, 1)).astype(np.int64)
    unbound_at = np.where(forced, withdrawn + rng.integers(1, 600, n),
                          np.where(own, own_at, NEVER))
    unbound_at = np.where(unbound_at < horizon, unbound_at, NEVER)
    bound_at = np.where(ok, tb, NEVER)
    b = np.flatnonzero(ok)
    u = np.flatnonzero(unbound_at != NEVER)
    via = rng.integers(0, len(BIND_CHANNELS), n)
    return Bindings(
        person=np.concatenate([b, u]),
        unbind=np.concatenate([np.zeros(b.size, bool), np.ones(u.size, bool)]),
        ts=np.concatenate([bound_at[b], unbound_at[u]]),
        via=np.concatenate([via[b], via[u]]),
        bound_at=bound_at, unbound_at=unbound_at,
    )

