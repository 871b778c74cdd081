"""``campaign simulate`` answers "what would ``apply`` issue now": the in-memory settlement
started from the ledger's state (:func:`crossplay.campaigns.simulation.ledger_state`) decides
exactly what the ledger then does — replays, caps and velocity counting the awards already
made, debts repaid first, reversals clawing back what the balance covers, the budget as
``apply`` tops it up — on SQLite and PostgreSQL; and through the CLI, after an ``apply``
there is nothing left to issue, after a budget raise exactly what the next ``apply`` adds,
and resuming a campaign whose budget is spent says it will not award anything."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from crossplay.campaigns import budget
from crossplay.campaigns.document import Campaign, sample_path
from crossplay.campaigns.engine import award_request
from crossplay.campaigns.errors import BudgetExhausted, LedgerError
from crossplay.campaigns.invariants import violations
from crossplay.campaigns.ledger import Ledger, TxResult
from crossplay.campaigns.limits import settle
from crossplay.campaigns.rules import Award, Reversal
from crossplay.campaigns.simulation import ledger_state
from tests.campaigns.conftest import wipe
from tests.campaigns.test_rules import campaign
from tests.conftest import CliRunner, LoadedWorld

M = 60_000_000
BASE = 1_788_000_000_000_000  # 2026-08-29 (only the order of instants matters here)

#: (person, minute, amount, device, reverse an earlier award of the person instead)
ACTIONS = st.lists(st.tuples(st.sampled_from(["P", "Q"]), st.integers(0, 2 * 24 * 60),
                             st.integers(1, 40), st.sampled_from([None, "dev1"]),
                             st.booleans()),
                   min_size=2, max_size=24)


def _actions(raw: list[tuple[str, int, int, str | None, bool]]) -> list[Award | Reversal]:
    out: list[Award | Reversal] = []
    earned: dict[str, list[str]] = {}
    for i, (person, minute, amount, device, reverse) in enumerate(sorted(raw,
                                                                        key=lambda r: r[1])):
        ts = BASE + minute * M
        day = dt.datetime.fromtimestamp(ts / 1e6, tz=dt.UTC).date()
        if reverse and earned.get(person):
            out.append(Reversal(f"t:r:{i}", earned[person].pop(0), person, "r", day, ts))
        else:
            out.append(Award(f"t:a:{i}", person, "r", day, amount, ts, device))
            earned.setdefault(person, []).append(f"t:a:{i}")
    return out


def _run(ledger: Ledger, c: Campaign, actions: list[Award | Reversal]
         ) -> tuple[dict[str, int], dict[str, int], dict[str, int], int]:
    """What the ledger does with ``actions``, as apply runs them: (new points issued per
    award, clawed back per reversal, refusals by reason, replays)."""
    issued: dict[str, int] = {}
    clawed: dict[str, int] = {}
    refused: dict[str, int] = {}
    replays = 0
    for a in actions:
        req = (award_request(c, a) if isinstance(a, Award)
               else ledger.reverse_request(a.key, a.original_key, a.person, c.points, ts=a.ts))
        try:
            res: TxResult = ledger.submit(req)
        except BudgetExhausted:
            refused["budget"] = refused.get("budget", 0) + 1
            break
        except LedgerError as exc:
            refused[exc.reason] = refused.get(exc.reason, 0) + 1
            continue
        if res.replayed:
            replays += 1
        elif isinstance(a, Award):
            issued[a.key] = int(res.result["amount"])
        else:
            clawed[a.key] = int(res.result["clawed_back"])
    return issued, clawed, refused, replays


def test_settling_from_the_ledger_state_predicts_the_ledger(engine: Engine) -> None:
    """Run a first part of the actions through the ledger, spend some points (so that
    reversals leave debts), raise the budget, then compare what the ledger does with all
    the actions (replays included) against ``settle`` from ``ledger_state``."""
    first = campaign(budget=150, limits={"daily_cap": 60, "per_person_per_hour": 3,
                                         "per_device_per_day": 4})
    second = first.model_copy(update={"budget": 400})

    @settings(max_examples=12, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(ACTIONS, st.integers(0, 24), st.integers(0, 30))
    def check(raw: list[tuple[str, int, int, str | None, bool]], cut: int,
              spend: int) -> None:
        wipe(engine)
        ledger = Ledger(engine)
        actions = _actions(raw)
        budget.fund(ledger, "t", "CPP", first.budget)
        _run(ledger, first, actions[:cut])
        held = ledger.balance("P", "CPP")
        if spend and held:
            ledger.spend("t:spend", "P", "CPP", min(spend, held))
        start = ledger_state(engine, second, actions)
        expected = settle(actions, second.limits, second.budget, start)
        budget.fund(ledger, "t", "CPP", second.budget)  # what apply does first
        issued, clawed, refused, replays = _run(ledger, second, actions)
        assert issued == expected.issued
        assert clawed == expected.reversed
        assert refused == dict(expected.refused)
        assert replays == expected.already_done
        assert budget.left(engine, "t", "CPP") == expected.budget_left
        assert violations(engine) == []

    check()


def _doc(tmp_path: Path, name: str, **changes: str) -> Path:
    text = sample_path().read_text(encoding="utf-8")
    for key, new in changes.items():
        line = next(ln for ln in text.splitlines() if ln.startswith(f"{key}:"))
        text = text.replace(line, f"{key}: {new}", 1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def world_cli(cli: CliRunner, fresh_world: LoadedWorld, monkeypatch: pytest.MonkeyPatch
              ) -> CliRunner:
    # the sample runs in September 2026 and its points expire after 90 days: say when
    # "now" is (no test may depend on today's date)
    monkeypatch.setenv("CROSSPLAY_NOW", "2026-10-15T00:00:00Z")

    def run(*args: str | Path) -> object:
        return cli("--data-dir", fresh_world.data_dir, *args, data=False)

    return run  # type: ignore[return-value]


def test_simulate_after_apply_shows_nothing_to_issue(world_cli: CliRunner,
                                                     tmp_path: Path) -> None:
    sample = sample_path()
    before = world_cli("campaign", "simulate", sample, "--json")
    assert before.code == 0, before.err
    b = before.json()
    assert b["basis"] == "ledger" and b["already_done"] == 0 and b["points_issued"] > 0
    applied = world_cli("campaign", "apply", sample, "--json").json()
    assert (applied["awarded"], applied["points_awarded"]) == (b["awards"], b["points_issued"])
    after = world_cli("campaign", "simulate", sample, "--json").json()
    assert (after["awards"], after["points_issued"], after["points_reversed"]) == (0, 0, 0)
    assert after["by_day"] == [] and after["already_done"] == applied["awarded"] + \
        applied["reversed"]
    assert after["budget_left"] == applied["budget_left"]
    text = world_cli("campaign", "simulate", sample)
    assert "what `apply` would issue now" in text.out  # type: ignore[attr-defined]
    assert "Nothing new to issue" in text.out  # type: ignore[attr-defined]
    zh = world_cli("--lang", "zh-CN", "campaign", "simulate", sample)
    assert "没有新的积分可发放" in zh.out  # type: ignore[attr-defined]
    scratch = world_cli("campaign", "simulate", sample, "--from-scratch", "--json").json()
    assert scratch["basis"] == "scratch" and scratch["points_issued"] == b["points_issued"]
    shown = world_cli("campaign", "simulate", sample, "--from-scratch")
    assert "from scratch, as if nothing had been awarded" in shown.out  # type: ignore


def test_simulate_after_a_budget_raise_predicts_the_next_apply(world_cli: CliRunner,
                                                                tmp_path: Path) -> None:
    small = _doc(tmp_path, "small.yaml", budget="500")
    first = world_cli("campaign", "apply", small, "--json").json()
    assert first["status"] == "budget_exhausted"
    raised = _doc(tmp_path, "raised.yaml", budget="3000", version="2")
    sim = world_cli("campaign", "simulate", raised, "--json").json()
    assert sim["already_done"] == first["awarded"] and sim["awards"] > 0
    applied = world_cli("campaign", "apply", raised, "--json").json()
    assert (applied["awarded"], applied["points_awarded"], applied["budget_left"]) == (
        sim["awards"], sim["points_issued"], sim["budget_left"])
    assert applied["already_done"] == sim["already_done"]


def test_resume_of_an_exhausted_campaign_says_it_will_not_award(world_cli: CliRunner,
                                                                tmp_path: Path) -> None:
    # a budget that the first day's awards use up exactly: 0 points left afterwards
    plan = world_cli("campaign", "simulate", sample_path(), "--from-scratch", "--json").json()
    first_day = plan["by_day"][0]["points"]
    exact = _doc(tmp_path, "exact.yaml", budget=str(first_day))
    applied = world_cli("campaign", "apply", exact, "--json").json()
    assert applied["status"] == "budget_exhausted" and applied["budget_left"] == 0
    assert world_cli("campaign", "pause", "learn_and_play").code == 0  # type: ignore
    res = world_cli("campaign", "resume", "learn_and_play")
    assert res.code == 0  # type: ignore[attr-defined]
    assert "will not award anything: its budget is exhausted (0 of " in \
        res.err_flat.replace("\n", " ") + " " + " ".join(res.out.split())  # type: ignore
    data = world_cli("campaign", "resume", "learn_and_play", "--json").json()
    assert data == {"campaign_id": "learn_and_play", "status": "budget_exhausted",
                    "was": "budget_exhausted", "budget": first_day, "budget_left": 0,
                    "will_award": False}
    zh = world_cli("--lang", "zh-CN", "campaign", "resume", "learn_and_play")
    assert "不会再发放任何积分" in zh.out and "剩余 0 /" in zh.out  # type: ignore
    status = world_cli("campaign", "status", "learn_and_play", "--json").json()
    assert status["status"] == "budget_exhausted"
    # a campaign with points left resumes plainly
    assert world_cli("campaign", "apply", _doc(tmp_path, "v2.yaml", version="2"),
                     "--json").code == 0  # type: ignore[attr-defined]
    world_cli("campaign", "pause", "learn_and_play")
    plain = world_cli("campaign", "resume", "learn_and_play")
    assert "is active again." in plain.out  # type: ignore[attr-defined]
