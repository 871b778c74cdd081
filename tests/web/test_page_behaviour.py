"""The behaviour page on the demo world: each section against the service the CLI calls.

Oracles: :func:`crossplay.measure.funnel.funnel` (``crossplay funnel``),
:func:`crossplay.measure.retention.retention` (``crossplay retention``),
:func:`crossplay.mining.churn_job.run_paths` (``crossplay paths``) and
:func:`crossplay.mining.churn.kaplan_meier` (``crossplay churn fit``'s curves). The page
runs on a private copy of the world: a cross-partner funnel writes to the audit log.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from crossplay.cli.i18n import clear_misses, misses
from crossplay.core.settings import Settings
from crossplay.opdb import ensure_schema, get_engine
from crossplay.web.page import Filters, Note, PageData, PageError, PageRequest, Table, Viewer
from crossplay.web.page_behaviour import DEFAULT_STEPS, PAGE, build
from tests.web.conftest import DashWorld

JOINT = Viewer("op1", "ann", "viewer", None)
GAME = Viewer("op2", "bob", "viewer", "game")
DAYS = [1, 3, 7, 14]


@pytest.fixture(scope="module")
def world(dash_world: DashWorld, tmp_path_factory: pytest.TempPathFactory) -> DashWorld:
    data_dir = tmp_path_factory.mktemp("behaviour") / "data"
    shutil.copytree(dash_world.data_dir, data_dir)
    return DashWorld(data_dir)


def _req(s: Settings, *, lang: str = "en", viewer: Viewer = JOINT,
         params: dict[str, str] | None = None, **filters: Any) -> PageRequest:
    engine = get_engine(s)
    ensure_schema(engine)
    if not viewer.joint:
        filters.setdefault("partner", viewer.partner)
    return PageRequest(settings=s, lang=lang, filters=Filters(**filters),  # type: ignore[arg-type]
                       viewer=viewer, params=params or {}, engine=engine)


def _table(data: PageData, key: str) -> Table:
    return data.tables()[key]


def _notes(data: PageData) -> list[str]:
    return [i.text for s in data.sections for i in s.items if isinstance(i, Note)]


@pytest.fixture(scope="module")
def pages(world: DashWorld) -> dict[str, PageData]:
    s = world.settings()
    out = {}
    for lang in ("en", "zh-CN"):
        clear_misses()
        out[lang] = build(_req(s, lang=lang))
        assert misses() == (), lang
    return out


def test_the_page_is_registered_with_every_filter() -> None:
    assert (PAGE.slug, PAGE.order) == ("behaviour", 40)
    assert PAGE.filters == ("start", "end", "partner", "platform", "segment")


def test_both_languages_show_every_section_with_charts(pages: dict[str, PageData]) -> None:
    en, zh = pages["en"], pages["zh-CN"]
    assert [s.title for s in en.sections] == [
        "Funnel", "Retention by cohort", "Paths to purchase and to churn", "Churn drivers",
        "Still active by segment (Kaplan–Meier)"]
    assert zh.sections[0].title == "转化漏斗"
    keys = {c.key for c in en.charts()}
    assert keys == {"funnel", "retention_knowledge", "retention_game", "retention_stream",
                    "paths_purchase", "paths_churn", "km"}
    assert all(c.points > 0 for c in en.charts())
    sankey = next(c for c in zh.charts() if c.key == "paths_purchase")
    assert "首次购买" in sankey.figure["data"][0]["node"]["label"]
    assert _table(zh, "funnel").rows[0][0] == "直播 · 看直播"
    assert any("crossplay churn fit --scope joint" in n for n in _notes(en))  # not fitted


def test_the_default_funnel_crosses_platforms_as_crossplay_funnel_counts(
        world: DashWorld, pages: dict[str, PageData]) -> None:
    from crossplay.measure.funnel import funnel

    s = world.settings()
    truth = funnel(s, list(DEFAULT_STEPS[None]), within_days=7)
    assert truth.unit == "person"
    rows = _table(pages["en"], "funnel").rows
    assert [r[1] for r in rows] == truth.rows[0].counts
    assert [r[2] for r in rows] == truth.rows[0].conversion
    assert [r[4] for r in rows] == truth.rows[0].drop_off
    assert rows[0][1] > rows[1][1] > 0
    end = _last_day(s) + dt.timedelta(days=1)
    start = end - dt.timedelta(days=7)
    window = build(_req(s, start=start, end=end))
    part = funnel(s, list(DEFAULT_STEPS[None]), within_days=7, start=start, end=end)
    got = [r[1] for r in _table(window, "funnel").rows]
    assert got == part.rows[0].counts and got[0] < rows[0][1]


def _last_day(s: Settings) -> dt.date:
    from crossplay.warehouse.duck import connect

    con = connect(s)
    try:
        last: dt.datetime = con.sql("SELECT max(ts) FROM events").fetchall()[0][0]
    finally:
        con.close()
    return last.date()


def test_a_platform_filter_shows_that_platforms_funnel_and_retention(world: DashWorld) -> None:
    from crossplay.measure.funnel import funnel

    s = world.settings()
    data = build(_req(s, platform="knowledge", params={"within": "30"}))
    truth = funnel(s, list(DEFAULT_STEPS["knowledge"]), within_days=30)
    assert truth.unit == "user"
    assert [r[1] for r in _table(data, "funnel").rows] == truth.rows[0].counts
    assert {c.key for c in data.charts()} >= {"retention_knowledge"}
    assert not {"retention_game", "retention_stream"} & {c.key for c in data.charts()}


def test_retention_is_crossplay_retentions_cohort_table(world: DashWorld,
                                                        pages: dict[str, PageData]) -> None:
    from crossplay.measure.retention import retention

    s = world.settings()
    rows = _table(pages["en"], "retention").rows
    for platform in ("knowledge", "game", "stream"):
        truth = retention(s, platform=platform, grain="week", days=DAYS)
        mine = [r for r in rows if r[0] == platform]
        assert [r[1:] for r in mine[:-1]] == [[c.cohort, c.size, *c.rate] for c in truth.cohorts]
        assert mine[-1][1] == "all cohorts" and mine[-1][3:] == truth.overall
    start = dt.date.fromisoformat(rows[0][1]) + dt.timedelta(days=1)
    kept = _table(build(_req(s, start=start)), "retention").rows
    cohorts = [r for r in rows if r[1] != "all cohorts"]
    assert [r for r in kept if r[1] != "all cohorts"] == [
        r for r in cohorts if dt.date.fromisoformat(r[1]) >= start]
    assert len(kept) < len(rows)


def test_paths_are_what_crossplay_paths_finds(world: DashWorld,
                                              pages: dict[str, PageData]) -> None:
    from crossplay.mining.churn_job import run_paths
    from crossplay.mining.paths import step_name

    s = world.settings()
    rows = _table(pages["en"], "paths").rows
    for target in ("purchase", "churn"):
        doc = run_paths(s, target, scope="joint")  # stores the document the page reads next
        name = "first purchase" if target == "purchase" else "churn"
        mine = [tuple(r[1:]) for r in rows if r[0] == name]
        theirs = [(" → ".join(step_name(x, "en") for x in p["path"]), p["count"],
                   p["steps"][0]["people"], p["steps"][0]["conversion"]) for p in doc["paths"]]
        # paths tied at the smallest count shown may be any of the tied ones (the service
        # orders ties as its journeys arrive): the rest must be the very same rows
        assert [m[1] for m in mine] == [t[1] for t in theirs] and mine
        low = mine[-1][1]
        assert sorted(m for m in mine if m[1] > low) == sorted(t for t in theirs if t[1] > low)
        assert all(m[2] >= m[1] and 0 < m[3] <= 1 for m in mine)
    again = build(_req(s))
    assert _table(again, "paths").rows[0][2] == rows[0][2]
    assert sum("as `crossplay paths` computed them" in n for n in _notes(again)) == 2


def test_kaplan_meier_curves_per_segment_and_the_segment_filter(
        world: DashWorld, pages: dict[str, PageData]) -> None:
    from crossplay.mining.churn import kaplan_meier
    from crossplay.mining.population import mining_connection
    from crossplay.mining.segment_job import load_assignments

    s = world.settings()
    groups = load_assignments(s, "joint").set_index("person_id")["segment"]
    con = mining_connection(s)
    try:
        truth = kaplan_meier(con, "joint", 7, groups)
    finally:
        con.close()
    rows = _table(pages["en"], "km").rows
    assert [r[1:] for r in rows] == [[g["n"], g["churned"], *g["survival"].values(),
                                      g["median_days"]] for g in truth]
    assert rows[0][0].startswith(f"segment {truth[0]['group']}: ")
    one = int(truth[-1]["group"])
    data = build(_req(s, segment=str(one)))
    assert [r[1] for r in _table(data, "km").rows] == [truth[-1]["n"]]
    assert any(f"Segment {one} only" in n or f"Segment {one} has fewer" in n
               for n in _notes(data))
    assert any("segment filter does not apply" in n for n in _notes(data))  # retention


def test_a_stored_churn_report_gives_the_drivers(world: DashWorld) -> None:
    s = world.settings()
    path = Path(s.data_dir, "derived", "mining", "churn", "knowledge", "report.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "scope": "knowledge", "days": 7, "fitted_at": "2026-12-01T00:00:00+00:00",
        "metrics": {"auc_holdout": 0.81, "brier_holdout": 0.12, "base_rate_holdout": 0.3,
                    "holdout_units": 900},
        "drivers": [{"feature": "k_recency", "importance": 0.05, "direction": "up"}],
        "kaplan_meier_by_segment": []}), encoding="utf-8")
    try:
        clear_misses()
        data = build(_req(s, lang="zh-CN", partner="knowledge"))
        assert misses() == ()
    finally:
        path.unlink()
    assert _table(data, "churn_drivers").rows == [["距上次学习天数越高, 流失风险越高", 0.05]]
    assert _table(data, "churn_model").rows[0] == ["留出样本 AUC", 0.81]


def test_a_partner_viewer_gets_joint_counts_only_from_k_people(world: DashWorld) -> None:
    s = world.settings(privacy_k=15)
    joint_page = build(_req(s))
    joint = [r[1] for r in _table(joint_page, "funnel").rows]
    assert joint[0] >= 15 and min(joint) < 15  # the demo world has both kinds of step
    data = build(_req(s, viewer=GAME))
    mine = [r[1] for r in _table(data, "funnel").rows]
    assert mine == [n if n >= 15 else None for n in joint]
    assert any(n.startswith("Joint figures: counts under k = 15") for n in _notes(data))
    assert not any(n.startswith("Joint figures") for n in _notes(joint_page))
    assert {r[0] for r in _table(data, "retention").rows} == {"game", "stream"}
    assert any(n.startswith("game: of ") for n in _notes(data))  # paths of own users
    assert not any(n.startswith("joint: of ") for n in _notes(data))
    with pytest.raises(PageError) as other:
        build(_req(s, viewer=GAME, platform="knowledge"))
    assert other.value.status == 403
    with pytest.raises(PageError) as steps:
        build(_req(s, viewer=GAME, params={"steps": "knowledge:course_view,knowledge:enroll"}))
    assert steps.value.status == 403


@pytest.mark.parametrize(("params", "filters", "status", "match"), [
    ({"within": "soon"}, {}, 400, "within must be a whole number"),
    ({"cohort": "year"}, {}, 400, "cohort must be day, week or month"),
    ({"days": "0"}, {}, 400, "--days"),
    ({"steps": "stream:dance,knowledge:purchase"}, {}, 400, "unknown event type"),
    ({"steps": "stream:watch"}, {}, 400, "at least two steps"),
    ({}, {"platform": "tv"}, 400, "Unknown platform"),
    ({}, {"partner": "knowledge", "platform": "stream"}, 400, "does not belong"),
    ({}, {"segment": "best"}, 400, "segment must be a segment number"),
    ({}, {"segment": "99"}, 404, "no segment 99"),
    ({}, {"start": dt.date(2026, 5, 2), "end": dt.date(2026, 5, 1)}, 400, "start must come"),
])
def test_bad_parameters_are_refused(world: DashWorld, params: dict[str, str],
                                    filters: dict[str, Any], status: int, match: str) -> None:
    with pytest.raises(PageError, match=match) as bad:
        build(_req(world.settings(), params=params, **filters))
    assert bad.value.status == status


def test_errors_are_translated(world: DashWorld) -> None:
    clear_misses()
    with pytest.raises(PageError, match="dance") as bad:
        build(_req(world.settings(), lang="zh-CN", params={"steps": "stream:dance,game:session"}))
    assert misses() == () and "漏斗" in bad.value.message
