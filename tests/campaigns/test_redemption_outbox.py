"""Redemption states and the partner outbox: at-least-once delivery, exactly-once effect."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, Engine, func, select

from crossplay.campaigns import tables as t
from crossplay.campaigns.errors import LedgerError
from crossplay.campaigns.invariants import violations
from crossplay.campaigns.ledger import Ledger
from crossplay.campaigns.outbox import Message, consume_once, deliver, pending
from crossplay.campaigns.redemption import Reward, cancel, confirm, define_rewards, reserve

DAY = 86_400_000_000


def _setup(engine: Engine) -> Ledger:
    ledger = Ledger(engine)
    define_rewards(engine, [Reward("c1", "mug", "game", "CPP", 50, 5)])
    return ledger


def test_confirm_writes_one_message_and_cannot_be_cancelled(engine: Engine) -> None:
    ledger = _setup(engine)
    ledger.earn("e1", "alice", "CPP", 80)
    rid = reserve(ledger, "r1", "c1", "mug", "alice").result["redemption"]
    assert ledger.balance("alice", "CPP") == 30
    confirm(ledger, "c-1", rid)
    assert confirm(ledger, "c-1", rid).replayed  # a retried confirm: nothing new
    with pytest.raises(LedgerError, match="is confirmed, not reserved"):
        cancel(ledger, "x-1", rid)
    assert [m.topic for m in pending(engine)] == ["reward.redeemed"]
    assert ledger.system_balance("redeemed:c1", "CPP") == 50
    assert ledger.system_balance("hold:c1", "CPP") == 0
    assert violations(engine) == []


def test_cancel_returns_points_to_their_lots_and_expired_ones_expire(engine: Engine) -> None:
    ledger = _setup(engine)
    ledger.earn("old", "bob", "CPP", 30, expires_at=10 * DAY, ts=1 * DAY)
    ledger.earn("new", "bob", "CPP", 40, ts=2 * DAY)
    rid = reserve(ledger, "r1", "c1", "mug", "bob", ts=3 * DAY).result["redemption"]
    res = cancel(ledger, "x1", rid, ts=11 * DAY)  # the old lot expired meanwhile
    assert res.result == {"redemption": rid, "status": "cancelled", "restored": 20,
                          "expired": 30}
    assert ledger.balance("bob", "CPP") == 40
    assert ledger.system_balance("expired", "CPP") == 30
    with engine.connect() as con:
        assert con.execute(select(t.rewards.c.stock)).scalar_one() == 5
    assert pending(engine) == []
    assert violations(engine) == []


def test_delivery_is_at_least_once_and_the_consumer_applies_once(engine: Engine) -> None:
    ledger = _setup(engine)
    for n in range(3):
        ledger.earn(f"e{n}", f"p{n}", "CPP", 50)
        rid = reserve(ledger, f"r{n}", "c1", "mug", f"p{n}").result["redemption"]
        confirm(ledger, f"c{n}", rid)
    shipped: list[str] = []

    def effect(con: Connection, msg: Message) -> None:
        shipped.append(msg.key)

    calls = {"n": 0}

    def flaky_send(msg: Message) -> None:
        consume_once(engine, "game-shop", msg, effect)
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConnectionError("partner endpoint went away after processing")

    with pytest.raises(ConnectionError):
        deliver(engine, flaky_send)
    assert len(pending(engine)) == 2  # the second was processed but not acknowledged
    assert deliver(engine, flaky_send) == 2  # redelivered: the consumer ignores the repeat
    assert pending(engine) == []
    assert sorted(shipped) == [f"redemption:{i}:confirmed" for i in sorted(
        int(k.split(":")[1]) for k in shipped)]
    assert len(shipped) == 3 == len(set(shipped))
    with engine.connect() as con:
        attempts = con.execute(select(func.sum(t.outbox.c.attempts))).scalar_one()
    assert attempts == 4
