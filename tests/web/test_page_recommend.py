"""The recommendations page against the demo world: the saved leaderboards, benchmark runs
and content mix, unchanged; partner scope and k-suppression; both languages."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crossplay.cli.i18n import clear_misses, misses
from crossplay.core.settings import Settings, load_settings
from crossplay.opdb import get_engine
from crossplay.web.cache import _derived_signature
from crossplay.web.page import Filters, Form, Note, PageData, PageRequest, Table, Viewer
from crossplay.web.page_recommend import PAGE
from tests.web.conftest import DashWorld

JOINT = Viewer("op1", "ann", "viewer", None)
GAME = Viewer("op2", "gus", "viewer", "game")
KNOWLEDGE = Viewer("op3", "kim", "viewer", "knowledge")


def build(s: Settings, *, lang: str = "en", filters: Filters | None = None,
          viewer: Viewer = JOINT) -> PageData:
    if not viewer.joint:  # the frame forces a partner-scoped viewer's partner filter
        filters = Filters(partner=viewer.partner)
    return PAGE.build(PageRequest(settings=s, lang=lang,  # type: ignore[arg-type]
                                  filters=filters or Filters(), viewer=viewer,
                                  engine=get_engine(s)))


def crossplay(data_dir: Path, *args: str) -> dict[str, Any]:
    exe = Path(sys.executable).parent / "crossplay"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CROSSPLAY_") or k == "CROSSPLAY_NOW"}
    done = subprocess.run([str(exe), "--data-dir", str(data_dir), *args, "--json"], env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    out: dict[str, Any] = json.loads(done.stdout)
    return out


@pytest.fixture(scope="module")
def evaluated(dash_world: DashWorld, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The demo world plus an in-domain leaderboard and a fitted content mix (the demo
    saves the cold-start board and a benchmark run only)."""
    data_dir = tmp_path_factory.mktemp("recommend-page") / "data"
    shutil.copytree(dash_world.data_dir, data_dir)
    crossplay(data_dir, "recommend", "evaluate", "--task", "in-domain", "--no-tune",
              "--models", "popularity,als")
    crossplay(data_dir, "recommend", "mix")
    return load_settings(data_dir=data_dir)


def saved(s: Settings, *parts: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(s.data_dir.joinpath("derived", *parts).read_text("utf-8"))
    return data


def tables(data: PageData, prefix: str) -> list[Table]:
    return [t for k, t in data.tables().items() if k.startswith(prefix)]


def test_leaderboards_are_the_saved_reports(evaluated: Settings) -> None:
    data = build(evaluated)
    for task in ("in-domain", "cold-start"):
        report = saved(evaluated, "recommend", "evaluations", f"latest-{task}.json")
        for board in report["boards"]:
            got = data.tables()[f"board-{task}-{board['target']}"].rows
            assert [(r[0], r[1], r[2], r[4]) for r in got] == [
                (r["model"], r["recall"], r["ndcg"], r["precision"]) for r in board["rows"]]
    assert {c.key for c in data.charts()} >= {"ndcg-in-domain", "ndcg-cold-start"}


def test_benchmark_runs_with_standard_errors(evaluated: Settings) -> None:
    runs = sorted(evaluated.data_dir.joinpath("derived", "benchmarks", "demo-world",
                                              "runs").glob("run-*.json"))
    run = json.loads(runs[-1].read_text("utf-8"))
    [got] = tables(build(evaluated), "bench-demo-world")
    assert [r[0] for r in got.rows] == [r["model"] for r in run["rows"]]
    for row, want in zip(got.rows, run["rows"], strict=True):
        assert row[5:7] == [want["ndcg"]["mean"], want["ndcg"]["se"]]
    chart = next(c for c in build(evaluated).charts() if c.key.startswith("bench-chart"))
    assert chart.figure["data"][0]["error_y"]["array"]


def test_content_mix_is_the_saved_mix(evaluated: Settings) -> None:
    mix = saved(evaluated, "recommend", "mix.json")
    rows = build(evaluated).tables()["mix"].rows
    assert [(r[1], r[2], r[3]) for r in rows] == [
        (s["persons"], s["alpha"], s["beta"]) for s in mix["segments"]]
    policy = build(evaluated).tables()["mix-policy"].rows
    assert [r[4] for r in policy] == [s["knowledge_items"] for s in mix["policy"]["segments"]]


def test_partner_scope(evaluated: Settings) -> None:
    keys = set(build(evaluated, viewer=GAME).tables())
    assert {"board-in-domain-game", "board-in-domain-stream"} <= keys
    assert "board-in-domain-knowledge" not in keys
    mine = set(build(evaluated, viewer=KNOWLEDGE).tables())
    assert "board-in-domain-knowledge" in mine and "board-in-domain-game" not in mine
    # joint staff choosing a partner see the same boards
    chosen = set(build(evaluated, filters=Filters(partner="game")).tables())
    assert {k for k in chosen if k.startswith("board-")} == \
        {k for k in keys if k.startswith("board-")}


def test_small_joint_groups_are_suppressed(evaluated: Settings) -> None:
    mix = saved(evaluated, "recommend", "mix.json")
    sizes = sorted(s["persons"] for s in mix["segments"])
    k = sizes[len(sizes) // 2]  # some segments below k, some not
    strict = evaluated.model_copy(update={"privacy_k": k})
    rows = build(strict, viewer=GAME).tables()["mix"].rows
    assert [r[1] for r in rows] == [s["persons"] if s["persons"] >= k else None
                                    for s in mix["segments"]]
    assert any(r[1] is None and r[2] is None for r in rows)
    assert all(r[1] is not None for r in build(strict).tables()["mix"].rows)
    # a joint board over fewer than k test persons shows no figures to a partner viewer
    report = saved(evaluated, "recommend", "evaluations", "latest-cold-start.json")
    tiny = evaluated.model_copy(update={"privacy_k": report["boards"][0]["test_users"] + 1})
    assert not tables(build(tiny, viewer=GAME), "board-cold-start")
    assert tables(build(tiny), "board-cold-start")


def test_lookup_form(evaluated: Settings) -> None:
    def form(data: PageData) -> Form:
        return next(i for s in data.sections for i in s.items if isinstance(i, Form))

    joint = form(build(evaluated))
    assert joint.action == "person" and joint.method == "get"
    assert [v for v, _ in joint.fields[0].options] == ["knowledge", "game"]
    assert [v for v, _ in form(build(evaluated, viewer=GAME)).fields[0].options] == ["game"]


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
@pytest.mark.parametrize("viewer", [JOINT, GAME])
def test_both_languages_without_misses(evaluated: Settings, lang: str,
                                       viewer: Viewer) -> None:
    clear_misses()
    data = build(evaluated, lang=lang, viewer=viewer)
    assert misses() == ()
    titles = [c.figure["layout"]["title"]["text"] for c in data.charts()]
    assert len(titles) >= 3
    if lang == "zh-CN":
        assert "各任务排行榜" in [s.title for s in data.sections]


def test_the_demo_world_as_it_is(dash_world: DashWorld) -> None:
    """No mix fitted yet: a note says what to run; the build writes nothing."""
    s = dash_world.settings()
    before = _derived_signature(s)
    data = build(s)
    assert _derived_signature(s) == before
    assert tables(data, "board-cold-start") and "mix" not in data.tables()
    notes = [i.text for sec in data.sections for i in sec.items if isinstance(i, Note)]
    assert any("crossplay recommend mix" in n for n in notes)


def test_nothing_evaluated_yet(tmp_path: Path) -> None:
    data = build(load_settings(data_dir=tmp_path / "empty"))
    assert data.empty and "crossplay recommend evaluate" in data.empty
