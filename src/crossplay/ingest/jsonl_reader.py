"""JSON lines exports: Arrow's JSON reader per chunk, line by line where a chunk fails.

Before a chunk reaches a parser, two vectorised scans bound what the parsers see: a line
longer than ``max_row_bytes`` is quarantined as ``row_too_long`` (an over-long line is
skipped to its end without being held in memory), and a line whose brackets could nest
deeper than ``max_json_depth`` is measured exactly (strings stripped) and quarantined as
``nested_too_deep`` (Arrow's parser segfaults near 100,000 levels, Python's raises
RecursionError near 1,000). The fast path's text is validated as UTF-8 (Arrow's reader
passes invalid bytes through); a chunk that fails goes line by line, where a bad line is
``bad_encoding`` and a ``\\ud800`` escape without its pair is too.
"""

from __future__ import annotations

import codecs
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from crossplay.core.errors import SourceError
from crossplay.ingest.batch import (
    SourceBatch,
    SourceReject,
    clean_text,
    has_surrogates,
    raw_from_bytes,
)
from crossplay.ingest.limits import RAW_KEEP_CHARS, ReadLimits
from crossplay.ingest.streams import open_stream, stream_error

_JSON_CHUNK = 8 << 20
_BLANK_LINE = re.compile(rb"(^|\n)[ \t\r]*(\n|$)")
_STRING = re.compile(rb'"[^"\\\n]*(?:\\.[^"\\\n]*)*"')
_OPEN, _CLOSE = np.frombuffer(b"[{", np.uint8), np.frombuffer(b"]}", np.uint8)


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


def json_depth(line: bytes) -> int:
    """How deep the brackets of one JSON line nest (outside strings)."""
    skeleton = np.frombuffer(_STRING.sub(b"", line), np.uint8)
    if not skeleton.size:
        return 0
    step = np.isin(skeleton, _OPEN).astype(np.int32) - np.isin(skeleton, _CLOSE)
    return int(np.cumsum(step).max(initial=0))


def deep_json(texts: pa.Array | pa.ChunkedArray, limit: int) -> pa.Array | None:
    """Which JSON texts nest deeper than ``limit`` (None: none do).

    Only texts with more than ``limit`` brackets are measured (one vectorised count).
    """
    opens = pc.add(pc.count_substring(texts, "["), pc.count_substring(texts, "{"))
    candidates = pc.fill_null(pc.greater(opens, limit), False)
    if not pc.any(candidates).as_py():
        return None
    deep = np.zeros(len(texts), dtype=bool)
    for i in pc.indices_nonzero(candidates).to_pylist():
        deep[i] = json_depth(str(texts[i].as_py()).encode("utf-8")) > limit
    return pa.array(deep) if deep.any() else None


def _too_deep(line: bytes, limit: int) -> bool:
    return line.count(b"[") + line.count(b"{") > limit and json_depth(line) > limit


class _Guards:
    """Whether any line of a chunk must not reach Arrow's parser: longer than the limit,
    with more keys than the column limit (Arrow would build a table that wide), or nested
    deeper than the depth limit. Vectorised; exact measures only for candidate lines."""

    def __init__(self, chunk: bytes, limits: ReadLimits) -> None:
        arr = np.frombuffer(chunk, np.uint8)
        bounds = np.concatenate(([0], np.flatnonzero(arr == 10) + 1, [arr.size]))
        starts, stops = bounds[:-1], bounds[1:]
        lengths = stops - starts
        wide = (lengths > limits.max_columns).nonzero()[0].tolist()
        self.unsafe = bool((lengths > limits.max_row_bytes).any()) or any(
            chunk.count(b",", int(starts[i]), int(stops[i])) >= limits.max_columns
            for i in wide)
        if self.unsafe or chunk.count(b"[") + chunk.count(b"{") <= limits.max_json_depth:
            return
        opens = np.zeros(arr.size + 1, np.int32)
        np.cumsum((arr == 0x5B) | (arr == 0x7B), dtype=np.int32, out=opens[1:])
        deep = ((opens[stops] - opens[starts]) > limits.max_json_depth).nonzero()[0].tolist()
        self.unsafe = any(json_depth(chunk[int(starts[i]):int(stops[i])])
                          > limits.max_json_depth for i in deep)


def _json_lines_slow(
    chunk: bytes, first_line: int, limits: ReadLimits, path: Path
) -> tuple[pa.Table, list[int], list[SourceReject]]:
    records: list[dict[str, str | None]] = []
    rows: list[int] = []
    rejects: list[SourceReject] = []
    for i, line in enumerate(chunk.split(b"\n")):
        number = first_line + i
        if not line.strip():
            continue
        reject = _check_line(line, number, limits)
        if reject is not None:
            rejects.append(reject)
            continue
        text = line.decode("utf-8")
        try:
            obj = json.loads(text)
        except ValueError as exc:  # JSONDecodeError, or an integer of > 4,300 digits
            msg = (f"malformed JSON: {exc.msg} at column {exc.colno}"
                   if isinstance(exc, json.JSONDecodeError) else f"malformed JSON: {exc}")
            rejects.append(SourceReject(number, clean_text(text), "malformed_json", msg))
            continue
        if not isinstance(obj, dict):
            rejects.append(SourceReject(number, text, "malformed_json",
                                        "each line must be a JSON object ({...})"))
            continue
        if len(obj) > limits.max_columns:
            rejects.append(SourceReject(
                number, text[:RAW_KEEP_CHARS + 1], "too_many_fields",
                f"the object has {len(obj):,} keys; the limit is {limits.max_columns:,} "
                "(CROSSPLAY_INGEST_MAX_COLUMNS)"))
            continue
        record = {str(k): _json_value_text(v) for k, v in obj.items()}
        if any(has_surrogates(k) or (v is not None and has_surrogates(v))
               for k, v in record.items()):
            rejects.append(SourceReject(
                number, clean_text(text), "bad_encoding",
                "the line has a \\u escape for half a character (a lone surrogate such as "
                "\\ud800); fix the exporter's JSON encoding"))
            continue
        records.append(record)
        rows.append(number)
    names: dict[str, None] = {}
    for r in records:
        for k in r:
            names[k] = None
    if len(names) > limits.max_columns:
        raise SourceError(f"{path}: the lines have {len(names):,} different keys; the limit "
                          f"is {limits.max_columns:,} (CROSSPLAY_INGEST_MAX_COLUMNS)",
                          code="ingest_jsonl_keys",
                          params={"path": str(path), "n": len(names),
                                  "limit": limits.max_columns})
    cols = {n: pa.array([r.get(n) for r in records], pa.string()) for n in names}
    table = pa.table(cols) if cols else pa.table({})
    if not cols and records:
        table = pa.table({"_empty": pa.nulls(len(records), pa.string())})
    return table, rows, rejects


def _check_line(line: bytes, number: int, limits: ReadLimits) -> SourceReject | None:
    """A line too long, too deep or not UTF-8, as a reject; None when it may be parsed."""
    if len(line) > limits.max_row_bytes:
        return SourceReject(number, raw_from_bytes(line[:RAW_KEEP_CHARS + 1], "utf-8"),
                            "row_too_long", _too_long_message(limits))
    if _too_deep(line, limits.max_json_depth):
        return SourceReject(
            number, raw_from_bytes(line[:RAW_KEEP_CHARS + 1], "utf-8"), "nested_too_deep",
            f"the line nests deeper than {limits.max_json_depth} levels of [ ] / {{ }}")
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return SourceReject(number, raw_from_bytes(line, "utf-8"), "bad_encoding",
                            "the line is not valid UTF-8 (JSON must be UTF-8)")
    return None


def _too_long_message(limits: ReadLimits) -> str:
    return (f"the line is longer than {limits.max_row_bytes:,} bytes "
            "(CROSSPLAY_INGEST_MAX_ROW_BYTES)")


def _json_fast(chunk: bytes, schema: pa.Schema | None) -> pa.Table:
    opts = pajson.ParseOptions(explicit_schema=schema, unexpected_field_behavior="infer")
    ropts = pajson.ReadOptions(use_threads=True, block_size=max(len(chunk) + 1, 1 << 20))
    table = pajson.read_json(io.BytesIO(chunk), read_options=ropts, parse_options=opts)
    for f in table.schema:
        if not (pa.types.is_string(f.type) or pa.types.is_integer(f.type)
                or pa.types.is_floating(f.type) or pa.types.is_boolean(f.type)
                or pa.types.is_null(f.type)):
            raise pa.ArrowInvalid(f"nested or inferred value in {f.name}")
    table.validate(full=True)  # Arrow passes bytes that are not UTF-8 through
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


def read_jsonl(path: Path, batch_rows: int,
               limits: ReadLimits | None = None) -> Iterator[SourceBatch]:
    limits = limits or ReadLimits()
    with open_stream(path) as fh:
        try:
            yield from _read_chunks(fh, limits, path)
        except (OSError, pa.ArrowException, EOFError) as exc:
            raise stream_error(path, exc) from None


def _lines_of(fh: pa.NativeFile, limits: ReadLimits) -> Iterator[tuple[bytes | None, int, int]]:
    """``(chunk of whole lines, first line number, bytes read)``; ``None`` stands for one
    line longer than the limit (skipped to its end) at that line number."""
    line, done = 1, 0
    carry = b""
    skipping = False
    first = True
    while True:
        block = bytes(fh.read(_JSON_CHUNK))
        done += len(block)
        if first:
            first = False
            if block.startswith(codecs.BOM_UTF8):
                block = block[len(codecs.BOM_UTF8):]
        if skipping:
            cut = block.find(b"\n")
            if cut < 0:
                if not block:
                    return
                continue
            block, skipping = block[cut + 1:], False
            if not block:
                continue
        data = carry + block
        if not data:
            return
        if block:
            cut = data.rfind(b"\n")
            if cut < 0:
                if len(data) > limits.max_row_bytes:
                    yield None, line, done
                    carry, skipping = b"", True
                    line += 1
                    continue
                carry = data
                continue
            chunk, carry = data[: cut + 1], data[cut + 1:]
        else:
            chunk, carry = data, b""
        yield chunk, line, done
        line += chunk.count(b"\n") + (0 if chunk.endswith(b"\n") else 1)
        if not block:
            return


def _read_chunks(fh: pa.NativeFile, limits: ReadLimits, path: Path) -> Iterator[SourceBatch]:
    schema: pa.Schema | None = None
    for chunk, line, done in _lines_of(fh, limits):
        if chunk is None:
            yield SourceBatch(pa.table({}), pa.array([], pa.int64()), [SourceReject(
                line, "", "row_too_long", _too_long_message(limits))], done)
            continue
        body = chunk[:-1] if chunk.endswith(b"\n") else chunk
        n_lines = body.count(b"\n") + 1
        table: pa.Table | None = None
        if not _BLANK_LINE.search(body) and not _Guards(body, limits).unsafe:
            try:
                if schema is None:
                    probe = pajson.read_json(io.BytesIO(chunk), read_options=pajson.ReadOptions(
                        block_size=max(len(chunk) + 1, 1 << 20)))
                    if probe.num_columns > limits.max_columns:
                        raise pa.ArrowInvalid("too many keys for the fast path")
                    schema = _json_text_schema(probe)
                table = _json_fast(chunk, schema)
                if table.num_rows != n_lines or table.num_columns > limits.max_columns:
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
            t, r, rejects = _json_lines_slow(body, line, limits, path)
            yield SourceBatch(t, pa.array(r, pa.int64()), rejects, done)
