"""Fast text for exports: ids, timestamps and JSON lines built column-wise with Arrow.

Nothing here formats a row at a time: fixed-width strings are byte matrices turned into
Arrow string arrays without copying, and JSON lines are element-wise string joins.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import lru_cache
from typing import BinaryIO, Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from crossplay.synth.sampling import SECONDS_PER_DAY, IntArray

U8 = npt.NDArray[np.uint8]
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_MASK48 = np.uint64((1 << 48) - 1)


def fixed_width(mat: U8) -> pa.Array:
    """A (n, w) byte matrix as an Arrow string array of n strings of width w."""
    n, w = mat.shape
    offsets = np.arange(n + 1, dtype=np.int32) * np.int32(w)
    data = np.ascontiguousarray(mat).tobytes()
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets.tobytes()), pa.py_buffer(data))


def _digits(values: IntArray, width: int) -> U8:
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((values[:, None] // powers[None, :]) % 10 + ord("0")).astype(np.uint8)


def prefixed_digits(prefix: str, values: IntArray, width: int) -> pa.Array:
    """``prefix`` followed by ``values`` zero-padded to ``width`` digits."""
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    mat = np.empty((values.size, head.size + width), dtype=np.uint8)
    mat[:, : head.size] = head
    mat[:, head.size:] = _digits(values, width)
    return fixed_width(mat)


def knowledge_uids(person: IntArray, seed: int) -> pa.Array:
    """Knowledge-side native ids ``K`` + 8 digits: a bijection of the person index."""
    scrambled = (person * 48_271 + 10_007 * (seed % 9_973) + 1_234_567) % 100_000_000
    return prefixed_digits("K", scrambled, 8)


def game_uids(person: IntArray, seed: int) -> pa.Array:
    """Game-side native ids ``g_`` + 12 hex digits: a 48-bit bijective hash."""
    x = (person.astype(np.uint64) + np.uint64(seed * 0x9E37 + 0x5BD1)) & _MASK48
    x = (x * np.uint64(0xD6E8FEB86659FD93)) & _MASK48
    x ^= x >> np.uint64(23)
    x = (x * np.uint64(0x9E3779B97F4A7C15)) & _MASK48
    x ^= x >> np.uint64(19)
    shifts = np.arange(44, -1, -4, dtype=np.uint64)
    nibbles = ((x[:, None] >> shifts[None, :]) & np.uint64(0xF)).astype(np.intp)
    mat = np.empty((person.size, 14), dtype=np.uint8)
    mat[:, 0] = ord("g")
    mat[:, 1] = ord("_")
    mat[:, 2:] = _HEX[nibbles]
    return fixed_width(mat)


@lru_cache(maxsize=1)
def _clock_table() -> U8:
    s = np.arange(SECONDS_PER_DAY, dtype=np.int64)
    hh, mm, ss = s // 3600, (s // 60) % 60, s % 60
    mat = np.full((SECONDS_PER_DAY, 8), ord(":"), dtype=np.uint8)
    mat[:, 0:2] = _digits(hh, 2)
    mat[:, 3:5] = _digits(mm, 2)
    mat[:, 6:8] = _digits(ss, 2)
    return mat


def _date_table(first_day: int, n_days: int) -> U8:
    epoch = dt.date(1970, 1, 1)
    text = "".join(
        (epoch + dt.timedelta(days=first_day + i)).isoformat() for i in range(n_days)
    )
    return np.frombuffer(text.encode("ascii"), dtype=np.uint8).reshape(n_days, 10)


def local_time_text(
    epoch_local: IntArray, style: Literal["space", "iso8"] = "space"
) -> pa.Array:
    """Wall-clock seconds since 1970 (local) as ``YYYY-MM-DD HH:MM:SS`` or ISO ``+08:00``."""
    n = epoch_local.size
    width = 19 if style == "space" else 25
    mat = np.empty((n, width), dtype=np.uint8)
    if n:
        day = epoch_local // SECONDS_PER_DAY
        first = int(day.min())
        dates = _date_table(first, int(day.max()) - first + 1)
        mat[:, 0:10] = dates[day - first]
        mat[:, 10] = ord(" ") if style == "space" else ord("T")
        mat[:, 11:19] = _clock_table()[epoch_local - day * SECONDS_PER_DAY]
        if style == "iso8":
            mat[:, 19:] = np.frombuffer(b"+08:00", dtype=np.uint8)
    return fixed_width(mat)


def as_text(values: IntArray, valid: npt.NDArray[np.bool_] | None = None) -> pa.Array:
    """Integers as strings, null where ``valid`` is False."""
    arr = pa.array(values, mask=None if valid is None else ~valid)
    return pc.cast(arr, pa.string())


def take_text(table: Sequence[str], codes: IntArray, valid: npt.NDArray[np.bool_] | None = None
              ) -> pa.Array:
    """``table[codes]`` as an Arrow string array (null where ``valid`` is False)."""
    idx = pa.array(codes, mask=None if valid is None else ~valid)
    return pc.take(pa.array(list(table), pa.string()), idx)


# --- JSON lines ------------------------------------------------------------------------
JsonKind = Literal["str", "raw"]


def json_lines(fields: Sequence[tuple[str, pa.Array, JsonKind]]) -> pa.Array:
    """``{"k1":v1,...}\n`` per row, one element-wise join for the whole line.

    ``"str"`` values are quoted (they must need no escaping; nulls become ``null``),
    ``"raw"`` values are numbers or booleans written as Arrow casts them to text.
    """
    parts: list[pa.Array | str] = []
    pending = "{"
    for key, values, kind in fields:
        pending += f'"{key}":'
        if kind == "str" and values.null_count == 0:
            parts += [pending + '"', values]
            pending = '",'
            continue
        if kind == "str":
            rendered = pc.fill_null(pc.binary_join_element_wise('"', values, '"', ""), "null")
        else:
            rendered = pc.fill_null(pc.cast(values, pa.string()), "null")
        parts += [pending, rendered]
        pending = ","
    parts.append(pending[:-1] + "}\n")
    return pc.binary_join_element_wise(*parts, "")


def write_text_rows(out: BinaryIO, rows: pa.Array) -> int:
    """Write the concatenated string values of ``rows`` (no separators added); bytes out."""
    if len(rows) == 0:
        return 0
    _, offsets_buf, data_buf = rows.buffers()
    width = np.int64 if rows.type == pa.large_string() else np.int32
    offsets = np.frombuffer(offsets_buf, dtype=width)[rows.offset: rows.offset + len(rows) + 1]
    lo, hi = int(offsets[0]), int(offsets[-1])
    out.write(memoryview(data_buf)[lo:hi])
    return hi - lo


def escape_check(values: Sequence[str]) -> None:
    """Raise if a fixed vocabulary would need JSON or CSV escaping."""
    for v in values:
        if any(ch in v for ch in '"\\\n\r,'):
            raise ValueError(f"vocabulary value {v!r} would need escaping")
