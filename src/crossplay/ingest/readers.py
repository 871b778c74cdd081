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
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from crossplay.core.errors import SourceError

Format = Literal["csv", "jsonl", "parquet"]

_SAMPLE_BYTES = 1 << 20
_CSV_BLOCK = 16 << 20
_JSON_CHUNK = 8 << 20
_BLANK_LINE = re.compile(rb"(^|\n)[ \t\r]*(\n|$)")


@dataclass(frozen=True)
class SourceReject:
    row: int | None
    raw: str
    code: str
    message: str


@dataclass
class SourceBatch:
    table: pa.Table
    rows: pa.Array  # int64, 1-based row numbers
    rejects: list[SourceReject] = field(default_factory=list)
    bytes_done: int = 0


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
                      "set `format:` in the mapping (csv, jsonl or parquet)")


def detect_encoding(sample: bytes) -> str:
    """'utf-8' or 'gb18030' (a superset of GBK/GB2312), else charset-normalizer's guess."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 4:  # a character cut at the end of the sample
            return "utf-8"
    try:
        sample.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 4:
            return "gb18030"
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        raise SourceError("cannot detect the file's text encoding; set `encoding:` "
                          "in the mapping (e.g. utf-8, gb18030)")
    return str(best.encoding)


def _normalise_encoding(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise SourceError(f"unknown encoding {name!r}; use e.g. utf-8, gb18030, gbk") from None


def _raw_from_bytes(data: bytes, encoding: str) -> str:
    return data.decode(encoding, errors="backslashreplace")


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
        sample = fh.read(_SAMPLE_BYTES)
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
                {k: (_raw_from_bytes(v, "utf-8") if isinstance(v, bytes) else v)
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


def _json_value_text(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v) if isinstance(v, float) else str(v)
    return json.dumps(v, ensure_ascii=False)


def _json_lines_slow(
    chunk: bytes, first_line: int
) -> tuple[pa.Table, list[int], list[SourceReject]]:
    records: list[dict[str, object]] = []
    rows: list[int] = []
    rejects: list[SourceReject] = []
    for i, line in enumerate(chunk.split(b"\n")):
        number = first_line + i
        if not line.strip():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            rejects.append(SourceReject(number, _raw_from_bytes(line, "utf-8"), "bad_encoding",
                                        "the line is not valid UTF-8 (JSON must be UTF-8)"))
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            rejects.append(SourceReject(number, text, "malformed_json",
                                        f"malformed JSON: {exc.msg} at column {exc.colno}"))
            continue
        if not isinstance(obj, dict):
            rejects.append(SourceReject(number, text, "malformed_json",
                                        "each line must be a JSON object ({...})"))
            continue
        records.append(obj)
        rows.append(number)
    names: dict[str, None] = {}
    for r in records:
        for k in r:
            names[str(k)] = None
    cols = {n: pa.array([_json_value_text(r.get(n)) for r in records], pa.string())
            for n in names}
    table = pa.table(cols) if cols else pa.table({})
    if not cols and records:
        table = pa.table({"_empty": pa.nulls(len(records), pa.string())})
    return table, rows, rejects


def _json_fast(chunk: bytes, schema: pa.Schema | None) -> pa.Table:
    opts = pajson.ParseOptions(explicit_schema=schema, unexpected_field_behavior="infer")
    ropts = pajson.ReadOptions(use_threads=True, block_size=max(len(chunk) + 1, 1 << 20))
    table = pajson.read_json(io.BytesIO(chunk), read_options=ropts, parse_options=opts)
    for f in table.schema:
        if not (pa.types.is_string(f.type) or pa.types.is_integer(f.type)
                or pa.types.is_floating(f.type) or pa.types.is_boolean(f.type)
                or pa.types.is_null(f.type)):
            raise pa.ArrowInvalid(f"nested or inferred value in {f.name}")
    return table


def _json_text_schema(table: pa.Table) -> pa.Schema:
    """Timestamps stay text (Arrow would silently shift offsets); numbers stay numbers."""
    fields = []
    for f in table.schema:
        if pa.types.is_timestamp(f.type) or pa.types.is_date(f.type) or pa.types.is_null(f.type):
            fields.append(pa.field(f.name, pa.string()))
        else:
            fields.append(f)
    return pa.schema(fields)


def read_jsonl(path: Path, batch_rows: int) -> Iterator[SourceBatch]:
    schema: pa.Schema | None = None
    line = 1
    done = 0
    with path.open("rb") as fh:
        carry = b""
        while True:
            block = fh.read(_JSON_CHUNK)
            data = carry + block
            if not data:
                break
            if block:
                cut = data.rfind(b"\n")
                if cut < 0:
                    carry = data
                    continue
                chunk, carry = data[: cut + 1], data[cut + 1:]
            else:
                chunk, carry = data, b""
            done += len(chunk)
            body = chunk[:-1] if chunk.endswith(b"\n") else chunk
            n_lines = body.count(b"\n") + 1
            table: pa.Table | None = None
            if not _BLANK_LINE.search(body):
                try:
                    if schema is None:
                        probe = pajson.read_json(io.BytesIO(chunk), read_options=pajson.ReadOptions(
                            block_size=max(len(chunk) + 1, 1 << 20)))
                        schema = _json_text_schema(probe)
                    table = _json_fast(chunk, schema)
                    if table.num_rows != n_lines:
                        table = None
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                    table = None
            if table is not None:
                cols = [table.column(n) if not pa.types.is_null(table.schema.field(n).type)
                        else pa.nulls(table.num_rows, pa.string()) for n in table.column_names]
                table = pa.table(cols, names=table.column_names)
                rows = pa.array(np.arange(line, line + table.num_rows, dtype=np.int64))
                yield SourceBatch(table, rows, [], done)
            else:
                t, r, rejects = _json_lines_slow(body, line)
                yield SourceBatch(t, pa.array(r, pa.int64()), rejects, done)
            line += n_lines
            if not block:
                break


def read_parquet(path: Path, batch_rows: int) -> Iterator[SourceBatch]:
    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise SourceError(f"{path} is not a readable Parquet file: {exc}") from None
    size = path.stat().st_size
    total = max(pf.metadata.num_rows, 1)
    row = 1
    for batch in pf.iter_batches(batch_size=batch_rows):
        table = pa.Table.from_batches([batch])
        rows = pa.array(np.arange(row, row + table.num_rows, dtype=np.int64))
        row += table.num_rows
        yield SourceBatch(table, rows, [], int(size * (row - 1) / total))


def open_source(
    path: Path, fmt: Format, encoding: str, delimiter: str, batch_rows: int, *, slow: bool
) -> Iterator[SourceBatch]:
    """Batches of ``path``; ``slow`` forces the row-by-row path for CSV."""
    if fmt == "parquet":
        return read_parquet(path, batch_rows)
    if fmt == "jsonl":
        return read_jsonl(path, batch_rows)
    enc = encoding
    if enc == "auto":
        with path.open("rb") as fh:
            enc = detect_encoding(fh.read(_SAMPLE_BYTES))
    enc = _normalise_encoding(enc)
    if enc in ("utf-8", "utf_8"):
        enc = "utf-8-sig" if slow else "utf8"
    if slow:
        return read_csv_slow(path, enc, delimiter, batch_rows)
    return read_csv_fast(path, enc, delimiter, batch_rows)
