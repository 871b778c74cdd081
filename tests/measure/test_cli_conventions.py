"""The read-out follows the conventions users compare against: SRM warnings and threshold,
per-comparison CUPED, relative lifts, the relative chance to win, named methods."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tests.conftest import CliRunner


def _split_file(tmp_path: Path, a: int, b: int) -> Path:
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"variant": ["A"] * a + ["B"] * b,
                       "converted": (rng.random(a + b) < 0.1).astype(int)})
    path = tmp_path / "split.parquet"
    df.to_parquet(path)
    return path


def test_a_suspicious_split_is_a_visible_warning_not_ok(cli: CliRunner, tmp_path: Path) -> None:
    # ~90,000 people split 49.56% / 50.44% (p ~ 0.008)
    path = _split_file(tmp_path, 44604, 45396)
    base = ["experiment", "analyze", "--from-file", path, "--control", "A",
            "--metric", "converted"]
    r = cli(*base)
    assert r.code == 0, r.err
    assert "Sample ratio: OK" not in r.out and "Sample ratio suspicious" in r.out
    assert "BROKEN" not in r.out
    zh = cli("--lang", "zh-CN", *base)
    assert "样本比例可疑" in zh.out
    strict = cli(*base, "--srm-threshold", "0.01", "--json").json()
    assert strict["srm"]["mismatch"] is True and strict["srm"]["threshold"] == 0.01
    assert strict["verdicts"]["B"] == "broken"
    bad = cli(*base, "--srm-threshold", "2")
    assert bad.code == 2


def test_three_arms_get_pairwise_srm_and_per_comparison_cuped(cli: CliRunner,
                                                             tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    sizes = {"A": 3000, "B": 3010, "C": 2700}
    frames = []
    for arm, n in sizes.items():
        pre = rng.gamma(2, 5 if arm != "C" else 15, n)
        frames.append(pd.DataFrame({"variant": arm, "pre": pre,
                                    "revenue": 0.7 * pre + rng.normal(0, 3, n)
                                    + (0.8 if arm == "B" else 0.0)}))
    df = pd.concat(frames)
    path = tmp_path / "three.csv"
    df.to_csv(path, index=False)
    base = ["experiment", "analyze", "--from-file", path, "--control", "A",
            "--metric", "revenue", "--covariate", "pre"]
    r = cli(*base)
    assert r.code == 0, r.err
    assert "C vs control" in r.out and "MISMATCH" in r.out
    three = cli(*base, "--json").json()
    pairs = {p["variant"]: p for p in three["srm"]["pairwise"]}
    assert pairs["C"]["mismatch"] and not pairs["B"]["mismatch"]
    assert three["verdicts"]["C"] == "broken"
    # B's comparison is what a two-arm analysis of A and B gives
    df[df.variant != "C"].to_csv(tmp_path / "two.csv", index=False)
    two = cli("experiment", "analyze", "--from-file", tmp_path / "two.csv", "--control", "A",
              "--metric", "revenue", "--covariate", "pre", "--json").json()
    b3 = next(c for c in three["comparisons"] if c["variant"] == "B")
    assert b3["diff"] == two["comparisons"][0]["diff"]
    assert abs(b3["rel"] - b3["diff"] / df.revenue[df.variant == "A"].mean()) < 1e-12
    pooled = cli(*base, "--cuped-slope", "pooled", "--json").json()
    assert next(c for c in pooled["comparisons"] if c["variant"] == "B")["diff"] != b3["diff"]
    assert "per comparison" in three["methods"]["cuped"]
    assert "pooled" in pooled["methods"]["cuped"]
    assert cli(*base, "--cuped-slope", "sideways").code == 2


def test_json_names_every_method_and_relative_chance(cli: CliRunner, tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    n = 6000
    v = np.where(rng.random(n) < 0.5, "A", "B")
    df = pd.DataFrame({"variant": v,
                       "converted": (rng.random(n) < np.where(v == "B", 0.004, 0.03)).astype(int)})
    path = tmp_path / "drop.csv"
    df.to_csv(path, index=False)
    data = cli("experiment", "analyze", "--from-file", path, "--control", "A",
               "--metric", "converted", "--json").json()
    assert {"proportion", "relative_lift", "srm", "bayes", "sequential",
            "correction"} <= set(data["methods"])
    c = data["comparisons"][0]
    # a large drop: the relative interval stays above -100% and agrees with the absolute one
    assert c["rel_ci_low"] >= -1.0 and c["rel_ci_high"] < 0 and c["ci_high"] < 0
    assert 0 <= c["p_beat_control_relative"] < 0.01
