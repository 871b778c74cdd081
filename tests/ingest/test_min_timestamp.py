"""Timestamps before 2000: the documented recipe (docs/real-data.md) with `min_timestamp`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliRunner, write
from tests.ingest.helpers import EVENTS_MAPPING, events_csv, mapping

ROOT = Path(__file__).resolve().parents[2]
ML_MAPPING = ROOT / "docs" / "examples" / "recommend" / "movielens-ratings.yaml"
#: 1995-01-09 11:46:49 UTC (the first MovieLens 20M rating) and one in 2000
RATINGS = "userId,movieId,rating,timestamp\n1,31,2.5,789652009\n1,29,3.5,964982703\n"


def _ingest(cli: CliRunner, src: Path, m: Path) -> dict[str, Any]:
    res = cli("ingest", src, "--partner", "knowledge", "--kind", "events", "--mapping", m,
              "--json")
    assert res.code == 0, res.err
    return res.json()  # type: ignore[no-any-return]


def test_the_documented_mapping_takes_a_1995_rating(cli: CliRunner, tmp_path: Path) -> None:
    assert "min_timestamp: 1995-01-01" in (ROOT / "docs" / "real-data.md").read_text()
    assert "min_timestamp: 1995-01-01" in ML_MAPPING.read_text()
    s = _ingest(cli, write(tmp_path / "ratings.csv", RATINGS), ML_MAPPING)
    assert (s["accepted"], s["quarantined"]) == (2, 0)
    res = cli("sql", "SELECT CAST(min(ts) AS VARCHAR) AS t FROM events", "--json")
    assert res.json() == [{"t": "1995-01-09 11:46:49+00"}]


def test_without_the_setting_the_row_is_quarantined_naming_it(
        cli: CliRunner, tmp_path: Path) -> None:
    text = ML_MAPPING.read_text().replace("min_timestamp: 1995-01-01\n", "")
    m = write(tmp_path / "ml.yaml", text)
    s = _ingest(cli, write(tmp_path / "ratings.csv", RATINGS), m)
    assert (s["accepted"], s["quarantined_by_reason"]) == (1, {"timestamp_out_of_range": 1})
    [q] = cli("quarantine", "show", "--json").json()
    assert q["row_number"] == 2
    assert q["reason"] == ("timestamp '789652009' is before 2000-01-01 (UTC; for older data "
                           "set min_timestamp in the mapping, e.g. min_timestamp: 1990-01-01)")


def test_a_row_before_the_mappings_bound_names_the_bound(cli: CliRunner,
                                                         tmp_path: Path) -> None:
    m = mapping(tmp_path / "m.yaml", EVENTS_MAPPING + "min_timestamp: 1996-01-01\n")
    src = events_csv(tmp_path / "ev.csv", "1,K1,study,C1,1995-12-31 23:00:00,1,ios",
                     "2,K1,study,C1,1996-01-02 08:00:00,1,ios")
    s = _ingest(cli, src, m)
    assert (s["accepted"], s["quarantined_by_reason"]) == (1, {"timestamp_out_of_range": 1})
    [q] = cli("quarantine", "show", "--json").json()
    assert "is before 1996-01-01 (UTC; min_timestamp 1996-01-01 of the mapping)" in q["reason"]


def test_shanghai_summer_time_before_1992_is_converted_by_the_zone_rules(
        cli: CliRunner, tmp_path: Path) -> None:
    """Asia/Shanghai kept daylight saving time in 1986-1991 (UTC+9 in summer): with an
    early bound its naive times are not shifted by a fixed +8, and the hour that did not
    exist is quarantined."""
    m = mapping(tmp_path / "m.yaml", EVENTS_MAPPING + "timezone: Asia/Shanghai\n"
                                                      "min_timestamp: 1986-01-01\n")
    src = events_csv(tmp_path / "ev.csv",
                     "1,K1,study,C1,1991-07-01 20:00:00,1,ios",   # summer: UTC+9
                     "2,K1,study,C1,1991-12-01 20:00:00,1,ios",   # winter: UTC+8
                     "3,K1,study,C1,1991-04-14 02:30:00,1,ios")   # clocks jumped 2:00 -> 3:00
    s = _ingest(cli, src, m)
    assert s["quarantined_by_reason"] == {"nonexistent_local_time": 1}
    res = cli("sql", "SELECT event_id, CAST(ts AS VARCHAR) AS t FROM events ORDER BY 1",
              "--json")
    assert res.json() == [{"event_id": "1", "t": "1991-07-01 11:00:00+00"},
                          {"event_id": "2", "t": "1991-12-01 12:00:00+00"}]


@pytest.mark.parametrize("value", ["1899-12-31", "soon"])
def test_an_implausible_bound_is_refused_at_its_line(cli: CliRunner, tmp_path: Path,
                                                     value: str) -> None:
    m = mapping(tmp_path / "m.yaml", EVENTS_MAPPING + f"min_timestamp: {value}\n")
    src = events_csv(tmp_path / "ev.csv", "1,K1,study,C1,2026-09-01 20:00:00,1,ios")
    res = cli("ingest", src, "--partner", "knowledge", "--kind", "events", "--mapping", m)
    assert res.code == 2
    assert "min_timestamp" in res.err_flat and "m.yaml" in res.err_flat
