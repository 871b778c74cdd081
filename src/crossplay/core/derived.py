"""Derived data: results that features compute from the lake and keep on disk.

Recommendations, profiles, segments, rules, model artifacts and reports live under
``<data_dir>/derived/<area>/``. Anything person-level there is Parquet whose person columns
use the reserved names below, so key rotation and erasure can find and rewrite them
without knowing the feature:

- ``user_key`` together with a ``partner`` column (knowledge or game);
- ``k_user_key`` (a knowledge key) and ``g_user_key`` (a game key);
- ``person_id`` (a linked person).

Files are replaced atomically (written beside, then renamed), so a reader never sees half.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from crossplay.core.settings import Settings

#: column names that hold person keys in derived Parquet files
PERSON_COLUMNS: tuple[str, ...] = ("user_key", "k_user_key", "g_user_key", "person_id")


def derived_dir(settings: Settings, area: str) -> Path:
    """``<data_dir>/derived/<area>`` (created)."""
    path = settings.data_dir / "derived" / area
    path.mkdir(parents=True, exist_ok=True)
    return path


def _replace(path: Path, write: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_parquet(table: pa.Table, path: Path) -> Path:
    """Write ``table`` to ``path`` atomically (zstd)."""
    _replace(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))
    return path


def write_bytes(data: bytes, path: Path) -> Path:
    """Write ``data`` to ``path`` atomically (e.g. a pickled model artifact)."""
    _replace(path, lambda tmp: tmp.write_bytes(data))
    return path


def write_json(data: Any, path: Path) -> Path:
    """Write ``data`` as UTF-8 JSON (non-ASCII kept readable) to ``path`` atomically."""
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    _replace(path, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))
    return path
