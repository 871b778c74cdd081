"""Experiment analysis at scale: crossplay (DuckDB reduction + statistics) vs pandas.

One Parquet file of exposures, one row per exposed person: variant (control / treatment,
50/50), converted (0/1), revenue (yuan, heavy-tailed), sessions (>= 1). Three metrics:
conversion (two-proportion z-test), revenue per person (Welch), revenue per session (a
ratio metric, delta method), plus the SRM check. Both engines compute the same numbers
(checked to 6 decimals) in separate worker processes (so each peak RSS is its own);
the table reports median seconds over the repeats, peak memory and the pandas/crossplay
time ratio measured in the same run.

    python benchmarks/run.py stats                     # 1M rows (default), 3 repeats
    python benchmarks/run.py stats --rows 10M          # the issue's size
    python benchmarks/run.py stats --rows 1M,10M --repeats 5 --json out.json
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = HERE / ".data"


def parse_size(text: str) -> int:
    t = text.strip().upper()
    mult = {"K": 1_000, "M": 1_000_000}.get(t[-1:], 1)
    return int(float(t[:-1] if t[-1:] in "KM" else t) * mult)


def data_file(n: int) -> Path:
    DATA.mkdir(exist_ok=True)
    path = DATA / f"exposures-{n}.parquet"
    if path.exists():
        return path
    import duckdb

    con = duckdb.connect()
    con.execute(f"""
        COPY (
          SELECT 'u' || i AS user_key,
                 CASE WHEN hash(i * 7 + 1) % 2 = 0 THEN 'control' ELSE 'treatment' END
                   AS variant,
                 CAST(random() < 0.10 + 0.01 * (hash(i * 7 + 1) % 2) AS INTEGER) AS converted,
                 CASE WHEN random() < 0.12 THEN round(exp(3 + random() * 2), 2) ELSE 0 END
                   AS revenue,
                 1 + CAST(floor(-ln(random()) * 3) AS INTEGER) AS sessions
          FROM range({n}) t(i)
        ) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)""")
    con.close()
    return path


def run_crossplay(path: Path) -> dict[str, Any]:
    import duckdb

    from crossplay.measure import fileinput
    from crossplay.measure.analysis import analyze
    from crossplay.measure.present import analysis_dict

    con = duckdb.connect(config={"threads": 2})
    cols = fileinput.open_file(con, path)
    sums = fileinput.summaries(con, cols, variant_col="variant", metrics=["converted", "revenue"],
                               ratios=[fileinput.RatioSpec("rps", "revenue", "sessions")])
    con.close()
    a = analyze(sums, control="control", correction="none")
    d = analysis_dict(a)
    return {c["metric"]: [c["diff"], c["ci_low"], c["ci_high"], c["p_value"]]
            for c in d["comparisons"]} | {"srm_p": [d["srm"]["p_value"]]}


def run_pandas(path: Path) -> dict[str, Any]:
    """The same numbers the usual way: load the frame, group, scipy for the tests."""
    import numpy as np
    import pandas as pd
    from scipy import stats

    df = pd.read_parquet(path, columns=["variant", "converted", "revenue", "sessions"])
    g = df.groupby("variant")
    out: dict[str, Any] = {}
    a, b = df[df.variant == "control"], df[df.variant == "treatment"]
    # conversion: pooled z-test, Wald interval
    n = g.size()
    x = g.converted.sum()
    pa_, pb = x["control"] / n["control"], x["treatment"] / n["treatment"]
    pool = x.sum() / n.sum()
    se_t = np.sqrt(pool * (1 - pool) * (1 / n["control"] + 1 / n["treatment"]))
    se = np.sqrt(pa_ * (1 - pa_) / n["control"] + pb * (1 - pb) / n["treatment"])
    z = stats.norm.ppf(0.975)
    d = pb - pa_
    out["converted"] = [d, d - z * se, d + z * se, 2 * stats.norm.sf(abs(d / se_t))]
    # revenue: Welch
    w = stats.ttest_ind(b.revenue, a.revenue, equal_var=False)
    ci = w.confidence_interval(0.95)
    out["revenue"] = [b.revenue.mean() - a.revenue.mean(), ci.low, ci.high, w.pvalue]
    # revenue per session: delta method
    def ratio(frame: pd.DataFrame) -> tuple[float, float]:
        y, s = frame.revenue.to_numpy(), frame.sessions.to_numpy(dtype=float)
        my, ms = y.mean(), s.mean()
        c = np.cov(np.vstack([y, s]), ddof=1)
        grad = np.array([1 / ms, -my / ms**2])
        return my / ms, float(grad @ c @ grad / len(y))

    (ra, va), (rb, vb) = ratio(a), ratio(b)
    se_r = np.sqrt(va + vb)
    dr = rb - ra
    out["rps"] = [dr, dr - z * se_r, dr + z * se_r, 2 * stats.norm.sf(abs(dr / se_r))]
    out["srm_p"] = [stats.chisquare([n["control"], n["treatment"]]).pvalue]
    return {k: [float(v) for v in vals] for k, vals in out.items()}


def _worker(engine: str, path: str) -> None:
    # imports first: the timing is the analysis, not Python loading libraries
    import duckdb  # noqa: F401
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import scipy.stats  # noqa: F401

    if engine == "crossplay":
        import crossplay.measure.analysis
        import crossplay.measure.fileinput  # noqa: F401
    start = time.perf_counter()
    res = (run_crossplay if engine == "crossplay" else run_pandas)(Path(path))
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak, "result": res}))


def measure(engine: str, path: Path) -> dict[str, Any]:
    code = (f"import sys; sys.path.insert(0, {str(HERE)!r}); import stats_bench; "
            f"stats_bench._worker({engine!r}, {str(path)!r})")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, cwd=tempfile.gettempdir())
    if proc.returncode:
        raise SystemExit(f"{engine} worker failed:\n{proc.stderr}")
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="stats_bench", description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="1M", help="exposure rows, comma separated (1M,10M)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", type=Path, default=HERE / "results" / "stats.json")
    args = ap.parse_args(argv)
    results: list[dict[str, Any]] = []
    print(f"{'rows':>6} {'engine':>9} {'median s':>9} {'peak MB':>8} {'pandas/crossplay':>17}")
    for n in (parse_size(s) for s in args.rows.split(",")):
        path = data_file(n)
        runs = {e: [measure(e, path) for _ in range(args.repeats)]
                for e in ("crossplay", "pandas")}
        ours, theirs = runs["crossplay"][0]["result"], runs["pandas"][0]["result"]
        for key, vals in ours.items():
            for mine, ref in zip(vals, theirs[key], strict=True):
                if round(mine, 6) != round(ref, 6) and abs(mine - ref) > 1e-9 * max(1, abs(ref)):
                    raise SystemExit(f"results differ for {key}: {vals} vs {theirs[key]}")
        med = {e: statistics.median(r["seconds"] for r in rs) for e, rs in runs.items()}
        peak = {e: max(r["peak_rss_mb"] for r in rs) for e, rs in runs.items()}
        ratio = med["pandas"] / med["crossplay"]
        for e in ("crossplay", "pandas"):
            print(f"{n:>6,} {e:>9} {med[e]:>9.2f} {peak[e]:>8.0f} "
                  f"{(f'{ratio:.1f}x' if e == 'crossplay' else ''):>17}", flush=True)
        results.append({"rows": n, "repeats": args.repeats, "median_seconds": med,
                        "peak_rss_mb": peak, "time_ratio_pandas_over_crossplay": ratio,
                        "same_numbers_to_6_decimals": True, "result": ours})
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
