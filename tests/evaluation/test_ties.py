"""Deterministic full ranking: equal scores are ordered by item id.

The popularity baseline on tie-heavy files must give exactly the ranking a plain
``pandas`` sort by ``(-distinct users, item id)`` gives (computed here independently of
crossplay), with the metrics worked out by hand in the comments.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crossplay.evaluation.ranking import tie_order, top_k
from tests.conftest import CliRunner, write


def _reference(train: pd.DataFrame, test: pd.DataFrame, k: int, numeric: bool
               ) -> list[str]:
    """Popularity top ``k`` per test user by a pandas sort (ids as int when numeric)."""
    counts = (train.drop_duplicates(["user", "item"]).groupby("item").size()
              .rename("n").reset_index())
    counts["key"] = counts["item"].astype(int) if numeric else counts["item"]
    lines = []
    for user in pd.unique(pd.concat([train["user"], test["user"]])):
        if user not in set(test["user"]):
            continue
        seen = set(train.loc[train["user"] == user, "item"])
        ranked = counts[~counts["item"].isin(seen)].sort_values(
            ["n", "key"], ascending=[False, True], kind="mergesort")
        for rank, item in enumerate(ranked["item"].head(k), start=1):
            lines.append(f"{user}\t{rank}\tmain\t{item}")
    return lines


def _run(cli: CliRunner, tmp_path: Path, train: str, test: str, k: int
         ) -> tuple[dict[str, object], list[str], pd.DataFrame, pd.DataFrame]:
    folder = tmp_path / "ties"
    write(folder / "train.tsv", train)
    write(folder / "test.tsv", test)
    r = cli("bench", "import", folder, "--format", "uir", "--name", "ties", "--replace")
    assert r.code == 0, r.err
    out = cli("bench", "run", "ties", "--protocol", "provided", "--models", "popularity",
              "--k", str(k), "--json", "--write-recs", tmp_path / "recs")
    assert out.code == 0, out.err
    lines = (tmp_path / "recs" / "recs-popularity.tsv").read_text(
        encoding="utf-8").splitlines()
    names = ["user", "item"]
    tr = pd.read_csv(folder / "train.tsv", sep="\t", names=names, dtype=str,
                     keep_default_na=False)
    te = pd.read_csv(folder / "test.tsv", sep="\t", names=names, dtype=str,
                     keep_default_na=False)
    return out.json(), lines, tr, te


def test_popularity_ties_by_text_id_match_a_pandas_sort_and_hand_metrics(
        cli: CliRunner, tmp_path: Path) -> None:
    # distinct users per item in train: every item 2 except "apple" (1), "Zelda" (3):
    #   Zelda 3; " Dota 2" 2; "Dota 2" 2; "b" 2; "c" 2; apple 1
    # tie order is by code point: " Dota 2" < "Dota 2" < "Zelda" < "apple" < "b" < "c"
    train = ("u1\tZelda\nu2\tZelda\nu3\tZelda\n"
             "u1\tb\nu4\tb\nu2\tc\nu4\tc\n"
             "u3\t Dota 2\nu4\t Dota 2\nu1\tDota 2\nu5\tDota 2\nu5\tapple\n")
    # u1 (has Zelda, b, Dota 2) -> " Dota 2", c, apple: wants c   -> hit at 2
    # u5 (has Dota 2, apple)    -> Zelda, " Dota 2", b: wants b, c -> hit at 3
    test = "u1\tc\nu5\tb\nu5\tc\n"
    out, lines, tr, te = _run(cli, tmp_path, train, test, 3)
    assert lines == _reference(tr, te, 3, numeric=False)
    assert lines == ["u1\t1\tmain\t Dota 2", "u1\t2\tmain\tc", "u1\t3\tmain\tapple",
                     "u5\t1\tmain\tZelda", "u5\t2\tmain\t Dota 2", "u5\t3\tmain\tb"]
    row = out["rows"][0]  # type: ignore[index]
    # u1: P 1/3, R 1, NDCG (1/log2 3) / 1, AP (1/2) / 1, HR 1
    # u5: P 1/3, R 1/2, NDCG (1/log2 4) / (1 + 1/log2 3), AP (1/3) / 2, HR 1
    ndcg = [1 / math.log2(3), (1 / 2) / (1 + 1 / math.log2(3))]
    expect = {"precision": [1 / 3, 1 / 3], "recall": [1.0, 0.5], "ndcg": ndcg,
              "map": [0.5, 1 / 6], "hit": [1.0, 1.0]}
    for metric, values in expect.items():
        assert row[metric]["mean"] == pytest.approx(np.mean(values), abs=1e-12), metric
        assert row[metric]["se"] == pytest.approx(
            np.std(values, ddof=1) / math.sqrt(2), abs=1e-12), metric


def test_numeric_ids_tie_by_value_not_by_text(cli: CliRunner, tmp_path: Path) -> None:
    # every item has one user: all tie; ids 2 < 9 < 10 < 100 as numbers ("10" < "2" as text)
    train = "a\t10\nb\t9\nc\t100\nd\t2\ne\t7\n"
    test = "a\t2\ne\t100\n"
    # a (has 10) -> 2, 7: wants 2 -> hit at 1; e (has 7) -> 2, 9: wants 100 -> miss
    out, lines, tr, te = _run(cli, tmp_path, train, test, 2)
    assert lines == _reference(tr, te, 2, numeric=True)
    assert lines == ["a\t1\tmain\t2", "a\t2\tmain\t7", "e\t1\tmain\t2", "e\t2\tmain\t9"]
    row = out["rows"][0]  # type: ignore[index]
    assert row["hit"]["mean"] == 0.5 and row["recall"]["mean"] == 0.5
    assert row["precision"]["mean"] == 0.25 and row["ndcg"]["mean"] == 0.5


def test_the_same_run_twice_and_with_rows_shuffled_ranks_the_same(cli: CliRunner,
                                                                  tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    rows = [f"u{rng.integers(0, 25)}\ti{rng.integers(0, 30)}" for _ in range(300)]
    tests = [f"u{rng.integers(0, 25)}\ti{rng.integers(0, 30)}" for _ in range(40)]
    _, first, _, _ = _run(cli, tmp_path / "a", "\n".join(rows) + "\n",
                          "\n".join(tests) + "\n", 5)
    rng.shuffle(rows)
    _, again, _, _ = _run(cli, tmp_path / "b", "\n".join(rows) + "\n",
                          "\n".join(tests) + "\n", 5)
    assert sorted(first) == sorted(again)  # users may be listed in another order


def test_tie_order_rule() -> None:
    doms = np.array(["b", "a", "a", "a", "b", "b", "b"], dtype=object)
    items = np.array(["x", "10", "9", "07", "Zelda", "apple", " x"], dtype=object)
    order = tie_order(doms, items)
    got = [(doms[i], items[i]) for i in order]
    # domain a: all digits -> by value (07 = 7 < 9 < 10); b: by code point
    assert got == [("a", "07"), ("a", "9"), ("a", "10"),
                   ("b", " x"), ("b", "Zelda"), ("b", "apple"), ("b", "x")]


@pytest.mark.parametrize("seed", range(5))
def test_top_k_equals_a_full_stable_sort(seed: int) -> None:
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 4, size=(30, 50)).astype(np.float32)  # many ties
    scores[rng.random(scores.shape) < 0.2] = -np.inf
    scores[rng.random(scores.shape) < 0.05] = np.nan
    for k in (1, 5, 50, 60):
        ids, _ = top_k(scores, k)
        for u in range(scores.shape[0]):
            s = np.where(np.isnan(scores[u]), -np.inf, scores[u])
            ranked = [int(i) for i in np.lexsort((np.arange(50), -s)) if np.isfinite(s[i])]
            want = (ranked + [-1] * k)[:k]
            assert ids[u].tolist() == want
