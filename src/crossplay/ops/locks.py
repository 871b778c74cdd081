"""One lock per job, so two schedulers never run the same job at once.

PostgreSQL: a session-level ``pg_try_advisory_lock`` on a connection held for the run (the
server releases it if the process dies). SQLite: ``flock`` on ``<data_dir>/ops/locks/<job>.lock``
(the OS releases it if the process dies). Both are try-locks: a scheduler that finds the job
running elsewhere records the run as ``skipped`` instead of waiting.
"""

from __future__ import annotations

import fcntl
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

#: high 32 bits of every job lock's key (crc32 of "crossplay.ops.job"): keeps the keys apart
#: from the schema and audit locks, which use small numbers
_NAMESPACE = zlib.crc32(b"crossplay.ops.job")


def lock_key(job: str) -> int:
    """The job's 64-bit advisory lock key (signed, as PostgreSQL's bigint)."""
    key = (_NAMESPACE << 32) | zlib.crc32(job.encode())
    return key - (1 << 64) if key >= 1 << 63 else key


@contextmanager
def job_lock(engine: Engine, lock_dir: Path, job: str) -> Iterator[bool]:
    """Yields True while this process holds the job's lock, False when another holds it."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as con:
            got = bool(con.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                   {"k": lock_key(job)}).scalar_one())
            con.commit()
            try:
                yield got
            finally:
                if got:
                    con.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(job)})
                    con.commit()
        return
    lock_dir.mkdir(parents=True, exist_ok=True)
    with (lock_dir / f"{job}.lock").open("a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
