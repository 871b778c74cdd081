"""Rows whose key the lake already holds with other content (a corrected re-send).

The run (:class:`~crossplay.ingest.dedupe.RunState`) finds them batch by batch by comparing
content hashes. At the end of the run this module either

- writes their quarantine rows (``conflicts_with_lake``, the default), each naming the
  fields that differ from the lake row (names only, never values) and where the lake row
  came from, or
- with ``corrections: replace``, rewrites each committed file that holds a replaced row
  without it; the pipeline publishes the rewrites together with the run's new files in
  one manifest replacement (:meth:`crossplay.lake.Lake.commit`), so a reader sees either
  the old rows or the corrected ones, never both or neither.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from crossplay.ingest.dedupe import (
    RunState,
    content_columns,
    field_hashes_sql,
    key_column,
    lake_source_sql,
)
from crossplay.ingest.sqlbase import ident, lit

#: a swap of the lake's replace protocol: (table, old relative path, new one or "")
Swap = tuple[str, str, str]


def quarantine_lake_conflicts(run: RunState) -> int:
    """Add a reject row for every lake conflict of the run; returns how many."""
    con = run.con
    n = run.count("SELECT count(*) FROM lake_conflicts")
    if not n:
        return 0
    spec = run.plan.spec
    lfs = [int(r[0]) for r in con.execute(
        "SELECT DISTINCT lf FROM lake_conflicts ORDER BY 1").fetchall()]
    where = "" if "partner" in spec.partition_by else f"AND partner = {lit(run.plan.partner)}"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE lake_rows AS
        SELECT _kd, any_value(_fh) AS _fh, any_value(source) AS source,
               any_value(ingested_at) AS ingested_at
        FROM (SELECT md5_number({ident(key_column(spec))}) AS _kd,
                     {field_hashes_sql(spec)} AS _fh, source, ingested_at
              FROM {lake_source_sql(spec, [run.lake_files[i] for i in lfs])}
              WHERE true {where})
        WHERE _kd IN (SELECT _kd FROM lake_conflicts) GROUP BY _kd""")
    names = "[" + ", ".join(lit(c) for c, _ in content_columns(spec)) + "]"
    key_field = spec.key_field or "record_id"
    differ = (f"coalesce(nullif(array_to_string(list_filter({names}, "
              "lambda x, i: k._fh[i] IS DISTINCT FROM l._fh[i]), ', '), ''), 'content')")
    came = ("coalesce(' (ingested ' || strftime(l.ingested_at, '%Y-%m-%d') || ' from ' || "
            "l.source || ')', '')")
    con.execute(f"""
        INSERT INTO rejects
        SELECT k._file, k._row, k.raw, 'conflicts_with_lake', {lit(key_field)},
               'this {key_field} is already in the lake with a different ' || {differ} ||
               {came} || '; the lake row was kept. If this row corrects it, ingest the '
               'file again with --corrections replace'
        FROM lake_conflicts k LEFT JOIN lake_rows l USING (_kd)""")
    return n


def rewrite_corrected(run: RunState, lake_root: Path, out: Path) -> list[Swap]:
    """Stage each committed file that holds a corrected key, without those rows.

    The rewrites go under ``out`` at their new place in the lake; the returned swaps
    give each one its old file's slot (an empty new path drops a file left empty).
    """
    con = run.con
    spec = run.plan.spec
    key = key_column(spec)
    swaps: list[Swap] = []
    for lf, keys in con.execute(
            "SELECT lf, list(_key) FROM corrections GROUP BY lf ORDER BY lf").fetchall():
        path = run.lake_files[int(lf)]
        rel = path.relative_to(lake_root)
        data = pq.ParquetFile(path).read()  # the file's own columns and metadata
        keep = pc.invert(pc.is_in(data.column(key), value_set=pa.array(keys, pa.string())))
        kept = data.filter(keep)
        if kept.num_rows:
            new_rel = rel.with_name(f"r{run.plan.run_id}-x{int(lf)}.parquet")
            staged = out / new_rel
            staged.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(kept, staged, compression="zstd")
            swaps.append((spec.name, rel.as_posix(), new_rel.as_posix()))
        else:
            swaps.append((spec.name, rel.as_posix(), ""))
    return swaps
