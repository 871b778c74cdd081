"""Benchmark-evaluation plumbing: reading rating files, the stratified split, fingerprints.

Data: a MovieLens-1M-shaped file (``--rows``, default 1,000,209 rows over 6,040 users and
3,706 items, ratings 1-5, epoch-second timestamps), random but deterministic by seed,
written once as ``ratings.dat`` (``::``) and ``u.data`` (tabs) in a temporary folder.

Measured in one process, steps taking turns within each repeat, median of ``--repeat``:

- read ``ratings.dat``: crossplay's reader vs ``pandas.read_csv(sep="::",
  engine="python")`` (the usual recipe: pandas' C parser has no multi-character separator);
- read ``u.data``: crossplay's reader vs ``pandas.read_csv(sep="\\t")`` (C parser, strings);
- stratified split: ``protocols.stratified_mask`` vs a pandas port of Microsoft
  Recommenders' ``python_stratified_split`` (the same rows are asserted);
- split fingerprint (train and test digests): no peer, rows per second.

    python benchmarks/evaluation_bench.py
    python benchmarks/evaluation_bench.py --rows 100000 --repeat 5
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "results" / "evaluation.json"


def write_files(folder: Path, rows: int, seed: int) -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    users = rng.integers(1, 6041, rows)
    items = rng.integers(1, 3707, rows)
    ratings = rng.integers(1, 6, rows)
    ts = rng.integers(956_703_932, 1_046_454_590, rows)
    frame = pd.DataFrame({"u": users, "i": items, "r": ratings, "t": ts})
    tab = folder / "u.data"
    frame.to_csv(tab, sep="\t", header=False, index=False)
    dat = folder / "ratings.dat"
    dat.write_text(tab.read_text().replace("\t", "::"))
    return dat, tab


def recommenders_stratified(data: pd.DataFrame, ratio: float, seed: int) -> np.ndarray:
    """Port of Recommenders' ``_do_stratification(is_random=True)``: train-row mask."""
    data = data[["user"]].copy()
    data["pos"] = np.arange(len(data))
    np.random.seed(seed)
    data["random"] = np.random.rand(data.shape[0])
    data = data.sort_values(["user", "random"])
    groups = data.groupby("user")
    data["count"] = groups["user"].transform("count")
    data["rank"] = groups.cumcount() + 1
    data["rank"] = data["rank"] / data["count"]
    mask = np.zeros(len(data), bool)
    mask[data.loc[data["rank"] <= ratio, "pos"].to_numpy()] = True
    return mask


def timed(fn: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_209)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)

    from crossplay.evaluation.fingerprint import fingerprint
    from crossplay.evaluation.protocols import stratified_mask
    from crossplay.evaluation.readers import read_interactions

    times: dict[str, list[float]] = {}

    def add(key: str, seconds: float) -> None:
        times.setdefault(key, []).append(seconds)

    with tempfile.TemporaryDirectory(prefix="crossplay-eval-bench-") as tmp:
        dat, tab = write_files(Path(tmp), args.rows, args.seed)
        names = ["user", "item", "rating", "timestamp"]
        for _ in range(args.repeat):
            s, mine = timed(lambda: read_interactions(dat))
            add("read ratings.dat: crossplay", s)
            s, peer = timed(lambda: pd.read_csv(dat, sep="::", engine="python", header=None,
                                                names=names,
                                                dtype={"user": str, "item": str}))
            add("read ratings.dat: pandas python engine", s)
            assert len(mine) == len(peer) == args.rows
            s, _ = timed(lambda: read_interactions(tab))
            add("read u.data: crossplay", s)
            s, _ = timed(lambda: pd.read_csv(tab, sep="\t", header=None, names=names,
                                             dtype={"user": str, "item": str}))
            add("read u.data: pandas C engine", s)
            users = mine["user"].to_numpy()
            s, m1 = timed(stratified_mask, users, 0.75, 42)
            add("stratified split: crossplay", s)
            s, m2 = timed(recommenders_stratified, mine, 0.75, 42)
            add("stratified split: Recommenders (pandas)", s)
            assert (m1 == m2).all(), "the splits differ"
            rows = mine.assign(domain="main")
            s, _ = timed(fingerprint, rows[m1], rows[~m1])
            add("fingerprint train + test", s)

    med = {k: statistics.median(v) for k, v in times.items()}
    pairs = [("read ratings.dat: crossplay", "read ratings.dat: pandas python engine"),
             ("read u.data: crossplay", "read u.data: pandas C engine"),
             ("stratified split: crossplay", "stratified split: Recommenders (pandas)")]
    ratio = {mine: med[peer] / med[mine] for mine, peer in pairs}
    print(f"evaluation plumbing, {args.rows:,} rows, median of {args.repeat}")
    print(f"{'step':45s} {'median s':>9s} {'peer/crossplay':>15s}")
    for k, v in med.items():
        r = f"{ratio[k]:.2f}x" if k in ratio else ""
        print(f"{k:45s} {v:9.3f} {r:>15s}")
    fp = med["fingerprint train + test"]
    print(f"fingerprint throughput: {args.rows / fp:,.0f} rows/s")
    result = {"suite": "evaluation", "rows": args.rows, "repeat": args.repeat,
              "seed": args.seed, "median_s": med, "ratio_peer_over_crossplay": ratio,
              "fingerprint_rows_per_s": args.rows / fp,
              "machine": {"python": platform.python_version(),
                          "platform": platform.platform()}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
