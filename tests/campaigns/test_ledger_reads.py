"""Statements, balances as of a time, debt from reversals, exchange with fees."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine

from crossplay.campaigns.errors import IdempotencyConflict, InsufficientFunds, LedgerError
from crossplay.campaigns.invariants import violations
from crossplay.campaigns.ledger import Ledger


def test_statement_and_balance_as_of(engine: Engine) -> None:
    ledger = Ledger(engine)
    ledger.earn("e1", "ann", "CPP", 100, ts=1_000)
    ledger.spend("s1", "ann", "CPP", 30, ts=2_000)
    ledger.earn("e2", "ann", "CPP", 5, ts=3_000)
    assert [ledger.balance("ann", "CPP", as_of=t) for t in (999, 1_000, 2_500, 3_000)] == [
        0, 100, 70, 75]
    assert ledger.balance("ann", "CPP") == 75
    rows = ledger.statement("ann", "CPP", start=1_500, end=3_000)
    assert [(r["ts"], r["amount"], r["kind"], r["balance"]) for r in rows] == [
        (2_000, -30, "spend", 70), (3_000, 5, "earn", 75)]


def test_reversal_records_debt_repaid_by_next_earnings(engine: Engine) -> None:
    ledger = Ledger(engine)
    ledger.earn("buy", "bo", "CPP", 100)
    ledger.spend("coffee", "bo", "CPP", 80)
    res = ledger.reverse("refund", "buy")
    assert res.result == {"amount": 100, "clawed_back": 20, "debt": 80}
    assert (ledger.balance("bo", "CPP"), ledger.debt("bo", "CPP")) == (0, 80)
    with pytest.raises(InsufficientFunds):
        ledger.spend("more", "bo", "CPP", 1)
    assert ledger.earn("next", "bo", "CPP", 50).result == {"amount": 50, "credited": 0,
                                                          "debt_repaid": 50}
    ledger.earn("again", "bo", "CPP", 50)
    assert (ledger.balance("bo", "CPP"), ledger.debt("bo", "CPP")) == (20, 0)
    with pytest.raises(LedgerError, match="already reversed") as info:
        ledger.reverse("refund-2", "buy")
    # its own code (its message in both languages); counted by apply as a ledger refusal
    assert (info.value.code, info.value.reason) == ("campaign_already_reversed",
                                                    "ledger_error")
    with pytest.raises(LedgerError, match="no transaction with key 'nope'") as info:
        ledger.reverse("refund-3", "nope")
    assert (info.value.code, info.value.reason) == ("campaign_nothing_to_reverse",
                                                    "ledger_error")
    assert violations(engine) == []


def test_exchange_rounds_fee_up_and_proceeds_down(engine: Engine) -> None:
    ledger = Ledger(engine)
    ledger.earn("e", "cy", "CPP", 101)
    res = ledger.exchange("x", "cy", "CPP", "GCOIN", 101, rate=Decimal("10"),
                          fee_rate=Decimal("0.02"))
    assert res.result == {"amount": 101, "fee": 3, "received": 980}
    assert ledger.system_balance("fees", "CPP") == 3
    assert (ledger.balance("cy", "CPP"), ledger.balance("cy", "GCOIN")) == (0, 980)
    with pytest.raises(IdempotencyConflict):
        ledger.exchange("x", "cy", "CPP", "GCOIN", 100, rate=Decimal("10"))
    with pytest.raises(LedgerError, match="positive integer"):
        ledger.earn("bad", "cy", "CPP", 0)
    assert violations(engine) == []
