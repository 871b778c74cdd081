"""The one source of "now" in crossplay.

Everything that asks what time it is (expiry, streaks, consent timestamps, audit entries,
artifact versions, run records) calls :func:`now` or :func:`now_us`, never
``datetime.now()`` / ``time.time()`` directly, so that tests and operators can move time:

- ``CROSSPLAY_NOW=2031-06-15T12:00:00Z`` in the environment makes the process (and every
  subprocess it starts, which inherits the environment) start its clock at that instant; the
  clock then runs on at the real rate, so durations and ordering stay real. A value without
  an offset is read as UTC. A malformed value is a :class:`ConfigError`, never ignored.
- :func:`use_clock` installs any :class:`Clock` for the duration of a ``with`` block
  (``FixedClock`` for a frozen instant, ``OffsetClock`` to run ahead); tests use it to say
  "before the expiry date" and "after it" explicitly.

Monotonic timers that only measure elapsed time (rate limits, timeouts, progress) are not
"now" and may keep using ``time.monotonic()``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from crossplay.core.errors import ConfigError

ENV_VAR = "CROSSPLAY_NOW"


class Clock(Protocol):
    """Anything that can tell the current instant as an aware UTC datetime."""

    def now(self) -> datetime: ...


@dataclass(frozen=True)
class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class FixedClock:
    """A clock frozen at one instant (``at`` must be timezone-aware)."""

    at: datetime

    def now(self) -> datetime:
        return self.at.astimezone(UTC)


@dataclass(frozen=True)
class OffsetClock:
    """The machine's clock shifted by ``offset`` (runs at the real rate)."""

    offset: timedelta

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


def parse_instant(text: str) -> datetime:
    """An ISO-8601 instant; naive values are UTC. Raises :class:`ConfigError` if malformed."""
    raw = text.strip()
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"{ENV_VAR}={text!r} is not an ISO-8601 instant; use e.g. 2031-06-15T12:00:00Z "
            f"or unset it to use the machine's clock",
            code="bad_clock", params={"var": ENV_VAR, "value": text}) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _from_environment() -> Clock:
    raw = os.environ.get(ENV_VAR, "").strip()
    if not raw:
        return SystemClock()
    start = parse_instant(raw)
    return OffsetClock(start - datetime.now(UTC))


_lock = threading.Lock()
_override: list[Clock] = []
_env_clock: tuple[str, Clock] | None = None


def current() -> Clock:
    """The clock in force: the innermost :func:`use_clock`, else the environment's."""
    global _env_clock
    if _override:
        return _override[-1]
    raw = os.environ.get(ENV_VAR, "")
    cached = _env_clock
    if cached is not None and cached[0] == raw:
        return cached[1]
    with _lock:
        clock = _from_environment()
        _env_clock = (raw, clock)
    return clock


def now() -> datetime:
    """The current instant, aware, in UTC."""
    return current().now()


def now_us() -> int:
    """The current instant in integer microseconds since the epoch (UTC)."""
    delta = now() - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def today_year() -> int:
    """The current year (UTC) by the clock in force."""
    return now().year


@contextmanager
def use_clock(clock: Clock) -> Iterator[Clock]:
    """Make ``clock`` the source of "now" inside the block (process-wide, nestable)."""
    with _lock:
        _override.append(clock)
    try:
        yield clock
    finally:
        with _lock:
            _override.remove(clock)


@contextmanager
def frozen(at: datetime | str) -> Iterator[Clock]:
    """Freeze "now" at ``at`` (a datetime or ISO-8601 text) inside the block."""
    instant = parse_instant(at) if isinstance(at, str) else at
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    with use_clock(FixedClock(instant)) as clock:
        yield clock
