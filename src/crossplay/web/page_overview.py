"""Overview: the seeds' KPIs (C_k, R_k, R_g, I) against the previous period, over time, and
the ROI of each campaign that has an experiment with a holdout (docs/dashboard/overview.md).

Figures: :mod:`crossplay.web.overview_kpis` (the services of ``crossplay kpi`` and
``crossplay retention``); chart: :mod:`crossplay.web.overview_charts`.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal

from crossplay.cli.i18n import coded_text
from crossplay.core.types import Partner
from crossplay.measure.kpi import Kpi
from crossplay.web import messages_overview  # noqa: F401  (registers the texts)
from crossplay.web.overview_charts import Point, kpi_line
from crossplay.web.overview_kpis import (
    KpiFigures,
    KpiKey,
    RoiRow,
    Window,
    buckets,
    choose_grain,
    data_days,
    kpi_figures,
    periods,
    roi_campaigns,
    roi_row,
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

#: most points a chart shows (a build stays a few service calls)
MAX_POINTS = 60


def _partner(req: PageRequest) -> Partner | None:
    want = req.filters.partner
    if req.viewer.partner is not None:
        if want is not None and want != req.viewer.partner:
            raise PageError(req.t("web.overview.err.partner", partner=req.viewer.partner), 403)
        return req.viewer.partner
    return want


def _span(req: PageRequest, w: Window) -> str:
    return req.t("web.overview.period", first=w.start.isoformat(), last=w.last.isoformat())


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{v:.2%}"


def _cost(req: PageRequest) -> tuple[str | None, float | None]:
    campaign = (req.params.get("campaign") or "").strip() or None
    text = (req.params.get("cost") or "").strip()
    if not text:
        return campaign, None
    try:
        cost = float(text)
    except ValueError:
        cost = math.nan
    if not math.isfinite(cost) or cost <= 0:
        raise PageError(req.t("web.overview.err.cost", cost=text), 400)
    if campaign is None:
        raise PageError(req.t("web.overview.err.cost_campaign"), 400)
    if not req.viewer.may("marketer"):
        raise PageError(req.t("web.overview.err.cost_role"), 403)
    return campaign, cost


def build(req: PageRequest) -> PageData:
    f = req.filters
    partner = _partner(req)
    asked = (req.params.get("grain") or "").strip() or None
    if asked not in (None, "auto", "day", "week"):
        raise PageError(req.t("web.overview.err.grain", grain=asked), 400)
    if f.start is not None and f.end is not None and f.start >= f.end:
        raise PageError(req.t("web.overview.err.range", start=f.start, end=f.end), 400)
    campaign, cost = _cost(req)
    known = roi_campaigns(req.settings, partner)
    if campaign is not None and campaign not in {k for k, _, _ in known}:
        raise PageError(req.t("web.overview.err.campaign", campaign=campaign,
                              known=", ".join(k for k, _, _ in known) or "–"), 404)
    data = data_days(req.settings, partner)
    if data is None:
        return PageData(sections=[], empty=req.t("web.overview.empty"))
    start, end = f.start, f.end
    if start is not None and end is None:
        end = max(data.end, start + dt.timedelta(days=1))
    if end is not None and start is None:
        start = min(data.start, end - dt.timedelta(days=1))
    shown, current, previous = periods(data, start, end)
    grain = choose_grain(shown, asked)
    cut = buckets(shown, grain)
    notes: list[Item] = []
    if len(cut) > MAX_POINTS:
        if f.start is not None or f.end is not None:
            raise PageError(req.t("web.overview.err.points", days=shown.days, n=MAX_POINTS,
                                  grain=req.t(f"m.grain.{grain}")), 400)
        cut = cut[-MAX_POINTS:]
        notes.append(Note(req.t("web.overview.note.clipped", n=MAX_POINTS,
                                grain=req.t(f"m.grain.{grain}"))))
    figs = kpi_figures(req.settings, partner, current, previous, cut)
    rois = [roi_row(req.settings, key, name, p, cost if key == campaign else None)
            for key, name, p in known]
    return PageData(sections=[
        _tiles_section(req, figs, current, previous, partner, bool(f.start or f.end)),
        _series_section(req, figs, grain, notes),
        _roi_section(req, rois, campaign),
    ])


# --- KPI tiles -----------------------------------------------------------------------------

def _name(req: PageRequest, key: str) -> str:
    return req.t(f"m.kpi.{key}")


def _tile(req: PageRequest, key: str, cur: Kpi, prev: Kpi, current: str, previous: str
          ) -> Tile:
    label = req.t("web.overview.tile", kpi=key, name=_name(req, key))
    if cur.value is None:
        return Tile(label, "–", hint=req.t("web.overview.hint.none", current=current,
                                           previous=previous))
    change: str | None = None
    trend: Literal["up", "down"] | None = None
    if prev.value is not None:
        d = (cur.value - prev.value) * 100
        change = req.t("web.overview.change", d=d)
        trend = "up" if d > 0 else "down" if d < 0 else None
    lo = cur.ci_low if cur.ci_low is not None else math.nan
    hi = cur.ci_high if cur.ci_high is not None else math.nan
    params: dict[str, Any] = {"current": current, "previous": previous, "lo": lo, "hi": hi,
                              "prev": _pct(prev.value)}
    if key == "I":
        hint = req.t("web.overview.hint.I", **params)
    else:
        hint = req.t("web.overview.hint.C_k" if key == "C_k" else "web.overview.hint.R",
                     x=cur.numerator or 0, n=cur.denominator or 0, **params)
    return Tile(label, _pct(cur.value), change, trend, hint)


def _tiles_section(req: PageRequest, figs: KpiFigures, current: Window, previous: Window,
                   partner: Partner | None, ranged: bool) -> Section:
    cur_s, prev_s = _span(req, current), _span(req, previous)
    items: list[Item] = [_tile(req, k, figs.current[k], figs.previous[k], cur_s, prev_s)
                         for k in figs.keys]
    rows = []
    for k in figs.keys:
        c, p = figs.current[k], figs.previous[k]
        change = (None if c.value is None or p.value is None
                  else round((c.value - p.value) * 100, 6))
        rows.append([k, _name(req, k), cur_s, c.value, c.ci_low, c.ci_high, c.numerator,
                     c.denominator, prev_s, p.value, change])
    col = "web.overview.col."
    items.append(Table("kpis", req.t("web.overview.tbl.kpis"),
                       [req.t(col + c) for c in ("kpi", "definition", "period", "value",
                                                  "ci_low", "ci_high", "numerator",
                                                  "denominator", "prev_period", "prev_value",
                                                  "change_pp")], rows))
    items.append(Note(req.t("web.overview.note.range_period" if ranged
                            else "web.overview.note.default_period",
                            current=cur_s, previous=prev_s)))
    items.append(Note(req.t("web.overview.note.partner")))
    if any(k in figs.keys for k in ("R_k", "R_g")):
        items.append(Note(req.t("web.overview.note.days", tz=req.settings.timezone,
                                k=req.settings.privacy_k)))
    return Section(req.t("web.overview.sec.tiles", current=cur_s, previous=prev_s), items)


# --- over time -----------------------------------------------------------------------------

def _series_section(req: PageRequest, figs: KpiFigures, grain: str, notes: list[Item]
                    ) -> Section:
    grain_name = req.t(f"m.grain.{grain}")
    items: list[Item] = list(notes)
    items.append(Note(req.t("web.overview.note.grain", grain=grain_name,
                            weeks=req.t("web.overview.note.weeks") if grain == "week" else "")))
    rows: list[list[Any]] = []
    key: KpiKey
    for key in figs.keys:
        points: list[Point] = []
        for w, values in figs.series:
            k = values[key]
            points.append((w.start.isoformat(), k.value, k.ci_low, k.ci_high))
            rows.append([key, w.start.isoformat(), w.last.isoformat(), k.value, k.ci_low,
                         k.ci_high, k.numerator, k.denominator])
        title = req.t("web.overview.chart.title", kpi=key, name=_name(req, key))
        figure = kpi_line(points, title=title,
                          x_title=req.t(f"web.overview.axis.{grain}"),
                          y_title=req.t("web.overview.axis.index" if key == "I"
                                        else "web.overview.axis.share"),
                          value_name=req.t("web.overview.legend.value"),
                          band_name=req.t("web.overview.legend.ci"))
        items.append(Chart(f"kpi_{key}", title, figure,
                           points=sum(1 for p in points if p[1] is not None)))
    col = "web.overview.col."
    items.append(Table("kpi_series", req.t("web.overview.tbl.series"),
                       [req.t(col + c) for c in ("kpi", "first", "last", "value", "ci_low",
                                                  "ci_high", "numerator", "denominator")],
                       rows))
    return Section(req.t("web.overview.sec.series", grain=grain_name), items)


# --- ROI -----------------------------------------------------------------------------------

def _roi_item(req: PageRequest, r: RoiRow) -> tuple[Tile, list[Any]]:
    """The campaign's tile and its row of the ROI table."""
    label = req.t("web.overview.roi.tile", campaign=r.campaign)
    note = (coded_text(r.error.code, r.error.params, r.error.message, __name__, lang=req.lang)
            if r.error is not None else None)
    o = r.roi or r.incremental
    if o is None:
        return Tile(label, "–", hint=note), [r.campaign, r.name, r.partner, *([None] * 13),
                                             note]
    nt, nh = req.k_suppress(o.treated), req.k_suppress(o.holdout)
    if nt is None or nh is None:  # a partner's staff: no figure of a group under k
        small = req.t("web.overview.roi.small", k=req.settings.privacy_k)
        return Tile(label, "–", hint=small), [r.campaign, r.name, r.partner,
                                              *([None] * 13), small]
    head = [r.campaign, r.name, r.partner, nt, nh, o.revenue_per_treated,
            o.revenue_per_holdout, o.incremental_revenue, o.incremental_ci[0],
            o.incremental_ci[1]]
    if r.roi is None:
        return (Tile(label, "–", hint=req.t(
                    "web.overview.roi.hint_no_cost", inc=o.incremental_revenue,
                    lo=o.incremental_ci[0], hi=o.incremental_ci[1], campaign=r.campaign)),
                [*head, None, None, None, None, None, None, note])
    source = req.t("web.overview.cost." + ("ledger" if o.cost_source == "ledger" else "given"))
    tile = Tile(label, f"{o.roi:.2f}", hint=req.t(
        "web.overview.roi.hint", inc=o.incremental_revenue, lo=o.incremental_ci[0],
        hi=o.incremental_ci[1], nt="–" if nt is None else f"{nt:,}",
        nh="–" if nh is None else f"{nh:,}", cost=o.cost, source=source, rlo=o.roi_ci[0],
        rhi=o.roi_ci[1]))
    return tile, [*head, o.cost, source, o.roi, o.roi_ci[0], o.roi_ci[1],
                  o.significant, None]


def _roi_section(req: PageRequest, rois: list[RoiRow], campaign: str | None) -> Section:
    title = req.t("web.overview.sec.roi")
    if not rois:
        return Section(title, [Note(req.t("web.overview.roi.none"))])
    items: list[Item] = []
    rows: list[list[Any]] = []
    for r in rois:
        tile, row = _roi_item(req, r)
        items.append(tile)
        rows.append(row)
    col = "web.overview.col."
    items.append(Table("roi", req.t("web.overview.tbl.roi"),
                       [req.t(col + c) for c in (
                           "campaign", "name", "partner", "treated", "holdout", "rev_treated",
                           "rev_holdout", "incremental", "inc_low", "inc_high", "cost",
                           "cost_source", "roi", "roi_low", "roi_high", "significant",
                           "note")], rows))
    # a GET form back to this page: the filters ride along as hidden fields
    f = req.filters
    keep = [Field(name, "", "hidden", value=str(value)) for name, value in (
        ("start", f.start), ("end", f.end), ("partner", f.partner),
        ("grain", req.params.get("grain"))) if value]
    items.append(Form(
        action="overview", method="get", role="marketer", title=req.t("web.overview.roi.form"),
        fields=[*keep,
                Field("campaign", req.t("web.overview.roi.field.campaign"), "select",
                      value=campaign or rois[0].campaign,
                      options=[(r.campaign, f"{r.campaign} · {r.name}" if r.name
                                else r.campaign) for r in rois], required=True),
                Field("cost", req.t("web.overview.roi.field.cost"), "number",
                      value=req.params.get("cost", ""), required=True)],
        submit=req.t("web.overview.roi.submit")))
    return Section(title, items)


PAGE = Page(slug="overview", title_key="web.nav.overview", build=build,
            filters=("start", "end", "partner"), order=10,
            sources=("lake", "ledger", "experiments"))
