"""The console's pages: every module ``crossplay.web.page_<slug>`` with a ``PAGE``."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from crossplay.web.page import Page, Viewer


@cache
def all_pages() -> tuple[Page, ...]:
    """Every page, in navigation order (importing them registers their catalogs)."""
    import crossplay.web as package

    names = sorted(m.name for m in pkgutil.iter_modules(package.__path__)
                   if m.name.startswith("page_"))
    pages = [importlib.import_module(f"crossplay.web.{n}").PAGE for n in names]
    return tuple(sorted(pages, key=lambda p: (p.order, p.slug)))


def page(slug: str) -> Page | None:
    return next((p for p in all_pages() if p.slug == slug), None)


def nav_pages(viewer: Viewer) -> list[Page]:
    """The pages in the navigation for this viewer (person look-ups are reached from
    their parent page, but listed too: they are where the audited reads happen)."""
    return [p for p in all_pages() if viewer.may(p.role)]
