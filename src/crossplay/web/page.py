"""What a dashboard page is: a pure builder from a :class:`PageRequest` to :class:`PageData`.

A page lives in its own module ``crossplay.web.page_<slug>`` with a module-level ``PAGE``
(:class:`Page`); :mod:`crossplay.web.registry` finds them. The builder reads through the
same service functions the CLI uses (never its own SQL copy of a feature) and returns
*what to show*: sections of KPI tiles, tables, Plotly figures and notes. The frame
(:mod:`crossplay.api.routes_web`) renders that with the Jinja2 templates, offers every table
as CSV and the whole page as JSON, caches it until the data change
(:mod:`crossplay.web.cache`), and checks the operator's role and partner first.

Every text a builder returns comes from a message catalog in both languages
(``req.t(key, **params)``); figures get their titles and axis labels the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from crossplay.core.settings import Settings
from crossplay.core.types import Lang, Partner

Role = Literal["viewer", "marketer", "admin"]
#: each role may do what the roles before it may
ROLES: tuple[Role, ...] = ("viewer", "marketer", "admin")
#: the filters a page may offer in its filter bar
FilterName = Literal["start", "end", "partner", "platform", "segment"]
PLATFORMS = ("knowledge", "game", "stream")


def role_at_least(role: str, needed: Role) -> bool:
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


@dataclass(frozen=True)
class Viewer:
    """Who looks: an operator's id, role and partner (``None``: joint staff, both partners).

    A partner-scoped viewer sees their own partner's data plus released aggregates only:
    joint (cross-partner) numbers about people reach them only as aggregates over groups of
    at least ``settings.privacy_k`` people (:func:`PageRequest.k_suppress`).
    """

    operator_id: str
    username: str
    role: Role
    partner: Partner | None

    @property
    def joint(self) -> bool:
        return self.partner is None

    def may(self, needed: Role) -> bool:
        return role_at_least(self.role, needed)


@dataclass(frozen=True)
class Filters:
    """The filter bar's values (all optional; a page ignores those it does not offer).

    ``end`` is the day *after* the last day shown (half-open, like the CLI's ``--end``).
    """

    start: dt.date | None = None
    end: dt.date | None = None
    partner: Partner | None = None
    platform: str | None = None
    segment: str | None = None

    def key(self) -> tuple[str, ...]:
        return (str(self.start or ""), str(self.end or ""), self.partner or "",
                self.platform or "", self.segment or "")


@dataclass
class PageRequest:
    """Everything a builder may use: settings, language, filters, viewer, query extras."""

    settings: Settings
    lang: Lang
    filters: Filters
    viewer: Viewer
    #: extra query parameters of the page (e.g. ``user`` for a person look-up), as sent
    params: Mapping[str, str] = field(default_factory=dict)
    #: the operational database engine (SQLAlchemy), shared with the API
    engine: Any = None

    def t(self, key: str, **params: Any) -> str:
        """A text from the catalogs in this request's language."""
        from crossplay.cli.i18n import Messages

        return Messages(self.lang)(key, **params)

    def k_suppress(self, n: int | float | None) -> int | float | None:
        """``n`` as a partner-scoped viewer may see a group count: ``None`` below k."""
        if n is None or self.viewer.joint:
            return n
        return n if n >= self.settings.privacy_k else None


# --- what a page shows -----------------------------------------------------------------------

@dataclass
class Tile:
    """One KPI tile: a label, a formatted value, and the change vs the previous period."""

    label: str
    value: str
    change: str | None = None
    #: "up" / "down" / None: colours the change
    trend: Literal["up", "down"] | None = None
    hint: str | None = None


@dataclass
class Table:
    """A table. ``key`` names its CSV download (``?download=<key>.csv``).

    ``rows`` hold raw values (numbers stay numbers: the CSV and JSON get them exact; the
    page formats them). ``None`` prints as "–" (suppressed or undefined).
    """

    key: str
    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    sortable: bool = True
    note: str | None = None


@dataclass
class Chart:
    """A Plotly figure as a dict (``fig.to_plotly_json()``), rendered client-side with the
    plotly.js shipped in the plotly package. ``points``: how many data points it holds
    (the browser tests check each chart holds data)."""

    key: str
    title: str
    figure: Mapping[str, Any]
    points: int = 0


@dataclass
class Note:
    text: str
    kind: Literal["info", "ok", "warn"] = "info"


@dataclass
class Field:
    """One input of a :class:`Form`."""

    name: str
    label: str
    kind: Literal["text", "number", "date", "select", "hidden", "textarea"] = "text"
    value: str = ""
    options: Sequence[tuple[str, str]] = ()  # (value, label) for selects
    required: bool = False
    #: a number input's step ("any" for fractions; the browser's default is 1)
    step: str | None = None


@dataclass
class Form:
    """A form that POSTs to ``/dash/<slug>/action/<action>`` (CSRF token added by the frame;
    the page's query — which campaign, which filters — goes along, so the operator comes
    back to the same view), or, with ``method="get"``, reloads ``/dash/<action>``.

    The page's module handles it in its ``ACTIONS`` mapping (see :class:`Page`).
    """

    action: str
    title: str
    fields: Sequence[Field]
    submit: str
    role: Role = "marketer"
    method: Literal["post", "get"] = "post"


Item = Tile | Table | Chart | Note | Form


@dataclass
class Section:
    title: str
    items: list[Item] = field(default_factory=list)


@dataclass
class PageData:
    """What a page shows, in order. ``empty``: a note telling what to run first."""

    sections: list[Section]
    empty: str | None = None

    def tables(self) -> dict[str, Table]:
        return {i.key: i for s in self.sections for i in s.items if isinstance(i, Table)}

    def charts(self) -> list[Chart]:
        return [i for s in self.sections for i in s.items if isinstance(i, Chart)]


#: an action handler: (request, form fields) -> a message to flash (already translated)
Action = Callable[[PageRequest, Mapping[str, str]], str]


@dataclass(frozen=True)
class Page:
    """A page of the console.

    - ``slug``: its path ``/dash/<slug>``; ``title_key``: its nav label's message key;
    - ``filters``: which filters its bar offers; ``order``: position in the navigation;
    - ``role``: the least role that may open it;
    - ``person_level``: shows person-level joint data (every view is audited, and only
      joint staff or the person's own partner may open it — the builder enforces which);
    - ``cacheable``: its data may be cached until the data change (person look-ups and
      pages with forms that show fresh state are not);
    - ``actions``: form actions by name (each needs ``Form.role``);
    - ``sources``: what its data come from, for the cache's data signature
      (:mod:`crossplay.web.cache`): any of ``lake``, ``derived``, ``opdb``, ``audit``.
    """

    slug: str
    title_key: str
    build: Callable[[PageRequest], PageData]
    filters: tuple[FilterName, ...] = ("start", "end", "partner")
    order: int = 100
    role: Role = "viewer"
    person_level: bool = False
    cacheable: bool = True
    actions: Mapping[str, tuple[Role, Action]] = field(default_factory=dict)
    sources: tuple[str, ...] = ("lake", "derived", "opdb")


class PageError(Exception):
    """A request the page cannot answer (bad filter, unknown id): shown, never a 500.

    ``status``: 400 bad input, 403 not allowed, 404 not found. ``message`` is translated.
    """

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status
