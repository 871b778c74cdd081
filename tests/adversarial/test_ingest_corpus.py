"""Hostile and careless exports: each ends in a quarantine row or a clear refusal.

Every case below is a file built in tmp and ingested through the CLI. Whatever it holds —
a row of the wrong shape, bytes of the wrong encoding, JSON nested 100,000 levels, a
100,000-column header, a truncated or bomb-like compressed stream, NUL bytes, +99:00
offsets, 1e308 amounts — the run must

- exit 0 (rows accepted or quarantined, with a reason) or 2 (a message for the file),
  never a traceback, a hang or a crash;
- account for every row it read (accepted + duplicates + already + quarantined = read,
  and read = the rows in the file where they can be counted), good rows of the file kept;
- leave no native user id in clear anywhere in the data directory (lake, quarantine,
  operational database), in the CLI's output or in the log;
- leave the lake readable (``crossplay stats``).

Every user id in these files contains ``NATIVE_ID``.
"""

from __future__ import annotations

import bz2
import gzip
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import CliRunner, write

NATIVE_ID = "NATIVEzq7"

CSV_HEADER = "log_id,uid,behavior,course_id,event_time,val,device"
CSV_MAPPING = """\
columns: {event_id: log_id, user_id: uid, event_type: behavior, item_id: course_id,
          ts: event_time, value: val}
values: {event_type: {study: lesson_watch, buy: purchase}}
constants: {currency: CNY}
units: {value: ms_to_s}
properties: [device]
"""
JSON_MAPPING = """\
columns: {event_id: id, user_id: uid, event_type: type, value: val}
values: {event_type: {study: lesson_watch}}
properties: [device]
"""
PARQUET_MAPPING = """\
columns: {event_id: id, user_id: uid, event_type: type, ts: ts, value: val}
"""
#: bounds for the cases that test them (small, so those files stay small and fast)
SMALL_LIMITS = {"CROSSPLAY_INGEST_MAX_ROW_BYTES": str(1 << 20)}


def row(i: int, *, uid: str | None = None, ts: str = "2026-09-01 20:00:00",
        val: str = "60000", device: str = "ios", event_id: str | None = None) -> str:
    uid = f"{NATIVE_ID}-{i}" if uid is None else uid
    return f"{event_id or i},{uid},study,C1,{ts},{val},{device}"


def csv_text(*rows: str, header: str = CSV_HEADER, newline: str = "\n") -> str:
    return newline.join([header, *rows]) + newline


def line(i: int, **extra: Any) -> str:
    obj: dict[str, Any] = {"id": str(i), "uid": f"{NATIVE_ID}-{i}", "type": "study",
                           "ts": "2026-09-01T20:00:00+08:00", "val": 60, "device": "ios"}
    obj.update(extra)
    return json.dumps(obj, ensure_ascii=False)


def jsonl(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def parquet_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return bytes(sink.getvalue().to_pybytes())


def events_table(n: int, **overrides: Any) -> pa.Table:
    cols: dict[str, Any] = {
        "id": [str(i) for i in range(n)],
        "uid": [f"{NATIVE_ID}-{i}" for i in range(n)],
        "type": ["course_view"] * n,
        "ts": pa.array([1_788_000_000_000 + i for i in range(n)], pa.int64()),
        "val": [1.0] * n,
    }
    cols.update(overrides)
    return pa.table(cols)


def gz(data: str | bytes) -> bytes:
    return gzip.compress(data.encode() if isinstance(data, str) else data, mtime=0)


def zst(data: str | bytes) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.CompressedOutputStream(sink, "zstd") as out:
        out.write(data.encode() if isinstance(data, str) else data)
    return bytes(sink.getvalue().to_pybytes())


def half(data: bytes) -> bytes:
    return data[: len(data) // 2]


def noise(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


@dataclass(frozen=True)
class Case:
    """One hostile file and what must come of it."""

    name: str
    file: str
    content: Callable[[], bytes]
    mapping: str = CSV_MAPPING
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    #: exit code 0: rows read (None: not countable), accepted, reasons {code: rows}
    read: int | None = None
    accepted: int | None = None
    reasons: dict[str, int] | None = None
    note: str | None = None
    #: exit code 2: the message must contain this
    error: str | None = None
    #: seconds the run may take at most
    within: float = 20.0


def ok(name: str, file: str, content: Callable[[], bytes], read: int | None, accepted: int,
       reasons: dict[str, int] | None = None, **kw: Any) -> Case:
    return Case(name, file, content, read=read, accepted=accepted, reasons=reasons or {}, **kw)


def refused(name: str, file: str, content: Callable[[], bytes], error: str,
            **kw: Any) -> Case:
    return Case(name, file, content, error=error, **kw)


def b(text: str, encoding: str = "utf-8") -> Callable[[], bytes]:
    return lambda: text.encode(encoding)


G1, G2 = row(1), row(3)
MANY = [row(i) for i in range(500)]
BOMB = 24 << 20  # decompressed bytes of a bomb-like gzip (1,000 times its size)

CASES: list[Case] = [
    # --- CSV rows whose shape is off: the raw row is masked whatever the shape (item 4)
    ok("csv_field_too_many", "ev.csv", b(csv_text(G1, row(2) + ",extra")), 2, 1,
       {"wrong_field_count": 1}),
    ok("csv_field_too_few", "ev.csv", b(csv_text(G1, row(2).rsplit(",", 1)[0])), 2, 1,
       {"wrong_field_count": 1}),
    ok("csv_id_with_bare_comma", "ev.csv", b(csv_text(G1, row(2, uid=f"{NATIVE_ID},2"))), 2, 1,
       {"wrong_field_count": 1}),
    ok("csv_id_with_quoted_comma_and_extra_field", "ev.csv",
       b(csv_text(G1, row(2, uid=f'"{NATIVE_ID},2"') + ",x")), 2, 1, {"wrong_field_count": 1}),
    ok("csv_id_with_escaped_quote_and_extra_field", "ev.csv",
       b(csv_text(G1, row(2, uid=f'"{NATIVE_ID}""2"') + ",x")), 2, 1, {"wrong_field_count": 1}),
    ok("csv_id_with_backslash_quote_and_extra_field", "ev.csv",
       b(csv_text(G1, row(2, uid=f'"{NATIVE_ID}\\"2"') + ",x")), 2, 1,
       {"wrong_field_count": 1}),
    ok("csv_id_with_quoted_newline_and_extra_field", "ev.csv",
       b(csv_text(G1, row(2, uid=f'"{NATIVE_ID}\n2"') + ",x")), 2, 1, {"wrong_field_count": 1}),
    ok("csv_id_alone_on_a_line", "ev.csv", b(csv_text(G1, f"{NATIVE_ID}-2", G2)), 3, 2,
       {"wrong_field_count": 1}),
    ok("csv_unterminated_quote_swallows_the_rest", "ev.csv",
       b(csv_text(G1, row(2, uid=f'"{NATIVE_ID}-2'), G2)), 2, 1, {"wrong_field_count": 1}),
    ok("csv_row_of_delimiters", "ev.csv", b(csv_text(G1, ",,,,,,")), 2, 1, {"missing_value": 1}),
    ok("csv_row_with_100k_fields", "ev.csv", b(csv_text(G1, ",".join([NATIVE_ID] * 100_000))),
       2, 1, {"wrong_field_count": 1}),
    # --- bad values (item 7)
    ok("csv_id_with_nul", "ev.csv", b(csv_text(G1, row(2, uid=f"{NATIVE_ID}\x002"))), 2, 1,
       {"control_character": 1}),
    ok("csv_id_with_escape_char", "ev.csv", b(csv_text(G1, row(2, uid=f"{NATIVE_ID}\x1b[2J"))),
       2, 1, {"control_character": 1}),
    ok("csv_id_over_256_characters", "ev.csv", b(csv_text(G1, row(2, uid=NATIVE_ID * 40))), 2, 1,
       {"too_long": 1}),
    ok("csv_event_id_with_control_character", "ev.csv",
       b(csv_text(G1, row(2, event_id="2\x01"))), 2, 1, {"control_character": 1}),
    ok("csv_property_with_nul", "ev.csv", b(csv_text(G1, row(2, device="io\x00s"))), 2, 1,
       {"control_character": 1}),
    ok("csv_amount_1e308", "ev.csv", b(csv_text(G1, row(2, val="1e308"))), 2, 1,
       {"number_out_of_range": 1}),
    ok("csv_amount_overflowing_after_units", "ev.csv", b(csv_text(G1, row(2, val="-1.7e308"))),
       2, 1, {"number_out_of_range": 1}),
    ok("csv_amount_inf", "ev.csv", b(csv_text(G1, row(2, val="inf"))), 2, 1,
       {"not_a_number": 1}),
    ok("csv_amount_nan", "ev.csv", b(csv_text(G1, row(2, val="NaN"))), 2, 1,
       {"not_a_number": 1}),
    ok("csv_amount_400_digits", "ev.csv", b(csv_text(G1, row(2, val="9" * 400))), 2, 1,
       {"not_a_number": 1}),
    ok("csv_offset_plus_99", "ev.csv", b(csv_text(G1, row(2, ts="2026-09-01T20:00:00+99:00"))),
       2, 1, {"offset_out_of_range": 1}),
    ok("csv_offset_plus_9999", "ev.csv", b(csv_text(G1, row(2, ts="2026-09-01 20:00:00+9999"))),
       2, 1, {"offset_out_of_range": 1}),
    ok("csv_offset_minus_14_01", "ev.csv",
       b(csv_text(G1, row(2, ts="2026-09-01T20:00:00-14:01"))), 2, 1,
       {"offset_out_of_range": 1}),
    ok("csv_offset_plus_14_is_real", "ev.csv",
       b(csv_text(G1, row(2, ts="2026-09-01T20:00:00+14:00"))), 2, 2),
    ok("csv_epoch_1e30", "ev.csv", b(csv_text(G1, row(2, ts="1e30"))), 2, 1,
       {"bad_timestamp": 1}),
    ok("csv_year_99999", "ev.csv", b(csv_text(G1, row(2, ts="99999-01-01 00:00:00"))), 2, 1,
       {"timestamp_out_of_range": 1}),
    # --- encodings and bytes (item 6)
    ok("csv_gz_with_one_undecodable_row", "ev.csv.gz",
       lambda: gz(csv_text(G1, G2).encode() + row(2, device="\udcb0").encode(
           "utf-8", "surrogateescape") + b"\n"), 3, 2, {"bad_encoding": 1},
       args=("--encoding", "utf-8")),
    ok("csv_gz", "ev.csv.gz", lambda: gz(csv_text(G1, G2)), 2, 2),
    refused("csv_gz_truncated", "ev.csv.gz", lambda: half(gz(csv_text(*MANY))),
            "truncated or corrupt gzip"),
    refused("csv_gz_that_is_not_gzip", "ev.csv.gz", b(csv_text(G1)), "gzip"),
    ok("csv_zst", "ev.csv.zst", lambda: zst(csv_text(G1, G2)), 2, 2),
    refused("csv_zst_truncated", "ev.csv.zst", lambda: half(zst(csv_text(*MANY))),
            "truncated or corrupt zstd"),
    ok("csv_bz2", "ev.csv.bz2", lambda: bz2.compress(csv_text(G1, G2).encode()), 2, 2),
    ok("csv_gzip_bomb_one_line", "ev.csv.gz",
       lambda: gz(csv_text(G1).encode() + b"7," + b"A" * BOMB + b"\n" + G2.encode() + b"\n"),
       3, 2, {"row_too_long": 1}, env=SMALL_LIMITS),
    ok("csv_gzip_bomb_blank_lines", "ev.csv.gz",
       lambda: gz(csv_text(G1).encode() + b"\n" * BOMB + G2.encode() + b"\n"), 2, 2),
    ok("csv_line_over_the_limit", "ev.csv",
       b(csv_text(G1, row(2, device="x" * (2 << 20)), G2)), 3, 2, {"row_too_long": 1},
       env=SMALL_LIMITS),
    refused("csv_random_binary", "ev.csv", lambda: noise(5_000, 1), "encoding"),
    refused("csv_random_binary_read_as_utf8", "ev.csv", lambda: noise(5_000, 2),
            "the header is not valid", args=("--encoding", "utf-8")),
    ok("csv_binary_rows_after_the_header", "ev.csv",
       lambda: (csv_text(G1) + "\n").encode() + noise(3_000, 3).replace(b"\n", b"\n,") + b"\n",
       None, 1, args=("--encoding", "utf-8")),
    refused("csv_gb18030_header_read_as_utf8", "ev.csv",
            b(csv_text(G1, header="日志,用户,行为,课程,时间,值,设备"), "gb18030"),
            "the header is not valid", args=("--encoding", "utf-8")),
    ok("csv_gb18030_detected", "ev.csv", b(csv_text(row(1, device="安卓手机")), "gb18030"), 1, 1),
    ok("csv_gb18030_rows_read_as_utf8", "ev.csv",
       lambda: csv_text(G1).encode() + row(2, device="安卓").encode("gb18030") + b"\n",
       2, 1, {"bad_encoding": 1}, args=("--encoding", "utf-8")),
    ok("csv_utf16_with_bom", "ev.csv", b(csv_text(G1, G2), "utf-16"), 2, 2),
    ok("csv_utf16le_without_bom", "ev.csv", b(csv_text(G1, G2), "utf-16-le"), 2, 2,
       args=("--encoding", "utf-16-le")),
    ok("csv_latin1", "ev.csv", b(csv_text(row(1, device="café crème")), "latin-1"), 1, 1,
       args=("--encoding", "latin-1")),
    ok("csv_shift_jis", "ev.csv", b(csv_text(row(1, device="ゲーム機")), "shift_jis"), 1, 1,
       args=("--encoding", "shift_jis")),
    ok("csv_only_a_bom", "ev.csv", lambda: b"\xef\xbb\xbf", 0, 0, note="no data rows"),
    ok("csv_empty", "ev.csv", lambda: b"", 0, 0, note="empty file"),
    ok("csv_crlf", "ev.csv", b(csv_text(G1, G2, newline="\r\n")), 2, 2),
    ok("csv_cr_only", "ev.csv", b(csv_text(G1, G2, newline="\r")), 2, 2),
    ok("csv_mixed_newlines", "ev.csv", b(CSV_HEADER + "\r\n" + G1 + "\r" + G2 + "\n"), 2, 2),
    ok("csv_nul_bytes_everywhere", "ev.csv",
       b(csv_text(G1, "\x00".join(row(2)), row(4, device="\x00"), G2)), 4, 2,
       {"control_character": 2}),
    # --- wide and repeated headers
    refused("csv_100k_column_header", "ev.csv",
            b(",".join(f"c{i}" for i in range(100_000)) + "\n" + "1," * 99_999 + "1\n"),
            "columns; the limit is 2,000", within=5.0),
    refused("csv_repeated_header_column", "ev.csv", b(csv_text(G1, header=CSV_HEADER + ",uid")),
            "repeats column"),
    refused("csv_header_of_one_megabyte", "ev.csv", b("h" * (2 << 20)), "longer than"),
    ok("csv_properties_column_nested_deep", "ev.csv",
       b(csv_text(G1 + ",", row(2) + ',"' + '{""a"":' * 10_000 + "1" + "}" * 10_000 + '"',
                  header=CSV_HEADER + ",properties")), 2, 1, {"nested_too_deep": 1}),
    ok("csv_properties_column_malformed_next_to_valid", "ev.csv",
       b(csv_text(G1 + ',"{""k"": 1}"', row(2) + ',"{a"', header=CSV_HEADER + ",properties")),
       2, 1, {"bad_json": 1}),
    # --- JSON lines (items 4, 6, 7)
    ok("jsonl_array_line", "ev.jsonl", lambda: jsonl(line(1), json.dumps(["2", NATIVE_ID])),
       2, 1, {"malformed_json": 1}, mapping=JSON_MAPPING),
    ok("jsonl_scalar_line", "ev.jsonl", lambda: jsonl(line(1), json.dumps(NATIVE_ID)), 2, 1,
       {"malformed_json": 1}, mapping=JSON_MAPPING),
    ok("jsonl_number_and_null_lines", "ev.jsonl", lambda: jsonl(line(1), "42", "null"), 3, 1,
       {"malformed_json": 2}, mapping=JSON_MAPPING),
    ok("jsonl_truncated_object", "ev.jsonl", lambda: jsonl(line(1), line(2)[:-20]), 2, 1,
       {"malformed_json": 1}, mapping=JSON_MAPPING),
    ok("jsonl_id_with_escaped_quote_in_broken_line", "ev.jsonl",
       lambda: jsonl(line(1), line(2, uid=f'{NATIVE_ID}"2')[:-1] + ",}"), 2, 1,
       {"malformed_json": 1}, mapping=JSON_MAPPING),
    ok("jsonl_id_with_comma_in_broken_line", "ev.jsonl",
       lambda: jsonl(line(1), line(2, uid=f"{NATIVE_ID},2")[:-1]), 2, 1,
       {"malformed_json": 1}, mapping=JSON_MAPPING),
    ok("jsonl_id_unquoted", "ev.jsonl",
       lambda: jsonl(line(1), line(2).replace(f'"{NATIVE_ID}-2"', f"{NATIVE_ID}-2")), 2, 1,
       {"malformed_json": 1}, mapping=JSON_MAPPING),
    ok("jsonl_lone_surrogate_in_id", "ev.jsonl",
       lambda: jsonl(line(1), line(2).replace(f"{NATIVE_ID}-2", f"{NATIVE_ID}\\ud800")), 2, 1,
       {"bad_encoding": 1}, mapping=JSON_MAPPING),
    ok("jsonl_lone_surrogate_in_key", "ev.jsonl",
       lambda: jsonl(line(1), line(2).replace('"device"', '"dev\\udfffice"')), 2, 1,
       {"bad_encoding": 1}, mapping=JSON_MAPPING),
    ok("jsonl_nested_1000", "ev.jsonl", lambda: jsonl(line(1), line(2)[:-1] + ', "x": '
                                                      + deep(1_000) + "}"),
       2, 1, {"nested_too_deep": 1}, mapping=JSON_MAPPING),
    ok("jsonl_nested_100000", "ev.jsonl", lambda: jsonl(line(1), line(2)[:-1] + ', "x": '
                                                        + deep(100_000) + "}", line(3)),
       3, 2, {"nested_too_deep": 1}, mapping=JSON_MAPPING, within=10.0),
    ok("jsonl_nested_100000_objects_unclosed", "ev.jsonl",
       lambda: jsonl(line(1), '{"a":' * 100_000), 2, 1, {"nested_too_deep": 1},
       mapping=JSON_MAPPING, within=10.0),
    ok("jsonl_brackets_inside_strings_are_not_depth", "ev.jsonl",
       lambda: jsonl(line(1, device="[" * 500 + "{" * 500)), 1, 1, mapping=JSON_MAPPING),
    ok("jsonl_property_with_invalid_byte", "ev.jsonl",
       lambda: jsonl(line(1)) + line(2).encode().replace(b'"ios"', b'"i\xffos"') + b"\n",
       2, 1, {"bad_encoding": 1}, mapping=JSON_MAPPING),
    ok("jsonl_properties_with_nul_escape", "ev.jsonl",
       lambda: jsonl(line(1), line(2, properties={"device_id": "a\u0000b"})), 2, 1,
       {"control_character": 1}, mapping=JSON_MAPPING),
    ok("jsonl_properties_with_escaped_backslash_is_fine", "ev.jsonl",
       lambda: jsonl(line(1, properties={"path": "C:\\bin\\u0000"})), 1, 1,
       mapping=JSON_MAPPING),
    ok("jsonl_id_with_nul_escape", "ev.jsonl",
       lambda: jsonl(line(1), line(2, uid=f"{NATIVE_ID}\u00002")), 2, 1,
       {"control_character": 1}, mapping=JSON_MAPPING),
    ok("jsonl_id_over_256_characters", "ev.jsonl",
       lambda: jsonl(line(1), line(2, uid=NATIVE_ID * 30)), 2, 1, {"too_long": 1},
       mapping=JSON_MAPPING),
    ok("jsonl_amount_1e308", "ev.jsonl", lambda: jsonl(line(1), line(2, val=1e308)), 2, 1,
       {"number_out_of_range": 1}, mapping=JSON_MAPPING),
    ok("jsonl_amount_nan_literal", "ev.jsonl",
       lambda: jsonl(line(1), line(2).replace('"val": 60', '"val": NaN')), 2, 1,
       {"not_a_number": 1}, mapping=JSON_MAPPING),
    ok("jsonl_integer_of_5000_digits", "ev.jsonl",
       lambda: jsonl(line(1), line(2).replace('"val": 60', '"val": ' + "7" * 5_000)), 2, 1,
       {"not_a_number": 1}, mapping=JSON_MAPPING),
    ok("jsonl_integer_of_5000_digits_line_by_line", "ev.jsonl",
       lambda: jsonl(line(1), line(2).replace('"val": 60', '"val": ' + "7" * 5_000), "{"),
       3, 1, {"malformed_json": 2}, mapping=JSON_MAPPING),
    ok("jsonl_offset_plus_99", "ev.jsonl",
       lambda: jsonl(line(1), line(2, ts="2026-09-01T20:00:00+99:00")), 2, 1,
       {"offset_out_of_range": 1}, mapping=JSON_MAPPING),
    ok("jsonl_100k_keys_on_one_line", "ev.jsonl",
       lambda: jsonl(line(1), json.dumps({f"k{i}": NATIVE_ID for i in range(100_000)})), 2, 1,
       {"too_many_fields": 1}, mapping=JSON_MAPPING, within=10.0),
    ok("jsonl_line_over_the_limit", "ev.jsonl",
       lambda: jsonl(line(1), line(2, device="x" * (2 << 20)), line(3)), 3, 2,
       {"row_too_long": 1}, mapping=JSON_MAPPING, env=SMALL_LIMITS),
    ok("jsonl_gzip_bomb_one_line", "ev.jsonl.gz",
       lambda: gz(jsonl(line(1)) + b'{"uid": "' + NATIVE_ID.encode() + b'", "x": "'
                  + b"A" * BOMB + b'"}\n' + jsonl(line(3))),
       3, 2, {"row_too_long": 1}, mapping=JSON_MAPPING, env=SMALL_LIMITS),
    ok("jsonl_gz_with_one_bad_line", "ev.jsonl.gz",
       lambda: gz(jsonl(line(1), "[" + NATIVE_ID, line(3))), 3, 2, {"malformed_json": 1},
       mapping=JSON_MAPPING),
    refused("jsonl_gz_truncated", "ev.jsonl.gz",
            lambda: half(gz(jsonl(*(line(i) for i in range(500))))),
            "truncated or corrupt gzip", mapping=JSON_MAPPING),
    ok("jsonl_with_bom", "ev.jsonl", lambda: b"\xef\xbb\xbf" + jsonl(line(1), line(2)), 2, 2,
       mapping=JSON_MAPPING),
    ok("jsonl_utf16", "ev.jsonl", lambda: "\n".join([line(1), line(2)]).encode("utf-16-le"),
       None, 0, mapping=JSON_MAPPING),
    ok("jsonl_crlf", "ev.jsonl", lambda: (line(1) + "\r\n" + line(2) + "\r\n").encode(), 2, 2,
       mapping=JSON_MAPPING),
    ok("jsonl_blank_and_white_space_lines", "ev.jsonl",
       lambda: ("\n \n" + line(1) + "\n\t\r\n\n" + line(2) + "\n\n").encode(), 2, 2,
       mapping=JSON_MAPPING),
    ok("jsonl_raw_nul_in_a_line", "ev.jsonl",
       lambda: jsonl(line(1), line(2).replace(f"{NATIVE_ID}-2", f"{NATIVE_ID}\x00-2")), 2, 1,
       {"malformed_json": 1}, mapping=JSON_MAPPING),
    ok("jsonl_random_binary", "ev.jsonl", lambda: noise(20_000, 4), None, 0,
       mapping=JSON_MAPPING),
    ok("jsonl_empty", "ev.jsonl", lambda: b"", 0, 0, mapping=JSON_MAPPING, note="empty file"),
    # --- Parquet
    refused("parquet_duplicate_column_names", "ev.parquet",
            lambda: parquet_bytes(pa.table([pa.array(["1"]), pa.array([NATIVE_ID]),
                                            pa.array([NATIVE_ID])], names=["id", "uid", "uid"])),
            "repeats column", mapping=PARQUET_MAPPING),
    refused("parquet_truncated", "ev.parquet", lambda: parquet_bytes(events_table(50))[:300],
            "not a readable Parquet file", mapping=PARQUET_MAPPING),
    refused("parquet_that_is_csv", "ev.parquet", b(csv_text(G1)), "not a readable Parquet file",
            mapping=PARQUET_MAPPING),
    refused("parquet_2500_columns", "ev.parquet",
            lambda: parquet_bytes(pa.table({f"c{i}": [1] for i in range(2_500)})),
            "2,500 columns; the limit is 2,000", mapping=PARQUET_MAPPING),
    ok("parquet_zero_rows", "ev.parquet", lambda: parquet_bytes(events_table(0)), 0, 0,
       mapping=PARQUET_MAPPING),
    ok("parquet_inf_and_nan", "ev.parquet",
       lambda: parquet_bytes(events_table(3, val=[1.0, float("inf"), float("nan")])), 3, 1,
       {"not_a_number": 2}, mapping=PARQUET_MAPPING),
    ok("parquet_huge_numbers", "ev.parquet",
       lambda: parquet_bytes(events_table(3, val=pa.array([1, 2**63 - 1, -(2**62)],
                                                              pa.int64()))),
       3, 1, {"number_out_of_range": 2}, mapping=PARQUET_MAPPING),
    ok("parquet_invalid_utf8_text", "ev.parquet",
       lambda: parquet_bytes(events_table(2, type=pa.array([b"course_view", b"course\xff"],
                                                             pa.binary()).view(pa.string()))),
       2, 1, {"bad_encoding": 1}, mapping=PARQUET_MAPPING),
    ok("parquet_nul_in_id", "ev.parquet",
       lambda: parquet_bytes(events_table(2, uid=[f"{NATIVE_ID}-0", f"{NATIVE_ID}\x00"])),
       2, 1, {"control_character": 1}, mapping=PARQUET_MAPPING),
    ok("parquet_far_future_and_past", "ev.parquet",
       lambda: parquet_bytes(events_table(3, ts=pa.array([1_788_000_000_000, 253_402_300_799_000,
                                                           -62_135_596_800_000], pa.int64()))),
       3, 1, {"timestamp_out_of_range": 1, "bad_timestamp": 1}, mapping=PARQUET_MAPPING),
    refused("parquet_struct_user_id", "ev.parquet",
            lambda: parquet_bytes(events_table(1, uid=pa.array([{"n": NATIVE_ID}]))),
            "cannot read", mapping=PARQUET_MAPPING),
]


def files_holding(root: Path, needle: str) -> list[str]:
    """Files under ``root`` holding ``needle``: as bytes, or in any Parquet value."""
    hits = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if needle.encode() in data:
            hits.append(str(path))
        elif path.suffix == ".parquet":
            rows = pq.read_table(path).to_pylist()
            if needle in json.dumps(rows, default=str):
                hits.append(str(path))
    return hits


def test_the_corpus_is_large_and_named_uniquely() -> None:
    names = [c.name for c in CASES]
    assert len(set(names)) == len(names)
    assert len(CASES) >= 60


@pytest.mark.timeout(120)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_export(case: Case, cli: CliRunner, tmp_path: Path, data_dir: Path,
                        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
                        ) -> None:
    caplog.set_level(logging.DEBUG)
    for var, value in case.env.items():
        monkeypatch.setenv(var, value)
    src = write(tmp_path / "in" / case.file, case.content())
    m = write(tmp_path / "m.yaml", case.mapping)
    started = time.monotonic()
    res = cli("ingest", src, "--partner", "knowledge", "--kind", "events", "--mapping", m,
              "--json", *case.args)
    took = time.monotonic() - started
    said = res.out + res.err
    assert "Traceback" not in said
    assert took < case.within, f"took {took:.1f} s"
    if case.error is not None:
        assert res.code == 2, said
        assert res.err.startswith("error ("), res.err
        assert case.error in res.err_flat
    else:
        assert res.code == 0, said
        s = res.json()
        assert s["read"] == s["accepted"] + s["duplicates"] + s["already_ingested"] + \
            s["quarantined"]
        if case.read is not None:
            assert s["read"] == case.read
        assert s["accepted"] == case.accepted
        if case.read is not None:
            assert s["quarantined_by_reason"] == case.reasons
        else:
            assert set(s["quarantined_by_reason"]) <= {"bad_encoding", "malformed_json",
                                                       "wrong_field_count", "row_too_long",
                                                       "nested_too_deep", "missing_value",
                                                       "control_character"}
        if case.note is not None:
            assert s["files"][0]["note"] == case.note
    assert NATIVE_ID not in said
    assert NATIVE_ID not in caplog.text
    assert files_holding(data_dir, NATIVE_ID) == []
    stats = cli("stats", "--json")
    assert stats.code == 0, stats.err
    lake = stats.json()
    if case.error is None:
        assert lake["tables"]["events"] == case.accepted
        by_reason = {q["reason_code"]: q["rows"] for q in lake["quarantine"]}
        assert by_reason == s["quarantined_by_reason"]
    else:
        assert lake["tables"]["events"] == 0 and lake["quarantine"] == []
