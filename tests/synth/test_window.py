"""The world's window: it ends yesterday by crossplay's clock unless a start is given, and a
generated world says which config made it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from crossplay.core import clock
from crossplay.core.errors import ConfigError
from crossplay.synth import WorldConfig, generate_world, recent_start
from crossplay.synth.world import world_config
from tests.conftest import CliRunner

TINY = WorldConfig(people=60, days=3, seed=5, chunk_people=40)


@pytest.mark.parametrize(("now", "days", "first"), [
    # 17:00 UTC is 01:00 the next day in Shanghai: "yesterday" is the UTC date
    ("2031-06-15T17:00:00Z", 30, dt.date(2031, 5, 17)),
    # 15:59 UTC is still 23:59 the same day in Shanghai
    ("2031-06-15T15:59:00Z", 30, dt.date(2031, 5, 16)),
    ("2031-06-15T15:59:00Z", 1, dt.date(2031, 6, 14)),
    ("2032-03-01T04:00:00+08:00", 2, dt.date(2032, 2, 28)),  # leap year
])
def test_recent_start_ends_yesterday_in_shanghai(now: str, days: int, first: dt.date) -> None:
    assert recent_start(days, clock.parse_instant(now)) == first
    with clock.frozen(now):
        assert recent_start(days) == first
    last = first + dt.timedelta(days=days - 1)
    assert WorldConfig(days=days, start=first).last_day == last


def test_recent_start_refuses_a_naive_instant() -> None:
    with pytest.raises(ConfigError, match="aware"):
        recent_start(3, dt.datetime(2031, 6, 15, 12, 0))


def test_world_config_reads_back_what_made_the_world(tmp_path: Path) -> None:
    generate_world(TINY, tmp_path / "w")
    assert world_config(tmp_path / "w") == TINY
    with pytest.raises(ConfigError, match="no complete synthetic world"):
        world_config(tmp_path / "nothing-here")
    manifest = tmp_path / "w" / "manifest.json"
    manifest.write_text(json.dumps({"generator": "crossplay.synth", "complete": False}),
                        encoding="utf-8")
    with pytest.raises(ConfigError, match="no complete synthetic world"):
        world_config(tmp_path / "w")


def test_truth_lists_the_planted_affinities_on_both_game_sides(tmp_path: Path) -> None:
    generate_world(dataclasses.replace(TINY, people=20), tmp_path / "w")
    truth = json.loads((tmp_path / "w/ground_truth/truth.json").read_text("utf-8"))
    games = {(a["genre"], a["course_category"]) for a in truth["planted_affinities"]}
    streams = {(a["stream_category"], a["course_category"])
               for a in truth["planted_stream_affinities"]}
    assert ("MOBA", "电竞") in games and games <= streams
    assert streams - games == {("电竞赛事", "电竞")}
    # a stream category named after a genre loads like the genre
    by_genre = {(a["genre"], a["course_category"]): a["affinity"]
                for a in truth["planted_affinities"]}
    for a in truth["planted_stream_affinities"]:
        key = (a["stream_category"], a["course_category"])
        assert a["affinity"] == by_genre.get(key, 1.0), key


def test_generate_defaults_to_a_window_ending_yesterday(
        cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSPLAY_NOW", "2031-06-15T17:00:00Z")
    res = cli("generate", "--people", "40", "--days", "3", "--out", tmp_path / "w", "--json")
    assert res.code == 0, res.err
    window = json.loads((tmp_path / "w/manifest.json").read_text("utf-8"))["window"]
    assert window == {"start": "2031-06-13", "days": 3}
    truth = json.loads((tmp_path / "w/ground_truth/truth.json").read_text("utf-8"))
    assert truth["window"]["end_exclusive"] == "2031-06-16"
    # --start is still accepted, and a bad one is a usage error, not a traceback
    res = cli("generate", "--people", "40", "--days", "3", "--start", "2026-09-01",
              "--out", tmp_path / "v", "--json")
    assert res.code == 0, res.err
    assert world_config(tmp_path / "v").start == dt.date(2026, 9, 1)
    bad = cli("generate", "--people", "40", "--start", "2026-13-01", "--out", tmp_path / "x")
    assert bad.code == 2 and "is not a date like" in bad.err_flat
