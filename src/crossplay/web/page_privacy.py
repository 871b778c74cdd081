"""The privacy page: consent, links, releases, the DP budget and the audit chain.

Every figure comes from the privacy stores through the functions the CLI uses, or from
:mod:`crossplay.web.privacy_stats` where no service counts it yet:

- consent rates per partner and purpose (``consents_current``; ``crossplay consent set``
  records decisions);
- links by method, and persons usable across partners per purpose
  (:func:`crossplay.privacy.policy.linked_persons_sql`);
- the exact release tables frozen per query and period, with their suppressed groups
  (what ``crossplay release NAME --for P`` serves);
- ε left per partner (:func:`crossplay.privacy.release.spent`) and spent per period;
- the audit chain's verification (:func:`crossplay.privacy.audit.verify`, ``crossplay
  audit verify``) and its entries per day and action.

Partner-scoped viewers see their own partner's consent and budget; link counts are joint
figures, so they reach them k-suppressed; releases are what both partners receive anyway.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import plotly.graph_objects as go

from crossplay.cli.i18n import Messages, coded_text
from crossplay.core.types import PARTNERS, Partner
from crossplay.web import messages_privacy as _messages  # noqa: F401  (registers the catalog)
from crossplay.web import privacy_stats as stats
from crossplay.web.page import (
    Chart,
    Item,
    Note,
    Page,
    PageData,
    PageError,
    PageRequest,
    Section,
    Table,
    Tile,
)

DASH = "–"


def _count(n: int | float | None) -> str:
    return DASH if n is None else f"{n:,}"


def _share(n: int | float | None, total: int | float | None) -> float | None:
    if n is None or not total:
        return None
    return round(n / total, 4)


def _chart(key: str, title: str, fig: go.Figure, points: int) -> Chart:
    fig.update_layout(title=title, margin={"t": 60, "l": 60, "r": 20, "b": 60})
    return Chart(key, title, fig.to_plotly_json(), points)


def _engine(req: PageRequest) -> Any:
    from crossplay.privacy.audit import engine_for

    return req.engine if req.engine is not None else engine_for(req.settings)


def _partners(req: PageRequest) -> tuple[Partner, ...]:
    return (req.filters.partner,) if req.filters.partner else PARTNERS


def _partner_name(req: PageRequest, partner: str) -> str:
    return req.t(f"web.privacy.partner.{partner}") if partner in PARTNERS else partner


# --- consent --------------------------------------------------------------------------------

def _consent(req: PageRequest) -> tuple[Section, list[stats.ConsentRate]]:
    rates = stats.consent_rates(req.settings, req.filters.partner)
    purpose = {r.purpose: req.t(f"consent.purpose.{r.purpose}") for r in rates}
    rows = [[_partner_name(req, r.partner), purpose[r.purpose], r.users, r.granted, r.refused,
             r.undecided, _share(r.granted, r.users), _share(r.refused, r.users)]
            for r in rates]
    cols = [req.t(f"web.privacy.col.{c}") for c in (
        "partner", "purpose", "users", "granted", "refused", "undecided", "granted_rate",
        "refused_rate")]
    fig = go.Figure()
    for p in _partners(req):
        mine = [r for r in rates if r.partner == p]
        fig.add_trace(go.Bar(name=_partner_name(req, p), x=[purpose[r.purpose] for r in mine],
                             y=[_share(r.granted, r.users) for r in mine],
                             text=[f"{(_share(r.granted, r.users) or 0):.0%}" for r in mine],
                             textposition="outside"))
    fig.update_layout(barmode="group", yaxis={"tickformat": ".0%", "range": [0, 1.05],
                                              "title": req.t("web.privacy.axis.share")},
                      xaxis_title=req.t("web.privacy.col.purpose"))
    items: list[Item] = [
        Table("consent", req.t("web.privacy.table.consent"), cols, rows),
        _chart("consent", req.t("web.privacy.chart.consent"), fig, len(rates)),
        Note(req.t("web.privacy.note.consent")),
    ]
    return Section(req.t("web.privacy.sec.consent"), items), rates


# --- links ----------------------------------------------------------------------------------

def _method_name(req: PageRequest, method: str) -> str:
    return req.t(f"web.privacy.method.{method}") if method in ("binding", "psi") else method


def _links(req: PageRequest) -> tuple[Section, stats.LinkSummary]:
    f = req.filters
    summary = stats.link_counts(req.settings, f.start, f.end)
    ks = req.k_suppress
    rows = [[_method_name(req, c.method), ks(c.links), ks(c.active), ks(c.revoked)]
            for c in summary.by_method]
    usable = [[req.t(f"web.privacy.usable.{p}"), ks(n)] for p, n in summary.usable.items()]
    fig = go.Figure()
    names = [_method_name(req, c.method) for c in summary.by_method]
    for state, col in (("active", 2), ("revoked", 3)):
        fig.add_trace(go.Bar(name=req.t(f"web.privacy.state.{state}"), x=names,
                             y=[r[col] for r in rows]))
    fig.update_layout(barmode="stack", yaxis_title=req.t("web.privacy.col.links"),
                      xaxis_title=req.t("web.privacy.col.method"))
    points = sum(r[c] is not None for r in rows for c in (2, 3))
    items: list[Item] = [
        Table("links", req.t("web.privacy.table.links"),
              [req.t(f"web.privacy.col.{c}") for c in ("method", "links", "active", "revoked")],
              rows),
        _chart("links", req.t("web.privacy.chart.links"), fig, points),
        Table("usable", req.t("web.privacy.table.usable"),
              [req.t("web.privacy.col.condition"), req.t("web.privacy.col.persons")], usable,
              sortable=False),
        Note(req.t("web.privacy.note.links")),
    ]
    if not req.viewer.joint:
        items.append(Note(req.t("web.privacy.note.k", k=req.settings.privacy_k)))
    return Section(req.t("web.privacy.sec.links"), items), summary


# --- releases -------------------------------------------------------------------------------

def _group(msg: Messages, dims: list[str], row: dict[str, Any]) -> str:
    from crossplay.cli.release_view import group_name

    return " × ".join(group_name(msg, d, str(row[d])) for d in dims)


def _refusal(req: PageRequest, reason: dict[str, Any] | None) -> str | None:
    if not reason:
        return None
    from crossplay.privacy.release_periods import withheld

    code, params = str(reason.get("code", "")), dict(reason.get("params") or {})
    try:
        english = withheld(code, **params).message
    except (KeyError, TypeError):
        return code
    return coded_text(code, params, english, "crossplay.privacy.release_periods",
                      lang=req.lang)


def _releases(req: PageRequest) -> tuple[Section, list[stats.Snapshot]]:
    from crossplay.privacy.aggregates import QUERIES

    f = req.filters
    snaps = stats.snapshots(_engine(req), f.start, f.end)
    msg = Messages(req.lang)
    rows, groups = [], []
    for s in snaps:
        about = (req.t(f"releases.about.{s.query}") if s.query in QUERIES else s.query)
        rows.append([s.query, about, s.period, req.t(f"web.privacy.status.{s.status}"),
                     s.created_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M"),
                     req.k_suppress(s.members), s.groups if s.rows is not None else None,
                     s.groups - s.suppressed if s.rows is not None else None,
                     s.suppressed if s.rows is not None else None,
                     _refusal(req, s.reason)])
        q = QUERIES.get(s.query)
        if q is None or s.rows is None:
            continue
        for r in s.rows:
            groups.append([s.query, s.period, _group(msg, list(q.dims), r),
                           r.get("people"), bool(r.get("suppressed"))])
    cols = [req.t(f"web.privacy.col.{c}") for c in (
        "query", "about", "period", "status", "computed", "members", "groups", "released",
        "suppressed", "reason")]
    items: list[Item] = [Note(req.t("web.privacy.note.releases", k=req.settings.privacy_k))]
    if not snaps:
        items.append(Note(req.t("web.privacy.note.no_releases"), "warn"))
    items.append(Table("releases", req.t("web.privacy.table.releases"), cols, rows))
    if groups:
        items.append(Table("release_groups", req.t("web.privacy.table.groups"),
                           [req.t("web.privacy.col.query"), req.t("web.privacy.col.period"),
                            req.t("web.privacy.col.group"), req.t("release.col.people"),
                            req.t("web.privacy.col.suppressed")], groups))
    return Section(req.t("web.privacy.sec.releases"), items), snaps


# --- budget ---------------------------------------------------------------------------------

def _budget(req: PageRequest) -> tuple[Section, dict[str, float]]:
    from crossplay.privacy.release import spent

    f = req.filters
    budget = req.settings.privacy_epsilon_budget
    engine = _engine(req)
    periods = stats.budget_by_period(engine, f.partner, f.start, f.end)
    left: dict[str, float] = {}
    rows = []
    for p in _partners(req):
        used = spent(req.settings, p)
        left[p] = round(budget - used, 6)
        noisy = sum(s.releases for s in stats.budget_by_period(engine, p))
        rows.append([_partner_name(req, p), budget, round(used, 6), left[p], noisy])
    items: list[Item] = [
        Table("budget", req.t("web.privacy.table.budget"),
              [req.t(f"web.privacy.col.{c}") for c in ("partner", "budget", "spent", "left",
                                                       "noisy")], rows),
        Table("budget_periods", req.t("web.privacy.table.budget_periods"),
              [req.t(f"web.privacy.col.{c}") for c in ("partner", "period", "spent", "noisy")],
              [[_partner_name(req, s.partner), s.period, s.epsilon, s.releases]
               for s in periods]),
        Note(req.t("web.privacy.note.budget", budget=budget)),
    ]
    if not periods:
        items.append(Note(req.t("web.privacy.note.no_spend")))
    return Section(req.t("web.privacy.sec.budget"), items), left


# --- audit ----------------------------------------------------------------------------------

def _audit(req: PageRequest) -> tuple[Section, Any]:
    from crossplay.privacy.audit import verify

    f = req.filters
    res = verify(req.settings)
    counts = stats.audit_counts(_engine(req), f.start, f.end)
    short = res.head_hash[:12]
    items: list[Item] = []
    if res.entries == 0:
        items.append(Note(req.t("web.privacy.note.audit_empty")))
    elif res.ok:
        items.append(Note(req.t("web.privacy.note.audit_ok", n=res.entries, seq=res.head_seq,
                                hash=res.head_hash), "ok"))
    else:
        items.append(Note(req.t("web.privacy.note.audit_bad", n=res.entries,
                                seq=res.head_seq, hash=short), "warn"))
        items += [Note(req.t(f"audit.problem.{p.kind}", **p.values), "warn")
                  for p in res.issues]
    days = sorted({c.day for c in counts})
    fig = go.Figure()
    for action in sorted({c.action for c in counts}):
        per = {c.day: c.entries for c in counts if c.action == action}
        fig.add_trace(go.Bar(name=action, x=days, y=[per.get(d, 0) for d in days]))
    fig.update_layout(barmode="stack", xaxis={"title": req.t("web.privacy.col.day"),
                                              "type": "category"},
                      yaxis_title=req.t("web.privacy.col.entries"))
    items += [
        _chart("audit", req.t("web.privacy.chart.audit"), fig, len(counts)),
        Table("audit", req.t("web.privacy.table.audit"),
              [req.t("web.privacy.col.day"), req.t("audit.col.action"),
               req.t("web.privacy.col.entries")],
              [[c.day, c.action, c.entries] for c in counts]),
        Note(req.t("web.privacy.note.audit_window")),
    ]
    return Section(req.t("web.privacy.sec.audit"), items), res


# --- the page -------------------------------------------------------------------------------

def build(req: PageRequest) -> PageData:
    f = req.filters
    if f.start and f.end and f.start >= f.end:
        raise PageError(req.t("web.privacy.err.dates"), 400)
    if not req.viewer.joint and f.partner != req.viewer.partner:
        raise PageError(req.t("web.privacy.err.partner"), 403)
    consent, _ = _consent(req)
    links, summary = _links(req)
    releases, snaps = _releases(req)
    budget, left = _budget(req)
    audit, res = _audit(req)
    tiles: list[Item] = [
        Tile(req.t("web.privacy.tile.links"), _count(req.k_suppress(summary.active_now))),
        Tile(req.t("web.privacy.tile.usable"),
             _count(req.k_suppress(summary.usable.get("linking", 0))),
             hint=req.t("web.privacy.tile.usable_hint")),
        Tile(req.t("web.privacy.tile.releases"),
             f"{sum(s.status == 'released' for s in snaps):,}"),
        *(Tile(req.t("web.privacy.tile.budget", partner=_partner_name(req, p)), f"{v:g}",
               hint=req.t("web.privacy.tile.budget_hint",
                          budget=req.settings.privacy_epsilon_budget))
          for p, v in left.items()),
        Tile(req.t("web.privacy.tile.audit"),
             req.t("web.privacy.tile.audit_ok" if res.ok else "web.privacy.tile.audit_bad"),
             hint=req.t("web.privacy.tile.audit_hint", n=f"{res.entries:,}"),
             trend=None if res.ok else "down"),
    ]
    return PageData([Section(req.t("web.privacy.sec.summary"), tiles), consent, links,
                     releases, budget, audit])


PAGE = Page(slug="privacy", title_key="web.nav.privacy", build=build,
            filters=("start", "end", "partner"), order=30,
            sources=("lake", "derived", "privacy", "audit"))
