"""Hyper-parameters chosen on validation only, never on test.

``tune_model`` takes the run's split, derives the tuning split with
``protocols.validation`` (the provided valid file, or the same protocol applied to the
training rows alone), fits every setting of the model's grid on the tuning split's
training rows and keeps the one with the best mean NDCG@K on its validation rows (ties:
the earlier setting in grid order). The test rows are not an input of any step. The run
then refits the chosen setting on the full training rows and scores it on test.

Grids are small on purpose (a few settings per model) so that a run on MovieLens-100K
stays in minutes on two cores; ``fixed`` parameters (``--param``) are held in every
setting.
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
    "bpr": {"factors": [32, 64], "learning_rate": [0.01, 0.05]},
    "emcdr": {"factors": [16, 32], "mapping_alpha": [0.1, 1.0]},
}
SELECT_BY = "ndcg"


def settings_of(model: str, fixed: dict[str, Any]) -> list[dict[str, Any]]:
    """Every setting of the model's grid, with ``fixed`` values held."""
    grid = {k: v for k, v in GRIDS.get(model, {}).items() if k not in fixed}
    keys = list(grid)
    out = []
    for combo in itertools.product(*(grid[k] for k in keys)):
        out.append({**dict(zip(keys, combo, strict=True)), **fixed})
    return out or [dict(fixed)]


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
    for i, s in enumerate(settings):
        try:
            row = score_model(prep, model, s, cfg.k, cfg.sampled, cfg.seed)
        except ConfigError as exc:
            tried.append({"params": s, "error": exc.message})
            continue
        value = float(row[SELECT_BY]["mean"])
        tried.append({"params": s, SELECT_BY: value, "fit_s": row["fit_s"]})
        if best is None or value > best[0]:
            best = (value, i)
    if best is None:
        raise ConfigError(f"no setting of {model} could be fitted on the validation "
                          f"split: {tried[0]['error']}", code="bench_tuning",
                          params={"model": model, "detail": tried[0]["error"]})
    return {"chosen": settings[best[1]], "select_by": f"{SELECT_BY}@{cfg.k}",
            "valid": {"protocol": vsplit.protocol, "params": vsplit.params,
                      "train_rows": len(vsplit.train), "valid_rows": len(vsplit.test),
                      "users": int(prep.users.size)},
            "best": best[0], "tried": tried}
