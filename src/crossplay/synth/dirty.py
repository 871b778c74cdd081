"""Rows broken or doubled on purpose, so ingest has something to reject and dedupe.

A plan picks, per export file, ``Binomial(rows, dirty_rate)`` rows to break (each with
one reason) and ``Binomial(rows, duplicate_rate)`` *other* rows to write twice (an exact
copy right after the original, same event id). Broken rows are never duplicated, so the
accepted unique rows are exactly ``written - dirty - duplicates``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np

from crossplay.synth.events import EventBlock
from crossplay.synth.sampling import BoolArray, IntArray

Reason = Literal["bad_timestamp", "negative_value", "unknown_event_type", "missing_user"]
REASONS: tuple[Reason, ...] = (
    "bad_timestamp", "negative_value", "unknown_event_type", "missing_user",
)
BAD_TIMESTAMP, NEGATIVE_VALUE, UNKNOWN_EVENT_TYPE, MISSING_USER = range(len(REASONS))

#: impossible wall-clock times, as broken exporters write them. Each is refused by
#: Python, pandas, DuckDB *and* Arrow's strptime (Arrow rolls "2026-09-31" over to
#: 1 October, so day-of-month overflows alone are not used).
BAD_LOCAL_TIMES: tuple[str, ...] = (
    "2026-13-45 25:61:00", "0000-00-00 00:00:00", "2026-02-30 24:00:00",
    "2026-00-10 10:00:00", "9999-99-99 99:99:99",
)
BAD_ISO_TIMES: tuple[str, ...] = tuple(t.replace(" ", "T") + "+08:00" for t in BAD_LOCAL_TIMES)


@dataclass(frozen=True)
class Corruption:
    """Which rows of one file to break (and how) and which to write twice."""

    n: int
    dirty_rows: IntArray  # sorted
    reasons: IntArray  # index into REASONS, aligned with dirty_rows
    dup_rows: IntArray  # sorted, disjoint from dirty_rows

    def counts(self) -> dict[str, int]:
        c = np.bincount(self.reasons, minlength=len(REASONS))
        return {r: int(c[i]) for i, r in enumerate(REASONS)}

    @property
    def n_dirty(self) -> int:
        return int(self.dirty_rows.size)

    @property
    def n_duplicates(self) -> int:
        return int(self.dup_rows.size)

    def output_order(self) -> IntArray:
        """Row order to write: every row once, duplicated rows twice in a row."""
        times = np.ones(self.n, dtype=np.int64)
        times[self.dup_rows] = 2
        return np.repeat(np.arange(self.n, dtype=np.int64), times)

    def apply(self, events: EventBlock, order: IntArray, first_id: int) -> Rows:
        """The rows to write: ``events`` taken in ``order`` (the plan's row ``i`` is
        ``events[order[i]]``), duplicates in place, ids numbered from ``first_id``."""
        out = self.output_order()
        reason = np.full(self.n, -1, dtype=np.int64)
        reason[self.dirty_rows] = self.reasons
        ids = np.arange(first_id, first_id + self.n, dtype=np.int64)
        return Rows(events.select(order[out]), ids[out], reason[out])


@dataclass(frozen=True)
class Rows:
    """Event rows as written: duplicates in place, each with its id and break reason."""

    events: EventBlock
    ids: IntArray
    reason: IntArray  # index into REASONS, -1 for a clean row

    @property
    def n(self) -> int:
        return self.events.n

    def broken(self, reason: int) -> BoolArray:
        return np.asarray(self.reason == reason)

    def slices(self, size: int) -> Iterator[Rows]:
        for start in range(0, max(self.n, 1), size):
            rows = slice(start, start + size)
            yield Rows(self.events.select(rows), self.ids[rows], self.reason[rows])


def plan_corruption(
    rng: np.random.Generator, n: int, has_value: BoolArray, dirty_rate: float,
    duplicate_rate: float,
) -> Corruption:
    """A plan for a file of ``n`` rows; negative values only hit rows that carry a value."""
    n_dirty = int(rng.binomial(n, dirty_rate)) if n else 0
    n_dup = int(rng.binomial(n, duplicate_rate)) if n else 0
    n_dup = min(n_dup, n - n_dirty)
    chosen = rng.choice(n, size=n_dirty + n_dup, replace=False) if n else np.zeros(0, np.int64)
    dirty = np.sort(chosen[:n_dirty]).astype(np.int64)
    dup = np.sort(chosen[n_dirty:]).astype(np.int64)
    reasons = rng.integers(0, len(REASONS), n_dirty).astype(np.int64)
    no_value = (reasons == NEGATIVE_VALUE) & ~has_value[dirty]
    others = np.asarray([BAD_TIMESTAMP, UNKNOWN_EVENT_TYPE, MISSING_USER], dtype=np.int64)
    reasons[no_value] = others[rng.integers(0, others.size, int(no_value.sum()))]
    return Corruption(n, dirty, reasons, dup)

