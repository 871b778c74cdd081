"""Consent, links and erasure over a real uvicorn: the CLI's paths, seen from both partners.

A partner reads and changes only its own users: the other partner's keys name nobody
here, nothing of the other side's pseudonyms is ever answered, and erasing a person
leaves everyone else as they were.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from crossplay.client.base import ApiError
from crossplay.client.consent import ConsentApi
from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.privacy.audit import count, engine_for, entries, person_subject, verify
from crossplay.privacy.keys import native_key
from crossplay.privacy.policy import linked_persons_sql
from crossplay.privacy.tables import live_consents, live_links
from crossplay.warehouse.duck import connect
from tests.api.conftest import LiveApi, running_api
from tests.conftest import CliRunner, LoadedWorld
from tests.privacy.test_consent_links import _truth_people


def _consent(live: LiveApi, partner: Partner, lang: str | None = None) -> ConsentApi:
    return ConsentApi(live.client(partner, lang=lang).transport)


def _linked_people(world: LoadedWorld, n: int) -> list[tuple[str, str, str, str]]:
    """``n`` persons with a usable link: (k native id, g native id, k key, g key)."""
    s = world.settings()
    con = connect(s)
    try:
        usable = set(con.sql(f"SELECT k_user_key, g_user_key FROM ({linked_persons_sql()})"
                             ).fetchall())
    finally:
        con.close()
    out = []
    for p in _truth_people(world):
        if p["k_uid"] is None or p["g_uid"] is None:
            continue
        k_uid, g_uid = str(p["k_uid"]), str(p["g_uid"])
        k, g = native_key(s, "knowledge", k_uid), native_key(s, "game", g_uid)
        if (k, g) in usable:
            out.append((k_uid, g_uid, k, g))
            if len(out) == n:
                return out
    raise AssertionError("the world has too few usable links")


def _live_rows(s: Settings) -> tuple[int, int]:
    with engine_for(s).connect() as conn:
        return (int(conn.execute(select(func.count()).select_from(live_consents)).scalar_one()),
                int(conn.execute(select(func.count()).select_from(live_links)).scalar_one()))


def _cli_granted(cli: CliRunner, world: LoadedWorld, partner: str, key: str,
                 purpose: str) -> Any:
    res = cli("--data-dir", str(world.data_dir), "sql",
              f"SELECT granted FROM consents_current WHERE partner = '{partner}' AND "
              f"user_key = '{key}' AND purpose = '{purpose}'", "--format", "json", data=False)
    assert res.code == 0, res.err
    rows = res.json()
    return rows[0]["granted"] if rows else None


@pytest.fixture
def db_world_api(fresh_world: LoadedWorld, op_db_url: str,
                 monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveApi]:
    """The world's API on SQLite and on PostgreSQL (the CLI reads the same database)."""
    monkeypatch.setenv("CROSSPLAY_DB_URL", op_db_url)
    with running_api(fresh_world.settings(db_url=op_db_url)) as live:
        yield live


def test_change_then_read_is_at_once_the_clis_and_repeating_it_writes_nothing(
        db_world_api: LiveApi, fresh_world: LoadedWorld, cli: CliRunner) -> None:
    live, s = db_world_api, db_world_api.settings
    k_uid, _g_uid, k, _g = _linked_people(fresh_world, 1)[0]
    knowledge = _consent(live, "knowledge")
    before = knowledge.get(k_uid)
    assert before["user_key"] == k
    assert set(before["purposes"]) == {"linking", "personalisation", "marketing"}
    marketing = before["purposes"]["marketing"]["granted"]
    want = not marketing
    rows_before = _live_rows(s)

    changed = knowledge.set(k_uid, {"marketing": want, "linking": True}, source="app")
    assert changed["changed"] == ["marketing"]  # linking was granted already: not recorded
    now = knowledge.get(user_key=k)["purposes"]["marketing"]
    assert now["granted"] is want and now["allowed"] is want
    assert now["source"] == "live:app" and now["decided_at"] is not None
    assert _cli_granted(cli, fresh_world, "knowledge", k, "marketing") is want
    assert _live_rows(s) == (rows_before[0] + 1, rows_before[1])
    last = entries(s, action="consent_change")[-1]
    assert last.subject == person_subject("knowledge", k)
    assert last.actor.startswith("api:knowledge:")
    assert last.details["purpose"] == "marketing" and last.details["granted"] is want
    audit_before = count(s)

    # the same decision again: harmless, nothing written, the time decided unchanged
    again = knowledge.set(None, {"marketing": want}, user_key=k, source="app")
    assert again["changed"] == []
    assert again["purposes"]["marketing"] == now
    assert _live_rows(s) == (rows_before[0] + 1, rows_before[1])
    assert count(s) == audit_before

    # and the other way round: the CLI's change is the API's answer at once
    res = cli("--data-dir", str(fresh_world.data_dir), "consent", "set", "--partner",
              "knowledge", "--user", k_uid, "--purpose", "marketing",
              "--grant" if marketing else "--refuse", data=False)
    assert res.code == 0, res.err
    assert knowledge.get(k_uid)["purposes"]["marketing"]["granted"] is marketing
    # personalisation is opt-out: a never-decided user may be personalised, a refusal stops it
    fresh = knowledge.get("someone-new")
    assert fresh["purposes"]["personalisation"] == {"granted": None, "decided_at": None,
                                                    "source": None, "allowed": True}
    assert fresh["purposes"]["marketing"]["allowed"] is False
    assert knowledge.set("someone-new", {"personalisation": False})["purposes"][
        "personalisation"]["allowed"] is False
    assert verify(s).ok


def test_links_show_no_pseudonym_of_the_other_side_and_a_refusal_revokes_them(
        world_api: LiveApi, fresh_world: LoadedWorld) -> None:
    s = world_api.settings
    k_uid, g_uid, k, g = _linked_people(fresh_world, 1)[0]
    knowledge, game = _consent(world_api, "knowledge"), _consent(world_api, "game")
    reads = len(entries(s, action="links_read"))

    raw = httpx.get(world_api.url + "/v1/links", params={"user_id": k_uid},
                    headers={"Authorization": f"Bearer {world_api.keys['knowledge']}"})
    assert raw.status_code == 200, raw.text
    con = connect(s)
    try:
        pid = con.sql(f"SELECT person_id FROM links_current WHERE k_user_key = '{k}' "
                      f"AND g_user_key = '{g}'").fetchall()[0][0]
    finally:
        con.close()
    for secret in (g, g_uid, pid):  # never the other side's key or id, nor the person id
        assert secret not in raw.text
    k_view = raw.json()
    assert k_view["linked"] is True and k_view["user_key"] == k
    [link] = [x for x in k_view["links"] if x["active"]]
    assert link["usable"] is True and link["method"] in ("binding", "psi")
    assert link["linked_at"] is not None and link["revoked_at"] is None
    g_view = game.links(g_uid)
    assert g_view["linked"] is True and k not in str(g_view) and k_uid not in str(g_view)
    # the handle is the caller's own: the other partner names the same link differently
    assert {x["handle"] for x in g_view["links"]}.isdisjoint(
        {x["handle"] for x in k_view["links"]})
    assert knowledge.links(user_key=k)["links"] == k_view["links"]  # stable per caller

    # every read is audited, by the person's digest
    audited = entries(s, action="links_read")[reads:]
    assert len(audited) == 3
    assert audited[0].subject == person_subject("knowledge", k)
    assert audited[1].subject == person_subject("game", g)
    assert k not in str(audited) and g not in str(audited)

    # the game user refuses linking: the link is revoked for both sides at once
    out = game.set(g_uid, {"linking": False})
    assert out["changed"] == ["linking"]
    after_k = knowledge.links(k_uid)
    assert after_k["linked"] is False
    [revoked] = [x for x in after_k["links"] if x["handle"] == link["handle"]]
    assert revoked["active"] is False and revoked["usable"] is False
    assert revoked["revoked_at"] is not None
    assert game.links(g_uid)["linked"] is False
    # a later grant does not revive it (the user binds again), as the CLI's policy says
    game.set(g_uid, {"linking": True})
    assert knowledge.links(k_uid)["linked"] is False


def test_the_other_partners_key_cannot_read_or_change_this_partners_users(
        world_api: LiveApi, fresh_world: LoadedWorld) -> None:
    s = world_api.settings
    k_uid, _g_uid, k, _g = _linked_people(fresh_world, 1)[0]
    game = _consent(world_api, "game")
    manifest = (s.lake_dir / "_manifest.json").read_bytes()
    audit, rows = count(s), _live_rows(s)
    knowledge_view = _consent(world_api, "knowledge").get(k_uid)

    calls: list[Callable[[], dict[str, Any]]] = [
        lambda: game.get(user_key=k), lambda: game.set(None, {"marketing": True}, user_key=k),
        lambda: game.links(user_key=k), lambda: game.erase(user_key=k)]
    for call in calls:
        with pytest.raises(ApiError) as err:
            call()
        assert (err.value.status, err.value.server_code) == (404, "consent_unknown_user")
        assert "game" in err.value.detail and k not in str(err.value.problem)
    assert (count(s), _live_rows(s)) == (audit, rows)
    assert (s.lake_dir / "_manifest.json").read_bytes() == manifest
    # the knowledge user's native id sent by the game partner is a game pseudonym:
    # another user, with none of the knowledge user's decisions
    theirs = game.get(k_uid)
    assert theirs["user_key"] == native_key(s, "game", k_uid) != k
    assert _consent(world_api, "knowledge").get(k_uid) == knowledge_view


def test_erasure_and_what_everyone_else_sees_afterwards(
        world_api: LiveApi, fresh_world: LoadedWorld) -> None:
    s = world_api.settings
    (k_uid, g_uid, k, g), (o_k_uid, o_g_uid, o_k, o_g) = _linked_people(fresh_world, 2)
    knowledge, game = _consent(world_api, "knowledge"), _consent(world_api, "game")
    g_consent = game.get(g_uid)
    others = (knowledge.get(o_k_uid), game.get(o_g_uid), knowledge.links(o_k_uid),
              game.links(o_g_uid))
    con = connect(s)
    try:
        events = con.sql(f"SELECT count(*) FILTER (WHERE user_key <> '{k}'), "
                         f"count(*) FILTER (WHERE user_key = '{k}') FROM events").fetchall()[0]
    finally:
        con.close()
    assert events[1] > 0

    done = knowledge.erase(k_uid)
    assert done["status"] == "done" and done["found"] is True and done["links"] == 1
    assert done["lake_rows"]["events"] == events[1]
    assert done["subject"] == person_subject("knowledge", k) and k not in str(done)
    shown = knowledge.erasure(done["erasure_id"])
    assert {x: shown[x] for x in ("found", "lake_rows", "db_rows", "subject", "links")} == \
        {x: done[x] for x in ("found", "lake_rows", "db_rows", "subject", "links")}
    with pytest.raises(ApiError) as err:  # another partner's request ids are unknown
        game.erasure(done["erasure_id"])
    assert (err.value.status, err.value.server_code) == (404, "erasure_unknown_request")
    last = entries(s, action="erasure")[-1]
    assert last.details["request"] == done["erasure_id"] and last.actor.startswith(
        "api:knowledge:")

    # the other partner sees the person's game account, now linked to nobody
    assert game.links(g_uid) == {"user_key": g, "linked": False, "links": []}
    assert game.get(g_uid) == g_consent  # its own decisions: another user's data, kept
    # the erased key names nobody any more; the native id is "no data held"
    with pytest.raises(ApiError) as err:
        knowledge.get(user_key=k)
    assert err.value.server_code == "consent_unknown_user"
    again = knowledge.erase(k_uid)
    assert again["found"] is False and again["lake_rows"] == {}
    # everyone else is as they were
    assert (knowledge.get(o_k_uid), game.get(o_g_uid), knowledge.links(o_k_uid),
            game.links(o_g_uid)) == others
    con = connect(s)
    try:
        assert con.sql("SELECT count(*) FROM events").fetchall()[0][0] == events[0]
        assert con.sql(f"SELECT count(*) FROM links_current WHERE k_user_key = '{k}'"
                       ).fetchall()[0][0] == 0
        assert con.sql(f"SELECT count(*) FROM ({linked_persons_sql()}) WHERE k_user_key = "
                       f"'{o_k}' AND g_user_key = '{o_g}'").fetchall()[0][0] == 1
    finally:
        con.close()
    assert verify(s).ok


def _problem(resp: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = resp.json()
    assert body["code"] == code, body
    return body


def test_bad_requests_are_problems_in_the_callers_language(api: LiveApi) -> None:
    url, key = api.url, api.keys["knowledge"]
    h = {"Authorization": f"Bearer {key}"}
    zh = {**h, "Accept-Language": "zh-CN"}
    other = {"Authorization": f"Bearer {api.key('knowledge', 'events')}"}
    audit = count(api.settings)
    bad_bodies: list[Any] = [
        {"user_id": "u1", "purposes": {"marketing": "yes"}},  # not a boolean
        {"user_id": "u1", "purposes": {}},
        {"user_id": "u1", "user_key": "a" * 32, "purposes": {"marketing": True}},
        {"purposes": {"marketing": True}},
        {"user_key": "A" * 32, "purposes": {"marketing": True}},
        {"user_id": "u1", "purposes": {"marketing": True}, "source": "my app"},
        {"user_id": "u" * 200, "purposes": {"marketing": True}},
        ["marketing"], "marketing", None, 7,
    ]
    for body in bad_bodies:
        resp = httpx.put(url + "/v1/consent", json=body, headers=h)
        _problem(resp, 422, "invalid_request")
    resp = httpx.put(url + "/v1/consent", content=b"{not json", headers={
        **h, "Content-Type": "application/json"})
    _problem(resp, 422, "invalid_request")
    # an unknown purpose: its own code, the purposes named, in Chinese on request
    body = {"user_id": "u1", "purposes": {"marketing": True, "telemarketing": True}}
    en = _problem(httpx.put(url + "/v1/consent", json=body, headers=h), 400,
                  "consent_purpose")
    assert "telemarketing" in en["detail"] and "linking" in en["detail"]
    cn = _problem(httpx.put(url + "/v1/consent", json=body, headers=zh), 400,
                  "consent_purpose")
    assert "telemarketing" in cn["detail"] and cn["detail"] != en["detail"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in cn["detail"])
    assert count(api.settings) == audit  # nothing was recorded, not even marketing

    for path in ("/v1/consent", "/v1/links"):
        _problem(httpx.get(url + path, headers=h), 400, "api_user_ref")
        _problem(httpx.get(url + path, params={"user_key": "xyz"}, headers=h), 422,
                 "invalid_request")
        unknown = _problem(httpx.get(url + path, params={"user_key": "b" * 32},
                                     headers=zh), 404, "consent_unknown_user")
        assert "用户" in unknown["detail"]
    _problem(httpx.post(url + "/v1/erasure", json={}, headers=h), 422, "invalid_request")
    _problem(httpx.get(url + "/v1/erasure/nope", headers=h), 422, "invalid_request")
    gone = _problem(httpx.get(url + "/v1/erasure/er_0123456789abcdef", headers=zh), 404,
                    "erasure_unknown_request")
    assert "er_0123456789abcdef" in gone["detail"] and "删除" in gone["detail"]

    # the scope: a key without `consent` may not, no key at all is unauthenticated
    _problem(httpx.get(url + "/v1/consent", params={"user_id": "u1"}, headers=other), 403,
             "forbidden")
    _problem(httpx.post(url + "/v1/erasure", json={"user_id": "u1"}), 401, "unauthenticated")
    assert count(api.settings) == audit
