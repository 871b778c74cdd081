"""Who mining may look at, and their events: the one place that applies consent for mining.

A *unit* is what one basket / one feature row / one segment member stands for:

- scope ``joint`` (default): a linked person usable across partners, i.e. an active link
  whose both sides granted ``linking`` **and** ``personalisation``
  (:func:`crossplay.privacy.policy.linked_persons_sql` with ``Purpose.PERSONALISATION``).
  Mining combines both partners' behaviour to model people and to shape what they are
  shown (segments, rules behind recommendations and offers), which is personalisation;
  marketing consent is asked later, by whoever sends a message to an audience.
  The unit id is the link's ``person_id``.
- scope ``knowledge`` / ``game``: one partner's own users, minus those who refused
  personalisation (:func:`crossplay.privacy.policy.allowed_sql` with the partner as the
  party); the unit id is that partner's ``user_key``.

All SQL runs on a :func:`crossplay.warehouse.duck.connect` connection.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

import duckdb
import pandas as pd
import pyarrow as pa

from crossplay.core import clock
from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.ingest.sqlbase import lit
from crossplay.mining.fpm import MiningError
from crossplay.privacy.policy import Purpose, allowed_sql, linked_persons_sql
from crossplay.warehouse.duck import connect

Scope = Literal["joint", "knowledge", "game"]
SCOPES: tuple[str, ...] = get_args(Scope)
PURPOSE = Purpose.PERSONALISATION


def mining_connection(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A warehouse connection for mining (no progress bar on the terminal)."""
    con = connect(settings)
    con.execute("SET enable_progress_bar = false")
    return con


def audit(settings: Settings, action: str, scope: str, details: dict[str, Any]) -> None:
    """Append a mining read / export to the audit log (joint scope: the operator)."""
    from crossplay.privacy.audit import record

    actor = "operator" if scope == "joint" else f"partner:{scope}"
    record(settings, f"mining.{action}", actor=actor, details={"scope": scope, **details})


def check_scope(scope: str) -> Scope:
    if scope not in SCOPES:
        raise MiningError(f"unknown scope {scope!r}; use one of {', '.join(SCOPES)}",
                          code="mining_unknown_scope",
                          params={"scope": scope, "scopes": ", ".join(SCOPES)})
    return scope  # type: ignore[return-value]


def unit_column(scope: Scope) -> str:
    """Name of the unit id column in stored person-level files (a PERSON_COLUMNS name)."""
    return "person_id" if scope == "joint" else "user_key"


def unit_table(scope: Scope, units: pd.Index, columns: dict[str, pa.Array],
               stamp: str) -> pa.Table:
    """Person-level rows as stored under ``derived/``: the unit id column, ``partner`` for a
    partner scope, then ``columns``, then ``stamp`` (now, UTC)."""
    n = len(units)
    cols: dict[str, pa.Array] = {unit_column(scope): pa.array(units.astype(str).tolist(),
                                                              pa.string())}
    if scope != "joint":
        cols["partner"] = pa.array([scope] * n, pa.string())
    cols.update(columns)
    cols[stamp] = pa.array([clock.now()] * n, pa.timestamp("us", tz="UTC"))
    return pa.table(cols)


def population_sql(scope: Scope) -> str:
    """``SELECT unit, partner, user_key``: every key of every unit mining may use."""
    if scope == "joint":
        persons = linked_persons_sql(PURPOSE)
        return (f"SELECT person_id AS unit, 'knowledge' AS partner, k_user_key AS user_key "
                f"FROM ({persons}) UNION ALL "
                f"SELECT person_id AS unit, 'game' AS partner, g_user_key AS user_key "
                f"FROM ({persons})")
    partner: Partner = scope
    allowed = allowed_sql(PURPOSE, partner, partner)
    return (f"SELECT user_key AS unit, {lit(partner)} AS partner, user_key "
            f"FROM ({allowed})")


def window_bounds(con: duckdb.DuckDBPyConnection, window_days: int | None,
                  end: str | None = None) -> tuple[str, str]:
    """SQL timestamp literals (start, end) of the analysed window: the last ``window_days``
    days up to the newest event (or up to ``end``, an SQL timestamp), or everything."""
    rows = con.sql("SELECT min(ts), max(ts) FROM events").fetchall()
    lo, hi = rows[0]
    if hi is None:
        raise MiningError("the lake has no events: ingest data or run `crossplay demo` first",
                          code="mining_no_data", params={})
    if end is not None:
        hi = con.sql(f"SELECT {end}").fetchall()[0][0]
    if window_days is not None:
        if window_days < 1:
            raise MiningError(f"--window must be at least 1 day, got {window_days}",
                              code="mining_window", params={"window": window_days})
        start = con.sql(f"SELECT TIMESTAMPTZ {lit(str(hi))} - INTERVAL {int(window_days)} DAY"
                        ).fetchall()[0][0]
        lo = max(lo, start)
    return f"TIMESTAMPTZ {lit(str(lo))}", f"TIMESTAMPTZ {lit(str(hi))}"


def unit_events_sql(scope: Scope, start: str, end: str) -> str:
    """Events of the population inside [start, end], with their ``unit`` column."""
    return (f"SELECT p.unit, e.* FROM events e JOIN ({population_sql(scope)}) p "
            f"ON e.partner = p.partner AND e.user_key = p.user_key "
            f"WHERE e.ts >= {start} AND e.ts <= {end}")


def count_units(con: duckdb.DuckDBPyConnection, scope: Scope) -> int:
    return int(con.sql(f"SELECT count(DISTINCT unit) FROM ({population_sql(scope)})"
                       ).fetchall()[0][0])
