"""Timestamp parsing in SQL: every accepted text / typed form -> UTC as a naive TIMESTAMP.

Naive values are local time in the mapping's zone. Zones with one fixed UTC offset over the
years a run accepts (Asia/Shanghai, UTC since 2000; not Asia/Shanghai before 1992, which had
daylight saving time) are converted by arithmetic; others go through ICU's rules, and local
times that do not exist or happen twice (DST) are rejected.

Times before ``MIN_TIMESTAMP`` (2000-01-01 UTC) are out of range unless the mapping sets an
earlier ``min_timestamp`` (ratings data sets start in the 1990s).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pyarrow as pa

from crossplay.core import clock
from crossplay.ingest.sqlbase import Plan, lit, reason_sql, typed_source, value_text
from crossplay.schema.tables import Field

DMY_RE = r"(\d{1,2})/(\d{1,2})/(\d{4})(.*)"
#: a UTC offset after a time of day: groups hours, minutes (DuckDB reads +99:00 and +9999)
OFFSET_RE = r"\d:\d{2}(?::\d{2}(?:\.\d+)?)?\s*[+-](\d{2})(?::?(\d{2}))?(?::?\d{2})?\s*$"
MAX_OFFSET_MINUTES = 14 * 60
#: the earliest time accepted unless the mapping sets ``min_timestamp``
MIN_TIMESTAMP = date(2000, 1, 1)


def min_timestamp(plan: Plan) -> date:
    """The earliest time (UTC) the run accepts: the mapping's ``min_timestamp`` or 2000."""
    return plan.mapping.min_timestamp or MIN_TIMESTAMP


def fixed_offset_seconds(tz: str, since: int = MIN_TIMESTAMP.year) -> int | None:
    """The zone's UTC offset when it has not changed since the year ``since`` (no DST),
    else None."""
    zone = ZoneInfo(tz)
    offsets = set()
    for year in range(since, clock.today_year() + 2):
        for month in (1, 4, 7, 10):
            off = datetime(year, month, 15, tzinfo=zone).utcoffset()
            offsets.add(int(off.total_seconds()) if off is not None else 0)
    return offsets.pop() if len(offsets) == 1 else None


def to_utc(tz: str, naive: str, since: int = MIN_TIMESTAMP.year) -> str:
    """Local wall time ``naive`` (TIMESTAMP) -> UTC as a naive TIMESTAMP.

    Zones with one fixed offset since the year ``since`` (Asia/Shanghai since 2000, UTC)
    need only arithmetic; others go through ICU's time-zone rules.
    """
    fixed = fixed_offset_seconds(tz, since)
    if fixed is not None:
        return naive if fixed == 0 else f"({naive} - INTERVAL {fixed} SECOND)"
    return f"make_timestamp(epoch_us(timezone({lit(tz)}, {naive})))"


def from_utc(tz: str, utc: str) -> str:
    """UTC naive TIMESTAMP -> local wall time in ``tz`` (TIMESTAMP)."""
    return f"CAST(timezone({lit(tz)}, timezone('UTC', {utc})) AS TIMESTAMP)"


def has_offset(t: str) -> str:
    return (f"(right({t}, 1) IN ('Z', 'z') OR contains({t}, '+') OR "
            f"(strlen({t}) > 10 AND contains(substr({t}, 11), '-')))")


def naive_ts_expr(plan: Plan, f: Field) -> str:
    """Naive local timestamp parsed from text (NULL when the text has an offset / epoch)."""
    t = f"__t_{f.name}"
    fmt = plan.mapping.timestamp_format
    if fmt in ("epoch_s", "epoch_ms"):
        return "CAST(NULL AS TIMESTAMP)"
    if fmt != "auto":
        if "%z" in fmt or "%Z" in fmt:
            return "CAST(NULL AS TIMESTAMP)"
        return f"try_strptime({t}, {lit(fmt)})"
    dmy = (f"CASE WHEN CAST(regexp_extract({t}, {lit(DMY_RE)}, 1) AS INT) > 12 "
           f"THEN regexp_replace({t}, {lit(DMY_RE)}, '\\3-\\2-\\1\\4') "
           f"WHEN CAST(regexp_extract({t}, {lit(DMY_RE)}, 2) AS INT) > 12 "
           f"OR regexp_extract({t}, {lit(DMY_RE)}, 1) = regexp_extract({t}, {lit(DMY_RE)}, 2) "
           f"THEN regexp_replace({t}, {lit(DMY_RE)}, '\\3-\\1-\\2\\4') END")
    return (f"CASE WHEN {has_offset(t)} THEN NULL "
            f"ELSE coalesce(TRY_CAST({t} AS TIMESTAMP), CASE WHEN regexp_full_match({t}, "
            f"{lit(DMY_RE)}) THEN TRY_CAST({dmy} AS TIMESTAMP) END) END")


def ts_expr(plan: Plan, f: Field, types: dict[str, pa.DataType]) -> str:
    """UTC as a naive TIMESTAMP (arithmetic only; the lake stores it tagged as UTC)."""
    tz = plan.timezone
    since = min_timestamp(plan).year
    typed = typed_source(plan, f, types)
    fmt = plan.mapping.timestamp_format
    if typed is not None:
        col, t = typed
        if pa.types.is_timestamp(t):
            if t.tz is None:
                return to_utc(tz, f"CAST({col} AS TIMESTAMP)", since)
            return f"make_timestamp(epoch_us({col}))"
        if pa.types.is_date(t):
            return to_utc(tz, f"CAST({col} AS TIMESTAMP)", since)
        if pa.types.is_integer(t) or pa.types.is_floating(t):
            return epoch_expr(f"CAST({col} AS DOUBLE)", fmt)
    text = f"__t_{f.name}"
    naive = f"__n_{f.name}"
    if fmt in ("epoch_s", "epoch_ms"):
        return epoch_expr(f"TRY_CAST({text} AS DOUBLE)", fmt)
    if fmt != "auto":
        if "%z" in fmt or "%Z" in fmt:
            return f"make_timestamp(epoch_us(try_strptime({text}, {lit(fmt)})))"
        return to_utc(tz, naive, since)
    return (f"CASE WHEN {naive} IS NOT NULL THEN {to_utc(tz, naive, since)} "
            f"WHEN {has_offset(text)} "
            f"THEN make_timestamp(epoch_us(TRY_CAST({text} AS TIMESTAMPTZ))) "
            f"WHEN regexp_full_match({text}, '\\d{{9,10}}(\\.\\d+)?') "
            f"THEN {epoch_expr(f'TRY_CAST({text} AS DOUBLE)', 'epoch_s')} "
            f"WHEN regexp_full_match({text}, '\\d{{12,13}}') "
            f"THEN {epoch_expr(f'TRY_CAST({text} AS DOUBLE)', 'epoch_ms')} END")


def epoch_expr(num: str, fmt: str) -> str:
    micros = {
        "epoch_s": f"{num} * 1000000",
        "epoch_ms": f"{num} * 1000",
        "auto": f"CASE WHEN abs({num}) >= 1e11 THEN {num} * 1000 ELSE {num} * 1000000 END",
    }.get(fmt, f"{num} * 1000000")
    return f"CASE WHEN abs({num}) < 1e14 THEN make_timestamp(CAST({micros} AS BIGINT)) END"


def ts_checks(plan: Plan, f: Field, types: dict[str, pa.DataType]) -> list[tuple[str, str]]:
    t, p, n = f"__t_{f.name}", f"__v_{f.name}", f"__n_{f.name}"
    tz = plan.timezone
    out: list[tuple[str, str]] = []
    text_source = typed_source(plan, f, types) is None
    if text_source and plan.mapping.timestamp_format not in ("epoch_s", "epoch_ms"):
        hours = f"CAST(regexp_extract({t}, {lit(OFFSET_RE)}, 1) AS INT)"
        minutes = f"coalesce(TRY_CAST(regexp_extract({t}, {lit(OFFSET_RE)}, 2) AS INT), 0)"
        out.append((f"regexp_matches({t}, {lit(OFFSET_RE)}) AND "
                    f"({hours} * 60 + {minutes} > {MAX_OFFSET_MINUTES} OR {minutes} > 59)",
                    reason_sql(
            "offset_out_of_range", f.name,
            f"'timestamp ''' || {value_text(f)} || ''' has a UTC offset beyond ±14:00 (real "
            f"offsets run from -12:00 to +14:00)'")))
    if text_source and plan.mapping.timestamp_format == "auto":
        a = f"CAST(regexp_extract({t}, {lit(DMY_RE)}, 1) AS INT)"
        b = f"CAST(regexp_extract({t}, {lit(DMY_RE)}, 2) AS INT)"
        out.append((f"{p} IS NULL AND {t} IS NOT NULL AND regexp_full_match({t}, "
                    f"{lit(DMY_RE)}) AND {a} <= 12 AND {b} <= 12 "
                    f"AND {a} <> {b}", reason_sql(
            "ambiguous_timestamp", f.name,
            f"'timestamp ''' || {value_text(f)} || ''' is ambiguous: day and month could be "
            f"swapped. Set timestamp_format in the mapping (e.g. ''%d/%m/%Y %H:%M:%S'')'")))
    if text_source and fixed_offset_seconds(tz, min_timestamp(plan).year) is None:
        back = from_utc(tz, p)
        out.append((f"{n} IS NOT NULL AND {p} IS NOT NULL AND {back} <> {n}", reason_sql(
            "nonexistent_local_time", f.name,
            f"'local time ''' || {value_text(f)} || ''' does not exist in {tz} (clocks jumped "
            f"forward); use timestamps with a UTC offset'")))
        out.append((
            f"{n} IS NOT NULL AND {p} IS NOT NULL AND ("
            f"{from_utc(tz, p + ' + INTERVAL 1 HOUR')} = {n} OR "
            f"{from_utc(tz, p + ' - INTERVAL 1 HOUR')} = {n})",
            reason_sql("ambiguous_local_time", f.name,
                    f"'local time ''' || {value_text(f)} || ''' happens twice in {tz} (clocks went "
                    f"back); use timestamps with a UTC offset'")))
    fmt = plan.mapping.timestamp_format
    expected = ("expected e.g. 2026-09-01 20:15:00, ISO 8601 with an offset, or epoch "
                "seconds / ms; or set timestamp_format in the mapping" if fmt == "auto"
                else f"it does not match timestamp_format {fmt} of the mapping")
    out.append((f"{t} IS NOT NULL AND {p} IS NULL", reason_sql(
        "bad_timestamp", f.name,
        f"'''' || {value_text(f)} || ''' is not a valid timestamp ("
        f"{expected.replace(chr(39), chr(39) * 2)})'")))
    first = min_timestamp(plan)
    lo = f"TIMESTAMP '{first:%Y-%m-%d} 00:00:00'"
    hi = f"TIMESTAMP {lit(plan.max_ts.strftime('%Y-%m-%d %H:%M:%S'))}"
    setting = (f"min_timestamp {first:%Y-%m-%d} of the mapping" if plan.mapping.min_timestamp
               else "for older data set min_timestamp in the mapping, e.g. "
                    "min_timestamp: 1990-01-01")
    out.append((f"{p} < {lo}", reason_sql(
        "timestamp_out_of_range", f.name,
        f"'timestamp ''' || {value_text(f)} || ''' is before {first:%Y-%m-%d} (UTC; "
        f"{setting})'")))
    out.append((f"{p} > {hi}", reason_sql(
        "timestamp_out_of_range", f.name,
        f"'timestamp ''' || {value_text(f)} || ''' is after {plan.max_ts:%Y-%m-%d} (UTC): "
        "more than a day in the future'")))
    return out
