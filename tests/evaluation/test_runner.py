"""A run on a tiny benchmark whose table is computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from crossplay.core.errors import ConfigError
from crossplay.evaluation.protocols import provided, with_rows
from crossplay.evaluation.runner import RunConfig, prepare, run


def bench(rows: list[tuple[str, str, float, str]], domain: str = "main") -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["user", "item", "rating", "split"])
    df["timestamp"] = pd.array([None] * len(df), dtype="Int64")
    df["domain"] = domain
    return df[["user", "item", "rating", "timestamp", "domain", "split"]]


TINY = bench([
    ("u1", "a", 5, "train"), ("u1", "b", 5, "train"),
    ("u2", "a", 5, "train"), ("u2", "b", 5, "train"),
    ("u3", "b", 5, "train"), ("u3", "c", 5, "train"),
    ("u4", "d", 5, "train"),
    ("u2", "c", 5, "valid"),
    ("u3", "a", 5, "test"), ("u4", "c", 5, "test"), ("u2", "e", 2, "test"),
])


def test_popularity_table_by_hand() -> None:
    # popularity in training: b 3 users, a 2, c 1, d 1, e 0 (valid rows never train)
    # u2 (has a, b; wants e): top 2 from c, d, e -> c, d: no hit
    # u3 (has b, c; wants a): top 2 = a, d -> hit at rank 1
    # u4 (has d; wants c): top 2 = b, a -> no hit
    out = run(TINY, RunConfig(protocol="provided", models=("popularity",), k=2))
    row = out["rows"][0]
    se = math.sqrt(((1 / 6) ** 2 * 2 + (1 / 3) ** 2) / 2) / math.sqrt(3)
    assert row["precision"]["mean"] == pytest.approx(1 / 6)
    assert row["precision"]["se"] == pytest.approx(se)
    for m in ("recall", "ndcg", "map", "hit"):
        assert row[m]["mean"] == pytest.approx(1 / 3)
        assert row[m]["se"] == pytest.approx(1 / 3)
    assert out["test_users"] == 3 and out["ranking"] == "full"
    assert out["train_rows"] == 7 and out["test_rows"] == 3
    assert out["candidates"] == 4  # a, b, c, d: e was never trained on
    assert out["test_pairs_on_untrained_items"] == 1  # u2's e: relevant, unreachable


def test_relevance_threshold_drops_low_ratings() -> None:
    out = run(TINY, RunConfig(protocol="provided", models=("popularity",), k=2,
                              relevance=4))
    assert out["test_users"] == 2 and out["unscored_test_users"] == 1
    assert out["rows"][0]["precision"]["mean"] == pytest.approx(0.25)
    assert out["relevance"] == 4


def test_training_matrix_is_exactly_the_train_rows() -> None:
    split = provided(with_rows(TINY))
    prep = prepare(split)
    assert prep.X.nnz == 7  # valid and test rows never enter training
    assert prep.candidates.sum() == 4
    assert [sorted(r) for r in prep.relevant] and len(prep.users) == 3


def test_sampled_metrics_are_labelled() -> None:
    out = run(TINY, RunConfig(protocol="provided", models=("popularity",), k=2,
                              sampled=2))
    assert out["ranking"] == "sampled-2"


def test_tuning_never_reads_test_rows() -> None:
    other = TINY.copy()
    test = other["split"] == "test"
    other.loc[test, "item"] = ["d", "b", "a"]  # different test answers, same train/valid
    cfg = RunConfig(protocol="provided", models=("item_knn",), k=2)
    a = run(TINY, cfg)["rows"][0]["tuning"]
    b = run(other, cfg)["rows"][0]["tuning"]
    for t in a["tried"] + b["tried"]:
        t.pop("fit_s")  # wall time differs run to run
    assert a == b
    assert a["best"] > 0  # u2's valid item c is reachable through b
    assert a["valid"]["valid_rows"] == 1 and len(a["tried"]) == 8
    assert a["chosen"] == a["tried"][int(np.argmax([t["ndcg"] for t in a["tried"]]))][
        "params"]


def test_fixed_parameters_are_held_in_tuning() -> None:
    cfg = RunConfig(protocol="provided", models=("item_knn",), k=2,
                    params={"item_knn": {"neighbours": 5}})
    row = run(TINY, cfg)["rows"][0]
    assert all(t["params"]["neighbours"] == 5 for t in row["tuning"]["tried"])
    assert row["params"]["neighbours"] == 5


@pytest.mark.parametrize(("cfg", "match"), [
    (RunConfig(models=("content",)), "needs item text"),
    (RunConfig(models=("svd",)), "unknown model 'svd'"),
    (RunConfig(models=("emcdr",)), "emcdr maps a source domain"),
    (RunConfig(k=0), "k must be at least 1"),
])
def test_bad_configs_are_refused(cfg: RunConfig, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        run(TINY, cfg)


def _cross_domain(n_users: int = 60) -> pd.DataFrame:
    """Books and movies with shared users; a person's movie taste follows their books."""
    rng = np.random.default_rng(0)
    rows = []
    for u in range(n_users):
        g = u % 3
        for b in rng.choice(5, 3, replace=False):
            rows.append((f"u{u}", f"b{g}{b}", 5.0, "", "books"))
        for m in rng.choice(4, 2, replace=False):
            rows.append((f"u{u}", f"m{g}{m}", 5.0, "", "movies"))
    df = pd.DataFrame(rows, columns=["user", "item", "rating", "split", "domain"])
    df["timestamp"] = pd.array(np.arange(len(df)), dtype="Int64")
    return df[["user", "item", "rating", "timestamp", "domain", "split"]]


def test_cold_start_ranks_only_target_items_and_uses_source_history() -> None:
    data = _cross_domain()
    out = run(data, RunConfig(protocol="cold", target="movies", k=4, tune=False,
                              models=("popularity", "item_knn", "als", "emcdr")))
    assert out["candidates"] == 12  # movie items only
    assert out["test_users"] == out["protocol_params"]["cold_users"] == 12
    rows = {r["model"]: r for r in out["rows"]}
    assert set(rows) == {"popularity", "item_knn", "als", "emcdr"}
    # item-kNN links a cold user's books to the movies their group watches: it must beat
    # popularity, which cannot tell the three groups apart
    assert rows["item_knn"]["recall"]["mean"] > rows["popularity"]["recall"]["mean"]
    assert rows["item_knn"]["recall"]["mean"] > 0.9


def test_unknown_fixed_parameter_is_named() -> None:
    cfg = RunConfig(protocol="provided", models=("als",), k=2,
                    params={"als": {"factor": 8}})
    with pytest.raises(ConfigError, match="unexpected keyword argument 'factor'"):
        run(TINY, cfg)
    # without tuning the table keeps going: the model's row carries the message
    out = run(TINY, RunConfig(protocol="provided", models=("popularity", "als"), k=2,
                              tune=False, params={"als": {"factor": 8}}))
    assert "unexpected keyword argument 'factor'" in out["rows"][1]["error"]
    assert out["rows"][0]["model"] == "popularity" and "error" not in out["rows"][0]
