"""Saved audiences and the export log, in the derived store (``derived/marketing/``).

- ``audiences/<name>/v0001.json`` — the definition of version 1 (expression, exclusions,
  who built it, when, the lake's as-of time, size at build); no person key in it;
- ``audiences/<name>/v0001.parquet`` — its members: ``person_id``, ``k_user_key``,
  ``g_user_key`` (the reserved person columns, so erasure and key rotation rewrite it);
- ``exports/<time>-<random>.parquet`` — one file per export: ``person_id``, ``partner``,
  ``audience``, ``version``, ``exported_at`` (what recency exclusions and frequency caps
  count; person-level, so erasure and rotation reach it too).

A version is claimed with a hard link (fails if the name exists), so two builders at once
get versions N and N+1, never one overwriting the other; a version exists once its JSON
does (its Parquet is linked first).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from crossplay.core import clock
from crossplay.core.derived import derived_dir, write_parquet
from crossplay.core.errors import ConfigError, NotFoundError
from crossplay.core.settings import Settings

AREA = "marketing"
_NAME = re.compile(r"^[^\W_][\w-]{0,63}$")
_VERSION = re.compile(r"^v(\d{4,})\.json$")
EXPORT_SCHEMA = pa.schema([("person_id", pa.string()), ("partner", pa.string()),
                           ("audience", pa.string()), ("version", pa.int64()),
                           ("exported_at", pa.timestamp("us", tz="UTC"))])


def check_name(name: str) -> str:
    """An audience name: letters (Chinese included), digits, ``_`` and ``-``, 1-64."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(f"bad audience name {name!r}: use 1-64 letters, digits, '_' or "
                          "'-', starting with a letter or digit", code="audience_bad_name",
                          params={"name": name})
    return name


def audiences_dir(settings: Settings) -> Path:
    return derived_dir(settings, AREA) / "audiences"


def _dir(settings: Settings, name: str) -> Path:
    return audiences_dir(settings) / check_name(name)


def versions(settings: Settings, name: str) -> list[int]:
    d = _dir(settings, name)
    if not d.is_dir():
        return []
    return sorted(int(m.group(1)) for p in d.iterdir() if (m := _VERSION.match(p.name)))


def names(settings: Settings) -> list[str]:
    root = audiences_dir(settings)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and _NAME.match(p.name)
                  and versions(settings, p.name))


def _link_new(data: bytes, path: Path) -> bool:
    """Create ``path`` with ``data`` only if it does not exist (atomic); False if it did."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        Path(tmp).unlink(missing_ok=True)


def save_version(settings: Settings, name: str, definition: dict[str, Any],
                 members: pa.Table) -> int:
    """Store ``definition`` and ``members`` as the next version of ``name``; its number."""
    d = _dir(settings, name)
    d.mkdir(parents=True, exist_ok=True)
    sink = pa.BufferOutputStream()
    pq.write_table(members, sink, compression="zstd")
    parquet = sink.getvalue().to_pybytes()
    n = (versions(settings, name) or [0])[-1] + 1
    while True:
        if _link_new(parquet, d / f"v{n:04d}.parquet"):
            body = {**definition, "name": name, "version": n}
            text = json.dumps(body, ensure_ascii=False, indent=2, default=str) + "\n"
            if _link_new(text.encode("utf-8"), d / f"v{n:04d}.json"):
                return n
        n += 1


def load_version(settings: Settings, name: str,
                 version: int | None = None) -> tuple[dict[str, Any], pa.Table]:
    """The definition and members of ``version`` (default: the newest) of ``name``."""
    have = versions(settings, name)
    if not have:
        raise NotFoundError(f"no audience named {name!r}: build it with `crossplay audience "
                            "build NAME --where EXPR`", code="audience_not_found",
                            params={"name": name})
    v = have[-1] if version is None else version
    if v not in have:
        raise NotFoundError(f"audience {name!r} has no version {v}; it has 1..{have[-1]}",
                            code="audience_no_version",
                            params={"name": name, "version": v, "last": have[-1]})
    d = _dir(settings, name)
    definition = json.loads((d / f"v{v:04d}.json").read_text(encoding="utf-8"))
    return definition, pq.read_table(d / f"v{v:04d}.parquet")


def log_export(settings: Settings, person_ids: list[str], *, partner: str, audience: str,
               version: int, at: datetime) -> Path:
    """Append one export's people to the export log (a new file; nothing is rewritten)."""
    n = len(person_ids)
    table = pa.table({"person_id": pa.array(person_ids, pa.string()),
                      "partner": pa.array([partner] * n, pa.string()),
                      "audience": pa.array([audience] * n, pa.string()),
                      "version": pa.array([version] * n, pa.int64()),
                      "exported_at": pa.array([at] * n, pa.timestamp("us", tz="UTC"))},
                     schema=EXPORT_SCHEMA)
    stamp = clock.now().strftime("%Y%m%dT%H%M%S%f")
    path = derived_dir(settings, AREA) / "exports" / f"{stamp}-{secrets.token_hex(4)}.parquet"
    return write_parquet(table, path)


def export_log(settings: Settings) -> pa.Table:
    """Every logged export row (empty table when none)."""
    root = derived_dir(settings, AREA) / "exports"
    files = sorted(root.glob("*.parquet")) if root.is_dir() else []
    if not files:
        return EXPORT_SCHEMA.empty_table()
    return pa.concat_tables([pq.read_table(f).cast(EXPORT_SCHEMA) for f in files])


@dataclass(frozen=True)
class Size:
    """A count shown under the k-threshold: below k it is "< k", never the number."""

    n: int
    k: int

    @property
    def below_k(self) -> bool:
        return self.n < self.k

    @property
    def shown(self) -> str:
        return f"< {self.k}" if self.below_k else str(self.n)

    def as_json(self) -> int | str:
        return self.shown if self.below_k else self.n
