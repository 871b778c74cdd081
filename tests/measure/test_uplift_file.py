"""``crossplay uplift evaluate --from-file`` on data shaped like the public uplift sets.

The test writes a file shaped like Hillstrom's e-mail campaign (categorical
``history_segment``, ``zip_code``, ``channel``; arm ``segment`` with two e-mails and no
e-mail; outcome ``visit``) with a known effect that lives in the categorical columns only
(the women's e-mail moves web shoppers and big past spenders), and the authors' own
train/test column (every third row is a test row: no random split draws that). Through
the CLI, as a user runs it: the S-learner and the class transformation beat random
targeting on the Qini curve and on the true effects, the categorical columns carry the
signal, the split is used row for row, and bad input is a coded error in both languages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from crossplay.cli.i18n import clear_misses, misses
from crossplay.measure.uplift import ClassTransformation, SLearner
from tests.conftest import CliRunner

SEGMENTS = ["1) $0 - $100", "2) $100 - $200", "3) $200 - $350", "4) $350 - $500",
            "5) $500 - $750", "6) $750 - $1,000", "7) $1,000 +"]
ARMS = ("Womens E-Mail", "No E-Mail")


def hillstrom_like(n: int = 7000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    hs = rng.integers(0, 7, n)
    channel = rng.choice(["Phone", "Web", "Multichannel"], n, p=[0.4, 0.4, 0.2])
    zip_code = rng.choice(["Surburban", "Rural", "Urban"], n)
    arm = rng.choice(["Womens E-Mail", "Mens E-Mail", "No E-Mail"], n, p=[0.4, 0.2, 0.4])
    tau = np.where(channel == "Web", 0.25, 0.0) + np.where(hs >= 5, 0.1, 0.0)
    p = 0.08 + 0.06 * (zip_code == "Urban") + tau * (arm == "Womens E-Mail")
    return pd.DataFrame({
        "id": [f"c{i:05d}" for i in range(n)], "recency": rng.integers(1, 13, n),
        "history_segment": [SEGMENTS[i] for i in hs],
        "history": np.round(rng.gamma(2, 100, n), 2), "mens": rng.integers(0, 2, n),
        "womens": rng.integers(0, 2, n), "zip_code": zip_code,
        "newbie": rng.integers(0, 2, n), "channel": channel, "segment": arm,
        "visit": (rng.random(n) < p).astype(int),
        "tau": np.where(arm == "Mens E-Mail", 0.0, tau),
        "split": np.where(np.arange(n) % 3 == 0, "test", "train")})


BASE_ARGS = ("--treatment-col", "segment", "--treatment", ARMS[0], "--control", ARMS[1],
             "--outcome", "visit")
NUMERIC = "recency,history,mens,womens,newbie"
CATEGORICAL = "history_segment,zip_code,channel"


@pytest.fixture(scope="module")
def hillstrom(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    df = hillstrom_like()
    path = tmp_path_factory.mktemp("uplift-file") / "hillstrom.csv"
    df.to_csv(path, index=False)
    return path, df


def _evaluate(cli: CliRunner, path: Path, *extra: str | Path) -> dict[str, Any]:
    r = cli("uplift", "evaluate", "--from-file", path, *BASE_ARGS, *extra, "--json")
    assert r.code == 0, r.err
    doc: dict[str, Any] = r.json()
    return doc


@pytest.mark.parametrize(("model", "base"), [("s", "lightgbm"), ("ct", "lightgbm"),
                                             ("s", "linear"), ("ct", "linear")])
def test_s_learner_and_class_transformation_find_who_is_moved(
        cli: CliRunner, hillstrom: tuple[Path, pd.DataFrame], tmp_path: Path, model: str,
        base: str) -> None:
    path, df = hillstrom
    preds = tmp_path / "holdout.csv"
    doc = _evaluate(cli, path, "--features", NUMERIC, "--categorical", CATEGORICAL,
                    "--split-col", "split", "--model", model, "--base", base, "--id-col", "id",
                    "--true-effect-col", "tau", "--predictions-out", preds)
    used = df[df.segment.isin(ARMS)]
    # the split column, row for row: fitted on its train rows, judged on its test rows
    assert doc["split"] == "given"
    assert doc["n_train"] == int((used.split == "train").sum())
    assert doc["n_holdout"] == int((used.split == "test").sum())
    assert doc["split_column"] == {"column": "split", "train": doc["n_train"],
                                   "test": doc["n_holdout"]}
    held = pd.read_csv(preds)
    test_rows = used[used.split == "test"]
    assert held.id.tolist() == test_rows.id.tolist()
    assert held.treated.tolist() == (test_rows.segment == ARMS[0]).tolist()
    assert held.outcome.tolist() == test_rows.visit.tolist()
    # the other e-mail arm is left out and counted
    assert doc["rows_other_arms"] == int((df.segment == "Mens E-Mail").sum())
    # categorical columns one-hot encoded, levels sorted
    assert doc["categorical_levels"]["channel"] == ["Multichannel", "Phone", "Web"]
    assert doc["categorical_levels"]["history_segment"] == SEGMENTS
    assert doc["features"][:5] == NUMERIC.split(",") and "channel=Web" in doc["features"]
    assert len(doc["features"]) == 5 + 7 + 3 + 3
    # better than random targeting, on the Qini curve and on the true effects
    # (the oracle captures ~2.2x random at q = 30%)
    assert doc["auuc"] > 0
    assert doc["ratio_to_random"] > 1.5, doc["ratio_to_random"]
    assert doc["truth_ratio_to_random"] > 1.6, doc["truth_ratio_to_random"]
    assert doc["truth_ratio_to_random"] <= doc["oracle_ratio_to_random"] + 1e-9


def test_the_signal_is_in_the_categorical_columns(
        cli: CliRunner, hillstrom: tuple[Path, pd.DataFrame]) -> None:
    """Without them the same learner is no better than random: what it found above came
    from the one-hot columns."""
    path, _ = hillstrom
    blind = _evaluate(cli, path, "--features", NUMERIC, "--split-col", "split", "--model",
                      "ct", "--true-effect-col", "tau")
    assert blind["truth_ratio_to_random"] < 1.3
    only = _evaluate(cli, path, "--categorical", "channel", "--split-col", "split",
                     "--model", "s", "--true-effect-col", "tau")
    assert only["features"] == ["channel=Multichannel", "channel=Phone", "channel=Web"]
    assert only["truth_ratio_to_random"] > 1.5


def test_a_random_split_is_used_without_a_split_column_and_numeric_arms_match(
        cli: CliRunner, hillstrom: tuple[Path, pd.DataFrame], tmp_path: Path) -> None:
    _, df = hillstrom
    two = df[df.segment.isin(ARMS)].assign(
        treatment=lambda d: (d.segment == ARMS[0]).astype(float))  # 1.0 / 0.0 as causalml
    path = tmp_path / "numeric_arm.parquet"
    two.drop(columns=["segment"]).to_parquet(path)
    r = cli("uplift", "evaluate", "--from-file", path, "--treatment-col", "treatment",
            "--treatment", "1", "--control", "0", "--outcome", "visit", "--categorical",
            "channel", "--model", "s", "--base", "linear", "--holdout", "0.5", "--json")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["split"] == "random" and doc["rows_other_arms"] == 0
    n_t, n_c = int((two.segment == ARMS[0]).sum()), int((two.segment == ARMS[1]).sum())
    assert doc["n_holdout"] == round(0.5 * n_t) + round(0.5 * n_c)


def test_the_table_reads_in_both_languages(cli: CliRunner,
                                           hillstrom: tuple[Path, pd.DataFrame]) -> None:
    path, _ = hillstrom
    clear_misses()
    args = ("uplift", "evaluate", "--from-file", path, *BASE_ARGS, "--categorical",
            "channel", "--split-col", "split", "--model", "ct", "--base", "linear")
    en = cli(*args)
    assert en.code == 0, en.err
    assert "Uplift class transformation (linear)" in en.out
    assert "Split by the file's column split" in en.out and "channel (3)" in en.out
    zh = cli("--lang", "zh-CN", *args)
    assert zh.code == 0, zh.err
    assert "增益模型 类别转换法" in zh.out and "按文件中的列 split 划分" in zh.out
    assert "独热编码" in zh.out and "其他组" in zh.out
    assert not misses()


def _bad(tmp_path: Path, df: pd.DataFrame) -> list[tuple[Path, tuple[str, ...], str, str]]:
    """(file, extra arguments, error code, a piece of the English message)."""
    small = df.head(600)
    ok = tmp_path / "ok.csv"
    small.to_csv(ok, index=False)
    odd_split = tmp_path / "odd_split.csv"
    small.assign(split=np.where(np.arange(600) % 3 == 0, "valid", "train")).to_csv(
        odd_split, index=False)
    ids = tmp_path / "ids.csv"  # a category-only column with 10,000 levels
    pd.DataFrame({"segment": np.where(np.arange(10_000) % 2 == 0, ARMS[0], ARMS[1]),
                  "visit": np.arange(10_000) % 3 == 0,
                  "user": [f"user-{i}" for i in range(10_000)]}).to_csv(ids, index=False)
    nan_arm = tmp_path / "nan_arm.parquet"  # a 0/1 treatment with a NaN
    arm = (small.segment == ARMS[0]).astype(float).to_numpy()
    arm[17] = np.nan
    small.assign(segment=arm).to_parquet(nan_arm)
    empty_arm = tmp_path / "empty_arm.csv"  # a text arm with empty cells
    small.assign(segment=small.segment.where(np.arange(600) % 50 != 0)).to_csv(
        empty_arm, index=False)
    few_test = tmp_path / "few_test.csv"
    small.assign(split=np.where(np.arange(600) < 4, "test", "train")).to_csv(
        few_test, index=False)
    cat = ("--categorical", "channel")
    return [
        (ok, ("--categorical", "chanel"), "measure_column_missing",
         "categorical feature column 'chanel' is not in the file"),
        (ok, ("--features", "recency,age"), "measure_column_missing",
         "feature column 'age' is not in the file"),
        (ok, (*cat, "--split-col", "fold"), "uplift_split_column",
         "split column 'fold' is not in the file"),
        (odd_split, (*cat, "--split-col", "split"), "uplift_split_values",
         "must say train or test in every row"),
        (ids, ("--categorical", "user"), "uplift_categorical_levels",
         "'user' has 10,000 levels, more than --max-levels 100"),
        (ok, ("--features", "channel"), "uplift_feature_text",
         "name it with --categorical"),
        (ok, ("--features", "recency", "--categorical", "recency"), "uplift_feature_twice",
         "named twice"),
        (nan_arm, (*cat,), "uplift_treatment_empty", "has 1 empty or NaN value"),
        (empty_arm, (*cat,), "uplift_treatment_empty", "has 12 empty or NaN value"),
        (few_test, (*cat, "--split-col", "split"), "uplift_split_arms",
         "the test rows of split column 'split'"),
        (ok, (*cat, "--split-col", "split", "--holdout", "0.2"), "uplift_split_holdout",
         "give one of them"),
        (ok, (*cat, "--predictions-out", str(tmp_path / "p.xlsx")), "uplift_predictions_type",
         "not 'p.xlsx'"),
        (ok, (*cat, "--model", "r"), "uplift_model_base", "--model t|x|s|ct"),
        (ok, ("--max-levels", "5"), "uplift_file_options", "--features or --categorical"),
    ]


def test_bad_input_is_a_coded_translated_error_never_a_crash(
        cli: CliRunner, hillstrom: tuple[Path, pd.DataFrame], tmp_path: Path) -> None:
    _, df = hillstrom
    clear_misses()
    for path, extra, code, text in _bad(tmp_path, df):
        args = ("uplift", "evaluate", "--from-file", path, *BASE_ARGS, *extra)
        if path.suffix == ".parquet":  # the arm is 1.0 / 0.0 there
            args = ("uplift", "evaluate", "--from-file", path, "--treatment-col", "segment",
                    "--treatment", "1", "--control", "0", "--outcome", "visit", *extra)
        r = cli(*args)
        assert r.code == 2, (code, r.out, r.err)
        assert f"({code})" in r.err and text in r.err_flat, (code, r.err)
        zh = cli("--lang", "zh-CN", *args)
        assert zh.code == 2 and f"错误 ({code})" in zh.err, (code, zh.err)
        assert "Traceback" not in r.err + zh.err
    r = cli("uplift", "evaluate", "--experiment", "x", "--split-col", "split")
    assert r.code == 2 and "(uplift_file_only)" in r.err
    assert not misses()


def test_the_new_learners_follow_the_model_conventions() -> None:
    """scikit-learn's conventions; on a 50/50 split the class transformation's weights are
    all 1 (scikit-uplift's model), and its effect for a continuous outcome is the transformed
    outcome's regression."""
    from crossplay.measure.errors import MeasureError

    rng = np.random.default_rng(0)
    n = 4000
    X = rng.normal(size=(n, 2))
    t = np.arange(n) % 2 == 0
    tau = np.where(X[:, 0] > 0, 2.0, 0.0)
    y = X[:, 1] + tau * t + rng.normal(scale=0.5, size=n)
    for learner in (SLearner, ClassTransformation):
        with pytest.raises(MeasureError, match="not fitted"):
            learner().predict(X)
        m = learner("linear", 0)
        assert m.fit(X, t, y) is m and not hasattr(learner(), "binary_")
        u = m.predict(X)
        assert u[X[:, 0] > 0].mean() > u[X[:, 0] <= 0].mean() + 1.0
    assert ClassTransformation().fit(X, t, y > 0).propensity_ == 0.5
