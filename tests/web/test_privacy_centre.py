"""The privacy centre as a person and a partner's backend meet it: a real uvicorn on a
private copy of the demo world, the partner's key asking for a link, the person's
browser (an httpx client with its cookie jar) opening it, switching consent and erasing.

Asserted: the link carries no native id and opens a ``SameSite=Strict`` HttpOnly session
whose page shows the person's link and consent as the API's service reads them; forged,
expired and other-purpose tokens and cookies are refused with an HTML page in the
person's language (never a 500); partner A's link never shows or changes partner B's
person; a form without the session's CSRF nonce changes nothing; turning
personalisation off makes the very next recommendation unpersonalised; erasure works
and ends the session (the old cookie and the old link are dead); every view and change
is audited; both languages render without a message miss.
"""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pyarrow.parquet as pq
import pytest

from crossplay.cli.i18n import clear_misses, misses
from crossplay.core.clock import OffsetClock, use_clock
from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.privacy import user_rights
from crossplay.privacy.audit import entries, person_subject
from crossplay.privacy.keys import native_key
from crossplay.privacy.policy import Purpose, linked_persons_sql
from crossplay.recommend.service import recommend_for
from crossplay.recommend.store import bundle_dir, load_unit
from crossplay.warehouse.duck import connect
from crossplay.web import privacy_centre as centre
from crossplay.web import signing
from tests.api.conftest import LiveApi, running_api
from tests.web.conftest import DashWorld

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Person:
    partner: Partner
    native: str
    key: str


@pytest.fixture(scope="module")
def world(dash_world: DashWorld, tmp_path_factory: pytest.TempPathFactory) -> DashWorld:
    """A private copy of the demo world for this module (as ``dash_world_copy``, once:
    each test works on people of its own, so the tests share one copy and one server)."""
    data_dir = tmp_path_factory.mktemp("privacy-centre") / "data"
    shutil.copytree(dash_world.data_dir, data_dir)
    return DashWorld(data_dir)


@pytest.fixture(scope="module")
def live(world: DashWorld) -> Iterator[LiveApi]:
    with pytest.MonkeyPatch.context() as mp:  # the demo world's secrets are its key files
        mp.delenv("CROSSPLAY_KNOWLEDGE_SECRET", raising=False)
        mp.delenv("CROSSPLAY_GAME_SECRET", raising=False)
        settings = world.settings()
    with running_api(settings) as api:
        yield api


def _people(world: DashWorld) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = pq.read_table(
        world.data_dir / "world" / "ground_truth" / "people").to_pylist()
    return rows


def _linked(world: DashWorld, nth: int) -> tuple[Person, Person]:
    """Both sides of the ``nth`` person whose accounts are linked (active, linking granted
    on both sides)."""
    s = world.settings()
    con = connect(s)
    try:
        pairs = con.sql(f"SELECT k_user_key, g_user_key FROM ({linked_persons_sql()}) "
                        f"ORDER BY 1").fetchall()
    finally:
        con.close()
    by_k = {native_key(s, "knowledge", p["k_uid"]): p for p in _people(world) if p["k_uid"]}
    for k_key, g_key in pairs:
        p = by_k.get(k_key)
        if p is not None and p["g_uid"] and native_key(s, "game", p["g_uid"]) == g_key:
            if nth == 0:
                return (Person("knowledge", p["k_uid"], k_key),
                        Person("game", p["g_uid"], g_key))
            nth -= 1
    raise AssertionError("the demo world has too few linked persons")


def _personalised(world: DashWorld, nth: int) -> Person:
    """The ``nth`` knowledge-only user whose own recommendations are personalised now."""
    s = world.settings()
    trained = set(load_unit(bundle_dir(s) / "in-knowledge").users["user_key"])
    con = connect(s)
    try:
        refused = {r[0] for r in con.sql(
            "SELECT user_key FROM consents_current WHERE partner = 'knowledge' "
            "AND purpose = 'personalisation' AND NOT granted").fetchall()}
    finally:
        con.close()
    for p in _people(world):
        if not (p["k_uid"] and p["uses_knowledge"]) or p["g_uid"]:
            continue
        key = native_key(s, "knowledge", p["k_uid"])
        if key not in trained or key in refused:
            continue
        if nth == 0:
            got = recommend_for(s, partner="knowledge", user_key=key, n=3)
            assert got["personalised"] and got["unit"] == "in-knowledge", got
            return Person("knowledge", p["k_uid"], key)
        nth -= 1
    raise AssertionError("too few people have personalised recommendations")


def _client(live: LiveApi, lang: str | None = None, cookie: str | None = None
            ) -> httpx.Client:
    """A browser (``cookie``: a ``cp_privacy`` value it sends, replayed or forged)."""
    headers = {"Accept-Language": lang} if lang else {}
    if cookie is not None:
        headers["Cookie"] = f"cp_privacy={cookie}"
    return httpx.Client(base_url=live.url, headers=headers, follow_redirects=False,
                        timeout=60)


def _link(live: LiveApi, person: Person, *, key: str | None = None,
          **extra: Any) -> dict[str, Any]:
    with httpx.Client(base_url=live.url, timeout=60) as api:
        r = api.post("/v1/privacy-centre/tokens", json={"user": person.native, **extra},
                     headers={"Authorization": f"Bearer {key or live.keys[person.partner]}"})
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def _open(browser: httpx.Client, url: str) -> httpx.Response:
    """Open a link as a browser does: the short page, then its refresh to ``/privacy``."""
    first = browser.get(url)
    assert first.status_code == 200, first.text
    assert first.headers["refresh"] == "0; url=/privacy"
    page = browser.get("/privacy")
    assert page.status_code == 200, page.text
    return page


def _states(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-purpose="(\w+)" data-state="(on|off)"', page))


def _refused(r: httpx.Response, status: int, text: str) -> None:
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("text/html")
    assert text in html.unescape(r.text), r.text[:2000]


def _audit(settings: Settings, person: Person) -> list[tuple[str, str]]:
    subject = person_subject(person.partner, person.key)
    return [(e.action, e.actor) for e in entries(settings) if e.subject == subject]


def _recommendation(live: LiveApi, person: Person) -> dict[str, Any]:
    with httpx.Client(base_url=live.url, timeout=60) as api:
        r = api.get("/v1/recommendations", params={"user_id": person.native, "n": 5},
                    headers={"Authorization": f"Bearer {live.keys[person.partner]}"})
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def test_a_link_opens_a_strict_session_showing_the_persons_link_and_consent(
        live: LiveApi, world: DashWorld) -> None:
    s = world.settings()
    person, other_side = _linked(world, 0)
    link = _link(live, person)
    assert set(link) == {"token", "url", "expires_at"}
    assert link["url"].startswith("/privacy?token=")
    # the token is signed, not encrypted: what it carries is the pseudonymous key only
    payload = json.loads(base64.urlsafe_b64decode(link["token"].split(".")[0] + "=="))
    assert payload["p"] == "knowledge" and payload["u"] == person.key
    assert person.native not in link["token"] and person.native not in json.dumps(payload)

    with _client(live) as browser:
        first = browser.get(link["url"])
        assert first.status_code == 200 and first.headers["refresh"] == "0; url=/privacy"
        cookie = first.headers["set-cookie"].lower()
        assert "cp_privacy=" in cookie and "httponly" in cookie
        assert "samesite=strict" in cookie and "path=/privacy" in cookie
        max_age = int(re.search(r"max-age=(\d+)", cookie).group(1))  # type: ignore[union-attr]
        assert 0 < max_age <= s.privacy_token_minutes * 60
        assert first.headers["referrer-policy"] == "no-referrer"
        page = browser.get("/privacy")
    assert page.status_code == 200
    shown = page.text
    # the link: yes, since when, how — and nothing of the other account
    assert 'data-linked="yes"' in shown
    con = connect(s)
    try:
        since = con.sql(f"SELECT min(linked_at) FROM links_current WHERE k_user_key = "
                        f"'{person.key}' AND revoked_at IS NULL").fetchall()[0][0]
        person_ids = [r[0] for r in con.sql(
            f"SELECT person_id FROM links_current WHERE k_user_key = '{person.key}'"
        ).fetchall()]
    finally:
        con.close()
    assert since.date().isoformat() in shown and "bound the two accounts" in shown
    for secret in (other_side.key, other_side.native, person.key, person.native, *person_ids):
        assert secret not in shown
    for handle in (x.handle for x in user_rights.user_links(s, "knowledge", person.key)):
        assert handle not in shown
    # the consent per purpose, as the API's service reads it
    state = user_rights.current_consent(s, "knowledge", person.key)
    assert _states(shown) == {p.value: "on" if state[p].allowed else "off" for p in Purpose}
    # audited: the link issued (by the key), the session opened and the view (by the person)
    actions = _audit(s, person)
    key_id = live.keys["knowledge"].split("_")[1]
    assert ("privacy_link_issued", f"api:knowledge:{key_id}") in actions
    for action in ("privacy_centre_open", "privacy_centre_view", "links_read"):
        assert (action, "person:knowledge") in actions, actions


def test_the_token_route_is_documented_scoped_and_names_only_the_callers_users(
        live: LiveApi, world: DashWorld) -> None:
    person, other_side = _linked(world, 1)
    with httpx.Client(base_url=live.url, timeout=60) as api:
        spec = api.get("/openapi.json").json()
        assert "post" in spec["paths"]["/v1/privacy-centre/tokens"]
        op = spec["paths"]["/v1/privacy-centre/tokens"]["post"]
        assert {"201", "401", "403", "404", "422"} <= set(op["responses"])
        assert not any(p.startswith("/privacy") for p in spec["paths"])

        def ask(body: dict[str, Any], key: str | None) -> httpx.Response:
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            return api.post("/v1/privacy-centre/tokens", json=body, headers=headers)

        assert ask({"user_id": person.native}, None).status_code == 401
        assert ask({"user_id": person.native},
                   live.key("knowledge", "recommend")).status_code == 403
        assert ask({"user_id": person.native},
                   live.key("knowledge", "consent")).status_code == 201
        # the other partner's key is an unknown user; one of ours is fine
        r = ask({"user_key": other_side.key}, live.keys["knowledge"])
        assert r.status_code == 404 and r.json()["code"] == "consent_unknown_user"
        assert ask({"user_key": person.key}, live.keys["knowledge"]).status_code == 201
        for bad in ({}, {"user_id": "x", "user_key": person.key}, {"user_id": ""},
                    {"user_id": person.native, "lang": "fr"}):
            assert ask(bad, live.keys["knowledge"]).status_code == 422, bad
    link = _link(live, person, lang="zh-CN")
    assert link["url"].endswith("&lang=zh-CN")


def test_forged_expired_and_other_purpose_tokens_and_cookies_are_refused(
        live: LiveApi, world: DashWorld) -> None:
    s = world.settings()
    person, _ = _linked(world, 2)
    link = _link(live, person)
    token = link["token"]
    with _client(live) as browser:
        browser.get(link["url"])
        cookie = browser.cookies["cp_privacy"]
    console = signing.sign(s, "console-session", {"o": None, "e": 0, "c": "x" * 32})
    head, _, sig = token.rpartition(".")
    tampered = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    tampered["p"] = "game"
    forged_body = base64.urlsafe_b64encode(json.dumps(tampered).encode()).decode().rstrip("=")
    bad_tokens = {
        "wrong signature": head + "." + ("A" if sig[0] != "A" else "B") + sig[1:],
        "payload changed": forged_body + token[token.index("."):],
        "console session": console,
        "session cookie": cookie,
        "garbage": "not-a-token", "empty": "", "huge": "a" * 10_000,
    }
    with _client(live, "zh-CN") as browser:
        for what, bad in bad_tokens.items():
            r = browser.get("/privacy", params={"token": bad})
            _refused(r, 401, "链接已过期或无效")
            assert "set-cookie" not in r.headers or "cp_privacy=" not in r.headers[
                "set-cookie"], what
        _refused(browser.get("/privacy"), 401, "请从您的应用中重新打开隐私中心")
    # a cookie that is not a privacy session: refused, in the person's language
    for bad in (token, console, "garbage"):
        with _client(live, "zh-CN", cookie=bad) as browser:
            _refused(browser.get("/privacy"), 401, "请从您的应用中重新打开隐私中心")
    with _client(live) as browser:
        # past its life (the clock moves on: the link, then a session opened in time)
        with use_clock(OffsetClock(timedelta(minutes=s.privacy_token_minutes + 1))):
            _refused(browser.get(link["url"]), 401, "Open the privacy centre from your app")
        _open(browser, link["url"])
        in_time = browser.cookies["cp_privacy"]
        with use_clock(OffsetClock(timedelta(minutes=s.privacy_token_minutes + 1))):
            _refused(browser.get("/privacy"), 401, "Open the privacy centre from your app")
        assert "cp_privacy" not in browser.cookies  # the refusal drops the dead cookie
    with _client(live, cookie=in_time) as browser:  # it was time, nothing else
        assert browser.get("/privacy").status_code == 200


def test_a_link_of_one_partner_never_shows_or_changes_the_other_partners_person(
        live: LiveApi, world: DashWorld) -> None:
    s = world.settings()
    k_side, g_side = _linked(world, 3)
    g_before = user_rights.current_consent(s, "game", g_side.key)
    with _client(live) as k_browser, _client(live) as g_browser:
        k_page = _open(k_browser, _link(live, k_side)["url"]).text
        g_page = _open(g_browser, _link(live, g_side)["url"]).text
        for secret in (g_side.key, g_side.native):
            assert secret not in k_page
        for secret in (k_side.key, k_side.native):
            assert secret not in g_page
        csrf = CSRF.search(k_page).group(1)  # type: ignore[union-attr]
        for purpose in ("linking", "marketing", "personalisation"):
            granted = "false" if _states(k_page)[purpose] == "on" else "true"
            r = k_browser.post("/privacy/consent", data={"csrf_token": csrf,
                                                          "purpose": purpose,
                                                          "granted": granted})
            assert r.status_code == 303 and r.headers["location"] == \
                f"/privacy?saved={purpose}"
        after = k_browser.get(r.headers["location"])
        assert after.status_code == 200 and "Saved: Personalised recommendations" in after.text
        # the knowledge side changed, the game side's decisions did not
        k_now = user_rights.current_consent(s, "knowledge", k_side.key)
        assert all(k_now[p].source == "live:" + centre.SOURCE for p in Purpose)
        assert user_rights.current_consent(s, "game", g_side.key) == g_before
        # refusing linking ended the link: both pages say so, neither names the other
        assert 'data-linked="no"' in after.text and "ended on" in after.text
        g_again = g_browser.get("/privacy").text
        assert 'data-linked="no"' in g_again
        assert _states(g_again) == _states(g_page)
        # the game person's session cannot post with the knowledge session's nonce
        r = g_browser.post("/privacy/consent", data={"csrf_token": csrf, "purpose":
                                                     "marketing", "granted": "true"})
        _refused(r, 403, "nothing was changed")
    assert user_rights.current_consent(s, "game", g_side.key) == g_before
    changes = [a for a in _audit(s, k_side) if a[0] == "consent_change"]
    assert changes == [("consent_change", "person:knowledge")] * 3
    assert not [a for a in _audit(s, g_side) if a[0] == "consent_change"]


def test_a_form_without_the_sessions_csrf_token_changes_nothing(
        live: LiveApi, world: DashWorld) -> None:
    s = world.settings()
    person, _ = _linked(world, 4)
    before = user_rights.current_consent(s, "knowledge", person.key)
    with _client(live) as browser:
        page = _open(browser, _link(live, person)["url"]).text
        csrf = CSRF.search(page).group(1)  # type: ignore[union-attr]
        change = {"purpose": "personalisation", "granted": "false"}
        for form in (change, {**change, "csrf_token": ""},
                     {**change, "csrf_token": csrf[:-1] + ("x" if csrf[-1] != "x" else "y")}):
            _refused(browser.post("/privacy/consent", data=form), 403, "nothing was changed")
            _refused(browser.post("/privacy/erase", data={**form, "confirm": "yes"}), 403,
                     "nothing was changed")
        # bad fields with the right token: 400, nothing changed
        _refused(browser.post("/privacy/consent", data={"csrf_token": csrf,
                                                        "purpose": "spying",
                                                        "granted": "true"}),
                 400, "There is no choice named 'spying'")
        _refused(browser.post("/privacy/consent", data={"csrf_token": csrf,
                                                        "purpose": "marketing",
                                                        "granted": "maybe"}),
                 400, "The form could not be read")
        _refused(browser.post("/privacy/erase", data={"csrf_token": csrf}), 400,
                 "Tick the box to confirm the erasure")
        # the right token without the session's cookie: no session
        browser.cookies.clear()
        _refused(browser.post("/privacy/consent", data={**change, "csrf_token": csrf}), 401,
                 "Open the privacy centre from your app")
    assert user_rights.current_consent(s, "knowledge", person.key) == before
    assert user_rights.is_known(s, "knowledge", person.key)
    assert not [a for a in _audit(s, person) if a[0] in ("consent_change", "erasure")]


def test_turning_personalisation_off_unpersonalises_the_very_next_recommendation(
        live: LiveApi, world: DashWorld) -> None:
    s = world.settings()
    person = _personalised(world, 0)
    before = _recommendation(live, person)
    assert before["personalised"] and before["unit"] == "in-knowledge"
    with _client(live) as browser:
        page = _open(browser, _link(live, person)["url"]).text
        assert _states(page)["personalisation"] == "on"
        csrf = CSRF.search(page).group(1)  # type: ignore[union-attr]
        r = browser.post("/privacy/consent", data={"csrf_token": csrf, "granted": "false",
                                                   "purpose": "personalisation"})
        assert r.status_code == 303
        after = _recommendation(live, person)
        assert not after["personalised"] and after["model"] == "popularity"
        assert after["policy"] == "the user refused personalisation"
        assert after["items"] != before["items"]
        assert recommend_for(s, partner="knowledge", user_key=person.key, n=5)[
            "personalised"] is False
        assert _states(browser.get("/privacy").text)["personalisation"] == "off"
        # and back on: personalised again at once
        r = browser.post("/privacy/consent", data={"csrf_token": csrf, "granted": "true",
                                                   "purpose": "personalisation"})
        assert r.status_code == 303
        again = _recommendation(live, person)
        assert again["personalised"] and again["items"] == before["items"]


def test_erasure_erases_at_once_and_ends_the_session(live: LiveApi, world: DashWorld) -> None:
    s = world.settings()
    person, other_side = _linked(world, 5)
    link = _link(live, person)
    with _client(live) as browser:
        page = _open(browser, link["url"]).text
        cookie = browser.cookies["cp_privacy"]
        csrf = CSRF.search(page).group(1)  # type: ignore[union-attr]
        r = browser.post("/privacy/erase", data={"csrf_token": csrf, "confirm": "yes"})
        assert r.status_code == 200 and 'data-state="erased"' in r.text
        assert "Your data were erased" in r.text
        assert re.search(r"Account links removed: [1-9]", r.text)
        set_cookie = r.headers["set-cookie"].lower()
        assert "cp_privacy=" in set_cookie and ("max-age=0" in set_cookie
                                                or "expires=" in set_cookie)
        assert "cp_privacy" not in browser.cookies
        _refused(browser.get("/privacy"), 401, "Open the privacy centre from your app")
    # the old cookie and the old link are dead, wherever they are replayed
    with _client(live, cookie=cookie) as replay:
        _refused(replay.get("/privacy"), 401, "Open the privacy centre from your app")
        _refused(replay.post("/privacy/consent", data={
            "csrf_token": csrf, "purpose": "marketing", "granted": "true"}), 401,
            "Open the privacy centre from your app")
    with _client(live) as replay:
        _refused(replay.get(link["url"]), 401, "Open the privacy centre from your app")
    # erased through the same service as the API: the key names nobody any more
    assert not user_rights.is_known(s, "knowledge", person.key)
    assert user_rights.is_known(s, "game", other_side.key)  # the other account is not erased
    erasure = [e for e in entries(s, action="erasure")
               if e.subject == person_subject("knowledge", person.key)]
    assert len(erasure) == 1 and erasure[0].actor == "person:knowledge"
    assert erasure[0].details["found"] and erasure[0].details["request"] in r.text
    # the partner may send the person back: a new link opens, with nothing held
    with _client(live) as browser:
        fresh = _open(browser, _link(live, person)["url"]).text
        assert 'data-linked="no"' in fresh


def test_both_languages_render_every_state_without_a_message_miss(
        live: LiveApi, world: DashWorld) -> None:
    person = _personalised(world, 1)
    clear_misses()
    seen: dict[str, list[str]] = {}
    for lang in ("en", "zh-CN"):
        texts = seen.setdefault(lang, [])
        with _client(live) as browser:
            link = _link(live, person, lang=lang)
            first = browser.get(link["url"])
            assert f'<html lang="{lang}">' in first.text
            texts.append(first.text)
            page = browser.get("/privacy")  # the language cookie holds it
            assert f'<html lang="{lang}">' in page.text
            texts.append(page.text)
            csrf = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
            r = browser.post("/privacy/consent", data={"csrf_token": csrf, "granted": "true",
                                                       "purpose": "marketing"})
            texts.append(browser.get(r.headers["location"]).text)
            texts.append(browser.post("/privacy/erase", data={"csrf_token": csrf}).text)
            texts.append(browser.post("/privacy/consent", data={"purpose": "x"}).text)
            texts.append(browser.post("/privacy/consent", data={
                "csrf_token": csrf, "purpose": "x", "granted": "true"}).text)
            texts.append(browser.get("/privacy", params={"token": "bad"}).text)
            other = "zh-CN" if lang == "en" else "en"
            switched = browser.get("/privacy", params={"lang": other})
            assert f'<html lang="{other}">' in switched.text
    assert misses() == ()
    zh = "\n".join(seen["zh-CN"])
    en = "\n".join(seen["en"])
    for text in ("我的隐私中心", "个性化推荐", "删除我的数据", "已保存", "链接已过期或无效",
                 "请勾选确认框", "正在打开您的隐私中心"):
        assert text in zh, text
    for text in ("Your privacy centre", "Personalised recommendations", "Erase my data",
                 "Saved:", "Link expired or not valid", "Tick the box",
                 "Opening your privacy centre"):
        assert text in en, text
    assert "web.privacy_centre." not in zh + en  # no key shown in place of a text
