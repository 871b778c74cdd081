"""Joint profiles: one row per linked person whose consents allow personalisation.

``build_profiles(settings)`` (``crossplay profiles build``) writes
``<data_dir>/derived/profiles/joint.parquet``: ``person_id``, ``k_user_key``,
``g_user_key`` and, for each platform (``k_`` knowledge, ``g_`` game, ``s_`` stream):
events, spend (purchases and gifts, yuan), seconds (lessons, sessions, watching), the
main category and the last activity time. Only persons of
``linked_persons_sql(Purpose.PERSONALISATION)`` are present: an active link, both sides
granted linking and personalisation. The warehouse exposes it as the view
``joint_profiles`` (under a partner scope, without the other partner's key).

Incremental: per-user statistics (``user_stats.parquet``, ``user_categories.parquet``,
person-level with ``partner`` + ``user_key``) are kept beside it with the list of lake
files already counted; a build after a new ingest reads only the new files and merges.
When a counted file has left the lake (erasure or key rotation rewrote it), the build
starts over. Consent and link changes need no recount: they are applied at every build.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from crossplay.core.derived import derived_dir, write_json, write_parquet
from crossplay.core.settings import Settings
from crossplay.ingest.sqlbase import lit
from crossplay.lake import Lake
from crossplay.privacy.policy import Purpose, linked_persons_sql

AREA = "profiles"
PROFILE_FILE = "joint.parquet"
_PLATFORMS = {"knowledge": "k", "game": "g", "stream": "s"}
_SPEND = "('purchase', 'gift')"
_TIME = "('lesson_watch', 'session', 'watch')"


@dataclass(frozen=True)
class ProfileBuild:
    path: Path
    persons: int
    new_files: int
    full: bool

    def as_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "persons": self.persons, "new_files": self.new_files,
                "full": self.full}


def profile_path(settings: Settings) -> Path:
    return settings.data_dir / "derived" / AREA / PROFILE_FILE


def build_profiles(settings: Settings, *, full: bool = False,
                   actor: str = "operator") -> ProfileBuild:
    """Update the per-user statistics with new lake files, then write the joint profiles.

    Building reads both partners' data for linked persons: it is audited (a joint read).
    """
    from crossplay.warehouse.duck import connect

    out = derived_dir(settings, AREA)
    state_path = out / "_state.json"
    files = [str(p) for p in Lake(settings.lake_dir).files("events")]
    done: list[str] = []
    if not full and state_path.is_file():
        done = list(json.loads(state_path.read_text(encoding="utf-8")).get("files", []))
        if not set(done) <= set(files):
            full, done = True, []
    else:
        full = True
    new = [f for f in files if f not in set(done)]
    con = connect(settings)
    try:
        stats_path, cats_path = out / "user_stats.parquet", out / "user_categories.parquet"
        if full:
            for p in (stats_path, cats_path):
                p.unlink(missing_ok=True)
        if new:
            lst = "[" + ", ".join(lit(f) for f in new) + "]"
            con.execute(f"""CREATE TEMP VIEW fresh AS SELECT * FROM read_parquet({lst},
                hive_partitioning = true, hive_types = {{'partner': 'VARCHAR',
                'platform': 'VARCHAR', 'date': 'DATE'}}, union_by_name = true)""")
            con.execute(f"""CREATE TEMP TABLE s_new AS
                SELECT partner, user_key, platform, count(*) AS events,
                       coalesce(sum(value) FILTER (WHERE event_type IN {_SPEND}), 0) AS spend,
                       coalesce(sum(value) FILTER (WHERE event_type IN {_TIME}), 0) AS seconds,
                       max(ts) AS last_ts
                FROM fresh WHERE user_key IS NOT NULL GROUP BY ALL""")
            con.execute("""CREATE TEMP TABLE c_new AS
                SELECT f.partner, f.user_key, f.platform, i.category, count(*) AS n
                FROM fresh f JOIN items_current i ON i.partner = f.partner
                     AND i.item_id = f.item_id
                WHERE f.user_key IS NOT NULL AND i.category IS NOT NULL GROUP BY ALL""")
            old_s = (f"UNION ALL SELECT * FROM read_parquet({lit(str(stats_path))})"
                     if stats_path.is_file() else "")
            old_c = (f"UNION ALL SELECT * FROM read_parquet({lit(str(cats_path))})"
                     if cats_path.is_file() else "")
            stats = con.sql(f"""SELECT partner, user_key, platform, sum(events) AS events,
                       sum(spend) AS spend, sum(seconds) AS seconds, max(last_ts) AS last_ts
                FROM (SELECT * FROM s_new {old_s}) GROUP BY ALL
                ORDER BY partner, user_key, platform""").to_arrow_table()
            cats = con.sql(f"""SELECT partner, user_key, platform, category, sum(n) AS n
                FROM (SELECT * FROM c_new {old_c}) GROUP BY ALL
                ORDER BY partner, user_key, platform, category""").to_arrow_table()
            write_parquet(stats, stats_path)
            write_parquet(cats, cats_path)
        profile = _joint(con, stats_path, cats_path)
    finally:
        con.close()
    path = write_parquet(profile, out / PROFILE_FILE)
    write_json({"files": files}, state_path)
    from crossplay.privacy.audit import record

    record(settings, "joint_profiles_build", actor=actor,
           details={"persons": profile.num_rows, "new_files": len(new), "full": full})
    return ProfileBuild(path, profile.num_rows, len(new), full)


def _joint(con: Any, stats_path: Path, cats_path: Path) -> pa.Table:
    persons = (f"SELECT DISTINCT person_id, k_user_key, g_user_key "
               f"FROM ({linked_persons_sql(Purpose.PERSONALISATION)})")
    if not stats_path.is_file():
        return con.sql(f"SELECT * FROM ({persons}) ORDER BY person_id").to_arrow_table()
    cols, joins = [], []
    for platform, p in _PLATFORMS.items():
        key = "k_user_key" if platform == "knowledge" else "g_user_key"
        partner = "knowledge" if platform == "knowledge" else "game"
        joins.append(f"""LEFT JOIN (SELECT * FROM read_parquet({lit(str(stats_path))})
              WHERE platform = '{platform}') {p}s ON {p}s.partner = '{partner}'
              AND {p}s.user_key = p.{key}
            LEFT JOIN (SELECT user_key, arg_max(category, n * 1e6 - rank) AS category FROM (
              SELECT user_key, category, n, dense_rank() OVER (ORDER BY category) AS rank
              FROM read_parquet({lit(str(cats_path))})
              WHERE platform = '{platform}' AND partner = '{partner}') GROUP BY user_key)
              {p}c ON {p}c.user_key = p.{key}""")
        cols.append(f"""coalesce({p}s.events, 0)::BIGINT AS {p}_events,
            round(coalesce({p}s.spend, 0), 2) AS {p}_spend,
            coalesce({p}s.seconds, 0) AS {p}_seconds, {p}c.category AS {p}_top_category,
            {p}s.last_ts AS {p}_last_ts""")
    sql = (f"SELECT p.person_id, p.k_user_key, p.g_user_key, {', '.join(cols)} "
           f"FROM ({persons}) p {' '.join(joins)} ORDER BY p.person_id")
    result: pa.Table = con.sql(sql).to_arrow_table()
    return result
