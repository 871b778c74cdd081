"""Per-key session limits: how many sessions a key may hold open, and start per hour.

Limits are counted per authenticated key, never globally and never per unauthenticated
caller: a request without a valid key is refused before it reaches a limiter, so nobody
can use up a partner's allowance without that partner's key. Time here is a monotonic
timer (elapsed time, not "now"; see :mod:`crossplay.core.clock`), injectable for tests.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

from crossplay.core.errors import CrossplayError


class RateLimited(CrossplayError):
    """Too many sessions for this key (HTTP 429); ``retry_after`` in seconds."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None,
                 params: Mapping[str, object] | None = None) -> None:
        super().__init__(message, code=code, params=params)
        self.retry_after = retry_after


class SessionLimiter:
    """Admit sessions per key: at most ``concurrent`` open and ``per_hour`` started in
    any sliding window of ``window_s`` seconds.

    >>> lim = SessionLimiter(per_hour=2, concurrent=1)
    >>> lim.acquire("k1"); lim.release("k1"); lim.acquire("k1")
    >>> lim.acquire("k2")  # another key has its own allowance
    """

    def __init__(self, per_hour: int, concurrent: int, *, window_s: float = 3600.0,
                 timer: Callable[[], float] = time.monotonic) -> None:
        if per_hour < 1 or concurrent < 1:
            raise ValueError("limits must be at least 1")
        self.per_hour, self.concurrent, self.window_s = per_hour, concurrent, window_s
        self._timer = timer
        self._lock = threading.Lock()
        self._started: dict[str, deque[float]] = {}
        self._open: dict[str, int] = {}

    def acquire(self, key_id: str) -> None:
        """Count one new session for ``key_id`` or raise :class:`RateLimited`."""
        with self._lock:
            now = self._timer()
            started = self._started.setdefault(key_id, deque())
            while started and now - started[0] >= self.window_s:
                started.popleft()
            if self._open.get(key_id, 0) >= self.concurrent:
                raise RateLimited(
                    f"this key already has {self.concurrent} open session(s): finish or "
                    "abandon one (sessions expire when idle)", retry_after=30,
                    code="rate_open_sessions", params={"n": self.concurrent})
            if len(started) >= self.per_hour:
                wait = math.ceil(self.window_s - (now - started[0]))
                raise RateLimited(
                    f"this key started {self.per_hour} sessions in the last "
                    f"{self.window_s / 3600:g} hour(s): try again in {wait} s",
                    retry_after=max(wait, 1), code="rate_sessions_per_hour",
                    params={"n": self.per_hour, "hours": self.window_s / 3600,
                            "wait": wait})
            started.append(now)
            self._open[key_id] = self._open.get(key_id, 0) + 1

    def release(self, key_id: str) -> None:
        """One session of ``key_id`` ended (finished, failed or expired)."""
        with self._lock:
            left = self._open.get(key_id, 0) - 1
            if left > 0:
                self._open[key_id] = left
            else:
                self._open.pop(key_id, None)

    def open_sessions(self, key_id: str) -> int:
        with self._lock:
            return self._open.get(key_id, 0)


class RequestLimiter:
    """Requests per key: a token bucket of ``burst`` tokens refilled at ``rate`` per second.

    Each worker process holds its own buckets, so ``crossplay serve --workers N`` gives
    every worker ``rate / N`` and ``burst / N`` (a key's total stays what the settings say,
    whichever worker its connections land on).

    >>> t = [0.0]
    >>> lim = RequestLimiter(rate=1.0, burst=2, timer=lambda: t[0])
    >>> lim.take("k"); lim.take("k")
    >>> try:
    ...     lim.take("k")
    ... except RateLimited as exc:
    ...     exc.retry_after
    1
    >>> t[0] = 1.0; lim.take("k")  # a second later, one token is back
    """

    def __init__(self, rate: float, burst: int, *,
                 timer: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate, self.burst = rate, float(burst)
        self._timer = timer
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def take(self, key_id: str) -> None:
        """Spend one token of ``key_id`` or raise :class:`RateLimited` (with the wait)."""
        with self._lock:
            now = self._timer()
            tokens, at = self._buckets.get(key_id, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens < 1.0:
                self._buckets[key_id] = (tokens, now)
                wait = max(1, math.ceil((1.0 - tokens) / self.rate))
                raise RateLimited(
                    f"this key sent more than {self.rate:g} requests per second: slow down "
                    f"and retry after {wait} s", retry_after=wait, code="rate_requests",
                    params={"rate": self.rate, "wait": wait})
            self._buckets[key_id] = (tokens - 1.0, now)
