"""The recurring jobs: idempotent, one at a time across schedulers, recorded, reported.

Each runs on SQLite and on the real PostgreSQL; "now" is always given (CROSSPLAY_NOW or an
argument), never today.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select, text

from crossplay.campaigns import tables as ct
from crossplay.campaigns.document import sample_path
from crossplay.core.settings import Settings
from crossplay.opdb import dispose_engines, ensure_schema, get_engine
from crossplay.ops import history
from crossplay.ops.jobs import Job, JobContext, get_job
from crossplay.ops.runner import job_status, run_job
from crossplay.ops.tables import job_runs

#: after the sample campaign's points (September 2026, 90 days) have expired
LATER = "2027-01-15T00:00:00Z"
AT = datetime(2027, 1, 15, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, fresh_world: Any,
            monkeypatch: pytest.MonkeyPatch) -> tuple[Settings, Engine]:
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
        monkeypatch.setenv("CROSSPLAY_DB_URL", url)
        settings = fresh_world.settings(db_url=url)
    else:
        monkeypatch.delenv("CROSSPLAY_DB_URL", raising=False)
        settings = fresh_world.settings()
    engine = get_engine(settings)
    ensure_schema(engine)
    yield settings, engine
    dispose_engines()


def _ledger(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as con:
        tx = con.execute(select(func.count()).select_from(ct.transactions)).scalar_one()
        open_points = con.execute(select(func.coalesce(func.sum(ct.lots.c.remaining), 0))
                                  ).scalar_one()
        audit = con.execute(text("SELECT count(*) FROM privacy_audit")).scalar_one()
    return int(tx), int(open_points), int(audit)


def test_points_expiry_twice_changes_nothing_the_second_time(
        backend: tuple[Settings, Engine], cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings, engine = backend
    monkeypatch.setenv("CROSSPLAY_NOW", "2026-10-01T00:00:00Z")
    assert cli("--data-dir", settings.data_dir, "campaign", "apply", sample_path(),
               data=False).code == 0
    before = _ledger(engine)
    first = run_job(settings, engine, get_job("points_expiry"), AT)
    assert first.outcome == "ok" and first.detail["lots"] > 0
    assert first.detail["points"] == before[1] - _ledger(engine)[1]
    after_first = _ledger(engine)
    second = run_job(settings, engine, get_job("points_expiry"), AT)
    assert second.outcome == "ok" and second.detail == {"lots": 0, "points": 0}
    assert _ledger(engine) == after_first


def _profile_state(settings: Settings) -> tuple[bytes, list[str]]:
    from crossplay.privacy.profiles import profile_path

    models = settings.data_dir / "derived"
    return (profile_path(settings).read_bytes(),
            sorted(str(p.relative_to(models)) for p in models.rglob("bundle.json")))


def test_refresh_and_retrain_twice_change_nothing_the_second_time(
        backend: tuple[Settings, Engine]) -> None:
    settings, engine = backend
    for name in ("profile_refresh", "model_retrain"):
        first = run_job(settings, engine, get_job(name), AT)
        assert first.outcome == "ok", first.detail
        assert "unchanged" not in first.detail
    state, audit = _profile_state(settings), _ledger(engine)[2]
    assert len(state[1]) == 1  # one model bundle
    for name in ("profile_refresh", "model_retrain"):
        again = run_job(settings, engine, get_job(name), AT)
        assert again.outcome == "ok" and again.detail["unchanged"] is True
    assert _profile_state(settings) == state and _ledger(engine)[2] == audit
    # a new consent decision is new input: the refresh runs again
    from crossplay.privacy.consent import update_consent

    update_consent(settings, partner="knowledge", purpose="personalisation", granted=False,
                   native_id="k-ops-test", source="test", actor="test")
    third = run_job(settings, engine, get_job("profile_refresh"), AT)
    assert third.outcome == "ok" and "unchanged" not in third.detail


def test_two_schedulers_never_run_one_job_at_once(backend: tuple[Settings, Engine]) -> None:
    settings, engine = backend
    ran: list[str] = []
    inside = threading.Event()

    def slow(ctx: JobContext) -> dict[str, Any]:
        ran.append(threading.current_thread().name)
        inside.set()
        time.sleep(1.0)
        return {"slept": 1}

    job = Job("slow_test_job", "* * * * *", slow)
    results: dict[str, history.JobRun] = {}

    def scheduler(name: str) -> None:
        results[name] = run_job(settings, engine, job, AT)

    a = threading.Thread(target=scheduler, args=("a",), name="a")
    a.start()
    assert inside.wait(30)
    b = threading.Thread(target=scheduler, args=("b",), name="b")
    b.start()
    a.join()
    b.join()
    assert ran == ["a"]
    assert results["a"].outcome == "ok" and results["b"].outcome == "skipped"
    assert results["b"].detail == {"reason": "running_elsewhere"}
    # the lock is released with the run: the next one runs
    assert run_job(settings, engine, job, AT).outcome == "ok" and ran == ["a", "MainThread"]


def test_a_failure_is_recorded_and_the_status_tells(backend: tuple[Settings, Engine]) -> None:
    settings, engine = backend

    def broken(ctx: JobContext) -> dict[str, Any]:
        raise RuntimeError("boom (test)")

    failed = run_job(settings, engine, Job("broken_test_job", "0 3 * * *", broken), AT)
    assert failed.outcome == "failed" and "boom" in failed.detail["error"]
    # a run left "running" by a process that died, its lock free: interrupted
    with engine.begin() as con:
        con.execute(insert(job_runs).values(job="points_expiry", started_at=history.to_us(AT),
                                            outcome="running", runner="gone:1"))
    status = {s.job: s for s in job_status(settings, engine, datetime(2061, 5, 1, tzinfo=UTC))}
    assert status["points_expiry"].status == "interrupted"
    assert status["points_expiry"].next_run == datetime(2061, 5, 1, 0, 5, tzinfo=UTC)
    assert status["model_retrain"].status == "never"
    assert status["model_retrain"].next_run == datetime(2061, 5, 1, 3, 0, tzinfo=UTC)


def test_the_commands_in_both_languages(cli: Any, fresh_world: Any,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSPLAY_NOW", LATER)
    d = ["--data-dir", str(fresh_world.data_dir)]
    ran = cli(*d, "scheduler", "run", "--once", "points_expiry", "--json", data=False)
    assert ran.code == 0, ran.err
    assert [r["outcome"] for r in ran.json()] == ["ok"]
    assert ran.json()[0]["started_at"].startswith("2027-01-15")
    jobs = cli(*d, "jobs", "--json", data=False).json()
    assert jobs["now"].startswith("2027-01-15")
    by_name = {j["job"]: j for j in jobs["jobs"]}
    assert by_name["points_expiry"]["status"] == "ok"
    assert by_name["points_expiry"]["next_run"].startswith("2027-01-15T00:05")
    zh = cli(*d, "--lang", "zh-CN", "jobs", data=False)
    assert zh.code == 0 and "积分过期" in zh.out and "成功" in zh.out and "从未运行" in zh.out
    bad = cli(*d, "--lang", "zh-CN", "scheduler", "run", "--once", "nope", data=False)
    assert bad.code == 2 and "未知的任务 'nope'" in bad.err_flat
    dispose_engines()




def test_serve_with_scheduler_runs_it_beside_the_api(cli: Any, monkeypatch: pytest.MonkeyPatch
                                                     ) -> None:
    import crossplay.api.server as server
    import crossplay.ops.runner as runner

    started: list[Any] = []
    running_while_serving: list[bool] = []
    real_build = runner.build_scheduler

    def spy(settings: Settings, *, background: bool) -> Any:
        scheduler = real_build(settings, background=background)
        started.append(scheduler)
        return scheduler

    def fake_serve(settings: Settings, host: str, port: int, *, workers: int,
                   ready: Any) -> None:
        running_while_serving.append(bool(started) and started[-1].running)

    monkeypatch.setattr(server, "serve_api", fake_serve)
    monkeypatch.setattr(runner, "build_scheduler", spy)
    assert cli("serve", "--with-scheduler").code == 0
    assert running_while_serving == [True] and len(started) == 1
    assert not started[0].running  # shut down with the API
    assert cli("serve").code == 0
    assert len(started) == 1 and running_while_serving == [True, False]
    dispose_engines()


def _hold_lock(url: str, lock_dir: str, job: str, ready: Any, release: Any) -> None:
    """Another scheduler process: holds the job's lock until told to let go."""
    from pathlib import Path

    from crossplay.opdb import get_engine
    from crossplay.ops.locks import job_lock

    with job_lock(get_engine(url), Path(lock_dir), job) as held:
        assert held
        ready.set()
        release.wait(60)


def test_a_job_held_by_another_process_is_skipped(backend: tuple[Settings, Engine]) -> None:
    import multiprocessing

    from crossplay.opdb import db_url
    from crossplay.ops.runner import lock_dir

    settings, engine = backend
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    other = ctx.Process(target=_hold_lock, args=(db_url(settings), str(lock_dir(settings)),
                                                  "points_expiry", ready, release))
    other.start()
    try:
        assert ready.wait(60)
        skipped = run_job(settings, engine, get_job("points_expiry"), AT)
        assert skipped.outcome == "skipped"
    finally:
        release.set()
        other.join(60)
    assert other.exitcode == 0
    assert run_job(settings, engine, get_job("points_expiry"), AT).outcome == "ok"
