"""One ingest run: read -> pseudonymise -> map and validate -> dedupe -> commit.

Rows flow in Arrow batches through DuckDB (bounded memory: DuckDB spills to the run's
staging directory); rejected rows become quarantine rows; accepted rows are written as
partitioned Parquet and published with one atomic manifest update (see lake/store.py).
"""

from __future__ import annotations

import csv
import io
import itertools
import logging
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from crossplay.core.errors import CrossplayError, MappingError, SourceError
from crossplay.core.secrets import partner_secret
from crossplay.core.settings import Settings
from crossplay.core.types import KIND_TABLE, Kind, Partner
from crossplay.ingest.mapping import Mapping
from crossplay.ingest.prefetch import prefetch
from crossplay.ingest.pseudonymise import Pseudonymiser
from crossplay.ingest.readers import (
    Format,
    SourceBatch,
    SourceReject,
    detect_format,
    open_source,
)
from crossplay.ingest.sqlbase import Plan, ident, lit
from crossplay.ingest.sqlplan import check_columns, transform_sql
from crossplay.lake import Lake, RunRecord
from crossplay.schema import SCHEMA_VERSION, TableSpec, table_spec

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class FileSummary:
    path: str
    format: str
    read: int
    quarantined: int
    note: str = ""


@dataclass(frozen=True)
class IngestSummary:
    run_id: str
    partner: str
    table: str
    files: list[FileSummary]
    read: int
    accepted: int
    duplicates: int
    already_ingested: int
    quarantined: int
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def events_per_second(self) -> float:
        return self.read / self.seconds if self.seconds > 0 else 0.0


def new_run_id(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


def _resolve_mapping(mapping: Mapping | None, partner: Partner, kind: Kind,
                     spec: TableSpec) -> Mapping:
    m = mapping or Mapping()
    if m.kind is not None and m.kind != kind:
        raise MappingError(f"the mapping {m.origin or ''} is for kind '{m.kind}', "
                           f"but --kind is '{kind}'")
    if m.partner is not None and m.partner != partner:
        raise MappingError(f"the mapping {m.origin or ''} is for partner '{m.partner}', "
                           f"but --partner is '{partner}'")
    m.check_against(spec)
    return m


def _secrets_for(settings: Settings, spec: TableSpec, partner: Partner) -> dict[str, bytes]:
    """Which secret pseudonymises which id field (checked before any work starts)."""
    out: dict[str, bytes] = {}
    for f in spec.fields:
        if f.kind == "pseudo_id" or (spec.name == "social_edges" and f.name == "dst_id"):
            owner: Partner = partner
            if f.name == "k_user_id":
                owner = "knowledge"
            elif f.name == "g_user_id":
                owner = "game"
            out[f.name] = partner_secret(settings, owner)
    return out


def _apply_pseudonyms(batch: pa.Table, plan: Plan,
                      pseudo: dict[str, Pseudonymiser]) -> pa.Table:
    """Replace native id columns by their keys before anything else sees them."""
    for name, ps in pseudo.items():
        src = plan.mapping.columns.get(name, name)
        if src not in batch.column_names:
            continue
        idx = batch.column_names.index(src)
        keys = ps.keys(batch.column(src))
        if name == "dst_id":  # streamers are catalog items, not people: keep their id
            dst_type = _dst_types(batch, plan)
            if dst_type is not None:
                original = batch.column(src).combine_chunks().cast(pa.string())
                keys = pc.if_else(pc.equal(dst_type, "streamer"), original, keys)
        batch = batch.set_column(idx, src, keys)
    return batch


def _dst_types(batch: pa.Table, plan: Plan) -> pa.Array | None:
    m = plan.mapping
    if "dst_type" in m.constants:
        value = str(m.constants["dst_type"])
        return pa.array([value] * batch.num_rows, pa.string())
    col = m.columns.get("dst_type", "dst_type")
    if col not in batch.column_names:
        return None
    arr = batch.column(col).combine_chunks().cast(pa.string())
    mapped = m.values.get("dst_type", {})
    if mapped:
        vals = arr.to_pylist()
        arr = pa.array([mapped.get(v, v) if v is not None else None for v in vals], pa.string())
    return arr


def scrub_raw(raw: str, header: list[str], id_cols: dict[str, Pseudonymiser],
              delimiter: str) -> str:
    """Replace native ids inside an unparseable row's text by their keys.

    JSON text: every ``"<id column>": value`` pair; anything else is read as a CSV row
    and the id columns are replaced by position.
    """
    text = raw.lstrip()
    if text.startswith("{"):
        for col, ps in id_cols.items():
            pattern = r'("' + re.escape(col) + r'"\s*:\s*)("?)([^",}\s]*)\2'

            def keyed(mt: re.Match[str], ps: Pseudonymiser = ps) -> str:
                value = mt.group(3)
                if not value or value == "null":
                    return mt.group(0)
                return f'{mt.group(1)}"{ps.key(value)}"'

            raw = re.sub(pattern, keyed, raw)
        return raw
    fields = next(csv.reader([raw], delimiter=delimiter), [])
    changed = False
    for col, ps in id_cols.items():
        if col in header:
            i = header.index(col)
            if i < len(fields) and fields[i].strip():
                fields[i] = ps.key(fields[i].strip())
                changed = True
    if not changed:
        return raw
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="").writerow(fields)
    return buf.getvalue()


@dataclass
class _FileCounts:
    read: int = 0
    accepted: int = 0
    duplicates: int = 0
    already: int = 0
    quarantined: int = 0


class _Run:
    """One run's DuckDB state: the keys seen so far, the rejects, per-file counters.

    Each batch is transformed, split into rejects and candidates, checked against the
    keys already seen (earlier batches, earlier files, the committed lake) and the new
    rows are handed back as Arrow for the Parquet writer: every row is transformed and
    written once, and memory is bounded by the batch size plus the key set (which DuckDB
    can spill to the staging directory).
    """

    def __init__(self, settings: Settings, plan: Plan, staging: Path) -> None:
        self.plan = plan
        self.staging = staging
        self.batch_rows = settings.batch_rows
        self.counts: dict[int, _FileCounts] = {}
        self.con = duckdb.connect(config={
            "memory_limit": settings.duckdb_memory_limit,
            "threads": settings.duckdb_threads,
            "temp_directory": str(staging / "spill"),
            "preserve_insertion_order": False,
        })
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute("CREATE TABLE seen (_key VARCHAR, _h UBIGINT, _file INTEGER, "
                         "_row BIGINT)")
        self.con.execute("CREATE TABLE rejects (_file INTEGER, _row BIGINT, raw VARCHAR, "
                         "code VARCHAR, column_name VARCHAR, message VARCHAR)")
        spec = plan.spec
        self.stored = [c for c in ("partner", *spec.stored_columns, *spec.partition_by)]
        self.stored = list(dict.fromkeys(self.stored))
        content = [c for c in spec.stored_columns if c not in ("source", "ingested_at")]
        self.content_sql = ", ".join(ident(c) for c in content)

    def load_existing(self, files: list[Path]) -> None:
        """Keys already committed to the lake for this partner (status 'already')."""
        if not files:
            return
        spec = self.plan.spec
        key_col = spec.field(spec.key_field).column if spec.key_field else "record_id"
        file_list = "[" + ", ".join(lit(str(p)) for p in files) + "]"
        where = "" if "partner" in spec.partition_by else \
            f"WHERE partner = {lit(self.plan.partner)}"
        self.con.execute(f"INSERT INTO seen SELECT DISTINCT {ident(key_col)}, NULL, -1, NULL "
                         f"FROM read_parquet({file_list}, hive_partitioning = false) {where}")

    def counts_for(self, file_index: int) -> _FileCounts:
        return self.counts.setdefault(file_index, _FileCounts())

    def process(self, file_index: int, source: str, batch: SourceBatch, table: pa.Table,
                pseudo: dict[str, Pseudonymiser]) -> pa.Table | None:
        """Transform one batch (``table``: its rows, ids already pseudonymised).

        Returns the batch's new, valid rows (or None)."""
        counts = self.counts_for(file_index)
        if batch.rejects:
            header = batch.table.column_names
            id_cols = {self.plan.mapping.columns.get(n, n): ps for n, ps in pseudo.items()}
            self.add_rejects(file_index, [
                replace(r, raw=scrub_raw(r.raw, header, id_cols, self.plan.mapping.delimiter))
                for r in batch.rejects])
            counts.read += len(batch.rejects)
            counts.quarantined += len(batch.rejects)
        if table.num_rows == 0:
            return None
        table = table.append_column("_row", batch.rows)
        counts.read += table.num_rows
        types = {f.name: f.type for f in table.schema}
        sql = transform_sql(self.plan, types, "batch", file_index, source)
        con = self.con
        con.register("batch", table)
        try:
            cur = con.sql(sql).to_arrow_table()
        finally:
            con.unregister("batch")
        con.register("cur", cur)
        try:
            return self._classify(file_index, cur, counts)
        finally:
            con.unregister("cur")

    def _classify(self, file_index: int, cur: pa.Table, counts: _FileCounts) -> pa.Table | None:
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
        valid, distinct, collisions = con.execute("""
            SELECT count(*), count(DISTINCT c._key), count(s._key)
            FROM cur c LEFT JOIN seen s USING (_key) WHERE c._reason IS NULL""").fetchall()[0]
        cols = ", ".join(ident(c) for c in self.stored)
        if valid == distinct and collisions == 0:  # the common case: every row is new
            counts.accepted += int(valid)
            if not valid:
                return None
            con.execute(f"INSERT INTO seen SELECT _key, hash({self.content_sql}), {file_index}, "
                        "_row FROM cur WHERE _reason IS NULL")
            valid = cur if not bad else cur.filter(pc.is_null(cur.column("_reason")))
            return valid.select(self.stored)
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE cls AS
            WITH cand AS (SELECT _row, _key, hash({self.content_sql}) AS _h
                          FROM cur WHERE _reason IS NULL),
                 g AS (SELECT _key, min(_row) AS first_row, arg_min(_h, _row) AS first_h
                       FROM cand GROUP BY _key)
            SELECT c._row, c._key, c._h,
                   CASE WHEN c._row <> g.first_row
                          THEN CASE WHEN c._h = g.first_h THEN 'dup' ELSE 'conflict' END
                        WHEN s._key IS NULL THEN 'new'
                        WHEN s._file = -1 THEN 'already'
                        WHEN s._h = c._h THEN 'dup' ELSE 'conflict' END AS status,
                   CASE WHEN c._row <> g.first_row THEN {file_index} ELSE s._file END
                     AS first_file,
                   CASE WHEN c._row <> g.first_row THEN g.first_row ELSE s._row END
                     AS first_row
            FROM cand c JOIN g USING (_key) LEFT JOIN seen s USING (_key)""")
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
        new = int(status.get("new", 0))
        counts.accepted += new
        if new == 0:
            return None
        con.execute(f"INSERT INTO seen SELECT _key, _h, {file_index}, _row FROM cls "
                    "WHERE status = 'new'")
        return con.sql(f"SELECT {cols} FROM cur SEMI JOIN (SELECT _row FROM cls WHERE "
                       "status = 'new') USING (_row)").to_arrow_table()

    def add_rejects(self, file_index: int, rejects: list[SourceReject]) -> None:
        t = pa.table({
            "_file": pa.array([file_index] * len(rejects), pa.int32()),
            "_row": pa.array([r.row for r in rejects], pa.int64()),
            "raw": pa.array([r.raw for r in rejects], pa.string()),
            "code": pa.array([r.code for r in rejects], pa.string()),
            "column_name": pa.array([None] * len(rejects), pa.string()),
            "message": pa.array([r.message for r in rejects], pa.string()),
        })
        self.con.register("rej", t)
        try:
            self.con.execute("INSERT INTO rejects SELECT * FROM rej")
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


def ingest(
    settings: Settings,
    paths: list[Path],
    *,
    partner: Partner,
    kind: Kind,
    mapping: Mapping | None = None,
    progress: Progress | None = None,
) -> IngestSummary:
    """Ingest ``paths`` as ``kind`` from ``partner``; returns what happened."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    spec = table_spec(KIND_TABLE[kind])
    m = _resolve_mapping(mapping, partner, kind, spec)
    plan = Plan(spec=spec, mapping=m, partner=partner,
                timezone=m.timezone or settings.timezone, run_id=new_run_id(now),
                ingested_at=now, max_ts=now + timedelta(days=1))
    id_secrets = _secrets_for(settings, spec, partner)
    lake = Lake(settings.lake_dir)
    with lake.lock():
        lake.remove_leftovers()
        staging = lake.new_staging(plan.run_id)
        run = _Run(settings, plan, staging)
        try:
            pseudo = {n: Pseudonymiser(secret, run.con.cursor())
                      for n, secret in id_secrets.items()}
            run.load_existing(lake.files(
                spec.name, partner if "partner" in spec.partition_by else None))
            run.con.register("paths", pa.table({
                "_file": pa.array(range(len(paths)), pa.int32()),
                "path": pa.array([str(p) for p in paths], pa.string())}))
            files = _read_all(run, paths, pseudo, progress)
            return _finish(run, lake, files, now, started)
        finally:
            run.con.close()
            shutil.rmtree(staging, ignore_errors=True)


def _partitioning(spec: TableSpec) -> ds.Partitioning | None:
    if not spec.partition_by:
        return None
    types = {"partner": pa.string(), "platform": pa.string(), "date": pa.date32()}
    return ds.partitioning(pa.schema([(c, types[c]) for c in spec.partition_by]),
                           flavor="hive")


def _write_file_output(run: _Run, file_index: int, tables: Iterator[pa.Table]) -> None:
    """Stream one source file's accepted rows into partitioned Parquet under staging."""
    spec = run.plan.spec
    first = next(tables, None)
    if first is None:
        return
    meta = {b"crossplay.schema_version": str(SCHEMA_VERSION).encode(),
            b"crossplay.run_id": run.plan.run_id.encode()}
    utc = pa.timestamp("us", tz="UTC")
    schema = pa.schema(
        [pa.field(f.name, utc) if pa.types.is_timestamp(f.type) else f for f in first.schema],
        metadata=meta)

    def batches() -> Iterator[pa.RecordBatch]:
        for t in itertools.chain([first], tables):
            yield from t.cast(schema).to_batches()

    ds.write_dataset(
        batches(), run.staging / "out" / spec.name, schema=schema, format="parquet",
        partitioning=_partitioning(spec),
        basename_template=f"r{run.plan.run_id}-f{file_index}-{{i}}.parquet",
        existing_data_behavior="overwrite_or_ignore",
        file_options=ds.ParquetFileFormat().make_write_options(compression="zstd"),
        max_rows_per_group=1 << 20, min_rows_per_group=1 << 16, max_rows_per_file=1 << 23,
        use_threads=True,
    )


def _read_all(run: _Run, paths: list[Path], pseudo: dict[str, Pseudonymiser],
              progress: Progress | None) -> list[tuple[str, str, str]]:
    m = run.plan.mapping
    total_bytes = sum(p.stat().st_size for p in paths) or 1
    done_before = 0
    out: list[tuple[str, str, str]] = []
    for i, path in enumerate(paths):
        fmt = detect_format(path) if m.format == "auto" else m.format
        note = ""
        size = path.stat().st_size
        for slow in (False, True):
            seen_header: list[bool] = []

            def produce(slow: bool = slow, seen_header: list[bool] = seen_header,
                        path: Path = path, fmt: Format = fmt, i: int = i,
                        size: int = size, before: int = done_before) -> Iterator[pa.Table]:
                batches = open_source(path, fmt, m.encoding, m.delimiter, run.batch_rows,
                                      slow=slow)
                prepared = prefetch(
                    (b, _apply_pseudonyms(b.table, run.plan, pseudo)) for b in batches)
                for batch, table in prepared:
                    if not seen_header:
                        check_columns(run.plan, batch.table.column_names, str(path))
                        seen_header.append(True)
                    result = run.process(i, str(path), batch, table, pseudo)
                    if progress is not None:
                        progress(before + min(batch.bytes_done, size), total_bytes)
                    if result is not None and result.num_rows:
                        yield result

            try:
                _write_file_output(run, i, produce())
                if not seen_header:
                    note = "empty file" if size == 0 else "no data rows"
                break
            except CrossplayError:
                raise
            except (pa.ArrowException, UnicodeDecodeError, csv.Error, OSError) as exc:
                run.forget_file(i, run.staging / "out")
                if slow or fmt != "csv":
                    raise SourceError(f"cannot read {path} as {fmt}: {exc}") from None
                log.info("fast CSV path failed on %s (%s); reading row by row", path, exc)
                note = "read row by row"
        done_before += size
        if progress is not None:
            progress(done_before, total_bytes)
        out.append((str(path), fmt, note))
    return out


def _finish(run: _Run, lake: Lake, files: list[tuple[str, str, str]], now: datetime,
            started: float) -> IngestSummary:
    con, plan, spec = run.con, run.plan, run.plan.spec
    by_reason = {str(code): int(n) for code, n in con.execute(
        "SELECT code, count(*) FROM rejects GROUP BY code ORDER BY 2 DESC, 1").fetchall()}
    added: dict[str, list[Path]] = {}
    out = run.staging / "out"
    table_dir = out / spec.name
    if table_dir.exists():
        added[spec.name] = sorted(table_dir.rglob("*.parquet"))
    if by_reason:
        qdir = out / "quarantine" / f"partner={plan.partner}"
        qdir.mkdir(parents=True, exist_ok=True)
        qfile = qdir / f"r{plan.run_id}.parquet"
        ts = now.strftime("%Y-%m-%d %H:%M:%S.%f") + "+00"
        meta = (f"KV_METADATA {{'crossplay.schema_version': '{SCHEMA_VERSION}', "
                f"'crossplay.run_id': {lit(plan.run_id)}}}")
        con.execute(f"""
            COPY (SELECT {lit(plan.run_id)} AS run_id, {lit(spec.name)} AS table_name,
                         p.path AS source, r._row AS row_number, r.raw,
                         r.code AS reason_code, r.message AS reason, r.column_name,
                         TIMESTAMPTZ {lit(ts)} AS quarantined_at
                  FROM rejects r JOIN paths p USING (_file)
                  ORDER BY p.path, r._row)
            TO {lit(str(qfile))} (FORMAT parquet, COMPRESSION zstd, {meta})""")
        added["quarantine"] = [qfile]
    totals = _FileCounts()
    for c in run.counts.values():
        totals.read += c.read
        totals.accepted += c.accepted
        totals.duplicates += c.duplicates
        totals.already += c.already
        totals.quarantined += c.quarantined
    seconds = time.perf_counter() - started
    paths = [f[0] for f in files]
    record = RunRecord(
        run_id=plan.run_id, partner=plan.partner, table=spec.name, sources=paths,
        started_at=now.isoformat(), finished_at=datetime.now(UTC).isoformat(),
        read=totals.read, accepted=totals.accepted, duplicates=totals.duplicates,
        already_ingested=totals.already, quarantined=totals.quarantined,
        quarantined_by_reason=by_reason, seconds=round(seconds, 3))
    lake.commit(out, added, record)
    return IngestSummary(
        run_id=plan.run_id, partner=plan.partner, table=spec.name,
        files=[FileSummary(p, fmt, run.counts_for(i).read, run.counts_for(i).quarantined,
                           note) for i, (p, fmt, note) in enumerate(files)],
        read=totals.read, accepted=totals.accepted, duplicates=totals.duplicates,
        already_ingested=totals.already, quarantined=totals.quarantined,
        quarantined_by_reason=by_reason, seconds=time.perf_counter() - started)
