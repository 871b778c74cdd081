"""The person look-up against the demo world: the same answer as ``crossplay recommend for
--explain``, the consent checks, the audit entry of every look-up, partner scope, bad input."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from crossplay.api.users import native_user_key
from crossplay.cli.i18n import clear_misses, misses
from crossplay.core.settings import Settings, load_settings
from crossplay.opdb import get_engine
from crossplay.privacy.audit import entries, person_subject
from crossplay.privacy.policy import Purpose, linked_persons_sql
from crossplay.privacy.user_rights import set_consent
from crossplay.recommend.service import recommend_for
from crossplay.warehouse.duck import connect
from crossplay.web.page import Form, Note, PageData, PageError, PageRequest, Table, Viewer
from crossplay.web.page_person import CROSS_READ_ACTION, PAGE, READ_ACTION
from tests.web.conftest import DashWorld

JOINT = Viewer("op1", "ann", "viewer", None)
GAME = Viewer("op2", "gus", "viewer", "game")
KNOWLEDGE = Viewer("op3", "kim", "viewer", "knowledge")


def build(s: Settings, params: dict[str, str], *, lang: str = "en",
          viewer: Viewer = JOINT) -> PageData:
    from crossplay.web.page import Filters

    return PAGE.build(PageRequest(settings=s, lang=lang, filters=Filters(),  # type: ignore[arg-type]
                                  viewer=viewer, params=params, engine=get_engine(s)))


def recommendations(data: PageData) -> Table:
    return data.tables()["recommendations"]


def notes(data: PageData) -> list[str]:
    return [i.text for s in data.sections for i in s.items if isinstance(i, Note)]


def knowledge_ids(s: Settings) -> dict[str, str]:
    """user_key -> native id of the world's knowledge users (as ingest keyed them)."""
    path = s.data_dir / "world" / "knowledge" / "events" / "part-00000.csv"
    with path.open(encoding="utf-8") as f:
        uids = {row["uid"] for row in csv.DictReader(f)}
    return {native_user_key(s, "knowledge", u): u for u in sorted(uids)}


def active_user(s: Settings) -> str:
    """A knowledge user with a personalised list (own history, personalisation allowed)."""
    ids = knowledge_ids(s)
    for key, uid in ids.items():
        if recommend_for(s, partner="knowledge", user_key=key, n=1)["personalised"]:
            return uid
    raise AssertionError("no personalised knowledge user in the demo world")


def linked_user(s: Settings) -> str:
    """A linked, consenting person's knowledge id whose game side has behaviour: the
    cross-domain model serves them game items."""
    ids = knowledge_ids(s)
    con = connect(s)
    try:
        keys = [r[0] for r in con.sql(
            f"SELECT l.k_user_key FROM ({linked_persons_sql(Purpose.PERSONALISATION)}) l "
            "JOIN (SELECT DISTINCT user_key FROM events WHERE partner = 'game' "
            "AND item_id IS NOT NULL) g ON g.user_key = l.g_user_key ORDER BY 1").fetchall()]
    finally:
        con.close()
    for key in keys:
        if key in ids and recommend_for(s, partner="knowledge", user_key=key, domain="game",
                                        n=1)["personalised"]:
            return ids[key]
    raise AssertionError("no linked person served by the cross-domain model")


@pytest.fixture
def world(dash_world_copy: DashWorld) -> Settings:
    return dash_world_copy.settings()


def test_the_form_first(dash_world: DashWorld) -> None:
    data = build(dash_world.settings(), {})
    forms = [i for s in data.sections for i in s.items if isinstance(i, Form)]
    assert len(forms) == 1 and forms[0].method == "get" and forms[0].action == "person"
    assert "recommendations" not in data.tables()


def test_same_answer_as_the_cli_and_audited(world: Settings) -> None:
    uid = active_user(world)
    key = native_user_key(world, "knowledge", uid)
    before = len(entries(world, action=READ_ACTION))
    data = build(world, {"partner": "knowledge", "user": uid})
    want = recommend_for(world, partner="knowledge", user_key=key, explain=True, lang="en",
                         actor="cli")
    rows = recommendations(data).rows
    assert [(r[1], r[3], r[4]) for r in rows] == [
        (i["item_id"], i["score"], i["why"]) for i in want["items"]]
    assert any(n.startswith("personalised by") for n in notes(data))
    log = entries(world, action=READ_ACTION)
    assert len(log) == before + 1
    assert log[-1].actor == "operator:ann"
    assert log[-1].subject == person_subject("knowledge", key)
    assert uid not in str(log[-1].details)


def test_refusing_personalisation_changes_the_answer(world: Settings) -> None:
    uid = active_user(world)
    key = native_user_key(world, "knowledge", uid)
    first = build(world, {"partner": "knowledge", "user": uid})
    set_consent(world, "knowledge", key, {"personalisation": False}, actor="test")
    after = build(world, {"partner": "knowledge", "user": uid})
    assert [r[1] for r in recommendations(after).rows] != \
        [r[1] for r in recommendations(first).rows]
    assert any("refused personalisation" in n and "popular" in n for n in notes(after))
    assert all("popular" in r[4] for r in recommendations(after).rows)
    assert len(entries(world, action=READ_ACTION)) >= 2  # both look-ups audited


def test_a_joint_read_is_audited_as_the_cli_and_api_do(world: Settings) -> None:
    uid = linked_user(world)
    key = native_user_key(world, "knowledge", uid)
    before = len(entries(world, action=CROSS_READ_ACTION))
    data = build(world, {"partner": "knowledge", "user": uid, "domain": "game"})
    assert any("recommend_cross_read" in n for n in notes(data))
    log = entries(world, action=CROSS_READ_ACTION)
    assert len(log) == before + 1
    assert (log[-1].actor, log[-1].subject) == ("operator:ann",
                                                person_subject("knowledge", key))


def test_unknown_user_is_not_an_error(world: Settings) -> None:
    data = build(world, {"partner": "game", "user": "nobody-at-all-42"})
    assert recommendations(data).rows  # popular items
    assert any("unknown user" in n for n in notes(data))
    assert entries(world, action=READ_ACTION)[-1].details["known"] is False


def test_partner_viewer_only_their_own_users(world: Settings) -> None:
    uid = active_user(world)
    with pytest.raises(PageError) as err:
        build(world, {"partner": "knowledge", "user": uid}, viewer=GAME)
    assert err.value.status == 403
    data = build(world, {"partner": "knowledge", "user": uid}, viewer=KNOWLEDGE)
    assert recommendations(data).rows
    # the partner defaults to the viewer's own
    assert recommendations(build(world, {"user": uid}, viewer=KNOWLEDGE)).rows
    assert entries(world, action=READ_ACTION)[-1].actor == "operator:kim"


@pytest.mark.parametrize("params", [
    {"partner": "knowledge", "user": "a\nb"},
    {"partner": "knowledge", "user": "   "},
    {"partner": "knowledge", "user": "x" * 129},
    {"partner": "knowledge", "user": ""},
    {"partner": "other", "user": "u1"},
    {"partner": "knowledge", "user": "u1", "domain": "music"},
    {"user": "u1"},  # joint staff must say whose user
])
def test_bad_input_is_a_400(dash_world: DashWorld, params: dict[str, str]) -> None:
    s = dash_world.settings()
    with pytest.raises(PageError) as err:
        build(s, params)
    assert err.value.status == 400


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_both_languages_without_misses(world: Settings, lang: str) -> None:
    uid = active_user(world)
    clear_misses()
    for params in ({}, {"partner": "knowledge", "user": uid},
                   {"partner": "game", "user": "nobody-at-all-42"},
                   {"partner": "knowledge", "user": uid, "domain": "stream"}):
        data = build(world, params, lang=lang)
        assert data.sections
    assert misses() == ()
    if lang == "zh-CN":
        assert any("推荐" in s.title for s in data.sections)


def test_no_recommender_trained(tmp_path: Path) -> None:
    data = build(load_settings(data_dir=tmp_path / "empty"), {"partner": "game", "user": "u1"})
    assert data.empty and "crossplay recommend train" in data.empty
