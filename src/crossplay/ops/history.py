"""The scheduler's run history (``ops_job_runs``): start, finish, last runs per job."""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Engine, func, insert, select, update

from crossplay.ops.tables import job_runs

Outcome = Literal["running", "ok", "failed", "skipped"]
US = 1_000_000


def to_us(at: datetime) -> int:
    return int(at.timestamp() * US)


def from_us(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value / US, tz=UTC)


def runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


@dataclass(frozen=True)
class JobRun:
    """One row of the history."""

    id: int
    job: str
    started_at: datetime
    finished_at: datetime | None
    outcome: Outcome
    detail: dict[str, Any]
    runner: str


def start_run(engine: Engine, job: str, at: datetime) -> int:
    with engine.begin() as con:
        res = con.execute(insert(job_runs).values(
            job=job, started_at=to_us(at), outcome="running", runner=runner_name()))
        key = res.inserted_primary_key
        assert key is not None
        return int(key[0])


def finish_run(engine: Engine, run_id: int, at: datetime, outcome: Outcome,
               detail: dict[str, Any]) -> None:
    with engine.begin() as con:
        con.execute(update(job_runs).where(job_runs.c.id == run_id).values(
            finished_at=to_us(at), outcome=outcome,
            detail=json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)))


def record_skipped(engine: Engine, job: str, at: datetime, detail: dict[str, Any]) -> int:
    run_id = start_run(engine, job, at)
    finish_run(engine, run_id, at, "skipped", detail)
    return run_id


def _row(r: Any) -> JobRun:
    try:
        detail = json.loads(r.detail) if r.detail else {}
    except ValueError:
        detail = {"text": r.detail}
    started = from_us(r.started_at)
    assert started is not None
    return JobRun(int(r.id), str(r.job), started, from_us(r.finished_at), r.outcome,
                  detail if isinstance(detail, dict) else {"value": detail}, str(r.runner))


def last_runs(engine: Engine) -> dict[str, JobRun]:
    """The newest run of each job that has run (any outcome)."""
    newest = (select(job_runs.c.job, func.max(job_runs.c.id).label("id"))
              .group_by(job_runs.c.job).subquery())
    with engine.connect() as con:
        rows = con.execute(select(job_runs).join(newest, newest.c.id == job_runs.c.id)).all()
    return {str(r.job): _row(r) for r in rows}


def last_ok(engine: Engine, job: str) -> JobRun | None:
    """The newest successful run of ``job``."""
    with engine.connect() as con:
        r = con.execute(select(job_runs).where(job_runs.c.job == job,
                                               job_runs.c.outcome == "ok")
                        .order_by(job_runs.c.id.desc()).limit(1)).first()
    return None if r is None else _row(r)


def runs(engine: Engine, job: str | None = None, limit: int = 20) -> list[JobRun]:
    """The newest runs, newest first."""
    q = select(job_runs).order_by(job_runs.c.id.desc()).limit(limit)
    if job is not None:
        q = q.where(job_runs.c.job == job)
    with engine.connect() as con:
        return [_row(r) for r in con.execute(q).all()]
