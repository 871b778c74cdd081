"""Running the jobs: once now (under the job's lock, recorded in the history), on their
schedules (APScheduler), and the status of each (``crossplay jobs``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import Engine

from crossplay.core import clock
from crossplay.core.errors import CrossplayError
from crossplay.core.settings import Settings
from crossplay.ops import history
from crossplay.ops.jobs import JOBS, Job, JobContext
from crossplay.ops.locks import job_lock
from crossplay.ops.schedule import cron_trigger, next_run

log = logging.getLogger(__name__)

#: a run that found its scheduled time more than this late (the scheduler was busy or
#: stopped) still runs once: runs missed meanwhile are coalesced into one
MISFIRE_GRACE_S = 3600


def lock_dir(settings: Settings) -> Path:
    """Where SQLite's job locks live: ``<data_dir>/ops/locks``."""
    return settings.data_dir / "ops" / "locks"


def run_job(settings: Settings, engine: Engine, job: Job,
            now: datetime | None = None) -> history.JobRun:
    """Run ``job`` once now, unless another scheduler is running it (then ``skipped``).

    The run is written ``running`` before the job starts and finished with its outcome:
    ``ok`` with the job's summary, ``ok`` with ``unchanged`` when its inputs are those of
    its last successful run (nothing to do), or ``failed`` with the error (a domain error's
    code and message; anything else is logged with its traceback).
    """
    at = now or clock.now()
    with job_lock(engine, lock_dir(settings), job.name) as held:
        if not held:
            run_id = history.record_skipped(engine, job.name, at,
                                            {"reason": "running_elsewhere"})
            return _by_id(engine, job.name, run_id)
        ctx = JobContext(settings, engine, at)
        run_id = history.start_run(engine, job.name, at)
        outcome: history.Outcome = "ok"
        detail: dict[str, Any]
        try:
            signature = job.inputs(ctx) if job.inputs else None
            previous = history.last_ok(engine, job.name) if signature else None
            if previous is not None and previous.detail.get("inputs") == signature:
                detail = {"unchanged": True}
            else:
                detail = job.run(ctx)
            if signature is not None:
                detail["inputs"] = signature
        except CrossplayError as exc:
            outcome, detail = "failed", {"code": exc.code, "error": exc.message,
                                         "params": {k: str(v) for k, v in exc.params.items()}}
        except Exception as exc:
            log.exception("job %s failed", job.name)
            outcome, detail = "failed", {"code": "unexpected", "error": repr(exc)[:2000]}
        history.finish_run(engine, run_id, clock.now() if now is None else at, outcome,
                           detail)
        return _by_id(engine, job.name, run_id)


def _by_id(engine: Engine, job: str, run_id: int) -> history.JobRun:
    return next(r for r in history.runs(engine, job, limit=5) if r.id == run_id)


def _scheduled(settings: Settings, name: str) -> None:
    """What APScheduler calls at a job's time (module-level: the scheduler may pickle it)."""
    from crossplay.opdb import ensure_schema, get_engine
    from crossplay.ops.jobs import get_job

    engine = get_engine(settings)
    ensure_schema(engine)
    run = run_job(settings, engine, get_job(name))
    log.info("job %s: %s %s", name, run.outcome, run.detail)


def build_scheduler(settings: Settings, *, background: bool,
                    jobs: tuple[Job, ...] = JOBS) -> BaseScheduler:
    """An APScheduler scheduler (not started) with one cron-triggered entry per job.

    ``max_instances=1`` keeps a job from overlapping itself in this process; the job lock
    keeps two schedulers (processes, machines) from running it at once.
    """
    from datetime import UTC

    scheduler: BaseScheduler = (BackgroundScheduler(timezone=UTC) if background
                                else BlockingScheduler(timezone=UTC))
    for job in jobs:
        scheduler.add_job(_scheduled, cron_trigger(job.cron), args=(settings, job.name),
                          id=job.name, name=job.name, max_instances=1, coalesce=True,
                          misfire_grace_time=MISFIRE_GRACE_S, replace_existing=True)
    return scheduler


StatusKind = Literal["never", "running", "interrupted", "ok", "failed", "skipped"]


@dataclass(frozen=True)
class JobStatus:
    """One line of ``crossplay jobs``."""

    job: str
    cron: str
    status: StatusKind
    last: history.JobRun | None
    next_run: datetime


def job_status(settings: Settings, engine: Engine, now: datetime,
               jobs: tuple[Job, ...] = JOBS) -> list[JobStatus]:
    """Each job's last run, its outcome and its next scheduled time after ``now``.

    A last run still ``running`` whose lock nobody holds died with its process:
    ``interrupted`` (the next run starts afresh; every job is idempotent)."""
    last = history.last_runs(engine)
    out = []
    for job in jobs:
        run = last.get(job.name)
        status: StatusKind = "never" if run is None else run.outcome
        if run is not None and run.outcome == "running":
            with job_lock(engine, lock_dir(settings), job.name) as free:
                status = "interrupted" if free else "running"
        out.append(JobStatus(job.name, job.cron, status, run, next_run(job.cron, now)))
    return out
