"""Files, manifest and commit protocol of the lake.

Layout under ``<data_dir>/lake``::

    _manifest.json                       the committed state (the only source of truth)
    _manifest.backup.json                a copy of it, written after each publish
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

After each publish the same bytes go (the same way) to ``_manifest.backup.json``: the last
committed manifest, or after a crash between the two writes the one before it — either a
committed state. A manifest that cannot be read (truncated, not JSON, the wrong shape, a
path outside its table), a missing one beside a backup, or one that lists files which do
not exist is a :class:`~crossplay.core.errors.ConfigError` that says what is wrong and what
to do, never a traceback, and no writer proceeds past it (a writer that took a broken
manifest for an empty one would delete every file as left over). :meth:`Lake.recover`
restores the backup when it is intact, or drops missing files on request. Rewrites in place
(erasure, key rotation: :meth:`Lake.replace`; an ingest that corrects rows:
:meth:`Lake.commit` with swaps) remove the backup before they publish, so no copy ever lists
the files they removed.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from crossplay.core import clock
from crossplay.core.errors import ConfigError
from crossplay.lake.manifest import Manifest, ManifestShapeError, RunRecord
from crossplay.schema import SCHEMA_VERSION

MANIFEST = "_manifest.json"
BACKUP = "_manifest.backup.json"


@dataclass(frozen=True)
class Recovery:
    """What :meth:`Lake.recover` did: ``none`` (nothing was wrong), ``backup`` (restored
    the backup copy) or ``dropped`` (published the manifest without its missing files).
    ``lost_runs`` are runs of the broken manifest the published one lacks (None when it
    could not be read), ``dropped`` the files taken out; ``kept_aside`` names the copy of
    the broken manifest left beside it."""

    action: Literal["none", "backup", "dropped"]
    files: int
    runs: int
    lost_runs: list[str] | None = None
    dropped: list[str] = field(default_factory=list)
    kept_aside: str | None = None


def fsync_dir(path: Path) -> None:
    """Make a directory's entries (a rename, a new file) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_durably(path: Path, data: bytes) -> None:
    """Write ``path`` atomically: a temporary sibling, fsync, rename (the caller fsyncs the
    directory)."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class Lake:
    """The lake under ``root`` (``<data_dir>/lake``).

    A lake whose manifest is at an older schema version than this crossplay's is refused
    (``crossplay lake migrate`` brings it up to date) unless ``accept_older`` — which only
    :func:`crossplay.lake.migrate.migrate` sets."""

    def __init__(self, root: Path, *, accept_older: bool = False) -> None:
        self.root = root
        self.accept_older = accept_older

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    @property
    def backup_path(self) -> Path:
        return self.root / BACKUP

    @property
    def staging_root(self) -> Path:
        return self.root / "_staging"

    def read_manifest(self) -> Manifest:
        """The committed manifest (empty for a new lake); a ConfigError when it is broken."""
        return self._read_checked()[1]

    def _read_checked(self) -> tuple[bytes, Manifest]:
        try:
            raw = self.manifest_path.read_bytes()
        except FileNotFoundError:
            if self.backup_path.is_file():
                raise ConfigError(
                    f"the lake manifest {self.manifest_path} is missing, but the lake has "
                    "committed before: run `crossplay lake recover` to restore its backup "
                    "copy (do not ingest first: a writer would treat every file as left "
                    "over)", code="lake_manifest_missing",
                    params={"path": str(self.manifest_path)}) from None
            return b"", Manifest()
        except OSError as exc:
            raise ConfigError(f"cannot read the lake manifest {self.manifest_path}: {exc}",
                              code="lake_manifest_unreadable",
                              params={"path": str(self.manifest_path),
                                      "reason": str(exc)}) from None
        try:
            manifest = Manifest.from_json(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise self._corrupt("not UTF-8 text") from None
        except ManifestShapeError as exc:
            raise self._corrupt(str(exc)) from None
        if manifest.schema_version > SCHEMA_VERSION:
            raise ConfigError(
                f"the lake at {self.root} has schema version {manifest.schema_version}; "
                f"this crossplay reads up to {SCHEMA_VERSION}: it was made by a newer "
                "crossplay. Install that version or newer",
                code="lake_too_new", params={"lake": str(self.root), "supported": SCHEMA_VERSION,
                                             "version": manifest.schema_version})
        if manifest.schema_version < SCHEMA_VERSION and not self.accept_older:
            raise ConfigError(
                f"the lake at {self.root} has schema version {manifest.schema_version}; this "
                f"crossplay needs {SCHEMA_VERSION}: run `crossplay lake migrate` (it rewrites "
                "the affected files atomically; back the data directory up first)",
                code="lake_outdated", params={"lake": str(self.root), "needed": SCHEMA_VERSION,
                                              "version": manifest.schema_version})
        return raw, manifest

    def _corrupt(self, reason: str) -> ConfigError:
        backup = self._backup_if_intact()
        path = str(self.manifest_path)
        if backup is not None:
            files, runs = _count(backup), len(backup.runs)
            return ConfigError(
                f"the lake manifest {self.manifest_path} is corrupt ({reason}). Its backup "
                f"copy is intact ({files} files, {runs} runs): run "
                "`crossplay lake recover` to restore it", code="lake_manifest_corrupt",
                params={"path": path, "reason": reason, "files": files, "runs": runs})
        return ConfigError(
            f"the lake manifest {self.manifest_path} is corrupt ({reason}) and there is no "
            f"intact backup copy: restore {MANIFEST} from a backup of the data directory, or "
            f"move {self.root} aside and ingest every export again (`crossplay ingest` is "
            "idempotent)", code="lake_manifest_lost",
            params={"path": path, "reason": reason, "manifest": MANIFEST,
                    "lake": str(self.root)})

    def _backup_if_intact(self) -> Manifest | None:
        """The backup copy when it parses and every file it lists exists."""
        try:
            backup = Manifest.from_json(self.backup_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ManifestShapeError):
            return None
        if backup.schema_version > SCHEMA_VERSION or self._missing(backup):
            return None
        return backup

    def _missing(self, manifest: Manifest, table: str | None = None,
                 partner: str | None = None) -> list[str]:
        return [r for r in self._rels(manifest, table, partner)
                if not (self.root / r).is_file()]

    @staticmethod
    def _rels(manifest: Manifest, table: str | None, partner: str | None) -> list[str]:
        rels = ([r for v in manifest.tables.values() for r in v] if table is None
                else manifest.tables.get(table, []))
        if partner is not None:
            rels = [r for r in rels if f"/partner={partner}/" in f"/{r}"]
        return rels

    def files(self, table: str, partner: str | None = None) -> list[Path]:
        """Committed Parquet files of ``table`` (optionally one partner's).

        A listed file that does not exist is a ConfigError (``lake_file_missing``) unless
        a writer published a new manifest meanwhile (then the new one is read)."""
        for _attempt in range(3):
            raw, manifest = self._read_checked()
            missing = self._missing(manifest, table, partner)
            if not missing:
                return [self.root / r for r in self._rels(manifest, table, partner)]
            if self._read_checked()[0] == raw:
                break
        raise ConfigError(
            f"the lake manifest lists {len(missing)} file(s) that do not exist (first: "
            f"{missing[0]}): files were removed outside crossplay. Restore them from a backup "
            "of the data directory, or run `crossplay lake recover --drop-missing` to publish "
            "the manifest without them, then ingest the affected exports again (ingest is "
            "idempotent)", code="lake_file_missing",
            params={"n": len(missing), "first": missing[0]})

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

    def commit(self, base: Path, added: dict[str, list[Path]], run: RunRecord | None,
               swaps: Sequence[tuple[str, str, str]] = ()) -> None:
        """Move ``added`` staged files into place and publish them (call under ``lock``).

        ``added`` maps a table to files under ``base`` whose path relative to ``base`` is
        their place in the lake, e.g. ``base/events/partner=k/platform=x/date=d/f.parquet``.
        ``swaps`` (as in :meth:`replace`) rewrite committed files in the same publish: an
        ingest that corrects rows adds the new versions and drops the old ones at once.
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
        self._swap(base, manifest, swaps)
        if run is not None:
            manifest.runs.append(run)
        self._publish(manifest, drop_backup=bool(swaps))
        for _table, old, _added in swaps:
            (self.root / old).unlink(missing_ok=True)

    def replace(self, base: Path, swaps: Sequence[tuple[str, str, str]], *,
                schema_version: int | None = None) -> None:
        """Swap committed files for staged rewrites in one manifest replacement (call
        under ``lock``); used by erasure, key rotation and ``crossplay lake migrate`` (which
        publishes the new ``schema_version`` with its rewrites).

        Each swap is ``(table, old rel, new rel)``: the staged ``base/<new rel>`` moves
        into place and takes the old file's slot in the manifest; an empty new rel drops
        the old file. Old files are deleted only after the new manifest is published; the
        backup is removed before it (no copy may list the old files).
        """
        if not swaps and schema_version is None:
            return
        manifest = self.read_manifest()
        if schema_version is not None:
            manifest.schema_version = schema_version
        self._swap(base, manifest, swaps)
        self._publish(manifest, drop_backup=True)
        for _table, old, _added in swaps:
            (self.root / old).unlink(missing_ok=True)

    def _swap(self, base: Path, manifest: Manifest,
              swaps: Sequence[tuple[str, str, str]]) -> None:
        """Move the staged rewrites into place and give them their old files' slots in
        ``manifest`` (not yet published; the old files stay until it is)."""
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

    def recover(self, *, drop_missing: bool = False) -> Recovery:
        """Repair a broken manifest (takes the writer lock).

        An unreadable or missing manifest, or one listing files that do not exist, is
        replaced by the backup copy when that is intact; with ``drop_missing`` a readable
        manifest is instead published without its missing files. A copy of the broken
        manifest stays beside it as ``_manifest.broken-<time>.json``. Raises ConfigError
        when neither is possible.
        """
        with self.lock():
            current: Manifest | None = None
            try:
                current = self.read_manifest()
            except ConfigError as exc:
                if exc.code not in _BROKEN:
                    raise
            missing = self._missing(current) if current is not None else []
            if current is not None and not missing:
                return Recovery("none", _count(current), len(current.runs))
            if current is not None and drop_missing:
                gone = set(missing)
                for table, rels in current.tables.items():
                    current.tables[table] = [r for r in rels if r not in gone]
                aside = self._copy_aside()
                self._publish(current, drop_backup=True)
                return Recovery("dropped", _count(current), len(current.runs),
                                lost_runs=[], dropped=missing, kept_aside=aside)
            backup = self._backup_if_intact()
            if backup is None and current is not None:
                raise ConfigError(
                    f"the backup copy {self.backup_path} is missing, unreadable or lists "
                    "missing files, so it cannot replace the manifest: run `crossplay lake "
                    "recover --drop-missing` to keep every other file, or restore the "
                    "missing files from a backup", code="lake_files_unrecoverable",
                    params={"path": str(self.backup_path)})
            if backup is None:
                raise ConfigError(
                    f"the backup copy {self.backup_path} is missing, unreadable or lists "
                    "missing files, so it cannot replace the manifest: "
                    f"restore {MANIFEST} from a backup of the data directory, or move "
                    f"{self.root} aside and ingest every export again",
                    code="lake_unrecoverable",
                    params={"path": str(self.backup_path), "manifest": MANIFEST,
                            "lake": str(self.root)})
            known = {r.run_id for r in backup.runs}
            lost = ([r.run_id for r in current.runs if r.run_id not in known]
                    if current is not None else None)
            aside = self._copy_aside()
            self._publish(backup)
            return Recovery("backup", _count(backup), len(backup.runs),
                            lost_runs=lost, kept_aside=aside)

    def _copy_aside(self) -> str | None:
        """Copy the broken manifest to ``_manifest.broken-<time>.json`` (for a post-mortem)."""
        if not self.manifest_path.is_file():
            return None
        aside = self.root / f"_manifest.broken-{clock.now().strftime('%Y%m%dT%H%M%S%f')}.json"
        _write_durably(aside, self.manifest_path.read_bytes())
        return aside.name

    def _publish(self, manifest: Manifest, *, drop_backup: bool = False) -> None:
        """Replace the manifest atomically (write, fsync, rename, fsync dir), then its backup.

        ``drop_backup`` removes the backup first (for rewrites that delete files): a crash
        in between leaves the committed manifest and no backup, never a backup that lists
        deleted files.
        """
        text = manifest.to_json().encode("utf-8")
        if drop_backup:
            self.backup_path.unlink(missing_ok=True)
        _write_durably(self.manifest_path, text)
        fsync_dir(self.root)
        _write_durably(self.backup_path, text)
        fsync_dir(self.root)


_BROKEN = ("lake_manifest_corrupt", "lake_manifest_lost", "lake_manifest_missing")


def _count(manifest: Manifest) -> int:
    return sum(len(v) for v in manifest.tables.values())
