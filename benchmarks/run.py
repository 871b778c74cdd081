"""crossplay's benchmarks: one command for every suite (``./dev bench`` runs this).

    python benchmarks/run.py                      every suite, default options
    python benchmarks/run.py ingest [options]     one suite; options go after its name
    python benchmarks/run.py ingest --help        that suite's options
    python benchmarks/run.py --list               the suites

Each suite is a module here exposing ``main(argv: list[str] | None) -> int``; add a new
one to ``SUITES``. Benchmarks are not tests and are not run in CI.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: suite name -> (module in benchmarks/, one-line description)
SUITES: dict[str, tuple[str, str]] = {
    "ingest": ("ingest_bench", "ingest() vs pandas: CSV/Parquet, 1M and 10M game events"),
    "recommend": ("recommend_bench",
                  "ALS fit / batch top-10 vs implicit directly; leaderboard on the world"),
    "stats": ("stats_bench", "experiment analysis (3 metrics + SRM) vs pandas: 1M / 10M rows"),
    "rules": ("rules_bench", "association rules vs mlxtend fpgrowth: 100k / 1M baskets"),
    "social": ("social_bench", "PageRank, reach, Leiden: 100k / 1M nodes, 1M / 10M edges"),
    "psi": ("psi_bench", "PSI 100k x 100k (--size 1000000): sharded vs serial vs hash join"),
    "ledger": ("ledger_bench",
               "points ledger: awards/s, redemptions/s, 50 clients, SQLite + PostgreSQL vs naive"),
    "uplift": ("uplift_bench",
               "T-/X-learner on the world's campaign: true-effect ratio to random at q = 30%"),
    "evaluation": ("evaluation_bench",
                   "bench plumbing: rating-file reading, stratified split vs Recommenders, "
                   "fingerprints (1M rows)"),
    "api": ("api_bench",
            "HTTP API under wrk: recommendations at 1/2 workers, check-ins on PostgreSQL "
            "(200 connections), a 10x midnight spike; vs /healthz"),
    "dashboard": ("dashboard_bench",
                  "console pages on a 100k-person world: cold build, warm p50/p95 per page "
                  "and language vs /login and /healthz"),
}


def _suite_main(name: str) -> Callable[[list[str] | None], int]:
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    module = importlib.import_module(SUITES[name][0])
    entry: Callable[[list[str] | None], int] = module.main
    return entry


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if args and args[0] == "--list":
        for name, (_, about) in SUITES.items():
            print(f"{name:10s} {about}")
        return 0
    if args and not args[0].startswith("-"):
        name = args[0]
        if name not in SUITES:
            print(f"unknown suite {name!r}; choose from: {', '.join(SUITES)}", file=sys.stderr)
            return 2
        return _suite_main(name)(args[1:])
    # no suite named: run them all; options given here go to every suite
    status = 0
    for name in SUITES:
        print(f"== {name} ==", flush=True)
        status = max(status, _suite_main(name)(args))
    return status


if __name__ == "__main__":
    sys.exit(main())
