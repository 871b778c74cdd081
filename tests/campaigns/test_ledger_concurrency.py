"""The ledger under concurrency: 50 threads, and processes double-submitting one key and
racing for the last unit of stock — on SQLite and the real PostgreSQL."""

from __future__ import annotations

import multiprocessing
import random
import threading
from concurrent.futures import ProcessPoolExecutor

import pytest
from sqlalchemy import Engine, func, select

from crossplay.campaigns import tables as t
from crossplay.campaigns.errors import InsufficientFunds
from crossplay.campaigns.invariants import violations
from crossplay.campaigns.ledger import Ledger
from crossplay.campaigns.redemption import Reward, define_rewards, reserve
from tests.campaigns import _workers


def test_fifty_threads_lose_and_double_nothing(engine: Engine) -> None:
    ledger = Ledger(engine)
    persons = [f"p{i}" for i in range(8)]
    for person in persons:
        ledger.earn(f"seed-{person}", person, "CPP", 100)
    spent = [0] * 50
    paid = [0] * 50
    errors: list[BaseException] = []

    def client(n: int) -> None:
        rng = random.Random(n)
        try:
            for i in range(12):
                person = rng.choice(persons)
                if rng.random() < 0.5:
                    ledger.earn(f"e-{n}-{i}", person, "CPP", 5)
                    ledger.earn(f"e-{n}-{i}", person, "CPP", 5)  # a retried request
                    spent[n] -= 5
                else:
                    try:
                        ledger.spend(f"s-{n}-{i}", person, "CPP", 9)
                        spent[n] += 9
                        paid[n] += 9
                    except InsufficientFunds:
                        pass
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(50)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    total = sum(ledger.balance(person, "CPP") for person in persons)
    assert total == 800 - sum(spent)
    assert ledger.system_balance("spent", "CPP") == sum(paid)
    assert violations(engine) == []


def _spawn_pool(n: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn"))


@pytest.mark.slow
def test_processes_double_submitting_one_key_write_once(engine: Engine, op_db_url: str) -> None:
    keys = [f"k-{i}" for i in range(40)]
    manager = multiprocessing.get_context("spawn").Manager()
    barrier = manager.Barrier(4)
    with _spawn_pool(4) as pool:
        futures = [pool.submit(_workers.double_submit, op_db_url, keys, barrier)
                   for _ in range(4)]
        replays = [f.result(timeout=300) for f in futures]
    manager.shutdown()
    # 4 processes x 40 keys x 2 submissions: exactly one first run per key
    assert sum(not r for rs in replays for r in rs) == len(keys)
    ledger = Ledger(engine)
    assert sum(ledger.balance(f"p{i}", "CPP") for i in range(5)) == 7 * len(keys)
    with engine.connect() as con:
        assert con.execute(select(func.count()).select_from(t.transactions)).scalar_one() == 40
    assert violations(engine) == []


@pytest.mark.slow
def test_processes_racing_for_the_last_unit_never_oversell(engine: Engine,
                                                           op_db_url: str) -> None:
    ledger = Ledger(engine)
    define_rewards(engine, [Reward("c1", "mug", "game", "CPP", 50, 2)])
    persons = [f"racer{i}" for i in range(6)]
    for person in persons:
        ledger.earn(f"seed-{person}", person, "CPP", 60)
    manager = multiprocessing.get_context("spawn").Manager()
    barrier = manager.Barrier(len(persons))
    with _spawn_pool(len(persons)) as pool:
        outcomes = list(pool.map(_workers.race_for_stock, [op_db_url] * len(persons),
                                 persons, [barrier] * len(persons), timeout=300))
    manager.shutdown()
    assert sorted(outcomes) == ["ok", "ok"] + ["out_of_stock"] * 4
    with engine.connect() as con:
        stock, reserved = con.execute(select(t.rewards.c.stock, t.rewards.c.reserved)).one()
    assert (stock, reserved) == (0, 2)
    # the losers kept their points; the winners paid once
    assert sorted(ledger.balance(p, "CPP") for p in persons) == [10, 10, 60, 60, 60, 60]
    assert violations(engine) == []


def test_same_person_cannot_spend_twice_concurrently(engine: Engine) -> None:
    ledger = Ledger(engine)
    define_rewards(engine, [Reward("c1", "mug", "game", "CPP", 50, 100)])
    ledger.earn("seed", "alice", "CPP", 120)
    outcomes: list[str] = []

    def grab(n: int) -> None:
        try:
            reserve(ledger, f"r-{n}", "c1", "mug", "alice")
            outcomes.append("ok")
        except InsufficientFunds:
            outcomes.append("poor")

    threads = [threading.Thread(target=grab, args=(n,)) for n in range(20)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(outcomes) == ["ok", "ok"] + ["poor"] * 18
    assert ledger.balance("alice", "CPP") == 20
    assert violations(engine) == []


def test_fifty_threads_drain_a_sharded_budget_exactly(engine: Engine) -> None:
    import datetime as dt

    from crossplay.campaigns import budget
    from crossplay.campaigns.engine import award_request
    from crossplay.campaigns.errors import BudgetExhausted
    from crossplay.campaigns.rules import Award
    from tests.campaigns.test_rules import campaign

    c = campaign(budget=1000)
    ledger = Ledger(engine)
    budget.fund(ledger, c.id, "CPP", c.budget)
    outcomes: list[str] = []
    day = dt.date(2026, 9, 1)

    def client(n: int) -> None:
        for i in range(5):
            award = Award(f"t:x:{n}:{i}", f"p{(n * 5 + i) % 37}", "r", day, 10, n * 100 + i)
            try:
                ledger.submit(award_request(c, award))
                outcomes.append("ok")
            except BudgetExhausted:
                outcomes.append("exhausted")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(50)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert outcomes.count("ok") == 100 and outcomes.count("exhausted") == 150
    assert budget.left(engine, c.id, "CPP") == 0
    assert violations(engine) == []
