"""The warehouse: an in-process DuckDB whose views read the lake's committed files.

Views: ``events``, ``items``, ``social_edges``, ``consents``, ``links``, ``quarantine``
(every committed row), ``items_current``, ``consents_current``, ``links_current``
(the latest state) and, once built, ``joint_profiles``. ``consents`` and ``links`` also
hold the live decisions and links of the operational database
(:mod:`crossplay.privacy.live`).

Scopes: ``connect(settings, scope="knowledge")`` builds the views from that partner's files
only, never defines ``links`` / ``links_current`` and registers only that partner's live
consents. Joint data reaches a partner only through profiles and releases
(:mod:`crossplay.privacy`).

Sealed connections (``sealed=True``, what :mod:`crossplay.warehouse.readonly` runs people's
statements on): the views read Arrow datasets over the committed files, which this process
opens read-only, and DuckDB itself gets no file system at all (``enable_external_access``
off from the start, no allowed directories or paths), no extension loading or installing,
no Python replacement scans and, last, a locked configuration. The connection holds no
table, only views, so nothing in it can be written either; under a scope the other
partner's files are not even opened.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

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

#: DuckDB settings of a sealed connection, given when it opens (before any statement)
SEALED_CONFIG: dict[str, str | bool] = {
    "enable_external_access": False,        # no file, network or database access at all
    "autoload_known_extensions": False,     # nothing loads or installs behind our back
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "allow_persistent_secrets": False,
    "python_enable_replacements": False,    # no Python variable readable as a table
}


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


def _partitions(name: str) -> dict[str, str]:
    parts = ("partner",) if name == "quarantine" else TABLES[name].partition_by  # type: ignore[index]
    return {c: _PARTITION_TYPES[c] for c in parts}


def _parquet_source(name: str, files: list[Path]) -> str:
    file_list = "[" + ", ".join(lit(str(p)) for p in files) + "]"
    hive = _partitions(name)
    if not hive:
        return f"read_parquet({file_list}, union_by_name = true)"
    hive_sql = "{" + ", ".join(f"{lit(c)}: {lit(t)}" for c, t in hive.items()) + "}"
    return (f"read_parquet({file_list}, hive_partitioning = true, hive_types = {hive_sql}, "
            "union_by_name = true)")


@cache
def _arrow_schema(name: str) -> pa.Schema:
    """The Arrow schema of a table's view (its columns and DuckDB types, partitions too)."""
    cols = ", ".join(f"CAST(NULL AS {t}) AS {ident(c)}" for c, t in _table_columns(name))
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.sql(f"SELECT {cols} LIMIT 0").to_arrow_table().schema


def _dataset(lake: Lake, name: str, files: list[Path]) -> ds.Dataset:
    """The committed files as an Arrow dataset: opened read-only, by this process."""
    schema = _arrow_schema(name)
    hive = _partitions(name)
    if not hive:
        return ds.dataset([str(p) for p in files], schema=schema, format="parquet")
    partitioning = ds.partitioning(pa.schema([schema.field(c) for c in hive]), flavor="hive")
    return ds.dataset([str(p) for p in files], schema=schema, format="parquet",
                      partitioning=partitioning, partition_base_dir=str(lake.root / name))


def _view_sql(con: duckdb.DuckDBPyConnection, lake: Lake, name: str,
              scope: Partner | None, sealed: bool) -> str:
    cols = _table_columns(name)
    files = lake.files(name, partner=scope)
    if not files:
        empty = ", ".join(f"CAST(NULL AS {t}) AS {ident(c)}" for c, t in cols)
        return f"SELECT {empty} WHERE false"
    if sealed:
        con.register(f"__lake_{name}", _dataset(lake, name, files))
        source = ident(f"__lake_{name}")
    else:
        source = _parquet_source(name, files)
    return f"SELECT {', '.join(ident(c) for c, _ in cols)} FROM {source}"


def connect(settings: Settings, *, scope: Partner | None = None, live: bool = True,
            sealed: bool = False) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB with the lake's views (a snapshot of the manifest).

    ``scope``: only that partner's rows exist (see the module docstring). ``live=False``
    leaves out the operational DB's live consents and links (the lake alone). ``sealed``:
    for statements from people (see the module docstring); its configuration is locked.
    """
    from crossplay.privacy.live import CONSENT_SCHEMA, LINK_SCHEMA, read_live

    if scope is not None and scope not in PARTNERS:
        raise QueryError(f"unknown scope {scope!r}: use knowledge or game", code="bad_scope",
                         params={"scope": scope})
    config: dict[str, str | bool | int | float | list[str]] = {
        "threads": settings.duckdb_threads, "memory_limit": settings.duckdb_memory_limit}
    if sealed:
        config.update(SEALED_CONFIG)
    con = duckdb.connect(config=config)
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")  # it would print into --json / csv
        lake = Lake(settings.lake_dir)
        live_consents, live_links = (read_live(settings) if live
                                     else (CONSENT_SCHEMA.empty_table(),
                                           LINK_SCHEMA.empty_table()))
        if scope is not None:
            live_consents = live_consents.filter(pc.equal(live_consents["partner"], scope))
        con.register("__live_consents", live_consents)
        if scope is None:
            con.register("__live_links", live_links)
        for name in (*TABLES, "quarantine"):
            if scope is not None and name in JOINT_TABLES:
                continue
            sql = _view_sql(con, lake, name, scope, sealed)
            if name in _LIVE_SQL:
                sql = f"{sql} UNION ALL BY NAME {_LIVE_SQL[name]}"
            con.execute(f"CREATE VIEW {ident(name)} AS {sql}")
        for name, sql in _CURRENT_VIEWS.items():
            if scope is not None and name == "links_current":
                continue
            con.execute(f"CREATE VIEW {ident(name)} AS {sql}")
        _profiles_view(con, settings, scope, sealed)
        if sealed:
            con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def _profiles_view(con: duckdb.DuckDBPyConnection, settings: Settings,
                   scope: Partner | None, sealed: bool) -> None:
    """``joint_profiles`` (see :mod:`crossplay.privacy.profiles`) when it has been built.

    Under a scope it is an in-memory copy without the other partner's key, so no
    statement can reach the file (and its other columns) itself.
    """
    from crossplay.privacy.profiles import profile_path

    path = profile_path(settings)
    if not path.is_file():
        return
    other = "g_user_key" if scope == "knowledge" else "k_user_key"
    if sealed:
        data = (ds.dataset(str(path), format="parquet") if scope is None
                else pq.read_table(path).drop_columns([other]))
        con.register("__joint_profiles", data)
        con.execute("CREATE VIEW joint_profiles AS SELECT * FROM __joint_profiles")
        return
    src = f"read_parquet({lit(str(path.resolve()))})"
    if scope is None:
        con.execute(f"CREATE VIEW joint_profiles AS SELECT * FROM {src}")
    else:
        con.execute(f"CREATE TEMP TABLE joint_profiles AS SELECT * EXCLUDE ({other}) FROM {src}")


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
