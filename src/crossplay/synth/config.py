"""What to generate (``WorldConfig``) and what was generated (``GenerationReport``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from crossplay.core import clock
from crossplay.core.errors import ConfigError

MAX_PEOPLE = 100_000_000  # the knowledge id space: "K" + 8 digits
MAX_DAYS = 3_660
#: the world's local time zone (naive export times, local dates, the campaign window)
TIMEZONE = "Asia/Shanghai"


def recent_start(days: int, now: dt.datetime | None = None) -> dt.date:
    """First day of a window of ``days`` local days that ends *yesterday* (Asia/Shanghai).

    ``now`` defaults to :func:`crossplay.core.clock.now` (which honours ``CROSSPLAY_NOW``),
    so a world generated today looks like an export pulled this morning: its newest events
    are from yesterday, and expiry, churn and retention answer as of today.
    """
    instant = clock.now() if now is None else now
    if instant.tzinfo is None:
        raise ConfigError("recent_start needs an aware datetime", code="synth_naive_now")
    yesterday = instant.astimezone(ZoneInfo(TIMEZONE)).date() - dt.timedelta(days=1)
    return yesterday - dt.timedelta(days=days - 1)


@dataclass(frozen=True)
class WorldConfig:
    """A synthetic two-platform world.

    Parameters
    ----------
    people:
        Number of people (each uses one or both platforms).
    days:
        Length of the observed window in days, starting at ``start`` (local dates,
        Asia/Shanghai).
    seed:
        Everything is a function of the config: same config, byte-identical files.
    dirty_rate:
        Share of event rows broken on purpose (bad timestamp, negative value, unknown
        event type, missing user id).
    duplicate_rate:
        Share of event rows written twice (an exact copy with the same id).
    chunk_people:
        People simulated and written together; bounds memory. Part of the config: a
        different chunk size gives a different (equally valid) world.
    """

    people: int = 2000
    days: int = 30
    seed: int = 0
    start: dt.date = dt.date(2026, 9, 1)
    dirty_rate: float = 0.002
    duplicate_rate: float = 0.003
    chunk_people: int = 50_000

    @property
    def chunks(self) -> int:
        return -(-self.people // self.chunk_people)

    @property
    def last_day(self) -> dt.date:
        """The last local day of the window (inclusive)."""
        return self.start + dt.timedelta(days=self.days - 1)

    def validate(self) -> None:
        """Raise ``ConfigError`` naming the first setting to change."""
        if not 1 <= self.people <= MAX_PEOPLE:
            raise ConfigError(f"invalid world config: people must be 1..{MAX_PEOPLE:,}",
                              code="synth_config_people", params={"max": MAX_PEOPLE})
        if not 1 <= self.days <= MAX_DAYS:
            raise ConfigError(f"invalid world config: days must be 1..{MAX_DAYS}",
                              code="synth_config_days", params={"max": MAX_DAYS})
        if not self.seed >= 0:
            raise ConfigError("invalid world config: seed must be a non-negative integer",
                              code="synth_config_seed")
        if not isinstance(self.start, dt.date):
            raise ConfigError("invalid world config: start must be a date, e.g. 2026-09-01",
                              code="synth_config_start")
        if not 0.0 <= self.dirty_rate <= 0.5:
            raise ConfigError("invalid world config: dirty_rate must be between 0 and 0.5",
                              code="synth_config_dirty_rate")
        if not 0.0 <= self.duplicate_rate <= 0.5:
            raise ConfigError("invalid world config: duplicate_rate must be between 0 and 0.5",
                              code="synth_config_duplicate_rate")
        if not self.chunk_people >= 1:
            raise ConfigError("invalid world config: chunk_people must be at least 1",
                              code="synth_config_chunk_people")


@dataclass(frozen=True)
class GenerationReport:
    """What ``generate_world`` wrote.

    Attributes
    ----------
    out:
        The world directory.
    files:
        Relative path -> data rows written (exports and ground truth; a CSV header is
        not a row).
    people, chunks:
        Size of the world and number of chunks simulated.
    event_rows, dirty_rows, duplicate_rows:
        Event rows written over all event exports, of which broken on purpose and
        exact duplicates.
    expected_accepted:
        ``partner -> table -> rows`` ingest should accept (written - dirty - duplicates).
    seconds:
        Wall time of the generation.
    manifest:
        Path of ``manifest.json`` (per-file counts and the mapping of every source).
    """

    out: Path
    files: Mapping[str, int]
    people: int
    chunks: int
    event_rows: int
    dirty_rows: int
    duplicate_rows: int
    expected_accepted: Mapping[str, Mapping[str, int]]
    seconds: float
    manifest: Path
