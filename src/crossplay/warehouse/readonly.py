"""The read-only SQL surface: one statement from a person, run on a sealed connection.

``crossplay sql`` (and ``--as PARTNER``) call :func:`query`, and so will the HTTP API.
What keeps the lake safe is the connection, not this module's checks:
:func:`crossplay.warehouse.duck.connect` with ``sealed=True`` gives DuckDB views over Arrow
datasets this process opens read-only, no file system, network, extensions, secrets or
Python variables of its own, no table to write to and a locked configuration, so ``COPY
... TO``, ``EXPLAIN ANALYZE COPY``, a ``COPY`` inside a CTE, ``ATTACH``, ``INSTALL`` /
``LOAD``, ``read_csv('/etc/passwd')``, ``read_parquet`` of the lake's own files (the other
partner's rows), ``CREATE SECRET``, ``SET`` / ``RESET`` / ``PRAGMA`` and ``EXPORT
DATABASE`` all fail inside the engine. Before that, :func:`check_statement` gives the
friendly refusal: exactly one statement, a ``SELECT`` (``WITH``, ``FROM``-first,
``DESCRIBE``, ``SUMMARIZE`` ... included) or ``EXPLAIN [ANALYZE]`` of one. Every refusal
is a :class:`~crossplay.core.errors.QueryError` with a stable code:

    sql_unparsable     the text is not SQL DuckDB can parse
    sql_statements     not exactly one statement
    read_only          a statement of another kind (writes, DDL, settings, transactions)
    sql_file_access    the engine refused a file, directory, extension or secret
    sql_settings_locked  the engine refused to change a setting
    lake_changed       a file went away while the statement ran (a writer replaced it)
    query_failed       any other error of the statement (unknown table, bad cast, ...)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import duckdb

from crossplay.core.errors import QueryError
from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.warehouse.duck import connect

#: ``EXPLAIN`` or ``EXPLAIN ANALYZE`` (after any comments) and the statement it explains
_EXPLAIN = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*EXPLAIN\s+(?:ANALY[SZ]E\s+)?(.*)",
                      re.IGNORECASE | re.DOTALL)

@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def _kind(statement: duckdb.Statement) -> str:
    return str(statement.type).rsplit(".", 1)[-1]


def check_statement(sql: str) -> duckdb.Statement:
    """The one statement of ``sql`` if it is a SELECT or EXPLAIN [ANALYZE] SELECT.

    A first, friendly answer only: the sealed connection is what refuses everything else.
    """
    try:
        sql.encode("utf-8")
    except UnicodeEncodeError:  # a shell's escapes for bytes that are not UTF-8
        raise QueryError("cannot parse the query: it is not valid UTF-8 text",
                         code="sql_not_utf8") from None
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(f"cannot parse the query: {exc}", code="sql_unparsable",
                         params={"detail": str(exc)}) from None
    if len(statements) != 1:
        raise QueryError(f"give exactly one statement (got {len(statements)})",
                         code="sql_statements", params={"n": len(statements)})
    statement = statements[0]
    kind = _kind(statement)
    if kind == "EXPLAIN":
        m = _EXPLAIN.fullmatch(statement.query)
        try:
            inner = duckdb.extract_statements(m.group(1)) if m else []
        except duckdb.Error:
            inner = []
        if len(inner) == 1 and _kind(inner[0]) == "SELECT":
            return statement
        kind = "EXPLAIN (not of a SELECT)"
    elif kind == "SELECT":
        return statement
    raise QueryError(f"`crossplay sql` is read-only and runs one SELECT (or EXPLAIN of one): "
                     f"this {kind} statement is refused. The lake changes only through "
                     "`crossplay ingest`.", code="read_only", params={"kind": kind})


def query(settings: Settings, sql: str, *, limit: int | None = None,
          scope: Partner | None = None) -> QueryResult:
    """Run one read-only statement over the lake on a sealed connection.

    With ``scope``, the statement sees only that partner's rows (``crossplay sql --as``).
    Refusals and failures are QueryErrors (codes in the module docstring).
    """
    statement = check_statement(sql)
    con = connect(settings, scope=scope, sealed=True)
    try:
        rel = con.execute(statement)
        columns = [d[0] for d in rel.description or []]
        rows = rel.fetchmany(limit) if limit is not None else rel.fetchall()
        return QueryResult(columns, [tuple(r) for r in rows])
    except duckdb.Error as exc:
        raise engine_refusal(exc) from None
    finally:
        con.close()


def engine_refusal(exc: duckdb.Error) -> QueryError:
    """The QueryError for an error the engine raised while running a statement."""
    detail = str(exc)
    if isinstance(exc, duckdb.PermissionException):
        return QueryError(
            "refused: the statement reaches for a file, directory, extension or secret, and "
            "`crossplay sql` opens none; query the lake's tables and views instead (listed "
            f"by `crossplay sql --help`). DuckDB said: {detail}", code="sql_file_access",
            params={"detail": detail})
    if "configuration has been locked" in detail:
        return QueryError(
            f"refused: settings cannot be changed from a query. DuckDB said: {detail}",
            code="sql_settings_locked", params={"detail": detail})
    if "Failed to open" in detail or "No such file" in detail:
        return QueryError(
            "a lake file went away while the query ran (a writer replaced it): run the "
            f"query again. DuckDB said: {detail}", code="lake_changed",
            params={"detail": detail})
    return QueryError(f"query failed: {detail}", code="query_failed", params={"detail": detail})


__all__ = ["QueryResult", "check_statement", "engine_refusal", "query"]
