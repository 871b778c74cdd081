"""Self-contained HTML reports (zh-CN / en) with plotly charts.

The page embeds the plotly.js that the plotly package ships (no CDN, works offline):
lift with intervals, cumulative sequential intervals, funnel bars, retention heatmap and
the Qini curve. Each builder returns an HTML fragment; :func:`write_page` assembles them.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from crossplay.core.types import Lang
from crossplay.measure.analysis import Analysis
from crossplay.measure.messages import MESSAGES
from crossplay.measure.present import comparison_table

if TYPE_CHECKING:
    from crossplay.measure.funnel import Funnel
    from crossplay.measure.kpi import Kpi, Roi
    from crossplay.measure.lakeanalysis import SeriesPoint
    from crossplay.measure.power import Plan
    from crossplay.measure.retention import Retention
    from crossplay.measure.uplift_eval import UpliftEvaluation


def t(key: str, lang: Lang) -> str:
    """A report label from the measure catalog (``m.html.<key>``)."""
    return MESSAGES["m.html." + key][lang]


def figure_html(fig: go.Figure) -> str:
    out: str = fig.to_html(full_html=False, include_plotlyjs=False)
    return out


def write_page(path: Path, title: str, lang: Lang, sections: Sequence[tuple[str, str]]) -> Path:
    """One HTML file with plotly.js inline and the given (heading, fragment) sections."""
    body = "\n".join(f"<section><h2>{html.escape(h)}</h2>\n{frag}</section>"
                     for h, frag in sections)
    page = f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;margin:2em;}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}
.bad{{color:#b00;font-weight:bold}}.good{{color:#070}}</style>
<script type="text/javascript">{get_plotlyjs()}</script></head>
<body><h1>{html.escape(title)}</h1>
{body}
<footer><small>{t("generated", lang)}</small></footer></body></html>"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None


def lift_figure(a: Analysis, lang: Lang) -> str:
    fig = go.Figure()
    for v in a.variants:
        if v == a.control:
            continue
        cs = [c for c in a.comparisons if c.variant == v]
        fig.add_trace(go.Scatter(
            x=[_finite(c.rel) for c in cs], y=[f"{c.metric} ({c.role})" for c in cs],
            mode="markers", name=v,
            error_x={"type": "data", "symmetric": False,
                     "array": [_finite(c.rel_ci_high - c.rel) for c in cs],
                     "arrayminus": [_finite(c.rel - c.rel_ci_low) for c in cs]}))
    fig.add_vline(x=0, line_dash="dash")
    fig.update_layout(title=t("lift", lang), xaxis_tickformat="+.0%", height=200 + 60 *
                      len({c.metric for c in a.comparisons}))
    return figure_html(fig)


def sequential_figure(series: Sequence[SeriesPoint], lang: Lang) -> str:
    fig = go.Figure()
    for v in sorted({p.variant for p in series}):
        pts = [p for p in series if p.variant == v]
        days = [p.day for p in pts]
        fig.add_trace(go.Scatter(x=days, y=[p.diff for p in pts], name=f"{v}: {t('diff', lang)}",
                                 mode="lines+markers"))
        fig.add_trace(go.Scatter(x=days + days[::-1],
                                 y=[p.seq_high for p in pts] + [p.seq_low for p in pts][::-1],
                                 fill="toself", opacity=0.2, name=f"{v}: {t('always', lang)}",
                                 line={"width": 0}))
        fig.add_trace(go.Scatter(x=days + days[::-1],
                                 y=[p.ci_high for p in pts] + [p.ci_low for p in pts][::-1],
                                 fill="toself", opacity=0.25, name=f"{v}: {t('fixed', lang)}",
                                 line={"width": 0}))
    fig.add_hline(y=0, line_dash="dash")
    fig.update_layout(title=t("seq", lang), xaxis_title=t("day", lang))
    return figure_html(fig)


def results_table(a: Analysis, lang: Lang) -> str:
    head, rows = comparison_table(a, lambda k: MESSAGES[k][lang])
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    trs = "".join("<tr>" + "".join(f"<td>{html.escape(str(x))}</td>" for x in r) + "</tr>"
                  for r in rows)
    srm = (f'<p class="bad">{t("srm_bad", lang)} (p = {a.srm.p_value:.2g})</p>'
           if a.srm.mismatch else
           f'<p class="bad">{t("srm_warn", lang)} (p = {a.srm.p_value:.2g})</p>'
           if a.srm.warning else
           f'<p class="good">{t("srm_ok", lang)} (p = {a.srm.p_value:.3g})</p>')
    verdicts = "".join(f"<li><b>{html.escape(v)}</b>: "
                       f"{html.escape(MESSAGES['m.v.' + x][lang])} — "
                       f"{html.escape('; '.join(a.reasons.get(v, [])))}</li>"
                       for v, x in a.verdicts.items())
    return f"{srm}<table><tr>{th}</tr>{trs}</table><h3>{t('verdict', lang)}</h3><ul>{verdicts}</ul>"


def experiment_report(path: Path, a: Analysis, name: str, lang: Lang,
                      series: Sequence[Any] | None = None) -> Path:
    sections = [(t("table", lang), results_table(a, lang)), ("", lift_figure(a, lang))]
    if series:
        sections.append(("", sequential_figure(series, lang)))
    return write_page(path, name, lang, sections)


def funnel_report(path: Path, f: Funnel, lang: Lang) -> Path:
    fig = go.Figure()
    for row in f.rows:
        fig.add_trace(go.Bar(x=f.steps, y=row.counts, name=row.segment,
                             text=[f"{c:.1%}" for c in row.conversion], textposition="auto"))
    fig.update_layout(title=t("funnel", lang), yaxis_title=MESSAGES["m.col.people"][lang],
                      barmode="group")
    return write_page(path, t("funnel", lang), lang, [("", figure_html(fig))])


def retention_report(path: Path, r: Retention, lang: Lang) -> Path:
    z = [[None if v is None else round(100 * v, 1) for v in c.rate] for c in r.cohorts]
    fig = go.Figure(go.Heatmap(
        z=z, x=[f"D{d}" for d in r.days], y=[f"{c.cohort} (n={c.size})" for c in r.cohorts],
        colorscale="Blues", text=[[("" if v is None else f"{v}%") for v in row] for row in z],
        texttemplate="%{text}", zmin=0, zmax=100))
    fig.update_layout(title=f"{t('retention', lang)} — {r.platform}",
                      yaxis_title=MESSAGES["m.col.cohort"][lang], yaxis_autorange="reversed")
    return write_page(path, t("retention", lang), lang, [("", figure_html(fig))])


def uplift_report(path: Path, ev: UpliftEvaluation, lang: Lang) -> Path:
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=ev.qini.fraction, y=ev.qini.qini, name=t("model", lang)))
    fig.add_trace(go.Scatter(x=ev.qini.fraction, y=ev.qini.random, name=t("random", lang),
                             line={"dash": "dash"}))
    fig.add_vline(x=ev.q, line_dash="dot")
    fig.update_layout(title=f"{t('qini', lang)} — {ev.learner} ({ev.base}), "
                            f"AUUC {ev.auuc:.4g}",
                      xaxis_title=t("share", lang), yaxis_title=t("incremental", lang),
                      xaxis_tickformat=".0%")
    return write_page(path, t("qini", lang), lang, [("", figure_html(fig))])


def kpi_report(path: Path, kpis: Sequence[Kpi], roi: Roi | None, lang: Lang) -> Path:
    shown = [k for k in kpis if k.value is not None]
    fig = go.Figure(go.Bar(
        x=[k.key for k in shown], y=[k.value for k in shown],
        text=[f"{k.value:.1%}" for k in shown if k.value is not None], textposition="outside",
        error_y={"type": "data", "symmetric": False,
                 "array": [(k.ci_high or k.value or 0) - (k.value or 0) for k in shown],
                 "arrayminus": [(k.value or 0) - (k.ci_low or k.value or 0) for k in shown]}))
    fig.update_layout(title=t("kpi", lang), yaxis_tickformat=".0%")
    sections = [("", figure_html(fig))]
    if roi is not None:
        rfig = go.Figure(go.Scatter(
            x=[roi.roi], y=[roi.campaign], mode="markers",
            error_x={"type": "data", "symmetric": False, "array": [roi.roi_ci[1] - roi.roi],
                     "arrayminus": [roi.roi - roi.roi_ci[0]]}))
        rfig.add_vline(x=0, line_dash="dash")
        rfig.update_layout(title=f"{t('roi', lang)}: {roi.roi:.2f} "
                                 f"[{roi.roi_ci[0]:.2f}, {roi.roi_ci[1]:.2f}]", height=250)
        sections.append(("", figure_html(rfig)))
    return write_page(path, t("kpi", lang), lang, sections)


def plan_report(path: Path, p: Plan, lang: Lang) -> Path:
    from crossplay.measure.power import power

    a = p.alpha / (p.variants - 1)
    sd_b = p.sd
    if p.kind == "proportion":
        pb = p.baseline + p.mde_abs
        sd_b = math.sqrt(pb * (1 - pb))
    ns = [max(2, round(p.n_control * f / 20)) for f in range(1, 61)]
    fig = go.Figure(go.Scatter(x=ns, y=[power(n, p.mde_abs, p.sd, sd_b, a, p.ratio)
                                        for n in ns], mode="lines"))
    fig.add_hline(y=p.power, line_dash="dot")
    fig.add_vline(x=p.n_control, line_dash="dash")
    fig.update_layout(title=f"{t('plan', lang)} — MDE {p.mde_abs:.4g} ({p.mde_rel:+.1%})",
                      xaxis_title=t("per_arm", lang), yaxis_title=t("power", lang),
                      yaxis_tickformat=".0%")
    return write_page(path, t("plan", lang), lang, [("", figure_html(fig))])
