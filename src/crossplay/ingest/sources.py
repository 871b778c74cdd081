"""Expand the PATH argument of ``crossplay ingest`` into a sorted list of files."""

from __future__ import annotations

import glob
from pathlib import Path

from crossplay.core.errors import SourceError

DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".jsonl", ".ndjson", ".json", ".parquet", ".pq")


def expand_sources(spec: str | Path) -> list[Path]:
    """A file, a directory (all data files below it) or a glob pattern."""
    text = str(spec)
    path = Path(text)
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(p for p in path.rglob("*")
                       if p.is_file() and p.suffix.lower() in DATA_SUFFIXES
                       and not any(part.startswith(".") for part in p.relative_to(path).parts))
        if not files:
            raise SourceError(f"{path} holds no data files ({', '.join(DATA_SUFFIXES)})")
        return files
    if any(ch in text for ch in "*?["):
        files = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
        if not files:
            raise SourceError(f"no file matches {text}")
        return files
    raise SourceError(f"{path} does not exist")
