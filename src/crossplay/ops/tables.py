"""Operational table of the scheduler: one row per run of a recurring job.

A run is written ``running`` when it starts and finished with its outcome (``ok``,
``failed``, or ``skipped`` when another scheduler held the job's lock) and a short JSON
summary or the error. No person keys: summaries hold counts only.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from crossplay.opdb.meta import metadata

job_runs = Table(
    "ops_job_runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job", String(64), nullable=False),
    Column("started_at", BigInteger, nullable=False),  # microseconds since the epoch, UTC
    Column("finished_at", BigInteger, nullable=True),
    Column("outcome", String(16), nullable=False),  # running | ok | failed | skipped
    Column("detail", Text, nullable=True),  # the summary as JSON, or the error
    Column("runner", String(128), nullable=False),  # host:pid of the scheduler
    Index("ix_ops_job_runs_job_started", "job", "started_at"),
)
