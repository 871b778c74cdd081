"""Lake schema versions and ``crossplay lake migrate``.

The manifest records the schema version of the tables it lists
(:data:`crossplay.schema.SCHEMA_VERSION` when it was written). A lake at an older version
is refused by every reader with a message naming ``crossplay lake migrate``; a lake at a
newer version by a message saying it was made by a newer crossplay (:mod:`.store`).

A migration step takes the lake from version ``v`` to ``v + 1``: it names the tables it
touches and a pure function that rewrites one Parquet file's rows. :func:`migrate` runs every
step due under the writer lock: each rewritten file is written beside its old version in a
staging directory, and one manifest replacement (write, fsync, rename) publishes all of them
together with the new version; the old files are deleted only after. A crash at any point
leaves the lake at its old version, whole (the next writer removes the staged files).

No step exists yet: version 1 is the only lake schema so far (:data:`STEPS` is empty), and
``crossplay lake migrate`` on a version-1 lake reports that nothing is due. The first change
to the stored columns adds a step here, bumps ``SCHEMA_VERSION``, and says so in
docs/operations.md.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from crossplay.core.errors import ConfigError
from crossplay.lake.store import Lake
from crossplay.schema import SCHEMA_VERSION


@dataclass(frozen=True)
class LakeStep:
    """Rewrite the files of ``tables`` from version ``from_version`` to the next one."""

    from_version: int
    tables: tuple[str, ...]
    rewrite: Callable[[str, pa.Table], pa.Table]  # (table name, rows) -> new rows
    description: str


#: the steps of this crossplay, by the version they start from (none yet: see the module doc)
STEPS: dict[int, LakeStep] = {}


@dataclass(frozen=True)
class LakeMigration:
    """What :func:`migrate` did: versions before and after, the steps run, files rewritten."""

    before: int
    after: int
    steps: list[str] = field(default_factory=list)
    files: int = 0


_VERSIONED = re.compile(r"(\.v\d+)?\.parquet$")


def rewritten_name(rel: str, version: int) -> str:
    """``.../r1-0.parquet`` -> ``.../r1-0.v2.parquet`` (beside the old file, never over it)."""
    return _VERSIONED.sub(f".v{version}.parquet", rel)


def migrate(lake: Lake, *, steps: Mapping[int, LakeStep] | None = None,
            target: int = SCHEMA_VERSION) -> LakeMigration:
    """Bring the lake to ``target`` (this crossplay's schema version) atomically."""
    chosen = STEPS if steps is None else steps
    reader = Lake(lake.root, accept_older=True)
    with reader.lock():
        manifest = reader.read_manifest()
        before = manifest.schema_version
        if before > target:
            raise ConfigError(
                f"the lake at {lake.root} has schema version {before}; this crossplay reads up "
                f"to {target}: it was made by a newer crossplay. Install that version or newer",
                code="lake_too_new",
                params={"lake": str(lake.root), "supported": target, "version": before})
        if before == target:
            return LakeMigration(before, target)
        reader.remove_leftovers()
        base = reader.new_staging(f"migrate-{uuid.uuid4().hex[:12]}")
        swaps: list[tuple[str, str, str]] = []
        done: list[str] = []
        current = {t: list(rels) for t, rels in manifest.tables.items()}
        for version in range(before, target):
            step = chosen.get(version)
            if step is None:
                raise ConfigError(
                    f"this crossplay has no lake migration from schema version {version} to "
                    f"{version + 1}: install the crossplay that made the lake, then upgrade "
                    "step by step", code="lake_no_step",
                    params={"from": version, "to": version + 1})
            for table in step.tables:
                for i, rel in enumerate(current.get(table, [])):
                    new_rel = rewritten_name(rel, version + 1)
                    _rewrite_file(reader, base, table, rel, new_rel, version + 1, step)
                    original = next((s for s in swaps if s[2] == rel), None)
                    if original is not None:  # rewritten by an earlier step of this run
                        swaps.remove(original)
                        (base / rel).unlink()
                        rel = original[1]
                    swaps.append((table, rel, new_rel))
                    current[table][i] = new_rel
            done.append(f"{version}->{version + 1}: {step.description}")
        reader.replace(base, swaps, schema_version=target)
        shutil.rmtree(base, ignore_errors=True)
        return LakeMigration(before, target, done, len(swaps))


def _rewrite_file(lake: Lake, base: Path, table: str, rel: str, new_rel: str,
                  version: int, step: LakeStep) -> None:
    source = (base / rel) if (base / rel).is_file() else lake.root / rel
    rows = step.rewrite(table, pq.read_table(source))
    meta = dict(rows.schema.metadata or {})
    meta[b"crossplay.schema_version"] = str(version).encode()
    out = base / new_rel
    out.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(rows.replace_schema_metadata(meta), out)
