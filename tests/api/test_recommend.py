"""Recommendations over a real uvicorn: the CLI's answers, consent decided per request,
no other partner's users, similar items, bundle reloads and problems."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from typing import Any

import pyarrow.parquet as pq
import pytest

from crossplay.client.base import ApiError
from crossplay.client.recommend import RecommendApi
from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.privacy.consent import update_consent
from crossplay.privacy.keys import native_key
from crossplay.privacy.policy import Purpose, decide, linked_persons_sql
from crossplay.recommend.consent_view import event_keys, load_consent_view
from crossplay.recommend.service import TrainOptions, is_known, recommend_for, train
from crossplay.recommend.store import bundle_dir, load_unit
from crossplay.warehouse.duck import connect
from tests.api.conftest import LiveApi, running_api
from tests.conftest import CliRunner, LoadedWorld


@pytest.fixture(scope="module")
def trained(loaded_world: LoadedWorld, tmp_path_factory: pytest.TempPathFactory
            ) -> LoadedWorld:
    """A private copy of the shared world with a trained bundle (once per module)."""
    data_dir = tmp_path_factory.mktemp("rec-api") / "data"
    shutil.copytree(loaded_world.data_dir, data_dir)
    world = LoadedWorld(loaded_world.world_dir, data_dir)
    train(world.settings(), TrainOptions(factors=8))
    return world


@pytest.fixture(scope="module")
def live(trained: LoadedWorld) -> Iterator[LiveApi]:
    with running_api(trained.settings()) as api:
        yield api


def rec(live: LiveApi, partner: Partner, lang: str | None = None) -> RecommendApi:
    return RecommendApi(live.client(partner, lang=lang).transport)


def _rows(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    con = connect(settings)
    try:
        return [tuple(r) for r in con.sql(sql).fetchall()]
    finally:
        con.close()


def _as_cli(res: dict[str, Any]) -> dict[str, Any]:
    """An API answer without what the CLI's JSON lacks (bundle version, shown titles)."""
    out = {k: v for k, v in res.items() if k != "version"}
    out["items"] = [{k: v for k, v in i.items() if k != "display_title"} for i in res["items"]]
    return out


def _people(world: LoadedWorld) -> list[dict[str, Any]]:
    people: list[dict[str, Any]] = pq.read_table(
        world.world_dir / "ground_truth" / "people").to_pylist()
    return people


def test_answers_equal_the_service_for_every_kind_of_user(live: LiveApi,
                                                          trained: LoadedWorld) -> None:
    s = trained.settings()
    linked = _rows(s, f"SELECT k_user_key, g_user_key FROM "
                      f"({linked_persons_sql(Purpose.PERSONALISATION)}) ORDER BY 1 LIMIT 4")
    refused = _rows(s, "SELECT partner, user_key FROM consents_current WHERE purpose = "
                       "'personalisation' AND NOT granted ORDER BY 2 LIMIT 4")
    k_unit = load_unit(bundle_dir(s) / "in-knowledge")
    g_unit = load_unit(bundle_dir(s) / "in-game")
    cases: list[tuple[Partner, str]] = (
        [("knowledge", k) for k in k_unit.users["user_key"][:5]]
        + [("game", k) for k in g_unit.users["user_key"][:5]]
        + [("knowledge", k) for k, _ in linked] + [("game", g) for _, g in linked]
        + [(p, k) for p, k in refused]
        + [("knowledge", "0" * 32)])
    clients = {p: rec(live, p) for p in ("knowledge", "game")}
    personal = cross = 0
    for partner, key in cases:
        for domain in ("knowledge", "game", "stream"):
            got = clients[partner].recommendations(user_key=key, domain=domain, n=6)
            want = recommend_for(s, partner=partner, user_key=key, domain=domain,
                                 n=6, explain=True)
            assert _as_cli(got) == want, (partner, key, domain)
            personal += got["personalised"]
            cross += got["unit"] is not None and got["unit"].startswith("cross-")
    assert personal > 10 and cross > 3  # the comparison covered both kinds of model


def test_the_same_answer_as_the_cli_command(live: LiveApi, trained: LoadedWorld,
                                            cli: CliRunner) -> None:
    person = next(p for p in _people(trained) if p["k_uid"] and p["uses_knowledge"])
    res = cli("--data-dir", trained.data_dir, "recommend", "for", "--partner", "knowledge",
              "--user", person["k_uid"], "--explain", "--n", "5", "--json", data=False)
    assert res.code == 0, res.err
    api = rec(live, "knowledge")
    by_id = api.recommendations(user_id=person["k_uid"], n=5)
    assert _as_cli(by_id) == res.json()
    key = native_key(trained.settings(), "knowledge", person["k_uid"])
    assert api.recommendations(user_key=key, n=5) == by_id


def test_the_consent_view_decides_as_the_policy(trained: LoadedWorld) -> None:
    s = trained.settings()
    view = load_consent_view(s, (0, 0, 0, 0), event_keys(s))
    linked = linked_persons_sql(Purpose.PERSONALISATION)
    users = _rows(s, f"""
        (SELECT partner, user_key FROM consents_current WHERE NOT granted ORDER BY 2 LIMIT 25)
        UNION (SELECT partner, user_key FROM consents_current WHERE granted ORDER BY 2 LIMIT 25)
        UNION (SELECT 'knowledge', k_user_key FROM links_current ORDER BY 2 LIMIT 15)
        UNION (SELECT 'game', g_user_key FROM ({linked}) ORDER BY 2 LIMIT 15)
        UNION (SELECT DISTINCT partner, user_key FROM events ORDER BY 2 LIMIT 15)""")
    reasons = {view.own(p, k).reason for p, k in users} | {
        view.joint(p, k).reason for p, k in users}
    assert len(reasons) >= 5  # refused, not refused, granted and linked, not linked ...
    con = connect(s)
    try:
        for partner, key in [*users, ("game", "f" * 32)]:
            assert view.own(partner, key) == decide(
                con, partner=partner, user_key=key, purpose=Purpose.PERSONALISATION,
                party=partner), key
            assert view.joint(partner, key) == decide(
                con, partner=partner, user_key=key, purpose=Purpose.PERSONALISATION,
                party="joint"), key
            assert view.known(partner, key) == is_known(con, partner, key), key
    finally:
        con.close()


def test_a_refusal_applies_to_the_very_next_request(live: LiveApi,
                                                    trained: LoadedWorld) -> None:
    s = trained.settings()
    key = load_unit(bundle_dir(s) / "in-game").users["user_key"][40]
    api = rec(live, "game")
    before = api.recommendations(user_key=key, n=5)
    assert before["personalised"] and before["unit"] == "in-game"
    update_consent(s, partner="game", purpose="personalisation", granted=False, user_key=key)
    after = api.recommendations(user_key=key, n=5)
    assert not after["personalised"] and after["model"] == "popularity"
    assert after["policy"] == "the user refused personalisation"
    assert after["items"] != before["items"]
    assert all(i["why_detail"]["kind"] == "popular" for i in after["items"])
    update_consent(s, partner="game", purpose="personalisation", granted=True, user_key=key)
    assert api.recommendations(user_key=key, n=5)["items"] == before["items"]


def test_another_partners_user_is_an_unknown_user(live: LiveApi,
                                                  trained: LoadedWorld) -> None:
    """A knowledge user's key sent by the game partner names nobody of the game's:
    popular items, exactly what a made-up key gets, never that user's own list."""
    s = trained.settings()
    key = load_unit(bundle_dir(s) / "in-knowledge").users["user_key"][7]
    own = rec(live, "knowledge").recommendations(user_key=key, domain="knowledge", n=10)
    assert own["personalised"]
    game = rec(live, "game")
    theirs = game.recommendations(user_key=key, domain="knowledge", n=10)
    nobody = game.recommendations(user_key="e" * 32, domain="knowledge", n=10)
    assert theirs["known"] is False and theirs["personalised"] is False
    assert theirs == nobody
    assert [i["item_id"] for i in theirs["items"]] != [i["item_id"] for i in own["items"]]


def test_language_titles_and_reasons(live: LiveApi, trained: LoadedWorld) -> None:
    key = load_unit(bundle_dir(trained.settings()) / "in-knowledge").users["user_key"][3]
    zh = rec(live, "knowledge", lang="zh-CN").recommendations(user_key=key, n=3)
    en = rec(live, "knowledge").recommendations(user_key=key, n=3, lang="en")
    assert [i["item_id"] for i in zh["items"]] == [i["item_id"] for i in en["items"]]
    assert all(i["why"].startswith("因为") for i in zh["items"])
    assert all(i["why"].startswith("because") for i in en["items"])
    assert zh["items"][0]["display_title"] != en["items"][0]["display_title"]


def test_similar_items(live: LiveApi, trained: LoadedWorld) -> None:
    unit = load_unit(bundle_dir(trained.settings()) / "in-game")
    item = str(unit.items.frame["item_id"][0])
    res = rec(live, "game").similar(item, n=5)
    assert res["item_id"] == item and len(res["items"]) == 5
    assert item not in [i["item_id"] for i in res["items"]]
    assert len({i["platform"] for i in res["items"]}) == 1
    scores = [i["score"] for i in res["items"]]
    assert scores == sorted(scores, reverse=True)
    with pytest.raises(ApiError) as exc:  # the other partner's items are not its own
        rec(live, "knowledge").similar(item)
    assert exc.value.status == 404 and exc.value.server_code == "api_recommend_unknown_item"


def test_bad_input_is_a_problem(live: LiveApi) -> None:
    api = rec(live, "knowledge", lang="zh-CN")
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"user_key": "a" * 32, "n": 0}, 422, "invalid_request"),
        ({"user_key": "a" * 32, "n": 101}, 422, "invalid_request"),
        ({"user_key": "a" * 32, "domain": "movies"}, 422, "invalid_request"),
        ({"user_key": "XYZ"}, 422, "invalid_request"),
        ({"user_key": "a" * 32, "user_id": "u1"}, 400, "api_user_ref"),
        ({}, 400, "api_user_ref"),
    ]
    for params, status, code in cases:
        with pytest.raises(ApiError) as exc:
            api.recommendations(**params)
        assert (exc.value.status, exc.value.server_code) == (status, code), params
    with pytest.raises(ApiError) as exc:  # a key without the scope
        RecommendApi(live.client(key=live.key("knowledge", "events")).transport
                      ).recommendations(user_key="a" * 32)
    assert exc.value.status == 403


def test_no_bundle_is_a_conflict_saying_to_train(api: LiveApi) -> None:
    for lang, words in (("en", "crossplay recommend train"), ("zh-CN", "请先运行")):
        with pytest.raises(ApiError) as exc:
            rec(api, "knowledge", lang=lang).recommendations(user_key="a" * 32)
        assert exc.value.status == 409 and exc.value.server_code == "api_recommend_no_model"
        assert words in exc.value.detail


def test_a_new_bundle_is_served_within_seconds(fresh_world: LoadedWorld) -> None:
    s = fresh_world.settings()
    first = train(s, TrainOptions(factors=4, cross=False))
    key = load_unit(bundle_dir(s) / "in-knowledge").users["user_key"][0]
    with running_api(s) as live:
        api = rec(live, "knowledge")
        assert api.recommendations(user_key=key)["version"] == first["version"]
        second = train(s, TrainOptions(factors=4, cross=False, seed=1))
        deadline = time.monotonic() + 15
        while api.recommendations(user_key=key)["version"] != second["version"]:
            assert time.monotonic() < deadline, "the new bundle was not picked up"
            time.sleep(0.2)


def test_openapi_documents_the_query(live: LiveApi) -> None:
    spec = live.client().transport.json("GET", "/openapi.json")
    params = {p["name"] for p in spec["paths"]["/v1/recommendations"]["get"]["parameters"]}
    assert {"user_id", "user_key", "n", "domain", "lang"} <= params


def test_refusal_and_regrant_on_both_databases(fresh_world: LoadedWorld,
                                               op_db_url: str) -> None:
    """The per-request consent check reads the live table on SQLite and PostgreSQL."""
    s = fresh_world.settings(db_url=op_db_url)
    train(s, TrainOptions(factors=4, cross=False))
    key = load_unit(bundle_dir(s) / "in-knowledge").users["user_key"][5]
    with running_api(s) as live:
        api = rec(live, "knowledge")
        assert api.recommendations(user_key=key, n=3)["personalised"]
        for granted in (False, True, False):
            update_consent(s, partner="knowledge", purpose="personalisation",
                           granted=granted, user_key=key)
            assert api.recommendations(user_key=key, n=3)["personalised"] is granted


def test_a_cross_domain_read_is_audited(live: LiveApi, trained: LoadedWorld) -> None:
    from crossplay.privacy.audit import entries, person_subject

    s = trained.settings()
    own_rows = set(load_unit(bundle_dir(s) / "in-knowledge").users["user_key"])
    k_key = next(k for (k,) in _rows(s, f"SELECT k_user_key FROM "
                                        f"({linked_persons_sql(Purpose.PERSONALISATION)}) "
                                        f"ORDER BY 1") if k in own_rows)
    before = len(entries(s, action="recommend_cross_read"))
    res = rec(live, "knowledge").recommendations(user_key=k_key, domain="game", n=3)
    assert res["personalised"] and res["unit"] == "cross-game"
    after = entries(s, action="recommend_cross_read")
    assert len(after) == before + 1
    assert after[-1].subject == person_subject("knowledge", k_key)
    assert after[-1].details == {"domain": "game", "unit": "cross-game", "n": 3}
    # an answer from the user's own history reads no joint data and is not audited
    own = rec(live, "knowledge").recommendations(user_key=k_key, domain="knowledge", n=3)
    assert own["unit"] == "in-knowledge"
    assert len(entries(s, action="recommend_cross_read")) == before + 1


def test_an_erased_users_rows_stop_serving_within_seconds(live: LiveApi,
                                                          trained: LoadedWorld) -> None:
    """Erasure blanks the user's rows of the bundle in place: the live state reloads."""
    from crossplay.recommend.store import forget_keys

    s = trained.settings()
    key = load_unit(bundle_dir(s) / "in-knowledge").users["user_key"][120]
    api = rec(live, "knowledge")
    assert api.recommendations(user_key=key, n=3)["personalised"]
    forget_keys(s, frozenset({key}))
    deadline = time.monotonic() + 15
    while (res := api.recommendations(user_key=key, n=3))["personalised"]:
        assert time.monotonic() < deadline, "the erased rows were still served"
        time.sleep(0.2)
    assert res["model"] == "popularity"
    assert _as_cli(res) == recommend_for(s, partner="knowledge", user_key=key, n=3,
                                         explain=True)
