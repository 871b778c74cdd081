"""Engines for the operational database, one per URL per process."""

from __future__ import annotations

import importlib
import threading
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError

from crossplay.core.errors import ConfigError
from crossplay.core.settings import Settings
from crossplay.opdb import meta

#: the PostgreSQL advisory lock held while creating tables (any fixed 64-bit number that
#: no other lock of the database uses: crc32 of "crossplay.opdb.schema")
SCHEMA_LOCK_KEY = 0x5518AF29

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
    """Create every feature's tables (idempotent; done once per database per process).

    Safe when several processes use an empty database for the first time at once: the
    check-then-create runs in one transaction that first takes a lock every creator takes —
    on PostgreSQL a transaction-scoped advisory lock (DDL is transactional there, so the
    next creator sees the finished tables and creates nothing), on SQLite the write lock
    of ``BEGIN IMMEDIATE`` (see :func:`get_engine`).
    """
    key = str(engine.url)
    if key in _SCHEMA_READY:
        return
    for module in meta.TABLE_MODULES:
        importlib.import_module(module)
    with _LOCK:
        if key in _SCHEMA_READY:
            return
        try:
            with engine.begin() as con:
                if con.dialect.name == "postgresql":
                    con.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                {"key": SCHEMA_LOCK_KEY})
                meta.metadata.create_all(con)
        except SQLAlchemyError as exc:
            raise ConfigError(f"cannot create the operational tables: {exc}",
                              code="opdb_schema", params={"detail": str(exc)}) from None
        _SCHEMA_READY.add(key)
