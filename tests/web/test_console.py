"""The console's frame as an operator (and an attacker) meets it: a real server, cookies,
forms. A test page stands in for the real ones (their content has its own tests): the
frame's promises — login, sessions, CSRF, roles, partner scope, cache, downloads, errors —
hold for every page alike."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import pytest

from crossplay.api import routes_web
from crossplay.core.settings import Settings, load_settings
from crossplay.web import registry
from crossplay.web.operators import create_operator, disable_operator, set_password
from crossplay.web.page import (
    Chart,
    Field,
    Form,
    Note,
    Page,
    PageData,
    PageError,
    PageRequest,
    Section,
    Table,
    Tile,
)
from tests.api.conftest import running_api

PASSWORD = "correct horse battery"
BUILDS: list[tuple[str, str | None, str | None]] = []
ACTIONS: list[Mapping[str, str]] = []
CLIENTS: list[httpx.Client] = []
_LOCK = threading.Lock()


def _build(req: PageRequest) -> PageData:
    with _LOCK:
        BUILDS.append((req.lang, req.filters.partner, req.params.get("q")))
    if req.params.get("q") == "boom":
        raise RuntimeError("a bug in a page")
    if req.params.get("q") == "bad":
        raise PageError(req.t("web.error.bad_choice", name="q", value="bad", choices="a, b"))
    rows = [["=HYPERLINK(\"http://evil\")", 1, 0.5], ["plain", 2, None]]
    return PageData(sections=[Section(req.t("web.filter.partner"), [
        Tile("C_k", "12.5%", "+1.0 pt", "up"),
        Table("rows", "rows", ["name", "n", "share"], rows),
        Chart("c", "chart", {"data": [{"type": "bar", "x": [1, 2], "y": [3, 4]}],
                             "layout": {}}, points=2),
        Note(f"partner={req.filters.partner}"),
        Form("poke", "poke", [Field("what", "what")], "go"),
    ])])


def _poke(req: PageRequest, form: Mapping[str, str]) -> str:
    ACTIONS.append(dict(form))
    return "poked"


TEST_PAGE = Page("test", "web.filter.segment", _build, order=1,
                 actions={"poke": ("marketer", _poke)})
ADMIN_PAGE = Page("secret", "web.filter.segment", _build, order=2, role="admin")


@pytest.fixture
def console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Settings]]:
    monkeypatch.setattr(registry, "all_pages", lambda: (TEST_PAGE, ADMIN_PAGE))
    monkeypatch.setattr(routes_web, "_warm", lambda ctx, console: None)  # its own test
    BUILDS.clear()
    ACTIONS.clear()
    settings = load_settings(data_dir=tmp_path / "data")
    create_operator(settings, "joint", PASSWORD, role="marketer")
    create_operator(settings, "viewer", PASSWORD, role="viewer")
    create_operator(settings, "kp", PASSWORD, role="marketer", partner="knowledge")
    with running_api(settings, keys=False) as live:
        yield live.url, settings
        while CLIENTS:
            CLIENTS.pop().close()


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:2000]
    return found.group(1)


def client(url: str, **kwargs: object) -> httpx.Client:
    c = httpx.Client(base_url=url, timeout=30, **kwargs)  # type: ignore[arg-type]
    CLIENTS.append(c)
    return c


def login(url: str, user: str, password: str = PASSWORD, **headers: str) -> httpx.Client:
    c = client(url, headers=headers)
    token = _csrf(c.get("/login").text)
    r = c.post("/login", data={"username": user, "password": password, "csrf_token": token,
                               "next": "/dash/test"})
    assert r.status_code == 303, r.text[:500]
    return c


def test_pages_need_a_login_and_come_back_after_it(console: tuple[str, Settings]) -> None:
    url, _ = console
    with httpx.Client(base_url=url) as c:
        r = c.get("/dash/test?partner=game")
        assert r.status_code == 303
        assert r.headers["location"].startswith("/login?next=")
        assert c.get("/").headers["location"] == "/login"
        assert c.get("/dash/test?format=json").status_code == 303
        assert c.get("/dash/test?download=rows.csv").status_code == 303
        assert not BUILDS  # nothing was built for an anonymous visitor
    c = login(url, "joint")
    r = c.get("/dash/test")
    assert r.status_code == 200 and "crossplay" in r.text
    cookie = next(h for h in r.request.headers.get_list("cookie"))
    assert "cp_session=" in cookie


def test_session_cookie_is_httponly_samesite_and_csrf_protects_login(
        console: tuple[str, Settings]) -> None:
    url, _ = console
    with httpx.Client(base_url=url) as c:
        first = c.get("/login")
        set_cookie = first.headers["set-cookie"].lower()
        assert "httponly" in set_cookie and "samesite=lax" in set_cookie
        assert first.headers["content-security-policy"].startswith("default-src 'self'")
        assert first.headers["x-frame-options"] == "DENY"
        # no token, a wrong token, a token of another session: refused, nobody logged in
        for token in (None, "x" * 32):
            data = {"username": "joint", "password": PASSWORD}
            if token:
                data["csrf_token"] = token
            assert c.post("/login", data=data).status_code == 403
        other = client(url)
        foreign = _csrf(other.get("/login").text)
        assert c.post("/login", data={"username": "joint", "password": PASSWORD,
                                      "csrf_token": foreign}).status_code == 403
        assert c.get("/dash/test").status_code == 303


def test_wrong_passwords_are_throttled_and_say_nothing_about_who_exists(
        console: tuple[str, Settings]) -> None:
    url, _ = console
    with httpx.Client(base_url=url, headers={"accept-language": "zh-CN"}) as c:
        token = _csrf(c.get("/login").text)
        bodies = []
        for user in ("joint", "nobody-here"):
            r = c.post("/login", data={"username": user, "password": "wrong password",
                                       "csrf_token": token})
            assert r.status_code == 401
            bodies.append(r.text.replace(user, "USER"))
            assert "用户名或密码错误" in r.text
        assert bodies[0] == bodies[1]
        for _ in range(4):
            c.post("/login", data={"username": "joint", "password": "wrong password",
                                   "csrf_token": token})
        r = c.post("/login", data={"username": "joint", "password": PASSWORD,
                                   "csrf_token": token})
        assert r.status_code == 429  # even the right password waits now
        assert "分钟后再试" in r.text


def test_open_redirects_after_login_are_refused(console: tuple[str, Settings]) -> None:
    url, _ = console
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil", "javascript:x"):
        with httpx.Client(base_url=url) as c:
            token = _csrf(c.get("/login").text)
            r = c.post("/login", data={"username": "joint", "password": PASSWORD,
                                       "csrf_token": token, "next": target})
            assert r.status_code == 303 and r.headers["location"] == "/"


def test_logout_voids_every_copy_of_the_cookie(console: tuple[str, Settings]) -> None:
    url, _ = console
    c = login(url, "joint")
    stolen = dict(c.cookies)
    page = c.get("/dash/test")
    r = c.post("/logout", data={"csrf_token": _csrf(page.text)})
    assert r.status_code == 303
    with client(url, cookies=stolen) as thief:
        assert thief.get("/dash/test").status_code == 303


def test_disabled_operator_or_new_password_ends_open_sessions(
        console: tuple[str, Settings]) -> None:
    url, settings = console
    c = login(url, "joint")
    v = login(url, "viewer")
    assert c.get("/dash/test").status_code == 200
    disable_operator(settings, "joint")
    assert c.get("/dash/test").status_code == 303
    set_password(settings, "viewer", "another long password")
    assert v.get("/dash/test").status_code == 303
    with httpx.Client(base_url=url) as d:  # and a disabled operator cannot log in again
        token = _csrf(d.get("/login").text)
        assert d.post("/login", data={"username": "joint", "password": PASSWORD,
                                      "csrf_token": token}).status_code == 401


def test_roles_guard_pages_and_actions(console: tuple[str, Settings]) -> None:
    url, _ = console
    v = login(url, "viewer")
    page = v.get("/dash/test")
    assert 'action="/dash/test/action/poke"' not in page.text  # a viewer gets no form
    assert v.get("/dash/secret").status_code == 403
    r = v.post("/dash/test/action/poke", data={"csrf_token": _csrf(page.text), "what": "x"})
    assert r.status_code == 403 and not ACTIONS
    m = login(url, "joint")
    page = m.get("/dash/test")
    assert 'action="/dash/test/action/poke"' in page.text
    assert m.post("/dash/test/action/poke", data={"what": "x"}).status_code == 403
    assert m.post("/dash/test/action/poke",
                  data={"what": "x", "csrf_token": "forged"}).status_code == 403
    assert not ACTIONS
    r = m.post("/dash/test/action/poke", data={"what": "x", "csrf_token": _csrf(page.text)})
    assert r.status_code == 303 and ACTIONS == [{"what": "x"}]
    assert "poked" in m.get(r.headers["location"]).text
    assert m.post("/dash/test/action/nope",
                  data={"csrf_token": _csrf(page.text)}).status_code == 404


def test_a_partner_operator_sees_only_their_partner(console: tuple[str, Settings]) -> None:
    url, _ = console
    k = login(url, "kp")
    assert k.get("/dash/test?partner=game").status_code == 403
    r = k.get("/dash/test")
    assert r.status_code == 200 and "partner=knowledge" in r.text  # forced, not "all"
    assert k.get("/dash/test?partner=game&format=json").status_code == 403
    assert k.get("/dash/test?partner=game&download=rows.csv").status_code == 403
    assert all(p == "knowledge" for _, p, _ in BUILDS)


def test_bad_input_and_page_bugs_are_pages_not_tracebacks(
        console: tuple[str, Settings]) -> None:
    url, _ = console
    c = login(url, "joint", **{"accept-language": "zh-CN"})
    for query, status in (("start=2026-13-01", 400), ("start=2026-02-02&end=2026-02-01", 400),
                          ("partner=both", 400), ("platform=tv", 400),
                          ("segment=" + "x" * 65, 400), ("q=" + "y" * 200, 400),
                          ("q=bad", 400), ("q=boom", 500), ("download=nope.csv", 404)):
        r = c.get(f"/dash/test?{query}")
        assert r.status_code == status, (query, r.status_code)
        assert "text/html" in r.headers["content-type"] and "Traceback" not in r.text
    assert c.get("/dash/no-such-page").status_code == 404
    assert "编号" in c.get("/dash/test?q=boom").text  # a reference to the logged error


def test_downloads_escape_formulas_and_the_cache_holds_until_data_change(
        console: tuple[str, Settings]) -> None:
    url, settings = console
    c = login(url, "joint")
    BUILDS.clear()
    csv_text = c.get("/dash/test?download=rows.csv").text
    import csv
    import io

    rows = list(csv.reader(io.StringIO(csv_text)))
    assert rows[0] == ["name", "n", "share"]
    assert rows[1][0].startswith("'=HYPERLINK") and rows[2] == ["plain", "2", ""]
    body = c.get("/dash/test?format=json").json()
    assert body["page"] == "test" and body["sections"][0]["items"][1]["rows"][1][1] == 2
    for _ in range(3):
        assert c.get("/dash/test").status_code == 200
    assert len(BUILDS) == 1  # built once, then the download, JSON and page from the cache
    c.get("/dash/test?lang=zh-CN")
    assert len(BUILDS) == 2  # each language is its own entry
    # a change of the operational data (here: a new consent decision) rebuilds
    from crossplay.privacy.user_rights import set_consent

    set_consent(settings, "knowledge", "a" * 32, {"marketing": False}, actor="test")
    import time

    time.sleep(1.1)  # signatures are taken at most once a second
    stale = c.get("/dash/test?lang=zh-CN")  # the old page at once, the new one being built
    assert "新版本正在生成" in stale.text
    deadline = time.monotonic() + 20
    while len(BUILDS) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(BUILDS) == 3
    time.sleep(0.2)
    fresh = c.get("/dash/test?lang=zh-CN")
    assert "新版本正在生成" not in fresh.text and "来自缓存" in fresh.text
    assert len(BUILDS) == 3


def test_an_action_shows_its_effect_at_once(console: tuple[str, Settings]) -> None:
    url, _ = console
    m = login(url, "joint")
    page = m.get("/dash/test?q=x")
    BUILDS.clear()
    r = m.post("/dash/test/action/poke?q=x", data={"what": "y",
                                                  "csrf_token": _csrf(page.text)})
    assert r.status_code == 303 and "q=x" in r.headers["location"]
    after = m.get(r.headers["location"])
    assert "poked" in after.text and "新版本正在生成" not in after.text
    assert len(BUILDS) == 1  # built anew for the operator who acted, not served stale


def test_language_switch_is_remembered(console: tuple[str, Settings]) -> None:
    url, _ = console
    c = login(url, "joint")
    en = c.get("/dash/test")
    assert 'lang="en"' in en.text and "中文" in en.text
    zh = c.get("/dash/test?lang=zh-CN")
    assert 'lang="zh-CN"' in zh.text and "退出登录" in zh.text
    again = c.get("/dash/test")
    assert 'lang="zh-CN"' in again.text


def test_the_cache_is_warmed_at_start_for_each_kind_of_operator(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setattr(registry, "all_pages", lambda: (TEST_PAGE, ADMIN_PAGE))
    BUILDS.clear()
    settings = load_settings(data_dir=tmp_path / "data")
    create_operator(settings, "joint", PASSWORD, role="admin")
    create_operator(settings, "kp", PASSWORD, role="viewer", partner="knowledge")
    with running_api(settings, keys=False) as live:
        deadline = time.monotonic() + 20
        # test + secret for the admin, test for the viewer; both languages each
        while len(BUILDS) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        from collections import Counter

        assert Counter(BUILDS) == Counter([(lang, p, None) for lang in ("en", "zh-CN")
                                           for p in (None, None, "knowledge")])
        c = login(live.url, "kp")
        page = c.get("/dash/test?lang=zh-CN")
        assert "来自缓存" in page.text and len(BUILDS) == 6  # the first visit is a hit
        while CLIENTS:
            CLIENTS.pop().close()
