"""``crossplay churn fit | score | drivers`` and ``crossplay paths``: run, store, load.

Stored under ``derived/mining/``:

- ``churn/<scope>/model.pkl`` (the :class:`~crossplay.mining.churn.ChurnModel`),
  ``churn/<scope>/report.json`` (metrics, calibration, drivers, Kaplan–Meier by segment),
  ``churn/<scope>/scores.parquet`` (``person_id`` or ``user_key`` + ``partner``,
  ``churn_probability``, ``scored_at``);
- ``paths/<scope>-<target>.json`` (top paths with per-step conversion and Sankey data).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from crossplay.core import clock
from crossplay.core.derived import derived_dir, write_json, write_parquet
from crossplay.core.errors import NotFoundError
from crossplay.core.settings import Settings
from crossplay.mining.churn import (
    ChurnModel,
    fit_churn,
    kaplan_meier,
    load_model,
    save_model,
    score_churn,
)
from crossplay.mining.churn_words import driver_sentence
from crossplay.mining.fpm import MiningError
from crossplay.mining.paths import load_journeys, path_table, sankey
from crossplay.mining.population import (
    audit,
    check_scope,
    mining_connection,
    unit_column,
    unit_table,
)
from crossplay.mining.segment_job import load_assignments


def churn_dir(settings: Settings, scope: str) -> Path:
    path = derived_dir(settings, "mining") / "churn" / scope
    path.mkdir(parents=True, exist_ok=True)
    return path


def _segments(settings: Settings, scope: str) -> pd.Series | None:
    try:
        a = load_assignments(settings, scope)
    except NotFoundError:
        return None
    return a.set_index(unit_column(check_scope(scope)))["segment"]


def run_churn_fit(settings: Settings, scope: str = "joint", days: int = 7) -> dict[str, Any]:
    sc = check_scope(scope)
    con = mining_connection(settings)
    try:
        model = fit_churn(con, sc, days=days, timezone=settings.timezone)
        km = kaplan_meier(con, sc, days, _segments(settings, sc))
    finally:
        con.close()
    out = churn_dir(settings, sc)
    save_model(model, out / "model.pkl")
    report = {"scope": sc, "days": days, "metrics": model.metrics,
              "drivers": [{**d, "en": driver_sentence(d, "en"),
                           "zh": driver_sentence(d, "zh-CN")} for d in model.drivers],
              "kaplan_meier_by_segment": km,
              "fitted_at": clock.now().isoformat(timespec="seconds")}
    write_json(report, out / "report.json")
    audit(settings, "churn_fit", sc, {"days": days, "holdout_units":
                                      model.metrics["holdout_units"]})
    return report


def run_churn_score(settings: Settings, scope: str = "joint") -> pd.DataFrame:
    sc = check_scope(scope)
    model: ChurnModel = load_model(churn_dir(settings, sc) / "model.pkl")
    con = mining_connection(settings)
    try:
        scores = score_churn(con, model, settings.timezone)
    finally:
        con.close()
    table = unit_table(sc, scores.index,
                       {"churn_probability": pa.array(scores.to_numpy(np.float64))}, "scored_at")
    write_parquet(table, churn_dir(settings, sc) / "scores.parquet")
    audit(settings, "churn_score", sc, {"units": table.num_rows})
    frame: pd.DataFrame = table.to_pandas()
    return frame.sort_values("churn_probability", ascending=False, kind="stable")


def load_churn_report(settings: Settings, scope: str = "joint") -> dict[str, Any]:
    path = churn_dir(settings, check_scope(scope)) / "report.json"
    if not path.exists():
        raise NotFoundError(f"no churn model for scope {scope!r}: run "
                            f"`crossplay churn fit --scope {scope}` first",
                            code="mining_no_churn_report", params={"scope": scope})
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def run_paths(settings: Settings, target: str, *, scope: str = "joint", steps: int = 3,
              top: int = 10, churn_days: int = 7, window_days: int | None = None,
              lang: str = "en") -> dict[str, Any]:
    if target not in ("purchase", "churn"):
        raise MiningError(f"--to must be purchase or churn, not {target!r}",
                          code="mining_paths_target", params={"target": target})
    sc = check_scope(scope)
    con = mining_connection(settings)
    try:
        journeys = load_journeys(con, sc, target, churn_days=churn_days,  # type: ignore[arg-type]
                                 window_days=window_days)
    finally:
        con.close()
    paths = path_table(journeys, target, steps, top)
    doc = {"scope": sc, "target": target, "steps": steps, "units": len(journeys),
           "reached": sum(j.reached for j in journeys), "churn_days": churn_days,
           "paths": paths, "sankey": {"en": sankey(paths, "en"),
                                      "zh-CN": sankey(paths, "zh-CN")}}
    path = derived_dir(settings, "mining") / "paths" / f"{sc}-{target}.json"
    write_json(doc, path)
    audit(settings, "paths", sc, {"target": target, "units": len(journeys)})
    return doc
