"""The recurring jobs: each a thin call into the service that owns the work.

=================  ==============  =========================================================
job                schedule (UTC)  service
=================  ==============  =========================================================
points_expiry      ``5 * * * *``   :meth:`crossplay.campaigns.ledger.Ledger.expire` (one
                                   idempotent request per lot past its expiry)
profile_refresh    ``20 * * * *``  :func:`crossplay.privacy.profiles.build_profiles`
                                   (incremental over new lake files; audited)
model_retrain      ``0 3 * * *``   :func:`crossplay.recommend.service.train` (a new bundle)
lake_compaction    ``40 2 * * *``  :func:`crossplay.lake.compact.compact` (small files of a
                                   partition merged, one atomic manifest replacement)
=================  ==============  =========================================================

A job with ``inputs`` is skipped (recorded ``ok`` with ``unchanged``) when its inputs — the
lake manifest and the live consents and links — are what they were at its last successful
run, so running it twice changes nothing the second time; points expiry and compaction are
idempotent by themselves. Jobs of issue #18 not here, because no service does their work
yet: streak roll-over (streaks are computed from check-ins when read, nothing is stored to
roll over), experiment metric refresh (analyses are computed when asked, nothing is stored)
and retention purge (issue #18 item 3).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select

from crossplay.core.errors import ConfigError
from crossplay.core.settings import Settings


@dataclass(frozen=True)
class JobContext:
    """What a job runs with: the settings, the operational database, and "now"."""

    settings: Settings
    engine: Engine
    now: datetime


@dataclass(frozen=True)
class Job:
    """A recurring job: its name, its cron schedule, the call, and optionally its inputs'
    signature (equal signatures: the job has nothing new to do)."""

    name: str
    cron: str
    run: Callable[[JobContext], dict[str, Any]]
    inputs: Callable[[JobContext], str] | None = None


def inputs_signature(ctx: JobContext) -> str:
    """What derived data is built from: the lake's committed state and the live consents
    and links (sha256 over the manifest's bytes and the tables' sizes and newest ids)."""
    from crossplay.privacy.tables import live_consents, live_links

    h = hashlib.sha256()
    manifest = ctx.settings.lake_dir / "_manifest.json"
    h.update(manifest.read_bytes() if manifest.is_file() else b"")
    with ctx.engine.connect() as con:
        for table in (live_consents, live_links):
            n, top = con.execute(select(func.count(), func.max(table.c.id))).one()
            h.update(f"|{table.name}:{n}:{top}".encode())
    return h.hexdigest()


def points_expiry(ctx: JobContext) -> dict[str, Any]:
    from crossplay.campaigns.ledger import Ledger

    done = Ledger(ctx.engine).expire(int(ctx.now.timestamp() * 1_000_000))
    fresh = [r for r in done if not r.replayed]
    return {"lots": len(fresh), "points": sum(int(r.result["amount"]) for r in fresh)}


def profile_refresh(ctx: JobContext) -> dict[str, Any]:
    from crossplay.privacy.profiles import build_profiles

    built = build_profiles(ctx.settings, actor="scheduler")
    return {"persons": built.persons, "new_files": built.new_files, "full": built.full}


def model_retrain(ctx: JobContext) -> dict[str, Any]:
    from crossplay.recommend.service import train

    bundle = train(ctx.settings)
    return {"version": bundle["version"], "units": len(bundle["units"])}


def lake_compaction(ctx: JobContext) -> dict[str, Any]:
    from dataclasses import asdict

    from crossplay.lake import Lake
    from crossplay.lake.compact import compact

    return asdict(compact(Lake(ctx.settings.lake_dir)))


JOBS: tuple[Job, ...] = (
    Job("points_expiry", "5 * * * *", points_expiry),
    # before the jobs that read the lake: compaction renames files, which is new input to
    # them (the profiles are then rebuilt in full), so it runs first in `--once all`
    Job("lake_compaction", "40 2 * * *", lake_compaction),
    Job("profile_refresh", "20 * * * *", profile_refresh, inputs_signature),
    Job("model_retrain", "0 3 * * *", model_retrain, inputs_signature),
)

JOB_NAMES: tuple[str, ...] = tuple(j.name for j in JOBS)


def get_job(name: str, jobs: tuple[Job, ...] = JOBS) -> Job:
    """The job called ``name``; a ConfigError listing the jobs otherwise."""
    for job in jobs:
        if job.name == name:
            return job
    names = ", ".join(j.name for j in jobs)
    raise ConfigError(f"unknown job {name!r}: the jobs are {names}", code="ops_unknown_job",
                      params={"job": name, "jobs": names})
