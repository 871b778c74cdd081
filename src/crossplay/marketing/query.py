"""Evaluate an audience expression on the warehouse: who matches, consent always applied.

The base relation ``b`` is one row per person of the joint profiles
(:mod:`crossplay.privacy.profiles`) who may be used for ``marketing`` across partners
(:func:`crossplay.privacy.policy.linked_persons_sql` with ``Purpose.MARKETING``: an active
link, both sides granted linking and marketing). Only the sources the expression names are
joined: windowed aggregates over the lake, joint segments, churn scores, basket tokens.
Every statement is parameterised; the only text pasted into SQL is this module's, the
field whitelist's and paths of derived files (quoted with :func:`lit`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from crossplay.core.errors import ConfigError
from crossplay.core.settings import Settings
from crossplay.ingest.sqlbase import lit
from crossplay.marketing.compile import Compiled, Lookups, compile_condition
from crossplay.marketing.expr import parse
from crossplay.marketing.fields import Windowed
from crossplay.privacy.policy import Purpose, linked_persons_sql

MEMBER_COLUMNS = ("person_id", "k_user_key", "g_user_key")


@dataclass(frozen=True)
class Evaluated:
    members: pa.Table  # MEMBER_COLUMNS, sorted by person_id
    as_of: datetime | None  # the newest event in the lake (windows end there)
    sources: tuple[str, ...]


def _derived(settings: Settings, *parts: str) -> Path:
    return settings.data_dir.joinpath("derived", *parts)


def _segments_path(settings: Settings) -> Path:
    return _derived(settings, "mining", "segments", "joint", "assignments.parquet")


def _churn_path(settings: Settings) -> Path:
    return _derived(settings, "mining", "churn", "joint", "scores.parquet")


def lookups(settings: Settings) -> Lookups:
    """Segment names and rules as stored now (None where nothing is stored)."""
    segments: dict[str, int] | None = None
    prof = _derived(settings, "mining", "segments", "joint", "profiles.json")
    if prof.is_file() and _segments_path(settings).is_file():
        segments = {}
        for p in json.loads(prof.read_text(encoding="utf-8")).get("profiles", []):
            for key in ("name_zh", "name_en"):
                if p.get(key):
                    segments[str(p[key])] = int(p["segment"])
    rules = None
    rules_file = _derived(settings, "mining", "rules", "joint-category.parquet")
    if rules_file.is_file():
        import pyarrow.parquet as pq

        t = pq.read_table(rules_file, columns=["antecedent", "consequent"])
        rules = [(tuple(a.split(" & ")), tuple(c.split(" & ")))
                 for a, c in zip(t.column("antecedent").to_pylist(),
                                 t.column("consequent").to_pylist(), strict=True)]
    return Lookups(segments, rules)


def compile_text(settings: Settings, text: str) -> Compiled:
    """Parse and compile ``text`` against what is stored now (errors carry the column)."""
    return compile_condition(parse(text), text, lookups(settings))


def _window_sql(w: Windowed, end: datetime, tz: str, params: list[Any]) -> str:
    params.append(w.platform)
    cond = "u.platform = ?"
    if w.event_types:
        cond += f" AND u.event_type IN ({', '.join('?' for _ in w.event_types)})"
        params.extend(w.event_types)
    else:
        cond += " AND u.event_type <> 'campaign_exposure'"
    cond += " AND u.ts > ?"
    params.append(end - timedelta(days=w.days))
    if w.measure == "count":
        agg = f"count(*) FILTER (WHERE {cond})"
    elif w.measure == "hours":
        agg = f"coalesce(sum(u.value) FILTER (WHERE {cond}), 0) / 3600.0"
    elif w.measure == "sum":
        agg = f"coalesce(sum(u.value) FILTER (WHERE {cond}), 0)"
    else:
        agg = (f"count(DISTINCT CAST(u.ts AT TIME ZONE {lit(tz)} AS DATE)) "
               f"FILTER (WHERE {cond})")
    return f"{agg} AS {w.column}"


def _as_of(con: duckdb.DuckDBPyConnection) -> datetime | None:
    value = con.execute("SELECT max(ts) FROM events").fetchall()[0][0]
    return value if isinstance(value, datetime) else None


def base_sql(settings: Settings, con: duckdb.DuckDBPyConnection, compiled: Compiled,
             as_of: datetime | None) -> tuple[str, list[Any]]:
    """``SELECT`` of the base relation ``b`` with the columns ``compiled`` needs."""
    from crossplay.mining.baskets import token_pairs_sql
    from crossplay.mining.population import window_bounds

    params: list[Any] = [as_of]
    cols = ["p.*", "CAST(? AS TIMESTAMPTZ) AS as_of"]
    joins = []
    if compiled.windowed:
        if as_of is None:
            raise ConfigError("the lake has no events: windowed fields need behaviour; "
                              "ingest data first", code="audience_no_events")
        start = as_of - timedelta(days=max(w.days for w in compiled.windowed.values()))
        aggs = [_window_sql(w, as_of, settings.timezone, params)
                for w in compiled.windowed.values()]
        lo, hi = f"TIMESTAMPTZ {lit(start.isoformat())}", f"TIMESTAMPTZ {lit(as_of.isoformat())}"
        from crossplay.mining.population import unit_events_sql

        joins.append(f"LEFT JOIN (SELECT u.unit AS person_id, {', '.join(aggs)} FROM "
                     f"({unit_events_sql('joint', lo, hi)}) u GROUP BY u.unit) w "
                     "USING (person_id)")
        cols += [f"coalesce(w.{c}, 0) AS {c}" for c in compiled.windowed]
    if "segment" in compiled.sources:
        joins.append(f"LEFT JOIN (SELECT person_id, segment FROM read_parquet("
                     f"{lit(str(_segments_path(settings)))})) s USING (person_id)")
        cols.append("s.segment")
    if "churn" in compiled.sources:
        path = _churn_path(settings)
        if not path.is_file():
            raise ConfigError("propensity.churn needs churn scores of linked persons: run "
                              "`crossplay churn fit --scope joint` first",
                              code="audience_no_churn")
        joins.append(f"LEFT JOIN (SELECT person_id, churn_probability FROM read_parquet("
                     f"{lit(str(path))})) c USING (person_id)")
        cols.append("c.churn_probability")
    if "tokens" in compiled.sources:
        lo, hi = window_bounds(con, None)
        con.execute(f"""CREATE OR REPLACE TEMP TABLE aud_tokens AS
            {token_pairs_sql('joint', lo, hi, 'category')} UNION
            {token_pairs_sql('joint', lo, hi, 'item')}""")
    consented = f"SELECT person_id FROM ({linked_persons_sql(Purpose.MARKETING)})"
    sql = (f"SELECT {', '.join(cols)} FROM joint_profiles p {' '.join(joins)} "
           f"WHERE p.person_id IN ({consented})")
    return sql, params


def evaluate(settings: Settings, con: duckdb.DuckDBPyConnection,
             compiled: Compiled) -> Evaluated:
    """Members (consented persons matching ``compiled``) on a joint warehouse connection."""
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables").fetchall()}
    if "joint_profiles" not in tables:
        raise ConfigError("no joint profiles yet: run `crossplay profiles build` first",
                          code="audience_no_profiles")
    as_of = _as_of(con)
    base, params = base_sql(settings, con, compiled, as_of)
    sql = (f"SELECT b.person_id, b.k_user_key, b.g_user_key FROM ({base}) b "
           f"WHERE coalesce({compiled.sql}, false) ORDER BY b.person_id")
    table = con.sql(sql, params=[*params, *compiled.params]).to_arrow_table()
    return Evaluated(table.select(list(MEMBER_COLUMNS)), as_of, tuple(sorted(compiled.sources)))
