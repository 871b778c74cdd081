"""CSV exports: Arrow's streaming reader, and a row-by-row path for what it cannot place.

The fast path reads every column as bytes and validates UTF-8 per column, so a row with
bytes invalid in the file's encoding is quarantined on its own. A row with the wrong
number of fields is reported by Arrow's ``invalid_row_handler`` with its record number
(single-threaded) or sends the file to the slow path (multi-threaded, number unknown).
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from crossplay.core.errors import SourceError
from crossplay.ingest.batch import SourceBatch, SourceReject, raw_from_bytes

SAMPLE_BYTES = 1 << 20
_CSV_BLOCK = 16 << 20


class _RowNumbers:
    """Assigns record numbers to good CSV rows around the invalid ones Arrow skipped."""

    def __init__(self) -> None:
        self.next = 2  # row 1 is the header
        self.invalid: list[int] = []

    def take(self, n: int) -> pa.Array:
        if not self.invalid:
            start, self.next = self.next, self.next + n
            return pa.array(np.arange(start, start + n, dtype=np.int64))
        out: list[int] = []
        bad = sorted(self.invalid)
        i = 0
        num = self.next
        while len(out) < n:
            while i < len(bad) and bad[i] < num:
                i += 1
            if i < len(bad) and bad[i] == num:
                num += 1
                continue
            out.append(num)
            num += 1
        self.next = num
        self.invalid = [b for b in bad if b >= num]
        return pa.array(out, pa.int64())


def _csv_header(path: Path, encoding: str, delimiter: str) -> list[str]:
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    text = sample.decode(encoding, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    first = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    names = [n.strip() for n in first]
    if not names or names == [""]:
        return []
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise SourceError(f"{path}: the header repeats column(s) {sorted(dup)}; "
                          "column names must be unique")
    if any(n == "" for n in names):
        raise SourceError(f"{path}: the header has an empty column name")
    return names


def _bad_utf8_rows(col: pa.Array) -> list[int]:
    bad = []
    for i, v in enumerate(col.to_pylist()):
        if v is None:
            continue
        try:
            v.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(i)
    return bad


def read_csv_fast(
    path: Path, encoding: str, delimiter: str, batch_rows: int
) -> Iterator[SourceBatch]:
    """Arrow's streaming CSV reader; raises ``pa.ArrowInvalid`` when it cannot cope."""
    names = _csv_header(path, encoding, delimiter)
    if not names:
        return
    numbers = _RowNumbers()
    pending: list[SourceReject] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        if row.number is None:  # multi-threaded parse: let the slow path number it
            return "error"
        numbers.invalid.append(row.number)
        pending.append(SourceReject(
            row.number, row.text, "wrong_field_count",
            f"the row has {row.actual_columns} fields; the header has {row.expected_columns}",
        ))
        return "skip"

    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(
            use_threads=True, block_size=_CSV_BLOCK, encoding=encoding,
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.binary() for n in names},
            strings_can_be_null=True, quoted_strings_can_be_null=False,
            null_values=[""],
        ),
    )
    size = path.stat().st_size
    done = 0
    buffered: list[pa.RecordBatch] = []
    buffered_rows = 0

    def flush() -> SourceBatch:
        nonlocal buffered, buffered_rows
        table = pa.Table.from_batches(buffered)
        buffered, buffered_rows = [], 0
        rows = numbers.take(table.num_rows)
        rejects = list(pending)
        pending.clear()
        return _utf8_columns(table, rows, rejects, encoding, done)

    for batch in reader:
        done = min(size, done + batch.nbytes)
        buffered.append(batch)
        buffered_rows += batch.num_rows
        if buffered_rows >= batch_rows:
            yield flush()
    if buffered or pending:
        if not buffered:
            buffered = [pa.RecordBatch.from_pylist([], schema=reader.schema)]
        done = size
        yield flush()


def _utf8_columns(
    table: pa.Table, rows: pa.Array, rejects: list[SourceReject], encoding: str, done: int
) -> SourceBatch:
    """Binary columns -> text; rows with invalid UTF-8 go to quarantine."""
    bad: set[int] = set()
    for name in table.column_names:
        col = table.column(name).combine_chunks()
        try:
            col.cast(pa.string())
        except pa.ArrowInvalid:
            bad.update(_bad_utf8_rows(col))
    if bad:
        order = sorted(bad)
        bad_rows = table.take(pa.array(order, pa.int64())).to_pylist()
        for idx, rec in zip(order, bad_rows, strict=True):
            raw = json.dumps(
                {k: (raw_from_bytes(v, "utf-8") if isinstance(v, bytes) else v)
                 for k, v in rec.items()}, ensure_ascii=False)
            rejects.append(SourceReject(
                rows[idx].as_py(), raw, "bad_encoding",
                "the row has bytes that are not valid UTF-8; if the file is GBK/GB18030, "
                "set `encoding: gb18030` in the mapping (or --encoding gb18030)"))
        keep = pa.array([i not in bad for i in range(table.num_rows)])
        table = table.filter(keep)
        rows = rows.filter(keep)
    cols = [table.column(n).cast(pa.string()) for n in table.column_names]
    return SourceBatch(pa.table(cols, names=table.column_names), rows, rejects, done)


def read_csv_slow(
    path: Path, encoding: str, delimiter: str, batch_rows: int
) -> Iterator[SourceBatch]:
    """Row by row with Python's csv module: any row can be rejected on its own."""
    csv.field_size_limit(sys.maxsize)
    size = path.stat().st_size
    with path.open("r", encoding=encoding, errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        header = next(reader, None)
        if not header:
            return
        names = [n.strip().lstrip("\ufeff") for n in header]
        cols: list[list[str | None]] = [[] for _ in names]
        rows: list[int] = []
        rejects: list[SourceReject] = []
        number = 1
        for rec in reader:
            number += 1
            text = delimiter.join(rec)
            if any(_has_surrogates(v) for v in rec):
                rejects.append(SourceReject(
                    number, _surrogates_to_escapes(text, encoding), "bad_encoding",
                    f"the row has bytes that are not valid {encoding}; check `encoding:` "
                    "in the mapping"))
                continue
            if len(rec) != len(names):
                if not rec:
                    continue  # an empty line
                rejects.append(SourceReject(
                    number, text, "wrong_field_count",
                    f"the row has {len(rec)} fields; the header has {len(names)}"))
                continue
            for c, v in zip(cols, rec, strict=True):
                c.append(v if v != "" else None)
            rows.append(number)
            if len(rows) >= batch_rows:
                yield _text_batch(names, cols, rows, rejects, 0)
                cols = [[] for _ in names]
                rows, rejects = [], []
        yield _text_batch(names, cols, rows, rejects, size)


def _has_surrogates(v: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in v)


def _surrogates_to_escapes(text: str, encoding: str) -> str:
    return text.encode(encoding, errors="surrogateescape").decode(
        encoding, errors="backslashreplace")


def _text_batch(
    names: list[str], cols: list[list[str | None]], rows: list[int],
    rejects: list[SourceReject], done: int,
) -> SourceBatch:
    arrays = [pa.array(c, pa.string()) for c in cols]
    return SourceBatch(pa.table(arrays, names=names), pa.array(rows, pa.int64()),
                       rejects, done)
