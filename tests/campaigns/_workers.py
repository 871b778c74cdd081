"""Worker processes for the concurrency tests (importable, for the ``spawn`` start method)."""

from __future__ import annotations

from typing import Any

from crossplay.campaigns.errors import LedgerError
from crossplay.campaigns.ledger import Ledger
from crossplay.campaigns.redemption import reserve
from crossplay.opdb import get_engine


def double_submit(url: str, keys: list[str], barrier: Any) -> list[bool]:
    """Submit every key (twice); returns, per submission, whether it was a replay."""
    ledger = Ledger(get_engine(url))
    barrier.wait()
    out = []
    for key in keys:
        for _ in range(2):
            person = f"p{int(key.rsplit('-', 1)[1]) % 5}"
            out.append(ledger.earn(key, person, "CPP", 7).replayed)
    return out


def race_for_stock(url: str, person: str, barrier: Any) -> str:
    ledger = Ledger(get_engine(url))
    barrier.wait()
    try:
        reserve(ledger, f"reserve-{person}", "c1", "mug", person)
    except LedgerError as exc:
        return exc.code
    return "ok"
