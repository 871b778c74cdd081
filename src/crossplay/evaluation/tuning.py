"""Hyper-parameters chosen on validation only, never on test.

``tune_model`` takes the run's split, derives the tuning split with
``protocols.validation`` (the provided valid file, or the same protocol applied to the
training rows alone), fits settings of the model's grid on the tuning split's training
rows and keeps the one with the best mean NDCG@K on its validation rows (ties: the
setting met first). The test rows are not an input of any step. The run then refits the
chosen setting on the full training rows and scores it on test.

Every grid lists the model's default value of each parameter first. A grid of at most
``FULL_GRID_MAX`` settings is searched whole; a larger one (BPR's learning rate ×
regularisation × epochs × factors, EMCDR's) by coordinate ascent
(``coordinate_settings``): from the defaults, each parameter in turn takes each of its
values with the others held at the best so far, for up to ``COORDINATE_PASSES`` passes
(stopping when a pass changes nothing). That is what lets BPR leave its default: the
former grid moved only factors and a learning rate below the default at the default's
100 epochs, so the default always won.

``fixed`` parameters (``--param``) are held in every setting.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from crossplay.core.errors import ConfigError
from crossplay.evaluation.protocols import EvalSplit, validation

if TYPE_CHECKING:
    from crossplay.evaluation.runner import Prepared, RunConfig

GRIDS: dict[str, dict[str, list[Any]]] = {
    "popularity": {},
    "item_knn": {"neighbours": [20, 50, 100, 200], "shrink": [0.0, 10.0]},
    "als": {"factors": [32, 64, 128], "regularization": [0.01, 0.1]},
    "bpr": {"learning_rate": [0.05, 0.01, 0.1], "regularization": [0.01, 0.001, 0.1],
            "iterations": [100, 300, 600], "factors": [64, 32, 128]},
    "emcdr": {"factors": [16, 32, 64], "mapping_alpha": [1.0, 0.1, 10.0],
              "alpha": [1.0, 10.0], "overlap_only": [False, True]},
}
SELECT_BY = "ndcg"
FULL_GRID_MAX = 12
COORDINATE_PASSES = 2


def settings_of(model: str, fixed: dict[str, Any]) -> list[dict[str, Any]]:
    """Every setting of the model's grid, with ``fixed`` values held."""
    grid = {k: v for k, v in GRIDS.get(model, {}).items() if k not in fixed}
    keys = list(grid)
    out = []
    for combo in itertools.product(*(grid[k] for k in keys)):
        out.append({**dict(zip(keys, combo, strict=True)), **fixed})
    return out or [dict(fixed)]


def _key(setting: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, repr(v)) for k, v in setting.items()))


def coordinate_settings(model: str, fixed: dict[str, Any],
                        score: Callable[[dict[str, Any]], float | None],
                        passes: int = COORDINATE_PASSES) -> list[dict[str, Any]]:
    """Coordinate ascent over the model's grid from its first values (the defaults):
    the settings tried, in order, each scored once by ``score`` (``None``: the setting
    could not be fitted). A value replaces the current one only if strictly better."""
    grid = {k: v for k, v in GRIDS.get(model, {}).items() if k not in fixed}
    current = {**{k: v[0] for k, v in grid.items()}, **fixed}
    seen: dict[tuple[tuple[str, str], ...], float | None] = {}
    order: list[dict[str, Any]] = []

    def value(setting: dict[str, Any]) -> float | None:
        key = _key(setting)
        if key not in seen:
            seen[key] = score(setting)
            order.append(setting)
        return seen[key]

    best = value(current)
    for _ in range(passes):
        moved = False
        for name, values in grid.items():
            for v in values:
                trial = {**current, name: v}
                got = value(trial)
                if got is not None and (best is None or got > best):
                    moved = moved or trial != current
                    best, current = got, trial
        if not moved:
            break
    return order


def validation_inputs(split: EvalSplit, cfg: RunConfig) -> tuple[EvalSplit, Prepared]:
    """The tuning split and its model inputs (the same for every model of a run)."""
    from crossplay.evaluation.runner import prepare

    vsplit = validation(split)
    return vsplit, prepare(vsplit, cfg.relevance, cfg.max_test_users, cfg.seed,
                           cfg.weight)


def tune_model(split: EvalSplit, model: str, cfg: RunConfig,
               fixed: dict[str, Any] | None = None,
               valid: Callable[[], tuple[EvalSplit, Prepared]] | None = None
               ) -> dict[str, Any]:
    """Grid search on the validation split; returns the chosen setting and every try.

    ``valid`` supplies the tuning split and its inputs (``run`` shares one across its
    models); by default they are derived from ``split``."""
    from crossplay.evaluation.runner import score_model

    fixed = dict(fixed or {})
    settings = settings_of(model, fixed)
    if len(settings) == 1:
        return {"chosen": settings[0], "select_by": f"{SELECT_BY}@{cfg.k}",
                "valid": None, "tried": []}
    vsplit, prep = valid() if valid is not None else validation_inputs(split, cfg)
    tried: list[dict[str, Any]] = []
    best: tuple[float, int] | None = None

    def score(s: dict[str, Any]) -> float | None:
        nonlocal best
        try:
            row = score_model(prep, model, s, cfg.k, cfg.sampled, cfg.seed)
        except ConfigError as exc:
            tried.append({"params": s, "error": exc.message})
            return None
        value = float(row[SELECT_BY]["mean"])
        tried.append({"params": s, SELECT_BY: value, "fit_s": row["fit_s"]})
        if best is None or value > best[0]:
            best = (value, len(tried) - 1)
        return value

    search = "grid" if len(settings) <= FULL_GRID_MAX else "coordinate"
    if search == "grid":
        for s in settings:
            score(s)
    else:
        coordinate_settings(model, fixed, score)
    if best is None:
        raise ConfigError(f"no setting of {model} could be fitted on the validation "
                          f"split: {tried[0]['error']}", code="bench_tuning",
                          params={"model": model, "detail": tried[0]["error"]})
    return {"chosen": tried[best[1]]["params"], "select_by": f"{SELECT_BY}@{cfg.k}",
            "search": search,
            "valid": {"protocol": vsplit.protocol, "params": vsplit.params,
                      "train_rows": len(vsplit.train), "valid_rows": len(vsplit.test),
                      "users": int(prep.users.size)},
            "best": best[0], "tried": tried}
