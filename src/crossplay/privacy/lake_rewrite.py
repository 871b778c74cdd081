"""Rewrite committed lake files in place, atomically (erasure and key rotation).

Follows the lake's commit protocol (:mod:`crossplay.lake.store`): under the writer lock,
new files are written to a staging directory and moved beside the old ones under new
names, then one atomic manifest replacement swaps old for new, and only then are the old
files deleted. A crash at any point leaves the last committed manifest intact; files it
does not list are removed by the next writer (``Lake.remove_leftovers``).

(``crossplay.lake.Lake`` has no "replace files" operation yet; this module uses its
public lock / manifest / staging pieces. It belongs there eventually.)
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from crossplay.lake import Lake
from crossplay.lake.store import MANIFEST

#: ``(table name, file path relative to the lake, data)`` -> the rewritten data, or None
#: when the file needs no change
Rewrite = Callable[[str, str, pa.Table], pa.Table | None]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def rewrite_lake(lake: Lake, rewrite: Rewrite, tables: set[str] | None = None) -> dict[str, int]:
    """Apply ``rewrite`` to every committed file; returns rows changed per table (the
    difference in rows, or for same-size rewrites the number of files rewritten)."""
    changed: dict[str, int] = {}
    with lake.lock():
        lake.remove_leftovers()
        manifest = lake.read_manifest()
        run_id = "rw" + secrets.token_hex(6)
        staging = lake.new_staging(run_id)
        swaps: list[tuple[str, str, str]] = []  # table, old rel, new rel
        try:
            for table, rels in manifest.tables.items():
                if tables is not None and table not in tables:
                    continue
                for i, rel in enumerate(rels):
                    path = lake.root / rel
                    data = pq.read_table(path)
                    new = rewrite(table, rel, data)
                    if new is None:
                        continue
                    changed[table] = changed.get(table, 0) + max(
                        data.num_rows - new.num_rows, 1)
                    old_rel = Path(rel)
                    new_rel = old_rel.with_name(f"{run_id}-{i}.parquet")
                    staged = staging / new_rel
                    staged.parent.mkdir(parents=True, exist_ok=True)
                    if new.num_rows:
                        pq.write_table(new.cast(data.schema), staged, compression="zstd")
                        swaps.append((table, rel, new_rel.as_posix()))
                    else:
                        swaps.append((table, rel, ""))
            for _table, _old, added in swaps:
                if added:
                    target = lake.root / added
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(staging / added, target)
            for table, old, added in swaps:
                listed = manifest.tables[table]
                idx = listed.index(old)
                if added:
                    listed[idx] = added
                else:
                    del listed[idx]
            if swaps:
                tmp = lake.root / (MANIFEST + ".tmp")
                with tmp.open("w", encoding="utf-8") as fh:
                    fh.write(manifest.to_json())
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, lake.manifest_path)
                _fsync_dir(lake.root)
            for _table, old, _new in swaps:
                (lake.root / old).unlink(missing_ok=True)
        finally:
            lake.remove_leftovers()
    return changed
