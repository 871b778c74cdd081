"""Daily caps and velocity limits: the ledger (under the person's lock) decides exactly
what the in-memory ``settle`` of ``campaign simulate`` predicts, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from crossplay.campaigns import budget
from crossplay.campaigns.engine import award_request
from crossplay.campaigns.errors import BudgetExhausted, LedgerError
from crossplay.campaigns.invariants import violations
from crossplay.campaigns.ledger import Ledger
from crossplay.campaigns.limits import settle
from crossplay.campaigns.rules import Award
from tests.campaigns.conftest import wipe
from tests.campaigns.test_rules import campaign

M = 60_000_000
BASE = 1_788_000_000_000_000  # 2026-08-29


def _award(i: int, person: str, minute: int, amount: int, device: str | None) -> Award:
    ts = BASE + minute * M
    day = dt.datetime.fromtimestamp(ts / 1e6, tz=dt.UTC).date()
    return Award(f"t:a:{i}", person, "r", day, amount, ts, device)


AWARDS = st.lists(st.tuples(st.sampled_from(["P", "Q"]), st.integers(0, 3 * 24 * 60),
                            st.integers(1, 40), st.sampled_from([None, "dev1", "dev2"])),
                  min_size=1, max_size=30)


def test_ledger_limits_match_settle(engine: Engine) -> None:
    c = campaign(budget=300, limits={"daily_cap": 50, "per_person_per_hour": 2,
                                     "per_device_per_day": 3})

    @settings(max_examples=15, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(AWARDS)
    def check(raw: list[tuple[str, int, int, str | None]]) -> None:
        wipe(engine)
        ledger = Ledger(engine)
        budget.fund(ledger, "t", "CPP", c.budget)
        awards = sorted((_award(i, *r) for i, r in enumerate(raw)), key=lambda a: a.ts)
        expected = settle(awards, c.limits, c.budget)
        issued: dict[str, int] = {}
        refused: dict[str, int] = {}
        for a in awards:
            try:
                res = ledger.submit(award_request(c, a))
            except BudgetExhausted:
                refused["budget"] = refused.get("budget", 0) + 1
                break
            except LedgerError as exc:
                refused[exc.reason] = refused.get(exc.reason, 0) + 1
                continue
            issued[a.key] = int(res.result["amount"])
        assert issued == expected.issued
        assert refused == dict(expected.refused)
        assert budget.left(engine, "t", "CPP") == expected.budget_left
        assert violations(engine) == []

    check()
