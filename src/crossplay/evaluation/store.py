"""Imported benchmarks on disk: ``<data_dir>/derived/benchmarks/<name>/``.

Benchmark data is public research data, not partner data: it never enters the lake. Each
benchmark is ``rows.parquet`` (the canonical rows of ``formats``, in file order) and
``meta.json`` (format, source path, counts, import time, and how the rows were read:
chosen columns, filters, the weight transform, the user overlap and its warnings); runs are
saved beside them in ``runs/``.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from crossplay.core import clock
from crossplay.core.derived import derived_dir, write_json, write_parquet
from crossplay.core.errors import ConfigError, NotFoundError
from crossplay.core.settings import Settings
from crossplay.evaluation.formats import COLUMNS

AREA = "benchmarks"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_SCHEMA = pa.schema([("user", pa.string()), ("item", pa.string()),
                     ("rating", pa.float64()), ("timestamp", pa.int64()),
                     ("domain", pa.string()), ("split", pa.string())])


@dataclass(frozen=True)
class Benchmark:
    """An imported benchmark: its rows and what ``meta.json`` says about them."""

    name: str
    rows: pd.DataFrame
    meta: dict[str, Any]


def check_name(name: str) -> str:
    if not _NAME_RE.match(name):
        raise ConfigError(f"benchmark name {name!r}: use letters, digits, '_', '-' or '.' "
                          "(at most 64, starting with a letter or digit)",
                          code="bench_name", params={"name": name})
    return name


def bench_dir(settings: Settings, name: str) -> Path:
    return derived_dir(settings, AREA) / check_name(name)


def summary(rows: pd.DataFrame) -> dict[str, Any]:
    """Counts a person checks an import against (rows, users, items, per domain/split)."""
    per: dict[str, dict[str, int]] = {}
    sizes = rows.groupby(["domain", "split"]).size()
    for (d, s), n in zip(sizes.index.tolist(), sizes.tolist(), strict=True):
        per.setdefault(str(d), {})[str(s) or "all"] = int(n)
    return {"rows": len(rows), "users": int(rows["user"].nunique()),
            "items": int(rows[["domain", "item"]].drop_duplicates().shape[0]),
            "domains": sorted(str(d) for d in rows["domain"].unique()),
            "has_rating": bool(rows["rating"].notna().any()),
            "has_timestamp": bool(rows["timestamp"].notna().any()),
            "provided_split": bool((rows["split"] != "").any()),
            "by_domain_split": per}


def check_free(settings: Settings, name: str, replace: bool = False) -> None:
    """Refuse a name already imported unless ``replace``."""
    if (bench_dir(settings, name) / "meta.json").exists() and not replace:
        raise ConfigError(f"benchmark {name!r} exists: choose another --name or pass "
                          "--replace", code="bench_exists", params={"name": name})


def save(settings: Settings, name: str, rows: pd.DataFrame, *, fmt: str, source: Path,
         replace: bool = False, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Store ``rows`` under ``name``; refuses to overwrite unless ``replace``. ``extra``
    (how the rows were read: columns, filter counts, weight, overlap, warnings) is kept
    in ``meta.json``."""
    out = bench_dir(settings, name)
    check_free(settings, name, replace)
    table = pa.Table.from_pandas(rows[list(COLUMNS)], schema=_SCHEMA, preserve_index=False)
    write_parquet(table, out / "rows.parquet")
    meta = {"name": name, "format": fmt, "source": str(source.resolve()),
            "imported_at": clock.now().isoformat(timespec="seconds"),
            **summary(rows), **(extra or {})}
    write_json(meta, out / "meta.json")
    return meta


def load(settings: Settings, name: str) -> Benchmark:
    out = derived_dir(settings, AREA) / check_name(name)
    if not (out / "meta.json").is_file():
        known = ", ".join(m["name"] for m in list_benchmarks(settings)) or "none yet"
        raise NotFoundError(f"no benchmark {name!r} (imported: {known}); run `crossplay "
                            "bench import PATH --format ... --name NAME`",
                            code="bench_not_found", params={"name": name, "known": known})
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    rows = pq.read_table(out / "rows.parquet").to_pandas()
    rows["timestamp"] = rows["timestamp"].astype("Int64")
    return Benchmark(name=name, rows=rows, meta=meta)


def list_benchmarks(settings: Settings) -> list[dict[str, Any]]:
    base = settings.data_dir / "derived" / AREA
    if not base.is_dir():
        return []
    out = []
    for d in sorted(base.iterdir()):
        meta = d / "meta.json"
        if meta.is_file():
            out.append(json.loads(meta.read_text(encoding="utf-8")))
    return out


def remove(settings: Settings, name: str) -> None:
    out = derived_dir(settings, AREA) / check_name(name)
    if not (out / "meta.json").is_file():
        raise NotFoundError(f"no benchmark {name!r}", code="bench_remove_unknown",
                            params={"name": name})
    shutil.rmtree(out)


def save_run(settings: Settings, name: str, data: dict[str, Any]) -> Path:
    stamp = clock.now().strftime("%Y%m%dT%H%M%S%f")
    return write_json(data, bench_dir(settings, name) / "runs" / f"run-{stamp}.json")
