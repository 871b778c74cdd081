"""Points ledger under 50 and 200 concurrent clients: awards/s (the one-request-one-
transaction path and the group commit, in the same run) and redemptions/s on SQLite and
PostgreSQL, the invariants checked after every run, against a naive ledger.

Awards are also sent *paced* (open loop): the clients together send ``--rate`` awards/s on
a fixed schedule and each latency counts from the request's scheduled time, so a server
that falls behind shows it in p99 (closed-loop clients cannot show p99 below
clients / throughput: 200 clients at 1,000/s wait 200 ms on average by Little's law).

The floor is the least a correct transfer costs on this machine at this moment (lock two
balance rows, update both, commit): the ceiling any exact ledger could reach here.

The naive ledger is what a first version often looks like: read the balance, add in the
application, write it back, no lock and no idempotency key. It is faster — and the run shows
it losing points (concurrent read-then-write) and doubling them (a retried request is
applied twice). The real ledger's figures count only runs whose invariants held.

    python benchmarks/run.py ledger                      # defaults: 50,200 clients x 20 ops
    python benchmarks/run.py ledger --ops 40 --repeat 5 --db postgresql --clients 200
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    MetaData,
    String,
    Table,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import OperationalError

from crossplay.campaigns import budget
from crossplay.campaigns import tables as t
from crossplay.campaigns.document import Campaign
from crossplay.campaigns.engine import award_request
from crossplay.campaigns.errors import LedgerError
from crossplay.campaigns.invariants import violations
from crossplay.campaigns.ledger import Ledger
from crossplay.campaigns.redemption import Reward, confirm, define_rewards, reserve
from crossplay.campaigns.rules import Award
from crossplay.opdb import dispose_engines, ensure_schema, get_engine

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "results" / "ledger.json"
PG_ADMIN = os.environ.get("CROSSPLAY_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PERSONS = 500
WORKLOADS = ("awards", "awards-group", "awards-paced", "redemptions", "naive", "floor")
AWARD = 10

naive_md = MetaData()
naive_balances = Table("naive_balances", naive_md,
                       Column("person", String(64), primary_key=True),
                       Column("balance", BigInteger, nullable=False))
naive_requests = Table("naive_requests", naive_md, Column("key", String(200)))


@contextmanager
def database(kind: str) -> Iterator[str]:
    """A fresh, empty database URL, removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="ledger-bench-") as tmp:
            yield f"sqlite:///{tmp}/ops.db"
            dispose_engines()
        return
    import psycopg

    admin = psycopg.connect(PG_ADMIN, autocommit=True)
    name = f"crossplay_bench_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    host = PG_ADMIN.split("://", 1)[1].rsplit("/", 1)[0]
    try:
        yield f"postgresql+psycopg://{host}/{name}"
    finally:
        dispose_engines()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def run_clients(clients: int, work: Callable[[int], None]) -> float:
    """Run ``work(client)`` on ``clients`` threads released together; wall seconds."""
    barrier = threading.Barrier(clients + 1)
    errors: list[BaseException] = []

    def body(n: int) -> None:
        barrier.wait()
        try:
            work(n)
        except BaseException as exc:  # reported after the run
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(n,)) for n in range(clients)]
    for th in threads:
        th.start()
    barrier.wait()
    start = time.perf_counter()
    for th in threads:
        th.join()
    seconds = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{len(errors)} client(s) failed: {errors[0]!r}")
    return seconds


def bench_awards(engine: Engine, clients: int, ops: int, *,
                 group_commit: bool | None = None, rate: float | None = None) -> dict[str, Any]:
    """Single awards from ``clients`` threads; ``group_commit`` False: the one-request-one-
    transaction path (the old path), True: the group commit. ``rate``: paced (open loop),
    the clients together send ``rate`` awards/s; latency from each scheduled send time."""
    ledger = Ledger(engine, group_commit=group_commit)
    committer = ledger.committer
    groups0 = (committer.groups, committer.requests) if committer else (0, 0)
    total = clients * ops * AWARD
    campaign = Campaign.model_validate({
        "id": "bench", "version": 1, "name": {"en": "bench", "zh-CN": "基准"},
        "start": "2026-09-01", "end": "2026-09-30", "currencies": {"CPP": {"name": "points"}},
        "point_value_yuan": "0.01", "budget": 2 * total, "checkins": {"dual_points": 1},
        "messages": {"earned": {"en": "{points}", "zh-CN": "{points}"}}})
    budget.fund(ledger, "bench", "CPP", 2 * total)
    day = dt.date(2026, 9, 1)
    base = 1_788_192_000_000_000

    latencies: list[list[float]] = [[] for _ in range(clients)]
    failed = [0] * clients
    failed_replays = [0] * clients
    with engine.connect() as con:
        postings0 = int(con.execute(select(func.count()).select_from(t.postings)).scalar_one())
    start = [0.0]

    def work(n: int) -> None:
        rng = random.Random(n)
        if rate is not None and not start[0]:
            start[0] = time.perf_counter()
        for i in range(ops):
            award = Award(f"award:{n}:{i}", f"p{rng.randrange(PERSONS)}", "bench", day,
                          AWARD, base + n * ops + i)
            t0 = time.perf_counter()
            if rate is not None:  # open loop: this request's slot in the common schedule
                t0 = start[0] + (i * clients + n) / rate
                if t0 > time.perf_counter():
                    time.sleep(t0 - time.perf_counter())
            try:
                ledger.submit(award_request(campaign, award))
            except OperationalError:  # the server refused a connection (too many clients
                failed[n] += 1        # on the shared box): nothing was written; counted
                continue
            latencies[n].append(time.perf_counter() - t0)
            if i % 10 == 0:  # a client retrying a request it is unsure about
                try:
                    assert ledger.submit(award_request(campaign, award)).replayed
                except OperationalError:
                    failed_replays[n] += 1
    seconds = run_clients(clients, work)
    lat = sorted(x for per in latencies for x in per)
    with engine.connect() as con:
        balances = int(con.execute(select(func.sum(t.accounts.c.balance))
                                   .where(t.accounts.c.kind == "person")).scalar_one())
        postings = int(con.execute(select(func.count()).select_from(t.postings)).scalar_one())
    broken = violations(engine)
    n = clients * ops - sum(failed)
    if balances != n * AWARD:
        broken.append(f"persons hold {balances}, expected {n * AWARD}")
    groups = ((committer.groups - groups0[0], committer.requests - groups0[1])
              if committer else (0, 0))
    return {"ops": n, "failed": sum(failed), "failed_replays": sum(failed_replays),
            "seconds": seconds, "ops_per_s": n / seconds,
            "postings": postings - postings0,
            "postings_per_s": (postings - postings0) / seconds,
            "rate": rate, "group_commit": committer is not None,
            "p50_ms": 1000 * lat[len(lat) // 2],
            "p99_ms": 1000 * lat[min(len(lat) - 1, int(len(lat) * 0.99))],
            "groups": groups[0], "mean_group": groups[1] / groups[0] if groups[0] else 1.0,
            "violations": broken}


def bench_redemptions(engine: Engine, clients: int, ops: int) -> dict[str, Any]:
    ledger = Ledger(engine)
    cost = 5
    stock = clients * ops * 9 // 10  # not enough for everyone: the last units are raced for
    define_rewards(engine, [Reward("bench", "gift", "game", "CPP", cost, stock)])
    buyers = [f"b{i}" for i in range(clients * 4)]
    for b in buyers:
        ledger.earn(f"seed:{b}", b, "CPP", cost * ops)
    counts = {"ok": 0, "out_of_stock": 0}
    lock = threading.Lock()

    def work(n: int) -> None:
        rng = random.Random(n)
        for i in range(ops):
            buyer = buyers[rng.randrange(len(buyers))]
            try:
                res = reserve(ledger, f"r:{n}:{i}", "bench", "gift", buyer)
            except LedgerError as exc:
                with lock:
                    counts[exc.code] = counts.get(exc.code, 0) + 1
                continue
            confirm(ledger, f"c:{n}:{i}", int(res.result["redemption"]))
            with lock:
                counts["ok"] += 1
    with engine.connect() as con:
        before = int(con.execute(select(func.count()).select_from(t.postings)).scalar_one())
    seconds = run_clients(clients, work)
    with engine.connect() as con:
        after = int(con.execute(select(func.count()).select_from(t.postings)).scalar_one())
        left, redeemed = con.execute(select(t.rewards.c.stock, t.rewards.c.redeemed)).one()
    broken = violations(engine)
    if counts["ok"] != min(stock, clients * ops) or redeemed != counts["ok"] or left < 0:
        broken.append(f"stock {stock}: {counts['ok']} confirmed, {redeemed} recorded, "
                      f"{left} left")
    return {"ops": counts["ok"], "attempts": clients * ops, "refused": counts,
            "seconds": seconds, "ops_per_s": counts["ok"] / seconds,
            "postings": after - before, "postings_per_s": (after - before) / seconds,
            "violations": broken}


def bench_naive(engine: Engine, clients: int, ops: int) -> dict[str, Any]:
    """Read the balance, write balance + amount: no lock, no key uniqueness."""
    naive_md.create_all(engine)
    with engine.begin() as con:
        con.execute(insert(naive_balances), [{"person": f"p{i}", "balance": 0}
                                             for i in range(PERSONS)])

    def earn(key: str, person: str) -> None:
        with engine.begin() as con:  # "have we seen this request?" — check, then insert
            seen = con.execute(select(func.count()).select_from(naive_requests)
                               .where(naive_requests.c.key == key)).scalar_one()
        if seen:
            return
        with engine.begin() as con:
            bal = con.execute(select(naive_balances.c.balance)
                              .where(naive_balances.c.person == person)).scalar_one()
        with engine.begin() as con:
            con.execute(update(naive_balances).where(naive_balances.c.person == person)
                        .values(balance=bal + AWARD))
            con.execute(insert(naive_requests).values(key=key))

    def work(n: int) -> None:
        rng = random.Random(n)
        for i in range(ops):
            person = f"p{rng.randrange(PERSONS // 10)}"  # a hot set: campaigns have them
            if i % 10 == 0:  # the same retried request, sent twice at once
                dup = threading.Thread(target=earn, args=(f"award:{n}:{i}", person))
                dup.start()
                earn(f"award:{n}:{i}", person)
                dup.join()
            else:
                earn(f"award:{n}:{i}", person)
    seconds = run_clients(clients, work)
    with engine.connect() as con:
        held = int(con.execute(select(func.sum(naive_balances.c.balance))).scalar_one())
        applied = int(con.execute(select(func.count()).select_from(naive_requests))
                      .scalar_one())
        doubled = applied - int(con.execute(
            select(func.count(func.distinct(naive_requests.c.key)))).scalar_one())
    n = clients * ops
    expected = n * AWARD
    return {"ops": n, "seconds": seconds, "ops_per_s": n / seconds,
            "expected_points": expected, "held_points": held,
            "requests_applied_twice": doubled,
            "points_lost": max(0, expected + doubled * AWARD - held),
            "violations": ([f"naive ledger holds {held} points, expected {expected} "
                            f"({doubled} requests applied twice)"]
                           if held != expected or doubled else [])}


def bench_floor(engine: Engine, clients: int, ops: int) -> dict[str, Any]:
    """The least a correct transfer costs here and now: lock two balance rows (id order),
    update both, commit — no postings, lots or keys. The machine's ceiling for the ledger."""
    naive_md.create_all(engine)
    with engine.begin() as con:
        con.execute(insert(naive_balances), [{"person": f"p{i:04d}", "balance": 10**6}
                                             for i in range(PERSONS)])

    def work(n: int) -> None:
        rng = random.Random(n)
        for _ in range(ops):
            a, b = sorted(rng.sample(range(PERSONS), 2))
            with engine.begin() as con:
                con.execute(select(naive_balances.c.balance)
                            .where(naive_balances.c.person.in_([f"p{a:04d}", f"p{b:04d}"]))
                            .order_by(naive_balances.c.person).with_for_update()).all()
                con.execute(update(naive_balances).where(naive_balances.c.person == f"p{a:04d}")
                            .values(balance=naive_balances.c.balance - 1))
                con.execute(update(naive_balances).where(naive_balances.c.person == f"p{b:04d}")
                            .values(balance=naive_balances.c.balance + 1))
    seconds = run_clients(clients, work)
    with engine.connect() as con:
        total = int(con.execute(select(func.sum(naive_balances.c.balance))).scalar_one())
    n = clients * ops
    return {"ops": n, "seconds": seconds, "ops_per_s": n / seconds,
            "postings_per_s": 2 * n / seconds,
            "violations": [] if total == PERSONS * 10**6 else [f"sum moved to {total}"]}


def measure(kind: str, workload: str, clients: int, ops: int,
            rate: float = 1000.0) -> dict[str, Any]:
    with database(kind) as url:
        engine = get_engine(url)
        ensure_schema(engine)
        if workload == "awards":
            return bench_awards(engine, clients, ops, group_commit=False)
        if workload == "awards-group":
            return bench_awards(engine, clients, ops, group_commit=True)
        if workload == "awards-paced":
            return bench_awards(engine, clients, ops, group_commit=True, rate=rate)
        fn = {"redemptions": bench_redemptions, "naive": bench_naive,
              "floor": bench_floor}[workload]
        return fn(engine, clients, ops)


def machine_info() -> dict[str, Any]:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=HERE, check=False).stdout.strip()
    return {"python": platform.python_version(), "cpus": os.cpu_count(),
            "machine": platform.machine(), "git_commit": commit,
            "load_avg_1m": os.getloadavg()[0]}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ledger", description=__doc__.split("\n\n")[0])
    p.add_argument("--db", default="sqlite,postgresql", help="sqlite, postgresql or both")
    p.add_argument("--clients", default="50,200",
                   help="concurrent clients (threads), comma-separated counts")
    p.add_argument("--ops", type=int, default=20, help="requests per client per run")
    p.add_argument("--rate", type=float, default=1000.0,
                   help="awards/s all clients together send in awards-paced")
    p.add_argument("--workloads", default=",".join(WORKLOADS),
                   help=f"comma-separated subset of {', '.join(WORKLOADS)}")
    p.add_argument("--repeat", type=int, default=3, help="runs per cell (median reported)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file")
    return p


def _median(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def _fmt(x: float | None, spec: str = ",.0f") -> str:
    return "—" if x is None else format(x, spec)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    dbs = [d.strip() for d in args.db.split(",") if d.strip()]
    if not dbs or any(d not in ("sqlite", "postgresql") for d in dbs):
        raise SystemExit("--db takes sqlite, postgresql or both (comma-separated)")
    try:
        counts = [int(c) for c in str(args.clients).split(",") if c.strip()]
    except ValueError:
        raise SystemExit("--clients takes counts, e.g. 50,200") from None
    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    if any(w not in WORKLOADS for w in workloads) or not workloads:
        raise SystemExit(f"--workloads takes a subset of {', '.join(WORKLOADS)}")
    if not counts or min(counts) < 1 or args.ops < 1 or args.repeat < 1 or args.rate <= 0:
        raise SystemExit("--clients, --ops, --repeat and --rate must be at least 1")
    cells: dict[str, dict[str, Any]] = {}
    skipped: list[str] = []
    for db in dbs:
        for clients in counts:
            for r in range(args.repeat):
                for workload in workloads:  # turns within a repeat: drift hits all alike
                    try:
                        res = measure(db, workload, clients, args.ops, args.rate)
                    except RuntimeError as exc:  # e.g. the shared server out of connections
                        print(f"[ledger] {db} {clients} {workload} run {r + 1} failed, not "
                              f"counted: {exc}", flush=True)
                        skipped.append(f"{db}/{clients}/{workload}: {exc}")
                        continue
                    cell = cells.setdefault(f"{db}/{clients}/{workload}", {
                        "db": db, "clients": clients, "workload": workload, "runs": []})
                    cell["runs"].append(res)
                    print(f"[ledger] {db:10s} {clients:4d} {workload:12s} run "
                          f"{r + 1}/{args.repeat}: {res['ops_per_s']:8.0f} ops/s "
                          f"{res.get('postings_per_s', 0):8.0f} postings/s p99 "
                          f"{_fmt(res.get('p99_ms'), '.0f')} ms "
                          f"violations {len(res['violations'])}", flush=True)
    rows = []
    for cell in cells.values():
        runs = cell["runs"]
        cell["median_ops_per_s"] = statistics.median(r["ops_per_s"] for r in runs)
        cell["median_postings_per_s"] = statistics.median(r.get("postings_per_s", 0)
                                                          for r in runs)
        cell["median_p50_ms"] = _median(runs, "p50_ms")
        cell["median_p99_ms"] = _median(runs, "p99_ms")
        cell["median_group"] = _median(runs, "mean_group")
        cell["runs_with_violations"] = sum(1 for r in runs if r["violations"])
    for db in dbs:
        for clients in counts:
            naive = cells.get(f"{db}/{clients}/naive", {}).get("median_ops_per_s")
            old = cells.get(f"{db}/{clients}/awards", {}).get("median_ops_per_s")
            for workload in workloads:
                if f"{db}/{clients}/{workload}" not in cells:
                    continue
                c = cells[f"{db}/{clients}/{workload}"]
                c["ratio_vs_naive"] = c["median_ops_per_s"] / naive if naive else None
                c["ratio_vs_old_awards"] = (c["median_ops_per_s"] / old
                                            if old and workload.startswith("awards") else None)
                extra = ""
                if workload == "naive":
                    lost = statistics.median(r["points_lost"] for r in c["runs"])
                    twice = statistics.median(r["requests_applied_twice"] for r in c["runs"])
                    extra = f"median {lost:.0f} points lost, {twice:.0f} requests applied twice"
                if workload.startswith("awards-"):
                    extra = f"mean group {_fmt(c['median_group'], '.1f')}"
                if workload == "awards-paced":
                    extra += f", sent at {args.rate:,.0f}/s"
                rows.append((db, str(clients), workload, _fmt(c["median_ops_per_s"]),
                             _fmt(c["median_postings_per_s"]),
                             _fmt(c["median_p50_ms"], ".1f"), _fmt(c["median_p99_ms"], ".1f"),
                             _fmt(c["ratio_vs_old_awards"], ".2f"),
                             _fmt(c["ratio_vs_naive"], ".2f"),
                             f"{c['runs_with_violations']}/{len(c['runs'])}", extra))
    head = ("db", "clients", "workload", "ops/s", "postings/s", "p50 ms", "p99 ms", "x old",
            "x naive", "runs w/ violations", "note")
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]
    for line in (head, *rows):
        print("  ".join(str(v).ljust(w) for v, w in zip(line, widths, strict=True)))
    doc = {"suite": "ledger", "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
           "machine": machine_info(), "clients": counts, "ops_per_client": args.ops,
           "rate": args.rate, "repeat": args.repeat, "cells": cells,
           "failed_runs": skipped}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1, default=str) + "\n", encoding="utf-8")
    print(f"[ledger] wrote {args.out}")
    bad = any(c["runs_with_violations"] for c in cells.values() if c["workload"] != "naive")
    for db in dbs:
        for clients in counts:
            floor = cells.get(f"{db}/{clients}/floor", {}).get("median_ops_per_s")
            for w in ("awards", "awards-group"):
                if floor and f"{db}/{clients}/{w}" in cells:
                    print(f"[ledger] {db} {clients} clients: {w} at "
                          f"{cells[f'{db}/{clients}/{w}']['median_ops_per_s'] / floor:.2f} "
                          f"of the bare locked-transfer floor ({floor:,.0f} tx/s here, now)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
