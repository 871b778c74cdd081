"""Ingesting an export again: identical rows are already in the lake, corrected rows are
quarantined as conflicts with the lake (or replace the lake row with --corrections
replace), and rejected rows the quarantine holds are not stored twice."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from crossplay.lake import Lake
from crossplay.lake.manifest import Manifest
from tests.conftest import CliRunner, LoadedWorld, write
from tests.ingest.helpers import events_csv, mapping

K1 = "1,K1,study,C1,2026-09-01 20:00:00,60000,ios"
K2 = "2,K2,buy,C1,2026-09-01 20:00:00,990,ios"
K2_FIXED = "2,K2,buy,C1,2026-09-03 20:00:00,999,ios"  # a later day and another amount
K3 = "3,K3,view,C2,2026-09-02 20:00:00,,ios"
BAD = "4,K4,levelup,C1,2026-09-01 20:00:00,1,ios"  # an event type the mapping does not know


def _ingest(cli: CliRunner, path: Path, m: Path, *extra: str) -> dict[str, Any]:
    res = cli("ingest", path, "--partner", "knowledge", "--kind", "events", "--mapping", m,
              "--json", *extra)
    assert res.code == 0, res.err
    return res.json()  # type: ignore[no-any-return]


def _quarantine(cli: CliRunner) -> list[dict[str, Any]]:
    res = cli("quarantine", "show", "--json", "--limit", "1000")
    assert res.code == 0, res.err
    return res.json()  # type: ignore[no-any-return]


def _events(cli: CliRunner) -> list[dict[str, Any]]:
    res = cli("sql", "SELECT event_id, value, CAST(date AS VARCHAR) AS date, source "
                     "FROM events ORDER BY event_id", "--json")
    assert res.code == 0, res.err
    return res.json()  # type: ignore[no-any-return]


def _counts(s: dict[str, Any]) -> tuple[int, ...]:
    return (s["read"], s["accepted"], s["duplicates"], s["already_ingested"],
            s["quarantined"], s["quarantine_held"], s["corrected"])


def test_reingesting_the_demo_exports_keeps_the_quarantine(
        cli: CliRunner, fresh_world: LoadedWorld) -> None:
    """The world's exports, ingested once already, go through `crossplay ingest` again:
    every row is already in the lake, every rejected row is already held."""
    data = ["--data-dir", str(fresh_world.data_dir)]
    before = cli(*data, "quarantine", "list", "--json", data=False).json()
    held = sum(r["rows"] for r in before)
    assert held > 100, "the world's exports have dirty rows"
    manifest = json.loads((fresh_world.world_dir / "manifest.json").read_text())
    seen = 0
    for src in manifest["sources"]:
        if not src.get("files"):
            continue
        res = cli(*data, "ingest", *[fresh_world.world_dir / f for f in src["files"]],
                  "--partner", src["partner"], "--kind", src["kind"], "--mapping",
                  fresh_world.world_dir / src["mapping"], "--json", data=False)
        assert res.code == 0, res.err
        s = res.json()
        assert s["accepted"] == 0, src["name"]
        assert "conflicts_with_lake" not in s["quarantined_by_reason"], src["name"]
        assert s["quarantine_held"] == s["quarantined"], src["name"]
        assert s["read"] == s["duplicates"] + s["already_ingested"] + s["quarantined"]
        seen += s["quarantined"]
    assert seen == held
    after = cli(*data, "quarantine", "list", "--json", data=False).json()
    assert after == before


def test_a_corrected_row_is_quarantined_as_a_conflict_with_the_lake(
        cli: CliRunner, tmp_path: Path) -> None:
    m = mapping(tmp_path / "m.yaml")
    first = _ingest(cli, events_csv(tmp_path / "day1" / "ev.csv", K1, K2, K3), m)
    assert first["accepted"] == 3
    resend = events_csv(tmp_path / "resend" / "ev.csv", K1, K2_FIXED, K3)
    s = _ingest(cli, resend, m)
    assert _counts(s) == (3, 0, 0, 2, 1, 0, 0)
    assert s["quarantined_by_reason"] == {"conflicts_with_lake": 1}
    [q] = _quarantine(cli)
    assert (q["source"], q["row_number"], q["reason_code"], q["column_name"]) == (
        str(resend), 3, "conflicts_with_lake", "event_id")
    assert q["reason"].startswith("this event_id is already in the lake with a different "
                                  "ts, value (ingested ")
    assert f"from {tmp_path / 'day1' / 'ev.csv'}); the lake row was kept" in q["reason"]
    assert "--corrections replace" in q["reason"]
    raw = json.loads(q["raw"])
    assert (raw["event_id"], raw["value"]) == ("2", 9.99)
    assert "K2" not in q["raw"], "the user id is keyed, never kept"
    assert [e["value"] for e in _events(cli)] == [60.0, 9.9, None], "the lake row stays"
    # the same correction sent again: rejected again, stored once
    again = _ingest(cli, resend, m)
    assert _counts(again) == (3, 0, 0, 2, 1, 1, 0)
    assert len(_quarantine(cli)) == 1
    # an identical re-send of the first export is simply already in the lake
    same = _ingest(cli, tmp_path / "day1" / "ev.csv", m)
    assert _counts(same) == (3, 0, 0, 3, 0, 0, 0)


def test_the_reason_is_translated(cli: CliRunner, tmp_path: Path) -> None:
    m = mapping(tmp_path / "m.yaml")
    _ingest(cli, events_csv(tmp_path / "a.csv", K2), m)
    res = cli("--lang", "zh-CN", "ingest", events_csv(tmp_path / "b.csv", K2_FIXED),
              "--partner", "knowledge", "--kind", "events", "--mapping", m)
    assert res.code == 0, res.err
    assert "ID 已在数据湖中且内容不同" in res.out
    res = cli("--lang", "zh-CN", "ingest", tmp_path / "b.csv", "--partner", "knowledge",
              "--kind", "events", "--mapping", m)
    assert "其中 1 行已在隔离区中" in res.out
    assert "quarantine show --run" not in res.out, "this run stored no quarantine row"


def test_copies_of_a_corrected_row_follow_the_in_run_rules(
        cli: CliRunner, tmp_path: Path) -> None:
    """Like a key met twice in one run: a copy of a row is a duplicate, a row that differs
    from the kept one (here the lake's) is rejected."""
    m = mapping(tmp_path / "m.yaml")
    _ingest(cli, events_csv(tmp_path / "a.csv", K1, K2), m)
    third = "2,K2,buy,C1,2026-09-04 20:00:00,1000,ios"
    s = _ingest(cli, events_csv(tmp_path / "b.csv", K2_FIXED, K2_FIXED, K2, third), m)
    assert _counts(s) == (4, 0, 1, 1, 2, 0, 0)
    assert sorted(q["row_number"] for q in _quarantine(cli)) == [2, 5]


def test_corrections_replace_swaps_the_lake_row_and_is_audited(
        cli: CliRunner, tmp_path: Path) -> None:
    m = mapping(tmp_path / "m.yaml")
    _ingest(cli, events_csv(tmp_path / "day1" / "ev.csv", K1, K2, K3), m)
    lake = Lake(tmp_path / "data" / "lake")
    before = set(lake.files("events"))
    resend = events_csv(tmp_path / "resend" / "ev.csv", K1, K2_FIXED, K3)
    s = _ingest(cli, resend, m, "--corrections", "replace")
    assert _counts(s) == (3, 1, 0, 2, 0, 0, 1)
    assert _events(cli) == [
        {"event_id": "1", "value": 60.0, "date": "2026-09-01",
         "source": str(tmp_path / "day1" / "ev.csv")},
        {"event_id": "2", "value": 9.99, "date": "2026-09-03", "source": str(resend)},
        {"event_id": "3", "value": None, "date": "2026-09-02",
         "source": str(tmp_path / "day1" / "ev.csv")}]
    after = set(lake.files("events"))
    gone = before - after
    assert len(gone) == 1 and not any(p.exists() for p in gone), "the old file is deleted"
    assert lake.backup_path.is_file(), "the publish wrote a fresh backup"
    assert Manifest.from_json(lake.backup_path.read_text()).tables == \
        lake.read_manifest().tables
    [run] = [r for r in lake.read_manifest().runs if r.run_id == s["run_id"]]
    assert (run.accepted, run.corrected) == (1, 1)
    [entry] = cli("audit", "list", "--action", "lake_correction", "--json").json()
    assert entry["subject"] == "partner:knowledge"
    assert entry["details"]["rows_replaced"] == 1
    assert entry["details"]["run_id"] == s["run_id"]
    # the correction is now the lake row: sending it again changes nothing
    again = _ingest(cli, resend, m, "--corrections", "replace")
    assert _counts(again) == (3, 0, 0, 3, 0, 0, 0)
    assert len(cli("audit", "list", "--action", "lake_correction", "--json").json()) == 1


def test_corrections_replace_keeps_the_first_differing_row(
        cli: CliRunner, tmp_path: Path) -> None:
    m = mapping(tmp_path / "m.yaml")
    _ingest(cli, events_csv(tmp_path / "a.csv", K2), m)
    third = "2,K2,buy,C1,2026-09-04 20:00:00,1000,ios"
    s = _ingest(cli, events_csv(tmp_path / "b.csv", K2, K2_FIXED, K2_FIXED, third, K2), m,
                "--corrections", "replace")
    # K2 as in the lake: already; the first change replaces it; its copy is a duplicate;
    # rows that differ from the replacement conflict with it, as within any run
    assert _counts(s) == (5, 1, 1, 1, 2, 0, 1)
    assert s["quarantined_by_reason"] == {"conflicting_duplicate": 2}
    assert [e["value"] for e in _events(cli)] == [9.99]
    reasons = {q["row_number"]: q["reason"] for q in _quarantine(cli)}
    assert set(reasons) == {5, 6}
    assert f"appears earlier ({tmp_path / 'b.csv'} row 3)" in reasons[5]


def test_a_lake_file_left_empty_by_corrections_is_dropped(
        cli: CliRunner, tmp_path: Path) -> None:
    m = mapping(tmp_path / "m.yaml")
    _ingest(cli, events_csv(tmp_path / "a.csv", K2), m)
    s = _ingest(cli, events_csv(tmp_path / "b.csv", K2_FIXED), m, "--corrections", "replace")
    assert s["corrected"] == 1
    files = Lake(tmp_path / "data" / "lake").files("events")
    assert [p.parent.name for p in files] == ["date=2026-09-03"]
    assert _events(cli) == [{"event_id": "2", "value": 9.99, "date": "2026-09-03",
                             "source": str(tmp_path / "b.csv")}]


def test_a_correction_survives_the_row_by_row_reread(
        cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file the fast CSV path gives up on after it processed a batch is read again row
    by row: what the first pass corrected is undone and done once more, never twice."""
    import crossplay.ingest.csv_reader as csv_reader

    monkeypatch.setattr(csv_reader, "_CSV_BLOCK", 4096)  # many blocks in a small file
    monkeypatch.setenv("CROSSPLAY_BATCH_ROWS", "1000")
    m = mapping(tmp_path / "m.yaml")
    _ingest(cli, events_csv(tmp_path / "a.csv", K1, K2, K3), m)
    filler = [f"{100 + i},K{i},study,C1,2026-09-01 20:00:00,1,ios" for i in range(3000)]
    broken = "5,K5,study,C1,2026-09-01 20:00:00,1,ios,one-field-too-many"
    s = _ingest(cli, events_csv(tmp_path / "b.csv", K2_FIXED, *filler, broken), m,
                "--corrections", "replace")
    assert s["files"][0]["note"] == "read row by row"
    assert _counts(s) == (3002, 3001, 0, 0, 1, 0, 1)
    res = cli("sql", "SELECT event_id, value FROM events WHERE event_id IN ('1', '2', '3') "
                     "ORDER BY event_id", "--json")
    assert res.json() == [{"event_id": "1", "value": 60.0}, {"event_id": "2", "value": 9.99},
                          {"event_id": "3", "value": None}]
    assert cli("sql", "SELECT count(*) AS n FROM events", "--json").json() == [{"n": 3003}]


def test_quarantine_rows_are_identified_by_file_name_row_reason_and_content(
        cli: CliRunner, tmp_path: Path) -> None:
    m = mapping(tmp_path / "m.yaml")
    s = _ingest(cli, events_csv(tmp_path / "in" / "ev.csv", K1, BAD), m)
    assert s["quarantined"] == 1
    # the same export copied to another folder: nothing new
    shutil.copytree(tmp_path / "in", tmp_path / "copy")
    again = _ingest(cli, tmp_path / "copy" / "ev.csv", m)
    assert (again["quarantined"], again["quarantine_held"]) == (1, 1)
    # the export changed: a new bad row is added, the held one is not, a moved one is
    fixed = BAD.replace("4,K4", "6,K6")
    changed = _ingest(cli, events_csv(tmp_path / "in" / "ev.csv", K1, K3, BAD, fixed), m)
    assert (changed["quarantined"], changed["quarantine_held"]) == (2, 0)
    rows = sorted((q["source"], q["row_number"]) for q in _quarantine(cli))
    assert rows == [(str(tmp_path / "in" / "ev.csv"), 3), (str(tmp_path / "in" / "ev.csv"), 4),
                    (str(tmp_path / "in" / "ev.csv"), 5)]
    # another day's export with the same bad row is its own row
    other = _ingest(cli, events_csv(tmp_path / "in" / "ev-2.csv", K1, BAD), m)
    assert (other["quarantined"], other["quarantine_held"]) == (1, 0)
    assert len(_quarantine(cli)) == 4


def test_masked_rejects_are_recognised_again(cli: CliRunner, tmp_path: Path) -> None:
    """Rows the reader cannot split are stored masked; their identity uses the masked
    text, which is the same on every run."""
    m = mapping(tmp_path / "m.yaml")
    src = events_csv(tmp_path / "ev.csv", K1, "7,K7,study", K3)
    s = _ingest(cli, src, m)
    assert s["quarantined_by_reason"] == {"wrong_field_count": 1}
    again = _ingest(cli, src, m)
    assert (again["quarantined"], again["quarantine_held"]) == (1, 1)
    [q] = _quarantine(cli)
    assert "K7" not in q["raw"]


def test_a_manifest_written_before_the_new_run_fields_still_reads(tmp_path: Path) -> None:
    run = {"run_id": "r1", "partner": "knowledge", "table": "events", "sources": ["a.csv"],
           "started_at": "2026-09-01T00:00:00+00:00", "finished_at": "2026-09-01T00:00:01+00:00",
           "read": 1, "accepted": 1, "duplicates": 0, "already_ingested": 0, "quarantined": 0,
           "quarantined_by_reason": {}, "seconds": 0.1}
    [r] = Manifest.from_json(json.dumps({"runs": [run]})).runs
    assert (r.corrected, r.quarantine_held) == (0, 0)


@pytest.mark.parametrize("value", ["sometimes", ""])
def test_an_unknown_corrections_mode_is_refused(cli: CliRunner, tmp_path: Path,
                                                value: str) -> None:
    src = write(tmp_path / "ev.csv", "event_id\n")
    res = cli("ingest", src, "--partner", "knowledge", "--kind", "events",
              "--corrections", value)
    assert res.code == 2
    assert "quarantine" in res.err and "replace" in res.err


def test_a_correction_that_moves_the_row_to_another_platform(
        cli: CliRunner, tmp_path: Path) -> None:
    """The platform lives in the lake's folder names, not in its files: it is compared
    too, and a replacement lands in its new partition while the old one is rewritten."""
    m = write(tmp_path / "g.yaml", "kind: events\npartner: game\ncolumns: {event_id: eid, "
                                   "user_id: uid, event_type: act, ts: ts, value: qty}\n")
    header = "eid,uid,act,ts,qty\n"
    first = write(tmp_path / "a.csv", header + "e1,G1,session,2026-09-01 20:00:00,60\n"
                                               "e2,G2,session,2026-09-01 21:00:00,60\n")
    fixed = write(tmp_path / "b.csv", header + "e1,G1,watch,2026-09-01 20:00:00,60\n")
    args = ("--partner", "game", "--kind", "events", "--mapping", m, "--json")
    assert cli("ingest", first, *args).json()["accepted"] == 2
    s = cli("ingest", fixed, *args).json()
    assert s["quarantined_by_reason"] == {"conflicts_with_lake": 1}
    [q] = _quarantine(cli)
    assert "with a different platform, event_type (ingested" in q["reason"]
    s = cli("ingest", fixed, *args, "--corrections", "replace").json()
    assert (s["accepted"], s["corrected"]) == (1, 1)
    res = cli("sql", "SELECT event_id, platform, event_type FROM events ORDER BY 1", "--json")
    assert res.json() == [{"event_id": "e1", "platform": "stream", "event_type": "watch"},
                          {"event_id": "e2", "platform": "game", "event_type": "session"}]
