"""Social-graph benchmark: PageRank, reach, Leiden communities and expected reach at scale.

Graph: ``--nodes`` users and ``--edges`` directed edges (default 100k / 1M; the issue's
scale is ``--nodes 1m --edges 10m``), deterministic by seed: sources uniform, targets
drawn from a power law (a few hubs, like streamers), 10% of nodes in the target segment,
strengths log1p of a lognormal weight. Runs :func:`crossplay.mining.social.analyse` (the
code ``crossplay social rank`` runs) in a fresh process and reports the median wall time
and the process's peak RSS; also the exact two-hop reach of the top 10 nodes.

    python benchmarks/social_bench.py
    python benchmarks/social_bench.py --nodes 1m --edges 10m --repeat 1
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_OUT = HERE / "results" / "social.json"


def parse_size(text: str) -> int:
    t = text.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    return int(float(t[:-1] if mult != 1 else t) * mult)


def worker(n: int, m: int) -> dict[str, Any]:
    sys.path.insert(0, str(REPO / "src"))
    from crossplay.mining.social import analyse, two_hop_reach

    rng = np.random.default_rng(0)
    src = rng.integers(0, n, m)
    dst = np.minimum((rng.pareto(1.1, m) * n / 200).astype(np.int64), n - 1)
    dst = rng.permutation(n)[dst]
    w = np.log1p(rng.lognormal(0.0, 1.0, m))
    target = rng.random(n) < 0.1
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    inf = analyse(src, dst, w, n, target=target)
    t1 = time.perf_counter()
    best = np.argsort(-inf.pagerank)[:10]
    reach = two_hop_reach(src, dst, n, best.tolist())
    t2 = time.perf_counter()
    return {"nodes": n, "edges": m, "analyse_s": t1 - t0, "two_hop_top10_s": t2 - t1,
            "communities": int(np.unique(inf.communities).size),
            "modularity": inf.modularity, "top_reach2": int(reach[0]),
            "rss_before_mb": round(base, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nodes", default="100k")
    ap.add_argument("--edges", default="1m")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    n, m = parse_size(args.nodes), parse_size(args.edges)
    if args.worker:
        print(json.dumps(worker(n, m)))
        return 0
    runs = []
    for _ in range(args.repeat):
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker",
                               "--nodes", str(n), "--edges", str(m)],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            print(proc.stderr[-2000:], file=sys.stderr)
            return 1
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    med = statistics.median(r["analyse_s"] for r in runs)
    last = runs[-1]
    print(f"{'nodes':>9} {'edges':>10} {'median s':>9} {'2-hop top10 s':>13} "
          f"{'communities':>11} {'modularity':>10} {'peak MB':>8}")
    print(f"{n:9,d} {m:10,d} {med:9.1f} {last['two_hop_top10_s']:13.2f} "
          f"{last['communities']:11,d} {last['modularity']:10.3f} {last['peak_rss_mb']:8.0f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"suite": "social", "python": platform.python_version(),
                                    "median_analyse_s": med, "runs": runs}, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
