"""The experiments page: the experiments kept in the data directory and, for one of them
(``?experiment=KEY``, default the one that started last), its read-out as ``crossplay
experiment analyze KEY`` gives it — a forest plot of the relative lifts with their
intervals, the sample-ratio check, the sequential view and the verdict — and the uplift
model's Qini curve (``crossplay uplift evaluate --experiment KEY``); a form creates an
experiment (``crossplay experiment add``, :mod:`crossplay.web.experiments_form`).

An experiment's units are one partner's users and its analysis reads that partner's lake
rows only: a partner-scoped viewer sees their own partner's experiments and no other.
"""

from __future__ import annotations

from typing import Any

from crossplay.core.errors import CrossplayError
from crossplay.measure.analysis import Analysis
from crossplay.measure.experiment import Experiment
from crossplay.web import experiments_figures as fig
from crossplay.web.experiments_form import KEY, create, create_form
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

#: above this many exposed people the page does not fit an uplift model while it loads
#: (about 1-2 s at 20,000 people); it says which command draws the Qini curve instead
UPLIFT_MAX_PEOPLE = 20_000


def _error_text(req: PageRequest, exc: CrossplayError) -> str:
    from crossplay.cli.i18n import coded_text

    return coded_text(exc.code, exc.params, exc.message, lang=req.lang)


def _name(req: PageRequest, e: Experiment) -> str:
    """The experiment's name in the request's language (``中文 / English`` names split)."""
    from crossplay.mining.names import split_title

    if not e.name:
        return e.key
    zh, en = split_title(e.name)
    return (zh if req.lang == "zh-CN" else en) or e.name


def _variants(e: Experiment) -> str:
    return ", ".join(f"{v.key}:{v.weight:g}" for v in e.variants)


def _visible(req: PageRequest, exps: list[Experiment]) -> list[Experiment]:
    scope = req.viewer.partner or req.filters.partner
    return [e for e in exps if scope is None or e.partner == scope]


def _in_period(req: PageRequest, e: Experiment) -> bool:
    f = req.filters
    return (f.end is None or e.start < f.end) and (f.start is None or e.stop > f.start)


def _pick(req: PageRequest, visible: list[Experiment], shown: list[Experiment]
          ) -> Experiment | None:
    wanted = req.params.get("experiment")
    if wanted:
        if not KEY.match(wanted):
            raise PageError(req.t("web.experiments.bad_key", value=wanted[:64]), 400)
        hit = next((e for e in visible if e.key == wanted), None)
        if hit is None:  # another partner's experiment is "not found", never "forbidden"
            raise PageError(req.t("web.experiments.unknown", exp=wanted), 404)
        return hit
    return max(shown, key=lambda e: (e.start, e.key)) if shown else None


def build(req: PageRequest) -> PageData:
    from crossplay.measure.registry import list_experiments

    visible = _visible(req, list_experiments(req.settings))
    shown = [e for e in visible if _in_period(req, e)]
    chosen = _pick(req, visible, shown)
    form: list[Item] = [create_form(req)] if req.viewer.may("marketer") else []
    creating = Section(req.t("web.experiments.create"), form)
    if not visible:
        return PageData(sections=[creating] if form else [],
                        empty=req.t("web.experiments.empty"))
    rows = [[e.key, _name(req, e), req.t("web.partner." + e.partner), e.layer,
             f"[{e.layer_range[0]:g}, {e.layer_range[1]:g})", _variants(e), e.control,
             e.start, e.stop, ", ".join(m.key for m in e.metrics),
             next((m.key for m in e.metrics if m.role == "primary"), None)] for e in shown]
    listing: list[Item] = [Table("experiments", req.t("web.experiments.list"), [
        req.t("m.col.key"), req.t("m.col.name"), req.t("m.col.partner"), req.t("m.col.layer"),
        req.t("web.experiments.col.layer_range"), req.t("m.col.variants"),
        req.t("web.experiments.col.control"), req.t("m.col.start"), req.t("m.col.stop"),
        req.t("web.experiments.col.metrics"), req.t("web.experiments.col.primary")], rows)]
    if not shown:
        listing.append(Note(req.t("web.experiments.none_in_period")))
    sections = [Section(req.t("web.experiments.list"), listing)]
    if chosen is not None:
        sections += _readout(req, chosen)
    if form:
        sections.append(creating)
    return PageData(sections=sections)


def _readout(req: PageRequest, e: Experiment) -> list[Section]:
    from crossplay.measure.lakeanalysis import analyze_experiment

    title = req.t("web.experiments.detail", name=_name(req, e), exp=e.key)
    head: list[Item] = [Note(req.t("web.experiments.window",
                                   partner=req.t("web.partner." + e.partner), start=e.start,
                                   stop=e.stop, variants=_variants(e), control=e.control,
                                   alpha=e.alpha))]
    try:
        a, series, counts = analyze_experiment(req.settings, e)
    except CrossplayError as exc:  # no exposures yet, too few people, an undefined ratio
        head.append(Note(req.t("web.experiments.cannot_analyse", why=_error_text(req, exc)),
                         "warn"))
        return [Section(title, head)]
    head += [Tile(req.t("web.experiments.exposed", variant=v), f"{n:,}")
             for v, n in a.counts.items()]
    head += _srm(req, a)
    for v, verdict in a.verdicts.items():
        why = "; ".join(req.t("m.why." + c.partition(":")[0], p=a.srm.p_value,
                              metrics=c.partition(":")[2])
                        for c in a.reason_codes.get(v, []))
        head.append(Tile(req.t("web.experiments.verdict", variant=v),
                         req.t("m.v." + verdict), hint=why,
                         trend="up" if verdict == "ship" else
                         "down" if verdict in ("do_not_ship", "broken") else None))
    if counts["excluded_multiple_variants"]:
        head.append(Note(req.t("m.exp.excluded", n=counts["excluded_multiple_variants"]),
                         "warn"))
    return [Section(title, head), _results(req, a), _sequential(req, e, series),
            _uplift(req, e, counts["exposed"])]


def _srm(req: PageRequest, a: Analysis) -> list[Item]:
    s = a.srm
    expected = [round(x) for x in s.expected]
    out: list[Item]
    if s.mismatch:
        out = [Note(req.t("m.srm.bad", p=s.p_value, obs=s.observed, exp=expected), "warn")]
    elif s.warning:
        out = [Note(req.t("m.srm.warn", p=s.p_value, obs=s.observed, exp=expected,
                          threshold=s.threshold), "warn")]
    else:
        out = [Note(req.t("m.srm.ok", p=s.p_value), "ok")]
    for pair in s.pairwise:
        state = "bad" if pair.mismatch else "warn" if pair.warning else "ok"
        out.append(Note(req.t("m.srm.pair", variant=pair.variant, obs=pair.observed,
                              p=pair.p_value, state=req.t("m.srm.state." + state)).strip(),
                        "ok" if state == "ok" else "warn"))
    return out


def _results(req: PageRequest, a: Analysis) -> Section:
    labels = {c.metric: f"{c.metric} ({req.t('m.role.' + c.role)})" for c in a.comparisons}
    level = 100 * (1 - a.alpha)
    figure, shown = fig.forest(a, labels, title=req.t("web.experiments.forest", level=level),
                               x_title=req.t("web.experiments.axis.lift"),
                               y_title=req.t("web.experiments.axis.metric"))
    rows = [[c.metric, req.t("m.role." + c.role), c.variant, c.n_control, c.n_variant,
             c.control_mean, c.variant_mean, c.diff, c.ci_low, c.ci_high, c.rel,
             c.rel_ci_low, c.rel_ci_high, c.p_value, c.p_adjusted, c.seq_ci_low,
             c.seq_ci_high, c.p_beat_control, req.t("m.out." + c.outcome)]
            for c in a.comparisons]
    t = req.t
    k = sum(1 for c in a.comparisons if c.role != "guardrail")
    return Section(t("web.experiments.results"), [
        Chart("forest", t("web.experiments.forest", level=level), figure, points=shown),
        Table("comparisons", t("web.experiments.comparisons"), [
            t("m.col.metric"), t("web.experiments.col.role"), t("m.col.variant"),
            t("web.experiments.col.n_control"), t("web.experiments.col.n_variant"),
            t("web.experiments.col.control_mean"), t("web.experiments.col.variant_mean"),
            t("web.experiments.col.diff"), t("web.experiments.col.ci_low"),
            t("web.experiments.col.ci_high"), t("web.experiments.col.rel"),
            t("web.experiments.col.rel_low"), t("web.experiments.col.rel_high"),
            t("m.col.p"), t("m.col.padj"), t("web.experiments.col.seq_low"),
            t("web.experiments.col.seq_high"), t("m.col.pbeat"), t("m.col.outcome")],
            [[_clean(v) for v in r] for r in rows]),
        Note(t("m.correction", method=a.correction, k=k))])


def _clean(v: Any) -> Any:
    """A number as the table keeps it: non-finite floats are undefined (None)."""
    import math

    return None if isinstance(v, float) and not math.isfinite(v) else v


def _sequential(req: PageRequest, e: Experiment, series: list[Any]) -> Section:
    t = req.t
    title = t("web.experiments.sequential")
    if not series:
        return Section(title, [Note(t("web.experiments.no_series"))])
    primary = next(m.key for m in e.metrics if m.role == "primary")
    figure = fig.sequential(series, title=t("m.html.seq"), x_title=t("m.html.day"),
                            y_title=t("web.experiments.axis.diff", metric=primary),
                            diff_name=t("m.html.diff"), always_name=t("m.html.always"),
                            fixed_name=t("m.html.fixed"))
    rows = [[p.day, p.variant, p.n_total, p.diff, p.ci_low, p.ci_high, p.seq_low, p.seq_high]
            for p in series]
    return Section(title, [
        Chart("sequential", t("m.html.seq"), figure, points=len(series)),
        Note(t("web.experiments.sequential_note")),
        Table("sequential", t("web.experiments.sequential_table"), [
            t("m.html.day"), t("m.col.variant"), t("web.experiments.col.n_total"),
            t("web.experiments.col.diff"), t("web.experiments.col.ci_low"),
            t("web.experiments.col.ci_high"), t("web.experiments.col.seq_low"),
            t("web.experiments.col.seq_high")], [[_clean(v) for v in r] for r in rows])])


def _uplift(req: PageRequest, e: Experiment, exposed: int) -> Section:
    """The Qini curve with the defaults of ``crossplay uplift evaluate --experiment``."""
    from crossplay.measure.uplift_eval import evaluate
    from crossplay.measure.uplift_features import campaign_data

    t = req.t
    title = t("web.experiments.uplift")
    if exposed > UPLIFT_MAX_PEOPLE:
        return Section(title, [Note(t("web.experiments.uplift_large", n=exposed, exp=e.key))])
    try:
        data = campaign_data(req.settings, e)
        ev, _scores = evaluate(data.X, data.treatment, data.y, features=data.features)
    except CrossplayError as exc:
        return Section(title, [Note(t("web.experiments.uplift_failed",
                                      why=_error_text(req, exc)), "warn")])
    except ValueError as exc:  # a learner refusing degenerate data (one outcome value)
        return Section(title, [Note(t("web.experiments.uplift_failed",
                                      why=t("web.experiments.uplift_unfit",
                                            detail=str(exc)[:200])), "warn")])
    chart_title = t("web.experiments.qini_title", model=ev.model.upper(), base=ev.base,
                    n=ev.n_holdout, auuc=ev.auuc)
    figure = fig.qini(ev, title=chart_title, x_title=t("m.html.share"),
                      y_title=t("web.experiments.axis.incremental", outcome=data.outcome),
                      model_name=t("m.html.model"), random_name=t("m.html.random"))
    q = f"{ev.q:.0%}"
    rows: list[list[Any]] = [
        ["AUUC", ev.auuc], [f"uplift@{q}", ev.uplift_at_q],
        [t("m.up.policy", q=q), ev.policy_incremental],
        [t("m.up.random"), ev.random_incremental], [t("m.up.ratio"), ev.ratio_to_random]]
    items: list[Item] = [
        Chart("qini", chart_title, figure, points=len(ev.qini.fraction)),
        Table("uplift", t("web.experiments.qini_table"),
              [t("m.col.measure"), t("m.col.value")], rows),
        Note(t("web.experiments.qini_same", exp=e.key))]
    items += [Note(t("m.up.note." + code)) for code in ev.note_codes]
    return Section(title, items)


PAGE = Page(slug="experiments", title_key="web.nav.experiments", build=build,
            filters=("start", "end", "partner"), order=80,
            sources=("lake", "derived", "experiments"),
            actions={"create": ("marketer", create)})
