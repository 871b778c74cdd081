"""CSV exports: Arrow's streaming reader, and a row-by-row path for what it cannot place.

The fast path reads every column as bytes and validates UTF-8 per column, so a row with
bytes invalid in the file's encoding is quarantined on its own. A row with the wrong
number of fields sends the file to the slow path (Arrow's multi-threaded reader cannot
say which record it was; its ``invalid_row_handler`` would also decode the row's text
before crossplay sees it, and fail on bytes that are not UTF-8).

Both paths read the decompressed stream (``.gz``, ``.zst``, ``.bz2``), refuse a header
wider than the limit before reading a row, and bound a row's length: the slow path reads
physical lines of at most ``max_row_bytes`` characters and quarantines a longer row as
``row_too_long`` without holding it in memory.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from crossplay.core.errors import SourceError
from crossplay.ingest.batch import (
    SourceBatch,
    SourceReject,
    clean_text,
    has_surrogates,
    split_bad_utf8,
    split_long_rows,
)
from crossplay.ingest.limits import RAW_KEEP_CHARS, ReadLimits
from crossplay.ingest.streams import describe, open_stream, read_sample, stream_error

SAMPLE_BYTES = 1 << 20
_CSV_BLOCK = 16 << 20
_NEWLINES = ("\n", "\r")


def csv_header(path: Path, encoding: str, delimiter: str,
               limits: ReadLimits, header: bool = True) -> tuple[list[str], list[str]]:
    """The header's column names as written and stripped (``[]`` for an empty file);
    without a header line (``header=False``) the columns are named by position, ``"1"``,
    ``"2"``, ... after the first line's width.

    File-level problems are a :class:`SourceError`: a header that is not valid in the
    encoding, wider than ``limits.max_columns``, longer than the sample, with repeated or
    empty names.
    """
    sample = read_sample(path, SAMPLE_BYTES)
    try:
        text = sample.decode(encoding, errors="surrogateescape")
    except UnicodeError as exc:  # e.g. UTF-16 without a byte-order mark
        raise _not_in(path, encoding, exc) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        return [], []
    if len(sample) == SAMPLE_BYTES and not any(ch in text for ch in _NEWLINES):
        raise SourceError(f"{path}: the header line is longer than {SAMPLE_BYTES:,} bytes; "
                          "is this a CSV file with the right delimiter?",
                          code="ingest_header_too_long",
                          params={"path": str(path), "limit": SAMPLE_BYTES})
    first = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    if len(first) > limits.max_columns:
        raise SourceError(
            f"{path}: the header has {len(first):,} columns; the limit is "
            f"{limits.max_columns:,} (raise CROSSPLAY_INGEST_MAX_COLUMNS if the export "
            "really is that wide)", code="ingest_header_columns",
            params={"path": str(path), "n": len(first), "limit": limits.max_columns})
    if not header:
        positions = [str(i + 1) for i in range(len(first))]
        return positions, positions
    if any(has_surrogates(n) for n in first):
        raise SourceError(f"{path}: the header is not valid {encoding}; set `encoding:` in "
                          "the mapping or --encoding (e.g. gb18030, utf-16, latin-1)",
                          code="ingest_header_encoding",
                          params={"path": str(path), "encoding": encoding})
    names = [n.strip() for n in first]
    if not names or names == [""]:
        return [], []
    dup = sorted(n for n, c in Counter(names).items() if c > 1)
    if dup:
        shown = ", ".join(repr(n) for n in dup[:10]) + (", ..." if len(dup) > 10 else "")
        raise SourceError(f"{path}: the header repeats column(s) {shown}; "
                          "column names must be unique", code="ingest_header_repeats",
                          params={"path": str(path), "columns": shown})
    if any(n == "" for n in names):
        raise SourceError(f"{path}: the header has an empty column name",
                          code="ingest_header_empty_name", params={"path": str(path)})
    return first, names


def read_csv_fast(
    path: Path, encoding: str, delimiter: str, batch_rows: int, limits: ReadLimits,
    header: bool = True,
) -> Iterator[SourceBatch]:
    """Arrow's streaming CSV reader; raises ``pa.ArrowInvalid`` when it cannot cope."""
    written, names = csv_header(path, encoding, delimiter, limits, header)
    if not names:
        return
    reader = pacsv.open_csv(
        open_stream(path),
        read_options=pacsv.ReadOptions(
            use_threads=True, block_size=_CSV_BLOCK, encoding=encoding,
            column_names=None if header else written,
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, newlines_in_values=True,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.binary() for n in written},
            strings_can_be_null=True, quoted_strings_can_be_null=False,
            null_values=[""],
        ),
    )
    if reader.schema.names != written or any(
            not pa.types.is_binary(t) for t in reader.schema.types):
        raise pa.ArrowInvalid("the header as Arrow reads it differs; reading row by row")
    done = 0
    next_row = 2 if header else 1  # row 1 is the header, if there is one
    buffered: list[pa.RecordBatch] = []
    buffered_rows = 0

    def flush() -> SourceBatch:
        nonlocal buffered, buffered_rows, next_row
        table = pa.Table.from_batches(buffered).rename_columns(names)
        buffered, buffered_rows = [], 0
        rows = pa.array(np.arange(next_row, next_row + table.num_rows, dtype=np.int64))
        next_row += table.num_rows
        rejects: list[SourceReject] = []
        table, rows = split_long_rows(table, rows, rejects, limits.max_row_bytes)
        table, rows = split_bad_utf8(table, rows, rejects, binary=True)
        return SourceBatch(table, rows, rejects, done)

    for batch in reader:
        done += batch.nbytes
        buffered.append(batch)
        buffered_rows += batch.num_rows
        if buffered_rows >= batch_rows:
            yield flush()
    if buffered:
        yield flush()


class _Lines:
    """Physical lines of a text stream, each at most ``limit`` characters.

    A longer line is skipped to its end without being held; an empty line stands in for
    it and ``overlong`` holds its start until the caller takes it.
    """

    def __init__(self, fh: io.TextIOBase, limit: int) -> None:
        self._fh = fh
        self._limit = limit
        self.overlong: str | None = None

    def __iter__(self) -> Iterator[str]:
        fh, limit = self._fh, self._limit
        while True:
            line = fh.readline(limit + 1)
            if not line:
                return
            if len(line) > limit and not line.endswith(_NEWLINES):
                start = line[:RAW_KEEP_CHARS + 1]
                while True:
                    rest = fh.readline(1 << 20)
                    if not rest or rest.endswith(_NEWLINES):
                        break
                self.overlong = start
                yield "\n"
                continue
            yield line

    def take_overlong(self) -> str | None:
        start, self.overlong = self.overlong, None
        return start


def read_csv_slow(
    path: Path, encoding: str, delimiter: str, batch_rows: int, limits: ReadLimits,
    header: bool = True,
) -> Iterator[SourceBatch]:
    """Row by row with Python's csv module: any row can be rejected on its own."""
    _, names = csv_header(path, encoding, delimiter, limits, header)
    if not names:
        return
    old_limit = csv.field_size_limit(limits.max_row_bytes)
    try:
        with open_stream(path) as raw, io.TextIOWrapper(
                raw, encoding=encoding, errors="surrogateescape", newline="") as fh:
            try:
                yield from _slow_rows(fh, names, delimiter, batch_rows, limits, header)
            except UnicodeError as exc:  # the stream's structure (a cut UTF-16 pair, ...)
                raise _not_in(path, encoding, exc) from None
            except (OSError, pa.ArrowException, EOFError) as exc:
                raise stream_error(path, exc) from None
    finally:
        csv.field_size_limit(old_limit)


def _not_in(path: Path, encoding: str, exc: UnicodeError) -> SourceError:
    detail = describe(exc)
    return SourceError(f"{path} cannot be read as {encoding} ({detail}); set "
                       "`encoding:` in the mapping or --encoding to the file's encoding",
                       code="ingest_encoding_mismatch",
                       params={"path": str(path), "encoding": encoding, "detail": detail})


def _slow_rows(fh: io.TextIOWrapper, names: list[str], delimiter: str, batch_rows: int,
               limits: ReadLimits, header: bool = True) -> Iterator[SourceBatch]:
    lines = _Lines(fh, limits.max_row_bytes)
    reader = csv.reader(lines, delimiter=delimiter)
    if header and next(reader, None) is None:  # the header (read already)
        return
    cols: list[list[str | None]] = [[] for _ in names]
    rows: list[int] = []
    rejects: list[SourceReject] = []
    number = 1 if header else 0
    too_long = (f"the row is longer than {limits.max_row_bytes:,} characters "
                "(CROSSPLAY_INGEST_MAX_ROW_BYTES)")
    while True:
        try:
            rec = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            number += 1
            lines.take_overlong()
            code = "row_too_long" if "field limit" in str(exc) else "malformed_csv"
            rejects.append(SourceReject(number, "", code, too_long if code == "row_too_long"
                                        else f"the row cannot be read as CSV: {exc}"))
            continue
        overlong = lines.take_overlong()
        if overlong is not None:
            number += 1
            rejects.append(SourceReject(number, clean_text(overlong), "row_too_long",
                                        too_long))
            continue
        if not rec:
            continue  # an empty line
        number += 1
        if any(has_surrogates(v) for v in rec):
            rejects.append(SourceReject(
                number, clean_text(_row_text(rec, delimiter)), "bad_encoding",
                f"the row has bytes that are not valid {fh.encoding}; check `encoding:` "
                "in the mapping"))
            continue
        if len(rec) != len(names):
            rejects.append(SourceReject(
                number, _row_text(rec, delimiter), "wrong_field_count",
                f"the row has {len(rec)} fields; the header has {len(names)}"))
            continue
        for c, v in zip(cols, rec, strict=True):
            c.append(v if v != "" else None)
        rows.append(number)
        if len(rows) >= batch_rows:
            yield _text_batch(names, cols, rows, rejects, 0)
            cols = [[] for _ in names]
            rows, rejects = [], []
    yield _text_batch(names, cols, rows, rejects, 0)


def _row_text(rec: list[str], delimiter: str) -> str:
    """The row as CSV (quoted where needed), at most about ``RAW_KEEP_CHARS`` long."""
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="").writerow(
        [v[:RAW_KEEP_CHARS + 1] for v in rec[:RAW_KEEP_CHARS]])
    return buf.getvalue()


def _text_batch(
    names: list[str], cols: list[list[str | None]], rows: list[int],
    rejects: list[SourceReject], done: int,
) -> SourceBatch:
    arrays = [pa.array(c, pa.string()) for c in cols]
    return SourceBatch(pa.table(arrays, names=names), pa.array(rows, pa.int64()),
                       rejects, done)
