"""Recommendation benchmark: crossplay's models against calling ``implicit`` directly,
and the leaderboard on the synthetic world.

Three parts (``--parts``, default all):

- ``fit``: ALS fit on a synthetic power-law interaction matrix of ``--interactions``
  non-zeros (default 1M; the issue's full size is ``10m``), crossplay ``ALS.fit`` vs
  ``implicit.cpu.als.AlternatingLeastSquares.fit`` on the same matrix, same parameters;
- ``topk``: batch top-10 for ``--persons`` users (default 100k; full ``1m``) over 20k
  items, crossplay ``ALS.recommend`` vs implicit's ``recommend`` on the same (seeded
  random) factors, consumed items filtered;
- ``leaderboard``: a synthetic world of ``--world-people`` persons (default 20k; full
  ``100k``) generated and ingested once (cached), then ``cross-domain`` cold start and
  ``in-domain`` evaluations; reports Recall@10 of each model and its ratio to popularity.

Every timing of ``fit`` and ``topk`` runs in a fresh Python process (peak memory = that
process's max RSS, which includes the matrix); engines alternate within each repeat and
the median is reported. BLAS is limited to one thread for both engines.

    python benchmarks/recommend_bench.py --parts fit,topk --interactions 10m --persons 1m
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = HERE / ".data"
DEFAULT_OUT = HERE / "results" / "recommend.json"
SECRETS = {"CROSSPLAY_KNOWLEDGE_SECRET": "crossplay-benchmark-knowledge-0123456789",
           "CROSSPLAY_GAME_SECRET": "crossplay-benchmark-game-0123456789abcd"}
FACTORS, ITERATIONS, REG = 64, 15, 0.05


def parse_size(text: str) -> int:
    t = text.strip().lower().replace("_", "")
    mult = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    try:
        return int(float(t[:-1] if mult != 1 else t) * mult)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad size {text!r}; use e.g. 1m, 100k") from None


# --------------------------------------------------------------------------- data
def matrix_file(nnz: int, users: int, items: int) -> Path:
    """A cached users x items CSR with about ``nnz`` non-zeros: Zipf item popularity,
    log-normal user activity, confidences 1 + log(1 + plays)."""
    import numpy as np
    import scipy.sparse as sp

    path = DATA / f"recommend-{nnz}-{users}-{items}.npz"
    if path.is_file():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    act = rng.lognormal(0.0, 1.0, users)
    pop = 1.0 / np.arange(1, items + 1) ** 0.9
    rows = rng.choice(users, size=int(nnz * 1.15), p=act / act.sum())
    cols = rng.permutation(items)[rng.choice(items, size=rows.size, p=pop / pop.sum())]
    m = sp.csr_matrix((np.ones(rows.size, np.float32), (rows, cols)), shape=(users, items))
    m.sum_duplicates()
    m.data = (1.0 + np.log1p(m.data)).astype(np.float32)
    sp.save_npz(path, m)
    return path


# --------------------------------------------------------------------------- workers
def _worker(args: argparse.Namespace) -> int:
    """One measurement in this process; prints a JSON line."""
    import numpy as np
    import scipy.sparse as sp
    from threadpoolctl import threadpool_limits

    X = sp.load_npz(args.matrix).tocsr().astype(np.float32)
    import implicit.cpu.als  # noqa: F401  (both engines: imports stay outside the timings)

    if args.engine == "crossplay":
        sys.path.insert(0, str(REPO / "src"))
        import crossplay.recommend.models  # noqa: F401
    out: dict[str, Any] = {"engine": args.engine, "task": args.task, "nnz": int(X.nnz),
                           "users": X.shape[0], "items": X.shape[1]}
    with threadpool_limits(1, "blas"):
        if args.task == "topk":
            model = _factor_model(args.engine, X.shape[0], X.shape[1])
            users = np.arange(X.shape[0])
            t0, c0 = time.perf_counter(), time.process_time()
            for lo in range(0, users.size, 100_000):
                batch = users[lo:lo + 100_000]
                model.recommend(batch, X[batch], N=10)
            out["topk_s"] = time.perf_counter() - t0
            out["topk_cpu_s"] = time.process_time() - c0
        elif args.engine == "implicit":
            from implicit.cpu.als import AlternatingLeastSquares

            model = AlternatingLeastSquares(factors=FACTORS, regularization=REG,
                                            alpha=1.0, iterations=ITERATIONS,
                                            random_state=0, num_threads=1)
            t0, c0 = time.perf_counter(), time.process_time()
            model.fit(X, show_progress=False)
            out["fit_s"] = time.perf_counter() - t0
            out["fit_cpu_s"] = time.process_time() - c0
        else:
            from crossplay.recommend.models import ALS

            model = ALS(factors=FACTORS, regularization=REG, iterations=ITERATIONS,
                        random_state=0)
            t0, c0 = time.perf_counter(), time.process_time()
            model.fit(X)
            out["fit_s"] = time.perf_counter() - t0
            out["fit_cpu_s"] = time.process_time() - c0
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))
    return 0


def _factor_model(engine: str, users: int, items: int) -> Any:
    """A trained-looking ALS of fixed random factors (top-N cost does not depend on the
    values, and a 1M-user fit is measured by the ``fit`` part): implicit's object, or
    crossplay's loaded the way ``load_model`` rebuilds it."""
    import numpy as np

    rng = np.random.default_rng(0)
    U = (0.1 * rng.standard_normal((users, FACTORS))).astype(np.float32)
    V = (0.1 * rng.standard_normal((items, FACTORS))).astype(np.float32)
    if engine == "implicit":
        from implicit.cpu.als import AlternatingLeastSquares

        m = AlternatingLeastSquares(factors=FACTORS, regularization=REG, alpha=1.0,
                                    iterations=ITERATIONS, random_state=0, num_threads=1)
        m.user_factors, m.item_factors = U, V
        return m
    from crossplay.recommend.models import ALS

    return ALS._from_saved({"factors": FACTORS, "regularization": REG,
                            "iterations": ITERATIONS, "random_state": 0},
                           {"n_items_": np.array(items), "user_factors_": U,
                            "item_factors_": V})


def _measure(task: str, engine: str, matrix: Path) -> dict[str, Any]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(REPO / "src")}
    res = subprocess.run([sys.executable, __file__, "--worker", "--task", task, "--engine",
                          engine, "--matrix", str(matrix)], capture_output=True, text=True,
                         env=env, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"{engine} {task} failed:\n{res.stderr[-2000:]}")
    data: dict[str, Any] = json.loads(res.stdout.strip().splitlines()[-1])
    return data


def _pair(task: str, matrix: Path, repeat: int, key: str) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {"implicit": [], "crossplay": []}
    for i in range(repeat):  # engines take turns, the first one alternating
        order = ("implicit", "crossplay") if i % 2 == 0 else ("crossplay", "implicit")
        for engine in order:
            runs[engine].append(_measure(task, engine, matrix))
    med = {e: statistics.median(r[key] for r in rs) for e, rs in runs.items()}
    cpu_key = key.replace("_s", "_cpu_s")
    cpu = {e: statistics.median(r.get(cpu_key, r[key]) for r in rs) for e, rs in runs.items()}
    peak = {e: max(r["peak_mb"] for r in rs) for e, rs in runs.items()}
    first = runs["implicit"][0]
    return {"task": task, "nnz": first["nnz"], "users": first["users"],
            "items": first["items"], "repeat": repeat, "measure": key,
            "implicit_s": med["implicit"], "crossplay_s": med["crossplay"],
            "implicit_cpu_s": cpu["implicit"], "crossplay_cpu_s": cpu["crossplay"],
            # CPU seconds: on a shared machine wall time mostly measures the neighbours
            "overhead": cpu["crossplay"] / cpu["implicit"] - 1.0,
            "wall_overhead": med["crossplay"] / med["implicit"] - 1.0,
            "implicit_peak_mb": peak["implicit"], "crossplay_peak_mb": peak["crossplay"],
            "runs": runs}


# --------------------------------------------------------------------------- leaderboard
def world_dir(people: int) -> Path:
    return DATA / f"recommend-world-{people}"


def ensure_world(people: int) -> tuple[Path, float]:
    sys.path.insert(0, str(REPO / "src"))
    os.environ.update(SECRETS)
    from crossplay.core.settings import load_settings
    from crossplay.ingest.world import ingest_world
    from crossplay.synth import WorldConfig, generate_world

    root = world_dir(people)
    if (root / "done").is_file():
        return root, 0.0
    t0 = time.perf_counter()
    generate_world(WorldConfig(people=people, days=30, seed=11), root / "world")
    ingest_world(load_settings(data_dir=root / "data"), root / "world")
    (root / "done").write_text("ok\n")
    return root, time.perf_counter() - t0


def leaderboard(people: int) -> dict[str, Any]:
    root, built_s = ensure_world(people)
    from crossplay.core.settings import load_settings
    from crossplay.recommend.evaluate import EvalConfig, evaluate
    from crossplay.recommend.truth import load_truth

    settings = load_settings(data_dir=root / "data")
    truth = load_truth(root / "world", settings)
    boards = []
    for cfg in (EvalConfig(task="cold-start"), EvalConfig(task="cross-domain"),
                EvalConfig(task="in-domain")):
        t0 = time.perf_counter()
        for b in evaluate(settings, cfg, truth):
            pop = next(r for r in b.rows if r["model"] == "popularity")
            rows = [{**r, "recall_vs_popularity": (r["recall"] / pop["recall"]
                                                   if pop["recall"] else None)}
                    for r in b.rows if "recall" in r]
            boards.append({"task": b.task, "target": b.target, "split": b.split,
                           "test_users": b.test_users, "users": b.users,
                           "seconds": round(time.perf_counter() - t0, 1), "rows": rows})
    return {"people": people, "world_build_s": round(built_s, 1), "boards": boards}


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--parts", default="fit,topk,leaderboard")
    ap.add_argument("--interactions", type=parse_size, default=parse_size("1m"))
    ap.add_argument("--persons", type=parse_size, default=parse_size("100k"))
    ap.add_argument("--world-people", type=parse_size, default=parse_size("20k"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--task", default="fit", help=argparse.SUPPRESS)
    ap.add_argument("--engine", default="crossplay", help=argparse.SUPPRESS)
    ap.add_argument("--matrix", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return _worker(args)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    result: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "params": {"factors": FACTORS, "iterations": ITERATIONS, "regularization": REG}}
    if "fit" in parts:
        m = matrix_file(args.interactions, max(args.interactions // 20, 1000), 50_000)
        result["fit"] = _pair("fit", m, args.repeat, "fit_s")
        r = result["fit"]
        print(f"ALS fit  {r['nnz']:>11,} nnz  {r['users']:>9,} x {r['items']:,}: "
              f"implicit {r['implicit_s']:.2f} s wall, {r['implicit_cpu_s']:.2f} s CPU "
              f"({r['implicit_peak_mb']:.0f} MB)  crossplay {r['crossplay_s']:.2f} s wall, "
              f"{r['crossplay_cpu_s']:.2f} s CPU ({r['crossplay_peak_mb']:.0f} MB)  "
              f"overhead {100 * r['overhead']:+.1f}% CPU", flush=True)
    if "topk" in parts:
        m = matrix_file(args.persons * 10, args.persons, 20_000)
        result["topk"] = _pair("topk", m, args.repeat, "topk_s")
        r = result["topk"]
        print(f"top-10   {r['users']:>11,} persons x {r['items']:,} items: "
              f"implicit {r['implicit_s']:.2f} s wall, {r['implicit_cpu_s']:.2f} s CPU  "
              f"crossplay {r['crossplay_s']:.2f} s wall, {r['crossplay_cpu_s']:.2f} s CPU  "
              f"overhead {100 * r['overhead']:+.1f}% CPU  "
              f"(peak {r['crossplay_peak_mb']:.0f} MB)", flush=True)
    if "leaderboard" in parts:
        result["leaderboard"] = lb = leaderboard(args.world_people)
        print(f"leaderboard at {lb['people']:,} persons (world built in "
              f"{lb['world_build_s']} s; 0 = cached)")
        for b in lb["boards"]:
            print(f"  {b['task']} / {b['target']} ({b['split']}, {b['test_users']:,} test "
                  f"users, {b['seconds']} s)")
            for r in b["rows"]:
                ratio = r["recall_vs_popularity"]
                print(f"    {r['model']:<20} recall@10 {r['recall']:.3f}  ndcg {r['ndcg']:.3f}"
                      f"  truth {r.get('truth_recall') or 0:.3f}  "
                      f"x pop {ratio if ratio is None else round(ratio, 2)}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
