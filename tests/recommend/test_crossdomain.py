"""Cross-domain models: a planted known answer, and the synthetic world's affinities."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from crossplay.core.errors import ConfigError
from crossplay.recommend.dataset import Catalog
from crossplay.recommend.evaluate import EvalConfig, evaluate
from crossplay.recommend.models import EMCDR, load_model
from crossplay.recommend.truth import load_truth
from tests.conftest import LoadedWorld


def _planted(seed: int = 0) -> tuple[sp.csr_matrix, Catalog, np.ndarray, np.ndarray]:
    """3 taste groups; 8 game items and 6 course items per group. Group g's players play
    its games; persons with both sides also take its courses. Group 0's courses are the
    most popular overall, so popularity is wrong for groups 1 and 2."""
    rng = np.random.default_rng(seed)
    n_groups, n_src, n_tgt = 3, 8, 6
    sizes = {"both": 60, "cold": 15}
    rows, group, cold = [], [], []
    n_items = n_groups * (n_src + n_tgt)
    for g in range(n_groups):
        for kind, n in sizes.items():
            for _ in range(n):
                r = np.zeros(n_items, np.float32)
                src = g * n_src + rng.choice(n_src, 4, replace=False)
                r[src] = 1.0
                if kind == "both":
                    tgt = n_groups * n_src + g * n_tgt + rng.choice(n_tgt, 3, replace=False)
                    r[tgt] = 1.0
                rows.append(r)
                group.append(g)
                cold.append(kind == "cold")
    # group 0's courses are also taken by many course-only users
    for _ in range(80):
        r = np.zeros(n_items, np.float32)
        r[n_groups * n_src + rng.choice(n_tgt, 3, replace=False)] = 1.0
        rows.append(r)
        group.append(0)
        cold.append(False)
    plat = ["game"] * (n_groups * n_src) + ["knowledge"] * (n_groups * n_tgt)
    cat = Catalog(pd.DataFrame({
        "partner": ["game" if p == "game" else "knowledge" for p in plat],
        "item_id": [f"i{i}" for i in range(n_items)], "platform": plat, "item_type": "x",
        "title": [f"item {i}" for i in range(n_items)], "category": "", "tags": [[]] * n_items,
        "description": "", "available": True}))
    return sp.csr_matrix(np.array(rows)), cat, np.array(group), np.array(cold)


def test_emcdr_maps_players_to_their_groups_courses(tmp_path: Path) -> None:
    X, cat, group, cold = _planted()
    model = EMCDR(source=("game",), target=("knowledge",), factors=4, random_state=0)
    model.fit(X, cat)
    courses = cat.in_domains(("knowledge",))
    users = np.flatnonzero(cold)
    ids, _ = model.recommend(users, X[users], N=3, candidates=courses)
    course_group = (ids - 24) // 6
    assert (course_group == group[users][:, None]).mean() >= 0.95
    # popularity would give group 0's courses to everyone
    again = load_model(model.save(tmp_path / "m"))
    np.testing.assert_array_equal(again.recommend(users, X[users], N=3,
                                                  candidates=courses)[0], ids)


def test_emcdr_needs_overlap() -> None:
    X, cat, _, _ = _planted()
    only_games = sp.csr_matrix(X.multiply(np.asarray(cat.platform == "game")[None, :]))
    with pytest.raises(ConfigError, match="active in both domains"):
        EMCDR(source=("game",), target=("knowledge",)).fit(only_games, cat)
    with pytest.raises(ConfigError, match="must differ"):
        EMCDR(source=("game",), target=("game",)).fit(X, cat)


@pytest.mark.slow
def test_cold_start_beats_popularity_on_a_world(tmp_path: Path) -> None:
    """On a 10,000-person world (planted genre -> course affinities), recommending courses
    to linked persons from their game/stream behaviour alone beats popularity, on the held
    out courses and on the ground truth's most likely courses."""
    from crossplay.ingest.world import ingest_world
    from crossplay.synth import WorldConfig, generate_world

    world = LoadedWorld(tmp_path / "world", tmp_path / "data")
    generate_world(WorldConfig(people=10_000, days=30, seed=3), world.world_dir)
    settings = world.settings()
    ingest_world(settings, world.world_dir)
    truth = load_truth(world.world_dir, settings)
    cfg = EvalConfig(task="cold-start", models=("popularity", "emcdr"))
    board = evaluate(settings, cfg, truth)[0]
    rows = {r["model"]: r for r in board.rows}
    assert board.test_users >= 50
    assert rows["emcdr"]["recall"] > 1.3 * rows["popularity"]["recall"]
    assert rows["emcdr"]["truth_recall"] > rows["popularity"]["truth_recall"]
