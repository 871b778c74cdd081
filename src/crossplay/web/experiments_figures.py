"""The experiments page's Plotly figures (as dicts): the forest plot of relative lifts, the
sequential view and the Qini curve.

They draw what :mod:`crossplay.measure.report` draws for the HTML reports (whose builders
return HTML fragments, not figures), from the same analysis objects; every text is
passed in translated. Non-finite numbers become gaps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import plotly.graph_objects as go

from crossplay.measure.analysis import Analysis

if TYPE_CHECKING:
    from crossplay.measure.lakeanalysis import SeriesPoint
    from crossplay.measure.uplift_eval import UpliftEvaluation

_MARGIN = {"l": 60, "r": 20, "t": 50, "b": 50}


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None


def _out(fig: go.Figure) -> dict[str, Any]:
    out: dict[str, Any] = fig.to_plotly_json()
    return out


def forest(a: Analysis, labels: dict[str, str], *, title: str, x_title: str,
           y_title: str) -> tuple[dict[str, Any], int]:
    """Relative lift of every metric (one row each, one marker per variant) with its
    interval, a dashed line at no change. ``labels``: metric -> its row label. Returns
    the figure and how many lifts it shows."""
    fig = go.Figure()
    shown = 0
    for v in a.variants:
        if v == a.control:
            continue
        cs = [c for c in a.comparisons if c.variant == v]
        xs = [_finite(c.rel) for c in cs]
        shown += sum(1 for x in xs if x is not None)
        fig.add_trace(go.Scatter(
            x=xs, y=[labels[c.metric] for c in cs], mode="markers", name=v,
            marker={"size": 10},
            error_x={"type": "data", "symmetric": False,
                     "array": [_finite(c.rel_ci_high - c.rel) for c in cs],
                     "arrayminus": [_finite(c.rel - c.rel_ci_low) for c in cs]}))
    fig.add_vline(x=0, line_dash="dash", line_color="grey")
    rows = len({c.metric for c in a.comparisons})
    fig.update_layout(title={"text": title}, xaxis_title=x_title, yaxis_title=y_title,
                      xaxis_tickformat="+.0%", yaxis={"autorange": "reversed"},
                      height=180 + 50 * rows, margin=_MARGIN,
                      legend={"orientation": "h", "y": -0.25})
    return _out(fig), shown


def sequential(series: Sequence[SeriesPoint], *, title: str, x_title: str, y_title: str,
               diff_name: str, always_name: str, fixed_name: str) -> dict[str, Any]:
    """The cumulative difference of the primary metric by exposure day, with the
    always-valid (mSPRT) and the fixed-horizon intervals as bands."""
    fig = go.Figure()
    for v in sorted({p.variant for p in series}):
        pts = [p for p in series if p.variant == v]
        days = [p.day for p in pts]
        if len(pts) == 1:  # one day: intervals as error bars (a band needs two days)
            p = pts[0]
            for name, lo, hi, width in ((always_name, p.seq_low, p.seq_high, 3),
                                        (fixed_name, p.ci_low, p.ci_high, 8)):
                fig.add_trace(go.Scatter(
                    x=days, y=[p.diff], mode="markers", name=f"{v}: {name}",
                    marker={"size": 1},
                    error_y={"type": "data", "symmetric": False, "array": [hi - p.diff],
                             "arrayminus": [p.diff - lo], "thickness": width}))
        else:
            fig.add_trace(go.Scatter(x=days + days[::-1],
                                     y=[p.seq_high for p in pts] + [p.seq_low for p in pts][::-1],
                                     fill="toself", opacity=0.2, name=f"{v}: {always_name}",
                                     line={"width": 0}, hoverinfo="skip"))
            fig.add_trace(go.Scatter(x=days + days[::-1],
                                     y=[p.ci_high for p in pts] + [p.ci_low for p in pts][::-1],
                                     fill="toself", opacity=0.3, name=f"{v}: {fixed_name}",
                                     line={"width": 0}, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=days, y=[p.diff for p in pts], name=f"{v}: {diff_name}",
                                 mode="lines+markers"))
    fig.add_hline(y=0, line_dash="dash", line_color="grey")
    fig.update_layout(title={"text": title}, xaxis_title=x_title, yaxis_title=y_title,
                      xaxis={"type": "category"}, height=360, margin=_MARGIN,
                      legend={"orientation": "h", "y": -0.25})
    return _out(fig)


def qini(ev: UpliftEvaluation, *, title: str, x_title: str, y_title: str, model_name: str,
         random_name: str) -> dict[str, Any]:
    """The Qini curve of the model on the hold-out against random targeting, the targeted
    share q marked."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=list(ev.qini.fraction), y=list(ev.qini.qini), name=model_name,
                             mode="lines"))
    fig.add_trace(go.Scatter(x=list(ev.qini.fraction), y=list(ev.qini.random),
                             name=random_name, mode="lines", line={"dash": "dash"}))
    fig.add_vline(x=ev.q, line_dash="dot", line_color="grey")
    fig.update_layout(title={"text": title}, xaxis_title=x_title, yaxis_title=y_title,
                      xaxis_tickformat=".0%", height=360, margin=_MARGIN,
                      legend={"orientation": "h", "y": -0.25})
    return _out(fig)
