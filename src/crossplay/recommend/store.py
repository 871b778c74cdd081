"""Trained bundles on disk: ``derived/recommend/models/<version>/``.

A bundle holds, per *unit* (``in-<domain>`` for a partner's own domain, ``cross-<domain>``
for the joint space aimed at that domain): ``model/`` (the main model), ``popularity/``,
``content/`` (for explanations and cold items), ``items.parquet`` (the catalog by index),
``users.parquet`` (row -> person columns: ``partner`` + ``user_key``, or ``person_id`` +
``k_user_key`` + ``g_user_key``, the names erasure looks for) and ``history.npz`` (the
training matrix: what to filter as consumed and explain from). ``bundle.json`` describes
the bundle; ``LATEST`` names the newest version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import scipy.sparse as sp

from crossplay.core import clock
from crossplay.core.derived import derived_dir, write_json, write_parquet
from crossplay.core.errors import NotFoundError
from crossplay.core.settings import Settings
from crossplay.recommend.dataset import Catalog
from crossplay.recommend.models.base import Recommender, load_model
from crossplay.recommend.models.content import ContentBased


def models_dir(settings: Settings) -> Path:
    return derived_dir(settings, "recommend") / "models"


def new_version() -> str:
    return clock.now().strftime("v%Y%m%dT%H%M%S%f")


@dataclass
class Unit:
    """One trained unit, loaded."""

    name: str
    model: Recommender
    popularity: Recommender
    content: ContentBased | None
    items: Catalog
    users: pd.DataFrame
    history: sp.csr_matrix
    info: dict[str, Any]

    def row_of(self, column: str, key: str) -> int | None:
        if column not in self.users:
            return None
        hit = np.flatnonzero(self.users[column].to_numpy() == key)
        return int(hit[0]) if hit.size else None


def save_unit(path: Path, unit: Unit) -> None:
    path.mkdir(parents=True, exist_ok=True)
    unit.model.save(path / "model")
    unit.popularity.save(path / "popularity")
    if unit.content is not None:
        unit.content.save(path / "content")
    frame = unit.items.frame.copy()
    write_parquet(pa.Table.from_pandas(frame, preserve_index=False), path / "items.parquet")
    write_parquet(pa.Table.from_pandas(unit.users, preserve_index=False),
                  path / "users.parquet")
    h = sp.csr_matrix(unit.history)
    np.savez(path / "history.npz", data=h.data, indices=h.indices, indptr=h.indptr,
             shape=np.array(h.shape))
    write_json(unit.info, path / "unit.json")


def load_unit(path: Path) -> Unit:
    if not (path / "unit.json").is_file():
        raise NotFoundError(f"no trained unit in {path}", code="recommend_no_model")
    content = load_model(path / "content") if (path / "content").is_dir() else None
    with np.load(path / "history.npz", allow_pickle=False) as z:
        hist = sp.csr_matrix((z["data"], z["indices"], z["indptr"]),
                             shape=tuple(int(x) for x in z["shape"]))
    items = pq.read_table(path / "items.parquet").to_pandas()
    items["tags"] = [list(t) if t is not None else [] for t in items["tags"]]
    return Unit(name=path.name, model=load_model(path / "model"),
                popularity=load_model(path / "popularity"),
                content=content if isinstance(content, ContentBased) else None,
                items=Catalog(items), users=pq.read_table(path / "users.parquet").to_pandas(),
                history=hist, info=json.loads((path / "unit.json").read_text("utf-8")))


def mark_latest(settings: Settings, version: str) -> None:
    write_json({"version": version}, models_dir(settings) / "LATEST")


def latest_version(settings: Settings) -> str:
    path = models_dir(settings) / "LATEST"
    if not path.is_file():
        raise NotFoundError("no trained recommender: run `crossplay recommend train` first",
                            code="recommend_no_model")
    version: str = json.loads(path.read_text("utf-8"))["version"]
    return version


def bundle_dir(settings: Settings, version: str | None = None) -> Path:
    v = version or latest_version(settings)
    path = models_dir(settings) / v
    if not (path / "bundle.json").is_file():
        raise NotFoundError(f"no trained bundle {v!r} in {models_dir(settings)}",
                            code="recommend_no_model")
    return path
