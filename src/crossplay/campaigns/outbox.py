"""The outbox: messages to partners, delivered at least once, consumed exactly once.

Messages are written in the same transaction as the change they announce (a confirmed
redemption), so a message exists if and only if the change committed. :func:`deliver` hands
pending messages to a sender and marks them delivered only after the sender returned: a
crash in between delivers the message again (at-least-once). The receiving side uses
:func:`consume_once`, which records the message key in the inbox table in the same
transaction as its own effect, so a redelivered message has no second effect.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from crossplay.campaigns import tables as t
from crossplay.campaigns.ledger import run_retrying
from crossplay.campaigns.postings import insert_ignoring_duplicates, now_us


@dataclass(frozen=True)
class Message:
    id: int
    topic: str
    partner: str
    key: str
    payload: dict[str, Any]


def pending(engine: Engine, *, partner: str | None = None, limit: int = 100) -> list[Message]:
    """Undelivered messages, oldest first."""
    q = (select(t.outbox.c.id, t.outbox.c.topic, t.outbox.c.partner, t.outbox.c.message_key,
                t.outbox.c.payload).where(t.outbox.c.delivered_at.is_(None))
         .order_by(t.outbox.c.id).limit(limit))
    if partner is not None:
        q = q.where(t.outbox.c.partner == partner)
    with engine.connect() as con:
        rows = con.execute(q).all()
    return [Message(int(r[0]), str(r[1]), str(r[2]), str(r[3]), json.loads(r[4]))
            for r in rows]


def deliver(engine: Engine, send: Callable[[Message], None], *,
            partner: str | None = None, limit: int = 100) -> int:
    """Send pending messages one by one; each is marked delivered after ``send`` returns.

    An exception from ``send`` counts an attempt and stops the run (the message stays
    pending and is sent again next time). Returns how many were delivered.
    """
    done = 0
    for msg in pending(engine, partner=partner, limit=limit):
        try:
            send(msg)
        except Exception:
            _mark(engine, msg.id, delivered=False)
            raise
        _mark(engine, msg.id, delivered=True)
        done += 1
    return done


def _mark(engine: Engine, msg_id: int, *, delivered: bool) -> None:
    values: dict[str, Any] = {"attempts": t.outbox.c.attempts + 1}
    if delivered:
        values["delivered_at"] = now_us()
    stmt = update(t.outbox).where(t.outbox.c.id == msg_id).values(**values)
    run_retrying(engine, lambda con: con.execute(stmt))


def consume_once(engine: Engine, consumer: str, msg: Message,
                 effect: Callable[[Connection, Message], None]) -> bool:
    """Apply ``effect`` for ``msg`` unless ``consumer`` already did; True if applied now."""
    def body(con: Connection) -> bool:
        fresh = con.execute(insert_ignoring_duplicates(con, t.inbox, {
            "consumer": consumer, "message_key": msg.key, "processed_at": now_us()})
            .returning(t.inbox.c.message_key)).first()
        if fresh is None:
            return False
        effect(con, msg)
        return True
    applied: bool = run_retrying(engine, body)
    return applied
