"""Engines for the operational database, one per URL per process."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError

from crossplay.core.errors import ConfigError
from crossplay.core.settings import Settings

_ENGINES: dict[str, Engine] = {}
_SCHEMA_READY: set[str] = set()
_LOCK = threading.Lock()


def db_url(settings: Settings) -> str:
    """``settings.db_url`` or SQLite at ``<data_dir>/crossplay.db``."""
    if settings.db_url:
        url = settings.db_url
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
    return f"sqlite:///{(settings.data_dir / 'crossplay.db').resolve()}"


def _sqlite_pragmas(dbapi_con: Any, _record: Any) -> None:
    # Python's sqlite3 opens transactions lazily; we issue BEGIN ourselves (see below)
    # so that write transactions take the lock up front (BEGIN IMMEDIATE).
    dbapi_con.isolation_level = None
    cur = dbapi_con.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def get_engine(settings: Settings | str) -> Engine:
    """The process-wide engine for the settings' database (created on first use).

    SQLite runs in WAL mode and every transaction starts with ``BEGIN IMMEDIATE``, so
    concurrent writers queue on the database lock instead of failing half-way. PostgreSQL
    gets a bounded pool (``db_pool_size`` + ``db_max_overflow`` connections per process,
    ``db_pool_timeout_s`` of waiting for one): the engine is made once per URL, so the
    first settings to ask for it set its pool.
    """
    url = settings if isinstance(settings, str) else db_url(settings)
    pool = Settings.model_fields  # a bare URL (tests, tools) gets the defaults
    size, overflow, wait = ((pool["db_pool_size"].default, pool["db_max_overflow"].default,
                             pool["db_pool_timeout_s"].default) if isinstance(settings, str)
                            else (settings.db_pool_size, settings.db_max_overflow,
                                  settings.db_pool_timeout_s))
    with _LOCK:
        engine = _ENGINES.get(url)
        if engine is not None:
            return engine
        try:
            if url.startswith("sqlite"):
                path = url.split("///", 1)[-1]
                if path and path != ":memory:":
                    from pathlib import Path
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                engine = create_engine(url, connect_args={"check_same_thread": False})
                event.listen(engine, "connect", _sqlite_pragmas)
                event.listen(engine, "begin", _sqlite_begin)
            else:
                # bounded: PostgreSQL refuses clients above max_connections (100 by
                # default) for every process together; a request that finds no free
                # connection within the timeout is answered 503 (api/problems.py)
                engine = create_engine(url, pool_size=size, max_overflow=overflow,
                                       pool_timeout=wait, pool_pre_ping=True)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise ConfigError(f"cannot use the operational database {url!r}: {exc}",
                              code="opdb_unusable",
                              params={"url": url, "detail": str(exc)}) from None
        _ENGINES[url] = engine
        return engine


def dispose_engines() -> None:
    """Close every pooled connection (tests, forked workers)."""
    with _LOCK:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()
        _SCHEMA_READY.clear()


def ensure_schema(engine: Engine) -> None:
    """Check the database is at the schema's head revision, creating an empty one (once per
    database per process).

    An empty database is upgraded to the head through the Alembic revisions in
    :mod:`crossplay.opdb.migrations` under the schema lock, so several processes using it
    for the first time at once create it once. A database at an older revision, one made
    before migrations existed and one made by a newer crossplay are refused with a
    ConfigError naming what to run (:mod:`crossplay.opdb.schema_version`): only
    ``crossplay db upgrade`` changes an existing schema.
    """
    key = str(engine.url)
    if key in _SCHEMA_READY:
        return
    from crossplay.opdb.schema_version import ensure_current

    with _LOCK:
        if key in _SCHEMA_READY:
            return
        ensure_current(engine)
        _SCHEMA_READY.add(key)
