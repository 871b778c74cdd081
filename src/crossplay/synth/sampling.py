"""Vectorised sampling helpers (pure numpy, no I/O).

Every random draw of the generator goes through a ``numpy.random.Generator`` derived
from ``SeedSequence(entropy=seed, spawn_key=...)``: the catalog from ``(0,)``, chunk
``c`` from ``(1, c)``, then one child stream per concern (people, knowledge, ...), so
changing how one concern draws never shifts another's numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

SECONDS_PER_DAY = 86_400

#: one child stream per concern, in a fixed order (append new names at the end)
STREAMS: tuple[str, ...] = (
    "people", "consent", "campaign", "knowledge", "game", "stream", "social", "dirty",
)


def catalog_rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(0,)))


def chunk_rngs(seed: int, chunk: int) -> dict[str, np.random.Generator]:
    """Independent generators for chunk ``chunk``, one per name in ``STREAMS``."""
    parent = np.random.SeedSequence(entropy=seed, spawn_key=(1, chunk))
    return {
        name: np.random.default_rng(child)
        for name, child in zip(STREAMS, parent.spawn(len(STREAMS)), strict=True)
    }


def lognormal_mean1(rng: np.random.Generator, sigma: float, n: int) -> FloatArray:
    """Lognormal multipliers with mean 1 (heavy right tail for large ``sigma``)."""
    return rng.lognormal(-0.5 * sigma * sigma, sigma, n)


def owners_of(counts: IntArray) -> IntArray:
    """``[0, 0, 1, 2, 2, 2]`` for counts ``[2, 1, 3]``."""
    return np.repeat(np.arange(counts.size, dtype=np.int64), counts)


def rank_in_group(counts: IntArray) -> IntArray:
    """Position of each row inside its owner's block: ``[0, 1, 0, 0, 1, 2]``."""
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    return np.arange(total, dtype=np.int64) - np.repeat(starts, counts)


def rowwise_choice(
    rng: np.random.Generator, probs: FloatArray, owners: IntArray
) -> IntArray:
    """For each row ``r`` draw a column of ``probs[owners[r]]`` (rows need not sum to 1).

    One ``searchsorted`` over the row-offset cumulative sums; memory is
    ``probs.size + owners.size``, never ``owners.size * columns``.
    """
    n, k = probs.shape
    cdf = np.cumsum(probs, axis=1)
    cdf /= cdf[:, -1:]
    cdf[:, -1] = 1.0
    flat = (np.arange(n, dtype=np.float64)[:, None] + cdf).ravel()
    u = rng.random(owners.size)
    pos = np.searchsorted(flat, owners + u, side="right").astype(np.int64)
    return np.asarray(np.minimum(pos - owners * k, k - 1), dtype=np.int64)


@dataclass(frozen=True)
class SegmentSampler:
    """Draw an item from a segment (a category), weighted by popularity inside it.

    ``items`` are positions into the catalog sorted by segment; ``flat`` holds
    ``segment + within-segment cumulative weight`` so one ``searchsorted`` serves all.
    """

    items: IntArray
    flat: FloatArray
    seg_start: IntArray
    seg_end: IntArray

    @classmethod
    def build(cls, segments: IntArray, weights: FloatArray, n_segments: int) -> SegmentSampler:
        order = np.lexsort((np.arange(segments.size), segments)).astype(np.int64)
        seg = segments[order]
        w = weights[order]
        counts = np.bincount(seg, minlength=n_segments).astype(np.int64)
        if (counts == 0).any():
            missing = np.flatnonzero(counts == 0).tolist()
            raise ValueError(f"segments {missing} have no items; every segment needs one")
        seg_end = np.cumsum(counts)
        seg_start = seg_end - counts
        cum = np.cumsum(w)
        base = np.repeat(cum[seg_start] - w[seg_start], counts)
        total = np.repeat(cum[seg_end - 1] - cum[seg_start] + w[seg_start], counts)
        within = (cum - base) / total
        within[seg_end - 1] = 1.0
        return cls(order, seg.astype(np.float64) + within, seg_start, seg_end)

    def with_items(self, positions: IntArray) -> SegmentSampler:
        """The same sampler over a subset: ``positions`` maps subset rows to catalog rows."""
        return replace(self, items=positions[self.items].astype(np.int64))

    def sample(self, rng: np.random.Generator, segments: IntArray) -> IntArray:
        """Catalog positions, one per entry of ``segments``."""
        u = rng.random(segments.size)
        pos = np.searchsorted(self.flat, segments + u, side="right").astype(np.int64)
        pos = np.clip(pos, self.seg_start[segments], self.seg_end[segments] - 1)
        return self.items[pos]


@dataclass(frozen=True)
class Calendar:
    """Days of the world with a weight per activity (weekday rhythm, holidays)."""

    start: dt.date
    days: int
    #: per activity: cumulative normalised weights with a leading 0, length days + 1
    cum: dict[str, FloatArray]

    @classmethod
    def build(
        cls, start: dt.date, days: int, weekday: dict[str, tuple[float, ...]],
        golden_week: dict[str, float],
    ) -> Calendar:
        dates = [start + dt.timedelta(days=d) for d in range(days)]
        cum: dict[str, FloatArray] = {}
        for activity, weights in weekday.items():
            w = np.array([weights[d.weekday()] for d in dates], dtype=np.float64)
            holiday = np.array([d.month == 10 and d.day <= 7 for d in dates])
            w[holiday] *= golden_week[activity]
            c = np.concatenate([[0.0], np.cumsum(w)])
            cum[activity] = c / c[-1]
        return cls(start, days, cum)

    @property
    def epoch_day(self) -> int:
        """Days from 1970-01-01 to the first day (local calendar)."""
        return (self.start - dt.date(1970, 1, 1)).days

    def sample_days(
        self, rng: np.random.Generator, activity: str, lo: IntArray, hi: IntArray
    ) -> IntArray:
        """One day in ``[lo, hi)`` per row, weighted by the activity's rhythm."""
        c = self.cum[activity]
        a, b = c[lo], c[hi]
        u = a + (b - a) * rng.random(lo.size)
        day = np.searchsorted(c, u, side="right").astype(np.int64) - 1
        return np.clip(day, lo, np.maximum(hi - 1, lo))


def sample_times(
    rng: np.random.Generator, calendar: Calendar, activity: str, hour_probs: FloatArray,
    archetype: IntArray, lo: IntArray, hi: IntArray,
) -> IntArray:
    """Local wall-clock seconds since the world's start, one per row."""
    day = calendar.sample_days(rng, activity, lo, hi)
    hour = rowwise_choice(rng, hour_probs, archetype)
    return day * SECONDS_PER_DAY + hour * 3600 + rng.integers(0, 3600, size=day.size)


def pick(rng: np.random.Generator, p: tuple[float, ...], n: int) -> IntArray:
    """Indexes drawn from one fixed distribution."""
    probs = np.asarray(p, dtype=np.float64)
    return rng.choice(probs.size, size=n, p=probs / probs.sum()).astype(np.int64)


def first_in_group(keys: IntArray, ts: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Unique keys, the row of each key's earliest ``ts``, and rows per key."""
    order = np.lexsort((ts, keys))
    uniq, first, counts = np.unique(keys[order], return_index=True, return_counts=True)
    return uniq.astype(np.int64), order[first].astype(np.int64), counts.astype(np.int64)


def cummax_by_group(values: IntArray, counts: IntArray) -> IntArray:
    """Running maximum that restarts at each group (groups are consecutive rows)."""
    if values.size == 0:
        return values.copy()
    lo, hi = int(values.min()), int(values.max())
    span = hi - lo + 1
    group = owners_of(counts)
    shifted = (values - lo) + group * span
    return np.maximum.accumulate(shifted) - group * span + lo


def cumsum_in_group(values: IntArray, counts: IntArray) -> IntArray:
    """Inclusive running sum that restarts at each group (groups are consecutive rows)."""
    total = np.cumsum(values)
    before = total - values
    starts = np.cumsum(counts) - counts
    nz = counts > 0
    return np.asarray(total - np.repeat(before[starts[nz]], counts[nz]), dtype=np.int64)


def day_matrix_hits(
    rng: np.random.Generator, p: FloatArray, lo: IntArray, hi: IntArray, days: int,
    block: int = 64,
) -> tuple[IntArray, IntArray]:
    """Rows and days where a daily Bernoulli(p[row]) fires inside ``[lo, hi)``.

    Works through the days in blocks so memory stays at ``rows * block``.
    """
    rows_out: list[IntArray] = []
    days_out: list[IntArray] = []
    for d0 in range(0, days, block):
        d = np.arange(d0, min(days, d0 + block), dtype=np.int64)
        hit = rng.random((p.size, d.size)) < p[:, None]
        hit &= (d[None, :] >= lo[:, None]) & (d[None, :] < hi[:, None])
        r, c = np.nonzero(hit)
        rows_out.append(r.astype(np.int64))
        days_out.append(d[c])
    if not rows_out:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    rows, day = np.concatenate(rows_out), np.concatenate(days_out)
    order = np.lexsort((day, rows))
    return rows[order], day[order]


def daily_checkins(
    rng: np.random.Generator, rate: FloatArray, lo: IntArray, hi: IntArray, days: int,
    hours: FloatArray, arch: IntArray,
) -> tuple[IntArray, IntArray]:
    """Check-ins of people with a daily habit ``rate`` (0 = none) active in ``[lo, hi)``.

    Returns (person index, seconds since the window start) for every check-in; the hour
    of day follows the person's archetype profile ``hours[arch]``.
    """
    habit = np.flatnonzero(rate > 0)
    rows, day = day_matrix_hits(rng, rate[habit], lo[habit], hi[habit], days)
    person = habit[rows]
    ts = (day * SECONDS_PER_DAY + rowwise_choice(rng, hours, arch[person]) * 3600
          + rng.integers(0, 3600, person.size))
    return person, np.asarray(ts, dtype=np.int64)


def cap_daily(person: IntArray, ts: IntArray, dur: IntArray, cap_s: int) -> IntArray:
    """Shrink durations so no person's total on one day exceeds ``cap_s`` seconds."""
    if dur.size == 0:
        return dur
    key = person * 1_000_000 + ts // SECONDS_PER_DAY
    _, inv = np.unique(key, return_inverse=True)
    total = np.bincount(inv, weights=dur)
    scale = np.minimum(1.0, cap_s / np.maximum(total, 1.0))[inv]
    return np.maximum((dur * scale).astype(np.int64), 1)
