"""Every page of the console, for every kind of viewer, in both languages: it builds on
the demo world without an error and without a text missing from a catalog."""

from __future__ import annotations

import pytest

from crossplay.cli.i18n import clear_misses, misses
from crossplay.opdb import ensure_schema, get_engine
from crossplay.web.page import Filters, PageError, PageRequest, Viewer
from crossplay.web.registry import all_pages
from tests.web.conftest import DashWorld

VIEWERS = (Viewer("op_joint", "joint", "admin", None),
           Viewer("op_k", "kview", "viewer", "knowledge"),
           Viewer("op_g", "gview", "viewer", "game"))


def test_the_console_has_the_pages_the_issue_names() -> None:
    slugs = {p.slug for p in all_pages()}
    assert {"overview", "data", "privacy", "behaviour", "mining", "recommend", "campaigns",
            "experiments"} <= slugs
    assert any(p.person_level for p in all_pages())
    for p in all_pages():
        assert not (p.person_level and p.cacheable), p.slug  # person views are audited each


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_every_page_builds_for_every_viewer(dash_world: DashWorld, lang: str) -> None:
    settings = dash_world.settings()
    engine = get_engine(settings)
    ensure_schema(engine)
    clear_misses()
    for page in all_pages():
        if page.person_level:
            continue  # a person look-up writes an audit entry: its own tests
        for viewer in VIEWERS:
            if not viewer.may(page.role):
                continue
            req = PageRequest(settings=settings, lang=lang,  # type: ignore[arg-type]
                              filters=Filters(partner=viewer.partner), viewer=viewer,
                              engine=engine)
            try:
                data = page.build(req)
            except PageError as exc:  # pragma: no cover - a failure to report
                pytest.fail(f"{page.slug} for {viewer.username}: {exc.message}")
            assert data.sections or data.empty, (page.slug, viewer.username)
    assert not misses(), misses()[:5]
