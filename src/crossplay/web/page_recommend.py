"""Recommendations: the leaderboard per task, benchmark runs with their standard errors,
the content mix α / β per segment, and the way into the person look-up.

Read from what the jobs saved (:mod:`crossplay.web.recommend_results`): ``crossplay
recommend evaluate`` / the demo (one report per task), ``crossplay bench run``, ``crossplay
recommend mix``. Figures are the saved ones, unchanged: a table here and the command's
``--json`` hold the same numbers.

Partner scope: the in-domain task evaluates one domain on its own partner's users, so a
partner-scoped viewer (and the partner filter) sees only that partner's domains; the
cross-domain and cold-start tasks and the content mix are joint (linked people of both
partners): shown to a partner-scoped viewer only over at least ``k`` test persons / persons
per segment. Benchmarks are public research data, shown to everyone.
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from crossplay.cli import mix_view
from crossplay.cli.i18n import Messages, coded_text
from crossplay.evaluation.measures import METRICS
from crossplay.evaluation.tables import LABELS, rows_of
from crossplay.recommend.dataset import DOMAIN_PARTNER
from crossplay.web import messages_recommend as _messages  # noqa: F401  (registers texts)
from crossplay.web.page import (
    Chart,
    Field,
    Form,
    Item,
    Note,
    Page,
    PageData,
    PageRequest,
    Section,
    Table,
)
from crossplay.web.recommend_results import benchmark_runs, content_mix, evaluations

#: leaderboard columns of ``crossplay recommend evaluate`` (``rec.col.<name>``), plus precision
BOARD_COLUMNS = ("recall", "ndcg", "map", "precision", "coverage", "novelty", "truth_recall",
                 "fit_s")


def _num(v: Any) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def _domains(req: PageRequest, target: str) -> str:
    """A board's target (``knowledge`` or ``knowledge+game``) in the page's language."""
    return " + ".join(req.t(f"rec.domain.{d}") if d in DOMAIN_PARTNER else d
                      for d in str(target).split("+"))


# --- leaderboards ----------------------------------------------------------------------------

def board_visible(req: PageRequest, board: dict[str, Any]) -> bool | None:
    """Whether a board is shown: ``False`` left out (another partner's own domain),
    ``None`` shown without figures (a joint board over fewer than k test persons)."""
    if board["task"] == "in-domain":
        parts = {DOMAIN_PARTNER.get(d) for d in str(board["target"]).split("+")}  # type: ignore[call-overload]
        for partner in (req.viewer.partner, req.filters.partner):
            if partner is not None and parts != {partner}:
                return False
        return True
    return None if req.k_suppress(int(board["test_users"])) is None else True


def _board_table(req: PageRequest, task: str, board: dict[str, Any]) -> Table:
    t = req.t
    k = int(board["k"])
    failed = any("error" in r for r in board["rows"])
    columns = [t("rec.col.model"),
               *(t("web.recommend.col.precision", k=k) if c == "precision"
                 else t(f"rec.col.{c}", k=k) for c in BOARD_COLUMNS)]
    if failed:  # a model that could not be fitted says why in a last column
        columns.append(t("web.recommend.col.error"))
    rows: list[list[Any]] = []
    for r in board["rows"]:
        if "error" in r:
            why = coded_text(r.get("error_code", ""), r.get("error_params") or {}, r["error"],
                             "crossplay.recommend.evaluate", lang=req.lang)
            rows.append([r["model"], *(None for _ in BOARD_COLUMNS), why])
        else:
            rows.append([r["model"], *(_num(r.get(c)) for c in BOARD_COLUMNS)]
                        + ([None] if failed else []))
    title = t("rec.board", task=t(f"web.recommend.task.{task}"),
              target=_domains(req, board["target"]),
              split=t(f"web.recommend.split.{board['split']}"), k=k,
              users=board["test_users"])
    key = f"board-{task}-{str(board['target']).replace('+', '-')}"
    return Table(key, title, columns, rows)


def _board_chart(req: PageRequest, task: str, boards: list[dict[str, Any]]) -> Chart | None:
    fig = go.Figure()
    points = 0
    for b in boards:
        rows = [r for r in b["rows"] if "error" not in r and _num(r.get("ndcg")) is not None]
        if not rows:
            continue
        fig.add_trace(go.Bar(x=[r["model"] for r in rows], y=[float(r["ndcg"]) for r in rows],
                             name=req.t("web.recommend.axis.target",
                                        target=_domains(req, b["target"]))))
        points += len(rows)
    if not points:
        return None
    k = int(boards[0]["k"])
    title = req.t("web.recommend.chart.ndcg", k=k, task=req.t(f"web.recommend.task.{task}"))
    fig.update_layout(title=title, barmode="group",
                      xaxis_title=req.t("web.recommend.axis.model"),
                      yaxis_title=req.t("rec.col.ndcg", k=k))
    return Chart(f"ndcg-{task}", title, fig.to_plotly_json(), points)


def _boards_section(req: PageRequest) -> Section | None:
    t = req.t
    reports = evaluations(req.settings)
    if not reports:
        return None
    section = Section(t("web.recommend.boards.section"))
    for task, report in reports.items():
        shown = []
        for board in report["boards"]:
            visible = board_visible(req, board)
            if visible is False:
                continue
            if visible is None:
                section.items.append(Note(t("web.recommend.boards.hidden",
                                            task=t(f"web.recommend.task.{task}"),
                                            target=_domains(req, board["target"]),
                                            k=req.settings.privacy_k), "warn"))
                continue
            shown.append(board)
        if not shown:
            continue
        section.items.append(Note(t("web.recommend.boards.saved",
                                    task=t(f"web.recommend.task.{task}"),
                                    created=str(report.get("created_at", ""))[:16]
                                    .replace("T", " "), cli=task)))
        for board in shown:
            section.items.append(_board_table(req, task, board))
            if board.get("no_history_users"):
                section.items.append(Note(t("web.recommend.boards.no_history",
                                            n=board["no_history_users"])))
        chart = _board_chart(req, task, shown)
        if chart is not None:
            section.items.append(chart)
    return section if section.items else None


# --- benchmarks ------------------------------------------------------------------------------

def _bench_items(req: PageRequest, run: dict[str, Any]) -> list[Item]:
    t = req.t
    k = int(run["k"])
    msg = Messages(req.lang)
    ranking = (t("bench.full") if run["ranking"] == "full"
               else t("bench.sampled", n=str(run["ranking"]).split("-", 1)[-1]))
    params = dict(run.get("protocol_params") or {})
    if run.get("target"):
        params["target"] = run["target"]
    ptxt = "(" + ", ".join(f"{a}={b}" for a, b in params.items()) + ")" if params else ""
    title = t("bench.title", name=run["benchmark"], protocol=run["protocol"], params=ptxt,
              ranking=ranking, k=k, users=run["test_users"])
    settings = [cells[-1] for cells in rows_of(
        run, tuned=lambda n: msg("bench.tuned", n=n),
        error=lambda r: coded_text(r.get("error_code", ""), r.get("error_params") or {},
                                   r["error"], "crossplay.evaluation.runner",
                                   lang=req.lang))]
    se = t("web.recommend.bench.se")
    columns = [t("bench.col.model")]
    for m in METRICS:
        columns += [f"{LABELS[m]}@{k}", se]
    columns += [t("bench.col.fit_s"), t("bench.col.fit_mb"), t("bench.col.setting")]
    rows = []
    for r, setting in zip(run["rows"], settings, strict=True):
        if "error" in r:
            rows.append([r["model"], *(None for _ in range(2 * len(METRICS) + 2)), setting])
            continue
        cells: list[Any] = [r["model"]]
        for m in METRICS:
            cells += [_num(r[m]["mean"]), _num(r[m]["se"])]
        rows.append([*cells, _num(r.get("fit_s")), _num(r.get("fit_peak_mb")), setting])
    key = f"bench-{run['benchmark']}-{run['protocol']}-{run.get('target') or 'all'}"
    items: list[Item] = [Table(key, title, columns, rows),
                         Note(t("web.recommend.bench.run", run=run["run"],
                                name=run["benchmark"], protocol=run["protocol"]))]
    ok = [r for r in run["rows"] if "error" not in r]
    if ok:
        fig = go.Figure(go.Bar(
            x=[r["model"] for r in ok], y=[float(r["ndcg"]["mean"]) for r in ok],
            error_y={"type": "data", "array": [float(r["ndcg"]["se"]) for r in ok]},
            name=f"NDCG@{k}"))
        ctitle = t("web.recommend.bench.chart", k=k, name=run["benchmark"],
                   protocol=run["protocol"])
        fig.update_layout(title=ctitle, xaxis_title=t("web.recommend.axis.model"),
                          yaxis_title=f"NDCG@{k}")
        items.append(Chart(key.replace("bench-", "bench-chart-", 1), ctitle,
                           fig.to_plotly_json(), len(ok)))
    return items


def _bench_section(req: PageRequest) -> Section | None:
    runs = benchmark_runs(req.settings)
    if not runs:
        return None
    section = Section(req.t("web.recommend.bench.section"))
    for run in runs:
        section.items.extend(_bench_items(req, run))
    return section


# --- content mix -----------------------------------------------------------------------------

def _mix_section(req: PageRequest) -> Section:
    t = req.t
    section = Section(t("web.recommend.mix.section"))
    data = content_mix(req.settings)
    if data is None:
        section.items.append(Note(t("web.recommend.mix.none")))
        return section
    msg = Messages(req.lang)
    h = data["holdout"]
    title = (t("mix.title", cutoff=str(h["cutoff"])[:10]) if h.get("cutoff")
             else t("mix.title.all"))
    hidden: set[str] = set()
    rows: list[list[Any]] = []
    for r in data["segments"]:
        seg = str(r["segment"])
        persons = req.k_suppress(int(r["persons"]))
        if persons is None:
            hidden.add(seg)
            rows.append([mix_view.segment_name(msg, seg), None, *(None for _ in range(7))])
            continue
        rows.append([mix_view.segment_name(msg, seg), int(persons),
                     *(_num(r[c]) for c in ("alpha", "beta", "raw_alpha", "raw_beta",
                                            "theta_C_K", "theta_T_K", "theta_T_G"))])
    section.items.append(Table(
        "mix", title, [t("mix.col.segment"), t("mix.col.persons"), "α", "β",
                       t("mix.col.raw_alpha"), t("mix.col.raw_beta"), "θ_C", "θ_K", "θ_G"],
        rows))
    if hidden:
        section.items.append(Note(t("web.recommend.mix.hidden", k=req.settings.privacy_k),
                                  "warn"))
    shown = [r for r in rows if r[1] is not None]
    if shown:
        fig = go.Figure()
        fig.add_trace(go.Bar(x=[r[0] for r in shown], y=[r[2] for r in shown],
                             name=t("web.recommend.mix.alpha")))
        fig.add_trace(go.Bar(x=[r[0] for r in shown], y=[r[3] for r in shown],
                             name=t("web.recommend.mix.beta")))
        fig.update_layout(title=t("web.recommend.mix.chart"), barmode="stack",
                          xaxis_title=t("mix.col.segment"),
                          yaxis_title=t("web.recommend.mix.share"))
        section.items.append(Chart("mix-shares", t("web.recommend.mix.chart"),
                                   fig.to_plotly_json(), 2 * len(shown)))
    notes = {"notes": [n for n in data.get("notes", []) if str(n["segment"]) not in hidden]}
    section.items.extend(Note(line) for line in mix_view.note_lines(msg, notes))
    if h.get("persons"):
        versus = data["verdict"]["versus_50_50"]
        hrows = []
        for p in ("fitted", "raw", "fixed_50_50", "applied"):
            c = versus.get(p) if p != "applied" else h.get("applied_versus_50_50")
            row: list[Any] = [mix_view.policy_name(msg, p), _num(h["values"][p])]
            if c is None:
                row += [None, None, None, None]
            else:
                sig = ("mix.sig.better" if c["significantly_better"] else
                       "mix.sig.worse" if c["significantly_worse"] else "mix.sig.no")
                row += [_num(c["difference"]), _num(c["standard_error"]), _num(c["p_value"]),
                        t(sig)]
            hrows.append(row)
        section.items.append(Table(
            "mix-holdout", t("mix.holdout", n=h["n"], cutoff=str(h["cutoff"])[:10],
                             persons=h["persons"]),
            [t("mix.col.policy"), t("mix.col.hits"), t("mix.col.diff"), t("mix.col.se"),
             t("mix.col.p"), t("mix.col.sig")], hrows))
    for i, line in enumerate(mix_view.verdict_lines(msg, data)):
        section.items.append(Note(line, "ok" if i == 0 else "info"))
    prows = []
    for r in data["policy"]["segments"]:
        seg = str(r["segment"])
        secret = seg in hidden and r["policy"] != "fixed_50_50"
        prows.append([mix_view.segment_name(msg, seg), mix_view.policy_name(msg, r["policy"]),
                      None if secret else _num(r["alpha"]), None if secret else _num(r["beta"]),
                      None if secret else int(r["knowledge_items"])])
    section.items.append(Table(
        "mix-policy", t("mix.policy_title", n=data["policy"]["n"]),
        [t("mix.col.segment"), t("mix.col.policy"), "α", "β", t("mix.col.knowledge_items")],
        prows))
    return section


# --- the way to the person look-up ------------------------------------------------------------

def lookup_form(req: PageRequest, partner: str = "", user: str = "", domain: str = "") -> Form:
    """The person look-up's form (a GET to ``/dash/person``)."""
    t = req.t
    partners = ([req.viewer.partner] if req.viewer.partner is not None
                else ["knowledge", "game"])
    return Form(
        action="person", title=t("web.person.form"), method="get", role="viewer",
        submit=t("web.person.submit"),
        fields=[
            Field("partner", t("web.person.partner"), "select",
                  partner or partners[0], [(p, t(f"web.partner.{p}")) for p in partners],
                  required=True),
            Field("user", t("web.person.user"), "text", user, required=True),
            Field("domain", t("web.person.domain"), "select", domain,
                  [("", t("web.person.domain.own"))]
                  + [(d, t(f"rec.domain.{d}")) for d in DOMAIN_PARTNER])])


def _lookup_section(req: PageRequest) -> Section:
    return Section(req.t("web.recommend.lookup.section"),
                   [Note(req.t("web.recommend.lookup.note")), lookup_form(req)])


def build(req: PageRequest) -> PageData:
    found = [s for s in (_boards_section(req), _bench_section(req)) if s is not None]
    mix = _mix_section(req)
    if not found and content_mix(req.settings) is None:
        return PageData(sections=[_lookup_section(req)], empty=req.t("web.recommend.empty"))
    sections = [*found, mix, _lookup_section(req)]
    if not req.viewer.joint:
        sections[0].items.insert(0, Note(req.t("web.recommend.partner_note",
                                               k=req.settings.privacy_k)))
    return PageData(sections=sections)


PAGE = Page(slug="recommend", title_key="web.nav.recommend", build=build,
            filters=("partner",), order=60, sources=("derived",))
