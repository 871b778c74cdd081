"""Every kind of bad input ends in quarantine (or a clear error), never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CliRunner, write
from tests.ingest.helpers import EVENTS_MAPPING, HEADER, events_csv, mapping

GOOD = "1,K001,study,C1,2026-09-01 20:00:00,60000,ios"


def ingest(cli: CliRunner, path: Path, m: Path | None, *extra: str) -> dict:  # type: ignore[type-arg]
    args = ["ingest", path, "--partner", "knowledge", "--kind", "events", "--json", *extra]
    if m is not None:
        args += ["--mapping", m]
    res = cli(*args)
    assert res.code == 0, res.err
    return res.json()  # type: ignore[no-any-return]


def quarantine(cli: CliRunner) -> list[dict]:  # type: ignore[type-arg]
    res = cli("quarantine", "show", "--json", "--limit", "1000")
    assert res.code == 0, res.err
    return res.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("row", "code", "message"),
    [
        ("2,K002,study,C1,2026-09-01 20:00:00,abc,ios", "not_a_number",
         "value 'abc' is not a number"),
        ("2,K002,fly,C1,2026-09-01 20:00:00,1,ios", "unknown_value",
         "unknown event_type 'fly'; expected one of"),
        ("2,K002,study,C1,2026-09-01 20:00:00,-5,ios", "negative_value",
         "value is -5; it must be >= 0"),
        ("2,K002,study,C1,2026-13-45 25:61:00,1,ios", "bad_timestamp",
         "'2026-13-45 25:61:00' is not a valid timestamp"),
        ("2,K002,study,C1,yesterday,1,ios", "bad_timestamp",
         "'yesterday' is not a valid timestamp"),
        ("2,K002,study,C1,01/02/2026 10:00,1,ios", "ambiguous_timestamp",
         "day and month could be swapped"),
        ("2,K002,study,C1,1999-12-31 10:00:00,1,ios", "timestamp_out_of_range",
         "'1999-12-31 10:00:00' is before 2000-01-01 (UTC; for older data set "
         "min_timestamp in the mapping, e.g. min_timestamp: 1990-01-01)"),
        ("2,K002,study,C1,2099-12-31 10:00:00,1,ios", "timestamp_out_of_range",
         "(UTC): more than a day in the future"),
        ("2,,study,C1,2026-09-01 20:00:00,1,ios", "missing_value",
         "required field 'user_id' is empty (source column 'uid')"),
        ("2,K002,study,C1,2026-09-01 20:00:00,1", "wrong_field_count",
         "the row has 6 fields; the header has 7"),
        ("2,K002,session,C1,2026-09-01 20:00:00,1,ios", "event_type_platform_mismatch",
         "event type 'session' is not a knowledge event type"),
        ("2,K002,study,C1,2026-09-01 20:00:00,1e308,ios", "number_out_of_range",
         "value '1e308' is outside ±1e+12 (after unit conversion)"),
        ("2,K002,study,C1,2026-09-01T20:00:00+99:00,1,ios", "offset_out_of_range",
         "has a UTC offset beyond ±14:00"),
        ("2,K0\x0002,study,C1,2026-09-01 20:00:00,1,ios", "control_character",
         "field 'user_id' holds a control character (NUL or another below U+0020)"),
        ("2,K002,study,C1,2026-09-01 20:00:00,1,i\x00os", "control_character",
         "field 'properties' holds a control character"),
        ("2," + "K002" * 70 + ",study,C1,2026-09-01 20:00:00,1,ios", "too_long",
         "field 'user_id' is 280 characters; the limit is 256"),
    ],
)
def test_bad_row_goes_to_quarantine_with_reason(
    cli: CliRunner, tmp_path: Path, row: str, code: str, message: str
) -> None:
    src = events_csv(tmp_path / "ev.csv", GOOD, row)
    summary = ingest(cli, src, mapping(tmp_path / "m.yaml"))
    assert summary["read"] == 2
    assert summary["accepted"] == 1
    assert summary["quarantined_by_reason"] == {code: 1}
    [q] = quarantine(cli)
    assert q["reason_code"] == code
    assert message in q["reason"]
    assert q["row_number"] == 3
    assert q["source"] == str(src)
    assert "K002" not in (q["raw"] or ""), "native ids must not reach quarantine"


def test_dmy_dates_that_are_not_ambiguous_are_read(cli: CliRunner, tmp_path: Path) -> None:
    src = events_csv(tmp_path / "ev.csv", "1,K1,study,C1,25/12/2025 10:00,1,ios",
                     "2,K1,study,C1,12/25/2025 10:00,1,ios", "3,K1,study,C1,05/05/2025 10:00,1,ios")
    assert ingest(cli, src, mapping(tmp_path / "m.yaml"))["accepted"] == 3
    res = cli("sql", "SELECT strftime(ts, '%Y-%m-%d %H') AS t FROM events ORDER BY event_id",
              "--json")
    assert [r["t"] for r in res.json()] == ["2025-12-25 02", "2025-12-25 02", "2025-05-05 02"]


def test_dst_gap_and_overlap_are_rejected_in_a_dst_zone(cli: CliRunner, tmp_path: Path) -> None:
    m = mapping(tmp_path / "m.yaml", EVENTS_MAPPING + "timezone: America/New_York\n")
    src = events_csv(tmp_path / "ev.csv",
                     "1,K1,study,C1,2026-03-08 02:30:00,1,ios",  # clocks jump 02:00 -> 03:00
                     "2,K1,study,C1,2026-11-01 01:30:00,1,ios",  # 01:00-02:00 happens twice
                     "3,K1,study,C1,2026-07-01 12:00:00,1,ios")
    summary = ingest(cli, src, m)
    assert summary["quarantined_by_reason"] == {"nonexistent_local_time": 1,
                                                "ambiguous_local_time": 1}
    res = cli("sql", "SELECT CAST(ts AS VARCHAR) AS t FROM events", "--json")
    assert res.json() == [{"t": "2026-07-01 16:00:00+00"}]


def test_malformed_json_line(cli: CliRunner, tmp_path: Path) -> None:
    src = write(tmp_path / "ev.jsonl", "\n".join([
        json.dumps({"id": "1", "uid": "G1", "type": "session", "ts": "2026-09-01T20:00:00+08:00"}),
        '{"id": "2", "uid": "G2", "type": "session", "ts": ',
        json.dumps({"id": "3", "uid": "G3", "type": "session", "ts": "2026-09-01T21:00:00+08:00"}),
        "[1, 2]",
    ]) + "\n")
    m = write(tmp_path / "g.yaml", "columns: {event_id: id, user_id: uid, event_type: type}\n")
    res = cli("ingest", src, "--partner", "game", "--kind", "events", "--mapping", m, "--json")
    assert res.code == 0, res.err
    s = res.json()
    assert (s["read"], s["accepted"]) == (4, 2)
    assert s["quarantined_by_reason"] == {"malformed_json": 2}
    rows = {q["row_number"]: q for q in quarantine(cli)}
    assert set(rows) == {2, 4}
    assert "malformed JSON" in rows[2]["reason"]
    assert "G2" not in rows[2]["raw"]
    assert "each line must be a JSON object" in rows[4]["reason"]


def test_missing_required_column_names_column_and_mapping_key(
    cli: CliRunner, tmp_path: Path
) -> None:
    src = write(tmp_path / "ev.csv", "log_id,uid,behavior\n1,K1,study\n")
    res = cli("ingest", src, "--partner", "knowledge", "--kind", "events")
    assert res.code == 2
    assert "required events field 'user_id' has no source column" in res.err_flat
    assert "add `columns.user_id` to a mapping file" in res.err_flat
    assert "Traceback" not in res.err


def test_mapping_naming_a_missing_column(cli: CliRunner, tmp_path: Path) -> None:
    src = events_csv(tmp_path / "ev.csv", GOOD, header=HEADER.replace("event_time", "when"))
    m = mapping(tmp_path / "m.yaml")
    res = cli("ingest", src, "--partner", "knowledge", "--kind", "events", "--mapping", m)
    assert res.code == 2
    assert ("the mapping reads events field 'ts' from column 'event_time', which the file "
            "does not have") in res.err_flat
    assert f"mapping key columns.ts in {m}" in res.err_flat
    assert cli("stats", "--json").json()["tables"]["events"] == 0


def test_empty_file_and_header_only(cli: CliRunner, tmp_path: Path) -> None:
    empty = write(tmp_path / "a" / "empty.csv", "")
    header_only = write(tmp_path / "a" / "header.csv", HEADER)
    s = ingest(cli, tmp_path / "a", mapping(tmp_path / "m.yaml"))
    notes = {Path(f["path"]).name: f["note"] for f in s["files"]}
    assert notes == {"empty.csv": "empty file", "header.csv": "no data rows"}
    assert (s["read"], s["accepted"], s["quarantined"]) == (0, 0, 0)
    del empty, header_only


def test_non_utf8_bytes_are_quarantined_when_utf8_is_declared(
    cli: CliRunner, tmp_path: Path
) -> None:
    body = (HEADER + GOOD + "\n").encode() + "2,K2,study,课程,2026-09-01 20:00:00,1,ios\n".encode(
        "gb18030")
    src = write(tmp_path / "ev.csv", body)
    s = ingest(cli, src, mapping(tmp_path / "m.yaml"), "--encoding", "utf-8")
    assert s["accepted"] == 1
    assert s["quarantined_by_reason"] == {"bad_encoding": 1}
    [q] = quarantine(cli)
    assert q["row_number"] == 3
    assert "gb18030" in q["reason"]


def test_gb18030_file_is_detected_and_read(cli: CliRunner, tmp_path: Path) -> None:
    text = HEADER + "1,K1,study,Python数据分析,2026-09-01 20:00:00,1,安卓\n"
    src = write(tmp_path / "ev.csv", text, encoding="gb18030")
    assert ingest(cli, src, mapping(tmp_path / "m.yaml"))["accepted"] == 1
    res = cli("sql", "SELECT item_id, properties FROM events", "--json").json()
    assert res == [{"item_id": "Python数据分析", "properties": '{"device":"安卓"}'}]


def test_ten_megabyte_field(cli: CliRunner, tmp_path: Path) -> None:
    huge = "x" * (10 * 1024 * 1024)
    src = events_csv(tmp_path / "ev.csv", GOOD, f"2,K2,study,{huge},2026-09-01 20:00:00,1,ios")
    s = ingest(cli, src, mapping(tmp_path / "m.yaml"))
    assert (s["accepted"], s["quarantined_by_reason"]) == (1, {"too_long": 1})
    [q] = quarantine(cli)
    assert "field 'item_id' is 10485760 characters; the limit is 256" in q["reason"]
    assert len(q["raw"]) > 10 * 1024 * 1024, "the rejected row is kept whole"


def test_duplicates_within_and_across_files(cli: CliRunner, tmp_path: Path) -> None:
    m = mapping(tmp_path / "m.yaml")
    a = events_csv(tmp_path / "in" / "a.csv", GOOD, GOOD, "2,K2,buy,C1,2026-09-01 20:00:00,990,ios")
    b = events_csv(tmp_path / "in" / "b.csv", GOOD, "2,K2,buy,C1,2026-09-01 20:00:00,999,ios",
                   "3,K3,view,C1,2026-09-01 20:00:00,,ios")
    s = ingest(cli, tmp_path / "in", m)
    assert (s["read"], s["accepted"], s["duplicates"]) == (6, 3, 2)
    assert s["quarantined_by_reason"] == {"conflicting_duplicate": 1}
    [q] = quarantine(cli)
    assert q["source"] == str(b) and q["row_number"] == 3
    assert f"appears earlier ({a} row 4) with different content" in q["reason"]
    again = ingest(cli, tmp_path / "in", m)
    assert (again["accepted"], again["already_ingested"], again["duplicates"]) == (0, 4, 1)
    # the row that lost to a.csv now meets a.csv's row in the lake: still rejected, and
    # the quarantine already holds it
    assert again["quarantined_by_reason"] == {"conflicts_with_lake": 1}
    assert again["quarantine_held"] == 1
    assert len(quarantine(cli)) == 1
    res = cli("sql", "SELECT event_id, value FROM events ORDER BY event_id", "--json")
    assert res.json() == [{"event_id": "1", "value": 60.0}, {"event_id": "2", "value": 9.9},
                          {"event_id": "3", "value": None}]


def test_exports_without_ids_get_deterministic_ids(cli: CliRunner, tmp_path: Path) -> None:
    m = mapping(tmp_path / "m.yaml", EVENTS_MAPPING.replace("  event_id: log_id\n", ""))
    src = events_csv(tmp_path / "ev.csv", GOOD, GOOD, "9,K1,study,C1,2026-09-01 20:00:01,60000,ios")
    s = ingest(cli, src, m)
    assert (s["accepted"], s["duplicates"]) == (2, 1)
    again = ingest(cli, src, m)
    assert (again["accepted"], again["already_ingested"]) == (0, 2)
    ids = cli("sql", "SELECT event_id FROM events", "--json").json()
    assert all(r["event_id"].startswith("d") and len(r["event_id"]) == 32 for r in ids)


def test_timestamp_not_matching_the_mappings_format(cli: CliRunner, tmp_path: Path) -> None:
    m = mapping(tmp_path / "m.yaml", EVENTS_MAPPING + 'timestamp_format: "%Y-%m-%d %H:%M:%S"\n')
    src = events_csv(tmp_path / "ev.csv", GOOD, "2,K2,study,C1,2026-09-01T20:00,1,ios")
    s = ingest(cli, src, m)
    assert s["quarantined_by_reason"] == {"bad_timestamp": 1}
    [q] = quarantine(cli)
    assert "does not match timestamp_format %Y-%m-%d %H:%M:%S of the mapping" in q["reason"]


def test_compressed_files_in_a_directory_are_read(cli: CliRunner, tmp_path: Path) -> None:
    import gzip

    events_csv(tmp_path / "in" / "a.csv", GOOD)
    body = (HEADER + "2,K2,study,C1,2026-09-01 20:00:00,1,ios\n").encode()
    write(tmp_path / "in" / "b.csv.gz", gzip.compress(body))
    write(tmp_path / "in" / "c.parquet.gz", b"not read: Parquet compresses itself")
    s = ingest(cli, tmp_path / "in", mapping(tmp_path / "m.yaml"))
    assert [Path(f["path"]).name for f in s["files"]] == ["a.csv", "b.csv.gz"]
    assert (s["read"], s["accepted"]) == (2, 2)


def test_an_unparseable_row_keeps_only_its_structure(cli: CliRunner, tmp_path: Path) -> None:
    src = events_csv(tmp_path / "ev.csv", GOOD, '2,"K0,02",study,C1,2026-09-01 20:00:00,1,ios,x')
    ingest(cli, src, mapping(tmp_path / "m.yaml"))
    [q] = quarantine(cli)
    assert q["reason_code"] == "wrong_field_count"
    from crossplay.ingest.pseudonymise import user_key
    from tests.conftest import K_SECRET

    key = user_key(K_SECRET.encode(), "K0,02")
    assert q["raw"].split(",")[1] == f'"{key}"', "the whole id became its user key"
    assert "K0" not in q["raw"] and "study" not in q["raw"]
