"""One ingest run: read -> pseudonymise -> map and validate -> dedupe -> commit.

Rows flow in Arrow batches through DuckDB (bounded memory: DuckDB spills to the run's
staging directory); rejected rows become quarantine rows (those the quarantine does not
hold yet, see ingest/quarantine.py); accepted rows are written as partitioned Parquet and
published with one atomic manifest update (see lake/store.py), together with rewrites of
the lake files whose rows a correction replaced (ingest/corrections.py).
"""

from __future__ import annotations

import csv
import gc
import itertools
import logging
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds

from crossplay.core import clock
from crossplay.core.errors import CrossplayError, MappingError, SourceError
from crossplay.core.secrets import secret_chain
from crossplay.core.settings import Settings
from crossplay.core.types import KIND_TABLE, Kind, Partner
from crossplay.ingest.corrections import Swap, quarantine_lake_conflicts, rewrite_corrected
from crossplay.ingest.dedupe import FileCounts, RunState
from crossplay.ingest.jsonl_reader import deep_json
from crossplay.ingest.limits import ReadLimits
from crossplay.ingest.mapping import Mapping
from crossplay.ingest.prefetch import prefetch
from crossplay.ingest.pseudonymise import Pseudonymiser, id_secrets, pseudonymise_batch
from crossplay.ingest.quarantine import write_quarantine
from crossplay.ingest.readers import (
    Format,
    detect_format,
    open_source,
)
from crossplay.ingest.sqlbase import DEEP_CHECK_PREFIX, Corrections, Plan
from crossplay.ingest.sqlplan import check_columns
from crossplay.ingest.streams import describe
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
    #: accepted rows that replaced a lake row with the same key (--corrections replace)
    corrected: int = 0
    #: quarantined rows the quarantine already held (from an earlier run of the same
    #: export): counted in ``quarantined``, not stored again
    quarantine_held: int = 0

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
                           f"but --kind is '{kind}'", code="ingest_mapping_kind",
                           params={"origin": m.origin or "", "mapping_kind": m.kind,
                                   "kind": kind})
    if m.partner is not None and m.partner != partner:
        raise MappingError(f"the mapping {m.origin or ''} is for partner '{m.partner}', "
                           f"but --partner is '{partner}'", code="ingest_mapping_partner",
                           params={"origin": m.origin or "", "mapping_partner": m.partner,
                                   "partner": partner})
    m.check_against(spec)
    return m


def ingest(
    settings: Settings,
    paths: list[Path],
    *,
    partner: Partner,
    kind: Kind,
    mapping: Mapping | None = None,
    progress: Progress | None = None,
    corrections: Corrections = "quarantine",
    keyed: bool = False,
    source_label: str | None = None,
) -> IngestSummary:
    """Ingest ``paths`` as ``kind`` from ``partner``; returns what happened.

    A row whose key the lake holds with other content is quarantined as
    ``conflicts_with_lake``; with ``corrections="replace"`` it replaces the lake row.
    ``keyed``: the user id columns already hold keys (rows the HTTP API journaled, see
    :mod:`crossplay.ingest.live`), so they are not pseudonymised again; rows that cannot
    be parsed are still masked. ``source_label`` names every source in the lake, the
    quarantine and the run record instead of its path (the journal's files are
    temporary; the label says where the rows came from).
    """
    started = time.perf_counter()
    now = clock.now()
    spec = table_spec(KIND_TABLE[kind])
    m = _resolve_mapping(mapping, partner, kind, spec)
    plan = Plan(spec=spec, mapping=m, partner=partner,
                timezone=m.timezone or settings.timezone, run_id=new_run_id(now),
                ingested_at=now, max_ts=now + timedelta(days=1), corrections=corrections)
    secrets_by_field = id_secrets(settings, spec, partner)
    lake = Lake(settings.lake_dir)
    with lake.lock(), _gc_paused():
        lake.remove_leftovers()
        staging = lake.new_staging(plan.run_id)
        run = RunState(settings, plan, staging)
        try:
            pseudo = {} if keyed else {n: Pseudonymiser(secret, run.con.cursor())
                                       for n, secret in secrets_by_field.items()}
            if secrets_by_field:  # rows that cannot be parsed are masked with the partner's keys
                run.mask = Pseudonymiser(secret_chain(settings, partner), run.con.cursor())
            run.load_existing(lake.files(
                spec.name, partner if "partner" in spec.partition_by else None))
            run.con.register("paths", pa.table({
                "_file": pa.array(range(len(paths)), pa.int32()),
                "path": pa.array([source_label or str(p) for p in paths], pa.string())}))
            files = _read_all(run, paths, pseudo, progress, ReadLimits.from_settings(settings),
                              source_label)
            return _finish(run, lake, files, now, started)
        finally:
            run.con.close()
            shutil.rmtree(staging, ignore_errors=True)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause Python's cyclic GC for the run (restoring its state after).

    The run allocates few Python objects but many short-lived wrappers from Arrow and
    DuckDB threads; with pandas and friends imported, each full collection walks hundreds
    of thousands of long-lived objects. Profiling a 10M-row ingest showed ~20% of samples
    inside the collector; nothing the run creates relies on cycle collection.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _partitioning(spec: TableSpec) -> ds.Partitioning | None:
    if not spec.partition_by:
        return None
    types = {"partner": pa.string(), "platform": pa.string(), "date": pa.date32()}
    return ds.partitioning(pa.schema([(c, types[c]) for c in spec.partition_by]),
                           flavor="hive")


def _dictionary_columns(spec: TableSpec, schema: pa.Schema) -> list[str]:
    """Dictionary-encode text columns, except the unique key (all distinct: pure cost)."""
    key = spec.field(spec.key_field).column if spec.key_field else "record_id"
    return [f.name for f in schema
            if f.name != key and (pa.types.is_string(f.type) or pa.types.is_list(f.type))]


def _write_file_output(run: RunState, file_index: int, tables: Iterator[pa.Table]) -> None:
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
        file_options=ds.ParquetFileFormat().make_write_options(
            compression="zstd", use_dictionary=_dictionary_columns(spec, schema)),
        max_rows_per_group=1 << 20, max_rows_per_file=1 << 23,
        use_threads=True,
    )


def _read_all(run: RunState, paths: list[Path], pseudo: dict[str, Pseudonymiser],
              progress: Progress | None, limits: ReadLimits,
              source_label: str | None = None) -> list[tuple[str, str, str]]:
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
                                      slow=slow, limits=limits, header=m.header)
                prepared = prefetch(
                    (b, pseudonymise_batch(_mark_deep_json(b.table, run.plan, limits),
                                           run.plan, pseudo)) for b in batches)
                for batch, table in prepared:
                    if not seen_header and batch.table.num_columns:
                        check_columns(run.plan, batch.table.column_names, str(path))
                        seen_header.append(True)
                    result = run.process(i, source_label or str(path), batch, table)
                    if progress is not None:
                        progress(before + min(batch.bytes_done, size), total_bytes)
                    if result is not None and result.num_rows:
                        yield result

            try:
                _write_file_output(run, i, produce())
                if run.counts_for(i).read == 0:
                    note = "empty file" if size == 0 else "no data rows"
                break
            except CrossplayError:
                raise
            except (pa.ArrowException, UnicodeError, csv.Error, OSError, EOFError) as exc:
                run.forget_file(i, run.staging / "out")
                if slow or fmt != "csv":
                    detail = describe(exc)
                    raise SourceError(f"cannot read {path} as {fmt}: {detail}",
                                      code="ingest_unreadable",
                                      params={"path": str(path), "format": fmt,
                                              "detail": detail}) from None
                log.info("fast CSV path failed on %s (%s); reading row by row", path,
                         type(exc).__name__)
                note = "read row by row"
        done_before += size
        if progress is not None:
            progress(done_before, total_bytes)
        out.append((source_label or str(path), fmt, note))
    return out


def _mark_deep_json(batch: pa.Table, plan: Plan, limits: ReadLimits) -> pa.Table:
    """Flag JSON fields given as text that nest too deep (``DEEP_CHECK_PREFIX`` + field):
    the SQL's JSON functions and later readers of ``properties`` must not meet them."""
    for f in plan.spec.fields:
        if f.kind != "json":
            continue
        src = plan.mapping.columns.get(f.name, f.name)
        if src not in batch.column_names or not pa.types.is_string(
                batch.schema.field(src).type):
            continue
        deep = deep_json(batch.column(src), limits.max_json_depth)
        if deep is not None:
            batch = batch.append_column(DEEP_CHECK_PREFIX + f.name, deep)
    return batch


def _finish(run: RunState, lake: Lake, files: list[tuple[str, str, str]], now: datetime,
            started: float) -> IngestSummary:
    con, plan, spec = run.con, run.plan, run.plan.spec
    quarantine_lake_conflicts(run)
    by_reason = {str(code): int(n) for code, n in con.execute(
        "SELECT code, count(*) FROM rejects GROUP BY code ORDER BY 2 DESC, 1").fetchall()}
    added: dict[str, list[Path]] = {}
    out = run.staging / "out"
    table_dir = out / spec.name
    if table_dir.exists():
        added[spec.name] = sorted(table_dir.rglob("*.parquet"))
    swaps: list[Swap] = []
    if plan.corrections == "replace":
        swaps = rewrite_corrected(run, lake.root, out)
    held = 0
    if by_reason:
        qfile = out / "quarantine" / f"partner={plan.partner}" / f"r{plan.run_id}.parquet"
        written, held = write_quarantine(con, plan, lake.files("quarantine", plan.partner),
                                         qfile, now)
        if written:
            added["quarantine"] = [qfile]
    totals = FileCounts()
    for c in run.counts.values():
        totals.read += c.read
        totals.accepted += c.accepted
        totals.duplicates += c.duplicates
        totals.already += c.already
        totals.quarantined += c.quarantined
        totals.corrected += c.corrected
    seconds = time.perf_counter() - started
    paths = list(dict.fromkeys(f[0] for f in files))  # a label names many journal files
    record = RunRecord(
        run_id=plan.run_id, partner=plan.partner, table=spec.name, sources=paths,
        started_at=now.isoformat(), finished_at=clock.now().isoformat(),
        read=totals.read, accepted=totals.accepted, duplicates=totals.duplicates,
        already_ingested=totals.already, quarantined=totals.quarantined,
        quarantined_by_reason=by_reason, seconds=round(seconds, 3),
        corrected=totals.corrected, quarantine_held=held)
    lake.commit(out, added, record, swaps)
    return IngestSummary(
        run_id=plan.run_id, partner=plan.partner, table=spec.name,
        files=[FileSummary(p, fmt, run.counts_for(i).read, run.counts_for(i).quarantined,
                           note) for i, (p, fmt, note) in enumerate(files)],
        read=totals.read, accepted=totals.accepted, duplicates=totals.duplicates,
        already_ingested=totals.already, quarantined=totals.quarantined,
        quarantined_by_reason=by_reason, seconds=time.perf_counter() - started,
        corrected=totals.corrected, quarantine_held=held)
