"""The public surface of crossplay.synth: config checks, output directory rules, report."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from pathlib import Path

import pytest

import crossplay.synth
from crossplay.core.errors import ConfigError
from crossplay.synth import WorldConfig, generate_world

from .conftest import CONFIG, World

TINY = WorldConfig(people=300, days=10, seed=3, chunk_people=120)


def test_public_names_are_pinned() -> None:
    assert crossplay.synth.__all__ == ["GenerationReport", "WorldConfig", "generate_world",
                                       "recent_start"]


def test_defaults_match_the_documented_demo() -> None:
    c = WorldConfig()
    assert (c.people, c.days, c.seed, c.start) == (2000, 30, 0, dt.date(2026, 9, 1))
    assert (c.dirty_rate, c.duplicate_rate, c.chunk_people) == (0.002, 0.003, 50_000)
    assert WorldConfig(people=101, chunk_people=50).chunks == 3


@pytest.mark.parametrize(("change", "message"), [
    ({"people": 0}, "people must be"),
    ({"days": 0}, "days must be"),
    ({"seed": -1}, "seed must be"),
    ({"dirty_rate": 0.9}, "dirty_rate must be"),
    ({"duplicate_rate": -0.1}, "duplicate_rate must be"),
    ({"chunk_people": 0}, "chunk_people must be"),
])
def test_invalid_config_says_what_to_change(
    tmp_path: Path, change: dict[str, float], message: str
) -> None:
    config = dataclasses.replace(TINY, **change)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=message):
        generate_world(config, tmp_path / "w")
    assert not (tmp_path / "w").exists()


def test_refuses_a_directory_that_is_not_a_world(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ConfigError, match="not empty"):
        generate_world(TINY, tmp_path)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


def _digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_config_gives_byte_identical_files(tmp_path: Path) -> None:
    a = generate_world(TINY, tmp_path / "a")
    b = generate_world(TINY, tmp_path / "b")
    assert a.chunks == b.chunks == 3 and a.files == b.files
    da, db = _digest(tmp_path / "a"), _digest(tmp_path / "b")
    assert len(da) > 20
    assert da == db


def test_another_seed_gives_another_world(tmp_path: Path) -> None:
    generate_world(TINY, tmp_path / "a")
    generate_world(dataclasses.replace(TINY, seed=4), tmp_path / "b")
    rel = "knowledge/events/part-00000.csv"
    assert _digest(tmp_path / "a")[rel] != _digest(tmp_path / "b")[rel]


def test_regenerating_replaces_a_previous_world(tmp_path: Path) -> None:
    generate_world(TINY, tmp_path)
    stale = tmp_path / "game" / "events" / "part-00099.parquet"
    stale.write_bytes(b"old")
    (tmp_path / "README.txt").write_text("kept", encoding="utf-8")
    generate_world(TINY, tmp_path)
    assert not stale.exists()
    assert (tmp_path / "README.txt").exists()


def test_progress_is_reported_after_each_chunk(world: World) -> None:
    assert world.progress == [(1000, 2000), (2000, 2000)]


def test_report_counts_match_the_manifest(world: World) -> None:
    r, m = world.report, world.manifest
    assert r.people == CONFIG.people and r.chunks == 2
    assert r.manifest == world.root / "manifest.json"
    events = [s for s in m["sources"] if s["kind"] == "events"]
    assert r.event_rows == sum(s["rows"] for s in events)
    assert r.dirty_rows == sum(s["dirty_rows"] for s in events)
    assert r.duplicate_rows == sum(s["duplicates"] for s in events)
    assert r.expected_accepted == m["expected_accepted"]
    for rel, count in m["files"].items():
        assert r.files[rel] == count["rows"]
    assert r.files["ground_truth/people/part-00000.parquet"] == 1000
    assert r.seconds > 0


def test_volume_is_a_few_hundred_thousand_events(world: World) -> None:
    per_person = world.report.event_rows / CONFIG.people
    assert 100 <= per_person <= 300


def test_an_interrupted_world_can_be_regenerated(tmp_path: Path) -> None:
    calls = 0

    def stop(done: int, total: int) -> None:
        nonlocal calls
        calls += 1
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        generate_world(TINY, tmp_path, progress=stop)
    assert calls == 1
    assert '"complete": false' in (tmp_path / "manifest.json").read_text("utf-8")
    generate_world(TINY, tmp_path)
    assert '"complete": true' in (tmp_path / "manifest.json").read_text("utf-8")
