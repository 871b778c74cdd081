"""The real-data path: typical public shapes through the example mappings in docs/."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from tests.conftest import CliRunner

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "recommend"


def _tastes(rng: np.random.Generator, n_users: int, n_items: int, per_user: int
            ) -> list[tuple[int, int]]:
    """Users of two taste groups, each using items of its group (a learnable shape)."""
    pairs = []
    half = n_items // 2
    for u in range(n_users):
        g = u % 2
        pool = np.arange(g * half, (g + 1) * half)
        pop = 1.0 / np.arange(1, half + 1)
        for i in rng.choice(pool, size=per_user, replace=False, p=pop / pop.sum()):
            pairs.append((u, int(i)))
    return pairs


def _write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_example_files_ingest_cleanly(cli: CliRunner) -> None:
    for name, partner in (("play-hours", "game"), ("course-clicks", "knowledge"),
                          ("movielens-ratings", "knowledge")):
        res = cli("ingest", EXAMPLES / f"{name}.csv", "--partner", partner, "--kind",
                  "events", "--mapping", EXAMPLES / f"{name}.yaml", "--json")
        assert res.code == 0, res.err
        assert res.json()["quarantined"] == 0 and res.json()["accepted"] > 5


def test_play_hours_without_time_evaluate_with_random_split(cli: CliRunner,
                                                            tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    rows: list[list[object]] = []
    for u, i in _tastes(rng, 300, 40, 6):
        rows.append([f"{9000 + u}", f"Game {i}", "purchase", 1.0, 0])
        rows.append([f"{9000 + u}", f"Game {i}", "play", round(float(rng.gamma(1.0, 20)), 1),
                     0])
    src = _write(tmp_path / "steam.csv", ["user", "game", "behavior", "value", "flag"], rows)
    res = cli("ingest", src, "--partner", "game", "--kind", "events", "--mapping",
              EXAMPLES / "play-hours.yaml", "--json")
    assert res.code == 0 and res.json()["quarantined"] == 0, res.err
    res = cli("recommend", "evaluate", "--domain", "game")
    assert res.code == 2 and "--split random" in res.err_flat  # no time in this export
    res = cli("recommend", "evaluate", "--domain", "game", "--split", "random", "--json")
    assert res.code == 0, res.err
    board = res.json()["boards"][0]
    rows_by = {r["model"]: r for r in board["rows"]}
    assert board["split"] == "random" and board["test_users"] > 200
    # the planted taste groups are learnable: item-kNN beats popularity clearly
    assert rows_by["item_knn"]["recall"] > rows_by["popularity"]["recall"]
    res = cli("recommend", "train", "--json")
    assert res.code == 0, res.err
    res = cli("recommend", "for", "--partner", "game", "--user", "9000", "--json")
    data = res.json()
    assert data["personalised"] and data["items"][0]["item_id"].startswith("Game ")


def test_ratings_evaluate_with_both_splits(cli: CliRunner, tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    ratings = [[u + 1, i + 1, float(rng.integers(1, 6)), 1_600_000_000 + 3600 * k]
               for k, (u, i) in enumerate(_tastes(rng, 200, 60, 8))]
    src = _write(tmp_path / "ratings.csv", ["userId", "movieId", "rating", "timestamp"],
                 ratings)
    res = cli("ingest", src, "--partner", "knowledge", "--kind", "events", "--mapping",
              EXAMPLES / "movielens-ratings.yaml", "--json")
    assert res.code == 0 and res.json()["quarantined"] == 0, res.err
    res = cli("recommend", "evaluate", "--domain", "knowledge", "--split", "random",
              "--models", "popularity,item_knn,als", "--json")
    assert res.code == 0, res.err
    assert res.json()["boards"][0]["test_users"] > 100
    res = cli("recommend", "evaluate", "--domain", "knowledge", "--json")  # time split
    assert res.code == 0, res.err
    assert res.json()["boards"][0]["cutoff"] is not None
