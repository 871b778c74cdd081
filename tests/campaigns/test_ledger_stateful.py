"""Random earn / spend / exchange / expire / reverse sequences against an in-memory model,
on SQLite and the real PostgreSQL; the ledger's invariants hold after every step."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import Engine, select

from crossplay.campaigns import tables as t
from crossplay.campaigns.errors import InsufficientFunds, LedgerError, OutOfStock
from crossplay.campaigns.invariants import violations
from crossplay.campaigns.ledger import Ledger
from crossplay.campaigns.redemption import Reward, cancel, confirm, define_rewards, reserve
from tests.campaigns.conftest import wipe

PERSONS = ("p1", "p2", "p3")
CURRENCIES = ("CPP", "KCOIN")
DAY = 86_400_000_000


@dataclass
class Lot:
    key: str
    remaining: int
    expires_at: int | None


@dataclass
class Earned:
    person: str
    currency: str
    amount: int
    request: tuple[object, ...]


class Model:
    """The ledger as a few dictionaries: what every balance and debt should be."""

    def __init__(self) -> None:
        self.lots: dict[tuple[str, str], list[Lot]] = {}
        self.debt: dict[tuple[str, str], int] = {}

    def balance(self, acc: tuple[str, str]) -> int:
        return sum(lot.remaining for lot in self.lots.get(acc, []))

    def take(self, acc: tuple[str, str], amount: int,
             first: str | None = None) -> list[tuple[Lot, int]]:
        lots = self.lots.get(acc, [])
        order = sorted(lots, key=lambda lot: 0 if lot.key == first else 1) if first else lots
        taken = []
        for lot in order:
            take = min(amount, lot.remaining)
            lot.remaining -= take
            amount -= take
            if take:
                taken.append((lot, take))
        assert amount == 0
        return taken

    def add(self, acc: tuple[str, str], key: str, amount: int, expires: int | None) -> None:
        if amount > 0:
            self.lots.setdefault(acc, []).append(Lot(key, amount, expires))


def make_machine(engine: Engine) -> type[RuleBasedStateMachine]:
    class LedgerMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            wipe(engine)
            self.ledger = Ledger(engine)
            self.model = Model()
            self.now = 1_700_000_000_000_000
            self.n = 0
            self.earned: dict[str, Earned] = {}
            self.reversed: set[str] = set()
            self.stock = {"mug": 3, "skin": 2}
            define_rewards(engine, [Reward("c1", "mug", "game", "CPP", 120, 3),
                                    Reward("c1", "skin", "knowledge", "KCOIN", 40, 2)])
            self.held: dict[int, list[tuple[Lot, int]]] = {}
            self.settled: set[int] = set()
            self.reward_of: dict[int, str] = {}

        def _key(self, what: str) -> str:
            self.n += 1
            return f"{what}-{self.n}"

        @rule(person=st.sampled_from(PERSONS), cur=st.sampled_from(CURRENCIES),
              amount=st.integers(1, 300), life=st.none() | st.integers(1, 5))
        def earn(self, person: str, cur: str, amount: int, life: int | None) -> None:
            self.now += 1000
            key = self._key("earn")
            expires = None if life is None else self.now + life * DAY
            res = self.ledger.earn(key, person, cur, amount, expires_at=expires, ts=self.now)
            acc = (person, cur)
            repaid = min(self.model.debt.get(acc, 0), amount)
            self.model.debt[acc] = self.model.debt.get(acc, 0) - repaid
            self.model.add(acc, key, amount - repaid, expires)
            assert res.result == {"amount": amount, "credited": amount - repaid,
                                  "debt_repaid": repaid}
            self.earned[key] = Earned(person, cur, amount, (expires, self.now))

        @precondition(lambda self: bool(self.earned))
        @rule(data=st.data())
        def replay_earn(self, data: st.DataObject) -> None:
            key = data.draw(st.sampled_from(sorted(self.earned)))
            e = self.earned[key]
            expires, ts = e.request
            res = self.ledger.earn(key, e.person, e.currency, e.amount,
                                   expires_at=expires, ts=ts)  # type: ignore[arg-type]
            assert res.replayed
            with pytest.raises(LedgerError, match="different request"):
                self.ledger.earn(key, e.person, e.currency, e.amount + 1,
                                 expires_at=expires, ts=ts)  # type: ignore[arg-type]

        @rule(person=st.sampled_from(PERSONS), cur=st.sampled_from(CURRENCIES),
              amount=st.integers(1, 800))
        def spend(self, person: str, cur: str, amount: int) -> None:
            self.now += 1000
            acc = (person, cur)
            if self.model.balance(acc) < amount:
                with pytest.raises(InsufficientFunds):
                    self.ledger.spend(self._key("spend"), person, cur, amount, ts=self.now)
                return
            self.ledger.spend(self._key("spend"), person, cur, amount, ts=self.now)
            self.model.take(acc, amount)

        @rule(person=st.sampled_from(PERSONS), amount=st.integers(1, 400),
              rate=st.sampled_from(["0.5", "2", "1.25"]), fee=st.sampled_from(["0", "0.02"]),
              forward=st.booleans())
        def exchange(self, person: str, amount: int, rate: str, fee: str,
                     forward: bool) -> None:
            self.now += 1000
            a, b = CURRENCIES if forward else CURRENCIES[::-1]
            fee_pts = int((Decimal(amount) * Decimal(fee)).to_integral_value(ROUND_CEILING))
            got = int((Decimal(amount - fee_pts) * Decimal(rate)).to_integral_value(ROUND_FLOOR))
            key = self._key("xchg")
            if got <= 0 or self.model.balance((person, a)) < amount:
                with pytest.raises(LedgerError):
                    self.ledger.exchange(key, person, a, b, amount, rate=Decimal(rate),
                                         fee_rate=Decimal(fee), ts=self.now)
                return
            res = self.ledger.exchange(key, person, a, b, amount, rate=Decimal(rate),
                                       fee_rate=Decimal(fee), ts=self.now)
            assert res.result["received"] == got and res.result["fee"] == fee_pts
            self.model.take((person, a), amount)
            self.model.add((person, b), key, got, None)

        @rule(days=st.integers(0, 3))
        def expire(self, days: int) -> None:
            self.now += days * DAY + 1000
            self.ledger.expire(self.now)
            for lots in self.model.lots.values():
                for lot in lots:
                    if lot.expires_at is not None and lot.expires_at <= self.now:
                        lot.remaining = 0

        @precondition(lambda self: bool(self.earned))
        @rule(data=st.data())
        def reverse(self, data: st.DataObject) -> None:
            self.now += 1000
            key = data.draw(st.sampled_from(sorted(self.earned)))
            if key in self.reversed:
                with pytest.raises(LedgerError, match="already reversed"):
                    self.ledger.reverse(self._key("rev"), key, ts=self.now)
                return
            e = self.earned[key]
            acc = (e.person, e.currency)
            taken = min(e.amount, self.model.balance(acc))
            res = self.ledger.reverse(self._key("rev"), key, ts=self.now)
            self.model.take(acc, taken, first=key)
            self.model.debt[acc] = self.model.debt.get(acc, 0) + e.amount - taken
            assert res.result == {"amount": e.amount, "clawed_back": taken,
                                  "debt": e.amount - taken}
            self.reversed.add(key)

        @rule(person=st.sampled_from(PERSONS), reward=st.sampled_from(["mug", "skin"]))
        def reserve(self, person: str, reward: str) -> None:
            self.now += 1000
            cost, cur = (120, "CPP") if reward == "mug" else (40, "KCOIN")
            key = self._key("reserve")
            acc = (person, cur)
            if self.model.balance(acc) < cost:
                with pytest.raises(InsufficientFunds):
                    reserve(self.ledger, key, "c1", reward, person, ts=self.now)
                return
            if self.stock[reward] == 0:
                with pytest.raises(OutOfStock):
                    reserve(self.ledger, key, "c1", reward, person, ts=self.now)
                return
            res = reserve(self.ledger, key, "c1", reward, person, ts=self.now)
            self.stock[reward] -= 1
            self.held[res.result["redemption"]] = self.model.take(acc, cost)
            self.reward_of[res.result["redemption"]] = reward

        @precondition(lambda self: bool(self.held))
        @rule(data=st.data(), confirm_it=st.booleans())
        def settle(self, data: st.DataObject, confirm_it: bool) -> None:
            self.now += 1000
            rid = data.draw(st.sampled_from(sorted(self.held)))
            key = self._key("settle")
            if rid in self.settled:
                with pytest.raises(LedgerError, match="not reserved"):
                    (confirm if confirm_it else cancel)(self.ledger, key, rid, ts=self.now)
                return
            if confirm_it:
                confirm(self.ledger, key, rid, ts=self.now)
            else:
                cancel(self.ledger, key, rid, ts=self.now)
                self.stock[self.reward_of[rid]] += 1
                for lot, amount in self.held[rid]:
                    if lot.expires_at is None or lot.expires_at > self.now:
                        lot.remaining += amount
            self.settled.add(rid)

        @invariant()
        def matches_model_and_invariants_hold(self) -> None:
            for person in PERSONS:
                for cur in CURRENCIES:
                    acc = (person, cur)
                    assert self.ledger.balance(person, cur) == self.model.balance(acc)
                    assert self.ledger.debt(person, cur) == self.model.debt.get(acc, 0)
            assert violations(engine) == []
            with engine.connect() as con:
                stock = dict(con.execute(select(t.rewards.c.reward_id, t.rewards.c.stock)).all())
            assert stock == self.stock

    return LedgerMachine


@pytest.mark.slow
def test_ledger_matches_model(engine: Engine) -> None:
    machine = make_machine(engine)
    machine.TestCase.settings = settings(
        max_examples=25, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    machine.TestCase().runTest()
