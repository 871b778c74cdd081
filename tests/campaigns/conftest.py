"""Fixtures: an operational database (SQLite and the real PostgreSQL) with the schema."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, delete

from crossplay.campaigns import tables as t
from crossplay.campaigns.postings import forget_accounts
from crossplay.opdb import ensure_schema, get_engine

#: children before parents (foreign keys)
_TABLES = (t.awards, t.lot_moves, t.redemptions, t.lots, t.postings, t.outbox, t.inbox,
           t.checkins, t.rewards, t.campaign_state, t.transactions, t.accounts)


def wipe(engine: Engine) -> None:
    forget_accounts()
    with engine.begin() as con:
        for table in _TABLES:
            con.execute(delete(table))


@pytest.fixture
def engine(op_db_url: str) -> Iterator[Engine]:
    eng = get_engine(op_db_url)
    ensure_schema(eng)
    yield eng
