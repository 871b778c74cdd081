"""Points ledger under 50 concurrent clients: awards/s and redemptions/s on SQLite and
PostgreSQL, the invariants checked after every run, against a naive ledger.

The floor is the least a correct transfer costs on this machine at this moment (lock two
balance rows, update both, commit): the ceiling any exact ledger could reach here.

The naive ledger is what a first version often looks like: read the balance, add in the
application, write it back, no lock and no idempotency key. It is faster — and the run shows
it losing points (concurrent read-then-write) and doubling them (a retried request is
applied twice). The real ledger's figures count only runs whose invariants held.

    python benchmarks/run.py ledger                      # defaults: 50 clients x 40 ops
    python benchmarks/run.py ledger --ops 200 --repeat 5 --db postgresql
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
WORKLOADS = ("awards", "redemptions", "naive", "floor")
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


def bench_awards(engine: Engine, clients: int, ops: int) -> dict[str, Any]:
    ledger = Ledger(engine)
    total = clients * ops * AWARD
    campaign = Campaign.model_validate({
        "id": "bench", "version": 1, "name": {"en": "bench", "zh-CN": "基准"},
        "start": "2026-09-01", "end": "2026-09-30", "currencies": {"CPP": {"name": "points"}},
        "point_value_yuan": "0.01", "budget": 2 * total, "checkins": {"dual_points": 1},
        "messages": {"earned": {"en": "{points}", "zh-CN": "{points}"}}})
    budget.fund(ledger, "bench", "CPP", 2 * total)
    day = dt.date(2026, 9, 1)
    base = 1_788_192_000_000_000

    def work(n: int) -> None:
        rng = random.Random(n)
        for i in range(ops):
            award = Award(f"award:{n}:{i}", f"p{rng.randrange(PERSONS)}", "bench", day,
                          AWARD, base + n * ops + i)
            ledger.submit(award_request(campaign, award))
            if i % 10 == 0:  # a client retrying a request it is unsure about
                assert ledger.submit(award_request(campaign, award)).replayed
    seconds = run_clients(clients, work)
    with engine.connect() as con:
        balances = int(con.execute(select(func.sum(t.accounts.c.balance))
                                   .where(t.accounts.c.kind == "person")).scalar_one())
        postings = int(con.execute(select(func.count()).select_from(t.postings)).scalar_one())
    broken = violations(engine)
    if balances != total:
        broken.append(f"persons hold {balances}, expected {total}")
    n = clients * ops
    return {"ops": n, "seconds": seconds, "ops_per_s": n / seconds,
            "postings": postings - 2, "postings_per_s": (postings - 2) / seconds,
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


def measure(kind: str, workload: str, clients: int, ops: int) -> dict[str, Any]:
    with database(kind) as url:
        engine = get_engine(url)
        ensure_schema(engine)
        fn = {"awards": bench_awards, "redemptions": bench_redemptions,
              "naive": bench_naive, "floor": bench_floor}[workload]
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
    p.add_argument("--clients", type=int, default=50, help="concurrent clients (threads)")
    p.add_argument("--ops", type=int, default=40, help="requests per client per run")
    p.add_argument("--repeat", type=int, default=3, help="runs per cell (median reported)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    dbs = [d.strip() for d in args.db.split(",") if d.strip()]
    if not dbs or any(d not in ("sqlite", "postgresql") for d in dbs):
        raise SystemExit("--db takes sqlite, postgresql or both (comma-separated)")
    if args.clients < 1 or args.ops < 1 or args.repeat < 1:
        raise SystemExit("--clients, --ops and --repeat must be at least 1")
    cells: dict[str, dict[str, Any]] = {}
    for db in dbs:
        for r in range(args.repeat):
            for workload in WORKLOADS:
                res = measure(db, workload, args.clients, args.ops)
                cell = cells.setdefault(f"{db}/{workload}", {"db": db, "workload": workload,
                                                              "runs": []})
                cell["runs"].append(res)
                print(f"[ledger] {db:10s} {workload:11s} run {r + 1}/{args.repeat}: "
                      f"{res['ops_per_s']:8.0f} ops/s "
                      f"{res.get('postings_per_s', 0):8.0f} postings/s "
                      f"violations {len(res['violations'])}", flush=True)
    rows = []
    for cell in cells.values():
        runs = cell["runs"]
        cell["median_ops_per_s"] = statistics.median(r["ops_per_s"] for r in runs)
        cell["median_postings_per_s"] = statistics.median(r.get("postings_per_s", 0)
                                                          for r in runs)
        cell["runs_with_violations"] = sum(1 for r in runs if r["violations"])
    for db in dbs:
        naive = cells[f"{db}/naive"]["median_ops_per_s"]
        for workload in WORKLOADS:
            c = cells[f"{db}/{workload}"]
            c["ratio_vs_naive"] = c["median_ops_per_s"] / naive
            extra = ""
            if workload == "naive":
                lost = statistics.median(r["points_lost"] for r in c["runs"])
                twice = statistics.median(r["requests_applied_twice"] for r in c["runs"])
                extra = f"median {lost:.0f} points lost, {twice:.0f} requests applied twice"
            rows.append((db, workload, f"{c['median_ops_per_s']:,.0f}",
                         f"{c['median_postings_per_s']:,.0f}", f"{c['ratio_vs_naive']:.2f}",
                         f"{c['runs_with_violations']}/{len(c['runs'])}", extra))
    head = ("db", "workload", "ops/s", "postings/s", "x naive", "runs w/ violations", "note")
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]
    for line in (head, *rows):
        print("  ".join(str(v).ljust(w) for v, w in zip(line, widths, strict=True)))
    doc = {"suite": "ledger", "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
           "machine": machine_info(), "clients": args.clients, "ops_per_client": args.ops,
           "repeat": args.repeat, "cells": cells}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1, default=str) + "\n", encoding="utf-8")
    print(f"[ledger] wrote {args.out}")
    bad = any(c["runs_with_violations"] for c in cells.values() if c["workload"] != "naive")
    for db in dbs:
        floor = cells[f"{db}/floor"]["median_ops_per_s"]
        print(f"[ledger] {db}: awards at {cells[f'{db}/awards']['median_ops_per_s'] / floor:.2f}"
              f" of the bare locked-transfer floor ({floor:,.0f} tx/s here, now)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
