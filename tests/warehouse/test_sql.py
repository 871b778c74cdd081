"""`crossplay sql` and `crossplay stats`: read-only DuckDB over the lake."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.conftest import CliRunner
from tests.ingest.helpers import events_csv, mapping


@pytest.fixture
def loaded(cli: CliRunner, tmp_path: Path) -> None:
    src = events_csv(tmp_path / "ev.csv",
                     "1,K1,study,C1,2026-09-01 20:00:00,60000,ios",
                     "2,K1,buy,C1,2026-09-02 21:00:00,9900,ios",
                     "3,K2,study,C2,2026-09-02 22:00:00,1000,android",
                     "4,K2,fly,C2,2026-09-02 22:00:00,1000,android")
    res = cli("ingest", src, "--partner", "knowledge", "--kind", "events", "--mapping",
              mapping(tmp_path / "m.yaml"))
    assert res.code == 0, res.err


@pytest.mark.parametrize("statement", [
    "DROP TABLE events", "CREATE TABLE x AS SELECT 1", "INSERT INTO events SELECT * FROM events",
    "COPY events TO '/tmp/out.csv'", "ATTACH '/tmp/x.db'", "SET threads = 1",
    "DELETE FROM events", "PRAGMA database_list",
])
def test_writes_and_settings_are_refused(cli: CliRunner, loaded: None, statement: str) -> None:
    res = cli("sql", statement)
    assert res.code == 2
    assert "read-only" in res.err_flat
    assert cli("stats", "--json").json()["tables"]["events"] == 3


def test_files_outside_the_lake_are_not_readable(cli: CliRunner, loaded: None,
                                                  tmp_path: Path) -> None:
    (tmp_path / "secret.csv").write_text("a\n1\n")
    res = cli("sql", f"SELECT * FROM read_csv('{tmp_path / 'secret.csv'}')")
    assert res.code == 2 and "disabled by configuration" in res.err_flat


def test_output_formats(cli: CliRunner, loaded: None) -> None:
    q = "SELECT event_type, count(*) AS n FROM events GROUP BY 1 ORDER BY 1"
    assert cli("sql", q, "--json").json() == [{"event_type": "lesson_watch", "n": 2},
                                              {"event_type": "purchase", "n": 1}]
    rows = list(csv.reader(io.StringIO(cli("sql", q, "--format", "csv").out)))
    assert rows == [["event_type", "n"], ["lesson_watch", "2"], ["purchase", "1"]]
    table = cli("sql", q).out
    assert "lesson_watch" in table and "purchase" in table
    assert cli("sql", "SELECT 1 AS a; SELECT 2").code == 2
    bad = cli("sql", "SELEC 1")
    assert bad.code == 2 and "cannot parse" in bad.err_flat


def test_stats(cli: CliRunner, loaded: None) -> None:
    stats = cli("stats", "--json").json()
    assert stats["tables"]["events"] == 3 and stats["tables"]["quarantine"] == 1
    assert stats["partners"] == [{"partner": "knowledge", "events": 3, "users": 2,
                                  "first": "2026-09-01 12:00:00+00:00",
                                  "last": "2026-09-02 14:00:00+00:00"}]
    assert {(e["event_type"], e["events"]) for e in stats["events"]} == {
        ("lesson_watch", 2), ("purchase", 1)}
    assert stats["quarantine"] == [{"partner": "knowledge", "table": "events",
                                    "reason_code": "unknown_value", "rows": 1}]
    text = cli("stats").out
    assert "lesson_watch" in text


def test_empty_lake(cli: CliRunner) -> None:
    assert cli("sql", "SELECT count(*) AS n FROM events", "--json").json() == [{"n": 0}]
    assert "The lake is empty" in cli("stats").out
    assert cli("quarantine", "list", "--json").json() == []
