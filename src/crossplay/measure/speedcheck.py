"""A quick, live speed comparison for ``crossplay demo``'s closing note.

The same three-metric analysis (conversion, revenue per person, revenue per session) of
a synthetic exposure file, once through crossplay's path (DuckDB reduces the file to
moments, then the statistics) and once the usual pandas way (load the frame, group,
compute), in this process, median of three runs each. ``benchmarks/stats_bench.py`` is
the full benchmark (10M rows, separate processes, peak memory).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from crossplay.measure import fileinput
from crossplay.measure.analysis import analyze


@dataclass(frozen=True)
class SpeedCheck:
    rows: int
    crossplay_s: float
    pandas_s: float
    ratio: float  # pandas seconds / crossplay seconds
    same_numbers: bool


def _crossplay(path: Path) -> list[float]:
    con = duckdb.connect(config={"threads": 2})
    try:
        cols = fileinput.open_file(con, path)
        sums = fileinput.summaries(con, cols, variant_col="variant",
                                   metrics=["converted", "revenue"],
                                   ratios=[fileinput.RatioSpec("rps", "revenue", "sessions")])
    finally:
        con.close()
    a = analyze(sums, control="control", correction="none")
    return [c.diff for c in a.comparisons] + [c.se for c in a.comparisons]


def _pandas(path: Path) -> list[float]:
    df = pd.read_parquet(path)
    a, b = df[df.variant == "control"], df[df.variant == "treatment"]
    out_d, out_se = [], []
    for col in ("converted", "revenue"):
        out_d.append(b[col].mean() - a[col].mean())
        if col == "converted":
            pa_, pb = a[col].mean(), b[col].mean()
            out_se.append(np.sqrt(pa_ * (1 - pa_) / len(a) + pb * (1 - pb) / len(b)))
        else:
            out_se.append(np.sqrt(a[col].var() / len(a) + b[col].var() / len(b)))
    rs, vs = [], []
    for g in (a, b):
        y, s = g.revenue.to_numpy(), g.sessions.to_numpy(dtype=float)
        c = np.cov(np.vstack([y, s]), ddof=1)
        grad = np.array([1 / s.mean(), -y.mean() / s.mean() ** 2])
        rs.append(y.mean() / s.mean())
        vs.append(float(grad @ c @ grad / len(y)))
    out_d.append(rs[1] - rs[0])
    out_se.append(float(np.sqrt(vs[0] + vs[1])))
    return [float(v) for v in out_d + out_se]


def speed_check(rows: int = 500_000, seed: int = 0) -> SpeedCheck:
    rng = np.random.default_rng(seed)
    t = rng.random(rows) < 0.5
    df = pd.DataFrame({
        "variant": np.where(t, "treatment", "control"),
        "converted": (rng.random(rows) < 0.10 + 0.01 * t).astype(np.int64),
        "revenue": np.where(rng.random(rows) < 0.12, np.exp(3 + 2 * rng.random(rows)), 0.0),
        "sessions": 1 + rng.geometric(0.3, rows),
    })
    with tempfile.TemporaryDirectory(prefix="crossplay-speed-") as tmp:
        path = Path(tmp) / "exposures.parquet"
        df.to_parquet(path)
        times: dict[str, list[float]] = {"crossplay": [], "pandas": []}
        results: dict[str, list[float]] = {}
        for _ in range(3):
            for name, fn in (("crossplay", _crossplay), ("pandas", _pandas)):
                start = time.perf_counter()
                results[name] = fn(path)
                times[name].append(time.perf_counter() - start)
    ours, theirs = results["crossplay"], results["pandas"]
    same = all(abs(x - y) <= 1e-9 * max(1.0, abs(y)) for x, y in zip(ours, theirs,
                                                                      strict=True))
    c, p = statistics.median(times["crossplay"]), statistics.median(times["pandas"])
    return SpeedCheck(rows, c, p, p / c, same)
