"""Lake compaction: many small files of one partition (many small ingests, the live API's
frequent commits) become fewer large ones, atomically.

Under the writer lock, each partition directory's small files (below ``small_bytes``) are
grouped in manifest order until a group reaches ``target_bytes``; every group of two or more
files is rewritten as one file beside them (``c<id>.parquet``), and one manifest replacement
publishes all the new files in place of the old ones, which are deleted only after it (the
protocol of :meth:`crossplay.lake.store.Lake.replace`: a crash leaves the lake as it was).
Rows are kept as they are, in the same order; a partition's files whose columns cannot be
combined are left alone and reported. The quarantine is not compacted (one file per run,
looked up by its run). Running it again right away finds at most one small file per
partition and changes nothing.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import pyarrow as pa
import pyarrow.parquet as pq

from crossplay.lake.store import Lake
from crossplay.schema import SCHEMA_VERSION

#: the tables compaction rewrites (not the quarantine)
COMPACTED = ("events", "items", "social_edges", "consents", "links")
SMALL_BYTES = 32 * 1024 * 1024
TARGET_BYTES = 128 * 1024 * 1024


@dataclass(frozen=True)
class Compaction:
    """What :func:`compact` did: files before and after in the partitions it rewrote."""

    partitions: int = 0
    files_before: int = 0
    files_after: int = 0
    rows: int = 0
    skipped: list[str] = field(default_factory=list)


def plan_groups(files: list[tuple[str, int]], *, small_bytes: int = SMALL_BYTES,
                target_bytes: int = TARGET_BYTES) -> list[list[str]]:
    """Pure: which files of one partition (``(rel, size)`` in manifest order) to merge.

    Small files are grouped in order until a group reaches ``target_bytes``; groups of one
    file are left alone."""
    groups: list[list[str]] = []
    current: list[str] = []
    size = 0
    for rel, nbytes in files:
        if nbytes >= small_bytes:
            continue
        current.append(rel)
        size += nbytes
        if size >= target_bytes:
            groups.append(current)
            current, size = [], 0
    groups.append(current)
    return [g for g in groups if len(g) >= 2]


def compact(lake: Lake, *, small_bytes: int = SMALL_BYTES,
            target_bytes: int = TARGET_BYTES) -> Compaction:
    """Merge each partition's small files (see the module doc); returns what changed."""
    with lake.lock():
        manifest = lake.read_manifest()
        by_dir: dict[tuple[str, str], list[tuple[str, int]]] = {}
        for table in COMPACTED:
            for rel in manifest.tables.get(table, []):
                parent = str(PurePosixPath(rel).parent)
                by_dir.setdefault((table, parent), []).append(
                    (rel, (lake.root / rel).stat().st_size))
        plans = [(table, parent, group) for (table, parent), files in by_dir.items()
                 for group in plan_groups(files, small_bytes=small_bytes,
                                          target_bytes=target_bytes)]
        if not plans:
            return Compaction()
        lake.remove_leftovers()
        base = lake.new_staging(f"compact-{uuid.uuid4().hex[:12]}")
        swaps: list[tuple[str, str, str]] = []
        partitions: set[tuple[str, str]] = set()
        skipped: list[str] = []
        before = after = rows = 0
        try:
            for table, parent, group in plans:
                try:
                    merged = pa.concat_tables([pq.ParquetFile(lake.root / r).read()
                                               for r in group], promote_options="default")
                except (pa.ArrowInvalid, pa.ArrowTypeError):
                    skipped.append(parent)
                    continue
                new_rel = f"{parent}/c{uuid.uuid4().hex[:16]}.parquet"
                meta = dict(merged.schema.metadata or {})
                meta.pop(b"crossplay.run_id", None)
                meta[b"crossplay.schema_version"] = str(SCHEMA_VERSION).encode()
                meta[b"crossplay.compacted_from"] = str(len(group)).encode()
                out = base / new_rel
                out.parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(merged.replace_schema_metadata(meta), out)
                swaps.append((table, group[0], new_rel))
                swaps.extend((table, rel, "") for rel in group[1:])
                partitions.add((table, parent))
                before, after, rows = before + len(group), after + 1, rows + merged.num_rows
            lake.replace(base, swaps)
        finally:
            shutil.rmtree(base, ignore_errors=True)
        return Compaction(len(partitions), before, after, rows, skipped)
