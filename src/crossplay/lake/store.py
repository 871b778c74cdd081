"""Files, manifest and commit protocol of the lake.

Layout under ``<data_dir>/lake``::

    _manifest.json                       the committed state (the only source of truth)
    .lock                                held (flock) by the one process writing
    _staging/<run_id>/                   a run's work in progress
    events/partner=P/platform=X/date=D/r<run_id>-<n>.parquet
    items/partner=P/..., social_edges/..., consents/..., links/...
    quarantine/partner=P/r<run_id>.parquet

A run writes everything under its staging directory, moves the finished files into
place, then replaces ``_manifest.json`` atomically (write, fsync, rename, fsync dir).
Readers only ever read files the manifest lists, so a crash at any point — ``kill -9``
included — leaves the lake exactly as the last committed manifest describes it; files
a dead run left behind are removed by the next writer.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crossplay.core.errors import ConfigError
from crossplay.schema import SCHEMA_VERSION

MANIFEST = "_manifest.json"
LAKE_FORMAT = 1


@dataclass(frozen=True)
class RunRecord:
    """What one ingest run did (kept in the manifest)."""

    run_id: str
    partner: str
    table: str
    sources: list[str]
    started_at: str
    finished_at: str
    read: int
    accepted: int
    duplicates: int
    already_ingested: int
    quarantined: int
    quarantined_by_reason: dict[str, int]
    seconds: float


@dataclass
class Manifest:
    schema_version: int = SCHEMA_VERSION
    format: int = LAKE_FORMAT
    tables: dict[str, list[str]] = field(default_factory=dict)
    runs: list[RunRecord] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data: dict[str, Any] = json.loads(text)
        return cls(
            schema_version=int(data.get("schema_version", SCHEMA_VERSION)),
            format=int(data.get("format", LAKE_FORMAT)),
            tables={k: list(v) for k, v in data.get("tables", {}).items()},
            runs=[RunRecord(**r) for r in data.get("runs", [])],
        )


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Lake:
    """The lake under ``root`` (``<data_dir>/lake``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    @property
    def staging_root(self) -> Path:
        return self.root / "_staging"

    def read_manifest(self) -> Manifest:
        try:
            text = self.manifest_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return Manifest()
        manifest = Manifest.from_json(text)
        if manifest.schema_version > SCHEMA_VERSION:
            raise ConfigError(
                f"the lake at {self.root} has schema version {manifest.schema_version}; "
                f"this crossplay reads up to {SCHEMA_VERSION}: upgrade crossplay")
        return manifest

    def files(self, table: str, partner: str | None = None) -> list[Path]:
        """Committed Parquet files of ``table`` (optionally one partner's)."""
        rels = self.read_manifest().tables.get(table, [])
        if partner is not None:
            rels = [r for r in rels if f"/partner={partner}/" in f"/{r}"]
        return [self.root / r for r in rels]

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Exclusive writer lock; released by the OS even when the process is killed."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("a+") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def new_staging(self, run_id: str) -> Path:
        path = self.staging_root / run_id
        path.mkdir(parents=True, exist_ok=False)
        return path

    def remove_leftovers(self) -> int:
        """Delete staging dirs and files no manifest lists (call under ``lock``)."""
        removed = 0
        if self.staging_root.exists():
            for child in self.staging_root.iterdir():
                shutil.rmtree(child, ignore_errors=True)
                removed += 1
        listed = {self.root / r for rels in self.read_manifest().tables.values() for r in rels}
        for table_dir in self.root.iterdir() if self.root.exists() else []:
            if not table_dir.is_dir() or table_dir.name.startswith(("_", ".")):
                continue
            for path in table_dir.rglob("*.parquet"):
                if path not in listed:
                    path.unlink()
                    removed += 1
        return removed

    def commit(self, base: Path, added: dict[str, list[Path]], run: RunRecord | None) -> None:
        """Move ``added`` staged files into place and publish them (call under ``lock``).

        ``added`` maps a table to files under ``base`` whose path relative to ``base`` is
        their place in the lake, e.g. ``base/events/partner=k/platform=x/date=d/f.parquet``.
        """
        manifest = self.read_manifest()
        for table, paths in added.items():
            rels = manifest.tables.setdefault(table, [])
            for staged in paths:
                rel = staged.relative_to(base)
                target = self.root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged, target)
                rels.append(rel.as_posix())
        if run is not None:
            manifest.runs.append(run)
        self._publish(manifest)

    def replace(self, base: Path, swaps: Sequence[tuple[str, str, str]]) -> None:
        """Swap committed files for staged rewrites in one manifest replacement (call
        under ``lock``); used by erasure and key rotation.

        Each swap is ``(table, old rel, new rel)``: the staged ``base/<new rel>`` moves
        into place and takes the old file's slot in the manifest; an empty new rel drops
        the old file. Old files are deleted only after the new manifest is published.
        """
        if not swaps:
            return
        manifest = self.read_manifest()
        for _table, _old, added in swaps:
            if added:
                target = self.root / added
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(base / added, target)
        for table, old, added in swaps:
            listed = manifest.tables[table]
            idx = listed.index(old)
            if added:
                listed[idx] = added
            else:
                del listed[idx]
        self._publish(manifest)
        for _table, old, _added in swaps:
            (self.root / old).unlink(missing_ok=True)

    def _publish(self, manifest: Manifest) -> None:
        """Replace the manifest atomically (write, fsync, rename, fsync dir)."""
        tmp = self.root / (MANIFEST + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(manifest.to_json())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.manifest_path)
        _fsync_dir(self.root)
