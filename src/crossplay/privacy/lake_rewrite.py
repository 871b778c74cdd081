"""Rewrite committed lake files in place, atomically (erasure and key rotation).

Under the writer lock, rewritten files are written to a staging directory and handed to
``Lake.replace`` (:mod:`crossplay.lake.store`), which moves them beside the old ones under
new names, swaps old for new in one atomic manifest replacement, and only then deletes the
old files. A crash at any point leaves the last committed manifest intact; files it does
not list are removed by the next writer (``Lake.remove_leftovers``).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from crossplay.lake import Lake

#: ``(table name, file path relative to the lake, data)`` -> the rewritten data, or None
#: when the file needs no change
Rewrite = Callable[[str, str, pa.Table], pa.Table | None]


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
            lake.replace(staging, swaps)
        finally:
            lake.remove_leftovers()
    return changed
