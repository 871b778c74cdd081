"""The shared watermark check: one query serves a group, never a query that predates a
caller (a change committed before a request must be seen by it)."""

from __future__ import annotations

import asyncio

import pytest

from crossplay.recommend.consent_view import Watermark
from crossplay.recommend.live import SharedCheck


def test_one_query_serves_everyone_waiting_and_none_is_older_than_its_caller() -> None:
    async def main() -> None:
        value = [0]
        started: list[int] = []

        async def read() -> Watermark:
            started.append(value[0])
            seen = value[0]
            await asyncio.sleep(0.05)
            return (seen, 0)

        check = SharedCheck(read)
        first = asyncio.create_task(check())
        await asyncio.sleep(0.01)  # the first query runs; a change is committed now
        value[0] = 1
        late = [asyncio.create_task(check()) for _ in range(50)]
        assert await first == (0, 0)
        # the 50 callers arrived after the change: one new query answers all of them
        assert [await t for t in late] == [(1, 0)] * 50
        assert check.queries == 2 and started == [0, 1]
        assert await check() == (1, 0) and check.queries == 3

    asyncio.run(main())


def test_a_failed_query_fails_its_waiters_and_the_next_one_runs() -> None:
    async def main() -> None:
        calls = [0]

        async def read() -> Watermark:
            calls[0] += 1
            await asyncio.sleep(0.01)
            if calls[0] == 1:
                raise RuntimeError("database gone")
            return (7, 7)

        check = SharedCheck(read)
        with pytest.raises(RuntimeError):
            await check()
        assert await check() == (7, 7)

    asyncio.run(main())
