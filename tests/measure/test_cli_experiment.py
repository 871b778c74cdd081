"""``crossplay experiment analyze --from-file`` and ``experiment plan`` as a user runs them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tests.conftest import CliRunner


@pytest.fixture
def experiment_csv(tmp_path: Path) -> Path:
    rng = np.random.default_rng(5)
    n = 4000
    v = np.where(rng.random(n) < 0.5, "A", "B")
    pre = rng.gamma(2, 5, n)
    df = pd.DataFrame({
        "variant": v,
        "converted": (rng.random(n) < np.where(v == "B", 0.13, 0.10)).astype(int),
        "revenue": 0.7 * pre + rng.normal(0, 3, n) + (v == "B") * 0.8,
        "pre_revenue": pre,
        "sessions": rng.poisson(3, n) + 1,
        "latency": rng.normal(100, 10, n),
    })
    path = tmp_path / "exp.csv"
    df.to_csv(path, index=False)
    return path


def test_analyze_from_file_json(cli: CliRunner, experiment_csv: Path) -> None:
    r = cli("experiment", "analyze", "--from-file", experiment_csv, "--variant-col", "variant",
            "--control", "A", "--metric", "converted", "--metric", "revenue",
            "--ratio", "rps=revenue/sessions", "--guardrail", "latency",
            "--lower-is-better", "latency", "--json")
    assert r.code == 0, r.err
    data = r.json()
    df = pd.read_csv(experiment_csv)
    by = {c["metric"]: c for c in data["comparisons"]}
    assert set(by) == {"converted", "revenue", "latency", "rps"}
    conv = by["converted"]
    assert conv["test"] == "two-proportion z" and conv["role"] == "primary"
    ref = stats.ttest_ind(df.revenue[df.variant == "B"], df.revenue[df.variant == "A"],
                          equal_var=False)
    assert round(by["revenue"]["p_value"], 6) == round(float(ref.pvalue), 6)
    assert by["latency"]["role"] == "guardrail"
    assert data["srm"]["mismatch"] is False
    assert data["counts"] == {"A": int((df.variant == "A").sum()),
                              "B": int((df.variant == "B").sum())}
    assert data["verdicts"]["B"] in ("ship", "inconclusive")


def test_cuped_states_the_reduction(cli: CliRunner, experiment_csv: Path) -> None:
    r = cli("experiment", "analyze", "--from-file", experiment_csv, "--control", "A",
            "--metric", "revenue", "--covariate", "pre_revenue")
    assert r.code == 0, r.err
    assert "CUPED on revenue/B: variance reduced by" in r.out
    r = cli("experiment", "analyze", "--from-file", experiment_csv, "--control", "A",
            "--metric", "revenue", "--covariate", "pre_revenue", "--json")
    red = r.json()["comparisons"][0]["variance_reduction"]
    assert red > 0.5


def test_srm_is_flagged_loudly(cli: CliRunner, tmp_path: Path) -> None:
    df = pd.DataFrame({"variant": ["A"] * 5300 + ["B"] * 4700,
                       "converted": [0, 1] * 5000})
    path = tmp_path / "srm.parquet"
    df.to_parquet(path)
    r = cli("experiment", "analyze", "--from-file", path, "--control", "A",
            "--metric", "converted")
    assert r.code == 0, r.err
    assert "SAMPLE RATIO MISMATCH" in r.out and "BROKEN EXPERIMENT" in r.out
    r = cli("--lang", "zh-CN", "experiment", "analyze", "--from-file", path, "--control", "A",
            "--metric", "converted")
    assert "样本比例失衡" in r.out and "实验无效" in r.out


@pytest.mark.parametrize("args,match", [
    (["--metric", "nope"], "metric column 'nope' is not in the file"),
    (["--metric", "variant"], "not numbers"),
    (["--metric", "converted", "--control", "Z"], "control variant 'Z' is not in the data"),
    (["--metric", "converted", "--weights", "A=1"], "no weight for variant"),
])
def test_bad_input_is_a_clear_error(cli: CliRunner, experiment_csv: Path, args: list[str],
                                    match: str) -> None:
    base = ["experiment", "analyze", "--from-file", experiment_csv]
    if "--control" not in args:
        base += ["--control", "A"]
    r = cli(*base, *args)
    assert r.code == 2
    assert match in r.err_flat


def test_empty_cells_are_refused_not_dropped(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "gaps.csv"
    path.write_text("variant,converted\nA,1\nB,\nA,0\nB,1\n", encoding="utf-8")
    r = cli("experiment", "analyze", "--from-file", path, "--control", "A",
            "--metric", "converted")
    assert r.code == 2 and "1 empty value" in r.err_flat


def _flag_file(path: Path, true: str, false: str, n: int = 600) -> Path:
    """A conversion flag spelled ``true`` / ``false`` (B converts more than A)."""
    rows = [f"{'AB'[i % 2]},{true if (i % 7 < (3 if i % 2 else 2)) else false},{i % 5}"
            for i in range(n)]
    path.write_text("variant,converted,orders\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("true,false", [("True", "False"), ("true", "false"),
                                        ("TRUE", "FALSE"), ("yes", "no"), ("Yes", "No")])
def test_boolean_metric_columns_are_read_as_one_and_zero(cli: CliRunner, tmp_path: Path,
                                                         true: str, false: str) -> None:
    args = ["--control", "A", "--metric", "converted", "--metric", "orders", "--json"]
    ref = cli("experiment", "analyze", "--from-file", _flag_file(tmp_path / "01.csv", "1", "0"),
              *args)
    assert ref.code == 0, ref.err
    res = cli("experiment", "analyze", "--from-file",
              _flag_file(tmp_path / "flags.csv", true, false), *args)
    assert res.code == 0, res.err
    got, want = res.json(), ref.json()
    assert got["comparisons"] == want["comparisons"]
    conv = next(c for c in got["comparisons"] if c["metric"] == "converted")
    assert conv["test"] == "two-proportion z"  # read as a proportion, not a mean


def test_boolean_parquet_and_jsonl_columns_are_read_as_one_and_zero(cli: CliRunner,
                                                                    tmp_path: Path) -> None:
    df = pd.DataFrame({"variant": ["A", "B"] * 200,
                       "converted": [i % 3 == 0 for i in range(400)]})
    df.to_parquet(tmp_path / "b.parquet")
    df.to_json(tmp_path / "b.jsonl", orient="records", lines=True)
    df.assign(converted=df.converted.astype(int)).to_parquet(tmp_path / "i.parquet")
    args = ["--control", "A", "--metric", "converted", "--json"]
    want = cli("experiment", "analyze", "--from-file", tmp_path / "i.parquet", *args).json()
    for name in ("b.parquet", "b.jsonl"):
        res = cli("experiment", "analyze", "--from-file", tmp_path / name, *args)
        assert res.code == 0, res.err
        assert res.json()["comparisons"] == want["comparisons"]


@pytest.mark.parametrize("cell,shown", [
    ("maybe", "'maybe'"),
    ("nan", "'nan'"),
    ("inf", "'inf'"),
    ("1,5", "'1,5'"),
])
def test_a_metric_value_that_is_not_a_number_is_named(cli: CliRunner, tmp_path: Path,
                                                       cell: str, shown: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(f'variant,converted\nA,1\nB,0\nA,"{cell}"\nB,1\nA,0\n',
                    encoding="utf-8")
    said = {"en": f"metric column 'converted' holds {shown}, not numbers",
            "zh-CN": f"列 'converted' 含有 {shown}, 不是数字"}
    for lang in ("en", "zh-CN"):
        r = cli("--lang", lang, "experiment", "analyze", "--from-file", path, "--control", "A",
                "--metric", "converted")
        assert r.code == 2 and "Traceback" not in r.err
        assert said[lang] in r.err_flat


def test_a_bad_value_past_the_type_detection_sample_is_named(cli: CliRunner,
                                                             tmp_path: Path) -> None:
    """DuckDB types a CSV column from a sample of its rows; a bad value far below it used
    to end in a conversion traceback."""
    rows = [f"{'AB'[i % 2]},{i % 2},{i % 9}.5" for i in range(30_000)]
    rows[25_000] = "A,1,n/a"
    path = tmp_path / "late.csv"
    path.write_text("variant,converted,revenue\n" + "\n".join(rows) + "\n", encoding="utf-8")
    r = cli("experiment", "analyze", "--from-file", path, "--control", "A",
            "--metric", "converted", "--metric", "revenue")
    assert r.code == 2 and "Traceback" not in r.err
    assert "metric column 'revenue' holds 'n/a', not numbers" in r.err_flat


def test_values_too_large_to_square_are_refused(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    path.write_text("variant,revenue\nA,1e308\nB,2\nA,3\nB,1e308\n", encoding="utf-8")
    r = cli("experiment", "analyze", "--from-file", path, "--control", "A",
            "--metric", "revenue")
    assert r.code == 2 and "too large to analyse" in r.err_flat


def test_plan(cli: CliRunner, tmp_path: Path) -> None:
    r = cli("experiment", "plan", "--baseline", "0.05", "--mde", "0.1", "--daily", "2000",
            "--json")
    assert r.code == 0, r.err
    p = r.json()
    assert p["n_control"] == 31231 and p["n_total"] == 62462
    assert round(p["days"], 2) == round(62462 / 2000, 2)
    r = cli("experiment", "plan", "--baseline", "20", "--sd", "15", "--mde", "1",
            "--absolute")
    assert r.code == 0 and "3,532" in r.out
    r = cli("--lang", "zh-CN", "experiment", "plan", "--baseline", "0.05", "--mde", "0.1",
            "--variants", "3", "--report", tmp_path / "plan.html")
    assert r.code == 0 and "功效" in (tmp_path / "plan.html").read_text(encoding="utf-8")
    r = cli("experiment", "plan", "--baseline", "0.9", "--mde", "0.2")
    assert r.code == 2 and "(0, 1)" in r.err_flat
