"""The console in a real browser: Playwright driving Debian's chromium (``./dev test``
installs it and the CJK fonts; no browser download).

One server over a copy of the demo world serves the whole module. Every page, in both
languages: it loads with no console error and no failed request, each chart holds data and
is drawn, and a screenshot is saved under ``test-artifacts/screenshots`` (CI keeps them).
Then what a person at the browser would try: pages need a login, the language switch
changes the text, a form without its CSRF token is refused, a partner's viewer cannot open
the other partner's person-level page.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from crossplay.access.apikeys import create_key
from crossplay.core.settings import Settings
from crossplay.web.operators import create_operator
from crossplay.web.registry import all_pages
from tests.api.conftest import running_api
from tests.web.conftest import DashWorld

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]
PASSWORD = "browser-test-password"
ARTIFACTS = Path(os.environ.get("CROSSPLAY_ARTIFACTS",
                                Path(__file__).resolve().parents[2] / "test-artifacts"))

if not Path(CHROMIUM).exists():
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        raise RuntimeError("chromium is missing: ./dev test installs it (apt-get)")
    pytest.skip("chromium is not installed (./dev test installs it)",
                allow_module_level=True)

pytestmark = pytest.mark.slow


@dataclass
class Console:
    url: str
    settings: Settings
    browser: Any
    key: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def console(dash_world: DashWorld, tmp_path_factory: pytest.TempPathFactory,
            ) -> Iterator[Console]:
    from playwright.sync_api import sync_playwright

    data_dir = tmp_path_factory.mktemp("browser") / "data"
    shutil.copytree(dash_world.data_dir, data_dir)
    settings = DashWorld(data_dir).settings()
    create_operator(settings, "admin", PASSWORD, role="admin")
    create_operator(settings, "kviewer", PASSWORD, role="viewer", partner="knowledge")
    with running_api(settings, keys=False) as live, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield Console(live.url, settings, browser,
                          {p: create_key(settings, p, ("recommend", "consent")).secret
                           for p in ("knowledge", "game")})
        finally:
            browser.close()


class Watched:
    """A browser page that records console errors and failed requests."""

    def __init__(self, context: Any) -> None:
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"console: {m.text}")
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("requestfailed",
                     lambda r: self.errors.append(f"failed: {r.url} {r.failure}"))
        self.page.on("response", lambda r: self.errors.append(f"{r.status}: {r.url}")
                     if r.status >= 400 else None)


def logged_in(c: Console, user: str = "admin", lang: str = "en") -> tuple[Any, Watched]:
    context = c.browser.new_context(locale=lang, viewport={"width": 1360, "height": 900})
    w = Watched(context)
    w.page.goto(f"{c.url}/login?lang={lang}")
    w.page.fill("input[name=username]", user)
    w.page.fill("input[name=password]", PASSWORD)
    w.page.click("form[action='/login'] button[type=submit]")
    w.page.wait_for_load_state("networkidle")
    assert "/login" not in w.page.url, w.page.content()[:2000]
    return context, w


PAGES = [p.slug for p in all_pages() if not p.person_level]


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_every_page_loads_draws_its_charts_and_is_screenshot(console: Console,
                                                             lang: str) -> None:
    context, w = logged_in(console, lang=lang)
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    try:
        for slug in [*PAGES, *[p.slug for p in all_pages() if p.person_level]]:
            w.errors.clear()
            response = w.page.goto(f"{console.url}/dash/{slug}")
            assert response is not None and response.status == 200, slug
            w.page.wait_for_load_state("networkidle")
            charts = w.page.locator("figure.chart")
            for i in range(charts.count()):
                chart = charts.nth(i)
                points = int(chart.get_attribute("data-points") or 0)
                assert points > 0, (slug, chart.inner_text()[:200])
                chart.locator(".plot[data-drawn='1']").wait_for(timeout=15_000)
            assert w.page.locator("html").get_attribute("lang") == lang
            body = w.page.locator("main").inner_text()
            assert "web." not in body, (slug, body[:500])  # no raw catalog keys
            w.page.screenshot(path=str(shots / f"{slug}-{lang}.png"), full_page=True)
            assert not w.errors, (slug, w.errors)
    finally:
        context.close()


def test_pages_need_a_login(console: Console) -> None:
    context = console.browser.new_context()
    try:
        page = context.new_page()
        for slug in PAGES:
            page.goto(f"{console.url}/dash/{slug}")
            assert "/login" in page.url
            assert page.locator("input[name=password]").count() == 1
    finally:
        context.close()


def test_the_language_switch_changes_the_text(console: Console) -> None:
    context, w = logged_in(console, lang="en")
    try:
        w.page.goto(f"{console.url}/dash/{PAGES[0]}")
        english = w.page.locator("header nav").inner_text()
        w.page.click("#lang-switch")
        w.page.wait_for_load_state("networkidle")
        assert w.page.locator("html").get_attribute("lang") == "zh-CN"
        chinese = w.page.locator("header nav").inner_text()
        assert chinese != english and any("\u4e00" <= ch <= "\u9fff" for ch in chinese)
        w.page.goto(f"{console.url}/dash/{PAGES[-1]}")  # remembered on the next page
        assert w.page.locator("html").get_attribute("lang") == "zh-CN"
        w.page.click("#lang-switch")
        assert w.page.locator("html").get_attribute("lang") == "en"
    finally:
        context.close()


def test_a_form_without_its_csrf_token_is_refused(console: Console) -> None:
    context, w = logged_in(console)
    try:
        # a form the console really shows, sent as a hostile page would: no token
        w.page.goto(f"{console.url}/dash/{PAGES[0]}")
        logout = context.request.post(f"{console.url}/logout", form={})
        assert logout.status == 403
        w.page.goto(f"{console.url}/dash/{PAGES[0]}")  # still logged in
        assert "/login" not in w.page.url
        # ... and with a token made up or taken from another session
        forged = context.request.post(f"{console.url}/logout",
                                      form={"csrf_token": "a" * 32})
        assert forged.status == 403
    finally:
        context.close()


def test_a_partner_viewer_cannot_open_the_other_partners_person_pages(
        console: Console) -> None:
    person_pages = [p.slug for p in all_pages() if p.person_level]
    assert person_pages, "the console has a person-level page"
    context, w = logged_in(console, user="kviewer")
    try:
        for slug in person_pages:
            r = w.page.goto(f"{console.url}/dash/{slug}?partner=game&user=G0000001")
            assert r is not None and r.status == 403, slug
        for slug in PAGES:  # and no page shows it the other partner
            r = w.page.goto(f"{console.url}/dash/{slug}?partner=game")
            assert r is not None and r.status == 403, slug
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_privacy_centre_switching_personalisation_off_changes_the_recommendations(
        console: Console, lang: str) -> None:
    import httpx

    from tests.web.test_privacy_centre import _personalised

    person = _personalised(DashWorld(console.settings.data_dir), 0 if lang == "zh-CN" else 1)
    auth = {"Authorization": f"Bearer {console.key['knowledge']}"}
    with httpx.Client(base_url=console.url, headers=auth, timeout=60) as api:
        def recommendation() -> dict[str, Any]:
            r = api.get("/v1/recommendations", params={"user_id": person.native, "n": 5})
            assert r.status_code == 200, r.text
            out: dict[str, Any] = r.json()
            return out

        link = api.post("/v1/privacy-centre/tokens", json={"user_id": person.native,
                                                           "lang": lang})
        assert link.status_code == 201, link.text
        before = recommendation()
        assert before["personalised"], before
        context = console.browser.new_context(locale=lang)
        w = Watched(context)
        try:
            w.page.goto(console.url + link.json()["url"])
            w.page.wait_for_url("**/privacy")
            switch = w.page.locator("#purpose-personalisation")
            assert switch.get_attribute("data-state") == "on"
            assert w.page.locator("html").get_attribute("lang") == lang
            w.page.click("#switch-personalisation")
            w.page.wait_for_load_state("networkidle")
            assert w.page.locator("#purpose-personalisation").get_attribute(
                "data-state") == "off"
            shots = ARTIFACTS / "screenshots"
            shots.mkdir(parents=True, exist_ok=True)
            w.page.screenshot(path=str(shots / f"privacy-centre-{lang}.png"), full_page=True)
            assert not w.errors, w.errors
        finally:
            context.close()
        after = recommendation()
        assert not after["personalised"], after  # the very next answer
        assert [i["item_id"] for i in after["items"]] != [i["item_id"]
                                                          for i in before["items"]]
