"""Six processes using an empty operational database for the first time, at the same moment.

Each creates the schema on first use; the creations race. On PostgreSQL two concurrent
``CREATE TABLE`` of one name fail (a duplicate type or relation), on SQLite a second writer
finds the database locked. Every process must succeed, and the schema must be whole.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect

from crossplay.opdb import get_engine, metadata

#: first uses through different doors: the ledger, the audit log, the campaign store
COMMANDS = (("campaign", "expire", "--json"), ("audit", "verify", "--json"),
            ("audit", "list", "--json"), ("campaign", "expire", "--json"),
            ("audit", "verify", "--json"), ("campaign", "expire", "--json"))


def first_use(data_dir: str, db_url: str | None, argv: tuple[str, ...],
              barrier: Any) -> tuple[int, str]:
    """Run one CLI command as a fresh process would; returns (exit code, stderr)."""
    from crossplay.cli.app import run

    if db_url:
        os.environ["CROSSPLAY_DB_URL"] = db_url
    out, err = io.StringIO(), io.StringIO()
    barrier.wait()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(["--data-dir", data_dir, *argv])
    return code, err.getvalue()


def _race(data_dir: Path, db_url: str | None) -> list[tuple[int, str]]:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Manager().Barrier(len(COMMANDS))
    with ctx.Pool(len(COMMANDS)) as pool:
        jobs = [pool.apply_async(first_use, (str(data_dir), db_url, argv, barrier))
                for argv in COMMANDS]
        return [job.get(timeout=240) for job in jobs]


def _assert_schema_whole(url: str) -> None:
    names = set(inspect(get_engine(url)).get_table_names())
    assert {t.name for t in metadata.sorted_tables} <= names


@pytest.mark.slow
def test_six_first_uses_of_an_empty_postgresql_database(tmp_path: Path, pg_url: str) -> None:
    from crossplay.opdb.engine import ensure_schema

    results = _race(tmp_path / "data", pg_url)
    assert [code for code, _ in results] == [0] * len(COMMANDS), results
    ensure_schema(get_engine(pg_url))  # imports every table module for the check
    _assert_schema_whole(pg_url)


@pytest.mark.slow
def test_six_first_uses_of_a_fresh_sqlite_file(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from crossplay.opdb.engine import ensure_schema

    monkeypatch.delenv("CROSSPLAY_DB_URL", raising=False)
    data_dir = tmp_path / "data"
    results = _race(data_dir, None)
    assert [code for code, _ in results] == [0] * len(COMMANDS), results
    url = f"sqlite:///{(data_dir / 'crossplay.db').resolve()}"
    ensure_schema(get_engine(url))
    _assert_schema_whole(url)
