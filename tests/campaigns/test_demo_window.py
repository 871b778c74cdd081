"""The demo's campaign moves with the world: a copy of the sample over the world's window,
its budget scaled to the world's size."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from crossplay.campaigns.demo import SAMPLE_PEOPLE, world_campaign
from crossplay.campaigns.document import load_campaign, sample_path
from crossplay.cli.commands_campaign import demo_step
from crossplay.cli.i18n import Messages
from crossplay.cli.state import State
from crossplay.core.settings import Settings
from tests.conftest import LoadedWorld


@pytest.mark.parametrize(("people", "budget"), [(40_000, 60_000), (SAMPLE_PEOPLE, 3_000),
                                                (300, 3_000)])
def test_world_copy_sets_window_and_budget_and_keeps_the_rest(
        settings: Settings, people: int, budget: int) -> None:
    first, last = dt.date(2031, 3, 1), dt.date(2031, 3, 30)
    path = world_campaign(settings, first, last, people=people)
    assert path == settings.data_dir / "campaigns" / "learn_and_play.yaml"
    copy, sample = load_campaign(path), load_campaign(sample_path())
    assert (copy.start, copy.end, copy.budget) == (first, last, budget)
    assert copy.model_copy(update={"start": sample.start, "end": sample.end,
                                   "budget": sample.budget}) == sample
    text = path.read_text(encoding="utf-8")
    assert "# inclusive, local dates in the time zone below" in text  # comments kept
    # writing it again replaces it (the demo reruns)
    again = world_campaign(settings, first, first, people=people)
    assert load_campaign(again).end == first and not list(path.parent.glob("*.tmp"))


@pytest.fixture(scope="module")
def spring_world(tmp_path_factory: pytest.TempPathFactory) -> LoadedWorld:
    """A small world in March 2025, far from the sample's September 2026 (a world in the
    future of the clock would have no consent in force yet)."""
    from crossplay.ingest.world import ingest_world
    from crossplay.synth import WorldConfig, generate_world

    root = tmp_path_factory.mktemp("spring")
    world = LoadedWorld(root / "data" / "world", root / "data")
    generate_world(WorldConfig(people=600, days=14, seed=7, start=dt.date(2025, 3, 1)),
                   world.world_dir)
    ingest_world(world.settings(), world.world_dir)
    return world


def test_demo_step_runs_the_campaign_over_the_worlds_window(
        spring_world: LoadedWorld, capsys: pytest.CaptureFixture[str]) -> None:
    st = State(spring_world.settings(), Messages("en"))
    summary = demo_step(st, False)
    out = capsys.readouterr().out
    assert (summary["start"], summary["end"]) == ("2025-03-01", "2025-03-14")
    assert Path(summary["document"]).parent == spring_world.data_dir / "campaigns"
    assert summary["issued"] > 0 and summary["ok"] == "yes"
    assert summary["issued"] - summary["clawed_back"] + summary["left"] == summary["budget"]
    assert "2025-03-01 to 2025-03-14" in out and "eligible persons" in out
    # zh-CN: the same step in Chinese, and a rerun awards nothing twice
    again = demo_step(State(spring_world.settings(), Messages("zh-CN")), False)
    assert again["issued"] == summary["issued"]
    assert "活动文件" in capsys.readouterr().out
