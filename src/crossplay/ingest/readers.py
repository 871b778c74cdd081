"""Stream partner exports (CSV, JSON lines, Parquet) as Arrow batches with row numbers.

Every reader yields :class:`SourceBatch` objects: the source columns (CSV and JSON lines
as text, Parquet with its own types) plus the 1-based row number of each row in the file
(CSV: the record number, the header being row 1; JSON lines: the line number; Parquet: the
row index + 1). Rows that cannot even be parsed (a CSV row with the wrong number of
fields, a malformed JSON line, bytes that are not valid in the file's encoding) are
returned as :class:`SourceReject` and end in quarantine; they never stop the file.

CSV and JSON lines have a fast path (Arrow's C++ readers) and a slow, row-by-row path
(Python's csv and json modules) used when the fast path cannot tell which row is bad:
invalid bytes in a transcoded file, an oversized field, a JSON type conflict.

Compressed files (``.gz``, ``.zst``, ``.bz2``) are decompressed as they are read; widths,
row lengths and JSON depth are bounded (:mod:`crossplay.ingest.limits`).
"""

from __future__ import annotations

import codecs
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from crossplay.core.errors import SourceError
from crossplay.ingest.batch import SourceBatch, SourceReject, split_bad_utf8
from crossplay.ingest.csv_reader import SAMPLE_BYTES, read_csv_fast, read_csv_slow
from crossplay.ingest.jsonl_reader import read_jsonl
from crossplay.ingest.limits import ReadLimits
from crossplay.ingest.streams import describe, read_sample

Format = Literal["csv", "jsonl", "parquet"]

__all__ = ["Format", "ReadLimits", "SourceBatch", "SourceReject", "detect_encoding",
           "detect_format", "open_source", "read_parquet"]


def detect_format(path: Path) -> Format:
    name = path.name.lower()
    for suffix in (".gz", ".zst", ".bz2"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    if name.endswith(".csv") or name.endswith(".tsv") or name.endswith(".txt"):
        return "csv"
    if name.endswith(".jsonl") or name.endswith(".ndjson") or name.endswith(".json"):
        return "jsonl"
    if name.endswith(".parquet") or name.endswith(".pq"):
        return "parquet"
    raise SourceError(f"cannot tell the format of {path} from its name; "
                      "set `format:` in the mapping (csv, jsonl or parquet)",
                      code="ingest_format_unknown", params={"path": str(path)})


def detect_encoding(sample: bytes, *, whole_file: bool = False) -> str:
    """'utf-8' or 'gb18030' (a superset of GBK/GB2312), else charset-normalizer's guess.

    A character cut at the end of the sample is forgiven, unless the sample is the whole
    file (then its last bytes are as invalid as any others).
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    cut = 0 if whole_file else 4
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - cut:  # a character cut at the end of the sample
            return "utf-8"
    try:
        sample.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - cut:
            return "gb18030"
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        raise SourceError("cannot detect the file's text encoding; set `encoding:` "
                          "in the mapping (e.g. utf-8, gb18030)",
                          code="ingest_encoding_undetected")
    return str(best.encoding)


def _normalise_encoding(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise SourceError(f"unknown encoding {name!r}; use e.g. utf-8, gb18030, gbk",
                          code="ingest_encoding_unknown", params={"name": name}) from None


def read_parquet(path: Path, batch_rows: int,
                 limits: ReadLimits | None = None) -> Iterator[SourceBatch]:
    """Record batches with their own types; text cells that are not UTF-8 are rejected."""
    limits = limits or ReadLimits()
    try:
        pf = pq.ParquetFile(path)
        names = pf.schema_arrow.names
    except (pa.ArrowException, OSError) as exc:
        detail = describe(exc)
        raise SourceError(f"{path} is not a readable Parquet file: {detail}",
                          code="ingest_parquet_unreadable",
                          params={"path": str(path), "detail": detail}) from None
    if len(names) > limits.max_columns:
        raise SourceError(f"{path}: the file has {len(names):,} columns; the limit is "
                          f"{limits.max_columns:,} (CROSSPLAY_INGEST_MAX_COLUMNS)",
                          code="ingest_parquet_columns",
                          params={"path": str(path), "n": len(names),
                                  "limit": limits.max_columns})
    dup = sorted({n for n, c in Counter(names).items() if c > 1})
    if dup:
        raise SourceError(f"{path}: the file repeats column(s) {dup[:10]}; column names "
                          "must be unique (write it again with distinct names)",
                          code="ingest_parquet_repeats",
                          params={"path": str(path), "columns": dup[:10]})
    size = path.stat().st_size
    total = max(pf.metadata.num_rows, 1)
    row = 1
    for batch in pf.iter_batches(batch_size=batch_rows):
        table = pa.Table.from_batches([batch])
        rows = pa.array(np.arange(row, row + table.num_rows, dtype=np.int64))
        row += table.num_rows
        rejects: list[SourceReject] = []
        table, rows = split_bad_utf8(table, rows, rejects, binary=False)
        yield SourceBatch(table, rows, rejects, int(size * (row - 1) / total))


def open_source(
    path: Path, fmt: Format, encoding: str, delimiter: str, batch_rows: int, *, slow: bool,
    limits: ReadLimits | None = None, header: bool = True,
) -> Iterator[SourceBatch]:
    """Batches of ``path``; ``slow`` forces the row-by-row path for CSV; a CSV file
    without a header line (``header=False``) has columns named ``"1"``, ``"2"``, ..."""
    limits = limits or ReadLimits()
    if fmt == "parquet":
        return read_parquet(path, batch_rows, limits)
    if fmt == "jsonl":
        return read_jsonl(path, batch_rows, limits)
    enc = encoding
    if enc == "auto":
        sample = read_sample(path, SAMPLE_BYTES)
        enc = detect_encoding(sample, whole_file=len(sample) < SAMPLE_BYTES)
    enc = _normalise_encoding(enc)
    if enc in ("utf-8", "utf_8"):
        enc = "utf-8-sig" if slow else "utf8"
    if slow:
        return read_csv_slow(path, enc, delimiter, batch_rows, limits, header)
    return read_csv_fast(path, enc, delimiter, batch_rows, limits, header)
