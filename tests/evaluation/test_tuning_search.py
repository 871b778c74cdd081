"""The benchmark tuner leaves a model's defaults when validation says so."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from crossplay.evaluation.runner import RunConfig, make_model, split_for
from crossplay.evaluation.tuning import GRIDS, coordinate_settings, settings_of, tune_model


def planted(users: int = 60, groups: int = 3, per_group: int = 10, per_user: int = 6,
            seed: int = 0) -> pd.DataFrame:
    """User u likes ``per_user`` of the ``per_group`` items of group ``u % groups``."""
    rng = np.random.default_rng(seed)
    rows = [(f"u{u}", f"i{(u % groups) * per_group + i}", 5.0, "")
            for u in range(users) for i in rng.choice(per_group, per_user, replace=False)]
    df = pd.DataFrame(rows, columns=["user", "item", "rating", "split"])
    df["timestamp"] = pd.array([None] * len(df), dtype="Int64")
    df["domain"] = "main"
    return df[["user", "item", "rating", "timestamp", "domain", "split"]]


@pytest.mark.parametrize("model", ["bpr", "emcdr"])
def test_every_grid_starts_at_the_models_defaults(model: str) -> None:
    default = make_model(model, {}).get_params()
    assert all(default[k] == v[0] for k, v in GRIDS[model].items())


def test_bpr_grid_moves_rate_regularisation_epochs_and_factors() -> None:
    for key in ("learning_rate", "regularization", "iterations", "factors"):
        assert len(GRIDS["bpr"][key]) >= 3, key
    for key in ("mapping_alpha", "alpha", "overlap_only", "factors"):
        assert len(GRIDS["emcdr"][key]) >= 2, key


def test_coordinate_ascent_finds_a_better_level_on_every_axis() -> None:
    best = {"learning_rate": 0.1, "regularization": 0.001, "iterations": 600,
            "factors": 64}
    calls: list[dict[str, Any]] = []

    def matches(s: dict[str, Any]) -> float:
        return float(sum(s[k] == v for k, v in best.items()))

    def score(s: dict[str, Any]) -> float:
        calls.append(s)
        return matches(s)

    tried = coordinate_settings("bpr", {}, score)
    assert tried == calls  # each setting scored once
    assert tried[0] == {k: v[0] for k, v in GRIDS["bpr"].items()}  # the defaults first
    assert max(tried, key=matches) == best
    assert len(tried) < len(settings_of("bpr", {}))  # 81 in the full product


def test_coordinate_ascent_keeps_the_default_on_ties_and_holds_fixed_values() -> None:
    tried = coordinate_settings("bpr", {"factors": 8}, lambda s: 1.0)
    assert all(s["factors"] == 8 for s in tried)
    # one pass (nothing moved): the defaults, then each other value of each axis once
    assert len(tried) == 1 + 2 + 2 + 2


def test_bpr_tuning_leaves_the_default_on_a_small_planted_set() -> None:
    data = planted()
    cfg = RunConfig(protocol="stratified", models=("bpr",), k=5).validate()
    out = tune_model(split_for(data, cfg), "bpr", cfg)
    assert out["search"] == "coordinate"
    defaults = out["tried"][0]
    assert defaults["params"] == {k: v[0] for k, v in GRIDS["bpr"].items()}
    assert out["chosen"] != defaults["params"]
    assert out["best"] > defaults["ndcg"]
    for key in ("learning_rate", "regularization", "iterations"):
        assert len({t["params"][key] for t in out["tried"]}) == 3, key
