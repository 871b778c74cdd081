"""``crossplay demo`` / ``generate`` given hostile or odd input: a clear message and exit 2, or
a sound run; never a traceback, never a real key or someone else's files replaced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CliRunner


@pytest.mark.parametrize("start", ["1990-01-01", "2000-01-01", "2999-01-01", "yesterday",
                                   "2026-02-30"])
def test_demo_refuses_a_window_ingest_would_reject(cli: CliRunner, data_dir: Path,
                                                   start: str) -> None:
    res = cli("demo", "--people", "50", "--days", "3", "--start", start)
    assert res.code == 2
    assert "Traceback" not in res.err
    assert ("must lie between 2000-01-02 and yesterday" in res.err_flat
            or "is not a date like" in res.err_flat)
    assert not (data_dir / "world").exists()  # refused before anything was written


def test_demo_never_replaces_an_existing_key(cli: CliRunner, data_dir: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CROSSPLAY_KNOWLEDGE_SECRET")
    monkeypatch.delenv("CROSSPLAY_GAME_SECRET")
    assert cli("keys", "init", "--partner", "knowledge").code == 0
    real = (data_dir / "keys" / "knowledge.key").read_bytes()
    res = cli("demo", "--people", "300", "--days", "7")
    assert res.code == 0, res.err
    assert (data_dir / "keys" / "knowledge.key").read_bytes() == real
    created = [line for line in res.out.splitlines() if "demo-only key" in line]
    assert len(created) == 1 and "game.key" in created[0]


def test_demo_will_not_overwrite_a_folder_that_is_not_a_world(cli: CliRunner,
                                                              tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "manifest.json").write_text("{not json", encoding="utf-8")
    (mine / "thesis.docx").write_bytes(b"years of work")
    res = cli("demo", "--people", "50", "--days", "3", "--world", mine)
    assert res.code == 2 and "holds no synthetic world" in res.err_flat
    assert (mine / "thesis.docx").read_bytes() == b"years of work"


@pytest.mark.parametrize("config", [{"people": "many", "start": "someday"}, None])
def test_a_damaged_previous_world_is_regenerated(cli: CliRunner, data_dir: Path,
                                                 config: object) -> None:
    world = data_dir / "world"
    world.mkdir(parents=True)
    (world / "manifest.json").write_text(json.dumps(
        {"generator": "crossplay.synth", "complete": True, "config": config}),
        encoding="utf-8")
    res = cli("generate", "--people", "40", "--days", "3", "--out", world, "--json")
    assert res.code == 0, res.err
    assert json.loads((world / "manifest.json").read_text("utf-8"))["config"]["people"] == 40
    (world / "manifest.json").write_text(json.dumps(
        {"generator": "crossplay.synth", "complete": True, "config": config}),
        encoding="utf-8")
    res = cli("demo", "--people", "300", "--days", "7", "--json")
    assert res.code == 0, res.err
    assert res.json()["world"]["people"] == 300
