"""Shared fixtures: an isolated data directory, partner secrets and a CLI runner."""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crossplay.cli.app import run
from crossplay.core.settings import Settings, load_settings
from crossplay.opdb import dispose_engines

K_SECRET = "knowledge-test-secret-0123456789"
G_SECRET = "game-test-secret-0123456789abcdef"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("CROSSPLAY_DATA_DIR", "CROSSPLAY_LANG", "CROSSPLAY_CONFIG", "LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CROSSPLAY_KNOWLEDGE_SECRET", K_SECRET)
    monkeypatch.setenv("CROSSPLAY_GAME_SECRET", G_SECRET)
    monkeypatch.setenv("CROSSPLAY_CONFIG", str(tmp_path / "no-such-crossplay.toml"))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return load_settings(data_dir=data_dir)


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def err_flat(self) -> str:
        return re.sub(r"\s+", " ", self.err)


CliRunner = Callable[..., CliResult]


@pytest.fixture
def cli(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> CliRunner:
    """Run ``crossplay --data-dir <tmp> ARGS`` in-process; returns code, stdout, stderr."""

    def invoke(*args: str | Path, data: bool = True) -> CliResult:
        argv = [str(a) for a in args]
        if data:
            argv = ["--data-dir", str(data_dir), *argv]
        capsys.readouterr()
        code = run(argv)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke


def write(path: Path, text: str | bytes, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding=encoding)
    return path


# --- the operational database: SQLite and the real PostgreSQL --------------------------------

#: admin connection to the machine's PostgreSQL (trust auth); override with CROSSPLAY_TEST_PG
PG_ADMIN = os.environ.get("CROSSPLAY_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _pg_admin() -> Any:
    import psycopg

    try:
        return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and is not reachable at {PG_ADMIN}: {exc}")
        pytest.skip(f"!!! PostgreSQL NOT REACHABLE at {PG_ADMIN}; PostgreSQL tests SKIPPED "
                    f"(they run in CI): {exc}")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test (SQLAlchemy URL), dropped afterwards."""
    admin = _pg_admin()
    name = f"crossplay_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    host = PG_ADMIN.split("://", 1)[1].rsplit("/", 1)[0]
    try:
        yield f"postgresql+psycopg://{host}/{name}"
    finally:
        dispose_engines()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def op_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each operational-database test runs twice: on SQLite and on the real PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ops.db'}"
        dispose_engines()
    else:
        yield request.getfixturevalue("pg_url")


# --- one small synthetic world, generated and ingested once per test session -----------------

@dataclass(frozen=True)
class LoadedWorld:
    """A generated world (exports + ground truth in ``world_dir``) ingested into ``data_dir``."""

    world_dir: Path
    data_dir: Path

    def settings(self, **overrides: Any) -> Settings:
        return load_settings(data_dir=self.data_dir, knowledge_secret=K_SECRET,
                             game_secret=G_SECRET, **overrides)


@pytest.fixture(scope="session")
def loaded_world(tmp_path_factory: pytest.TempPathFactory) -> LoadedWorld:
    """READ-ONLY shared world (2,000 people, 30 days, seed 7). Use ``fresh_world`` to write."""
    from crossplay.ingest.world import ingest_world
    from crossplay.synth import WorldConfig, generate_world

    root = tmp_path_factory.mktemp("loaded-world")
    world_dir, data_dir = root / "world", root / "data"
    generate_world(WorldConfig(people=2000, days=30, seed=7), world_dir)
    loaded = LoadedWorld(world_dir, data_dir)
    ingest_world(loaded.settings(), world_dir)
    return loaded


@pytest.fixture
def fresh_world(loaded_world: LoadedWorld, tmp_path: Path) -> LoadedWorld:
    """A private copy of the shared world's data directory, for tests that write."""
    import shutil

    data_dir = tmp_path / "world-data"
    shutil.copytree(loaded_world.data_dir, data_dir)
    return LoadedWorld(loaded_world.world_dir, data_dir)


# --- date-sensitive tests: run again by ./dev test with the clock years ahead ---------------

#: Tests whose subject asks "what time is it" (expiry, streaks, consent and audit times,
#: release periods, key rotation, hostile input with timestamps). ``./dev test`` runs them a
#: second time with ``CROSSPLAY_NOW`` set years ahead (``-m "dates and not slow"``: the slow
#: crash and race tests run once): none may depend on today.
DATE_SENSITIVE = (
    "tests/core/",
    "tests/campaigns/",
    "tests/privacy/",
    "tests/adversarial/",
    "tests/ingest/test_bad_input.py",
    "tests/mining/test_paths_churn.py",
    "tests/api/test_checkins",  # campaign days, streaks, the idempotency claim's expiry
    "tests/api/test_ledger.py",
    "tests/ops/",  # job schedules, expiry and run times
    "tests/marketing/",  # recency windows and frequency caps of audience exports
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(str(config.rootpath))
    for item in items:
        rel = Path(str(item.path)).relative_to(root).as_posix()
        if rel.startswith(DATE_SENSITIVE):
            item.add_marker(pytest.mark.dates)
