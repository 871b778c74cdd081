"""The data-health page on the demo world: runs as ``crossplay runs``, rows per source and
day adding up to ``crossplay stats``, the quarantine as ``crossplay quarantine list``, and
sample rows that show no person: planted phone numbers, e-mails, names, device ids and
pseudonymous keys never reach the page."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from crossplay.cli.i18n import clear_misses, misses
from crossplay.core.settings import Settings
from crossplay.core.types import Lang
from crossplay.lake import Lake
from crossplay.opdb import get_engine
from crossplay.warehouse import lake_stats, query
from crossplay.web.data_scrub import MASK, identifying_name, scrub_raw
from crossplay.web.page import Filters, PageData, PageError, PageRequest, Tile, Viewer
from crossplay.web.page_data import PAGE

JOINT = Viewer("op1", "ann", "viewer", None)


def _build(s: Settings, lang: Lang = "en", filters: Filters | None = None,
           viewer: Viewer = JOINT, params: Mapping[str, str] | None = None) -> PageData:
    return PAGE.build(PageRequest(settings=s, lang=lang, filters=filters or Filters(),
                                  viewer=viewer, params=dict(params or {}),
                                  engine=get_engine(s)))


def _page_text(data: PageData) -> str:
    return json.dumps([asdict(s) for s in data.sections], ensure_ascii=False, default=str)


@pytest.fixture(scope="module")
def settings(dash_world: Any) -> Settings:
    s: Settings = dash_world.settings()
    return s


@pytest.fixture(scope="module")
def page(settings: Settings) -> PageData:
    return _build(settings)


def test_runs_are_crossplay_runs(settings: Settings, page: PageData) -> None:
    runs = list(reversed(Lake(settings.lake_dir).read_manifest().runs))
    rows = page.tables()["runs"].rows
    assert [r[1] for r in rows] == [r.run_id for r in runs]
    assert [r[2:4] + r[5:10] for r in rows] == [
        [r.partner, r.table, r.read, r.accepted, r.duplicates, r.already_ingested,
         r.quarantined] for r in runs]
    # files by name only: the folders can name an operator's home
    assert all("/" not in r[4] for r in rows)
    tiles = {t.label: t for s in page.sections for t in s.items if isinstance(t, Tile)}
    assert tiles["Ingest runs"].value == f"{len(runs):,}"
    assert tiles["Rows read"].value == f"{sum(r.read for r in runs):,}"


def test_rows_per_source_and_day_add_up_to_crossplay_stats(settings: Settings,
                                                           page: PageData) -> None:
    table = page.tables()["rows_per_day"]
    got: Counter[tuple[str, str, str]] = Counter()
    for _, partner, platform, event_type, n in table.rows:
        got[(partner, platform, event_type)] += n
    want = {(e["partner"], e["platform"], e["event_type"]): e["events"]
            for e in lake_stats(settings)["events"]}
    assert dict(got) == want
    chart = next(c for c in page.charts() if c.key == "rows_per_day")
    assert chart.points == len(table.rows) and chart.figure["layout"]["barmode"] == "stack"
    assert sum(sum(t["y"]) for t in chart.figure["data"]) == sum(want.values())


def test_filters_narrow_rows_runs_and_quarantine(settings: Settings, page: PageData) -> None:
    days = sorted({r[0] for r in page.tables()["rows_per_day"].rows})
    start, end = dt.date.fromisoformat(days[5]), dt.date.fromisoformat(days[12])
    data = _build(settings, filters=Filters(start=start, end=end, platform="stream"))
    rows = data.tables()["rows_per_day"].rows
    assert {r[0] for r in rows} == {d for d in days if start.isoformat() <= d < end.isoformat()}
    assert {r[2] for r in rows} == {"stream"}
    want = query(settings, f"""SELECT count(*) FROM events WHERE platform = 'stream' AND
        CAST(ts AS DATE) >= DATE '{start}' AND CAST(ts AS DATE) < DATE '{end}'""").rows[0][0]
    assert sum(r[4] for r in rows) == want
    # runs and the quarantine ran today, outside these days; the platform implies game
    assert data.tables()["runs"].rows == []
    assert "quarantine" not in data.tables()
    game = _build(settings, filters=Filters(platform="stream"))
    assert {r[2] for r in game.tables()["runs"].rows} == {"game"}
    assert {r[1] for r in game.tables()["quarantine"].rows} == {"game"}


def test_quarantine_is_crossplay_quarantine_list(settings: Settings, page: PageData) -> None:
    res = query(settings, """
        SELECT run_id, partner, table_name, source, reason_code, count(*) AS rows
        FROM quarantine GROUP BY ALL ORDER BY run_id DESC, rows DESC, source, reason_code""")
    rows = page.tables()["quarantine"].rows
    assert [(r[0], r[1], r[2], r[5], r[6]) for r in rows] == \
        [(r[0], r[1], r[2], r[4], r[5]) for r in res.rows]
    assert [r[3] for r in rows] == [Path(r[3]).name for r in res.rows]
    samples = page.tables()["quarantine_samples"].rows
    per = Counter((r[3], r[1]) for r in samples)
    assert per and max(per.values()) <= 3
    assert {(r[1], r[4]) for r in res.rows} == set(per)  # every partner's every reason


def _assert_no_person(text: str) -> None:
    assert not re.search(r"[0-9a-f]{32}", text), "a pseudonymous key"
    assert not re.search(r"\d{7,}", text), "a long number"
    assert "@" not in text


def test_samples_show_no_person(settings: Settings, page: PageData) -> None:
    raws = [r[8] for r in page.tables()["quarantine_samples"].rows]
    for raw in raws:
        _assert_no_person(raw)
        row = json.loads(raw)
        for name, value in row.items():
            if identifying_name(name):
                assert value in (MASK, None, "")
    # what is not about a person stays, so the reason can be seen
    assert any('"event_time": "2026-02-30 24:00:00"' in r or "9999-99-99" in r for r in raws)


def test_planted_contacts_never_reach_the_page(dash_world_copy: Any, tmp_path: Path) -> None:
    from crossplay.ingest.pipeline import ingest

    s = dash_world_copy.settings()
    planted = ["13812345678", "13912345678", "alice@example.com", "Alice Wang",
               "10.1.2.3", "native-user-777", "wx_alice", "13700000000", "AB:CD:EF:01:02:03",
               "31.2304", "1990-05-17"]
    (tmp_path / "pii.csv").write_text(
        "event_id,user_id,event_type,ts,item_id,value,phone,email,comment,nickname,ip,mac,"
        "lat,birthday\n"
        "pii1,native-user-777,course_view,2026-02-30 10:00:00,C1,,13812345678,"
        "alice@example.com,call me on 13912345678,Alice Wang,10.1.2.3,AB:CD:EF:01:02:03,"
        "31.2304,1990-05-17\n", encoding="utf-8")
    (tmp_path / "pii.jsonl").write_text(
        '{"event_id":"pii3","user_id":"native-user-777","event_type":"nope",'
        '"ts":"2026-11-20 10:00:00","wechat":"wx_alice","properties":{"phone":"13700000000"}}\n'
        '{"broken": "wx_alice 13700000000\n', encoding="utf-8")
    ingest(s, [tmp_path / "pii.csv", tmp_path / "pii.jsonl"], partner="knowledge",
           kind="events")
    stored = " ".join(str(r[0]) for r in query(s, "SELECT raw FROM quarantine").rows)
    assert "alice@example.com" in stored  # the quarantine keeps the export as sent ...
    data = _build(s, filters=Filters(partner="knowledge"))
    text = _page_text(data)
    for value in planted:  # ... the page shows none of it
        assert value not in text
    for row in data.tables()["quarantine_samples"].rows:
        _assert_no_person(row[8])
    mine = [r[8] for r in data.tables()["quarantine_samples"].rows if r[6].startswith("pii")]
    assert len(mine) == 3
    assert any('"phone": "…"' in r and '"event_type": "course_view"' in r for r in mine)


def test_scrub_known_answers() -> None:
    assert scrub_raw('{"uid": "abc", "x": null, "y": "", "kind": "view", "n": 12, '
                     '"big": 123456, "when": "2026-11-05 15:53:08", "ts": 1730800000123, '
                     '"free": "hello world", "code": "C20147", "key": '
                     '"ad024a411246bceb3f12", "nested": {"13812345678": "x", "deviceId": '
                     '"ios"}}') == (
        '{"uid": "…", "x": null, "y": "", "kind": "view", "n": 12, "big": "…", '
        '"when": "2026-11-05 15:53:08", "ts": 1730800000123, "free": "…", "code": "C20147", '
        '"key": "…", "nested": {"…0": "x", "deviceId": "…"}}')
    assert scrub_raw('"3f9c0a1b2c3d4e5f6a7b","view" … (1234 characters)') == \
        '"…","view" … … …'
    assert scrub_raw(None) == ""
    assert all(identifying_name(n) for n in ("k_user_id", "userName", "phone2", "dst_id",
                                             "anchor_id", "birth_date", "clientIp"))
    assert not any(identifying_name(n) for n in ("event_type", "course_id", "ts", "value"))


def test_a_partner_viewer_sees_their_partner_only(settings: Settings) -> None:
    know = Viewer("op2", "kim", "viewer", "knowledge")
    data = _build(settings, filters=Filters(partner="knowledge"), viewer=know)
    assert {r[2] for r in data.tables()["runs"].rows} == {"knowledge"}
    assert {r[1] for r in data.tables()["rows_per_day"].rows} == {"knowledge"}
    assert {r[1] for r in data.tables()["quarantine"].rows} == {"knowledge"}
    assert {r[3] for r in data.tables()["quarantine_samples"].rows} == {"knowledge"}
    assert "game" not in {t["name"] for c in data.charts() for t in c.figure["data"]}
    # even without the frame's forcing, the builder keeps them to their partner
    alone = _build(settings, viewer=know)
    assert {r[2] for r in alone.tables()["runs"].rows} == {"knowledge"}
    with pytest.raises(PageError) as e:
        _build(settings, filters=Filters(partner="game"), viewer=know)
    assert e.value.status == 403
    with pytest.raises(PageError) as e:
        _build(settings, filters=Filters(partner="knowledge", platform="stream"), viewer=know)
    assert e.value.status == 400


def test_both_languages_without_a_missing_text(settings: Settings) -> None:
    clear_misses()
    en, zh = _build(settings), _build(settings, lang="zh-CN")
    assert misses() == ()
    assert en.tables()["rows_per_day"].rows == zh.tables()["rows_per_day"].rows
    assert "时间戳无效" in {r[0] for r in zh.tables()["quarantine_samples"].rows}
    for c in zh.charts():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in c.figure["layout"]["title"]["text"])


@pytest.mark.parametrize("filters", [
    Filters(platform="moon"),
    Filters(partner="knowledge", platform="game"),
    Filters(start=dt.date(2026, 5, 2), end=dt.date(2026, 5, 2)),
])
def test_bad_filters_are_400(settings: Settings, filters: Filters) -> None:
    for lang in ("en", "zh-CN"):
        clear_misses()
        with pytest.raises(PageError) as e:
            _build(settings, lang=lang, filters=filters)  # type: ignore[arg-type]
        assert e.value.status == 400 and e.value.message and misses() == ()


def test_an_empty_lake_says_what_to_run(tmp_path: Path) -> None:
    from crossplay.core.settings import load_settings

    data = _build(load_settings(data_dir=tmp_path / "empty"))
    assert data.sections == [] and data.empty and "crossplay ingest" in data.empty
