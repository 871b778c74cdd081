"""Events posted over HTTP: checked like a file's rows, journaled, committed in groups.

``POST /v1/events`` must answer per row (accepted, duplicate, quarantined with its
reason) and must not write Parquet per call. So each posted batch

1. becomes JSON lines exactly like an export of the partner's events, with the user id
   already replaced by its key at the edge (:func:`journal_lines`; the native id is never
   written anywhere) and an id's problem (control character, too long) kept in the side
   column the validation SQL reads (``ID_CHECK_PREFIX``);
2. is read, validated and deduplicated by the file pipeline's own pieces (the JSON-lines
   reader, :class:`~crossplay.ingest.dedupe.RunState`, the lake-conflict check) against
   the lake and the rows journaled but not yet committed (:func:`classify`): the answer
   comes from the same code a file's rows go through;
3. is appended to the write-ahead journal as one file (written, fsynced, renamed,
   directory fsynced) before the answer; duplicates are blank lines, so row numbers stay
   the batch's positions and nothing is stored twice.

A committer (:class:`Committer`, one per worker process) ingests its worker's journal
files every few seconds or rows through :func:`crossplay.ingest.pipeline.ingest`
(``keyed=True``: ids are keys already) — the lake's writer lock and atomic manifest
commit, dedupe against the lake, quarantine rows for the bad ones — and only then deletes
them. A crash between commit and delete replays files the lake already holds: every row
is "already in the lake" and every quarantine row already held, so nothing doubles. A
worker holds an ``flock`` on its directory's ``owner.lock`` while it lives; a worker
starting finds directories whose lock is free (their worker died) and commits them
first (:meth:`EventJournal.replay_orphans`).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import secrets
import shutil
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO, Any, Literal

import duckdb
import pyarrow as pa

from crossplay.core import clock
from crossplay.core.errors import ConfigError
from crossplay.core.secrets import secret_chain
from crossplay.core.settings import Settings
from crossplay.core.types import PARTNERS, Partner
from crossplay.ingest.batch import SourceBatch, clean_text, has_surrogates
from crossplay.ingest.corrections import quarantine_lake_conflicts
from crossplay.ingest.dedupe import RunState
from crossplay.ingest.jsonl_reader import _json_lines_slow, _json_value_text
from crossplay.ingest.limits import ReadLimits
from crossplay.ingest.mapping import Mapping as IngestMapping
from crossplay.ingest.pipeline import IngestSummary, _mark_deep_json, ingest, new_run_id
from crossplay.ingest.pseudonymise import Pseudonymiser
from crossplay.ingest.sqlbase import ID_CHECK_PREFIX, Plan
from crossplay.ingest.sqlplan import _auto_expr, check_columns
from crossplay.lake import Lake
from crossplay.lake.store import fsync_dir
from crossplay.privacy.keys import check_user_key
from crossplay.schema import table_spec

log = logging.getLogger(__name__)

#: what the lake, the quarantine and the run record name as the rows' source
SOURCE = "api:/v1/events"
#: the fields of a journal line: every field of the events table, null when the event
#: leaves it out. A batch without ``ts`` thus quarantines each row as ``missing_value``
#: instead of refusing the batch, and a rejected row's raw text (the source row as JSON)
#: does not depend on which other rows shared its batch, so re-posting it finds it held
_FIELDS = table_spec("events").field_names
#: the journal mapping: JSON lines with the canonical names (ids are keys already)
JOURNAL_MAPPING = IngestMapping(format="jsonl")

Outcome = Literal["accepted", "duplicate", "quarantined"]
OUTCOMES: tuple[Outcome, ...] = ("accepted", "duplicate", "quarantined")
_FILE = re.compile(r"^(\d{10})-(\d+)-(\d+)\.jsonl$")


@dataclass(frozen=True)
class RowOutcome:
    """What became of one posted event (``index`` is its position in the batch)."""

    index: int
    outcome: Outcome
    event_id: str | None = None
    reason: str | None = None
    message: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "outcome": self.outcome,
                               "event_id": self.event_id}
        if self.reason is not None:
            out["reason"] = self.reason
            out["message"] = self.message
        return out


@dataclass(frozen=True)
class PostResult:
    rows: list[RowOutcome]
    journaled: bool

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = dict.fromkeys(OUTCOMES, 0)
        for r in self.rows:
            out[r.outcome] += 1
        return out


# --- the edge: from posted objects to journal lines -------------------------------------

def journal_lines(settings: Settings, partner: Partner, events: Sequence[Mapping[str, Any]],
                  con: duckdb.DuckDBPyConnection | None = None) -> list[bytes]:
    """One JSON line per event, user ids replaced by their keys (see the module).

    ``user_id`` is the partner's native id, keyed with ``partner``'s secret chain (the
    same HMAC as ingest); ``user_key`` is a key the partner computed, checked for shape
    (a ConfigError ``events_user_key`` refuses the batch: it may be a native id sent in
    the wrong field, which must not be stored). Keys that are not fields of the events
    table are dropped, as a file's unmapped columns are not stored. ``con``: a DuckDB
    connection to hash on (a new in-memory database costs more than the hashing).
    """
    own = con is None
    con = duckdb.connect() if con is None else con
    try:
        return _journal_lines(settings, partner, events, con)
    finally:
        if own:
            con.close()


def _journal_lines(settings: Settings, partner: Partner, events: Sequence[Mapping[str, Any]],
                   con: duckdb.DuckDBPyConnection) -> list[bytes]:
    natives: list[str | None] = []
    for i, ev in enumerate(events):
        if ev.get("user_id") is not None and ev.get("user_key") is not None:
            raise ConfigError(f"event {i}: give user_id or user_key, not both",
                              code="events_user_both", params={"index": i})
        if ev.get("user_key") is not None:
            raw = ev["user_key"]
            try:
                check_user_key(raw if isinstance(raw, str) else "")
            except ConfigError:
                raise ConfigError(f"event {i}: user_key must be 32 hexadecimal characters "
                                  "(0-9, a-f), the key crossplay stores; send a native id "
                                  "as user_id", code="events_user_key",
                                  params={"index": i}) from None
            natives.append(None)
        else:
            natives.append(_json_value_text(ev.get("user_id")))
    # surrogate halves cannot be hashed as UTF-8: such an id is a control-character id
    broken = [n is not None and has_surrogates(n) for n in natives]
    ids = pa.array([clean_text(n) if n is not None else None for n in natives], pa.string())
    keys, problems = Pseudonymiser(secret_chain(settings, partner), con).keys_checked(ids)
    key_list, problem_list = keys.to_pylist(), (
        problems.to_pylist() if problems is not None else [None] * len(events))
    platforms = _default_platforms(partner, events, con)
    lines = []
    for i, ev in enumerate(events):
        obj: dict[str, Any] = {f: ev.get(f) for f in _FIELDS}
        if ev.get("platform") is None:
            obj["platform"] = platforms[i]
        if ev.get("user_key") is not None:
            obj["user_id"] = str(ev["user_key"]).strip().lower()
        else:
            obj["user_id"] = key_list[i]
            problem = "C" if broken[i] else problem_list[i]
            if problem is not None:
                obj[ID_CHECK_PREFIX + "user_id"] = problem
        lines.append(json.dumps(obj, ensure_ascii=True, separators=(",", ":")).encode())
    return lines


def _default_platforms(partner: Partner, events: Sequence[Mapping[str, Any]],
                       con: duckdb.DuckDBPyConnection) -> list[str | None]:
    """The platform ingest derives for each event that names none (the pipeline's own
    expression: the partner's one platform, or stream / game by event type). Derived
    here, per event, because in a file a platform column present for some rows would
    leave the others without one."""
    expr = _auto_expr(_plan(partner), table_spec("events").field("platform"))
    if expr is None:
        return [None] * len(events)
    types = [_json_value_text(ev.get("event_type")) for ev in events]
    con.register("__events_t", pa.table({"__t_event_type": pa.array(
        [clean_text(t) if t else None for t in types], pa.string())}))
    try:
        return [r[0] for r in con.execute(f"SELECT {expr} FROM __events_t").fetchall()]
    finally:
        con.unregister("__events_t")


def _event_id(line: bytes) -> str | None:
    if not line.strip():
        return None
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    return _json_value_text(obj.get("event_id")) if isinstance(obj, dict) else None


# --- classification: the file pipeline's checks on one batch -------------------------

def _plan(partner: Partner, settings: Settings | None = None) -> Plan:
    now = clock.now()
    return Plan(spec=table_spec("events"), mapping=JOURNAL_MAPPING, partner=partner,
                timezone=settings.timezone if settings else "UTC", run_id=new_run_id(now),
                ingested_at=now, max_ts=now + timedelta(days=1))


def classify(settings: Settings, partner: Partner, lines: Sequence[bytes],
             earlier: Sequence[bytes], scratch: Path) -> list[RowOutcome]:
    """Each line's outcome against the lake and ``earlier`` (journaled, uncommitted lines).

    ``earlier`` only needs the lines whose event id one of ``lines`` carries (or that have
    none); the others cannot meet this batch. The lake is read *after* the caller read
    the journal, so a file committed meanwhile is found in the lake.
    """
    plan = _plan(partner, settings)
    limits = ReadLimits.from_settings(settings)
    lake = Lake(settings.lake_dir)
    staging = scratch / plan.run_id
    staging.mkdir(parents=True, exist_ok=True)
    run = RunState(settings, plan, staging)
    try:
        run.stored = [*run.stored, "_row"]  # to tell which rows were accepted
        run.con.register("paths", pa.table({"_file": pa.array([0, 1], pa.int32()),
                                            "path": pa.array([SOURCE, SOURCE])}))
        run.load_existing(lake.files("events", partner))
        for file_index, body in ((0, b"\n".join(earlier)), (1, b"\n".join(lines))):
            accepted = _process(run, file_index, body, limits) if body.strip() else set()
        quarantine_lake_conflicts(run)
        rejects = {int(r): (str(c), str(m)) for r, c, m in run.con.execute(
            "SELECT _row, code, message FROM rejects WHERE _file = 1").fetchall()}
    finally:
        run.con.close()
        shutil.rmtree(staging, ignore_errors=True)
    out = []
    for i, line in enumerate(lines):
        row = i + 1
        eid = _event_id(line)
        if row in rejects:
            code, message = rejects[row]
            out.append(RowOutcome(i, "quarantined", eid, code, message))
        else:
            out.append(RowOutcome(i, "accepted" if row in accepted else "duplicate", eid))
    return out


def _process(run: RunState, file_index: int, body: bytes, limits: ReadLimits) -> set[int]:
    """Run one journal body through the reader and the run; the accepted row numbers."""
    table, rows, rejects = _json_lines_slow(body, 1, limits, Path(SOURCE))
    batch = SourceBatch(table, pa.array(rows, pa.int64()), rejects)
    if table.num_columns:
        check_columns(run.plan, table.column_names, SOURCE)
    marked = _mark_deep_json(table, run.plan, limits)
    new = run.process(file_index, SOURCE, batch, marked)
    return set() if new is None else {int(r) for r in new.column("_row").to_pylist()}


# --- the journal --------------------------------------------------------------------

@dataclass(frozen=True)
class Pending:
    """Rows a partner's journal holds (all workers), not yet committed."""

    batches: int
    accepted: int
    quarantined: int


@contextmanager
def _flock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


@dataclass
class EventJournal:
    """This worker's journal under ``<data_dir>/live/events/<worker>/<partner>/``.

    Files are ``<seq>-<accepted>-<quarantined>.jsonl``: complete once renamed into place,
    so a committer never sees half a batch. A worker owns its directory while it holds
    the ``flock`` on ``owner.lock`` (released by the OS when the process dies).
    """

    settings: Settings
    worker: str = field(default_factory=lambda: f"w{os.getpid()}-{secrets.token_hex(4)}")
    _seq: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _owner: IO[str] | None = None

    @property
    def root(self) -> Path:
        return self.settings.data_dir / "live" / "events"

    @property
    def home(self) -> Path:
        return self.root / self.worker

    def open(self) -> None:
        """Take ownership of this worker's directory."""
        self.home.mkdir(parents=True, exist_ok=True)
        fh = (self.home / "owner.lock").open("a+")
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._owner = fh

    def close(self) -> None:
        """Give the directory up (removed when no file is left in it)."""
        if self._owner is not None:
            if not any(self.home.rglob("*.jsonl")):
                shutil.rmtree(self.home, ignore_errors=True)
            fcntl.flock(self._owner.fileno(), fcntl.LOCK_UN)
            self._owner.close()
            self._owner = None

    @contextmanager
    def partner_lock(self, partner: Partner) -> Iterator[None]:
        """Serialises check-then-append for one partner across this data dir's workers,
        so two posts of one event id never both answer ``accepted``."""
        with self._lock, _flock(self.root / f"{partner}.lock"):
            yield

    def files(self, partner: Partner, worker: str | None = None) -> list[Path]:
        """Complete journal files of ``partner`` (of one worker, or of all)."""
        pattern = f"{worker or '*'}/{partner}/*.jsonl"
        return sorted((p for p in self.root.glob(pattern) if _FILE.match(p.name)),
                      key=lambda p: (p.parent.parent.name, p.name))

    def pending(self, partner: Partner) -> Pending:
        batches = accepted = quarantined = 0
        for p in self.files(partner):
            m = _FILE.match(p.name)
            assert m is not None
            batches += 1
            accepted += int(m.group(2))
            quarantined += int(m.group(3))
        return Pending(batches, accepted, quarantined)

    def earlier_lines(self, partner: Partner, event_ids: set[str]) -> list[bytes]:
        """Journaled lines (every worker's) that could meet a batch with ``event_ids``:
        those with one of the ids or without an id. Other lines become blank."""
        out: list[bytes] = []
        for p in self.files(partner):
            try:
                data = p.read_bytes()
            except FileNotFoundError:  # committed meanwhile: the lake, read later, has it
                continue
            for line in data.split(b"\n"):
                eid = _event_id(line)
                out.append(line if line.strip() and (eid is None or eid in event_ids)
                           else b"")
        return out

    def append(self, partner: Partner, lines: Sequence[bytes],
               outcomes: Sequence[RowOutcome]) -> Path | None:
        """Write a batch durably (duplicates as blank lines); None when every row was a
        duplicate (nothing to store)."""
        kept = [line if o.outcome != "duplicate" else b""
                for line, o in zip(lines, outcomes, strict=True)]
        accepted = sum(o.outcome == "accepted" for o in outcomes)
        quarantined = sum(o.outcome == "quarantined" for o in outcomes)
        if not accepted and not quarantined:
            return None
        folder = self.home / partner
        new_folder = not folder.exists()
        folder.mkdir(parents=True, exist_ok=True)
        if new_folder:
            fsync_dir(self.home)
        self._seq += 1
        path = folder / f"{self._seq:010d}-{accepted}-{quarantined}.jsonl"
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as fh:
            fh.write(b"\n".join(kept) + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        fsync_dir(folder)
        return path

    def orphans(self) -> Iterator[tuple[str, IO[str]]]:
        """Directories of dead workers, each yielded with its lock held (then released)."""
        if not self.root.is_dir():
            return
        for home in sorted(self.root.iterdir()):
            if not home.is_dir() or home.name == self.worker or home.name.startswith("_"):
                continue
            fh = (home / "owner.lock").open("a+")
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # a live worker owns it
                fh.close()
                continue
            try:
                yield home.name, fh
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
                fh.close()


def commit_files(settings: Settings, partner: Partner, files: list[Path]) -> IngestSummary:
    """Commit journal ``files`` to the lake through the ingest pipeline, then delete them.

    The delete comes after the manifest is published: a crash in between replays files
    whose rows the lake holds (counted as already ingested, nothing stored twice).
    """
    summary = ingest(settings, files, partner=partner, kind="events",
                     mapping=JOURNAL_MAPPING, keyed=True, source_label=SOURCE)
    folders = {p.parent for p in files}
    for p in files:
        p.unlink(missing_ok=True)
    for folder in folders:
        fsync_dir(folder)
    return summary


# --- the service: post, status, the committer ----------------------------------------

@dataclass(frozen=True)
class Status:
    partner: Partner
    pending: Pending
    last_commit_at: str | None
    last_commit_rows: int | None


class LiveEvents:
    """Posting, status and group commit of one worker (see the module)."""

    def __init__(self, settings: Settings, *, interval_s: float | None = None,
                 commit_rows: int | None = None) -> None:
        self.settings = settings
        self.journal = EventJournal(settings)
        self.interval_s = interval_s if interval_s is not None else settings.api_events_commit_s
        self.commit_rows = (commit_rows if commit_rows is not None
                            else settings.api_events_commit_rows)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._commit_lock = threading.Lock()
        self._unsent = 0
        self._thread: threading.Thread | None = None
        #: one in-memory DuckDB for the edge's hashing; each post uses its own cursor
        self._duck = duckdb.connect()

    @property
    def scratch(self) -> Path:
        return self.journal.home / "_scratch"

    def start(self) -> None:
        """Own a journal directory, commit what dead workers left, start the committer."""
        self.journal.open()
        self.replay_orphans()
        self._thread = threading.Thread(target=self._loop, name="events-committer",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the committer and commit everything journaled (flush)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
        try:
            self.commit_now()
        finally:
            self.journal.close()
            shutil.rmtree(self.scratch, ignore_errors=True)
            self._duck.close()

    def replay_orphans(self) -> int:
        """Commit the journal files of workers that died; returns the rows committed."""
        done = 0
        for worker, _lock in self.journal.orphans():
            home = self.journal.root / worker
            for partner_dir in sorted(p for p in home.iterdir() if p.is_dir()):
                if partner_dir.name not in PARTNERS:
                    continue
                partner: Partner = "game" if partner_dir.name == "game" else "knowledge"
                files = self.journal.files(partner, worker)
                if files:
                    summary = commit_files(self.settings, partner, files)
                    done += summary.accepted
                    log.info("replayed %d journal files of worker %s (%s): %d rows",
                             len(files), worker, partner, summary.accepted)
            for tmp in home.rglob("*.tmp"):  # a batch never acknowledged
                tmp.unlink()
            if not any(home.rglob("*.jsonl")):
                shutil.rmtree(home, ignore_errors=True)
        return done

    def post(self, partner: Partner, events: Sequence[Mapping[str, Any]]) -> PostResult:
        """Check, classify and journal one batch; durable when this returns."""
        if not events:
            return PostResult([], False)
        cursor = self._duck.cursor()
        try:
            lines = journal_lines(self.settings, partner, events, cursor)
        finally:
            cursor.close()
        ids = {eid for line in lines if (eid := _event_id(line)) is not None}
        with self.journal.partner_lock(partner):
            earlier = self.journal.earlier_lines(partner, ids)
            outcomes = classify(self.settings, partner, lines, earlier, self.scratch)
            path = self.journal.append(partner, lines, outcomes)
        if path is not None:
            self._unsent += sum(o.outcome != "duplicate" for o in outcomes)
            if self._unsent >= self.commit_rows:
                self._wake.set()
        return PostResult(outcomes, path is not None)

    def status(self, partner: Partner) -> Status:
        last = None
        for run in reversed(Lake(self.settings.lake_dir).read_manifest().runs):
            if run.partner == partner and run.sources == [SOURCE]:
                last = run
                break
        return Status(partner, self.journal.pending(partner),
                      last.finished_at if last else None, last.accepted if last else None)

    def commit_now(self) -> int:
        """Commit this worker's journal files (every partner); returns rows accepted."""
        with self._commit_lock:
            self._unsent = 0
            done = 0
            for partner in ("knowledge", "game"):
                files = self.journal.files(partner, self.journal.worker)
                if files:
                    done += commit_files(self.settings, partner, files).accepted
            return done

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval_s)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.commit_now()
            except Exception:  # keep the files; the next round (or stop) retries
                log.exception("committing journaled events failed; retrying in %.1f s",
                              self.interval_s)
