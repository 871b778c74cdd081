"""Expand the PATH argument of ``crossplay ingest`` into a sorted list of files."""

from __future__ import annotations

import glob
from pathlib import Path

from crossplay.core.errors import SourceError

DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".jsonl", ".ndjson", ".json", ".parquet", ".pq")
#: text formats may also come compressed (ev.csv.gz, ev.jsonl.zst); Parquet compresses itself
COMPRESSED_SUFFIXES = (".gz", ".zst", ".bz2")


def is_data_file(path: Path) -> bool:
    """A data file by its name: ``ev.csv``, ``ev.jsonl.gz``, ``ev.parquet``."""
    suffixes = [s.lower() for s in path.suffixes[-2:]]
    if len(suffixes) == 2 and suffixes[-1] in COMPRESSED_SUFFIXES:
        return suffixes[0] in DATA_SUFFIXES and suffixes[0] not in (".parquet", ".pq")
    return bool(suffixes) and suffixes[-1] in DATA_SUFFIXES


def expand_sources(spec: str | Path) -> list[Path]:
    """A file, a directory (all data files below it) or a glob pattern."""
    text = str(spec)
    path = Path(text)
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(p for p in path.rglob("*")
                       if p.is_file() and is_data_file(p)
                       and not any(part.startswith(".") for part in p.relative_to(path).parts))
        if not files:
            suffixes = ", ".join(DATA_SUFFIXES)
            raise SourceError(f"{path} holds no data files ({suffixes}, "
                              "optionally .gz / .zst / .bz2)", code="ingest_no_data_files",
                              params={"path": str(path), "suffixes": suffixes})
        return files
    if any(ch in text for ch in "*?["):
        files = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
        if not files:
            raise SourceError(f"no file matches {text}", code="ingest_no_match",
                              params={"pattern": text})
        return files
    raise SourceError(f"{path} does not exist", code="ingest_path_missing",
                      params={"path": str(path)})
