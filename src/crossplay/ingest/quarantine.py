"""The run's quarantine file, without rows the quarantine already holds.

A quarantine row's identity is the table, the file's name (not its folder), the row
number, the reason code, the column and the row's raw text (as stored: ids already keys,
unparsable rows masked). Re-ingesting the same export — from the same place, another
folder or a fresh copy — therefore finds every rejected row already held and adds none;
a changed file's new or moved bad rows are added. A row quarantined as
``conflicting_duplicate`` (its key appeared earlier in the same run) comes back as
``conflicts_with_lake`` once that earlier row is committed: the two count as one reason
here, so the re-send does not store it twice.

Identities are computed from the stored columns when needed (never stored), so they stay
right after erasure or key rotation rewrite the quarantine's raw text.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from crossplay.ingest.sqlbase import Plan, lit
from crossplay.schema import SCHEMA_VERSION

#: reason codes that name the same kind of rejection (for the identity)
_SAME_REASON = {"conflicts_with_lake": "conflicting_duplicate"}


def identity_sql(table: str, source: str, row: str, code: str, column: str, raw: str) -> str:
    """SQL for a quarantine row's identity (a 128-bit digest) from its stored values."""
    normal = ("CASE " + " ".join(f"WHEN {code} = {lit(a)} THEN {lit(b)}"
                                 for a, b in _SAME_REASON.items())
              + f" ELSE {code} END")
    parts = [table, f"regexp_extract({source}, '[^/]*$')", f"CAST({row} AS VARCHAR)", normal,
             column, raw]
    return ("md5_number(concat_ws(chr(31), "
            + ", ".join(f"coalesce({p}, '')" for p in parts) + "))")


def write_quarantine(con: duckdb.DuckDBPyConnection, plan: Plan, held_files: list[Path],
                     path: Path, now: datetime) -> tuple[int, int]:
    """Write the run's rejects (table ``rejects`` joined to ``paths``) not already held in
    ``held_files`` (the partner's committed quarantine) to ``path``.

    Returns (rows written, rows already held). Nothing is written when every reject is
    held; identical rejects within the run are stored once.
    """
    table = lit(plan.spec.name)
    con.execute("CREATE OR REPLACE TEMP TABLE held (qid UHUGEINT)")
    if held_files:
        file_list = "[" + ", ".join(lit(str(p)) for p in held_files) + "]"
        qid = identity_sql("table_name", "source", "row_number", "reason_code",
                           "column_name", "raw")
        con.execute(f"INSERT INTO held SELECT DISTINCT {qid} FROM read_parquet({file_list}, "
                    f"hive_partitioning = false) WHERE table_name = {table}")
    qid = identity_sql(table, "p.path", "r._row", "r.code", "r.column_name", "r.raw")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE fresh AS
        SELECT * EXCLUDE (_n) FROM (
          SELECT r.*, p.path, {qid} AS qid,
                 row_number() OVER (PARTITION BY {qid} ORDER BY r._file, r._row) AS _n
          FROM rejects r JOIN paths p USING (_file))
        WHERE _n = 1 AND qid NOT IN (SELECT qid FROM held)""")
    total = int(con.execute("SELECT count(*) FROM rejects").fetchall()[0][0])
    written = int(con.execute("SELECT count(*) FROM fresh").fetchall()[0][0])
    if written:
        ts = now.strftime("%Y-%m-%d %H:%M:%S.%f") + "+00"
        meta = (f"KV_METADATA {{'crossplay.schema_version': '{SCHEMA_VERSION}', "
                f"'crossplay.run_id': {lit(plan.run_id)}}}")
        path.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"""
            COPY (SELECT {lit(plan.run_id)} AS run_id, {table} AS table_name,
                         path AS source, _row AS row_number, raw,
                         code AS reason_code, message AS reason, column_name,
                         TIMESTAMPTZ {lit(ts)} AS quarantined_at
                  FROM fresh ORDER BY path, _row)
            TO {lit(str(path))} (FORMAT parquet, COMPRESSION zstd, {meta})""")
    return written, total - written
