"""The live HTTP API under load: ``crossplay serve`` as a subprocess, ``wrk`` on loopback.

    python benchmarks/run.py api                            every scenario
    python benchmarks/run.py api --scenarios recommend      one of them
    python benchmarks/run.py api --duration 3 --spike-duration 5   a quick smoke run

Scenarios, each against ``crossplay serve`` started on a copy of a prepared data
directory (a generated world, ingested, ``recommend train``; keys by ``crossplay apikey
create``), each compared with ``/healthz`` on the same server in the same run (the
framework's ceiling on this box):

- ``recommend``: ``GET /v1/recommendations`` for the world's users, 1 and 2 workers;
- ``checkins``: ``POST /v1/checkins`` (a new user and ``Idempotency-Key`` per request)
  with 200 connections, operational database on a fresh PostgreSQL database;
- ``spike``: the "midnight spike", 10x the steady check-in rate for ``--spike-duration``
  seconds; then the ledger's invariants, no 5xx, and every acknowledged award stored
  exactly once (points acknowledged = points stored).

wrk shares the 2 cores with the server: the generator's own CPU (its rusage) and the
server processes' (``/proc/<pid>/stat`` before and after) are reported as shares of the
machine. A scenario whose route the server does not serve is reported as skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ledger_bench import database as fresh_database

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
DEFAULT_OUT = HERE / "results" / "api.json"
LUA = HERE / "api_load.lua"
#: the prepared world's partner secrets (bench-only; any fixed value works), written to
#: the data directory's key files: `serve --workers N` hands its settings to the workers
#: serialised, and secrets given in the environment arrive there masked (see the README)
SECRETS = {"knowledge": "bench-knowledge-secret-0123456789",
           "game": "bench-game-secret-0123456789abcdef"}
#: bump when the prepared data directory's recipe changes
PREPARED_VERSION = 3
SCENARIOS = ("recommend", "checkins", "spike")
RECOMMEND_PATH = "/v1/recommendations?user_id={user}&n=10"
CHECKIN_PATH = "/v1/checkins"
#: one award this request wrote, in a check-in's answer (``awards[]``: rule, points, new)
NEW_AWARD_POINTS = '"points":(%d+),"new":true'
#: issue #14's targets
TARGETS = {"recommend": {"req_per_s": 2_000, "p99_ms": 15},
           "checkins": {"req_per_s": 1_000, "p99_ms": 100},
           "spike": {"5xx": 0, "lost_or_doubled": 0}}
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- the prepared data directory -------------------------------------------------------------

def crossplay_bin() -> str:
    exe = Path(sys.executable).with_name("crossplay")
    return str(exe) if exe.exists() else "crossplay"


def base_env(**extra: str) -> dict[str, str]:
    """The environment of every crossplay subprocess: no CROSSPLAY_* of the caller (but
    the clock, CROSSPLAY_NOW), no
    crossplay.toml, wide lines (the ready line is parsed)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CROSSPLAY_") or k == "CROSSPLAY_NOW"}
    env.update(COLUMNS="200", CROSSPLAY_CONFIG=str(HERE / "no-such-crossplay.toml"))
    env.update(extra)
    return env


def cli(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> str:
    res = subprocess.run([crossplay_bin(), "--data-dir", str(data_dir), *args],
                         capture_output=True, text=True, env=env or base_env(), check=False)
    if res.returncode != 0:
        raise RuntimeError(f"crossplay {' '.join(args)} failed ({res.returncode}):\n"
                           f"{res.stdout}\n{res.stderr}")
    return res.stdout


def prepare(people: int, seed: int, *, root: Path = DATA) -> Path:
    """A data directory holding an ingested world of ``people`` and a trained
    recommender, plus ``users.txt`` (the game partner's native ids) and ``linked.txt``
    (those bound to a knowledge account: the users check-ins award); cached in ``root``."""
    target = root / f"api-world-{people}-s{seed}-v{PREPARED_VERSION}"
    if (target / ".ready").exists():
        return target
    from crossplay.core.secrets import key_file
    from crossplay.core.settings import load_settings
    from crossplay.ingest.world import ingest_world
    from crossplay.synth import WorldConfig, generate_world, recent_start

    work = target.with_name(target.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    print(f"[api] preparing {target.name}: generate, ingest, recommend train", flush=True)
    world = work / "world"
    generate_world(WorldConfig(people=people, days=30, seed=seed, start=recent_start(30)),
                   world)
    settings = load_settings(data_dir=work, knowledge_secret=SECRETS["knowledge"],
                             game_secret=SECRETS["game"])
    for partner, secret in SECRETS.items():
        path = key_file(settings, partner)  # type: ignore[arg-type]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secret + "\n", encoding="ascii")
        path.chmod(0o600)
    ingest_world(settings, world)
    cli(work, "recommend", "train", "--json")
    write_users(world, work / "users.txt")
    write_linked(world, work / "linked.txt")
    (work / ".ready").write_text(datetime.now(UTC).isoformat() + "\n", encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    work.rename(target)
    return target


def write_users(world: Path, out: Path, limit: int = 5_000) -> int:
    """The game partner's native user ids in the world's event export, one per line."""
    import duckdb

    files = sorted(str(p) for p in (world / "game" / "events").glob("part-*.parquet"))
    rows = duckdb.sql(f"SELECT DISTINCT player FROM read_parquet({files!r}) "
                      f"WHERE player IS NOT NULL ORDER BY player LIMIT {limit}").fetchall()
    out.write_text("".join(f"{r[0]}\n" for r in rows), encoding="utf-8")
    return len(rows)


def write_linked(world: Path, out: Path) -> int:
    """The game partner's native ids bound to a knowledge account in the world (check-ins
    award linked persons only; those without both consents are answered not eligible)."""
    import duckdb

    bindings = str(world / "game" / "bindings.csv")
    rows = duckdb.sql(f"SELECT DISTINCT game_uid FROM read_csv({bindings!r}, all_varchar = "
                      "true) WHERE op = 'BIND' ORDER BY game_uid").fetchall()
    out.write_text("".join(f"{r[0]}\n" for r in rows), encoding="utf-8")
    return len(rows)


@contextmanager
def run_copy(prepared: Path, tmp: Path | None) -> Iterator[Path]:
    """A private copy of the prepared data directory (the runs write keys and ledgers)."""
    with tempfile.TemporaryDirectory(prefix="api-bench-", dir=tmp) as d:
        copy = Path(d) / "data"
        shutil.copytree(prepared, copy, ignore=shutil.ignore_patterns("world"))
        yield copy


def pg_database() -> AbstractContextManager[str]:
    """A fresh PostgreSQL database (SQLAlchemy URL), dropped afterwards (the ledger
    bench's, so both benches make and drop their databases one way)."""
    return fresh_database("postgresql")


def bench_campaign(data_dir: Path, today: str, budget: int, env: dict[str, str]) -> Path:
    """The sample campaign (check-in rules included) running from yesterday for 30 days
    with ``budget`` points, applied (``crossplay campaign apply``: stored and active, the
    lake's awards made) in the operational database of ``env``."""
    from crossplay.campaigns.document import load_campaign, sample_path

    first = datetime.fromisoformat(today).date() - timedelta(days=1)
    values = {"start": first.isoformat(), "end": (first + timedelta(days=30)).isoformat(),
              "budget": str(budget)}
    text = re.sub(r"^(start|end|budget):[ \t]*\S+",
                  lambda m: f"{m.group(1)}: {values[m.group(1)]}",
                  sample_path().read_text(encoding="utf-8"), flags=re.MULTILINE)
    path = data_dir / "campaigns" / "learn_and_play.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    load_campaign(path)
    cli(data_dir, "campaign", "apply", str(path), env=env)
    return path


# --- the server and CPU accounting -----------------------------------------------------------

def proc_cpu_s(pid: int) -> float:
    """utime + stime of ``pid`` in seconds (0 if it is gone)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = raw.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (uvicorn's workers)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(parents.get(p, []))
    return out


@dataclass
class Server:
    proc: subprocess.Popen[str]
    url: str
    workers: int
    log: list[str] = field(default_factory=list)

    def cpu_s(self) -> float:
        return sum(proc_cpu_s(p) for p in descendants(self.proc.pid))

    def served_paths(self) -> set[str]:
        import httpx

        doc = httpx.get(f"{self.url}/openapi.json", timeout=30).json()
        return set(doc.get("paths", {}))


@contextmanager
def serving(data_dir: Path, workers: int, env: dict[str, str]) -> Iterator[Server]:
    """``crossplay serve`` on a free port until the block ends (SIGTERM, then SIGKILL)."""
    proc = subprocess.Popen(
        [crossplay_bin(), "--data-dir", str(data_dir), "serve", "--port", "0",
         "--workers", str(workers)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True, env=env, start_new_session=True)
    assert proc.stderr is not None
    log: list[str] = []
    url = None
    deadline = time.monotonic() + 120
    for line in proc.stderr:
        log.append(line.rstrip())
        m = re.search(r"(http://[\w.\[\]:]+:\d+)", line)
        if m:
            url = m.group(1)
            break
        if time.monotonic() > deadline:
            break
    if url is None:
        proc.kill()
        proc.wait(10)
        proc.stderr.close()
        raise RuntimeError("crossplay serve did not start:\n" + "\n".join(log[-20:]))
    drain = threading.Thread(target=lambda: log.extend(x.rstrip() for x in proc.stderr or ()),
                             daemon=True)
    drain.start()
    server = Server(proc, url, workers, log)
    try:
        _wait_ready(server)
        yield server
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        drain.join(10)
        proc.stderr.close()


def _wait_ready(server: Server) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{server.url}/healthz never answered:\n" + "\n".join(server.log[-30:]))


def create_key(data_dir: Path, env: dict[str, str], *scopes: str) -> str:
    args = ["apikey", "create", "--partner", "game", "--name", "api-bench", "--json"]
    for s in scopes:
        args += ["--scope", s]
    return str(json.loads(cli(data_dir, *args, env=env))["secret"])


# --- one wrk run -----------------------------------------------------------------------------

def wrk_bin() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed: `./dev bench api` installs it (Debian: "
                         "apt-get install -y --no-install-recommends wrk)")
    return found


def run_wrk(server: Server, *, mode: str, connections: int, duration: float,
            key: str = "", path: str = "/healthz", users: Path | None = None,
            rate: float = 0, threads: int = 2, timeout_s: float = 10,
            points_pattern: str | None = None) -> dict[str, Any]:
    """One wrk run; its counts, latency percentiles (ms) and the CPU both sides used."""
    threads = max(1, min(threads, connections))
    env = {**os.environ, "CP_MODE": mode, "CP_KEY": key, "CP_PATH": path,
           "CP_USERS": str(users or ""), "CP_RUN": uuid.uuid4().hex[:8],
           "CP_RATE": str(rate), "CP_THREADS": str(threads)}
    if points_pattern:
        env["CP_POINTS"] = points_pattern
    cmd = [wrk_bin(), f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s",
           f"--timeout={timeout_s:g}s", "-s", str(LUA), server.url]
    server_before = server.cpu_s()
    # wrk's own CPU: the rusage of reaped children (only wrk is reaped in this window; its
    # /proc/<pid>/stat is gone once it has exited, rusage holds the same counters)
    kids_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, errors="replace", env=env,
                         check=False)
    wall = time.perf_counter() - started
    kids_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = server.cpu_s() - server_before
    wrk_cpu = (kids_after.ru_utime - kids_before.ru_utime
               + kids_after.ru_stime - kids_before.ru_stime)
    line = next((x for x in res.stdout.splitlines() if x.startswith("CPBENCH ")), None)
    if res.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({res.returncode}): {res.stdout}\n{res.stderr}")
    raw = json.loads(line.removeprefix("CPBENCH "))
    seconds = raw["duration_us"] / 1e6
    statuses = {int(k): int(v) for k, v in raw["statuses"].items()}
    cores = os.cpu_count() or 1
    lat = {k: v / 1000 for k, v in raw["latency_us"].items()}
    ok = sum(v for k, v in statuses.items() if 200 <= k < 300)
    answered = sum(statuses.values())
    return {"mode": mode, "path": path if mode == "get" else CHECKIN_PATH,
            "connections": connections, "timeout_s": timeout_s, "threads": threads,
            "offered_rate": rate or None,
            "seconds": seconds, "requests": raw["requests"], "req_per_s": raw["requests"] / seconds,
            "sent": raw["sent"], "unanswered": max(0, raw["sent"] - answered),
            "ok": ok, "ok_per_s": ok / seconds, "statuses": statuses,
            "status_5xx": sum(v for k, v in statuses.items() if k >= 500),
            "status_429": statuses.get(429, 0), "errors": raw["errors"],
            "latency_ms": lat, "acked": raw["acked"], "eligible": raw["eligible"],
            "refusal_samples": raw.get("samples", {}),
            "points_acked": raw["points"],
            "cpu": {"wrk_s": wrk_cpu, "server_s": server_cpu, "wall_s": wall, "cores": cores,
                    "wrk_share": wrk_cpu / (wall * cores),
                    "server_share": server_cpu / (wall * cores),
                    # the server's CPU per answer: what a request costs, whatever else
                    # runs on the machine (the steadiest figure on a shared box)
                    "server_ms_per_answer": 1000 * server_cpu / answered if answered else None}}


# --- scenarios -------------------------------------------------------------------------------

def scenario_recommend(prepared: Path, args: argparse.Namespace) -> list[dict[str, Any]]:
    out = []
    for workers in args.workers:
        with run_copy(prepared, args.tmp) as data:
            env = base_env()
            key = create_key(data, env, "recommend")
            with serving(data, workers, env) as server:
                base = run_wrk(server, mode="get", connections=args.connections,
                               duration=args.duration)
                cell: dict[str, Any] = {"scenario": "recommend", "workers": workers,
                                        "baseline": base}
                if RECOMMEND_PATH.split("?")[0] not in server.served_paths():
                    cell["skipped"] = "GET /v1/recommendations is not served yet"
                else:
                    # warm-up, not reported: each worker loads the model on first use
                    run_wrk(server, mode="get", connections=args.connections,
                            duration=min(3.0, args.duration), key=key, path=RECOMMEND_PATH,
                            users=data / "users.txt")
                    cell["run"] = run_wrk(server, mode="get", connections=args.connections,
                                          duration=args.duration, key=key,
                                          path=RECOMMEND_PATH, users=data / "users.txt")
                out.append(cell)
                report_cell(cell)
    return out


def stored_points(db_url: str) -> tuple[int, int, list[str]]:
    """(awards, points awarded, invariant violations) in the operational database; the
    ledger's own invariants include "each request key applied once" (nothing doubled)."""
    from sqlalchemy import func, select

    from crossplay.campaigns import tables as t
    from crossplay.campaigns.invariants import violations
    from crossplay.opdb import get_engine

    engine = get_engine(db_url)
    with engine.connect() as con:
        n, total = con.execute(select(func.count(), func.coalesce(func.sum(t.awards.c.amount),
                                                                  0))
                               .select_from(t.awards)).one()
    return int(n), int(total), violations(engine)


def scenario_checkins(prepared: Path, args: argparse.Namespace, *,
                      spike: bool) -> dict[str, Any]:
    """Check-ins on a fresh PostgreSQL database: closed loop at ``--checkin-connections``,
    or (``spike``) 10x ``--steady-rate`` for ``--spike-duration`` seconds."""
    name = "spike" if spike else "checkins"
    database = nullcontext(args.db_url) if args.db_url else pg_database()
    with run_copy(prepared, args.tmp) as data, database as db_url:
        env = base_env(CROSSPLAY_DB_URL=db_url)
        from crossplay.core.clock import now

        bench_campaign(data, now().date().isoformat(), budget=10**9, env=env)
        key = create_key(data, env, "ledger")
        users = data / "linked.txt"
        cell: dict[str, Any] = {"scenario": name, "workers": args.checkin_workers,
                                "db": "postgresql",
                                "users": len(users.read_text(encoding="utf-8").split())}
        awards_before, points_before, _ = stored_points(db_url)
        with serving(data, args.checkin_workers, env) as server:
            cell["baseline"] = run_wrk(server, mode="get", connections=args.checkin_connections,
                                       duration=args.duration)
            if CHECKIN_PATH not in server.served_paths():
                cell["skipped"] = "POST /v1/checkins is not served yet"
                report_cell(cell)
                return cell
            common: dict[str, Any] = {"mode": "checkin", "key": key, "users": users,
                                      "points_pattern": NEW_AWARD_POINTS}
            if spike:
                steady = run_wrk(server, connections=args.steady_connections,
                                 duration=args.duration, rate=args.steady_rate, **common)
                cell["steady"] = steady
                cell["run"] = run_wrk(server, connections=args.spike_connections,
                                      duration=args.spike_duration,
                                      rate=args.steady_rate * args.spike_factor,
                                      timeout_s=args.spike_timeout, **common)
                runs = [steady, cell["run"]]
            else:
                cell["run"] = run_wrk(server, connections=args.checkin_connections,
                                      duration=args.duration, **common)
                runs = [cell["run"]]
            if any(r["status_5xx"] for r in runs):  # the server's own account of them
                cell["server_log_tail"] = server.log[-60:]
        awards, points, broken = stored_points(db_url)
        acked_points = sum(r["points_acked"] for r in runs)
        stored = points - points_before
        # sent without an answer: timed out, cut, or still in flight when wrk stopped (the
        # server finishes those before it stops, so their awards are in the ledger)
        unanswered = sum(r["unanswered"] for r in runs)
        cell["ledger"] = {
            "acknowledged": sum(r["acked"] for r in runs),
            "eligible": sum(r["eligible"] for r in runs),
            "points_acknowledged": acked_points, "awards_stored": awards - awards_before,
            "points_stored": stored,
            # acknowledged as written but not in the ledger
            "points_lost": max(0, acked_points - stored),
            # in the ledger, never acknowledged: only a request left without an answer
            # may leave such points
            "points_unacknowledged": max(0, stored - acked_points),
            "unanswered_requests": unanswered, "violations": broken,
            "5xx": sum(r["status_5xx"] for r in runs),
            "429": sum(r["status_429"] for r in runs)}
    report_cell(cell)
    return cell


# --- output ----------------------------------------------------------------------------------

def report_cell(cell: dict[str, Any]) -> None:
    run = cell.get("run")
    what = (f"{run['ok_per_s']:8.0f} ok/s  p50 {run['latency_ms']['p50']:6.2f} ms  "
            f"p99 {run['latency_ms']['p99']:7.2f} ms" if run else cell.get("skipped", ""))
    print(f"[api] {cell['scenario']:9s} {cell['workers']} worker(s): {what}  "
          f"(/healthz {cell['baseline']['req_per_s']:,.0f} req/s)", flush=True)


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def rows_of(cells: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    rows = []
    for c in cells:
        base = c["baseline"]
        for label, run in (("healthz", base), ("steady", c.get("steady")), (c["scenario"],
                                                                             c.get("run"))):
            if run is None:
                continue
            lat = run["latency_ms"]
            # wrk records no latency above its timeout: answers all slower show as such
            slow = f">{run['timeout_s']:g}s" if run["ok"] and not lat["p99"] else None
            ratio = run["ok_per_s"] / base["req_per_s"] if label != "healthz" else 1.0
            rows.append((c["scenario"], str(c["workers"]), label, str(run["connections"]),
                         f"{run['offered_rate']:,.0f}" if run["offered_rate"] else "max",
                         f"{run['ok_per_s']:,.0f}", slow or f"{lat['p50']:.2f}",
                         slow or f"{lat['p99']:.2f}",
                         str(run["status_429"]), str(run["status_5xx"]),
                         str(run["errors"]["timeout"]), f"{ratio:.2f}",
                         f"{run['cpu']['wrk_share']:.0%}", f"{run['cpu']['server_share']:.0%}",
                         _ms(run["cpu"]["server_ms_per_answer"])))
        if "skipped" in c:
            rows.append((c["scenario"], str(c["workers"]), "skipped", "", "", "", "", "", "", "",
                         "", "", "", "", c["skipped"]))
    return rows


def print_table(cells: list[dict[str, Any]]) -> None:
    head = ("scenario", "workers", "run", "conns", "offered/s", "2xx/s", "p50 ms", "p99 ms",
            "429", "5xx", "timeouts", "x healthz", "wrk cpu", "server cpu", "server ms/answer")
    rows = rows_of(cells)
    widths = [max(len(str(r[i])) for r in (head, *rows) if i < len(r)) for i in range(len(head))]
    for line in (head, *rows):
        print("  ".join(str(v).ljust(w) for v, w in zip(line, widths, strict=False)))
    for c in cells:
        if "ledger" in c:
            led = c["ledger"]
            print(f"[api] {c['scenario']}: {led['acknowledged']:,} check-ins answered 2xx "
                  f"({led['eligible']:,} eligible; {c['users']:,} linked users), "
                  f"{led['points_acknowledged']:,} new points acknowledged, "
                  f"{led['awards_stored']:,} awards / {led['points_stored']:,} points stored; "
                  f"lost {led['points_lost']}, unacknowledged {led['points_unacknowledged']} "
                  f"({led['unanswered_requests']} requests unanswered); 429 {led['429']}, "
                  f"5xx {led['5xx']}, invariant violations {len(led['violations'])}")


def verdicts(cells: list[dict[str, Any]]) -> dict[str, Any]:
    """Each scenario against issue #14's target (None: not measured)."""
    out: dict[str, Any] = {}
    for c in cells:
        run = c.get("run")
        if run is None:
            continue
        label = f"{c['scenario']}@{c['workers']}"
        if c["scenario"] in ("recommend", "checkins"):
            tgt = TARGETS[c["scenario"]]
            out[label] = (run["ok_per_s"] >= tgt["req_per_s"]
                          and run["latency_ms"]["p99"] <= tgt["p99_ms"])
        else:
            led = c["ledger"]
            out[label] = (led["5xx"] == 0 and led["points_lost"] == 0
                          and not led["violations"]
                          and (led["points_unacknowledged"] == 0
                               or led["unanswered_requests"] > 0))
    return out


def machine_info() -> dict[str, Any]:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=HERE, check=False).stdout.strip()
    wrk_version = subprocess.run([wrk_bin(), "-v"], capture_output=True, text=True,
                                 check=False).stdout.split("\n", 1)[0]
    return {"python": platform.python_version(), "cpus": os.cpu_count(),
            "machine": platform.machine(), "git_commit": commit, "wrk": wrk_version,
            "load_avg_1m": os.getloadavg()[0]}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="api", description=__doc__.split("\n\n")[0])
    p.add_argument("--scenarios", default=",".join(SCENARIOS),
                   help=f"comma-separated: {', '.join(SCENARIOS)}")
    p.add_argument("--people", type=int, default=2_000, help="people in the prepared world")
    p.add_argument("--seed", type=int, default=7, help="the prepared world's seed")
    p.add_argument("--duration", type=float, default=15,
                   help="seconds per measured run (not the spike)")
    p.add_argument("--workers", default="1,2", help="server workers for recommend")
    p.add_argument("--connections", type=int, default=32, help="connections for recommend")
    p.add_argument("--checkin-connections", type=int, default=200)
    p.add_argument("--checkin-workers", type=int, default=2)
    p.add_argument("--steady-rate", type=float, default=200,
                   help="check-ins/s before the spike (the spike offers 10x this)")
    p.add_argument("--steady-connections", type=int, default=50)
    p.add_argument("--spike-factor", type=float, default=10)
    p.add_argument("--spike-duration", type=float, default=60, help="seconds of the spike")
    p.add_argument("--spike-connections", type=int, default=1_000,
                   help="connections during the spike (above api_max_inflight: excess "
                        "is answered 429)")
    p.add_argument("--spike-timeout", type=float, default=30,
                   help="seconds wrk waits for one answer during the spike")
    p.add_argument("--data", type=Path, default=DATA, help="where prepared worlds are cached")
    p.add_argument("--prepared", type=Path, default=None,
                   help="use this prepared data directory (see prepare()) as it is")
    p.add_argument("--db-url", default=None,
                   help="check-ins on this PostgreSQL database instead of a fresh one")
    p.add_argument("--tmp", type=Path, default=None, help="where run copies go")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    chosen = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    if not chosen or any(s not in SCENARIOS for s in chosen):
        raise SystemExit(f"--scenarios takes some of {', '.join(SCENARIOS)}")
    args.workers = [int(w) for w in str(args.workers).split(",") if w.strip()]
    wrk_bin()
    prepared = args.prepared or prepare(args.people, args.seed, root=args.data)
    load_before = os.getloadavg()
    cells: list[dict[str, Any]] = []
    if "recommend" in chosen:
        cells += scenario_recommend(prepared, args)
    if "checkins" in chosen:
        cells.append(scenario_checkins(prepared, args, spike=False))
    if "spike" in chosen:
        cells.append(scenario_checkins(prepared, args, spike=True))
    print_table(cells)
    doc = {"suite": "api", "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
           "machine": {**machine_info(), "load_avg_before": load_before,
                       "load_avg_after": os.getloadavg()},
           "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
           "targets": TARGETS, "met": verdicts(cells), "cells": cells}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1, default=str) + "\n", encoding="utf-8")
    print(f"[api] wrote {args.out}")
    spike_broken = [c for c in cells if c["scenario"] == "spike" and "ledger" in c
                    and not verdicts([c]).get(f"spike@{c['workers']}", True)]
    bad = any(c.get("ledger", {}).get("violations") for c in cells) or spike_broken
    print(f"[api] load average (1 min) {load_before[0]:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores: other work on the "
          "machine makes absolute figures noisy, the ratios to /healthz less so")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
