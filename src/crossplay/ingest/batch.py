"""What readers yield: Arrow batches with row numbers, and rows they could not parse."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa


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


def raw_from_bytes(data: bytes, encoding: str) -> str:
    return data.decode(encoding, errors="backslashreplace")
