"""``crossplay segments fit | assign``: features -> model -> labels and profiles on disk.

Stored under ``derived/mining/segments/<scope>/``:

- ``model.json``: the :class:`~crossplay.mining.segments.SegmentModel` (plain arrays);
- ``profiles.json``: fit metadata (k, criterion, scores per k, window) and one profile per
  segment (:func:`crossplay.mining.profiles.segment_profiles`);
- ``assignments.parquet``: one row per unit: ``person_id`` (joint) or ``user_key`` +
  ``partner`` (partner scope), ``segment`` (int), ``assigned_at``.

A refit reads the previous ``model.json`` of the scope and keeps labels stable by
matching centroids (``fresh=True`` starts over).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from crossplay.core import clock
from crossplay.core.derived import derived_dir, write_json, write_parquet
from crossplay.core.errors import NotFoundError
from crossplay.core.settings import Settings
from crossplay.mining.features import FeatureFrame, unit_features
from crossplay.mining.population import (
    Scope,
    audit,
    check_scope,
    mining_connection,
    unit_table,
)
from crossplay.mining.profiles import segment_profiles
from crossplay.mining.segments import Criterion, SegmentModel


@dataclass(frozen=True)
class SegmentOptions:
    scope: Scope = "joint"
    k_min: int = 3
    k_max: int = 8
    criterion: Criterion = "silhouette"
    n_components: int = 6
    window_days: int | None = None
    fresh: bool = False
    random_state: int = 0


@dataclass(frozen=True)
class SegmentResult:
    model: SegmentModel
    labels: pd.Series  # index: unit
    profiles: list[dict[str, Any]]
    meta: dict[str, Any]


def segments_dir(settings: Settings, scope: str) -> Path:
    path = derived_dir(settings, "mining") / "segments" / scope
    path.mkdir(parents=True, exist_ok=True)
    return path


def _features(settings: Settings, scope: Scope, window_days: int | None) -> FeatureFrame:
    con = mining_connection(settings)
    try:
        return unit_features(con, scope, timezone=settings.timezone, window_days=window_days)
    finally:
        con.close()


def load_model(settings: Settings, scope: str) -> SegmentModel:
    path = segments_dir(settings, check_scope(scope)) / "model.json"
    if not path.exists():
        raise NotFoundError(f"no segment model for scope {scope!r}: run "
                            f"`crossplay segments fit --scope {scope}` first",
                            code="mining_no_segment_model", params={"scope": scope})
    return SegmentModel.from_dict(json.loads(path.read_text(encoding="utf-8")))


def _write_assignments(settings: Settings, scope: Scope, labels: pd.Series) -> Path:
    table = unit_table(scope, labels.index, {"segment": pa.array(labels.to_numpy(np.int64))},
                       "assigned_at")
    path = segments_dir(settings, scope) / "assignments.parquet"
    write_parquet(table, path)
    return path


def fit_segments(settings: Settings, options: SegmentOptions) -> SegmentResult:
    scope = check_scope(options.scope)
    feats = _features(settings, scope, options.window_days)
    previous = None
    if not options.fresh and (segments_dir(settings, scope) / "model.json").exists():
        previous = load_model(settings, scope)
    model = SegmentModel((options.k_min, options.k_max), options.criterion,
                         options.n_components, options.random_state)
    k = settings.privacy_k

    def describable(labels: np.ndarray[Any, Any]) -> bool:
        """Every segment holds at least k people (so it may be described at all) and has
        a trait that sets it apart: a segment that is "average on every trait", or too
        small to release, cannot be targeted."""
        found = segment_profiles(feats.frame, labels, model.features_,
                                 model.standardise(feats.frame))
        return all(p["distinct"] and p["size"] >= k for p in found)

    model.fit(feats.frame, feats.days, previous=previous, accept=describable)
    labels = pd.Series(model.predict(feats.frame), index=feats.frame.index, name="segment")
    profiles = segment_profiles(feats.frame, labels.to_numpy(), model.features_,
                                model.standardise(feats.frame))
    for p in profiles:  # a segment smaller than k is not described to anyone outside
        p["releasable"] = p["size"] >= settings.privacy_k
    meta: dict[str, Any] = {
        **asdict(options), "units": len(labels), "k": model.k_,
        "every_segment_distinct": model.accepted_,
        "window_days_observed": round(feats.days, 2), "relabelled_from_previous":
        previous is not None,
        "scores": [asdict(s) for s in model.scores_],
        "fitted_at": clock.now().isoformat(timespec="seconds"),
    }
    out = segments_dir(settings, scope)
    write_json(model.to_dict(), out / "model.json")
    write_json({"meta": meta, "profiles": profiles}, out / "profiles.json")
    _write_assignments(settings, scope, labels)
    audit(settings, "segments_fit", scope, {"units": len(labels), "k": model.k_})
    return SegmentResult(model, labels, profiles, meta)


def assign_segments(settings: Settings, scope: str = "joint",
                    window_days: int | None = None) -> SegmentResult:
    """Score every unit of ``scope`` (new people included) with the stored model."""
    sc = check_scope(scope)
    model = load_model(settings, sc)
    feats = _features(settings, sc, window_days)
    labels = pd.Series(model.predict(feats.frame), index=feats.frame.index, name="segment")
    stored = json.loads((segments_dir(settings, sc) / "profiles.json").read_text("utf-8"))
    _write_assignments(settings, sc, labels)
    audit(settings, "segments_assign", sc, {"units": len(labels)})
    values, counts = np.unique(labels.to_numpy(np.int64), return_counts=True)
    meta = {"scope": sc, "units": len(labels),
            "per_segment": dict(zip(values.tolist(), counts.tolist(), strict=True))}
    return SegmentResult(model, labels, stored["profiles"], meta)


def load_assignments(settings: Settings, scope: str = "joint") -> pd.DataFrame:
    path = segments_dir(settings, check_scope(scope)) / "assignments.parquet"
    if not path.exists():
        raise NotFoundError(f"no segments for scope {scope!r}: run "
                            f"`crossplay segments fit --scope {scope}` first",
                            code="mining_no_segments", params={"scope": scope})
    frame: pd.DataFrame = pq.read_table(path).to_pandas()
    return frame


def load_profiles(settings: Settings, scope: str = "joint") -> dict[str, Any]:
    path = segments_dir(settings, check_scope(scope)) / "profiles.json"
    if not path.exists():
        raise NotFoundError(f"no segments for scope {scope!r}: run "
                            f"`crossplay segments fit --scope {scope}` first",
                            code="mining_no_segments", params={"scope": scope})
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
