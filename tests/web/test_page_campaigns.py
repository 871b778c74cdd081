"""The campaigns page against the demo world: the figures of ``crossplay campaign status``
(and the ledger behind them), the date filter, both languages, partner scope and
k-suppression, bad parameters, and pause / resume from the page."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from typing import Any

import pytest
from sqlalchemy import select

from crossplay.campaigns import tables as t
from crossplay.campaigns.cost import campaign_cost
from crossplay.campaigns.engine import stored_campaign
from crossplay.campaigns.status import campaign_status
from crossplay.cli.i18n import clear_misses, misses
from crossplay.core.settings import Settings, load_settings
from crossplay.opdb import get_engine
from crossplay.web.page import (
    Filters,
    Form,
    PageData,
    PageError,
    PageRequest,
    Table,
    Tile,
    Viewer,
)
from crossplay.web.page_campaigns import PAGE
from tests.web.conftest import DashWorld

CID = "learn_and_play"
JOINT = Viewer("op1", "ann", "viewer", None)
MARKETER = Viewer("op3", "mia", "marketer", None)
GAME = Viewer("op2", "gus", "viewer", "game")


def request(s: Settings, *, lang: str = "en", filters: Filters | None = None,
            viewer: Viewer = JOINT, params: dict[str, str] | None = None) -> PageRequest:
    if not viewer.joint:  # the frame forces a partner-scoped viewer's partner filter
        filters = Filters(**{**vars(filters or Filters()), "partner": viewer.partner})
    return PageRequest(settings=s, lang=lang, filters=filters or Filters(),  # type: ignore[arg-type]
                       viewer=viewer, params=params or {}, engine=get_engine(s))


def build(s: Settings, **kw: Any) -> PageData:
    return PAGE.build(request(s, **kw))


def tiles(data: PageData) -> dict[str, str]:
    return {i.label: i.value for sec in data.sections for i in sec.items
            if isinstance(i, Tile)}


def forms(data: PageData) -> list[str]:
    return [i.action for sec in data.sections for i in sec.items if isinstance(i, Form)]


def table(data: PageData, key: str) -> Table:
    return data.tables()[key]


def test_figures_are_campaign_status(dash_world_copy: DashWorld) -> None:
    s = dash_world_copy.settings()
    st = campaign_status(s, CID, top=1000)  # the CLI's service (it audits: a copy)
    data = build(s)
    c = st.cost
    got = tiles(data)
    assert got["status"] == "active" == st.status
    assert got["persons awarded"] == f"{st.persons:,}"
    assert got["points issued"] == f"{c.issued:,}"
    assert got["points redeemed"] == f"{c.redeemed:,}"
    assert got["budget left"] == f"{c.budget_left:,}"
    assert c.issued > 0 and c.redeemed > 0
    [row] = table(data, "campaigns").rows
    assert row[0] == CID and row[6:] == [c.budget, c.issued, c.redeemed, c.budget_left,
                                         float(c.cost_yuan)]
    by_day = table(data, "points_by_day").rows
    assert [(str(r[0]), r[1]) for r in by_day if r[1]] == st.by_day
    # the burn-down ends where the ledger's budget stands, after falling by what was drawn
    burn = [r[7] for r in by_day if r[7] is not None]
    assert burn[-1] == c.budget_left and burn == sorted(burn, reverse=True)
    assert sum(r[3] for r in by_day) == c.redeemed
    rewards = {r[0]: r[5:] for r in table(data, "rewards").rows}
    assert rewards == {r["reward_id"]: [r["stock"], r["reserved"], r["redeemed"]]
                       for r in st.rewards}
    # every person's best streak, walked by the rules as `campaign status` walks them
    streaks: dict[int, int] = {r[0]: r[1] for r in table(data, "streaks").rows}
    best = [b for _p, b, _c in st.top_streaks]
    assert sum(streaks.values()) == len(best) and max(streaks) == max(best)
    assert streaks == {n: best.count(n) for n in set(best)}
    charts = {ch.key: ch.points for ch in data.charts()}
    assert {"points_by_day", "budget_burn_down", "streaks", "stock"} <= set(charts)
    assert all(p > 0 for p in charts.values())


def test_date_filter_narrows_the_series(dash_world: DashWorld) -> None:
    s = dash_world.settings()
    every = table(build(s), "points_by_day").rows
    start, end = dt.date(2026, 11, 10), dt.date(2026, 11, 17)
    some = table(build(s, filters=Filters(start=start, end=end)), "points_by_day").rows
    assert some and len(some) < len(every)
    assert all(start <= r[0] < end for r in some)
    assert some == [r for r in every if start <= r[0] < end]
    # a period before the campaign: listed nowhere, nothing to show
    before = build(s, filters=Filters(start=dt.date(2020, 1, 1), end=dt.date(2020, 2, 1)))
    assert table(before, "campaigns").rows == []
    assert "points_by_day" not in before.tables()


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_both_languages_without_misses(dash_world: DashWorld, lang: str) -> None:
    clear_misses()
    data = build(dash_world.settings(), lang=lang, viewer=MARKETER)
    assert misses() == ()
    assert data.sections and "pause" in forms(data)
    titles = " ".join(sec.title for sec in data.sections)
    assert ("学习玩乐季" in titles) == (lang == "zh-CN")
    for chart in data.charts():
        layout = chart.figure["layout"]
        assert layout["title"]["text"] and layout["xaxis"]["title"]["text"]


def test_partner_viewer_sees_no_person_and_no_small_group(dash_world: DashWorld) -> None:
    s = dash_world.settings()
    data = build(s, viewer=GAME)
    k = s.privacy_k
    with get_engine(s).connect() as con:
        persons = {str(p) for (p,) in con.execute(select(t.awards.c.person_id).distinct())}
    dumped = json.dumps([asdict(sec) for sec in data.sections], default=str)
    assert persons and not any(p in dumped for p in persons)
    assert all(r[2] == "game platform" for r in table(data, "rewards").rows)
    for r in table(data, "points_by_day").rows:
        for pts, people in ((r[1], r[2]), (r[3], r[4]), (r[5], r[6])):
            assert (pts is None and people is None) or people == 0 or people >= k
    assert all(n is None or n >= k for _len, n in table(data, "streaks").rows)
    assert forms(data) == []  # a viewer gets no action forms
    # joint staff see the small groups
    joint = table(build(s), "streaks").rows
    assert all(n is not None for _len, n in joint)


def test_totals_hidden_when_the_campaign_is_smaller_than_k(dash_world: DashWorld) -> None:
    s = dash_world.settings(privacy_k=100_000)
    data = build(s, viewer=GAME)
    got = tiles(data)
    assert got["persons awarded"] == got["points issued"] == got["budget left"] == "–"
    assert table(data, "campaigns").rows[0][7:] == [None, None, None, None]
    rows = table(data, "points_by_day").rows
    assert rows and all(r[1] in (None, 0) and r[7] is None for r in rows)
    assert not [c for c in data.charts() if c.points == 0]  # no empty chart


@pytest.mark.parametrize(("value", "status"), [("Bad-Id", 400), ("x" * 80, 400),
                                               ("no_such_campaign", 404)])
def test_bad_campaign_parameter(dash_world: DashWorld, value: str, status: int) -> None:
    with pytest.raises(PageError) as err:
        build(dash_world.settings(), params={"campaign": value})
    assert err.value.status == status


def test_no_campaign_yet(tmp_path: Any) -> None:
    s = load_settings(data_dir=tmp_path / "data")
    data = build(s)
    assert data.sections == [] and data.empty and "campaign apply" in data.empty


def test_pause_then_resume(dash_world_copy: DashWorld) -> None:
    s = dash_world_copy.settings()
    engine = get_engine(s)
    act = dict(PAGE.actions)
    role, pause = act["pause"]
    assert role == "marketer"
    done = pause(request(s, viewer=MARKETER), {"campaign": CID})
    assert "paused" in done
    assert stored_campaign(engine, CID)[1] == "paused"
    data = build(s, viewer=MARKETER, params={"campaign": CID})
    assert tiles(data)["status"] == "paused" and forms(data) == ["resume"]
    assert table(data, "campaigns").rows[0][2] == "paused"
    with pytest.raises(PageError, match="already paused") as err:
        pause(request(s, viewer=MARKETER), {"campaign": CID})
    assert err.value.status == 400
    resume = act["resume"][1]
    done = resume(request(s, viewer=MARKETER, lang="zh-CN"), {"campaign": CID})
    assert "已恢复" in done
    assert stored_campaign(engine, CID)[1] == "active"
    assert tiles(build(s))["status"] == "active"
    with pytest.raises(PageError, match="not paused") as err:
        resume(request(s, viewer=MARKETER), {"campaign": CID})
    assert err.value.status == 400
    assert campaign_cost(s, CID).budget_left > 0


def test_expired_points_are_the_expiry_jobs(dash_world_copy: DashWorld) -> None:
    from crossplay.campaigns.ledger import Ledger

    s = dash_world_copy.settings()
    at = dt.datetime(2027, 6, 1, 12, tzinfo=dt.UTC)  # past every lot's 90 days
    done = Ledger(get_engine(s)).expire(now=int(at.timestamp()) * 1_000_000)
    points = sum(int(r.result["amount"]) for r in done)
    assert points > 0
    data = build(s)
    assert tiles(data)["points expired"] == f"{points:,}"
    [row] = [r for r in table(data, "points_by_day").rows if r[5]]
    assert row[0] == dt.date(2027, 6, 1) and row[5] == points and row[6] > 0
    # the budget does not move when points expire: they had left it when awarded
    assert tiles(data)["budget left"] == f"{campaign_cost(s, CID).budget_left:,}"


def test_actions_refuse_viewers_and_bad_ids(dash_world_copy: DashWorld) -> None:
    s = dash_world_copy.settings()
    engine = get_engine(s)
    pause = PAGE.actions["pause"][1]
    cases = [(JOINT, {"campaign": CID}, 403), (GAME, {"campaign": CID}, 403),
             (MARKETER, {}, 400), (MARKETER, {"campaign": "DROP TABLE"}, 400),
             (MARKETER, {"campaign": "ghost"}, 404)]
    for viewer, form, status in cases:
        with pytest.raises(PageError) as err:
            pause(request(s, viewer=viewer), form)
        assert err.value.status == status, (viewer, form)
    assert stored_campaign(engine, CID)[1] == "active"  # nothing changed


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Shanghai", "Australia/Lord_Howe",
                                  "Asia/Kolkata"])
def test_local_day_in_sql_follows_the_zone(zone: str) -> None:
    """The ledger's microsecond timestamps grouped by the campaign's local day in the
    database, across daylight-saving changes (Lord Howe shifts by 30 minutes), as the rule
    engine's own local_day sees them."""
    from zoneinfo import ZoneInfo

    from sqlalchemy import BigInteger, Column, MetaData, Table, create_engine, insert

    from crossplay.campaigns.rules import local_day
    from crossplay.web.campaigns_data import US_PER_S, local_day_number, offset_segments

    z = ZoneInfo(zone)
    lo = int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp()) * US_PER_S
    hi = int(dt.datetime(2027, 1, 1, tzinfo=dt.UTC).timestamp()) * US_PER_S
    segments = offset_segments(z, lo, hi)
    assert len(segments) == (1 if zone in ("Asia/Shanghai", "Asia/Kolkata") else 3)
    # every quarter hour around each change, and a sample over the year
    instants = [s + d * 900 * US_PER_S for s, _ in segments[1:] for d in range(-200, 200)]
    instants += list(range(lo, hi, 7 * 3_600 * US_PER_S + 17 * US_PER_S))
    meta = MetaData()
    stamps = Table("stamps", meta, Column("ts", BigInteger))
    with create_engine("sqlite://").begin() as con:
        meta.create_all(con)
        con.execute(insert(stamps), [{"ts": at} for at in instants])
        got = con.execute(select(stamps.c.ts, local_day_number(stamps.c.ts, segments))).all()
    assert len(got) == len(instants)
    for at, n in got:
        assert dt.date(1970, 1, 1) + dt.timedelta(days=n) == local_day(at, z), at


def test_pause_and_resume_through_the_console(dash_world_copy: DashWorld) -> None:
    """The page as the frame serves it: rendered, the form posted with its CSRF token, the
    cached page showing the new status at once."""
    import re

    import httpx

    from crossplay.web.operators import create_operator
    from tests.api.conftest import running_api

    def csrf(html: str) -> str:
        found = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert found, html[:2000]
        return found.group(1)

    s = dash_world_copy.settings()
    create_operator(s, "mia", "correct horse battery", role="marketer")
    with running_api(s, keys=False) as live, httpx.Client(base_url=live.url, timeout=60) as c:
        r = c.post("/login", data={"username": "mia", "password": "correct horse battery",
                                   "csrf_token": csrf(c.get("/login").text),
                                   "next": "/dash/campaigns"})
        assert r.status_code == 303
        page = c.get("/dash/campaigns")
        assert page.status_code == 200 and 'id="chart-budget_burn_down"' in page.text
        assert 'action="/dash/campaigns/action/pause"' in page.text
        assert c.get("/dash/campaigns?download=points_by_day.csv").status_code == 200
        r = c.post("/dash/campaigns/action/pause",
                   data={"csrf_token": csrf(page.text), "campaign": CID})
        assert r.status_code == 303
        paused = c.get(r.headers["location"])
        assert "is paused" in paused.text
        assert 'action="/dash/campaigns/action/resume"' in paused.text
        again = c.post("/dash/campaigns/action/pause",
                       data={"csrf_token": csrf(paused.text), "campaign": CID})
        assert again.status_code == 400 and "already paused" in again.text
        r = c.post("/dash/campaigns/action/resume",
                   data={"csrf_token": csrf(paused.text), "campaign": CID})
        assert r.status_code == 303
        assert "is active again" in c.get(r.headers["location"]).text
    assert stored_campaign(get_engine(s), CID)[1] == "active"
