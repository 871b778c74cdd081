"""Per-run state: which keys were seen, which rows were rejected, counts per file.

Each batch is transformed, split into rejects and candidates, and the candidates are
checked against the keys already seen (earlier batches, earlier files, the committed
lake). New rows go back as Arrow for the Parquet writer: every row is transformed and
written once, and memory is bounded by the batch size plus the key set (which DuckDB can
spill to the staging directory).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from crossplay.core.settings import Settings
from crossplay.ingest.batch import SourceBatch, SourceReject, clean_text
from crossplay.ingest.pseudonymise import Pseudonymiser, mask_sql
from crossplay.ingest.sqlbase import Plan, ident, lit
from crossplay.ingest.sqlplan import transform_sql


@dataclass
class FileCounts:
    read: int = 0
    accepted: int = 0
    duplicates: int = 0
    already: int = 0
    quarantined: int = 0


class RunState:
    """One run's DuckDB state: the keys seen so far, the rejects, per-file counters.

    Each batch is transformed, split into rejects and candidates, checked against the
    keys already seen (earlier batches, earlier files, the committed lake) and the new
    rows are handed back as Arrow for the Parquet writer: every row is transformed and
    written once, and memory is bounded by the batch size plus the key set (which DuckDB
    can spill to the staging directory).
    """

    def __init__(self, settings: Settings, plan: Plan, staging: Path) -> None:
        self.plan = plan
        #: keys every value of a row that could not be parsed (None: no user ids to hide)
        self.mask: Pseudonymiser | None = None
        self.staging = staging
        self.batch_rows = settings.batch_rows
        self.counts: dict[int, FileCounts] = {}
        self.con = duckdb.connect(config={
            "memory_limit": settings.duckdb_memory_limit,
            "threads": settings.duckdb_threads,
            "temp_directory": str(staging / "spill"),
            "preserve_insertion_order": False,
        })
        self.con.execute("SET TimeZone = 'UTC'")
        # keys are remembered by their 128-bit MD5 digest (_kd): joins touch 16 fixed bytes
        # instead of strings, and two different keys share a digest with probability
        # ~n^2 / 2^129 (1e-23 for 100M keys). _h is a hash of the row's content.
        self.con.execute("CREATE TABLE seen (_kd UHUGEINT, _h UBIGINT, _file INTEGER, "
                         "_row BIGINT)")
        self.con.execute("CREATE TABLE rejects (_file INTEGER, _row BIGINT, raw VARCHAR, "
                         "code VARCHAR, column_name VARCHAR, message VARCHAR)")
        spec = plan.spec
        self.stored = [c for c in ("partner", *spec.stored_columns, *spec.partition_by)]
        self.stored = list(dict.fromkeys(self.stored))
        key = spec.field(spec.key_field).column if spec.key_field else "record_id"
        self.key_sql = ident(key)
        content = [c for c in spec.stored_columns if c not in ("source", "ingested_at")]
        self.content_sql = ", ".join(ident(c) for c in content)

    def load_existing(self, files: list[Path]) -> None:
        """Keys already committed to the lake for this partner (status 'already')."""
        if not files:
            return
        spec = self.plan.spec
        file_list = "[" + ", ".join(lit(str(p)) for p in files) + "]"
        where = "" if "partner" in spec.partition_by else \
            f"WHERE partner = {lit(self.plan.partner)}"
        self.con.execute("INSERT INTO seen SELECT md5_number(k), NULL, -1, NULL FROM ("
                         f"SELECT DISTINCT {self.key_sql} AS k FROM read_parquet("
                         f"{file_list}, hive_partitioning = false) {where})")

    def counts_for(self, file_index: int) -> FileCounts:
        return self.counts.setdefault(file_index, FileCounts())

    def process(self, file_index: int, source: str, batch: SourceBatch,
                table: pa.Table) -> pa.Table | None:
        """Transform one batch (``table``: its rows, ids already pseudonymised).

        Returns the batch's new, valid rows (or None)."""
        counts = self.counts_for(file_index)
        if batch.rejects:
            self.add_rejects(file_index, batch.rejects)
            counts.read += len(batch.rejects)
            counts.quarantined += len(batch.rejects)
        if table.num_rows == 0:
            return None
        table = table.append_column("_row", batch.rows)
        counts.read += table.num_rows
        types = {f.name: f.type for f in table.schema}
        sql = transform_sql(self.plan, types, "batch", file_index, source)
        con = self.con
        # many small record batches let DuckDB scan the Arrow table on every thread
        con.register("batch", pa.Table.from_batches(table.to_batches(max_chunksize=65_536)))
        try:
            cur = con.sql(sql).to_arrow_table()
        finally:
            con.unregister("batch")
        con.register("cur", cur)
        try:
            return self._classify(file_index, cur, counts)
        finally:
            con.unregister("cur")

    def _classify(self, file_index: int, cur: pa.Table, counts: FileCounts) -> pa.Table | None:
        """Quarantine rejects, sort candidates into new / duplicate / conflict / already."""
        con = self.con
        bad = cur.num_rows - cur.column("_reason").null_count
        if bad:
            con.execute("""
                INSERT INTO rejects
                SELECT _file, _row, _raw, split_part(_reason, chr(31), 1),
                       split_part(_reason, chr(31), 2), split_part(_reason, chr(31), 3)
                FROM cur WHERE _reason IS NOT NULL""")
            counts.quarantined += bad
        # rows that need a closer look: their key repeats in this batch or was seen before
        # the batch's keys, read from Arrow once (a CTE used three times would read thrice)
        con.execute("CREATE OR REPLACE TEMP TABLE v AS "
                    f"SELECT _row, md5_number({self.key_sql}) AS _kd, "
                    f"hash({self.content_sql}) AS _h "
                    "FROM cur WHERE _reason IS NULL")
        con.execute("""
            CREATE OR REPLACE TEMP TABLE special AS
            WITH rep AS (SELECT _kd FROM v GROUP BY _kd HAVING count(*) > 1),
                 hit AS (SELECT DISTINCT _kd FROM v SEMI JOIN seen USING (_kd))
            SELECT _row FROM v
            WHERE _kd IN (SELECT _kd FROM rep UNION ALL SELECT _kd FROM hit)""")
        valid_rows = cur.num_rows - bad
        if not valid_rows:
            return None
        if self.count("SELECT count(*) FROM special") == 0:  # every valid row is new
            counts.accepted += valid_rows
            con.execute(f"INSERT INTO seen SELECT _kd, _h, {file_index}, _row FROM v")
            valid = cur if not bad else cur.filter(pc.is_null(cur.column("_reason")))
            return valid.select(self.stored)
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE cls AS
            WITH cand AS (SELECT _row, _kd, _h FROM v SEMI JOIN special USING (_row)),
                 g AS (SELECT _kd, min(_row) AS first_row, arg_min(_h, _row) AS first_h
                       FROM cand GROUP BY _kd)
            SELECT c._row, c._kd, c._h,
                   CASE WHEN c._row <> g.first_row
                          THEN CASE WHEN c._h = g.first_h THEN 'dup' ELSE 'conflict' END
                        WHEN s._kd IS NULL THEN 'new'
                        WHEN s._file = -1 THEN 'already'
                        WHEN s._h = c._h THEN 'dup' ELSE 'conflict' END AS status,
                   CASE WHEN c._row <> g.first_row THEN {file_index} ELSE s._file END
                     AS first_file,
                   CASE WHEN c._row <> g.first_row THEN g.first_row ELSE s._row END
                     AS first_row
            FROM cand c JOIN g USING (_kd) LEFT JOIN seen s USING (_kd)""")
        status = dict(con.execute("SELECT status, count(*) FROM cls GROUP BY 1").fetchall())
        counts.duplicates += int(status.get("dup", 0))
        counts.already += int(status.get("already", 0))
        if status.get("conflict"):
            stored = ", ".join(f"{ident(c)} := c.{ident(c)}" for c in self.plan.spec.stored_columns)
            con.execute(f"""
                INSERT INTO rejects
                SELECT {file_index}, c._row, CAST(to_json(struct_pack({stored})) AS VARCHAR),
                       'conflicting_duplicate', '{self.plan.spec.key_field or "record_id"}',
                       'the same id appears earlier (' || p.path || ' row ' || k.first_row ||
                       ') with different content; the first one was kept'
                FROM cls k JOIN cur c USING (_row) JOIN paths p ON p._file = k.first_file
                WHERE k.status = 'conflict'""")
            counts.quarantined += int(status["conflict"])
        dropped = [int(r[0]) for r in con.execute(
            "SELECT _row FROM cls WHERE status <> 'new'").fetchall()]
        counts.accepted += valid_rows - len(dropped)
        con.execute(f"""
            INSERT INTO seen
            SELECT _kd, _h, {file_index}, _row FROM v
            WHERE _row NOT IN (SELECT _row FROM special)
            UNION ALL
            SELECT _kd, _h, {file_index}, _row FROM cls WHERE status = 'new'""")
        keep = pc.and_(pc.is_null(cur.column("_reason")),
                       pc.invert(pc.is_in(cur.column("_row"),
                                          value_set=pa.array(dropped, pa.int64()))))
        new = cur.filter(keep)
        return new.select(self.stored) if new.num_rows else None

    def add_rejects(self, file_index: int, rejects: list[SourceReject]) -> None:
        """Quarantine rows the reader could not parse; their raw text is masked.

        Only names the mapping and the table define stay readable: a file's own header
        or JSON keys are partner data like any other value.
        """
        t = pa.table({
            "_file": pa.array([file_index] * len(rejects), pa.int32()),
            "_row": pa.array([r.row for r in rejects], pa.int64()),
            "raw": pa.array([clean_text(r.raw) for r in rejects], pa.string()),
            "code": pa.array([r.code for r in rejects], pa.string()),
            "column_name": pa.array([None] * len(rejects), pa.string()),
            "message": pa.array([clean_text(r.message) for r in rejects], pa.string()),
        })
        m = self.plan.mapping
        names = [*m.columns.values(), *m.properties, *self.plan.spec.field_names]
        masked = mask_sql("raw", self.mask, names, m.delimiter)
        self.con.register("rej", t)
        try:
            self.con.execute("INSERT INTO rejects SELECT _file, _row, "
                             f"{masked}, code, column_name, message FROM rej")
        finally:
            self.con.unregister("rej")

    def forget_file(self, file_index: int, out_dir: Path) -> None:
        """Undo everything a file contributed (before it is read again row by row)."""
        self.con.execute("DELETE FROM seen WHERE _file = ?", [file_index])
        self.con.execute("DELETE FROM rejects WHERE _file = ?", [file_index])
        self.counts.pop(file_index, None)
        for path in out_dir.rglob(f"r{self.plan.run_id}-f{file_index}-*.parquet"):
            path.unlink()

    def count(self, sql: str) -> int:
        rows = self.con.execute(sql).fetchall()
        return int(rows[0][0] or 0)
