"""Trained bundles on disk: ``derived/recommend/models/<version>/``.

A bundle holds, per *unit* (``in-<domain>`` for a partner's own domain, ``cross-<domain>``
for the joint space aimed at that domain): ``model/`` (the main model), ``popularity/``,
``content/`` (for explanations and cold items), ``items.parquet`` (the catalog by index),
``users.parquet`` (row -> person columns: ``partner`` + ``user_key``, or ``person_id`` +
``k_user_key`` + ``g_user_key``, the names erasure looks for) and ``history.npz`` (the
training matrix: what to filter as consumed and explain from). ``bundle.json`` describes
the bundle; ``LATEST`` names the newest version.

Every user-indexed artifact (``users.parquet``, ``history.npz``, the models' user factors)
is addressed by *row*, so erasure never removes a row: :func:`forget_keys` blanks it
(key columns set to null, history emptied, per-user model state zeroed) and every other
user keeps their index, recommendations and explanations. The blanked row is reachable
from no key, so the erased person is served the non-personalised fallback.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import scipy.sparse as sp

from crossplay.core import clock
from crossplay.core.derived import (
    PERSON_COLUMNS,
    derived_dir,
    write_bytes,
    write_json,
    write_parquet,
)
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
        raise NotFoundError(f"no trained unit in {path}", code="recommend_no_model_unit",
                            params={"path": str(path)})
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
                            code="recommend_no_model_bundle",
                            params={"version": v, "path": str(models_dir(settings))})
    return path


# --- erasure ---------------------------------------------------------------------------------
def _history_bytes(h: sp.csr_matrix) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, data=h.data, indices=h.indices, indptr=h.indptr, shape=np.array(h.shape))
    return buf.getvalue()


def _save_model_in_place(model: Recommender, path: Path) -> None:
    """Save beside ``path`` and move each file over its old version (each move atomic)."""
    tmp = path.parent / f".{path.name}.erasing"
    shutil.rmtree(tmp, ignore_errors=True)
    model.save(tmp)
    for f in sorted(tmp.iterdir()):
        os.replace(f, path / f.name)
    shutil.rmtree(tmp, ignore_errors=True)


def blank_rows(path: Path, rows: np.ndarray) -> None:
    """Erase training rows ``rows`` of the unit in ``path`` without moving any other row.

    Order matters for a crash half-way: history and models first, the user table last,
    so until the end the keys still find the rows and a rerun of erasure finishes it.
    """
    idx = np.unique(np.asarray(rows, np.int64))
    with np.load(path / "history.npz", allow_pickle=False) as z:
        hist = sp.csr_matrix((z["data"], z["indices"], z["indptr"]),
                             shape=tuple(int(x) for x in z["shape"]))
    keep = np.ones(hist.shape[0], bool)
    keep[idx] = False
    # drop the erased rows' entries; every other row keeps its stored entries in their
    # order (explanations break ties by that order)
    counts = np.diff(hist.indptr)
    entries = np.repeat(keep, counts)
    indptr = np.concatenate([[0], np.cumsum(np.where(keep, counts, 0))]).astype(
        hist.indptr.dtype)
    hist = sp.csr_matrix((hist.data[entries], hist.indices[entries], indptr),
                         shape=hist.shape)
    write_bytes(_history_bytes(hist), path / "history.npz")
    for part in ("model", "popularity", "content"):
        if (path / part).is_dir():
            model = load_model(path / part)
            if model.forget_users(idx):
                _save_model_in_place(model, path / part)
    users = pq.read_table(path / "users.parquet")
    mask = pa.array(~keep)
    for name in users.column_names:
        if name in PERSON_COLUMNS:
            col = users.column(name)
            users = users.set_column(users.column_names.index(name), users.schema.field(name),
                                     pc.if_else(mask, pa.scalar(None, col.type), col))
    write_parquet(users, path / "users.parquet")


def forget_keys(settings: Settings, keys: frozenset[str]) -> tuple[dict[str, int], set[Path]]:
    """Blank, in every trained unit, the rows whose person columns hold one of ``keys``.

    Returns the rows blanked per unit (relative to ``derived``) and every ``users.parquet``
    this module owns (the generic row-removing erasure must leave those alone: removing
    a row would shift every later user onto the next user's factors).
    """
    root = settings.data_dir / "derived" / "recommend" / "models"
    counts: dict[str, int] = {}
    owned: set[Path] = set()
    if not root.is_dir() or not keys:
        return counts, owned
    needles = pa.array(sorted(keys), pa.string())
    for users_path in sorted(root.glob("*/*/users.parquet")):
        owned.add(users_path)
        users = pq.read_table(users_path)
        hit = np.zeros(users.num_rows, bool)
        for name in users.column_names:
            if name in PERSON_COLUMNS:
                col = users.column(name).cast(pa.string())
                hit |= pc.fill_null(pc.is_in(col, value_set=needles), False).to_numpy(
                    zero_copy_only=False)
        rows = np.flatnonzero(hit)
        if rows.size:
            blank_rows(users_path.parent, rows)
            counts[str(users_path.parent.relative_to(settings.data_dir / "derived"))] = int(
                rows.size)
    return counts, owned
