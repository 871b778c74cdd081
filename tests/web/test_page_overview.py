"""The overview page on the demo world: its KPIs are the services' (``crossplay kpi``,
``crossplay retention``) for the same periods, filters change them, both languages are
complete, a partner viewer sees only their partner's KPIs, bad input is a 400/404."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import pytest

from crossplay.cli.i18n import clear_misses, misses
from crossplay.core.settings import Settings
from crossplay.core.types import Lang, Partner
from crossplay.measure.kpi import campaign_roi, d7_retention, kpis, paid_conversion
from crossplay.measure.retention import retention
from crossplay.opdb import get_engine
from crossplay.web.overview_kpis import Window, buckets, periods, retention_in
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
from crossplay.web.page_overview import PAGE

CAMPAIGN = "cmp_autumn_learn"  # the planted experiment: a holdout, a revenue metric
JOINT = Viewer("op1", "ann", "viewer", None)
MARKETER = Viewer("op4", "mia", "marketer", None)


def _req(s: Settings, lang: Lang = "en", filters: Filters | None = None,
         viewer: Viewer = JOINT, params: Mapping[str, str] | None = None) -> PageRequest:
    return PageRequest(settings=s, lang=lang, filters=filters or Filters(), viewer=viewer,
                       params=dict(params or {}), engine=get_engine(s))


def _build(s: Settings, **kw: Any) -> PageData:
    return PAGE.build(_req(s, **kw))


def _tiles(data: PageData) -> list[Tile]:
    return [i for sec in data.sections for i in sec.items if isinstance(i, Tile)]


def _rows(table: Table) -> dict[str, list[Any]]:
    return {r[0]: list(r) for r in table.rows}


@pytest.fixture(scope="module")
def settings(dash_world: Any) -> Settings:
    s: Settings = dash_world.settings()
    return s


@pytest.fixture(scope="module")
def default_en(settings: Settings) -> PageData:
    return _build(settings)


def _day7_retention(s: Settings, platform: str, w: Window) -> tuple[int, int]:
    """D7 retention of the people whose day 7 falls in ``w``, from `crossplay retention`'s
    day cohorts (the test's own sum)."""
    r = retention(s, platform=platform, grain="day", days=[7])  # type: ignore[arg-type]
    x = n = 0
    for c in r.cohorts:
        day7 = dt.date.fromisoformat(c.cohort) + dt.timedelta(days=7)
        if c.retained[0] is not None and w.start <= day7 < w.end:
            x, n = x + c.retained[0], n + c.size
    return x, n


def test_default_tiles_are_the_last_7_days_against_the_7_before(
        settings: Settings, default_en: PageData) -> None:
    kpi = _rows(default_en.tables()["kpis"])
    assert list(kpi) == ["C_k", "R_k", "R_g", "I"]
    # the world's events end yesterday (UTC days): the tiles' period is the last 7 of them
    ck_all = kpis(settings)[0]
    assert ck_all.denominator and ck_all.denominator > 500
    period = kpi["C_k"][2]
    first, last = (dt.date.fromisoformat(x) for x in period.split(" – "))
    assert (last - first).days == 6
    cur = Window(first, last + dt.timedelta(days=1))
    prev = cur.before()
    want = paid_conversion(settings, cur.start, cur.end)
    before = paid_conversion(settings, prev.start, prev.end)
    assert kpi["C_k"][3:8] == [want.value, want.ci_low, want.ci_high, want.numerator,
                               want.denominator]
    assert kpi["C_k"][9] == before.value
    assert kpi["C_k"][10] == pytest.approx((want.value - before.value) * 100)  # type: ignore[operator]
    for key, platform in (("R_k", "knowledge"), ("R_g", "game")):
        x, n = _day7_retention(settings, platform, cur)
        assert n > 0 and kpi[key][6:8] == [x, n] and kpi[key][3] == pytest.approx(x / n)
        px, pn = _day7_retention(settings, platform, prev)
        assert kpi[key][9] == pytest.approx(px / pn)
    # the interaction index is the geometric mean of the three
    i = kpi["I"][3]
    assert i == pytest.approx((kpi["C_k"][3] * kpi["R_k"][3] * kpi["R_g"][3]) ** (1 / 3))
    tiles = {t.label.split(" · ")[0]: t for t in _tiles(default_en)}
    assert tiles["C_k"].value == f"{want.value:.2%}"
    assert tiles["C_k"].trend == ("up" if want.value > before.value else "down")  # type: ignore[operator]
    assert period in (tiles["C_k"].hint or "")


def test_summed_over_every_cohort_the_retention_is_crossplay_kpi(settings: Settings) -> None:
    """The page's day-7 windows partition the service's R_k / R_g: over all of them the
    sum is `crossplay kpi`'s D7 retention exactly."""
    for platform in ("knowledge", "game"):
        r = retention(settings, platform=platform, grain="day", days=[7])  # type: ignore[arg-type]
        whole, kpi = retention_in(r, None), d7_retention(settings, platform)
        assert (whole.numerator, whole.denominator, whole.value) == \
            (kpi.numerator, kpi.denominator, kpi.value)


def test_series_points_are_paid_conversion_per_week_with_intervals(
        settings: Settings, default_en: PageData) -> None:
    rows = [r for r in default_en.tables()["kpi_series"].rows if r[0] == "C_k"]
    assert len(rows) >= 4  # 30 days in weeks counted back from the last day
    for r in rows[-2:]:
        start, last = dt.date.fromisoformat(r[1]), dt.date.fromisoformat(r[2])
        want = paid_conversion(settings, start, last + dt.timedelta(days=1))
        assert r[3:8] == [want.value, want.ci_low, want.ci_high, want.numerator,
                          want.denominator]
    days = [(dt.date.fromisoformat(r[2]) - dt.date.fromisoformat(r[1])).days + 1 for r in rows]
    assert days[1:] == [7] * (len(rows) - 1) and 1 <= days[0] <= 7
    charts = {c.key: c for c in default_en.charts()}
    assert set(charts) == {"kpi_C_k", "kpi_R_k", "kpi_R_g", "kpi_I"}
    ck = charts["kpi_C_k"]
    assert ck.points == len(rows)
    traces = ck.figure["data"]
    assert [t.get("fill") for t in traces] == [None, "tonexty", None]  # the 95% band
    assert list(traces[2]["y"]) == [r[3] for r in rows]
    json.dumps(ck.figure)  # plain data, as the frame sends it


def _last_day(data: PageData) -> dt.date:
    return dt.date.fromisoformat(_rows(data.tables()["kpis"])["C_k"][2].split(" – ")[1])


def test_a_date_range_is_the_period_and_the_same_length_before_it(
        settings: Settings, default_en: PageData) -> None:
    last = _last_day(default_en)
    cur = Window(last - dt.timedelta(days=14), last - dt.timedelta(days=8))
    data = _build(settings, filters=Filters(start=cur.start, end=cur.end),
                  params={"grain": "day"})
    kpi = _rows(data.tables()["kpis"])
    want = paid_conversion(settings, cur.start, cur.end)
    prev = paid_conversion(settings, cur.before().start, cur.before().end)
    assert kpi["C_k"][3] == want.value and kpi["C_k"][9] == prev.value
    assert kpi["C_k"][3] != _rows(default_en.tables()["kpis"])["C_k"][3]
    series = [r for r in data.tables()["kpi_series"].rows if r[0] == "R_g"]
    assert [r[1] for r in series] == [(cur.start + dt.timedelta(days=i)).isoformat()
                                      for i in range(6)]
    x, n = _day7_retention(settings, "game", Window(cur.end - dt.timedelta(days=1), cur.end))
    assert series[-1][6:8] == [x, n]


@pytest.mark.parametrize(("partner", "keys"), [("knowledge", ["C_k", "R_k"]),
                                               ("game", ["R_g"])])
def test_the_partner_filter_picks_that_partners_kpis(settings: Settings, partner: Partner,
                                                      keys: list[str]) -> None:
    data = _build(settings, filters=Filters(partner=partner))
    assert list(_rows(data.tables()["kpis"])) == keys
    assert {c.key for c in data.charts()} == {f"kpi_{k}" for k in keys}
    rois = data.tables().get("roi")
    # the planted campaign is the knowledge partner's experiment
    assert (rois is not None and [r[0] for r in rois.rows] == [CAMPAIGN]) == \
        (partner == "knowledge")


def test_roi_is_crossplay_kpi_campaign(settings: Settings, default_en: PageData) -> None:
    roi = _rows(default_en.tables()["roi"])[CAMPAIGN]
    # the planted campaign has a holdout but no ledger cost: incremental revenue, no ROI
    want = campaign_roi(settings, CAMPAIGN, 1.0)
    # (DuckDB's parallel sums may differ in the last bits between two reads)
    assert roi[3:10] == pytest.approx([want.treated, want.holdout, want.revenue_per_treated,
                                       want.revenue_per_holdout, want.incremental_revenue,
                                       *want.incremental_ci], rel=1e-9)
    assert roi[12] is None and "--cost" in roi[16]
    forms = [i for s in default_en.sections for i in s.items if isinstance(i, Form)]
    assert forms and forms[0].method == "get" and forms[0].action == "overview"
    with pytest.raises(PageError) as e:  # a cost of one's own is a marketer's
        _build(settings, params={"campaign": CAMPAIGN, "cost": "800"})
    assert e.value.status == 403
    data = _build(settings, viewer=MARKETER, params={"campaign": CAMPAIGN, "cost": "800"})
    with_cost = _rows(data.tables()["roi"])[CAMPAIGN]
    want = campaign_roi(settings, CAMPAIGN, 800.0)
    assert with_cost[10:12] == [800.0, "given"] and with_cost[15] == want.significant
    assert with_cost[12:15] == pytest.approx([want.roi, *want.roi_ci], rel=1e-9)
    tile = next(t for t in _tiles(data) if t.label == f"ROI · {CAMPAIGN}")
    assert tile.value == f"{want.roi:.2f}"


def test_both_languages_without_a_missing_text(settings: Settings, default_en: PageData) -> None:
    clear_misses()
    en = default_en
    zh = _build(settings, lang="zh-CN")
    assert misses() == ()
    assert en.tables()["kpis"].rows[0][3] == zh.tables()["kpis"].rows[0][3]
    for c in zh.charts():
        layout = c.figure["layout"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in layout["title"]["text"])
        assert layout["xaxis"]["title"]["text"] in ("周 (首日)", "日期")
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in s.title) for s in zh.sections)


def test_a_partner_viewer_sees_their_partner_only(dash_world: Any) -> None:
    # k above the experiment's groups: the partner viewer's group counts are suppressed
    s = dash_world.settings(privacy_k=200)
    game = Viewer("op2", "gus", "viewer", "game")
    data = _build(s, filters=Filters(partner="game"), viewer=game)
    assert list(_rows(data.tables()["kpis"])) == ["R_g"]
    assert "roi" not in data.tables()
    with pytest.raises(PageError) as e:
        _build(s, filters=Filters(partner="knowledge"), viewer=game)
    assert e.value.status == 403
    know = Viewer("op3", "kim", "viewer", "knowledge")
    roi = _rows(_build(s, filters=Filters(partner="knowledge"), viewer=know)
                .tables()["roi"])[CAMPAIGN]
    # 179 / 175 people < k = 200: no figure of those groups
    assert roi[3:16] == [None] * 13 and "200" in roi[16]


@pytest.mark.parametrize(("params", "filters", "status"), [
    ({"grain": "month"}, Filters(), 400),
    ({}, Filters(start=dt.date(2026, 5, 2), end=dt.date(2026, 5, 1)), 400),
    ({"campaign": CAMPAIGN, "cost": "-5"}, Filters(), 400),
    ({"campaign": CAMPAIGN, "cost": "lots"}, Filters(), 400),
    ({"campaign": CAMPAIGN, "cost": "nan"}, Filters(), 400),
    ({"cost": "100"}, Filters(), 400),
    ({"campaign": "no_such", "cost": "100"}, Filters(), 404),
    ({"grain": "day"}, Filters(start=dt.date(2020, 1, 1), end=dt.date(2021, 1, 1)), 400),
])
def test_bad_input_is_refused_with_a_translated_message(
        settings: Settings, params: dict[str, str], filters: Filters, status: int) -> None:
    for lang in ("en", "zh-CN"):
        clear_misses()
        with pytest.raises(PageError) as e:
            _build(settings, lang=lang, filters=filters, params=params,  # type: ignore[arg-type]
                   viewer=MARKETER)
        assert e.value.status == status and e.value.message
        assert misses() == ()


def test_an_empty_lake_says_what_to_run(tmp_path: Any) -> None:
    from crossplay.core.settings import load_settings

    s = load_settings(data_dir=tmp_path / "empty")
    data = _build(s)
    assert data.sections == [] and data.empty and "crossplay ingest" in data.empty


def test_buckets_are_weeks_back_from_the_end() -> None:
    shown = Window(dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    weeks = buckets(shown, "week")
    assert weeks[-1] == Window(dt.date(2026, 1, 24), dt.date(2026, 1, 31))
    assert weeks[0] == Window(dt.date(2026, 1, 1), dt.date(2026, 1, 3))
    assert sum(w.days for w in weeks) == 30
    assert len(buckets(shown, "day")) == 30
    _, cur, prev = periods(shown, None, None)
    assert cur == weeks[-1] and prev == weeks[-2]
    _, cur, prev = periods(shown, dt.date(2026, 1, 10), dt.date(2026, 1, 13))
    assert cur == Window(dt.date(2026, 1, 10), dt.date(2026, 1, 13))
    assert prev == Window(dt.date(2026, 1, 7), dt.date(2026, 1, 10))
