"""Ingest benchmark: crossplay's ``ingest()`` against a pandas baseline doing the same work.

Data: game-partner event exports generated with DuckDB (deterministic, cached in
``benchmarks/.data``), each size both as Parquet (``ts`` int64 epoch ms) and CSV (``ts``
local Asia/Shanghai text). About 0.1% of the rows are dirty (negative amount, unknown or
wrong-platform event type, bad or out-of-range timestamp) and about 0.3% are exact
copies of an earlier row.

Every measurement runs in a fresh Python process (so peak memory is that process's max
RSS) on a fresh, empty data directory, on the same files in the same invocation; engines
take turns within each repeat and the median is reported.

    python benchmarks/ingest_bench.py --sizes 1m --formats parquet,csv --repeat 3
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import io
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any, Final, Literal

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA_DIR = HERE / ".data"
DEFAULT_OUT = HERE / "results" / "ingest.json"
GEN_VERSION = 1  # bump when the generator changes: cached files are keyed by it
ENGINES = ("crossplay", "pandas")
FORMATS = ("parquet", "csv")
TARGET_EVENTS_PER_S = 1_000_000
TARGET_RATIO = 10.0
# A fixed, public benchmark secret: the data are synthetic, nothing here is sensitive.
BENCH_SECRET = "crossplay-benchmark-secret-0123456789"
PARTNER: Final[Literal["game"]] = "game"
TIMEZONE = "Asia/Shanghai"
#: canonical field -> column of the generated export (the mapping both engines use)
COLUMNS = {"event_id": "eid", "user_id": "uid", "event_type": "act", "item_id": "target",
           "ts": "ts", "value": "qty", "currency": "cur"}


# --------------------------------------------------------------------------- sizes


def parse_size(text: str) -> int:
    """``1m`` -> 1_000_000, ``100k`` -> 100_000, ``2500`` -> 2500."""
    t = text.strip().lower().replace("_", "")
    mult = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    number = t[:-1] if mult != 1 else t
    try:
        n = int(float(number) * mult)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad size {text!r}; use e.g. 1m, 10m, 100k") from None
    if n < 1_000:
        raise argparse.ArgumentTypeError(f"size {text!r} is too small; use at least 1k")
    return n


def size_label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


# ---------------------------------------------------------------------- generation

_EPOCH_2025 = 1_735_689_600  # 2025-01-01 00:00:00 UTC, in seconds
_SPAN_S = 90 * 86_400  # events spread over 90 days, roughly in time order
_TOO_EARLY_MS = 946_612_800_000  # 1999-12-31 04:00:00 UTC
_TOO_LATE_MS = 4_102_444_800_000  # 2100-01-01 00:00:00 UTC

# Event-type mix (cumulative thresholds): game, stream and common types.
_ACT_MIX = (
    (0.28, "session"), (0.42, "level_clear"), (0.47, "achievement"), (0.51, "purchase"),
    (0.57, "checkin"), (0.77, "watch"), (0.85, "chat"), (0.88, "gift"), (0.90, "follow"),
    (0.91, "subscribe"), (0.96, "campaign_exposure"), (0.985, "campaign_click"),
    (1.01, "reward_redeem"),
)


def _generation_sql(n: int, fmt: str) -> str:
    """One SELECT producing the export; every value is a hash of (row, salt): deterministic.

    Row ``j`` is normally event ``i = j``; ~0.3% of rows are an exact copy of an event up
    to 50,000 rows earlier (so duplicates also cross batch boundaries).
    """
    users = max(n // 100, 10)
    act = "CASE " + " ".join(f"WHEN ra < {p} THEN '{a}'" for p, a in _ACT_MIX) + " END"
    if fmt == "parquet":
        ts = (f"CASE WHEN rd >= 0.0006 AND rd < 0.001 THEN CASE WHEN i % 2 = 0 "
              f"THEN {_TOO_LATE_MS} ELSE {_TOO_EARLY_MS} END ELSE ts_s * 1000 END")
    else:
        ts = ("CASE WHEN rd >= 0.0006 AND rd < 0.001 THEN CASE WHEN i % 2 = 0 "
              "THEN '2025-02-30 12:00:00' ELSE '1999-12-31 12:00:00' END "
              "ELSE strftime(make_timestamp(ts_s * 1000000) + INTERVAL 8 HOUR, "
              "'%Y-%m-%d %H:%M:%S') END")
    return f"""
    WITH rows AS (
        SELECT j, CASE WHEN u(j, 'dup') < 0.003 AND j > hash(j, 'off') % 50000
                       THEN j - 1 - CAST(hash(j, 'off') % 50000 AS BIGINT) ELSE j END AS i
        FROM range({n}) r(j)
    ), draws AS (
        SELECT j, i, u(i, 'act') AS ra, u(i, 'usr') AS ru, u(i, 'dirty') AS rd,
               u(i, 'val') AS rv, u(i, 'item') AS rit,
               {_EPOCH_2025} + CAST(floor(i * {_SPAN_S} / {n}) AS BIGINT)
                 + CAST(floor((u(i, 'ts') - 0.5) * 7200) AS BIGINT) AS ts_s
        FROM rows
    ), typed AS (
        SELECT *, {act} AS act0 FROM draws
    ), valued AS (
        SELECT *,
            CASE act0
                WHEN 'session' THEN round(60 + rv * 3540)
                WHEN 'watch' THEN round(30 + rv * rv * 7200)
                WHEN 'level_clear' THEN round(rv * 1000)
                WHEN 'purchase' THEN [6, 30, 68, 128, 328, 648][1 + CAST(floor(rv * 6) AS INT)]
                WHEN 'gift' THEN round(1 + rv * rv * rv * 999, 1)
            END AS qty0,
            CASE WHEN act0 IN ('watch', 'chat', 'gift', 'follow', 'subscribe')
                   THEN printf('live-%05d', CAST(floor(rit * rit * 20000) AS BIGINT))
                 WHEN act0 LIKE 'campaign%' OR act0 = 'reward_redeem'
                   THEN printf('camp-%03d', CAST(floor(rit * 40) AS BIGINT))
                 ELSE printf('game-%04d', CAST(floor(rit * rit * 500) AS BIGINT)) END AS target
        FROM typed
    )
    SELECT printf('e%010d', i) AS eid,
           printf('g%08d', CAST(floor({users} * ru * ru * ru) AS BIGINT)) AS uid,
           CASE WHEN rd >= 0.0003 AND rd < 0.0005 THEN 'level_up'
                WHEN rd >= 0.0005 AND rd < 0.0006 THEN 'course_view'
                ELSE act0 END AS act,
           target,
           {ts} AS ts,
           CASE WHEN rd < 0.0003 THEN -coalesce(qty0, 1) ELSE qty0 END AS qty,
           CASE WHEN act0 IN ('purchase', 'gift') THEN 'CNY' END AS cur
    FROM valued
    ORDER BY j
    """


def data_file(n: int, fmt: str) -> Path:
    return DATA_DIR / f"game-events-{size_label(n)}-v{GEN_VERSION}.{fmt}"


def ensure_data(n: int, fmt: str) -> tuple[Path, float]:
    """The cached export for (size, format), generated when missing; (path, seconds)."""
    import duckdb

    path = data_file(n, fmt)
    if path.exists():
        return path, 0.0
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    partial = path.with_name(path.name + ".partial")
    con = duckdb.connect()
    try:
        con.execute("SET preserve_insertion_order = true")
        con.execute("CREATE MACRO u(x, s) AS (hash(x, s) % 1000000) / 1000000.0")
        options = ("FORMAT parquet, COMPRESSION zstd" if fmt == "parquet"
                   else "FORMAT csv, HEADER true")
        sql = _generation_sql(n, fmt)
        con.execute(f"COPY ({sql}) TO '{partial}' ({options})")
    finally:
        con.close()
    partial.replace(path)  # only complete files are ever reused
    return path, time.perf_counter() - started


# ------------------------------------------------------------------------- engines


@dataclass
class Counts:
    read: int
    accepted: int
    duplicates: int
    already_ingested: int
    quarantined: int
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)

    def comparable(self) -> dict[str, Any]:
        return {"read": self.read, "accepted": self.accepted, "duplicates": self.duplicates,
                "quarantined": self.quarantined,
                "quarantined_by_reason": dict(sorted(self.quarantined_by_reason.items()))}


def run_crossplay(path: Path, data_dir: Path) -> Counts:
    from crossplay.core.settings import load_settings
    from crossplay.ingest.mapping import Mapping
    from crossplay.ingest.pipeline import ingest

    settings = load_settings(data_dir=data_dir)
    mapping = Mapping(columns=COLUMNS)
    s = ingest(settings, [path], partner=PARTNER, kind="events", mapping=mapping)
    return Counts(s.read, s.accepted, s.duplicates, s.already_ingested, s.quarantined,
                  dict(s.quarantined_by_reason))


def crossplay_settings() -> dict[str, Any]:
    """The settings a crossplay run uses (defaults: the worker clears CROSSPLAY_*)."""
    from crossplay.core.settings import load_settings

    s = load_settings()
    return {"duckdb_threads": s.duckdb_threads, "duckdb_memory_limit": s.duckdb_memory_limit,
            "batch_rows": s.batch_rows, "timezone": s.timezone}


def run_pandas(path: Path, fmt: str, data_dir: Path) -> Counts:
    """The baseline: what a careful pandas user writes for the same job.

    Whole file in memory; pseudonymise the *distinct* user ids with Python's ``hmac`` and
    map the keys back (the fair version: hashing every row would be ~100x more HMAC
    calls); vectorised validation with crossplay's rules and reason precedence;
    quarantine with reasons; ``drop_duplicates``-style dedupe on the event id keeping
    the first (a later copy with different content is a conflict, quarantined); the
    accepted rows written with pyarrow as Parquet partitioned by partner/platform/date.
    """
    import numpy as np
    import pandas as pd

    from crossplay.core.types import PARTNER_PLATFORMS
    from crossplay.schema.tables import EVENT_TYPES, MAX_ID_CHARS, all_event_types

    now = datetime.now(UTC)
    max_ts = pd.Timestamp(now.replace(microsecond=0) + timedelta(days=1))
    run_id = now.strftime("%Y%m%dT%H%M%S") + "-pandas"
    secret = BENCH_SECRET.encode()

    if fmt == "csv":
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        first_row = 2  # the header is row 1
    else:
        df = pd.read_parquet(path)
        first_row = 1
        for col in df.columns:  # blank text counts as missing, as in crossplay
            if df[col].dtype == object:
                df[col] = df[col].mask(df[col] == "")
    n = len(df)
    row_number = np.arange(first_row, first_row + n)
    c = COLUMNS

    # pseudonymise: HMAC each distinct id once, map back; the native id is replaced
    codes, uniques = pd.factorize(df[c["user_id"]])
    keys: list[str | None] = []
    for u in uniques:
        text = str(u).strip()
        keys.append(hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()[:32]
                    if text else None)
    keys.append(None)  # code -1 (missing id) picks this
    user_key = pd.Series(np.asarray(keys, dtype=object)[codes], index=df.index)
    df[c["user_id"]] = user_key

    eid, et = df[c["event_id"]], df[c["event_type"]]
    item, cur, ts_src, qty = df[c["item_id"]], df[c["currency"]], df[c["ts"]], df[c["value"]]
    stream_types = list(EVENT_TYPES["stream"])
    platform_ = pd.Series(np.where(et.isin(stream_types), "stream", "game"), index=df.index)

    if fmt == "csv":  # naive local text -> UTC
        local = pd.to_datetime(ts_src, format="%Y-%m-%d %H:%M:%S", errors="coerce")
        ts = local.dt.tz_localize(TIMEZONE, ambiguous="NaT", nonexistent="NaT")
        ts = ts.dt.tz_convert("UTC")
        value = pd.to_numeric(qty, errors="coerce")
    else:  # epoch numbers: ms when >= 1e11, else seconds (crossplay's "auto")
        num = ts_src.to_numpy(dtype="float64", na_value=np.nan)
        with np.errstate(invalid="ignore"):
            ok = np.abs(num) < 1e14
            micros = np.where(np.abs(num) >= 1e11, num * 1_000, num * 1_000_000)
        micros = np.where(ok, micros, np.nan)
        ts = pd.to_datetime(pd.Series(micros, index=df.index), unit="us", utc=True)
        value = qty.astype("float64")
    value_bad = qty.notna() & (value.isna() | np.isinf(value))

    allowed = {"game": {*EVENT_TYPES["game"], *EVENT_TYPES["common"]},
               "stream": {*EVENT_TYPES["stream"], *EVENT_TYPES["common"]}}
    assert set(PARTNER_PLATFORMS[PARTNER]) == set(allowed)
    mismatch = ((platform_ == "game") & ~et.isin(list(allowed["game"]))) | (
        (platform_ == "stream") & ~et.isin(list(allowed["stream"])))
    lo = pd.Timestamp("2000-01-01", tz="UTC")
    # (condition, reason code, field): the first that holds wins, in crossplay's order
    checks = [
        (eid.isna(), "missing_value", "event_id"),
        (eid.str.len() > MAX_ID_CHARS, "too_long", "event_id"),
        (user_key.isna(), "missing_value", "user_id"),
        (et.isna(), "missing_value", "event_type"),
        (et.str.len() > MAX_ID_CHARS, "too_long", "event_type"),
        (et.notna() & ~et.isin(list(all_event_types())), "unknown_value", "event_type"),
        (item.str.len() > MAX_ID_CHARS, "too_long", "item_id"),
        (ts_src.isna(), "missing_value", "ts"),
        (ts_src.notna() & ts.isna(), "bad_timestamp", "ts"),
        ((ts < lo) | (ts > max_ts), "timestamp_out_of_range", "ts"),
        (value_bad, "not_a_number", "value"),
        (value < 0, "negative_value", "value"),
        (cur.str.len() > 16, "too_long", "currency"),
        (mismatch, "event_type_platform_mismatch", "event_type"),
    ]
    conds = [cond.fillna(False).to_numpy(dtype=bool) for cond, _, _ in checks]
    code = np.select(conds, [k for _, k, _ in checks], default="")
    column = np.select(conds, [f for _, _, f in checks], default="")
    bad = code != ""

    q_parts: list[pd.DataFrame] = []
    if bad.any():
        rej = df.loc[bad]
        raw = rej.to_json(orient="records", lines=True, force_ascii=False).splitlines()
        q_parts.append(pd.DataFrame({
            "row_number": row_number[bad], "raw": raw, "reason_code": code[bad],
            "column_name": column[bad],
            "reason": [f"field '{f}' failed check {k}"
                       for k, f in zip(code[bad], column[bad], strict=True)],
        }))

    good = ~bad
    events = pd.DataFrame({
        "event_id": eid[good], "user_key": user_key[good], "platform": platform_[good],
        "event_type": et[good], "item_id": item[good],
        "ts": ts[good].astype("datetime64[us, UTC]"), "value": value[good],
        "currency": cur[good],
    })  # item_type and properties: not in the export, all null (added when writing)
    rows_good = row_number[good]
    later = events["event_id"].duplicated(keep="first").to_numpy()
    duplicates = 0
    conflict = np.zeros(len(events), dtype=bool)
    if later.any():
        content = [col for col in events.columns if col != "platform"]
        dups = events.loc[later, content]
        firsts = events.loc[~later & events["event_id"].isin(dups["event_id"]).to_numpy(),
                            content].set_index("event_id").reindex(dups["event_id"])
        a, b = dups.drop(columns="event_id").to_numpy(), firsts.to_numpy()
        same = ((a == b) | (pd.isna(a) & pd.isna(b))).all(axis=1)
        conflict[np.flatnonzero(later)[~same]] = True
        duplicates = int(same.sum())
    if conflict.any():
        clash = events.loc[conflict]
        q_parts.append(pd.DataFrame({
            "row_number": rows_good[conflict],
            "raw": clash.to_json(orient="records", lines=True, date_format="iso").splitlines(),
            "reason_code": "conflicting_duplicate", "column_name": "event_id",
            "reason": "the same id appears earlier with different content; "
                      "the first one was kept",
        }))
    accepted = events.loc[~later]

    lake = data_dir / "lake"
    # the UTC date as a categorical built from the distinct days (vectorised, no per-row
    # Python date objects)
    days = accepted["ts"].dt.tz_convert(None).to_numpy().astype("datetime64[D]")
    uniq, inverse = np.unique(days, return_inverse=True)
    nulls = pd.Series(pd.NA, index=accepted.index, dtype="string")  # typed, not "null"
    out = accepted.assign(
        item_type=nulls, properties=nulls, partner=PARTNER, source=str(path),
        ingested_at=pd.Timestamp(now),
        date=pd.Categorical.from_codes(inverse, pd.Index(np.datetime_as_string(uniq))),
    )
    out.to_parquet(lake / "events", partition_cols=["partner", "platform", "date"],
                   compression="zstd", index=False)
    by_reason: dict[str, int] = {}
    if q_parts:
        q = pd.concat(q_parts, ignore_index=True).sort_values("row_number")
        q.insert(0, "run_id", run_id)
        q.insert(1, "table_name", "events")
        q.insert(2, "source", str(path))
        q["quarantined_at"] = pd.Timestamp(now)
        qdir = lake / "quarantine" / f"partner={PARTNER}"
        qdir.mkdir(parents=True, exist_ok=True)
        q.to_parquet(qdir / f"r{run_id}.parquet", compression="zstd", index=False)
        by_reason = {str(k): int(v) for k, v in q["reason_code"].value_counts().items()}
    return Counts(read=n, accepted=len(accepted), duplicates=duplicates, already_ingested=0,
                  quarantined=sum(by_reason.values()), quarantined_by_reason=by_reason)


_ENGINE_MODULES = {
    "crossplay": ("crossplay.core.settings", "crossplay.ingest.mapping",
                  "crossplay.ingest.pipeline"),
    "pandas": ("numpy", "pandas", "pyarrow.parquet", "pyarrow.dataset",
               "crossplay.core.types", "crossplay.schema.tables"),
}


def _worker(engine: str, path: Path, fmt: str, data_dir: Path) -> dict[str, Any]:
    """One measured run inside this (fresh) process.

    The engine's libraries are imported before the clock starts (import time is the
    same for every size and is not ingest work); peak RSS does include them.
    """
    import importlib

    import crossplay

    for module in _ENGINE_MODULES[engine]:
        importlib.import_module(module)
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    counts = run_crossplay(path, data_dir) if engine == "crossplay" else run_pandas(
        path, fmt, data_dir)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    peak_kb = after.ru_maxrss  # KiB on Linux
    cpu_s = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    out_bytes = sum(p.stat().st_size for p in (data_dir / "lake").rglob("*.parquet"))
    return {"seconds": seconds, "cpu_seconds": cpu_s, "peak_rss_mb": peak_kb / 1024,
            "lake_mb": out_bytes / 2**20, "counts": asdict(counts),
            "crossplay_from": str(Path(crossplay.__file__).parent),
            "settings": crossplay_settings() if engine == "crossplay" else None}


# ----------------------------------------------------------------------- measuring


@contextmanager
def source_tree(ref: str | None) -> Iterator[Path | None]:
    """None for the working tree (the installed, editable crossplay), else a directory
    holding ``crossplay`` exported from git ``ref`` (``git archive``; the repository is
    not touched), so a benchmark can measure committed code while the tree is edited."""
    if ref is None:
        yield None
        return
    dest = Path(tempfile.mkdtemp(prefix="crossplay-bench-src-"))
    try:
        proc = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", ref,
                               "src/crossplay"], capture_output=True, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"cannot export src/crossplay at {ref!r}: "
                             f"{proc.stderr.decode(errors='replace').strip()}")
        with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
            tar.extractall(dest, filter="data")
        yield dest / "src"
    finally:
        shutil.rmtree(dest, ignore_errors=True)


def _worker_env(tmp: Path, src: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSPLAY_")}
    env["CROSSPLAY_GAME_SECRET"] = BENCH_SECRET
    env["CROSSPLAY_CONFIG"] = str(tmp / "no-crossplay.toml")  # defaults only, no toml file
    if src is not None:  # ahead of the editable install's path entry
        rest = env.get("PYTHONPATH")
        env["PYTHONPATH"] = f"{src}{os.pathsep}{rest}" if rest else str(src)
    return env


def measure_once(engine: str, path: Path, fmt: str, tmp_root: Path | None,
                 src: Path | None = None) -> dict[str, Any]:
    """Run one engine once in a fresh process on a fresh data directory."""
    tmp = Path(tempfile.mkdtemp(prefix=f"crossplay-bench-{engine}-", dir=tmp_root))
    try:
        cmd = [sys.executable, str(Path(__file__).resolve()), "_worker", engine, str(path),
               fmt, str(tmp / "data")]
        started = time.perf_counter()
        proc = subprocess.run(cmd, cwd=tmp, env=_worker_env(tmp, src), capture_output=True,
                              text=True, check=False)
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            raise RuntimeError(f"{engine} on {path.name} failed (exit {proc.returncode}):\n"
                               f"{proc.stderr[-4000:]}")
        result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
        result["process_seconds"] = wall
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass
class Cell:
    """All repeats of one engine on one (size, format)."""

    size: int
    fmt: str
    engine: str
    runs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def median_s(self) -> float:
        return float(statistics.median(r["seconds"] for r in self.runs))

    @property
    def peak_mb(self) -> float:
        return float(max(r["peak_rss_mb"] for r in self.runs))

    @property
    def events_per_s(self) -> float:
        return float(self.runs[0]["counts"]["read"]) / self.median_s

    @property
    def counts(self) -> Counts:
        return Counts(**self.runs[0]["counts"])


def machine_info() -> dict[str, Any]:
    import psutil

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    versions: dict[str, str | None] = {}
    for pkg in ("crossplay", "duckdb", "pyarrow", "pandas", "numpy"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {
        "cores_logical": os.cpu_count(), "cores_physical": psutil.cpu_count(logical=False),
        "cpu": cpu, "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(), "python": platform.python_version(),
        "packages": versions, "load_avg_1m_before": os.getloadavg()[0],
    }


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True,
                          check=False).stdout.strip()


def code_info(ref: str | None, src: Path | None) -> dict[str, Any]:
    """Which crossplay was measured: git commit, local edits, a hash of its sources."""
    if ref is not None:
        return {"ref": ref, "git_commit": _git("rev-parse", "--short", ref) or None,
                "src_modified": False, "src_sha256": src_fingerprint(src)}
    return {"ref": None, "git_commit": _git("rev-parse", "--short", "HEAD") or None,
            "src_modified": bool(_git("status", "--porcelain", "--", "src")),
            "src_sha256": src_fingerprint(src)}


def src_fingerprint(src: Path | None) -> str:
    """A hash of crossplay's source files: ties results to the code that produced them."""
    root = (src if src is not None else REPO / "src") / "crossplay"
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


# ------------------------------------------------------------------------ reporting


def _fmt_rate(x: float) -> str:
    return f"{x / 1e6:.2f}M" if x >= 1e6 else f"{x / 1e3:.0f}k"


def compare(cells: dict[tuple[int, str, str], Cell], size: int, fmt: str) -> list[str]:
    """Differences between the engines' counts (empty when they agree)."""
    a, b = cells.get((size, fmt, "crossplay")), cells.get((size, fmt, "pandas"))
    if a is None or b is None:
        return []
    ca, cb = a.counts.comparable(), b.counts.comparable()
    return [f"{k}: crossplay {ca[k]} vs pandas {cb[k]}" for k in ca if ca[k] != cb[k]]


def report(cells: dict[tuple[int, str, str], Cell], sizes: list[int], formats: list[str],
           engines: list[str]) -> list[dict[str, Any]]:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="crossplay ingest vs pandas (median of repeats, fresh process each)")
    for col in ("size", "format", "engine", "runs", "median s", "events/s", "peak MB",
                "x pandas", "vs 1M ev/s"):
        table.add_column(col, justify="left" if col in ("size", "format", "engine") else "right")
    rows: list[dict[str, Any]] = []
    for size in sizes:
        for fmt in formats:
            base = cells.get((size, fmt, "pandas"))
            for engine in engines:
                cell = cells.get((size, fmt, engine))
                if cell is None:
                    continue
                ratio = base.median_s / cell.median_s if base is not None else None
                target = cell.events_per_s / TARGET_EVENTS_PER_S
                table.add_row(
                    size_label(size), fmt, engine, str(len(cell.runs)), f"{cell.median_s:.2f}",
                    _fmt_rate(cell.events_per_s), f"{cell.peak_mb:.0f}",
                    f"{ratio:.1f}x" if ratio is not None else "-",
                    f"{target:.2f}x" if engine == "crossplay" else "-")
                rows.append({"size": size, "format": fmt, "engine": engine,
                             "median_s": cell.median_s, "events_per_s": cell.events_per_s,
                             "peak_rss_mb": cell.peak_mb, "ratio_vs_pandas": ratio,
                             "vs_target_events_per_s": target})
            diffs = compare(cells, size, fmt)
            if diffs:
                table.add_row(size_label(size), fmt, "[bold red]WARNING[/]",
                              "[red]counts differ: " + "; ".join(diffs) + "[/]")
    console = Console()
    if not console.is_terminal:
        console = Console(width=120)
    console.print(table)
    for size in sizes:
        for fmt in formats:
            for engine in engines:
                cell = cells.get((size, fmt, engine))
                if cell is not None:
                    c = cell.counts
                    console.print(f"  {size_label(size)} {fmt} {engine}: read {c.read:,}, "
                                  f"accepted {c.accepted:,}, duplicates {c.duplicates:,}, "
                                  f"quarantined {c.quarantined:,} {c.quarantined_by_reason}")
    return rows


# ---------------------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ingest", description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="1m,10m",
                   help="comma-separated row counts (1m, 10m, 100k); default 1m,10m")
    p.add_argument("--formats", default=",".join(FORMATS), help="parquet,csv")
    p.add_argument("--engines", default=",".join(ENGINES), help="crossplay,pandas")
    p.add_argument("--repeat", type=int, default=None,
                   help="runs per engine and file (default: 3 below 5M rows, else 1)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file")
    p.add_argument("--tmp", type=Path, default=None,
                   help="where the per-run data directories go (default: the system temp)")
    p.add_argument("--ref", default=None,
                   help="measure crossplay as committed at this git ref (e.g. HEAD) "
                        "instead of the working tree")
    return p


def _choices(text: str, allowed: tuple[str, ...], what: str) -> list[str]:
    items = [t.strip() for t in text.split(",") if t.strip()]
    bad = [t for t in items if t not in allowed]
    if bad or not items:
        raise SystemExit(f"unknown {what} {bad or text!r}; choose from {', '.join(allowed)}")
    return items


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    formats = _choices(args.formats, FORMATS, "format")
    engines = _choices(args.engines, ENGINES, "engine")
    if args.repeat is not None and args.repeat < 1:
        raise SystemExit("--repeat must be at least 1")
    if args.tmp is not None:
        args.tmp.mkdir(parents=True, exist_ok=True)
    with source_tree(args.ref) as src:
        return _run_suite(args, sizes, formats, engines, src)


def _run_suite(args: argparse.Namespace, sizes: list[int], formats: list[str],
               engines: list[str], src: Path | None) -> int:
    machine = machine_info()
    code = code_info(args.ref, src)
    print(f"[ingest] crossplay {'at ' + args.ref if args.ref else 'working tree'} "
          f"(commit {code['git_commit']}{', modified' if code['src_modified'] else ''}, "
          f"sources {code['src_sha256']})", flush=True)
    cells: dict[tuple[int, str, str], Cell] = {}
    files: dict[str, dict[str, Any]] = {}
    for size in sizes:
        repeat = args.repeat or (3 if size < 5_000_000 else 1)
        for fmt in formats:
            path, gen_s = ensure_data(size, fmt)
            note = f"generated in {gen_s:.1f}s" if gen_s else "cached"
            print(f"[ingest] {size_label(size)} {fmt}: {path.name} "
                  f"({path.stat().st_size / 2**20:.0f} MB, {note})", flush=True)
            files[f"{size_label(size)}-{fmt}"] = {
                "path": str(path), "rows": size, "bytes": path.stat().st_size}
            for r in range(repeat):
                for engine in engines:  # engines take turns: drift hits both alike
                    result = measure_once(engine, path, fmt, args.tmp, src)
                    cells.setdefault((size, fmt, engine), Cell(size, fmt, engine)).runs.append(
                        result)
                    print(f"[ingest]   run {r + 1}/{repeat} {engine:9s} "
                          f"{result['seconds']:7.2f}s  cpu {result['cpu_seconds']:6.2f}s  "
                          f"peak {result['peak_rss_mb']:6.0f} MB", flush=True)

    rows = report(cells, sizes, formats, engines)
    machine["load_avg_1m_after"] = os.getloadavg()[0]
    if src_fingerprint(src) != code["src_sha256"]:
        code["src_changed_during_run"] = True
        print("[ingest] WARNING: crossplay's source changed during the run; rerun (or use "
              "--ref) for figures that belong to one version")
    mismatches = {f"{size_label(s)}-{f}": d for s in sizes for f in formats
                  if (d := compare(cells, s, f))}
    settings = next((r["settings"] for c in cells.values() for r in c.runs
                     if r.get("settings")), None)
    doc = {
        "suite": "ingest",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "crossplay": code,
        "crossplay_settings": settings,
        "targets": {"events_per_s": TARGET_EVENTS_PER_S, "ratio_vs_pandas": TARGET_RATIO,
                    "at_size": 10_000_000},
        "files": files,
        "summary": rows,
        "count_mismatches": mismatches,
        "cells": [{"size": c.size, "format": c.fmt, "engine": c.engine,
                   "wall_s": [r["seconds"] for r in c.runs],
                   "process_s": [r["process_seconds"] for r in c.runs],
                   "cpu_s": [r["cpu_seconds"] for r in c.runs],
                   "peak_rss_mb": [r["peak_rss_mb"] for r in c.runs],
                   "lake_mb": c.runs[0]["lake_mb"], "median_s": c.median_s,
                   "crossplay_from": c.runs[0]["crossplay_from"],
                   "counts": c.runs[0]["counts"]} for c in cells.values()],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1, default=str) + "\n", encoding="utf-8")
    print(f"[ingest] results written to {args.out}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "_worker":
        _, _, eng, src, form, ddir = sys.argv
        print(json.dumps(_worker(eng, Path(src), form, Path(ddir))))
        sys.exit(0)
    sys.exit(main())
