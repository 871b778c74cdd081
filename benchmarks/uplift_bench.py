"""Uplift on the synthetic world's campaign: does targeting by a learner beat random?

For each world size (``--people``, default 20k; the issue's figures use 20k and 100k):
generate a 30-day world, ingest it, load the sample campaign as an experiment, build the
learners' features from the lake (``campaign_data``) and join the world's true individual
effects by pseudonymous key (``true_effects_for``). Then, for the T- and X-learner over
``--seeds`` hold-out splits / model seeds: the *truth* ratio to random at q = 30% (true
incremental conversions captured by the top 30% of the hold-out by predicted uplift, over
30% of the hold-out's total), the oracle's ratio (ranking by the true effect), AUUC on the
observed outcomes, and fit + evaluation time. Medians, min and max over the seeds.

    python benchmarks/run.py uplift                         # 20k people, 3 seeds
    python benchmarks/run.py uplift --people 20000,100000 --seeds 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "results" / "uplift.json"
K_SECRET = "bench-knowledge-secret-0123456789abcdef"
G_SECRET = "bench-game-secret-0123456789abcdef0123"


def _world(root: Path, people: int, seed: int) -> tuple[Any, float]:
    from crossplay.core.settings import load_settings
    from crossplay.ingest.world import ingest_world
    from crossplay.synth import WorldConfig, generate_world

    t0 = time.perf_counter()
    generate_world(WorldConfig(people=people, days=30, seed=seed), root / "world")
    settings = load_settings(data_dir=root / "data", knowledge_secret=K_SECRET,
                             game_secret=G_SECRET)
    ingest_world(settings, root / "world")
    return settings, time.perf_counter() - t0


def run_size(people: int, seeds: int, bases: list[str], world_seed: int) -> dict[str, Any]:
    from crossplay.measure.sample_campaign import load_sample_campaign
    from crossplay.measure.uplift import top_share
    from crossplay.measure.uplift_eval import evaluate
    from crossplay.measure.uplift_features import campaign_data
    from crossplay.measure.uplift_truth import true_effects_for

    with tempfile.TemporaryDirectory(prefix="uplift-bench-") as tmp:
        root = Path(tmp)
        settings, build_s = _world(root, people, world_seed)
        exp = load_sample_campaign(settings, root / "world")
        t0 = time.perf_counter()
        data = campaign_data(settings, exp)
        features_s = time.perf_counter() - t0
        truth = true_effects_for(settings, root / "world", data.user_keys)
    oracle = float(truth[top_share(truth, 0.3)].sum() / (0.3 * truth.sum()))
    out: dict[str, Any] = {
        "people": people, "eligible": len(data.user_keys), "treated": int(data.treatment.sum()),
        "conversion_treated": float(data.y[data.treatment].mean()),
        "conversion_control": float(data.y[~data.treatment].mean()),
        "mean_true_uplift": float(truth.mean()), "oracle_ratio": oracle,
        "features": data.features, "world_build_s": build_s, "features_s": features_s,
        "learners": []}
    for base in bases:
        for model in ("t", "x"):
            ratios, aucs, secs = [], [], []
            for s in range(seeds):
                t0 = time.perf_counter()
                ev, _ = evaluate(data.X, data.treatment, data.y, features=data.features,
                                 model=model, base=base, q=0.3,  # type: ignore[arg-type]
                                 seed=s, true_effect=truth)
                secs.append(time.perf_counter() - t0)
                ratios.append(float("nan") if ev.truth_ratio_to_random is None
                              else ev.truth_ratio_to_random)
                aucs.append(ev.auuc)
            out["learners"].append({
                "model": model, "base": base, "seeds": seeds,
                "truth_ratio_median": statistics.median(ratios),
                "truth_ratio_min": min(ratios), "truth_ratio_max": max(ratios),
                "auuc_median": statistics.median(aucs),
                "seconds_median": statistics.median(secs),
                "truth_ratios": ratios, "auucs": aucs})
    return out


def _print(res: dict[str, Any]) -> None:
    print(f"\n{res['people']:,} people: {res['eligible']:,} eligible "
          f"({res['treated']:,} treated); conversion treated "
          f"{res['conversion_treated']:.4f} vs control {res['conversion_control']:.4f}; "
          f"mean true uplift {res['mean_true_uplift']:.4f}; oracle ratio "
          f"{res['oracle_ratio']:.2f}x; world {res['world_build_s']:.0f} s, "
          f"features {res['features_s']:.1f} s")
    print(f"{'learner':10s} {'base':9s} {'ratio med':>9s} {'min':>6s} {'max':>6s} "
          f"{'AUUC med':>9s} {'s/run':>7s}")
    for r in res["learners"]:
        print(f"{r['model'].upper() + '-learner':10s} {r['base']:9s} "
              f"{r['truth_ratio_median']:8.2f}x {r['truth_ratio_min']:5.2f}x "
              f"{r['truth_ratio_max']:5.2f}x {r['auuc_median']:9.4f} "
              f"{r['seconds_median']:7.1f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--people", default="20000",
                    help="world sizes, comma-separated (the issue's: 20000,100000)")
    ap.add_argument("--seeds", type=int, default=3, help="hold-out / model seeds per learner")
    ap.add_argument("--bases", default="lightgbm,linear",
                    help="base learners: lightgbm, hgb, linear (comma-separated)")
    ap.add_argument("--world-seed", type=int, default=11)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    sizes = [int(p) for p in args.people.split(",") if p.strip()]
    bases = [b.strip() for b in args.bases.split(",") if b.strip()]
    if args.seeds < 1 or not sizes or any(b not in ("lightgbm", "hgb", "linear") for b in bases):
        print("--seeds >= 1, --people N[,N], --bases lightgbm|hgb|linear", file=sys.stderr)
        return 2
    results = []
    for people in sizes:
        res = run_size(people, args.seeds, bases, args.world_seed)
        _print(res)
        results.append(res)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"suite": "uplift", "q": 0.3, "results": results},
                                   indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
