"""What readers yield: Arrow batches with row numbers, and rows they could not parse."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from crossplay.ingest.limits import RAW_KEEP_CHARS

BAD_UTF8 = ("the row has bytes that are not valid UTF-8; if the file is GBK/GB18030, "
            "set `encoding: gb18030` in the mapping (or --encoding gb18030)")


@dataclass(frozen=True)
class SourceReject:
    """A row the reader could not turn into fields; ``raw`` is masked before it is stored."""

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


def raw_from_bytes(data: bytes, encoding: str) -> str:
    return data.decode(encoding, errors="backslashreplace")


def clean_text(text: str) -> str:
    """``text`` as valid UTF-8: lone surrogates become ``\\udXXX`` escapes."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", errors="backslashreplace").decode("utf-8")


def has_surrogates(text: str) -> bool:
    """True when ``text`` holds a lone surrogate (undecodable bytes, a ``\\ud800`` escape)."""
    try:
        text.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


def _is_text(t: pa.DataType) -> bool:
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t))


def split_bad_utf8(
    table: pa.Table, rows: pa.Array, rejects: list[SourceReject], *, binary: bool,
    message: str = BAD_UTF8,
) -> tuple[pa.Table, pa.Array]:
    """Drop the rows whose text cells are not valid UTF-8 (to ``rejects``).

    With ``binary``, binary columns are text too (CSV read as bytes) and come back as
    text. The check is one vectorised cast per column; only a column that fails is looked
    at row by row.
    """
    bad: set[int] = set()
    cols: list[pa.ChunkedArray] = []
    for name in table.column_names:
        col = table.column(name)
        if not (_is_text(col.type) or (binary and pa.types.is_binary(col.type))):
            cols.append(col)
            continue
        data = col.combine_chunks().cast(pa.binary())
        try:
            cols.append(pa.chunked_array([data.cast(pa.string())]))
        except pa.ArrowInvalid:
            bad.update(_bad_utf8_rows(data))
            cols.append(pa.chunked_array([data]))
    if bad:
        order = sorted(bad)
        bad_rows = pa.table(cols, names=table.column_names).take(
            pa.array(order, pa.int64())).to_pylist()
        for idx, rec in zip(order, bad_rows, strict=True):
            raw = json.dumps({k: (raw_from_bytes(v, "utf-8") if isinstance(v, bytes) else
                                  v if v is None or isinstance(v, (str, int, float, bool))
                                  else str(v)) for k, v in rec.items()}, ensure_ascii=False)
            rejects.append(SourceReject(rows[idx].as_py(), raw, "bad_encoding", message))
        keep = pa.array([i not in bad for i in range(table.num_rows)])
        rows = rows.filter(keep)
        cols = [c.filter(keep) for c in cols]
        cols = [c.cast(pa.string()) if pa.types.is_binary(c.type)
                and (binary or _is_text(table.column(n).type)) else c
                for c, n in zip(cols, table.column_names, strict=True)]
    return pa.table(cols, names=table.column_names), rows


def split_long_rows(
    table: pa.Table, rows: pa.Array, rejects: list[SourceReject], limit: int
) -> tuple[pa.Table, pa.Array]:
    """Drop the rows whose cells add up to more than ``limit`` bytes (to ``rejects``)."""
    if table.nbytes <= limit or not table.num_columns:
        return table, rows
    total = None
    for col in table.columns:
        if not (pa.types.is_binary(col.type) or _is_text(col.type)):
            continue
        size = pc.fill_null(pc.binary_length(col), 0)
        total = size if total is None else pc.add(total, size)
    if total is None:
        return table, rows
    long = pc.greater(total, limit)
    if not pc.any(long).as_py():
        return table, rows
    for idx in pc.indices_nonzero(long).to_pylist():
        cells = table.slice(idx, 1).to_pylist()[0]
        raw = ",".join(raw_from_bytes(v[:RAW_KEEP_CHARS], "utf-8") if isinstance(v, bytes)
                       else str(v)[:RAW_KEEP_CHARS] for v in cells.values() if v is not None)
        rejects.append(SourceReject(
            rows[idx].as_py(), raw[:RAW_KEEP_CHARS + 1], "row_too_long",
            f"the row is longer than {limit:,} bytes (CROSSPLAY_INGEST_MAX_ROW_BYTES)"))
    keep = pc.invert(long)
    return table.filter(keep), rows.filter(keep)


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
