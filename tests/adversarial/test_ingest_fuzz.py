"""Fuzzing the ingest readers and the mapping application (hypothesis, bounded time).

Two levels:

- the readers alone, fed arbitrary bytes after a valid header (CSV fast and row-by-row
  paths, JSON lines): they raise nothing but :class:`CrossplayError` (the CSV fast path
  may also give up with the errors that send a file to the row-by-row path), and every
  row or rejected row they yield has its own, increasing row number;
- whole runs of ``ingest()`` over structured but hostile rows (quotes, delimiters,
  newlines, NUL, surrogate-free Unicode, numbers at the edges, broken JSON, deep nesting)
  under drawn mappings (value maps, units, time zones, timestamp formats): nothing but a
  ``CrossplayError`` escapes, every row is accounted for, and no native id — every user
  id holds ``NATIVE_ID`` — is left in clear in the data directory.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crossplay.core.errors import CrossplayError
from crossplay.core.settings import load_settings
from crossplay.ingest.limits import ReadLimits
from crossplay.ingest.mapping import Mapping
from crossplay.ingest.pipeline import ingest
from crossplay.ingest.readers import open_source
from crossplay.lake import Lake
from tests.adversarial.test_ingest_corpus import CSV_HEADER, NATIVE_ID, files_holding

LIMITS = ReadLimits(max_columns=64, max_row_bytes=4_096, max_json_depth=16)
#: what the CSV fast path may raise to hand a file to the row-by-row path (pipeline.py)
FALLBACK = (pa.ArrowException, UnicodeError, csv.Error, OSError, EOFError)
FUZZ = settings(max_examples=200, deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
RUNS = settings(max_examples=80, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

EDGES = ["", " ", "\x00", "\r\n", "\r", "\n", '"', '""', "\\", "\\\"", ",", ";", "{", "}",
         "[", "]", "NaN", "inf", "-inf", "1e308", "-1.7e308", "9" * 400, "-0", "0x1F",
         "2026-09-01T20:00:00+99:00", "2026-09-01 20:00:00", "01/02/2026 10:00",
         "1788000000000", "1e30", "\ufeff", "\u2028", "𝕏", "课程", "\x1b[2J", "null", "true"]
hostile = st.one_of(st.sampled_from(EDGES), st.text(max_size=12),
                    st.text(st.characters(max_codepoint=0x7F), max_size=12))
user_ids = st.builds(lambda a, z: a + NATIVE_ID + z, hostile, hostile)


def _batches_ok(path: Path, fmt: str, *, slow: bool, encoding: str = "utf-8") -> None:
    seen: list[int] = []
    for batch in open_source(path, fmt, encoding, ",", 7, slow=slow,  # type: ignore[arg-type]
                             limits=LIMITS):
        assert batch.table.num_rows == len(batch.rows)
        assert batch.table.num_columns <= LIMITS.max_columns
        scalar = (pa.types.is_string, pa.types.is_integer, pa.types.is_floating,
                  pa.types.is_boolean)
        assert all(any(ok(t) for ok in (scalar if fmt == "jsonl" else scalar[:1]))
                   for t in batch.table.schema.types)
        numbers = sorted([*batch.rows.to_pylist(), *(r.row for r in batch.rejects)])
        assert all(n is not None and n > 0 for n in numbers)
        seen += numbers
    assert len(seen) == len(set(seen)), "a row number was given twice"


@FUZZ
@given(body=st.binary(max_size=3_000), slow=st.booleans(),
       encoding=st.sampled_from(["utf-8", "auto", "gb18030", "utf-16"]))
def test_csv_reader_on_arbitrary_bytes(body: bytes, slow: bool, encoding: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ev.csv"
        path.write_bytes((CSV_HEADER + "\n").encode() + body)
        try:
            _batches_ok(path, "csv", slow=slow, encoding=encoding)
        except CrossplayError:
            pass
        except FALLBACK:
            assert not slow, "the row-by-row path must not give up on a row"


@FUZZ
@given(lines=st.lists(st.one_of(
    st.binary(max_size=300),
    st.builds(lambda d: ("[" * d + "]" * d).encode(), st.integers(0, 40)),
    st.builds(lambda k: json.dumps({f"k{i}": i for i in range(k)}).encode(),
              st.integers(0, 100)),
    st.builds(lambda v: json.dumps({"uid": v}).encode()[:-1], hostile)), max_size=30))
def test_jsonl_reader_on_arbitrary_lines(lines: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ev.jsonl"
        path.write_bytes(b"\n".join(lines))
        with contextlib.suppress(CrossplayError):
            _batches_ok(path, "jsonl", slow=False)


MAPPINGS = st.fixed_dictionaries({
    "timezone": st.sampled_from(["Asia/Shanghai", "America/New_York", "UTC"]),
    "timestamp_format": st.sampled_from(["auto", "epoch_ms", "%Y-%m-%d %H:%M:%S",
                                         "%d.%m.%Y %H:%M%z"]),
    "values": st.dictionaries(hostile, st.sampled_from(["lesson_watch", "purchase", "x"]),
                              max_size=3),
    "units": st.sampled_from(["none", "ms_to_s", "cents_to_yuan", 1e300, 1e-300]),
})


def _mapping(drawn: dict[str, Any], columns: dict[str, str]) -> Mapping:
    return Mapping(columns=columns, timezone=drawn["timezone"],
                   timestamp_format=drawn["timestamp_format"],
                   values={"event_type": {"study": "lesson_watch", **drawn["values"]}},
                   units={"value": drawn["units"]}, constants={"currency": "CNY"},
                   properties=["device"])


def _run(path: Path, m: Mapping, expected_rows: int) -> None:
    """One run: only CrossplayError escapes; rows accounted for; no native id stored."""
    data_dir = path.parent / "data"
    s = load_settings(data_dir=data_dir, ingest_max_row_bytes=LIMITS.max_row_bytes)
    try:
        summary = ingest(s, [path], partner="knowledge", kind="events", mapping=m)
    except CrossplayError:
        assert not Lake(s.lake_dir).files("events"), "a refused run wrote rows"
    else:
        assert summary.read == expected_rows
        assert summary.read == (summary.accepted + summary.duplicates
                                + summary.already_ingested + summary.quarantined)
    assert files_holding(data_dir, NATIVE_ID) == []


csv_rows = st.lists(st.tuples(hostile, user_ids, hostile, hostile, hostile, hostile, hostile,
                              st.integers(-2, 2)), min_size=1, max_size=25)


@RUNS
@given(rows=csv_rows, drawn=MAPPINGS)
def test_ingest_csv_of_hostile_rows(rows: list[tuple[Any, ...]], drawn: dict[str, Any]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")  # quotes fields holding \r or \n
    w.writerow(CSV_HEADER.split(","))
    for *fields, change in rows:
        fields = fields + ["extra"] * change if change > 0 else fields[: 7 + change]
        w.writerow(fields)
    columns = {"event_id": "log_id", "user_id": "uid", "event_type": "behavior",
               "item_id": "course_id", "ts": "event_time", "value": "val"}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ev.csv"
        path.write_bytes(buf.getvalue().encode("utf-8"))
        _run(path, _mapping(drawn, columns), len(rows))


def _broken(text: str, how: int) -> str:
    if how == 1:
        return text[: max(1, len(text) // 2)]
    if how == 2:
        return "[" + text + "]"
    if how == 3:
        return text[:-1] + ', "x": ' + "[" * 70 + "]" * 70 + "}"
    return text


json_values = st.recursive(
    st.one_of(hostile, st.integers(), st.floats(), st.booleans(), st.none()),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(hostile, inner, max_size=3)), max_leaves=8)
json_lines = st.lists(st.tuples(hostile, user_ids, hostile, json_values, json_values,
                                st.integers(0, 6), st.booleans()), min_size=1, max_size=25)


@RUNS
@given(lines=json_lines, drawn=MAPPINGS)
def test_ingest_jsonl_of_hostile_lines(lines: list[tuple[Any, ...]],
                                       drawn: dict[str, Any]) -> None:
    out = []
    for event_id, uid, ts, val, props, how, ascii_only in lines:
        obj = {"id": event_id, "uid": uid, "type": "study", "ts": ts, "val": val,
               "device": props, "properties": props}
        out.append(_broken(json.dumps(obj, ensure_ascii=ascii_only), how))
    columns = {"event_id": "id", "user_id": "uid", "event_type": "type", "value": "val"}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ev.jsonl"
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
        _run(path, _mapping(drawn, columns), len(out))
