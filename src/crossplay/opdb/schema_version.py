"""Which schema revision the operational database is at, and upgrading it (Alembic).

The database is created and changed only by the revisions in
:mod:`crossplay.opdb.migrations` (``0001`` is the first released schema). On first use
(:func:`crossplay.opdb.ensure_schema`) an empty database is upgraded to the head revision;
any other state but "at head" refuses with an error that names what to run:

==============  ===========================================================================
state           meaning, and what every command but ``crossplay db ...`` says
==============  ===========================================================================
empty           none of crossplay's tables: created at head on first use
current         at the head revision this crossplay knows
behind          at an older known revision: run ``crossplay db upgrade``
unversioned     crossplay's tables without a revision (made before migrations existed):
                ``crossplay db upgrade`` checks they are revision 0001's, stamps, upgrades
ahead           at a revision this crossplay does not know: made by a newer crossplay
==============  ===========================================================================

Every upgrade runs in one transaction under the schema lock (a transaction-scoped
PostgreSQL advisory lock; on SQLite a ``flock`` beside the database file plus the write
lock of ``BEGIN IMMEDIATE``), so concurrent first uses create the schema once and a failed
revision leaves the database as it was.
"""

from __future__ import annotations

import fcntl
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from crossplay.core.errors import ConfigError
from crossplay.opdb.meta import load_tables

MIGRATIONS = Path(__file__).parent / "migrations"

#: the first released schema: what every store made before migrations existed holds
FIRST = "0001"

#: the PostgreSQL advisory lock held while the schema is created or upgraded (crc32 of
#: "crossplay.opdb.schema"; the same number the pre-migration code took)
SCHEMA_LOCK_KEY = 0x5518AF29

VERSION_TABLE = "alembic_version"

StateKind = Literal["empty", "current", "behind", "unversioned", "ahead"]


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands: its revision (None without one) against this head."""

    kind: StateKind
    current: str | None
    head: str


@dataclass(frozen=True)
class Revision:
    """One revision of the schema, oldest first in :func:`history`."""

    revision: str
    down_revision: str | None
    message: str


@dataclass(frozen=True)
class UpgradeResult:
    """What :func:`upgrade` did: the revision before (None: empty or unversioned), the
    revision after, whether a pre-migration store was stamped at 0001, the revisions run."""

    before: str | None
    after: str
    stamped: bool
    applied: list[str] = field(default_factory=list)


def alembic_config(connection: Connection | None = None) -> Config:
    """A programmatic Alembic configuration over the packaged migrations (no ini file)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head() -> str:
    """The newest revision this crossplay knows."""
    rev = _script().get_current_head()
    assert rev is not None
    return rev


def history() -> list[Revision]:
    """Every known revision, oldest first."""
    out = [Revision(s.revision, _one(s.down_revision), (s.doc or "").strip())
           for s in _script().walk_revisions()]
    return out[::-1]


def _one(down: object) -> str | None:
    return down if isinstance(down, str) or down is None else str(down)


def _known(rev: str) -> bool:
    return any(s.revision == rev for s in _script().walk_revisions())


def read_state(con: Connection) -> SchemaState:
    """The state of the database ``con`` is connected to (reads only)."""
    names = set(inspect(con).get_table_names())
    top = head()
    if VERSION_TABLE in names:
        revs = [r for (r,) in con.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))]
        if len(revs) == 1:
            rev = revs[0]
            if rev == top:
                return SchemaState("current", rev, top)
            return SchemaState("behind" if _known(rev) else "ahead", rev, top)
        if revs:
            return SchemaState("ahead", ",".join(sorted(revs)), top)
    if names & set(load_tables().tables):
        return SchemaState("unversioned", None, top)
    return SchemaState("empty", None, top)


def safe_url(engine: Engine) -> str:
    """The engine's URL with any password hidden (for messages)."""
    return engine.url.render_as_string(hide_password=True)


@contextmanager
def schema_lock(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that holds the schema lock (see the module's doc)."""
    with _sqlite_file_lock(engine), engine.begin() as con:
        if con.dialect.name == "postgresql":
            con.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        yield con


@contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:":
        yield
        return
    lock_path = Path(path).with_name(Path(path).name + ".schema-lock")
    with lock_path.open("a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def refusal(engine: Engine, state: SchemaState) -> ConfigError:
    """The error every command but ``crossplay db ...`` gives for a database not at head."""
    url = safe_url(engine)
    if state.kind == "ahead":
        return ConfigError(
            f"the operational database {url} is at schema revision {state.current}, which "
            f"this crossplay does not know (it knows up to {state.head}): this store was made "
            "by a newer crossplay. Install that version or newer; do not run an older one on it",
            code="opdb_too_new",
            params={"url": url, "current": state.current, "head": state.head})
    if state.kind == "unversioned":
        return ConfigError(
            f"the operational database {url} was made before schema migrations (its tables "
            f"carry no revision): run `crossplay db upgrade` to record it as revision {FIRST} "
            f"and upgrade it to {state.head} (back it up first)",
            code="opdb_unversioned", params={"url": url, "first": FIRST, "head": state.head})
    return ConfigError(
        f"the operational database {url} is at schema revision {state.current}; this "
        f"crossplay needs {state.head}: run `crossplay db upgrade` (back it up first)",
        code="opdb_outdated", params={"url": url, "current": state.current, "head": state.head})


def ensure_current(engine: Engine) -> SchemaState:
    """Create an empty database at head; refuse (ConfigError) any state but current."""
    try:
        with engine.connect() as con:
            state = read_state(con)
        if state.kind == "empty":
            with schema_lock(engine) as con:
                state = read_state(con)  # another process may have created it meanwhile
                if state.kind == "empty":
                    _run(con, "upgrade", state.head)
                    state = SchemaState("current", state.head, state.head)
    except SQLAlchemyError as exc:
        raise ConfigError(f"cannot create the operational tables: {exc}",
                          code="opdb_schema", params={"detail": str(exc)}) from None
    if state.kind != "current":
        raise refusal(engine, state)
    return state


def current_state(engine: Engine) -> SchemaState:
    """The database's state, without changing anything (``crossplay db current``)."""
    try:
        with engine.connect() as con:
            return read_state(con)
    except SQLAlchemyError as exc:
        url = safe_url(engine)
        raise ConfigError(f"cannot use the operational database {url!r}: {exc}",
                          code="opdb_unusable", params={"url": url, "detail": str(exc)}) from None


def upgrade(engine: Engine, target: str = "head") -> UpgradeResult:
    """Upgrade the database to ``target`` (``crossplay db upgrade``), in one transaction.

    A pre-migration store is first checked against revision 0001 (every table and column)
    and stamped at it; a mismatch, a revision newer than this crossplay's or an unknown
    ``target`` is a ConfigError and changes nothing.
    """
    if target != "head" and not _known(target):
        raise ConfigError(
            f"unknown schema revision {target!r}: `crossplay db history` lists them",
            code="opdb_unknown_revision", params={"revision": target})
    url = safe_url(engine)
    try:
        with schema_lock(engine) as con:
            state = read_state(con)
            if state.kind == "ahead":
                raise refusal(engine, state)
            stamped = False
            before = state.current
            if state.kind == "unversioned":
                differences = differences_from_first(con)
                if differences:
                    raise ConfigError(
                        f"the operational database {url} has no schema revision and its "
                        f"tables differ from revision {FIRST} ({'; '.join(differences)}), so "
                        "crossplay cannot tell what made it: restore it from a backup made by "
                        "crossplay, or move it aside and let crossplay create a new one",
                        code="opdb_unversioned_mismatch",
                        params={"url": url, "first": FIRST,
                                "differences": "; ".join(differences)})
                _run(con, "stamp", FIRST)
                stamped, before = True, FIRST
            goal = head() if target == "head" else target
            applied = _between(before, goal)
            if before is not None and goal != before and not applied:
                raise ConfigError(
                    f"the operational database {url} is at revision {before}, past {goal}: "
                    "crossplay does not downgrade", code="opdb_no_downgrade",
                    params={"url": url, "current": before, "target": goal})
            _run(con, "upgrade", goal)
    except SQLAlchemyError as exc:
        raise ConfigError(f"cannot upgrade the operational database {url}: {exc}",
                          code="opdb_upgrade_failed",
                          params={"url": url, "detail": str(exc)}) from None
    return UpgradeResult(None if stamped else state.current, goal, stamped, applied)


def _between(base: str | None, goal: str) -> list[str]:
    """Revisions after ``base`` up to ``goal``, oldest first (empty when goal is not ahead)."""
    chain = [r.revision for r in history()]
    if goal not in chain:
        return []
    start = 0 if base is None else chain.index(base) + 1 if base in chain else len(chain)
    end = chain.index(goal) + 1
    return chain[start:end] if start <= end else []


def _run(con: Connection, action: Literal["upgrade", "stamp"], rev: str) -> None:
    cfg = alembic_config(con)
    if action == "upgrade":
        command.upgrade(cfg, rev)
    else:
        command.stamp(cfg, rev)


@functools.cache
def first_schema() -> dict[str, frozenset[str]]:
    """Revision 0001's tables and their columns (built in an in-memory SQLite database)."""
    engine = create_engine("sqlite://")
    try:
        with engine.begin() as con:
            _run(con, "upgrade", FIRST)
            insp = inspect(con)
            return {t: frozenset(c["name"] for c in insp.get_columns(t))
                    for t in insp.get_table_names() if t != VERSION_TABLE}
    finally:
        engine.dispose()


def differences_from_first(con: Connection) -> list[str]:
    """How the database's tables differ from revision 0001's (empty when they match).

    Tables that are not crossplay's are ignored."""
    want = first_schema()
    insp = inspect(con)
    have = set(insp.get_table_names())
    out: list[str] = []
    for table in sorted(want):
        if table not in have:
            out.append(f"table {table} is missing")
            continue
        cols = {c["name"] for c in insp.get_columns(table)}
        if cols - want[table]:
            out.append(f"{table} has columns {', '.join(sorted(cols - want[table]))} "
                       "that revision 0001 lacks")
        if want[table] - cols:
            out.append(f"{table} lacks columns {', '.join(sorted(want[table] - cols))}")
    extra = (have & set(load_tables().tables)) - set(want)
    out.extend(f"table {t} is newer than revision 0001" for t in sorted(extra))
    return out
