"""Group commit (crossplay.campaigns.group_commit): many credits in one transaction decide
exactly what the one-request-one-transaction path decides, member by member — on SQLite
and the real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
import threading
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from crossplay.campaigns import budget
from crossplay.campaigns import group_commit as g
from crossplay.campaigns import tables as t
from crossplay.campaigns.document import Campaign
from crossplay.campaigns.engine import award_request
from crossplay.campaigns.errors import LedgerError
from crossplay.campaigns.invariants import violations
from crossplay.campaigns.ledger import Ledger, Request
from crossplay.campaigns.rules import US_PER_HOUR, Award
from tests.campaigns.conftest import wipe

NOW = 1_788_192_000_000_000  # 2026-09-01, fixed: nothing here depends on today
DAY = dt.date(2026, 9, 1)


def _campaign(budget_points: int, **limits: int) -> Campaign:
    return Campaign.model_validate({
        "id": "gc", "version": 1, "name": {"en": "gc", "zh-CN": "gc"},
        "start": "2026-09-01", "end": "2026-09-30", "currencies": {"CPP": {"name": "points"}},
        "point_value_yuan": "0.01", "budget": budget_points, "checkins": {"dual_points": 1},
        "points_expire_days": 30, "limits": limits,
        "messages": {"earned": {"en": "{points}", "zh-CN": "{points}"}}})


def _award(campaign: Campaign, key: str, person: str, amount: int, *, hour: int = 0,
           day: int = 0, device: str | None = None) -> Request:
    return award_request(campaign, Award(key, person, "checkin", DAY + dt.timedelta(days=day),
                                         amount, NOW + day * 24 * US_PER_HOUR
                                         + hour * US_PER_HOUR, device))


def _outcome(x: Any) -> tuple[Any, ...]:
    """A member's outcome without its transaction id (ids differ between two runs)."""
    if isinstance(x, g.Done):
        return ("ok", x.kind, x.result, x.replayed)
    if isinstance(x, LedgerError):
        return ("refused", x.code)
    return ("ok", x.kind, x.result, x.replayed)


def _run_generic(ledger: Ledger, req: Request) -> tuple[Any, ...]:
    try:
        return _outcome(ledger.submit(req))
    except LedgerError as exc:
        return _outcome(exc)


def _state(engine: Engine) -> dict[tuple[str, str, str], tuple[int, int]]:
    """Every account's balance and debt, but empty ones: a group creates the accounts of
    all its persons before deciding, so one whose only request was refused or replayed
    keeps an empty account, where that request alone would have rolled it back."""
    with engine.connect() as con:
        return {(str(k), str(h), str(c)): (int(b), int(d)) for k, h, c, b, d in con.execute(
            select(t.accounts.c.kind, t.accounts.c.holder, t.accounts.c.currency,
                   t.accounts.c.balance, t.accounts.c.debt)).all() if b or d}


def _keys(engine: Engine) -> set[str]:
    with engine.connect() as con:
        return {str(k) for k in con.execute(select(t.transactions.c.idem_key)).scalars()}


def test_a_refused_member_writes_nothing_and_fails_no_other(engine: Engine) -> None:
    ledger = Ledger(engine, clock=lambda: NOW, group_commit=False)
    campaign = _campaign(10_000, daily_cap=30)
    budget.fund(ledger, "gc", "CPP", 10_000)
    ledger.earn("e-conflict", "p9", "CPP", 5)
    reqs = [_award(campaign, "a1", "p1", 20), _award(campaign, "a2", "p1", 20),
            _award(campaign, "a3", "p1", 20),  # p1's cap of 30 is full after a2
            ledger.earn_request("e-conflict", "p9", "CPP", 6),  # the key, another request
            ledger.earn_request("e-ok", "p2", "CPP", 7)]
    out = g.write_group(engine, [g.item_of(r, NOW) for r in reqs])
    assert [_outcome(x)[0] for x in out] == ["ok", "ok", "refused", "refused", "ok"]
    assert [_outcome(x)[1] for x in out[2:4]] == ["daily_cap", "idempotency_conflict"]
    assert out[0].result["amount"] == 20 and out[1].result["amount"] == 10  # capped
    assert {"a1", "a2", "e-ok"} <= _keys(engine) and "a3" not in _keys(engine)
    assert ledger.balance("p1", "CPP") == 30 and ledger.balance("p2", "CPP") == 7
    assert ledger.balance("p9", "CPP") == 5
    assert violations(engine) == []


def test_a_key_twice_in_one_group_is_written_once(engine: Engine) -> None:
    ledger = Ledger(engine, clock=lambda: NOW, group_commit=False)
    first = ledger.earn_request("dup", "p1", "CPP", 4)
    out = g.write_group(engine, [g.item_of(first, NOW), g.item_of(first, NOW),
                                 g.item_of(ledger.earn_request("dup", "p1", "CPP", 5), NOW)])
    assert isinstance(out[0], g.Done) and not out[0].replayed
    assert out[1] is g.GENERIC and out[2] is g.GENERIC  # they run after the group commits
    assert ledger.submit(first).replayed
    with pytest.raises(LedgerError) as info:
        ledger.submit(ledger.earn_request("dup", "p1", "CPP", 5))
    assert info.value.code == "idempotency_conflict"
    assert ledger.balance("p1", "CPP") == 4
    assert violations(engine) == []


def test_a_short_shard_is_handed_back_and_topped_up_by_the_generic_path(
        engine: Engine) -> None:
    ledger = Ledger(engine, clock=lambda: NOW)
    campaign = _campaign(80)  # 10 per shard
    budget.fund(ledger, "gc", "CPP", 80)
    out = g.write_group(engine, [g.item_of(_award(campaign, "big", "p1", 25), NOW)])
    assert out == [g.GENERIC]
    res = Ledger(engine, group_commit=True).submit(_award(campaign, "big", "p1", 25))
    assert res.result["amount"] == 25 and not res.replayed
    assert budget.left(engine, "gc", "CPP") == 55
    assert violations(engine) == []


def test_a_debt_is_repaid_first_in_a_group(engine: Engine) -> None:
    ledger = Ledger(engine, clock=lambda: NOW, group_commit=False)
    campaign = _campaign(10_000)
    budget.fund(ledger, "gc", "CPP", 10_000)
    ledger.submit(_award(campaign, "a0", "p1", 20))
    ledger.spend("s0", "p1", "CPP", 15)
    assert ledger.reverse("r0", "a0").result["debt"] == 15
    out = g.write_group(engine, [g.item_of(_award(campaign, "a1", "p1", 10), NOW),
                                 g.item_of(ledger.earn_request("e1", "p1", "CPP", 10), NOW)])
    assert [x.result for x in out] == [
        {"amount": 10, "credited": 0, "debt_repaid": 10, "rule": "checkin",
         "source": budget.shard_of("gc", "p1")},
        {"amount": 10, "credited": 5, "debt_repaid": 5}]
    assert ledger.debt("p1", "CPP") == 0 and ledger.balance("p1", "CPP") == 5
    assert violations(engine) == []


_OPS = st.lists(st.one_of(
    st.tuples(st.just("award"), st.integers(0, 3), st.integers(1, 30), st.integers(0, 12),
              st.integers(0, 3), st.integers(0, 1), st.sampled_from([None, "d0", "d1"])),
    st.tuples(st.just("earn"), st.integers(0, 3), st.integers(1, 30), st.integers(0, 12),
              st.just(0), st.just(0), st.just(None))), min_size=1, max_size=24)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=_OPS, seeded=st.booleans())
def test_a_group_decides_what_one_by_one_decides(engine: Engine,
                                                 ops: list[tuple[Any, ...]],
                                                 seeded: bool) -> None:
    """Any group (keys reused, caps, hourly and device limits, debts, shards running
    short) against the same requests one transaction each, in the order the group took
    effect (members first, what it handed back after): the same outcome for every member
    and the same accounts."""
    campaign = _campaign(400, daily_cap=45, per_person_per_hour=3, per_device_per_day=4)

    def setup() -> Ledger:
        wipe(engine)
        ledger = Ledger(engine, clock=lambda: NOW, group_commit=False)
        budget.fund(ledger, "gc", "CPP", 400)
        if seeded:  # history: an earlier award, and a debt from its reversal
            ledger.submit(_award(campaign, "k0", "p0", 20, hour=0))
            ledger.spend("seed-spend", "p0", "CPP", 12)
            ledger.reverse("seed-rev", "k0")
        return ledger

    def requests(ledger: Ledger) -> list[Request]:
        return [_award(campaign, f"k{k}", f"p{who}", amount, hour=hour, day=day,
                       device=device) if kind == "award"
                else ledger.earn_request(f"k{k}", f"p{who}", "CPP", amount)
                for kind, who, amount, k, hour, day, device in ops]

    ledger = setup()
    reqs = requests(ledger)
    out = g.write_group(engine, [g.item_of(r, NOW) for r in reqs])
    order = ([n for n, x in enumerate(out) if x is not g.GENERIC]
             + [n for n, x in enumerate(out) if x is g.GENERIC])
    got = {n: _outcome(out[n]) for n in order if out[n] is not g.GENERIC}
    got |= {n: _run_generic(ledger, reqs[n]) for n in order if out[n] is g.GENERIC}
    grouped_state = _state(engine)
    assert violations(engine) == []

    ledger = setup()
    reqs = requests(ledger)
    want = {n: _run_generic(ledger, reqs[n]) for n in order}
    assert got == want
    assert grouped_state == _state(engine)


@pytest.mark.parametrize("clients", [50])
def test_many_threads_through_the_committer(engine: Engine, clients: int) -> None:
    """Awards, earns (each sent twice), spends and one key raced by every thread at once,
    through Ledger.submit with the group committer on: nothing lost, nothing doubled."""
    ledger = Ledger(engine, clock=lambda: NOW, group_commit=True)
    campaign = _campaign(10**6, daily_cap=10**5)
    budget.fund(ledger, "gc", "CPP", 10**6)
    committer = ledger.committer
    assert committer is not None
    groups0, requests0 = committer.groups, committer.requests
    credited = [0] * clients
    spent = [0] * clients
    first_of_shared = [0] * clients
    errors: list[BaseException] = []
    barrier = threading.Barrier(clients)

    def client(n: int) -> None:
        rng = random.Random(n)
        try:
            barrier.wait()
            res = ledger.submit(ledger.earn_request("shared", "p0", "CPP", 3))
            first_of_shared[n] = 0 if res.replayed else 1
            for i in range(8):
                person = f"p{rng.randrange(6)}"
                roll = rng.random()
                if roll < 0.4:
                    res = ledger.submit(_award(campaign, f"a{n}-{i}", person, 5))
                    assert ledger.submit(_award(campaign, f"a{n}-{i}", person, 5)).replayed
                    credited[n] += res.result["amount"]
                elif roll < 0.8:
                    ledger.earn(f"e{n}-{i}", person, "CPP", 4)
                    assert ledger.earn(f"e{n}-{i}", person, "CPP", 4).replayed
                    credited[n] += 4
                else:
                    try:
                        ledger.spend(f"s{n}-{i}", person, "CPP", 6)
                        spent[n] += 6
                    except LedgerError as exc:
                        assert exc.code == "insufficient_funds"
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert sum(first_of_shared) == 1
    held = sum(ledger.balance(f"p{i}", "CPP") for i in range(6))
    assert held == 3 + sum(credited) - sum(spent)
    assert ledger.system_balance("spent", "CPP") == sum(spent)
    assert violations(engine) == []
    grouped = committer.requests - requests0
    assert committer.groups - groups0 < grouped  # some groups held more than one request
