"""The warehouse: an in-process DuckDB whose views read the lake's committed files.

Views: ``events``, ``items``, ``social_edges``, ``consents``, ``links``, ``quarantine``
(every committed row) and ``items_current``, ``consents_current``, ``links_current``
(the latest state). ``query`` runs one read-only statement; anything else is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from crossplay.core.errors import QueryError
from crossplay.core.settings import Settings
from crossplay.ingest.sqlbase import ident, lit, sql_type
from crossplay.lake import Lake
from crossplay.schema import TABLES
from crossplay.schema.tables import QUARANTINE_COLUMNS

_QUARANTINE_TYPES = {
    "run_id": "VARCHAR", "partner": "VARCHAR", "table_name": "VARCHAR",
    "source": "VARCHAR", "row_number": "BIGINT", "raw": "VARCHAR",
    "reason_code": "VARCHAR", "reason": "VARCHAR", "column_name": "VARCHAR",
    "quarantined_at": "TIMESTAMPTZ",
}
_PARTITION_TYPES = {"partner": "VARCHAR", "platform": "VARCHAR", "date": "DATE"}

_CURRENT_VIEWS = {
    "items_current": """
        SELECT * EXCLUDE (_rn) FROM (
          SELECT *, row_number() OVER (PARTITION BY partner, item_id
                                       ORDER BY ingested_at DESC, record_id) AS _rn
          FROM items) WHERE _rn = 1""",
    "consents_current": """
        SELECT * EXCLUDE (_rn) FROM (
          SELECT *, row_number() OVER (PARTITION BY partner, user_key, purpose
                                       ORDER BY ts DESC, ingested_at DESC) AS _rn
          FROM consents) WHERE _rn = 1""",
    "links_current": """
        SELECT left(sha256(k_user_key || ':' || g_user_key), 16) AS person_id,
               k_user_key, g_user_key, arg_max(method, ts) AS method,
               max(ts) FILTER (WHERE action = 'bind') AS linked_at,
               CASE WHEN arg_max(action, ts) = 'unbind' THEN max(ts) END AS revoked_at
        FROM links GROUP BY k_user_key, g_user_key""",
}


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def _table_columns(name: str) -> list[tuple[str, str]]:
    if name == "quarantine":
        return [(c, _QUARANTINE_TYPES[c]) for c in QUARANTINE_COLUMNS]
    spec = TABLES[name]  # type: ignore[index]
    cols: list[tuple[str, str]] = [("partner", "VARCHAR")]
    if spec.key_field is None:
        cols.append(("record_id", "VARCHAR"))
    cols += [(f.column, sql_type(f)) for f in spec.fields]
    cols += [("source", "VARCHAR"), ("ingested_at", "TIMESTAMPTZ")]
    if "date" in spec.partition_by:
        cols.append(("date", "DATE"))
    return cols


def _view_sql(lake: Lake, name: str) -> str:
    cols = _table_columns(name)
    files = lake.files(name)
    select = ", ".join(ident(c) for c, _ in cols)
    if not files:
        empty = ", ".join(f"CAST(NULL AS {t}) AS {ident(c)}" for c, t in cols)
        return f"SELECT {empty} WHERE false"
    file_list = "[" + ", ".join(lit(str(p)) for p in files) + "]"
    parts = ("partner",) if name == "quarantine" else TABLES[name].partition_by  # type: ignore[index]
    hive = {c: _PARTITION_TYPES[c] for c in parts}
    hive_sql = "{" + ", ".join(f"{lit(c)}: {lit(t)}" for c, t in hive.items()) + "}"
    if not hive:
        return f"SELECT {select} FROM read_parquet({file_list}, union_by_name = true)"
    return (f"SELECT {select} FROM read_parquet({file_list}, hive_partitioning = true, "
            f"hive_types = {hive_sql}, union_by_name = true)")


def connect(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB with the lake's views (a snapshot of the manifest)."""
    con = duckdb.connect(config={"threads": settings.duckdb_threads,
                                 "memory_limit": settings.duckdb_memory_limit})
    con.execute("SET TimeZone = 'UTC'")
    lake = Lake(settings.lake_dir)
    for name in (*TABLES, "quarantine"):
        con.execute(f"CREATE VIEW {ident(name)} AS {_view_sql(lake, name)}")
    for name, sql in _CURRENT_VIEWS.items():
        con.execute(f"CREATE VIEW {ident(name)} AS {sql}")
    return con


_ALLOWED = {"SELECT", "EXPLAIN"}


def query(settings: Settings, sql: str, *, limit: int | None = None) -> QueryResult:
    """Run one read-only statement over the lake; writes are refused with a QueryError."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(f"cannot parse the query: {exc}") from None
    if len(statements) != 1:
        raise QueryError(f"give exactly one statement (got {len(statements)})")
    kind = str(statements[0].type).rsplit(".", 1)[-1]
    if kind not in _ALLOWED:
        raise QueryError(f"`crossplay sql` is read-only: a {kind} statement is refused. "
                         "The lake changes only through `crossplay ingest`.",
                         code="read_only")
    con = connect(settings)
    try:
        lake_dir = str(settings.lake_dir.resolve()) + "/"
        con.execute(f"SET allowed_directories = [{lit(lake_dir)}]")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        rel = con.execute(sql)
        columns = [d[0] for d in rel.description or []]
        rows = rel.fetchmany(limit) if limit is not None else rel.fetchall()
        return QueryResult(columns, [tuple(r) for r in rows])
    except duckdb.Error as exc:
        raise QueryError(f"query failed: {exc}") from None
    finally:
        con.close()


def lake_stats(settings: Settings) -> dict[str, Any]:
    """Counts per partner / platform / event type, date range, users, other tables."""
    con = connect(settings)
    try:
        def rows(sql: str) -> list[tuple[Any, ...]]:
            return [tuple(r) for r in con.execute(sql).fetchall()]

        events = [
            {"partner": p, "platform": pl, "event_type": et, "events": int(n),
             "users": int(u), "first": str(lo) if lo else None, "last": str(hi) if hi else None}
            for p, pl, et, n, u, lo, hi in rows(
                "SELECT partner, platform, event_type, count(*), count(DISTINCT user_key), "
                "min(ts), max(ts) FROM events GROUP BY ALL ORDER BY 1, 2, 4 DESC")]
        per_partner = [
            {"partner": p, "events": int(n), "users": int(u), "first": str(lo), "last": str(hi)}
            for p, n, u, lo, hi in rows(
                "SELECT partner, count(*), count(DISTINCT user_key), min(ts), max(ts) "
                "FROM events GROUP BY ALL ORDER BY 1")]
        tables = {name: int(rows(f"SELECT count(*) FROM {ident(name)}")[0][0])
                  for name in ("events", "items", "social_edges", "consents", "links",
                               "quarantine")}
        quarantine = [{"partner": p, "table": t, "reason_code": c, "rows": int(n)}
                      for p, t, c, n in rows(
                          "SELECT partner, table_name, reason_code, count(*) FROM quarantine "
                          "GROUP BY ALL ORDER BY 4 DESC")]
        runs = len(Lake(settings.lake_dir).read_manifest().runs)
        return {"tables": tables, "partners": per_partner, "events": events,
                "quarantine": quarantine, "runs": runs}
    finally:
        con.close()
