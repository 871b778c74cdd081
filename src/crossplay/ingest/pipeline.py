"""One ingest run: read -> pseudonymise -> map and validate -> dedupe -> commit.

Rows flow in Arrow batches through DuckDB (bounded memory: DuckDB spills to the run's
staging directory); rejected rows become quarantine rows; accepted rows are written as
partitioned Parquet and published with one atomic manifest update (see lake/store.py).
"""

from __future__ import annotations

import csv
import io
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa

from crossplay.core.errors import CrossplayError, MappingError, SourceError
from crossplay.core.secrets import partner_secret
from crossplay.core.settings import Settings
from crossplay.core.types import KIND_TABLE, Kind, Partner
from crossplay.ingest.mapping import Mapping
from crossplay.ingest.pseudonymise import Pseudonymiser
from crossplay.ingest.readers import SourceBatch, SourceReject, detect_format, open_source
from crossplay.ingest.sqlplan import Plan, check_columns, ident, lit, output_columns, transform_sql
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


def _pseudonymisers(settings: Settings, spec: TableSpec, partner: Partner
                    ) -> dict[str, Pseudonymiser]:
    out: dict[str, Pseudonymiser] = {}
    for f in spec.fields:
        if f.kind == "pseudo_id" or (spec.name == "social_edges" and f.name == "dst_id"):
            owner: Partner = partner
            if f.name == "k_user_id":
                owner = "knowledge"
            elif f.name == "g_user_id":
                owner = "game"
            out[f.name] = Pseudonymiser(partner_secret(settings, owner))
    return out


def _apply_pseudonyms(batch: pa.Table, plan: Plan,
                      pseudo: dict[str, Pseudonymiser]) -> pa.Table:
    """Replace native id columns by their keys before anything else sees them."""
    import pyarrow.compute as pc

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
            raw = re.sub(pattern, lambda mt, ps=ps: (
                f'{mt.group(1)}"{ps.key(mt.group(3))}"' if mt.group(3) and
                mt.group(3) != "null" else mt.group(0)), raw)
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


class _Run:
    """State of one run: DuckDB connection, staging tables, counters."""

    def __init__(self, settings: Settings, plan: Plan, staging: Path) -> None:
        self.plan = plan
        self.staging = staging
        self.batch_rows = settings.batch_rows
        self.con = duckdb.connect(config={
            "memory_limit": settings.duckdb_memory_limit,
            "threads": settings.duckdb_threads,
            "temp_directory": str(staging / "spill"),
            "preserve_insertion_order": False,
        })
        self.con.execute("SET TimeZone = 'UTC'")
        cols = ", ".join(f"{ident(n)} {t}" for n, t in output_columns(plan.spec))
        self.con.execute(f"CREATE TABLE staged ({cols})")
        self.con.execute("CREATE TABLE rejects (_file INTEGER, _row BIGINT, raw VARCHAR, "
                         "code VARCHAR, column_name VARCHAR, message VARCHAR)")

    def add_batch(self, file_index: int, source: str, batch: SourceBatch,
                  pseudo: dict[str, Pseudonymiser]) -> None:
        if batch.rejects:
            header = batch.table.column_names
            id_cols = {self.plan.mapping.columns.get(n, n): ps for n, ps in pseudo.items()}
            self.add_rejects(file_index, [
                replace(r, raw=scrub_raw(r.raw, header, id_cols, self.plan.mapping.delimiter))
                for r in batch.rejects])
        table = _apply_pseudonyms(batch.table, self.plan, pseudo)
        if table.num_rows == 0:
            return
        table = table.append_column("_row", batch.rows)
        types = {f.name: f.type for f in table.schema}
        sql = transform_sql(self.plan, types, "batch", file_index, source)
        self.con.register("batch", table)
        try:
            self.con.execute(f"INSERT INTO staged BY NAME {sql}")
        finally:
            self.con.unregister("batch")

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

    def forget_file(self, file_index: int) -> None:
        self.con.execute("DELETE FROM staged WHERE _file = ?", [file_index])
        self.con.execute("DELETE FROM rejects WHERE _file = ?", [file_index])

    def count(self, sql: str, params: list[object] | None = None) -> int:
        rows = self.con.execute(sql, params or []).fetchall()
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
    pseudo = _pseudonymisers(settings, spec, partner)
    lake = Lake(settings.lake_dir)
    total_bytes = sum(p.stat().st_size for p in paths) or 1
    with lake.lock():
        lake.remove_leftovers()
        staging = lake.new_staging(plan.run_id)
        run = _Run(settings, plan, staging)
        try:
            files = _read_all(run, paths, pseudo, progress, total_bytes)
            summary = _finish(run, lake, files, now, started)
        finally:
            run.con.close()
            import shutil

            shutil.rmtree(staging, ignore_errors=True)
    return summary


def _read_all(run: _Run, paths: list[Path], pseudo: dict[str, Pseudonymiser],
              progress: Progress | None, total_bytes: int) -> list[tuple[str, str, str]]:
    m = run.plan.mapping
    done_before = 0
    out: list[tuple[str, str, str]] = []
    for i, path in enumerate(paths):
        fmt = detect_format(path) if m.format == "auto" else m.format
        note = ""
        size = path.stat().st_size
        for slow in (False, True):
            if slow and fmt != "csv":
                break
            try:
                seen = False
                for batch in open_source(path, fmt, m.encoding, m.delimiter,
                                         run.batch_rows, slow=slow):
                    if not seen:
                        check_columns(run.plan, [c for c in batch.table.column_names],
                                      str(path))
                        seen = True
                    run.add_batch(i, str(path), batch, pseudo)
                    if progress is not None:
                        progress(done_before + min(batch.bytes_done, size), total_bytes)
                if not seen:
                    note = "empty file" if size == 0 else "no data rows"
                break
            except CrossplayError:
                raise
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError,
                    csv.Error, OSError) as exc:
                run.forget_file(i)
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
    key_col = spec.key_field and spec.field(spec.key_field).column or "record_id"
    con.execute("""
        CREATE TEMP TABLE dup AS
        WITH d AS (SELECT _key FROM staged WHERE _reason IS NULL GROUP BY _key
                   HAVING count(*) > 1)
        SELECT s._file, s._row, s._key, s._chash,
               row_number() OVER w AS rn, first_value(s._chash) OVER w AS first_hash,
               first_value(s._file) OVER w AS first_file, first_value(s._row) OVER w AS first_row
        FROM staged s SEMI JOIN d USING (_key) WHERE s._reason IS NULL
        WINDOW w AS (PARTITION BY s._key ORDER BY s._file, s._row)""")
    existing = lake.files(spec.name, plan.partner)
    if existing:
        file_list = "[" + ", ".join(lit(str(p)) for p in existing) + "]"
        con.execute(f"CREATE TEMP TABLE existing AS SELECT DISTINCT {ident(key_col)} AS _key "
                    f"FROM read_parquet({file_list}, hive_partitioning = false)")
    else:
        con.execute("CREATE TEMP TABLE existing (_key VARCHAR)")
    paths = [f[0] for f in files]
    path_map = pa.table({"_file": pa.array(range(len(paths)), pa.int32()),
                         "path": pa.array(paths, pa.string())})
    con.register("paths", path_map)
    # conflicting duplicates (same id, different content) go to quarantine
    stored = ", ".join(f"{ident(c)} := s.{ident(c)}" for c in spec.stored_columns)
    con.execute(f"""
        INSERT INTO rejects
        SELECT s._file, s._row, CAST(to_json(struct_pack({stored})) AS VARCHAR),
               'conflicting_duplicate', ?,
               'the same id appears earlier (' || p.path || ' row ' || d.first_row ||
               ') with different content; the first one was kept'
        FROM dup d JOIN staged s USING (_file, _row)
        JOIN paths p ON p._file = d.first_file
        WHERE d.rn > 1 AND d._chash <> d.first_hash""", [key_col])
    duplicates = run.count("SELECT count(*) FROM dup WHERE rn > 1 AND _chash = first_hash")
    con.execute("""
        CREATE TEMP TABLE accepted AS
        SELECT s.* FROM staged s
        ANTI JOIN (SELECT _file, _row FROM dup WHERE rn > 1) d USING (_file, _row)
        WHERE s._reason IS NULL""")
    already = run.count("SELECT count(*) FROM accepted SEMI JOIN existing USING (_key)")
    con.execute("DELETE FROM accepted WHERE _key IN (SELECT _key FROM existing)")
    accepted = run.count("SELECT count(*) FROM accepted")
    read = run.count("SELECT count(*) FROM staged") + run.count(
        "SELECT count(*) FROM rejects WHERE code <> 'conflicting_duplicate'")
    read_per_file = {int(f): int(n) for f, n in con.execute(
        "SELECT _file, count(*) FROM (SELECT _file FROM staged UNION ALL SELECT _file FROM "
        "rejects WHERE code <> 'conflicting_duplicate') GROUP BY _file").fetchall()}
    con.execute("""
        INSERT INTO rejects
        SELECT _file, _row, _raw, split_part(_reason, chr(31), 1),
               split_part(_reason, chr(31), 2), split_part(_reason, chr(31), 3)
        FROM staged WHERE _reason IS NOT NULL""")
    by_reason = {str(code): int(n) for code, n in con.execute(
        "SELECT code, count(*) FROM rejects GROUP BY code ORDER BY 2 DESC").fetchall()}
    per_file = {int(f): int(n) for f, n in con.execute(
        "SELECT _file, count(*) FROM rejects GROUP BY _file").fetchall()}
    added = _write_outputs(run, now)
    seconds = time.perf_counter() - started
    quarantined = sum(by_reason.values())
    record = RunRecord(
        run_id=plan.run_id, partner=plan.partner, table=spec.name, sources=paths,
        started_at=now.isoformat(), finished_at=datetime.now(UTC).isoformat(), read=read,
        accepted=accepted, duplicates=duplicates, already_ingested=already,
        quarantined=quarantined, quarantined_by_reason=by_reason, seconds=round(seconds, 3))
    lake.commit(run.staging / "out", added, record)
    return IngestSummary(
        run_id=plan.run_id, partner=plan.partner, table=spec.name,
        files=[FileSummary(p, fmt, read_per_file.get(i, 0), per_file.get(i, 0), note)
               for i, (p, fmt, note) in enumerate(files)],
        read=read, accepted=accepted, duplicates=duplicates, already_ingested=already,
        quarantined=quarantined, quarantined_by_reason=by_reason,
        seconds=time.perf_counter() - started)


def _write_outputs(run: _Run, now: datetime) -> dict[str, list[Path]]:
    con, plan, spec = run.con, run.plan, run.plan.spec
    out = run.staging / "out"
    meta = f"KV_METADATA {{'crossplay.schema_version': '{SCHEMA_VERSION}', " \
           f"'crossplay.run_id': {lit(plan.run_id)}}}"
    added: dict[str, list[Path]] = {}
    cols = ", ".join(dict.fromkeys(
        ident(c) for c in ("partner", *spec.stored_columns, *spec.partition_by)))
    if run.count("SELECT count(*) FROM accepted") > 0:
        target = out / spec.name
        out.mkdir(parents=True, exist_ok=True)
        if spec.partition_by:
            part = ", ".join(spec.partition_by)
            con.execute(
                f"COPY (SELECT {cols} FROM accepted) TO {lit(str(target))} (FORMAT parquet, "
                f"COMPRESSION zstd, PARTITION_BY ({part}), "
                f"FILENAME_PATTERN {lit('r' + plan.run_id + '-{i}')}, {meta})")
        else:
            target.mkdir(parents=True, exist_ok=True)
            con.execute(
                f"COPY (SELECT {cols} FROM accepted) TO "
                f"{lit(str(target / ('r' + plan.run_id + '.parquet')))} "
                f"(FORMAT parquet, COMPRESSION zstd, {meta})")
        added[spec.name] = sorted(target.rglob("*.parquet"))
    if run.count("SELECT count(*) FROM rejects") > 0:
        qdir = out / "quarantine" / f"partner={plan.partner}"
        qdir.mkdir(parents=True, exist_ok=True)
        qfile = qdir / f"r{plan.run_id}.parquet"
        ts = now.strftime("%Y-%m-%d %H:%M:%S.%f") + "+00"
        con.execute(f"""
            COPY (SELECT {lit(plan.run_id)} AS run_id, {lit(spec.name)} AS table_name,
                         p.path AS source, r._row AS row_number, r.raw,
                         r.code AS reason_code, r.message AS reason, r.column_name,
                         TIMESTAMPTZ {lit(ts)} AS quarantined_at
                  FROM rejects r JOIN paths p USING (_file)
                  ORDER BY p.path, r._row)
            TO {lit(str(qfile))} (FORMAT parquet, COMPRESSION zstd, {meta})""")
        added["quarantine"] = [qfile]
    return added
