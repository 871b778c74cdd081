"""The warehouse: an in-process DuckDB whose views read the lake's committed files.

Views: ``events``, ``items``, ``social_edges``, ``consents``, ``links``, ``quarantine``
(every committed row), ``items_current``, ``consents_current``, ``links_current``
(the latest state) and, once built, ``joint_profiles``. ``consents`` and ``links`` also
hold the live decisions and links of the operational database
(:mod:`crossplay.privacy.live`). ``query`` runs one read-only statement; anything else is
refused.

Scopes: ``connect(settings, scope="knowledge")`` (and ``query(..., scope=...)``, i.e.
``crossplay sql --as knowledge``) builds the views from that partner's files only, never
defines ``links`` / ``links_current``, registers only that partner's live consents, and
lets DuckDB read only that partner's lake directories: the other partner's rows are not
reachable by any statement. Joint data reaches a partner only through profiles and
releases (:mod:`crossplay.privacy`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow.compute as pc

from crossplay.core.errors import QueryError
from crossplay.core.settings import Settings
from crossplay.core.types import PARTNERS, Partner
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
    # a link is revoked by its latest action being an unbind, or by either side refusing
    # linking at or after the (latest) binding; a later re-grant does not revive it
    "links_current": """
        WITH l AS (
          SELECT k_user_key, g_user_key,
                 arg_max(method, ts) FILTER (WHERE action = 'bind') AS method,
                 max(ts) FILTER (WHERE action = 'bind') AS linked_at,
                 arg_max(action, ts) AS last_action, max(ts) AS last_ts
          FROM links GROUP BY k_user_key, g_user_key),
        refusals AS (SELECT partner, user_key, ts FROM consents
                     WHERE purpose = 'linking' AND NOT granted),
        rk AS (SELECT l.k_user_key, l.g_user_key, min(r.ts) AS t FROM l JOIN refusals r
               ON r.partner = 'knowledge' AND r.user_key = l.k_user_key
               AND r.ts >= l.linked_at GROUP BY ALL),
        rg AS (SELECT l.k_user_key, l.g_user_key, min(r.ts) AS t FROM l JOIN refusals r
               ON r.partner = 'game' AND r.user_key = l.g_user_key
               AND r.ts >= l.linked_at GROUP BY ALL)
        SELECT left(sha256(l.k_user_key || ':' || l.g_user_key), 16) AS person_id,
               l.k_user_key, l.g_user_key, coalesce(l.method, 'binding') AS method,
               l.linked_at,
               CASE WHEN l.last_action = 'unbind' THEN l.last_ts
                    ELSE least(rk.t, rg.t) END AS revoked_at
        FROM l LEFT JOIN rk USING (k_user_key, g_user_key)
               LEFT JOIN rg USING (k_user_key, g_user_key)""",
}

_LIVE_SQL = {
    "consents": """SELECT partner, 'live-' || id AS record_id, user_key, purpose, granted, ts,
                          CAST(NULL AS VARCHAR) AS channel, 'live:' || source AS source,
                          ts AS ingested_at FROM __live_consents""",
    "links": """SELECT 'operator' AS partner, 'live-' || id AS record_id, k_user_key,
                       g_user_key, method, action, ts, 'live:' || source AS source,
                       ts AS ingested_at FROM __live_links""",
}

#: tables that hold joint (cross-partner) data: never visible under a partner scope
JOINT_TABLES = frozenset({"links"})


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


def _view_sql(lake: Lake, name: str, scope: Partner | None = None) -> str:
    cols = _table_columns(name)
    files = lake.files(name, partner=scope)
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


def connect(settings: Settings, *, scope: Partner | None = None,
            live: bool = True) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB with the lake's views (a snapshot of the manifest).

    ``scope``: only that partner's rows exist (see the module docstring). ``live=False``
    leaves out the operational DB's live consents and links (the lake alone).
    """
    from crossplay.privacy.live import CONSENT_SCHEMA, LINK_SCHEMA, read_live

    if scope is not None and scope not in PARTNERS:
        raise QueryError(f"unknown scope {scope!r}: use knowledge or game", code="bad_scope")
    con = duckdb.connect(config={"threads": settings.duckdb_threads,
                                 "memory_limit": settings.duckdb_memory_limit})
    con.execute("SET TimeZone = 'UTC'")
    lake = Lake(settings.lake_dir)
    live_consents, live_links = (read_live(settings) if live
                                 else (CONSENT_SCHEMA.empty_table(), LINK_SCHEMA.empty_table()))
    if scope is not None:
        live_consents = live_consents.filter(pc.equal(live_consents["partner"], scope))
    con.register("__live_consents", live_consents)
    if scope is None:
        con.register("__live_links", live_links)
    for name in (*TABLES, "quarantine"):
        if scope is not None and name in JOINT_TABLES:
            continue
        sql = _view_sql(lake, name, scope)
        if name in _LIVE_SQL:
            sql = f"{sql} UNION ALL BY NAME {_LIVE_SQL[name]}"
        con.execute(f"CREATE VIEW {ident(name)} AS {sql}")
    for name, sql in _CURRENT_VIEWS.items():
        if scope is not None and name == "links_current":
            continue
        con.execute(f"CREATE VIEW {ident(name)} AS {sql}")
    _profiles_view(con, settings, scope)
    return con


def _profiles_view(con: duckdb.DuckDBPyConnection, settings: Settings,
                   scope: Partner | None) -> None:
    """``joint_profiles`` (see :mod:`crossplay.privacy.profiles`) when it has been built.

    Under a scope it is an in-memory copy without the other partner's key, so no
    statement can reach the file (and its other columns) itself.
    """
    from crossplay.privacy.profiles import profile_path

    path = profile_path(settings)
    if not path.is_file():
        return
    src = f"read_parquet({lit(str(path.resolve()))})"
    if scope is None:
        con.execute(f"CREATE VIEW joint_profiles AS SELECT * FROM {src}")
    else:
        other = "g_user_key" if scope == "knowledge" else "k_user_key"
        con.execute(f"CREATE TEMP TABLE joint_profiles AS SELECT * EXCLUDE ({other}) FROM {src}")


def readable_dirs(settings: Settings, scope: Partner | None) -> list[str]:
    """Directories a query may read: the lake, or a partner's own partitions under scope."""
    root = settings.lake_dir.resolve()
    if scope is None:
        return [str(root) + "/"]
    return [f"{root / name / f'partner={scope}'}/"
            for name in (*TABLES, "quarantine") if name not in JOINT_TABLES]


_ALLOWED = {"SELECT", "EXPLAIN"}


def query(settings: Settings, sql: str, *, limit: int | None = None,
          scope: Partner | None = None) -> QueryResult:
    """Run one read-only statement over the lake; writes are refused with a QueryError.

    With ``scope``, the statement sees only that partner's rows (``crossplay sql --as``).
    """
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
    con = connect(settings, scope=scope)
    try:
        dirs = ", ".join(lit(d) for d in readable_dirs(settings, scope))
        con.execute(f"SET allowed_directories = [{dirs}]")
        if scope is None:
            from crossplay.privacy.profiles import profile_path

            profile = lit(str(profile_path(settings).resolve()))
            con.execute(f"SET allowed_paths = [{profile}]")
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
