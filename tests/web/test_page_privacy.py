"""The privacy page on the demo world: every figure against the store or service behind it.

Oracles: ``consents_current`` / ``links_current`` through the warehouse (what ``crossplay sql``
reads), :func:`crossplay.privacy.release.release` (``crossplay release``),
:func:`crossplay.privacy.audit.verify` (``crossplay audit verify``) and
:func:`crossplay.privacy.release.spent`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import update

from crossplay.cli.i18n import clear_misses, misses
from crossplay.core.settings import Settings
from crossplay.opdb import ensure_schema, get_engine
from crossplay.web.page import Filters, Note, PageData, PageError, PageRequest, Table, Viewer
from crossplay.web.page_privacy import PAGE, build
from tests.web.conftest import DashWorld

JOINT = Viewer("op1", "ann", "viewer", None)
GAME = Viewer("op2", "bob", "viewer", "game")


def _req(s: Settings, *, lang: str = "en", viewer: Viewer = JOINT,
         **filters: Any) -> PageRequest:
    engine = get_engine(s)
    ensure_schema(engine)
    if not viewer.joint:
        filters.setdefault("partner", viewer.partner)
    return PageRequest(settings=s, lang=lang, filters=Filters(**filters),  # type: ignore[arg-type]
                       viewer=viewer, engine=engine)


def _table(data: PageData, key: str) -> Table:
    return data.tables()[key]


def _sql(s: Settings, sql: str) -> list[tuple[Any, ...]]:
    from crossplay.warehouse.duck import connect

    con = connect(s)
    try:
        return [tuple(r) for r in con.sql(sql).fetchall()]
    finally:
        con.close()


@pytest.fixture(scope="module")
def pages(dash_world: DashWorld) -> dict[str, PageData]:
    s = dash_world.settings()
    out = {}
    for lang in ("en", "zh-CN"):
        clear_misses()
        out[lang] = build(_req(s, lang=lang))
        assert misses() == (), lang
    return out


def test_the_page_is_registered_with_its_filters() -> None:
    assert (PAGE.slug, PAGE.order, PAGE.filters) == ("privacy", 30, ("start", "end", "partner"))
    assert "audit" in PAGE.sources  # the audit chain's head is part of what it shows


def test_both_languages_show_every_section_and_chart(pages: dict[str, PageData]) -> None:
    en, zh = pages["en"], pages["zh-CN"]
    assert [s.title for s in en.sections] == [
        "At a glance", "Consent by purpose", "Account links",
        "Aggregate releases to partners", "Differential-privacy budget", "Audit log"]
    assert zh.sections[1].title == "按用途的授权同意"
    assert {c.key for c in en.charts()} == {"consent", "links", "audit"}
    assert all(c.points > 0 for c in en.charts())
    assert zh.charts()[0].figure["layout"]["title"]["text"] == "各用途的用户同意比例"
    assert _table(zh, "consent").rows[0][:2] == ["知识付费平台", "账号关联"]
    assert en.tables().keys() == zh.tables().keys()


def test_consent_rates_are_the_current_decisions(dash_world: DashWorld,
                                                 pages: dict[str, PageData]) -> None:
    s = dash_world.settings()
    truth = {(p, u): (g, r) for p, u, g, r in _sql(s, """
        SELECT partner, purpose, count(*) FILTER (WHERE granted),
               count(*) FILTER (WHERE NOT granted) FROM consents_current GROUP BY ALL""")}
    users = dict(_sql(s, """SELECT partner, count(*) FROM (
        SELECT DISTINCT partner, user_key FROM events
        UNION SELECT DISTINCT partner, user_key FROM consents) GROUP BY partner"""))
    rows = _table(pages["en"], "consent").rows
    assert len(rows) == 6
    names = {"knowledge platform": "knowledge", "game platform": "game"}
    for partner, purpose, n, granted, refused, undecided, g_rate, r_rate in rows:
        p = names[partner]
        assert (granted, refused) == truth[(p, purpose)]
        assert n == users[p] and undecided == n - granted - refused
        assert g_rate == pytest.approx(granted / n, abs=1e-4)
        assert r_rate == pytest.approx(refused / n, abs=1e-4)


def test_links_and_usable_persons_match_the_link_store(dash_world: DashWorld,
                                                       pages: dict[str, PageData]) -> None:
    from crossplay.privacy.policy import Purpose, linked_persons_sql

    s = dash_world.settings()
    truth = _sql(s, """SELECT method, count(*), count(*) FILTER (WHERE revoked_at IS NULL),
                       count(*) FILTER (WHERE revoked_at IS NOT NULL)
                       FROM links_current GROUP BY method ORDER BY method""")
    rows = _table(pages["en"], "links").rows
    assert [tuple(r[1:]) for r in rows] == [t[1:] for t in truth]
    assert rows[0][0] == "account binding"
    usable = [r[1] for r in _table(pages["en"], "usable").rows]
    assert usable == [_sql(s, f"SELECT count(DISTINCT person_id) FROM ({linked_persons_sql(p)})"
                           )[0][0] for p in Purpose]
    assert usable[0] >= usable[1] >= usable[2] > 0
    tiles = pages["en"].sections[0].items
    assert tiles[0].value == f"{truth[0][2]:,}"  # type: ignore[union-attr]


def test_releases_are_what_crossplay_release_serves(dash_world_copy: DashWorld) -> None:
    from crossplay.privacy.release import release

    s = dash_world_copy.settings()
    data = build(_req(s))
    releases = {r[0]: r for r in _table(data, "releases").rows}
    assert set(releases) == {"conversion_by_segment", "overlap_by_category_pair"}
    groups = _table(data, "release_groups").rows
    for name, row in releases.items():
        served = release(s, name, for_partner="knowledge")  # the frozen table of the period
        assert row[2] == served.period and row[3] == "served"
        hidden = sum(r["suppressed"] for r in served.rows)
        assert (row[6], row[7], row[8]) == (len(served.rows), len(served.rows) - hidden, hidden)
        mine = [g for g in groups if g[0] == name]
        assert [g[3] for g in mine] == [r["people"] for r in served.rows]
        assert [g[4] for g in mine] == [r["suppressed"] for r in served.rows]
    seg = [g[2] for g in groups if g[0] == "conversion_by_segment"]
    assert "heavy (50+)" in seg


def test_budget_left_follows_noisy_releases(dash_world_copy: DashWorld) -> None:
    from crossplay.privacy.release import release, spent

    s = dash_world_copy.settings()
    release(s, "conversion_by_segment", for_partner="game", epsilon=0.5)
    data = build(_req(s))
    budget = {r[0]: r for r in _table(data, "budget").rows}
    assert budget["game platform"][1:] == [3.0, 0.5, 2.5, 1]
    assert budget["knowledge platform"][1:] == [3.0, 0.0, 3.0, 0]
    assert spent(s, "game") == 0.5
    period = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    assert _table(data, "budget_periods").rows == [["game platform", period, 0.5, 1]]
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    later = build(_req(s, start=tomorrow))
    assert _table(later, "budget_periods").rows == []  # the window moved, the left did not
    assert _table(later, "budget").rows == _table(data, "budget").rows


def test_audit_section_is_the_chain_verification(dash_world: DashWorld) -> None:
    from crossplay.privacy.audit import verify

    s = dash_world.settings()
    data = build(_req(s))
    res = verify(s)
    audit = data.sections[-1]
    assert audit.items[0].kind == "ok"  # type: ignore[union-attr]
    assert f"{res.entries} entries, head {res.head_seq}:{res.head_hash}" in (
        audit.items[0].text)  # type: ignore[union-attr]
    rows = _table(data, "audit").rows
    assert sum(r[2] for r in rows) == res.entries
    assert "release" in {r[1] for r in rows}
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    assert _table(build(_req(s, start=tomorrow)), "audit").rows == []


def test_a_tampered_chain_says_where_it_breaks(dash_world_copy: DashWorld) -> None:
    from crossplay.privacy.tables import audit_log

    s = dash_world_copy.settings()
    with get_engine(s).begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 3).values(actor="mallory"))
    clear_misses()
    data = build(_req(s, lang="zh-CN"))
    assert misses() == ()
    tile = data.sections[0].items[-1]
    assert (tile.label, tile.value) == ("审计链", "已损坏")  # type: ignore[union-attr]
    notes = [i.text for i in data.sections[-1].items if isinstance(i, Note) and i.kind == "warn"]
    assert notes[1] == "第 3 条: 内容被修改过 (哈希不符)"


def test_date_filter_keeps_links_made_in_the_window(dash_world: DashWorld,
                                                    pages: dict[str, PageData]) -> None:
    s = dash_world.settings()
    cut = _sql(s, "SELECT CAST(median(linked_at) AS DATE) FROM links_current")[0][0]
    before = _sql(s, f"SELECT count(*) FROM links_current WHERE linked_at < DATE '{cut}'")[0][0]
    rows = _table(build(_req(s, end=cut)), "links").rows
    assert sum(r[1] for r in rows) == before
    assert before < sum(r[1] for r in _table(pages["en"], "links").rows)


def test_a_partner_viewer_sees_own_consent_and_suppressed_joint_counts(
        dash_world: DashWorld) -> None:
    s = dash_world.settings(privacy_k=1000)
    data = build(_req(s, viewer=GAME))
    consent = _table(data, "consent").rows
    assert {r[0] for r in consent} == {"game platform"} and len(consent) == 3
    assert all(v is None for r in _table(data, "links").rows for v in r[1:])
    assert all(r[1] is None for r in _table(data, "usable").rows)
    assert [r[0] for r in _table(data, "budget").rows] == ["game platform"]
    assert data.sections[0].items[0].value == "–"  # type: ignore[union-attr]
    joint = build(_req(s))
    assert all(v is not None for r in _table(joint, "links").rows for v in r[1:])
    small_k = build(_req(dash_world.settings(privacy_k=2), viewer=GAME))
    assert all(v is not None for r in _table(small_k, "links").rows for v in r[1:])


def test_bad_filters_are_refused(dash_world: DashWorld) -> None:
    s = dash_world.settings()
    day = dt.date(2026, 1, 1)
    with pytest.raises(PageError, match="start must come before") as bad:
        build(_req(s, start=day, end=day))
    assert bad.value.status == 400
    with pytest.raises(PageError) as other:
        build(_req(s, viewer=GAME, partner="knowledge"))
    assert other.value.status == 403
