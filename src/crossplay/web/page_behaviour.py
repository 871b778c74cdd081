"""The behaviour page: funnels, retention cohorts, paths, churn drivers, Kaplan–Meier.

Each section calls the service the CLI command calls, with the page's filters:

- funnel: :func:`crossplay.measure.funnel.funnel` (``crossplay funnel STEPS``), by default
  one that crosses platforms and partners (watch a stream → play → view a course → buy);
  a platform filter shows that platform's own funnel; ``?steps=`` and ``?within=`` choose
  others;
- retention: :func:`crossplay.measure.retention.retention` (``crossplay retention``) per
  platform, as a cohort heatmap (``?cohort=``, ``?days=``);
- paths: :func:`crossplay.mining.paths.load_journeys`, ``path_table`` and ``sankey`` (what
  ``crossplay paths`` runs, without storing a file), to the first purchase and to churn;
- churn drivers: the report of ``crossplay churn fit``
  (:func:`crossplay.mining.churn_job.load_churn_report`);
- Kaplan–Meier: :func:`crossplay.mining.churn.kaplan_meier` by the segments of ``crossplay
  segments fit``.

The scope of paths, churn and Kaplan–Meier is the partner filter's partner (its own users)
or, without one, the joint scope (linked persons). A partner-scoped viewer therefore sees
their own users there, their own platforms' retention, and joint funnels only with every
count under k hidden.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from crossplay.cli.i18n import coded_text, origin_of
from crossplay.core.errors import CrossplayError, NotFoundError
from crossplay.core.types import PARTNER_PLATFORMS, PLATFORMS, Partner, Platform
from crossplay.web import behaviour_charts as charts
from crossplay.web import messages_behaviour as _messages  # noqa: F401  (registers the catalog)
from crossplay.web.behaviour_paths import (
    LIVE_PATHS_MAX_UNITS,
    live_paths,
    mining_file,
    stored_paths,
)
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
)

#: the default funnel of each platform filter (None: one that crosses every platform)
DEFAULT_STEPS: dict[str | None, tuple[str, ...]] = {
    None: ("stream:watch", "game:session", "knowledge:course_view", "knowledge:purchase"),
    "knowledge": ("knowledge:course_view", "knowledge:purchase", "knowledge:enroll",
                  "knowledge:lesson_watch"),
    "game": ("game:session", "game:level_clear", "game:achievement", "game:purchase"),
    "stream": ("stream:watch", "stream:chat", "stream:follow", "stream:gift"),
}
PLATFORM_PARTNER: dict[str, Partner] = {"knowledge": "knowledge", "game": "game",
                                        "stream": "game"}
GRAINS = ("day", "week", "month")
#: the days Kaplan–Meier reports (:func:`crossplay.mining.churn.kaplan_meier`)
KM_DAYS = (1, 7, 14, 28)
_PREFIX = {"knowledge": "k", "game": "g", "stream": "s"}


@dataclass(frozen=True)
class Options:
    """The page's parameters, checked."""

    steps: tuple[str, ...]
    parsed: tuple[Any, ...]  # the steps as :class:`crossplay.measure.funnel.Step`
    within: int
    cohort: str
    days: list[int]
    churn_days: int
    segment: int | None
    scope: str  # joint, knowledge or game


def _bad(req: PageRequest, exc: CrossplayError, status: int = 400) -> PageError:
    return PageError(coded_text(exc.code, exc.params, exc.message, origin_of(exc),
                                lang=req.lang), status)


def _int(req: PageRequest, name: str, default: int, low: int, high: int) -> int:
    raw = req.params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise PageError(req.t("web.behaviour.err.int", name=name, low=low, high=high,
                              value=raw), 400)
    return value


def _options(req: PageRequest) -> Options:
    from crossplay.measure.errors import MeasureError
    from crossplay.measure.funnel import Step
    from crossplay.measure.retention import parse_days

    f = req.filters
    if f.start and f.end and f.start >= f.end:
        raise PageError(req.t("web.behaviour.err.dates"), 400)
    if f.platform is not None and f.platform not in PLATFORMS:
        raise PageError(req.t("web.behaviour.err.platform", value=f.platform), 400)
    if not req.viewer.joint and (f.partner != req.viewer.partner or (
            f.platform and PLATFORM_PARTNER[f.platform] != req.viewer.partner)):
        raise PageError(req.t("web.behaviour.err.other_partner"), 403)
    if f.platform and f.partner and PLATFORM_PARTNER[f.platform] != f.partner:
        raise PageError(req.t("web.behaviour.err.platform_partner", platform=f.platform,
                              partner=f.partner), 400)
    raw_steps = (req.params.get("steps") or "").strip()
    steps = (tuple(s for s in re.split(r"[,\s]+", raw_steps) if s) if raw_steps
             else DEFAULT_STEPS[f.platform])
    try:
        parsed = tuple(Step.parse(s) for s in steps)
    except MeasureError as exc:
        raise _bad(req, exc) from None
    partners = {s.partner for s in parsed}
    if len(partners) == 1 and not req.viewer.joint and partners != {req.viewer.partner}:
        raise PageError(req.t("web.behaviour.err.other_partner"), 403)
    cohort = req.params.get("cohort") or "week"
    if cohort not in GRAINS:
        raise PageError(req.t("web.behaviour.err.cohort", value=cohort), 400)
    try:
        days = parse_days(req.params.get("days") or "1,3,7,14")
    except MeasureError as exc:
        raise _bad(req, exc) from None
    segment: int | None = None
    if f.segment not in (None, ""):
        try:
            segment = int(str(f.segment).removeprefix("segment").strip())
        except ValueError:
            raise PageError(req.t("web.behaviour.err.segment", value=f.segment), 400) from None
    return Options(steps, parsed, _int(req, "within", 7, 1, 365), cohort, days,
                   _int(req, "churn_days", 7, 1, 60), segment, f.partner or "joint")


def _count(n: int | None) -> str:
    return "–" if n is None else f"{n:,}"


# --- names ----------------------------------------------------------------------------------

def _scope_name(req: PageRequest, scope: str) -> str:
    return req.t(f"mining.scope.{scope}")


def _step_label(req: PageRequest, step: Any) -> str:
    """A funnel step (:class:`crossplay.measure.funnel.Step`) in the reader's language."""
    from crossplay.mining.paths import STEP_NAMES, step_name

    code = f"{_PREFIX[step.platform]}:{step.event_type}"
    event = (step_name(code, req.lang) if code in STEP_NAMES
             else req.t("web.behaviour.event.purchase") if step.event_type == "purchase"
             else step.event_type)
    label = f"{req.t(f'web.behaviour.platform.{step.platform}')} · {event}"
    return label + (f" ({step.item_type})" if step.item_type else "")


def _segment_names(req: PageRequest, scope: str) -> dict[int, str] | None:
    """The segments of ``scope`` (number -> name), or None when none were fitted."""
    from crossplay.mining.segment_job import load_profiles

    if not mining_file(req.settings, "segments", scope, "profiles.json").is_file():
        return None
    try:
        profiles = load_profiles(req.settings, scope)["profiles"]
    except NotFoundError:
        return None
    key = "name_zh" if req.lang == "zh-CN" else "name_en"
    return {int(p["segment"]): req.t("web.behaviour.segment.named", n=int(p["segment"]),
                                     name=p.get(key) or "") for p in profiles}


# --- funnel ---------------------------------------------------------------------------------

def _funnel(req: PageRequest, o: Options, names: dict[int, str] | None) -> Section:
    from crossplay.measure.errors import MeasureError
    from crossplay.measure.funnel import funnel

    f = req.filters
    parsed = o.parsed
    partners = {s.partner for s in parsed}
    joint = len(partners) > 1
    funnel_scope = "joint" if joint else next(iter(partners))
    by_segment = o.segment is not None and names is not None and funnel_scope == o.scope
    try:
        result = funnel(req.settings, list(o.steps), within_days=o.within,
                        by="segment" if by_segment else None, start=f.start, end=f.end,
                        actor=f"web:{req.viewer.operator_id}")
    except MeasureError as exc:
        raise _bad(req, exc) from None
    labels = [_step_label(req, s) for s in parsed]
    items: list[Item] = [Note(req.t("m.funnel.title", within=o.within, k=result.k,
                                    unit=req.t(f"m.unit.{result.unit}")))]
    want = f"segment {o.segment}" if by_segment else None
    row = next((r for r in result.rows if want is None or r.segment == want), None)
    if by_segment:
        items.append(Note(req.t("web.behaviour.note.segment_funnel", segment=o.segment,
                                scope=_scope_name(req, o.scope))))
    elif o.segment is not None:
        items.append(Note(req.t("web.behaviour.note.segment_other",
                                scope=_scope_name(req, funnel_scope),
                                page=_scope_name(req, o.scope))))
    if row is None:
        items.append(Note(req.t("web.behaviour.note.segment_small", segment=o.segment,
                                k=result.k) if by_segment
                          else req.t("m.funnel.empty", k=result.k), "warn"))
    else:
        counts = [req.k_suppress(c) if joint else c for c in row.counts]
        rows = []
        for i, label in enumerate(labels):
            n, first = counts[i], counts[0]
            prev = counts[i - 1] if i else n
            shown = n is not None and first is not None
            rows.append([label, n, row.conversion[i] if shown else None,
                         row.step_conversion[i] if shown and prev is not None else None,
                         row.drop_off[i] if n is not None and prev is not None else None])
        items.append(Table("funnel", req.t("web.behaviour.table.funnel"),
                           [req.t(f"m.col.{c}") for c in ("step", "people", "conv",
                                                            "stepconv", "drop")],
                           rows, sortable=False))
        fig = charts.funnel_figure(req.t("web.behaviour.chart.funnel",
                                         steps=" → ".join(labels)), labels, counts)
        items.append(Chart("funnel", req.t("web.behaviour.chart.funnel",
                                           steps=" → ".join(labels)),
                           fig.to_plotly_json(), sum(c is not None for c in counts)))
    if joint:
        items.append(Note(req.t("web.behaviour.note.joint")))
        if not req.viewer.joint:
            items.append(Note(req.t("web.behaviour.note.k", k=req.settings.privacy_k)))
        if f.partner:
            items.append(Note(req.t("web.behaviour.note.partner_funnel")))
    if result.suppressed_segments and by_segment:
        items.append(Note(req.t("m.suppressed", n=result.suppressed_segments, k=result.k)))
    items.append(Note(req.t("web.behaviour.note.funnel_steps", steps=", ".join(o.steps),
                            within=o.within)))
    return Section(req.t("web.behaviour.sec.funnel"), items)


# --- retention ------------------------------------------------------------------------------

def _platforms(req: PageRequest) -> tuple[Platform, ...]:
    f = req.filters
    if f.platform:
        return (f.platform,)  # type: ignore[return-value]
    if f.partner:
        return PARTNER_PLATFORMS[f.partner]
    return PLATFORMS


def _in_window(req: PageRequest, cohort: str) -> bool:
    f = req.filters
    day = dt.date.fromisoformat(cohort)
    return (f.start is None or day >= f.start) and (f.end is None or day < f.end)


def _retention(req: PageRequest, o: Options) -> Section:
    from crossplay.measure.errors import MeasureError
    from crossplay.measure.retention import retention

    grain = req.t(f"m.grain.{o.cohort}")
    cols = [req.t("web.behaviour.col.platform"), req.t("m.col.cohort"), req.t("m.col.people"),
            *(req.t("web.behaviour.col.day", d=d) for d in o.days)]
    rows: list[list[Any]] = []
    items: list[Item] = []
    for platform in _platforms(req):
        try:
            r = retention(req.settings, platform=platform, grain=o.cohort,  # type: ignore[arg-type]
                          days=o.days)
        except MeasureError as exc:
            raise _bad(req, exc) from None
        name = req.t(f"web.behaviour.platform.{platform}")
        kept = [c for c in r.cohorts if _in_window(req, c.cohort)]
        overall = r.overall
        if len(kept) != len(r.cohorts):  # people-weighted again, over the kept cohorts
            overall = []
            for j in range(len(o.days)):
                seen = [c for c in kept if c.retained[j] is not None]
                size = sum(c.size for c in seen)
                overall.append(sum(c.retained[j] or 0 for c in seen) / size if size else None)
        rows += [[name, c.cohort, c.size, *c.rate] for c in kept]
        if kept:
            rows.append([name, req.t("m.ret.all"), sum(c.size for c in kept), *overall])
            title = req.t("web.behaviour.chart.retention", platform=name, grain=grain)
            fig = charts.retention_figure(
                title, [c.cohort for c in kept], [c.size for c in kept],
                [req.t("web.behaviour.col.day", d=d) for d in o.days], [c.rate for c in kept],
                req.t("web.behaviour.axis.days_after"), req.t("m.col.cohort"))
            items.append(Chart(f"retention_{platform}", title, fig.to_plotly_json(),
                               sum(v is not None for c in kept for v in c.rate)))
        if r.suppressed_cohorts:
            items.append(Note(f"{name}: " + req.t("m.suppressed", n=r.suppressed_cohorts,
                                                  k=r.k)))
    items.insert(0, Table("retention", req.t("web.behaviour.table.retention"), cols, rows))
    items.append(Note(req.t("web.behaviour.note.retention", grain=grain,
                            tz=req.settings.timezone)))
    return Section(req.t("web.behaviour.sec.retention"), items)


# --- paths and Kaplan–Meier -----------------------------------------------------------------

def _paths(req: PageRequest, o: Options, con: Any) -> Section:
    from crossplay.mining.paths import step_name
    from crossplay.mining.population import count_units

    items: list[Item] = []
    rows: list[list[Any]] = []
    reached: dict[str, int] = {}
    units: int | None = None
    for target in ("purchase", "churn"):
        tname = req.t(f"web.behaviour.target.{target}")
        doc = stored_paths(req.settings, o.scope, target, o.churn_days)
        if doc is None:
            units = count_units(con, o.scope) if units is None else units  # type: ignore[arg-type]
            if units > LIVE_PATHS_MAX_UNITS:
                items.append(Note(req.t("web.behaviour.note.paths_job", target=tname,
                                        n=f"{units:,}", code=o.scope, to=target,
                                        days=o.churn_days), "warn"))
                continue
            doc = live_paths(con, o.scope, target, o.churn_days)
        else:
            items.append(Note(req.t("web.behaviour.note.paths_stored", target=tname,
                                    at=doc["computed_at"].strftime("%Y-%m-%d %H:%M"))))
        units = int(doc["units"])
        reached[target] = int(doc["reached"])
        for p in doc["paths"]:
            text = " → ".join(step_name(s, req.lang) for s in p["path"])
            rows.append([tname, text, p["count"], p["steps"][0]["people"],
                         p["steps"][0]["conversion"]])
        data = doc["sankey"][req.lang]
        if not doc["paths"]:
            items.append(Note(req.t("web.behaviour.note.no_paths", target=tname), "warn"))
            continue
        title = req.t(f"web.behaviour.chart.paths.{target}")
        items.append(Chart(f"paths_{target}", title,
                           charts.sankey_figure(title, data).to_plotly_json(),
                           len(data["links"])))
    items.insert(0, Table("paths", req.t("web.behaviour.table.paths"),
                          [req.t(f"web.behaviour.col.{c}") for c in (
                              "target", "path", "reached", "did", "conversion")], rows))
    if reached:
        items.append(Note(req.t("web.behaviour.note.paths", scope=_scope_name(req, o.scope),
                                units=f"{units or 0:,}",
                                purchase=_count(reached.get("purchase")),
                                churn=_count(reached.get("churn")), days=o.churn_days)))
    return Section(req.t("web.behaviour.sec.paths"), items)


def _km(req: PageRequest, o: Options, con: Any, names: dict[int, str] | None) -> Section:
    from crossplay.mining.churn import kaplan_meier
    from crossplay.mining.population import unit_column
    from crossplay.mining.segment_job import load_assignments

    if names is None:  # no segments: one curve for everyone
        found = kaplan_meier(con, o.scope, o.churn_days, None)  # type: ignore[arg-type]
        for g in found:
            g["label"] = req.t("web.behaviour.everyone")
    else:
        frame = load_assignments(req.settings, o.scope)
        groups: pd.Series = frame.set_index(unit_column(o.scope))["segment"]  # type: ignore[arg-type]
        found = [g for g in kaplan_meier(con, o.scope, o.churn_days, groups)  # type: ignore[arg-type]
                 if o.segment is None or int(g["group"]) == o.segment]
        for g in found:
            n = int(g["group"])
            g["label"] = names.get(n) or req.t("web.behaviour.segment", n=n)
    curves = [(g["label"], [0, *KM_DAYS], [1.0, *(g["survival"][str(d)] for d in KM_DAYS)])
              for g in found]
    title = req.t("web.behaviour.chart.km")
    fig = charts.survival_figure(title, curves, req.t("web.behaviour.axis.days"),
                                 req.t("web.behaviour.axis.still_active"))
    rows = [[g["label"], g["n"], g["churned"], *(g["survival"][str(d)] for d in KM_DAYS),
             g["median_days"]] for g in found]
    items: list[Item] = [] if found else [
        Note(req.t("web.behaviour.note.km_empty"), "warn")]
    items += [
        Chart("km", title, fig.to_plotly_json(), sum(len(c[1]) for c in curves)),
        Table("km", req.t("web.behaviour.table.km"),
              [req.t("mining.col.segment"), req.t("mining.col.size"),
               req.t("web.behaviour.col.churned"),
               *(req.t("mining.col.day", d=d) for d in KM_DAYS),
               req.t("web.behaviour.col.median")], rows),
        Note(req.t("web.behaviour.note.km", scope=_scope_name(req, o.scope),
                   days=o.churn_days)),
    ]
    if names is None:
        items.append(Note(req.t("web.behaviour.note.no_segments",
                                scope=_scope_name(req, o.scope), code=o.scope)))
    return Section(req.t("web.behaviour.sec.km"), items)


# --- churn drivers --------------------------------------------------------------------------

def _churn(req: PageRequest, o: Options) -> Section:
    from crossplay.mining.churn_job import load_churn_report
    from crossplay.mining.churn_words import driver_sentence

    scope = _scope_name(req, o.scope)
    missing = Section(req.t("web.behaviour.sec.churn"), [
        Note(req.t("web.behaviour.note.no_churn", scope=scope, code=o.scope), "warn")])
    if not mining_file(req.settings, "churn", o.scope, "report.json").is_file():
        return missing
    try:
        report = load_churn_report(req.settings, o.scope)
    except NotFoundError:
        return missing
    m = report["metrics"]
    measures = [("auc", m.get("auc_holdout")), ("brier", m.get("brier_holdout")),
                ("base", m.get("base_rate_holdout")), ("units", m.get("holdout_units"))]
    items: list[Item] = [
        Table("churn_drivers", req.t("web.behaviour.table.drivers"),
              [req.t("mining.col.driver"), req.t("mining.col.importance")],
              [[driver_sentence(d, req.lang), d["importance"]] for d in report["drivers"]],
              sortable=False),
        Table("churn_model", req.t("web.behaviour.table.churn_model"),
              [req.t("web.behaviour.col.measure"), req.t("web.behaviour.col.value")],
              [[req.t(f"web.behaviour.model.{k}"), v] for k, v in measures], sortable=False),
        Note(req.t("web.behaviour.note.churn", code=o.scope, days=report.get("days"),
                   at=report.get("fitted_at", ""))),
    ]
    return Section(req.t("web.behaviour.sec.churn"), items)


# --- the page -------------------------------------------------------------------------------

def build(req: PageRequest) -> PageData:
    from crossplay.mining.population import mining_connection

    o = _options(req)
    names = _segment_names(req, o.scope)
    if o.segment is not None and names is not None and o.segment not in names:
        raise PageError(req.t("web.behaviour.err.no_segment", value=o.segment,
                              scope=_scope_name(req, o.scope),
                              known=", ".join(str(n) for n in sorted(names))), 404)
    con = mining_connection(req.settings)
    try:
        if con.sql("SELECT max(ts) FROM events").fetchall()[0][0] is None:
            return PageData([], empty=req.t("web.behaviour.empty"))
        sections = [_funnel(req, o, names), _retention(req, o), _paths(req, o, con),
                    _churn(req, o), _km(req, o, con, names)]
    finally:
        con.close()
    if o.segment is not None and names is None:
        sections[0].items.insert(0, Note(req.t("web.behaviour.note.segment_unfitted",
                                               scope=_scope_name(req, o.scope),
                                               code=o.scope), "warn"))
    return PageData(sections)


PAGE = Page(slug="behaviour", title_key="web.nav.behaviour", build=build,
            filters=("start", "end", "partner", "platform", "segment"), order=40,
            sources=("lake", "derived", "privacy"))
