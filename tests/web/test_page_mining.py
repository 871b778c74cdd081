"""The mining page against the demo world: rules, segments and influencers as the mining
services give them, partner scope and k-suppression, filters, both languages."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any

import pytest

from crossplay.cli.i18n import clear_misses, misses
from crossplay.core.settings import Settings, load_settings
from crossplay.mining.rule_mining import RuleOptions, load_rules, mine_rules
from crossplay.mining.segment_job import load_profiles
from crossplay.mining.social_job import rank_social
from crossplay.opdb import get_engine
from crossplay.web.cache import _derived_signature
from crossplay.web.page import Filters, PageData, PageError, PageRequest, Table, Viewer
from crossplay.web.page_mining import PAGE
from tests.web.conftest import DashWorld

JOINT = Viewer("op1", "ann", "viewer", None)
GAME = Viewer("op2", "gus", "viewer", "game")


def request(s: Settings, *, lang: str = "en", filters: Filters | None = None,
            viewer: Viewer = JOINT) -> PageRequest:
    if not viewer.joint:  # the frame forces a partner-scoped viewer's partner filter
        filters = Filters(**{**vars(filters or Filters()), "partner": viewer.partner})
    return PageRequest(settings=s, lang=lang, filters=filters or Filters(),  # type: ignore[arg-type]
                       viewer=viewer, engine=get_engine(s))


def build(s: Settings, **kw: Any) -> PageData:
    return PAGE.build(request(s, **kw))


def table(data: PageData, key: str) -> Table:
    return data.tables()[key]


@pytest.fixture(scope="module")
def mined(dash_world: DashWorld, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The demo world plus rules in every direction (the demo stores cross-domain pairs
    only, which a 2,000-person world does not reach) and each partner's own rules."""
    data_dir = tmp_path_factory.mktemp("mining-page") / "data"
    shutil.copytree(dash_world.data_dir, data_dir)
    s = load_settings(data_dir=data_dir)
    for scope in ("joint", "knowledge", "game"):
        mine_rules(s, RuleOptions(scope=scope, level="category"))
    return s


def test_rules_are_the_stored_rules(mined: Settings) -> None:
    data = build(mined)
    rows = table(data, "rules").rows
    expected = []
    for scope in ("joint", "knowledge", "game"):
        for level in ("category", "behaviour"):
            try:
                frame = load_rules(mined, scope, level).frame
            except Exception:  # not mined at this level
                continue
            expected += [(r["antecedent_en"], r["consequent_en"], r["support"],
                          r["confidence"], r["lift"], int(r["count"]))
                         for r in frame.to_dict(orient="records")]
    got = [(r[2], r[3], r[5], r[6], r[7], r[10]) for r in rows]
    assert sorted(got) == sorted(expected)
    assert len(rows) > 20
    assert all(isinstance(r[7], float) and r[7] >= 1.0 for r in rows)  # lift, a number
    chart = next(c for c in data.charts() if c.key == "rule_network")
    assert chart.points > 0 and chart.figure["data"]


def test_partner_filter_keeps_joint_and_that_partner(mined: Settings) -> None:
    scopes = {r[0] for r in table(build(mined, filters=Filters(partner="game")),
                                  "rules").rows}
    assert scopes == {"joint", "game"}
    everything = {r[0] for r in table(build(mined), "rules").rows}
    assert everything == {"joint", "knowledge", "game"}


def test_partner_viewer_never_sees_the_other_partner(mined: Settings) -> None:
    data = build(mined, viewer=GAME)
    assert {r[0] for r in table(data, "rules").rows} == {"joint", "game"}
    kinds = {r[0] for r in table(data, "influencers").rows}
    assert kinds <= {"game user"} and kinds
    joint = build(mined)
    assert "linked person" in {r[0] for r in table(joint, "influencers").rows}


def test_small_joint_groups_are_suppressed_for_partner_viewers(mined: Settings) -> None:
    profiles = load_profiles(mined, "joint")["profiles"]
    k = sorted(p["size"] for p in profiles)[-1]  # only the largest segment reaches k
    strict = mined.model_copy(update={"privacy_k": k})
    seg = {r[1]: r[3] for r in table(build(strict, viewer=GAME), "segments").rows}
    assert {p["segment"]: (p["size"] if p["size"] >= k else None)
            for p in profiles} == seg
    assert None in seg.values()
    # joint staff see every size
    assert all(v is not None for v in (r[3] for r in table(build(strict),
                                                             "segments").rows))
    # joint rules about fewer than k people are left out, the partner's own are not
    joint_rules = load_rules(mined, "joint", "category").frame
    shown = [r for r in table(build(strict, viewer=GAME), "rules").rows
             if r[0] == "joint" and r[1] == "category"]
    assert len(shown) == int((joint_rules["count"] >= k).sum())
    assert len(shown) < len(joint_rules)
    # reach counts into a joint segment below k are blanked
    for r in table(build(strict, viewer=GAME), "streamers").rows:
        assert r[7] is None or r[7] >= k


def test_segments_are_the_stored_profiles(mined: Settings) -> None:
    profiles = load_profiles(mined, "joint")["profiles"]
    data = build(mined)
    rows = [r for r in table(data, "segments").rows if r[0] == "joint"]
    assert [(r[1], r[2], r[3], r[5]) for r in rows] == [
        (p["segment"], p["name_en"], p["size"], p["value_yuan_per_person"])
        for p in profiles]
    zh = [r for r in table(build(mined, lang="zh-CN"), "segments").rows
          if r[0] == "已关联用户"]
    assert [r[2] for r in zh] == [p["name_zh"] for p in profiles]
    sizes = next(c for c in data.charts() if c.key == "segment_sizes")
    assert sizes.points == len(profiles)


def test_segment_filter_ranks_streamers_as_social_rank(mined: Settings) -> None:
    profiles = load_profiles(mined, "joint")["profiles"]
    seg = profiles[-1]["segment"]
    data = build(mined, filters=Filters(segment=str(seg)))
    assert [r[1] for r in table(data, "segments").rows] == [seg]
    streamers = table(data, "streamers").rows
    ranked = rank_social(mined, platform="all", segment=seg, top=5).ranking
    assert [r[2] for r in streamers] == list(ranked["streamer_id"])
    for row, (_, want) in zip(streamers, ranked.iterrows(), strict=True):
        assert math.isclose(row[6], float(want["expected_reach"]), rel_tol=1e-9)
        assert (row[4], row[5], row[7]) == (want["reach1"], want["reach2"],
                                            want["segment_reach2"])
    everyone = table(build(mined), "streamers").rows
    assert len(everyone) > len(streamers)


@pytest.mark.parametrize(("value", "status"), [("abc", 400), ("1.5", 400), ("999", 404)])
def test_bad_segment(mined: Settings, value: str, status: int) -> None:
    with pytest.raises(PageError) as err:
        build(mined, filters=Filters(segment=value))
    assert err.value.status == status


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
@pytest.mark.parametrize("viewer", [JOINT, GAME])
def test_both_languages_without_misses(mined: Settings, lang: str, viewer: Viewer) -> None:
    clear_misses()
    data = build(mined, lang=lang, viewer=viewer)
    assert misses() == ()
    assert data.empty is None and len(data.sections) == 3
    titles = [c.figure["layout"]["title"]["text"] for c in data.charts()]
    assert titles and all(titles)
    if lang == "zh-CN":
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in title) for title in titles)


def test_a_build_writes_nothing(dash_world: DashWorld) -> None:
    """The demo world as the demo leaves it (no rule passes there): the build reads it
    without writing (a write under derived/ would empty every cached page)."""
    s = dash_world.settings()
    before = _derived_signature(s)
    data = build(s)
    assert _derived_signature(s) == before
    assert data.empty is None
    assert table(data, "segments").rows and table(data, "streamers").rows


def test_nothing_mined_yet(tmp_path: Path) -> None:
    s = load_settings(data_dir=tmp_path / "empty")
    data = build(s)
    assert data.sections == [] and data.empty and "crossplay rules mine" in data.empty
