"""The sample campaign over the shared synthetic world, on SQLite and PostgreSQL:
simulate predicts exactly what apply issues; rerunning issues nothing; a small budget
stops cleanly; a paused campaign awards nothing; a kill -9 mid-batch leaves nothing
half-written and a rerun completes exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from crossplay.campaigns import tables as t
from crossplay.campaigns.cost import campaign_cost
from crossplay.campaigns.document import Campaign, load_campaign, sample_path
from crossplay.campaigns.engine import apply, set_status
from crossplay.campaigns.errors import CampaignError
from crossplay.campaigns.invariants import violations
from crossplay.campaigns.rules import Event
from crossplay.campaigns.simulation import simulate
from crossplay.campaigns.status import campaign_status
from crossplay.opdb import ensure_schema, get_engine


def _small_budget(tmp_path: Path, budget: int) -> Campaign:
    path = tmp_path / "small.yaml"
    path.write_text(sample_path().read_text(encoding="utf-8").replace(
        "budget: 3000", f"budget: {budget}"), encoding="utf-8")
    return load_campaign(path)


def test_simulate_predicts_apply_and_reruns_issue_nothing(fresh_world, op_db_url) -> None:
    settings = fresh_world.settings(db_url=op_db_url)
    c = load_campaign(sample_path())
    sim = simulate(settings, c)
    assert sim.persons > 10 and sim.points_issued > 500 and sim.status == "active"
    first = apply(settings, c, batch=97)
    assert (first.awarded, first.points_awarded) == (sim.awards_considered,
                                                     sim.points_issued)
    assert first.budget_left == sim.budget_left == c.budget - sim.points_issued
    again = apply(settings, c)
    assert (again.awarded, again.already_done) == (0, first.awarded)
    engine = get_engine(settings)
    assert violations(engine) == []
    cost = campaign_cost(settings, c.id)
    assert cost.issued == sim.points_issued and cost.cost_yuan == sim.cost_yuan
    status = campaign_status(settings, c.id)
    assert status.status == "active" and sum(n for _d, n in status.by_day) == cost.issued
    assert status.top_streaks and status.top_streaks[0][1] >= status.top_streaks[-1][1]
    # a reservation is refused once nobody can pay, and the stock stays intact
    with engine.connect() as con:
        stock = con.execute(select(func.sum(t.rewards.c.stock))).scalar_one()
    assert stock == sum(r.stock for r in c.rewards)


@pytest.mark.slow
def test_budget_exhaustion_stops_cleanly(fresh_world, op_db_url, tmp_path) -> None:
    settings = fresh_world.settings(db_url=op_db_url)
    c = _small_budget(tmp_path, 400)
    sim = simulate(settings, c)
    assert sim.status == "budget_exhausted" and sim.points_issued <= 400
    r = apply(settings, c, batch=50)
    assert r.status == "budget_exhausted" and r.refused == {"budget": 1}
    assert r.points_awarded == sim.points_issued and r.budget_left == sim.budget_left
    assert campaign_status(settings, c.id).status == "budget_exhausted"
    assert violations(get_engine(settings)) == []
    # version 2 raises the budget: awarding resumes where it stopped, nothing twice
    bigger = load_campaign(sample_path()).model_copy(update={"version": 2})
    full = simulate(settings, bigger, from_scratch=True)
    now = simulate(settings, bigger)  # what apply would issue now, given the ledger
    assert now.basis == "ledger" and now.already_done == r.awarded
    more = apply(settings, bigger)
    assert more.status == "active" and more.already_done == r.awarded
    assert (more.awarded, more.points_awarded) == (now.awards, now.points_issued)
    assert r.points_awarded + more.points_awarded == full.points_issued
    assert campaign_status(settings, c.id).status == "active"
    assert violations(get_engine(settings)) == []


@pytest.mark.slow
def test_paused_campaign_awards_nothing(fresh_world, tmp_path) -> None:
    settings = fresh_world.settings()
    c = _small_budget(tmp_path, 3000)
    apply(settings, c)
    set_status(get_engine(settings), c.id, "paused")
    with pytest.raises(CampaignError, match="is paused"):
        apply(settings, c)
    set_status(get_engine(settings), c.id, "active")
    assert apply(settings, c).awarded == 0


_CRASHER = """
import sys, time
from crossplay.campaigns import engine as E
from crossplay.campaigns.document import load_campaign, sample_path
from crossplay.core.settings import load_settings

original = E.credit
def slow(*args, **kwargs):
    time.sleep(0.01)  # stretch every transaction so the kill lands inside one
    return original(*args, **kwargs)
E.credit = slow
settings = load_settings(data_dir=sys.argv[1], db_url=sys.argv[2] or None,
                         knowledge_secret="k" * 32, game_secret="g" * 32)
E.apply(settings, load_campaign(sample_path()), batch=40)
"""


def _count_awards(engine: Engine, url: str) -> int:
    """Count committed awards without queueing behind the writer (SQLite: a plain WAL
    reader; the engine's connections start every transaction with BEGIN IMMEDIATE)."""
    if url.startswith("sqlite"):
        con = sqlite3.connect(url.split("///", 1)[1], timeout=30)
        try:
            return int(con.execute("SELECT count(*) FROM campaign_awards").fetchone()[0])
        finally:
            con.close()
    with engine.connect() as pg:
        return int(pg.execute(select(func.count()).select_from(t.awards)).scalar_one())


@pytest.mark.slow
def test_kill_9_mid_batch_then_rerun_completes_exactly_once(fresh_world, op_db_url) -> None:
    settings = fresh_world.settings(db_url=op_db_url)
    c = load_campaign(sample_path())
    sim = simulate(settings, c)
    engine = get_engine(settings)
    ensure_schema(engine)
    proc = subprocess.Popen([sys.executable, "-c", _CRASHER, str(fresh_world.data_dir),
                             op_db_url], env={**os.environ})
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            time.sleep(0.05)
            done = _count_awards(engine, op_db_url)
            if done >= 80:  # two batches committed, the third in flight
                break
        assert proc.poll() is None, "the apply finished before it could be killed"
        time.sleep(0.15)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(30)
    with engine.connect() as con:
        partial = con.execute(select(func.count()).select_from(t.awards)).scalar_one()
    assert 80 <= partial < sim.awards_considered
    assert partial % 40 == 0  # whole batches only: nothing half-written
    assert violations(engine) == []
    rerun = apply(settings, c, batch=40)
    assert rerun.already_done == partial
    assert rerun.awarded + partial == sim.awards_considered
    assert campaign_cost(settings, c.id).issued == sim.points_issued
    assert violations(engine) == []


def test_live_events_award_once_with_the_lake_history(fresh_world) -> None:
    settings = fresh_world.settings()
    c = load_campaign(sample_path())
    first = apply(settings, c)
    engine = get_engine(settings)
    with engine.connect() as con:
        person = con.execute(select(t.awards.c.person_id).order_by(t.awards.c.person_id)
                             .limit(1)).scalar_one()
    ts = 1_790_000_000_000_000  # 2026-09-21 14:13 UTC, inside the window
    live = [Event(person, "knowledge", "live-1", "knowledge", "course_complete", "C1", ts)]
    got = apply(settings, c, live=live)
    assert (got.awarded, got.points_awarded) == (1, 100)
    assert got.already_done > 0 and got.persons == 1  # only that person was evaluated
    again = apply(settings, c, live=live)
    assert again.awarded == 0
    assert campaign_cost(settings, c.id).issued == first.points_awarded + 100
    stranger = [Event("not-linked", "knowledge", "live-2", "knowledge", "course_complete",
                      "C1", ts)]
    with pytest.raises(CampaignError, match="not eligible"):
        apply(settings, c, live=stranger)
    assert violations(engine) == []
