"""JSON lines exports: Arrow's JSON reader per chunk, line by line where a chunk fails."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.json as pajson

from crossplay.ingest.batch import SourceBatch, SourceReject, raw_from_bytes

_JSON_CHUNK = 8 << 20
_BLANK_LINE = re.compile(rb"(^|\n)[ \t\r]*(\n|$)")


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
            rejects.append(SourceReject(number, raw_from_bytes(line, "utf-8"), "bad_encoding",
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
