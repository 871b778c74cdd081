"""Per-run state: which keys were seen, which rows were rejected, counts per file.

Each batch is transformed, split into rejects and candidates, and the candidates are
checked against the keys already seen (earlier batches, earlier files, the committed
lake). New rows go back as Arrow for the Parquet writer: every row is transformed and
written once, and memory is bounded by the batch size plus the key set (which DuckDB can
spill to the staging directory).

A row whose key is already in the lake is compared with the lake row (a hash of every
field but the key): the same content is "already in the lake"; different content is a
correction, quarantined as ``conflicts_with_lake`` or, with ``corrections: replace``,
accepted in place of the lake row (:mod:`crossplay.ingest.corrections` finishes both).
Lake rows are hashed lazily, one committed file at a time and only files that hold a key
the run meets, so a run that meets no committed key reads no more of the lake than its
keys.
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
from crossplay.schema.tables import TableSpec

_PARTITION_TYPES = {"partner": "VARCHAR", "platform": "VARCHAR", "date": "DATE"}


def key_column(spec: TableSpec) -> str:
    """The stored column that holds a row's key (``event_id``, else ``record_id``)."""
    return spec.field(spec.key_field).column if spec.key_field else "record_id"


def content_columns(spec: TableSpec) -> list[tuple[str, str]]:
    """(column, kind) of every field but the key: what "the same content" compares."""
    return [(f.column, f.kind) for f in spec.fields if f.name != spec.key_field]


def _canon(column: str, kind: str) -> str:
    # timestamps as epoch microseconds: a run holds them naive (UTC), the lake as TIMESTAMPTZ
    return f"epoch_us({ident(column)})" if kind == "timestamp" else ident(column)


def content_hash_sql(spec: TableSpec) -> str:
    """One 64-bit hash of a row's content, equal for a staged row and its lake copy."""
    return "hash(" + ", ".join(_canon(c, k) for c, k in content_columns(spec)) + ")"


def field_hashes_sql(spec: TableSpec) -> str:
    """A list with one hash per content field (to name the fields that differ)."""
    return "[" + ", ".join(f"hash({_canon(c, k)})" for c, k in content_columns(spec)) + "]"


def lake_source_sql(spec: TableSpec, files: list[Path]) -> str:
    """``read_parquet`` of committed files of ``spec``'s table, partition columns included."""
    file_list = "[" + ", ".join(lit(str(p)) for p in files) + "]"
    if not spec.partition_by:
        return f"read_parquet({file_list}, union_by_name = true)"
    types = "{" + ", ".join(f"{lit(c)}: {lit(_PARTITION_TYPES[c])}"
                            for c in spec.partition_by) + "}"
    return (f"read_parquet({file_list}, hive_partitioning = true, hive_types = {types}, "
            "union_by_name = true)")


@dataclass
class FileCounts:
    read: int = 0
    accepted: int = 0
    duplicates: int = 0
    already: int = 0
    quarantined: int = 0
    corrected: int = 0  # accepted rows that replace a lake row (part of ``accepted``)


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
        #: committed files of the table (for this partner); ``seen`` points into it
        self.lake_files: list[Path] = []
        self._hashed: set[int] = set()
        self.con = duckdb.connect(config={
            "memory_limit": settings.duckdb_memory_limit,
            "threads": settings.duckdb_threads,
            "temp_directory": str(staging / "spill"),
            "preserve_insertion_order": False,
        })
        self.con.execute("SET TimeZone = 'UTC'")
        # keys are remembered by their 128-bit MD5 digest (_kd): joins touch 16 fixed bytes
        # instead of strings, and two different keys share a digest with probability
        # ~n^2 / 2^129 (1e-23 for 100M keys). _h is a hash of the row's content. A key
        # from the lake has _file -1 and, for keyed tables, _row = its file in lake_files.
        self.con.execute("CREATE TABLE seen (_kd UHUGEINT, _h UBIGINT, _file INTEGER, "
                         "_row BIGINT)")
        self.con.execute("CREATE TABLE rejects (_file INTEGER, _row BIGINT, raw VARCHAR, "
                         "code VARCHAR, column_name VARCHAR, message VARCHAR)")
        # content hashes of committed rows (filled file by file, see _hash_lake_files)
        self.con.execute("CREATE TABLE lake_h (_kd UHUGEINT, _h UBIGINT)")
        # rows that differ from their lake row: quarantined, or replacing it
        self.con.execute("CREATE TABLE lake_conflicts (_file INTEGER, _row BIGINT, "
                         "_kd UHUGEINT, lf BIGINT, _fh UBIGINT[], raw VARCHAR)")
        self.con.execute("CREATE TABLE corrections (_file INTEGER, _row BIGINT, "
                         "_kd UHUGEINT, _key VARCHAR, lf BIGINT)")
        spec = plan.spec
        self.stored = [c for c in ("partner", *spec.stored_columns, *spec.partition_by)]
        self.stored = list(dict.fromkeys(self.stored))
        self.key_sql = ident(key_column(spec))
        self.hash_sql = content_hash_sql(spec)
        #: only a table with its own key (events) can meet a key with other content
        self.keyed = spec.key_field is not None
        # a conflicting row's raw text: its key and content (never source or ingest time,
        # so the same row rejected again has the same text; see ingest.quarantine)
        self.raw_sql = ("CAST(to_json(struct_pack(" + ", ".join(
            f"{ident(c)} := c.{ident(c)}"
            for c in [key_column(spec), *(c for c, _ in content_columns(spec))])
            + ")) AS VARCHAR)")

    def load_existing(self, files: list[Path]) -> None:
        """Keys already committed to the lake for this partner (status 'already')."""
        self.lake_files = files
        if not files:
            return
        spec = self.plan.spec
        file_list = "[" + ", ".join(lit(str(p)) for p in files) + "]"
        where = "" if "partner" in spec.partition_by else \
            f"WHERE partner = {lit(self.plan.partner)}"
        if not self.keyed:  # the key is a hash of the content: same key, same content
            self.con.execute("INSERT INTO seen SELECT md5_number(k), NULL, -1, NULL FROM ("
                             f"SELECT DISTINCT {self.key_sql} AS k FROM read_parquet("
                             f"{file_list}, hive_partitioning = false) {where})")
            return
        self.con.register("lake_files", pa.table({
            "filename": pa.array([str(p) for p in files], pa.string()),
            "lf": pa.array(range(len(files)), pa.int64())}))
        try:
            self.con.execute(
                "INSERT INTO seen SELECT md5_number(k), NULL, -1, lf FROM ("
                f"SELECT {self.key_sql} AS k, min(lf) AS lf FROM read_parquet("
                f"{file_list}, hive_partitioning = false, filename = true) "
                f"JOIN lake_files USING (filename) {where} GROUP BY ALL)")
        finally:
            self.con.unregister("lake_files")

    def _hash_lake_files(self) -> None:
        """Hash the content of committed files holding keys of ``special`` rows (once each)."""
        need = sorted({int(r[0]) for r in self.con.execute(
            "SELECT DISTINCT s._row FROM v SEMI JOIN special USING (_row) "
            "JOIN seen s USING (_kd) WHERE s._file = -1").fetchall()} - self._hashed)
        if not need:
            return
        spec = self.plan.spec
        self.con.execute(f"""
            INSERT INTO lake_h SELECT md5_number({self.key_sql}), {self.hash_sql}
            FROM {lake_source_sql(spec, [self.lake_files[i] for i in need])}
            {"" if "partner" in spec.partition_by else
             f"WHERE partner = {lit(self.plan.partner)}"}""")
        self._hashed.update(need)

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

    def _status_sql(self, file_index: int) -> str:
        """status, first_file, first_row of each row of ``cand`` (see ``_classify``).

        Within the batch a later copy of a key's first row is a duplicate. A key in the
        lake is compared with the lake row: the same content is 'already'; other content
        is a 'lake_conflict' (quarantined), or with corrections: replace the first such
        row is a 'correct'ion and later ones are duplicates of it or conflicts with it.
        Any other key follows the first occurrence in the run: 'dup' or 'conflict'.
        """
        later = "c._row <> g.first_row"
        lake = "s._file = -1"
        same_as_lake = "c._h = coalesce(lh._h, c._h)" if self.keyed else "true"
        if self.plan.corrections == "replace":
            status = f"""CASE
                 WHEN {lake} THEN CASE
                   WHEN d.first_diff IS NULL OR c._row < d.first_diff
                     THEN CASE WHEN {later} THEN 'dup' ELSE 'already' END
                   WHEN c._row = d.first_diff THEN 'correct'
                   WHEN c._h = d.first_diff_h THEN 'dup' ELSE 'conflict' END
                 WHEN {later} AND c._h = g.first_h THEN 'dup'
                 WHEN {later} THEN 'conflict'
                 WHEN s._kd IS NULL THEN 'new'
                 WHEN s._h = c._h THEN 'dup' ELSE 'conflict' END"""
            ref_file = f"CASE WHEN {lake} OR {later} THEN {file_index} ELSE s._file END"
            ref_row = (f"CASE WHEN {lake} THEN d.first_diff WHEN {later} THEN g.first_row "
                       "ELSE s._row END")
        else:
            status = f"""CASE WHEN {later} AND c._h = g.first_h THEN 'dup'
                 WHEN {lake} THEN CASE WHEN {same_as_lake} THEN 'already'
                                       ELSE 'lake_conflict' END
                 WHEN {later} THEN 'conflict'
                 WHEN s._kd IS NULL THEN 'new'
                 WHEN s._h = c._h THEN 'dup' ELSE 'conflict' END"""
            ref_file = f"CASE WHEN {later} THEN {file_index} ELSE s._file END"
            ref_row = f"CASE WHEN {later} THEN g.first_row ELSE s._row END"
        lh = ("LEFT JOIN (SELECT _kd, min(_h) AS _h FROM lake_h SEMI JOIN cand USING (_kd) "
              "GROUP BY _kd) lh USING (_kd)") if self.keyed else ""
        diff = (f"""LEFT JOIN (SELECT c._kd, min(c._row) AS first_diff,
                               arg_min(c._h, c._row) AS first_diff_h
                        FROM cand c JOIN seen s USING (_kd) {lh}
                        WHERE {lake} AND NOT ({same_as_lake}) GROUP BY c._kd) d USING (_kd)"""
                if self.plan.corrections == "replace" else "")
        return f"""
            CREATE OR REPLACE TEMP TABLE cls AS
            WITH cand AS (SELECT _row, _kd, _h FROM v SEMI JOIN special USING (_row)),
                 g AS (SELECT _kd, min(_row) AS first_row, arg_min(_h, _row) AS first_h
                       FROM cand GROUP BY _kd)
            SELECT c._row, c._kd, c._h, s._row AS lf, {status} AS status,
                   {ref_file} AS first_file, {ref_row} AS first_row
            FROM cand c JOIN g USING (_kd) LEFT JOIN seen s USING (_kd) {lh} {diff}"""

    def _classify(self, file_index: int, cur: pa.Table, counts: FileCounts) -> pa.Table | None:
        """Quarantine rejects, sort candidates into new / duplicate / conflict / already /
        lake conflict / correction."""
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
                    f"SELECT _row, md5_number({self.key_sql}) AS _kd, {self.hash_sql} AS _h "
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
        if self.keyed and self.lake_files:
            self._hash_lake_files()
        con.execute(self._status_sql(file_index))
        status = dict(con.execute("SELECT status, count(*) FROM cls GROUP BY 1").fetchall())
        counts.duplicates += int(status.get("dup", 0))
        counts.already += int(status.get("already", 0))
        key_field = self.plan.spec.key_field or "record_id"
        if status.get("conflict"):
            con.execute(f"""
                INSERT INTO rejects
                SELECT {file_index}, c._row, {self.raw_sql}, 'conflicting_duplicate',
                       {lit(key_field)},
                       'the same id appears earlier (' || p.path || ' row ' || k.first_row ||
                       ') with different content; the first one was kept'
                FROM cls k JOIN cur c USING (_row) JOIN paths p ON p._file = k.first_file
                WHERE k.status = 'conflict'""")
            counts.quarantined += int(status["conflict"])
        if status.get("lake_conflict"):  # reasons are written at the end of the run
            con.execute(f"""
                INSERT INTO lake_conflicts
                SELECT {file_index}, c._row, k._kd, k.lf, {field_hashes_sql(self.plan.spec)},
                       {self.raw_sql}
                FROM cls k JOIN cur c USING (_row) WHERE k.status = 'lake_conflict'""")
            counts.quarantined += int(status["lake_conflict"])
        if status.get("correct"):
            con.execute(f"""
                INSERT INTO corrections
                SELECT {file_index}, k._row, k._kd, c.{self.key_sql}, k.lf
                FROM cls k JOIN cur c USING (_row) WHERE k.status = 'correct'""")
            # from now on the correction is the run's row for its key
            con.execute(f"""
                UPDATE seen SET _h = k._h, _file = {file_index}, _row = k._row
                FROM cls k WHERE seen._kd = k._kd AND k.status = 'correct'""")
            counts.corrected += int(status["correct"])
        dropped = [int(r[0]) for r in con.execute(
            "SELECT _row FROM cls WHERE status NOT IN ('new', 'correct')").fetchall()]
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
        con = self.con
        con.execute("DELETE FROM seen WHERE _file = ?", [file_index])
        # a lake key this file corrected is the lake's again
        con.execute("INSERT INTO seen SELECT _kd, NULL, -1, lf FROM corrections "
                    "WHERE _file = ?", [file_index])
        for table in ("rejects", "lake_conflicts", "corrections"):
            con.execute(f"DELETE FROM {table} WHERE _file = ?", [file_index])
        self.counts.pop(file_index, None)
        for path in out_dir.rglob(f"r{self.plan.run_id}-f{file_index}-*.parquet"):
            path.unlink()

    def count(self, sql: str) -> int:
        rows = self.con.execute(sql).fetchall()
        return int(rows[0][0] or 0)
