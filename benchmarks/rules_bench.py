"""Association-rule benchmark: crossplay's miner against mlxtend fpgrowth + association_rules.

Data: synthetic baskets over ``--items`` items (default 2,000) with a power-law item
popularity and 40 latent topics (a basket draws 70% of its items from one topic, the rest
from a second topic, 15% from global popularity), mean length 8. Deterministic by seed.

Each engine runs in a fresh Python process on the same baskets in the same invocation,
engines taking turns within each repeat; the median wall time of the mining (itemsets +
rules, input already in the engine's own format) is reported, plus the process's peak
RSS during the mining (above what it held before). mlxtend gets its fastest input, a
dense boolean DataFrame (its sparse-DataFrame path was ~2x slower at 100k) unless
``--mlxtend-input sparse``; at 1M baskets x 2k items the dense path needed more than the
machine's 23 GB (OOM-killed at 22 GB RSS), so 1M runs use the sparse input. Each worker
runs under an address-space limit (``--mem-limit-gb``, default 12) so a blow-up ends that
worker with MemoryError instead of the machine's OOM killer. The rule sets are compared:
same (antecedent, consequent) pairs, same support and confidence.

    python benchmarks/rules_bench.py                       # 100k baskets, both engines
    python benchmarks/rules_bench.py --sizes 100k,1m --repeat 1
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_OUT = HERE / "results" / "rules.json"
ENGINES = ("crossplay", "mlxtend")
TARGET_RATIO = 10.0


def parse_size(text: str) -> int:
    t = text.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    return int(float(t[:-1] if mult != 1 else t) * mult)


def label(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1_000}k"


def generate(n: int, n_items: int, seed: int = 0, topics: int = 40,
             mean_len: int = 8) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(basket, item) pairs of ``n`` baskets (duplicates possible; engines dedupe)."""
    rng = np.random.default_rng(seed)
    item_topic = rng.integers(0, topics, n_items)
    pop = 1.0 / np.arange(1, n_items + 1) ** 0.8
    rng.shuffle(pop)
    lens = 1 + rng.poisson(mean_len - 1, n)
    t1, t2 = rng.integers(0, topics, n), rng.integers(0, topics, n)
    total = int(lens.sum())
    rows = np.repeat(np.arange(n, dtype=np.int64), lens)
    which = np.where(rng.random(total) < 0.7, np.repeat(t1, lens), np.repeat(t2, lens))
    items = np.empty(total, np.int64)
    order = np.argsort(which, kind="stable")
    bounds = np.searchsorted(which[order], np.arange(topics + 1))
    for t in range(topics):
        members = np.flatnonzero(item_topic == t)
        w = pop[members]
        idx = order[bounds[t]:bounds[t + 1]]
        items[idx] = rng.choice(members, idx.size, p=w / w.sum())
    noise = rng.random(total) < 0.15
    items[noise] = rng.choice(n_items, int(noise.sum()), p=pop / pop.sum())
    return rows, items


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _digest(rules: list[tuple[tuple[str, ...], tuple[str, ...], float, float]]) -> str:
    h = hashlib.sha256()
    for a, c, s, conf in sorted(rules):
        h.update(f"{','.join(a)}>{','.join(c)}:{s:.9f}:{conf:.9f};".encode())
    return h.hexdigest()[:16]


def brute_force_check(rows: npt.NDArray[np.int64], items: npt.NDArray[np.int64], n: int,
                      n_items: int, min_support: float,
                      itemsets: dict[tuple[int, ...], int]) -> dict[str, Any]:
    """An independent check of the miner where mlxtend cannot run: every single item and
    pair counted by a sparse product ``X^T X`` (scipy) must be frequent in the miner's output
    exactly when its support passes, with the same count; every larger itemset's count is
    recounted by intersecting its items' basket columns."""
    import scipy.sparse as sp

    x = sp.csr_matrix((np.ones(rows.size, dtype=np.int32), (rows, items)), shape=(n, n_items))
    x.data[:] = 1
    x.sum_duplicates()
    x.data[:] = 1
    singles = np.asarray(x.sum(axis=0)).ravel()
    want = {(int(i),): int(c) for i, c in enumerate(singles) if c / n >= min_support}
    freq = np.flatnonzero(singles / n >= min_support)
    sub = x[:, freq].tocsc()
    pairs = (sub.T @ sub).tocoo()
    for a, b, c in zip(pairs.row.tolist(), pairs.col.tolist(), pairs.data.tolist(),
                       strict=True):
        if a < b and c / n >= min_support:
            i, j = sorted((int(freq[a]), int(freq[b])))
            want[(i, j)] = int(c)
    got_small = {k: v for k, v in itemsets.items() if len(k) <= 2}
    csc = x.tocsc()
    larger_ok = 0
    for items_, count in itemsets.items():
        if len(items_) > 2:
            mask = np.ones(n, dtype=bool)
            for it in items_:
                col = np.zeros(n, dtype=bool)
                col[csc.indices[csc.indptr[it]:csc.indptr[it + 1]]] = True
                mask &= col
            larger_ok += int(mask.sum()) == count
    return {"sizes_1_2_identical": got_small == want, "sizes_1_2": len(want),
            "larger_recounted_ok": larger_ok,
            "larger": sum(1 for k in itemsets if len(k) > 2)}


def worker(engine: str, n: int, n_items: int, min_support: float,
           min_conf: float, mlxtend_input: str = "dense",
           verify: bool = False) -> dict[str, Any]:
    rows, items = generate(n, n_items)
    if engine == "crossplay":
        sys.path.insert(0, str(REPO / "src"))
        from crossplay.mining.fpm import baskets_from_pairs, frequent_itemsets
        from crossplay.mining.rules import association_rules

        baskets = baskets_from_pairs(rows, items, n, n_items)
        if not verify:
            del rows, items
        before = _rss_mb()
        t0 = time.perf_counter()
        fi = frequent_itemsets(baskets, min_support)
        rs = association_rules(fi, min_confidence=min_conf)
        seconds = time.perf_counter() - t0
        out = [(tuple(map(str, a)), tuple(map(str, c)), float(s), float(cf))
               for a, c, s, cf in zip(rs.antecedents, rs.consequents, rs.support,
                                      rs.confidence, strict=True)]
        n_sets = len(fi.itemsets)
        if verify:
            check = brute_force_check(rows, items, n, n_items, min_support, fi.support_of())
    else:
        import pandas as pd
        from mlxtend.frequent_patterns import association_rules as mlx_rules
        from mlxtend.frequent_patterns import fpgrowth

        names = [str(i) for i in range(n_items)]
        if mlxtend_input == "sparse":
            import scipy.sparse as sp

            mat = sp.csr_matrix((np.ones(rows.size, dtype=bool), (rows, items)),
                                shape=(n, n_items))
            mat.sum_duplicates()
            del rows, items
            with warnings.catch_warnings():  # pandas: fill_value deprecation inside mlxtend
                warnings.simplefilter("ignore", FutureWarning)
                df = pd.DataFrame.sparse.from_spmatrix(mat, columns=names)
        else:
            dense = np.zeros((n, n_items), dtype=bool)
            dense[rows, items] = True
            del rows, items
            df = pd.DataFrame(dense, columns=names, copy=False)
        before = _rss_mb()
        t0 = time.perf_counter()
        with warnings.catch_warnings():  # divide-by-zero in metrics we do not compare
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", FutureWarning)
            fi_df = fpgrowth(df, min_support=min_support, use_colnames=True)
            rdf = mlx_rules(fi_df, num_itemsets=n, metric="confidence",
                            min_threshold=min_conf)
        seconds = time.perf_counter() - t0
        out = [(tuple(sorted(a, key=int)), tuple(sorted(c, key=int)), float(s), float(cf))
               for a, c, s, cf in zip(rdf.antecedents, rdf.consequents, rdf.support,
                                      rdf.confidence, strict=True)]
        n_sets = len(fi_df)
    extra = {"brute_force_check": check} if engine == "crossplay" and verify else {}
    return {**extra, "engine": engine, "input": mlxtend_input if engine == "mlxtend" else "csr",
            "baskets": n, "items": n_items, "seconds": seconds,
            "itemsets": n_sets, "rules": len(out), "digest": _digest(out),
            "rss_before_mb": round(before, 1), "peak_rss_mb": round(_rss_mb(), 1),
            "run_peak_above_mb": round(max(0.0, _rss_mb() - before), 1)}


def _spawn(engine: str, n: int, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", engine, "--sizes", str(n),
           "--items", str(args.items), "--min-support", str(args.min_support),
           "--min-confidence", str(args.min_confidence), "--mlxtend-input",
           args.mlxtend_input or ("sparse" if n >= 1_000_000 else "dense"),
           "--mem-limit-gb", str(args.mem_limit_gb), *(["--verify"] if args.verify else [])]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{engine} worker failed (exit {proc.returncode}; a negative "
                           f"code is the signal that ended it):\n{proc.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100k", help="baskets, comma separated (e.g. 100k,1m)")
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--min-support", type=float, default=0.002)
    ap.add_argument("--min-confidence", type=float, default=0.1)
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--mlxtend-input", choices=("dense", "sparse"), default=None,
                    help="mlxtend's input DataFrame (default: dense below 1M baskets)")
    ap.add_argument("--mem-limit-gb", type=float, default=12.0,
                    help="address-space limit of each worker process")
    ap.add_argument("--verify", action="store_true",
                    help="also check crossplay's itemsets against brute-force counting")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    if args.worker:
        limit = int(args.mem_limit_gb * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        print(json.dumps(worker(args.worker, sizes[0], args.items, args.min_support,
                                args.min_confidence, args.mlxtend_input or "dense",
                                args.verify)))
        return 0
    engines = [e for e in args.engines.split(",") if e]
    results: list[dict[str, Any]] = []
    status = 0
    header = (f"{'baskets':>8} {'engine':>10} {'median s':>9} {'itemsets':>8} {'rules':>6} "
              f"{'peak MB':>8} {'run +MB':>8} {'ratio':>7} same")
    print(header, flush=True)
    for n in sizes:
        runs: dict[str, list[dict[str, Any]]] = {e: [] for e in engines}
        for _ in range(args.repeat):
            for e in engines:
                runs[e].append(_spawn(e, n, args))
        med = {e: statistics.median(r["seconds"] for r in runs[e]) for e in engines}
        digests = {runs[e][0]["digest"] for e in engines}
        same = len(digests) == 1
        for e in engines:
            last = runs[e][-1]
            ratio = med.get("mlxtend", float("nan")) / med[e]
            print(f"{label(n):>8} {e:>10} {med[e]:9.2f} {last['itemsets']:8d} "
                  f"{last['rules']:6d} {last['peak_rss_mb']:8.0f} "
                  f"{last['run_peak_above_mb']:8.0f} {ratio:7.1f} {same}", flush=True)
            if "brute_force_check" in last:
                print(f"{'':>8} {'':>10} brute-force check: {last['brute_force_check']}",
                      flush=True)
            results.append({**last, "median_seconds": med[e], "runs": len(runs[e]),
                            "ratio_vs_mlxtend": ratio, "identical_rules": same})
        if not same:
            status = 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "suite": "rules", "python": platform.python_version(), "machine": platform.machine(),
        "min_support": args.min_support, "min_confidence": args.min_confidence,
        "target_ratio": TARGET_RATIO, "results": results}, indent=2) + "\n")
    print(f"wrote {args.out}")
    return status


if __name__ == "__main__":
    sys.exit(main())
