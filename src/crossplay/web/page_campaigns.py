"""The campaigns page: every campaign on the ledger, and for one of them (``?campaign=``,
default the one that started last) its status, points issued / redeemed / expired by day,
the budget burn-down, the dual check-in streak distribution, reward stock and ROI, with
pause and resume.

Figures come from the campaign services (:func:`crossplay.campaigns.cost.campaign_cost`,
the numbers of ``crossplay campaign status``; :func:`crossplay.measure.kpi.campaign_roi`,
``crossplay kpi --campaign``) and the ledger aggregates of
:mod:`crossplay.web.campaigns_data`. Pause and resume call the functions ``crossplay
campaign pause | resume`` call (:func:`crossplay.campaigns.engine.set_status`,
:func:`crossplay.campaigns.engine.resume`).

Campaigns are joint: a partner-scoped viewer sees no person at all here, and any figure
about fewer than ``privacy_k`` people (a day's points, a streak length, the other
partner's redemptions) is suppressed for them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from crossplay.core import clock
from crossplay.core.errors import CrossplayError
from crossplay.web import campaigns_figures as fig
from crossplay.web import messages_campaigns as _messages  # noqa: F401  (the catalog)
from crossplay.web.campaigns_data import (
    DayFlow,
    Flows,
    StoredCampaign,
    awarded_persons,
    campaign_flows,
    reward_stock,
    stored_campaigns,
    streak_distribution,
)
from crossplay.web.page import (
    Chart,
    Field,
    Form,
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

_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def _engine(req: PageRequest) -> Any:
    from crossplay.opdb import ensure_schema, get_engine

    engine = req.engine if req.engine is not None else get_engine(req.settings)
    ensure_schema(engine)
    return engine


def _name(c: StoredCampaign, req: PageRequest) -> str:
    return c.campaign.name.get(req.lang) or c.campaign.name.get("en") or c.campaign.id


def _status(req: PageRequest, status: str) -> str:
    return req.t("campaign.state." + status)


def _in_period(c: StoredCampaign, req: PageRequest) -> bool:
    f = req.filters
    return ((f.end is None or c.campaign.start < f.end)
            and (f.start is None or c.campaign.end >= f.start))


def _day_in(day: dt.date, req: PageRequest) -> bool:
    f = req.filters
    return (f.start is None or day >= f.start) and (f.end is None or day < f.end)


def _pick(req: PageRequest, every: list[StoredCampaign],
          shown: list[StoredCampaign]) -> StoredCampaign | None:
    wanted = req.params.get("campaign")
    if wanted:
        if not _ID.match(wanted):
            raise PageError(req.t("web.campaigns.bad_id"), 400)
        hit = next((c for c in every if c.campaign.id == wanted), None)
        if hit is None:
            raise PageError(req.t("web.campaigns.unknown", id=wanted), 404)
        return hit
    if not shown:
        return None
    return max(shown, key=lambda c: (c.campaign.start, c.campaign.id))


def build(req: PageRequest) -> PageData:
    from crossplay.campaigns.cost import campaign_cost

    engine = _engine(req)
    every = stored_campaigns(engine)
    if not every:
        return PageData(sections=[], empty=req.t("web.campaigns.empty"))
    shown = [c for c in every if _in_period(c, req)]
    chosen = _pick(req, every, shown)
    k = req.settings.privacy_k
    rows = []
    for c in shown:
        cost = campaign_cost(req.settings, c.campaign.id)
        hide = req.k_suppress(awarded_persons(engine, c.campaign.id)) is None
        rows.append([c.campaign.id, _name(c, req), _status(req, c.status), c.version,
                     c.campaign.start, c.campaign.end, cost.budget,
                     None if hide else cost.issued, None if hide else cost.redeemed,
                     None if hide else cost.budget_left,
                     None if hide else float(cost.cost_yuan)])
    listing: list[Item] = [Table(
        "campaigns", req.t("web.campaigns.list"),
        [req.t("web.campaigns.col.id"), req.t("web.campaigns.col.name"),
         req.t("web.campaigns.col.status"), req.t("web.campaigns.col.version"),
         req.t("web.campaigns.col.start"), req.t("web.campaigns.col.end"),
         req.t("web.campaigns.col.budget"), req.t("campaign.issued"),
         req.t("campaign.redeemed"), req.t("campaign.budget_left"), req.t("campaign.cost")],
        rows)]
    if not shown:
        listing.append(Note(req.t("web.campaigns.none_in_period")))
    if not req.viewer.joint:
        listing.append(Note(req.t("web.campaigns.suppressed", k=k)))
    sections = [Section(req.t("web.campaigns.list"), listing)]
    if chosen is not None:
        sections += _detail(req, engine, chosen)
    return PageData(sections=sections)


def _detail(req: PageRequest, engine: Any, c: StoredCampaign) -> list[Section]:
    from crossplay.campaigns.cost import campaign_cost

    camp = c.campaign
    cost = campaign_cost(req.settings, camp.id)
    persons = awarded_persons(engine, camp.id)
    flows = campaign_flows(engine, camp, clock.now().date())
    hide = req.k_suppress(persons) is None
    expired = sum(f.points for f in flows.expired)

    def total(v: int) -> str:
        return "–" if hide else f"{v:,}"

    tiles: list[Item] = [
        Note(req.t("web.campaigns.window", start=camp.start, end=camp.end, zone=camp.timezone,
                   value=camp.point_value_yuan)),
        Tile(req.t("web.campaigns.tile.status"), _status(req, c.status)),
        Tile(req.t("campaign.awarded_persons"), _count(_people(req.k_suppress(persons)))),
        Tile(req.t("campaign.issued"), total(cost.issued)),
        Tile(req.t("campaign.reversed"), total(cost.clawed_back)),
        Tile(req.t("campaign.redeemed"), total(cost.redeemed)),
        Tile(req.t("web.campaigns.col.expired"), total(expired)),
        Tile(req.t("web.campaigns.tile.budget_left"), total(cost.budget_left),
             hint=req.t("web.campaigns.tile.budget_of", budget=cost.budget)),
        Tile(req.t("campaign.cost"), "–" if hide else f"{cost.cost_yuan:,.2f}"),
    ]
    if hide:
        tiles.append(Note(req.t("web.campaigns.totals_hidden", k=req.settings.privacy_k),
                          "warn"))
    tiles += _forms(req, c)
    title = req.t("web.campaigns.detail", name=_name(c, req), id=camp.id, version=c.version)
    return [Section(title, tiles), _flows_section(req, flows, hide),
            _streaks_section(req, engine, c), _rewards_section(req, engine, c),
            _roi_section(req, camp.id)]


def _count(n: int | None) -> str:
    return "–" if n is None else f"{n:,}"


def _forms(req: PageRequest, c: StoredCampaign) -> list[Item]:
    if not req.viewer.may("marketer"):
        return []
    hidden = [Field("campaign", "campaign", "hidden", c.campaign.id)]
    if c.status == "paused":
        return [Form("resume", req.t("web.campaigns.resume", id=c.campaign.id), hidden,
                     req.t("web.campaigns.resume_submit"), role="marketer")]
    forms: list[Item] = [Form("pause", req.t("web.campaigns.pause", id=c.campaign.id), hidden,
                              req.t("web.campaigns.pause_submit"), role="marketer")]
    if c.status == "budget_exhausted":
        forms.append(Form("resume", req.t("web.campaigns.resume", id=c.campaign.id), hidden,
                          req.t("web.campaigns.resume_submit"), role="marketer"))
    return forms


def _shown(req: PageRequest, f: DayFlow | None) -> tuple[int | None, int | None]:
    """(points, people) of a day as this viewer may see them."""
    if f is None:
        return 0, 0
    people = _people(req.k_suppress(f.persons))
    return (None, None) if people is None else (f.points, people)


def _flows_section(req: PageRequest, flows: Flows, hide: bool) -> Section:
    issued = {f.day: f for f in flows.issued}
    redeemed = {f.day: f for f in flows.redeemed}
    expired = {f.day: f for f in flows.expired}
    left = dict(flows.budget_left)
    rows: list[list[Any]] = []
    running = flows.funded  # the budget left at the end of each day, carried over days
    for d in sorted({*issued, *redeemed, *expired, *left}):
        running = left.get(d, running)
        if not _day_in(d, req):
            continue
        i_pts, i_n = _shown(req, issued.get(d))
        r_pts, r_n = _shown(req, redeemed.get(d))
        e_pts, e_n = _shown(req, expired.get(d))
        # a day whose awards are hidden hides the budget left after it too
        budget_left = None if hide or i_pts is None else running
        rows.append([d, i_pts, i_n, r_pts, r_n, e_pts, e_n, budget_left])
    days = [r[0] for r in rows]
    labels = [req.t("campaign.issued"), req.t("campaign.redeemed"),
              req.t("web.campaigns.col.expired")]
    items: list[Item] = []
    points = sum(1 for r in rows for v in (r[1], r[3], r[5]) if v)
    if rows and not points:  # every day is about fewer than k people
        items.append(Note(req.t("web.campaigns.suppressed", k=req.settings.privacy_k)))
    elif rows:
        xs = [d.isoformat() for d in days]
        items.append(Chart("points_by_day", req.t("web.campaigns.flows_chart"),
                           fig.points_by_day(xs, [(labels[0], [r[1] for r in rows]),
                                                  (labels[1], [r[3] for r in rows]),
                                                  (labels[2], [r[5] for r in rows])],
                                             title=req.t("web.campaigns.flows_chart"),
                                             x_title=req.t("web.campaigns.axis.day"),
                                             y_title=req.t("web.campaigns.axis.points")),
                           points=points))
    burn = [(r[0].isoformat(), r[7]) for r in rows]
    if any(b[1] is not None for b in burn):
        items.append(Chart("budget_burn_down", req.t("web.campaigns.burn_chart"),
                           fig.burn_down([b[0] for b in burn], [b[1] for b in burn],
                                         flows.funded, title=req.t("web.campaigns.burn_chart"),
                                         x_title=req.t("web.campaigns.axis.day"),
                                         y_title=req.t("web.campaigns.axis.points"),
                                         left_name=req.t("campaign.budget_left"),
                                         total_name=req.t("web.campaigns.funded")),
                           points=sum(1 for b in burn if b[1] is not None)))
    if not rows:
        items.append(Note(req.t("web.campaigns.no_flows")))
    items.append(Table("points_by_day", req.t("web.campaigns.flows_table"), [
        req.t("campaign.col_day"), labels[0], req.t("web.campaigns.col.issued_persons"),
        labels[1], req.t("web.campaigns.col.redeemed_persons"), labels[2],
        req.t("web.campaigns.col.expired_persons"), req.t("campaign.budget_left")], rows))
    return Section(req.t("web.campaigns.flows"), items)


def _streaks_section(req: PageRequest, engine: Any, c: StoredCampaign) -> Section:
    title = req.t("web.campaigns.streaks")
    cfg = c.campaign.checkins
    if cfg is None:
        return Section(title, [Note(req.t("web.campaigns.no_checkins"))])
    dist = streak_distribution(engine, c.campaign)
    if not dist:
        return Section(title, [Note(req.t("web.campaigns.no_streaks"))])
    lengths = list(dist)
    people = [_people(req.k_suppress(n)) for n in dist.values()]
    items: list[Item] = []
    if any(n is not None for n in people):
        chart = fig.streaks(lengths, people, sorted(cfg.streak_bonus),
                            title=req.t("web.campaigns.streaks_chart"),
                            x_title=req.t("web.campaigns.axis.streak"),
                            y_title=req.t("web.campaigns.axis.persons"),
                            milestone_name=req.t("web.campaigns.milestone"))
        items.append(Chart("streaks", req.t("web.campaigns.streaks_chart"), chart,
                           points=sum(1 for n in people if n is not None)))
    else:
        items.append(Note(req.t("web.campaigns.suppressed", k=req.settings.privacy_k)))
    items.append(Table("streaks", req.t("web.campaigns.streaks_table"),
                       [req.t("campaign.col_best"), req.t("web.campaigns.col.persons")],
                       [[length, n] for length, n in zip(lengths, people, strict=True)]))
    return Section(title, items)


def _people(n: int | float | None) -> int | None:
    return None if n is None else int(n)


def _rewards_section(req: PageRequest, engine: Any, c: StoredCampaign) -> Section:
    title = req.t("web.campaigns.rewards")
    titles = {r.id: r.title.get(req.lang) or r.title.get("en") for r in c.campaign.rewards}
    partner = req.filters.partner
    stock = [r for r in reward_stock(engine, c.campaign.id)
             if partner is None or r.partner == partner]
    if not stock:
        return Section(title, [Note(req.t("web.campaigns.no_rewards"))])
    rows: list[list[Any]] = []
    for r in stock:
        # the partner who fulfils a reward knows who redeemed it; the other one sees
        # redemption counts only over k people
        mine = req.viewer.joint or req.viewer.partner == r.partner
        reserved = r.reserved if mine else _people(req.k_suppress(r.reserved))
        redeemed = r.redeemed if mine else _people(req.k_suppress(r.redeemed))
        rows.append([r.reward_id, titles.get(r.reward_id) or r.reward_id,
                     req.t("web.partner." + r.partner), r.cost, r.currency, r.stock, reserved,
                     redeemed])
    parts = [(req.t("campaign.col_stock"), [r[5] for r in rows]),
             (req.t("campaign.col_reserved"), [r[6] for r in rows]),
             (req.t("campaign.col_redeemed"), [r[7] for r in rows])]
    return Section(title, [
        Chart("stock", req.t("web.campaigns.stock_chart"),
              fig.stock([str(r[1]) for r in rows], parts,
                        title=req.t("web.campaigns.stock_chart"),
                        x_title=req.t("web.campaigns.axis.reward"),
                        y_title=req.t("web.campaigns.axis.units")),
              points=len(rows)),
        Table("rewards", title, [req.t("campaign.col_reward"), req.t("web.campaigns.col.title"),
                                 req.t("campaign.col_partner"), req.t("campaign.col_cost"),
                                 req.t("web.campaigns.col.currency"),
                                 req.t("campaign.col_stock"),
                                 req.t("campaign.col_reserved"),
                                 req.t("campaign.col_redeemed")], rows)])


def _roi_section(req: PageRequest, campaign_id: str) -> Section:
    from crossplay.cli.i18n import coded_text
    from crossplay.measure.kpi import campaign_roi

    title = req.t("web.campaigns.roi")
    try:
        roi = campaign_roi(req.settings, campaign_id, None)
    except CrossplayError as exc:
        why = coded_text(exc.code, exc.params, exc.message, lang=req.lang)
        return Section(title, [Note(req.t("web.campaigns.roi_missing", why=why.rstrip("."),
                                          id=campaign_id))])
    treated = _people(req.k_suppress(roi.treated))
    holdout = _people(req.k_suppress(roi.holdout))
    if treated is None or holdout is None:
        return Section(title, [Note(req.t("web.campaigns.suppressed",
                                          k=req.settings.privacy_k), "warn")])
    items: list[Item] = [
        Tile(req.t("web.campaigns.roi_value"),
             f"{roi.roi:.2f} [{roi.roi_ci[0]:.2f}, {roi.roi_ci[1]:.2f}]",
             trend="up" if roi.significant and roi.roi > 0 else
             "down" if roi.significant else None),
        Tile(req.t("web.campaigns.roi_incremental"),
             f"{roi.incremental_revenue:,.2f} [{roi.incremental_ci[0]:,.2f}, "
             f"{roi.incremental_ci[1]:,.2f}]"),
        Tile(req.t("web.campaigns.roi_cost",
                   source=req.t("web.campaigns.roi_source." + roi.cost_source)),
             f"{roi.cost:,.2f}"),
        Tile(req.t("web.campaigns.roi_groups"), f"{treated:,} / {holdout:,}")]
    if not roi.significant:
        items.append(Note(req.t("m.roi.ns")))
    return Section(title, items)


# --- actions ------------------------------------------------------------------------------

def _target(req: PageRequest, form: Mapping[str, str]) -> tuple[Any, StoredCampaign]:
    """The campaign a pause / resume names, after the checks every action makes."""
    if not req.viewer.may("marketer"):
        raise PageError(req.t("web.error.role", role=req.t(f"web.role.{req.viewer.role}"),
                              needed=req.t("web.role.marketer")), 403)
    cid = (form.get("campaign") or "").strip()
    if not _ID.match(cid):
        raise PageError(req.t("web.campaigns.bad_id"), 400)
    engine = _engine(req)
    hit = next((c for c in stored_campaigns(engine) if c.campaign.id == cid), None)
    if hit is None:
        raise PageError(req.t("web.campaigns.unknown", id=cid), 404)
    return engine, hit


def pause(req: PageRequest, form: Mapping[str, str]) -> str:
    """``crossplay campaign pause``: stop awarding until resumed."""
    from crossplay.campaigns.engine import set_status

    engine, c = _target(req, form)
    if c.status == "paused":
        raise PageError(req.t("web.campaigns.already_paused", id=c.campaign.id), 400)
    set_status(engine, c.campaign.id, "paused")
    return req.t("campaign.paused", id=c.campaign.id)


def resume(req: PageRequest, form: Mapping[str, str]) -> str:
    """``crossplay campaign resume``: award again (a spent budget says it cannot)."""
    from crossplay.campaigns.engine import resume as resume_campaign

    engine, c = _target(req, form)
    if c.status == "active":
        raise PageError(req.t("web.campaigns.not_paused", id=c.campaign.id,
                              status=_status(req, c.status)), 400)
    r = resume_campaign(engine, c.campaign.id)
    key = ("web.campaigns.resume_exhausted" if not r.will_award else
           "web.campaigns.resume_short" if r.budget_short else "campaign.resumed")
    return req.t(key, id=r.campaign_id, left=r.budget_left, budget=r.budget)


PAGE = Page(slug="campaigns", title_key="web.nav.campaigns", build=build,
            filters=("start", "end", "partner"), order=70,
            sources=("lake", "ledger", "experiments"),
            actions={"pause": ("marketer", pause), "resume": ("marketer", resume)})
