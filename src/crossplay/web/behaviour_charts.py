"""The behaviour page's Plotly figures, each from aggregates a service already computed.

Pure functions: labels arrive translated, numbers arrive aggregated (step counts, cohort
rates, Sankey nodes and links, survival at a few days), so no figure holds a person.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

_MARGIN = {"t": 60, "l": 60, "r": 20, "b": 60}


def funnel_figure(title: str, steps: Sequence[str],
                  counts: Sequence[int | float | None]) -> go.Figure:
    """People at each step (``None``: hidden), with the share of step 1 and of the
    previous step as text."""
    fig = go.Figure(go.Funnel(y=list(steps), x=list(counts),
                              textinfo="value+percent initial+percent previous"))
    fig.update_layout(title=title, margin=_MARGIN)
    return fig


def retention_figure(title: str, cohorts: Sequence[str], sizes: Sequence[int],
                     days: Sequence[str], rates: Sequence[Sequence[float | None]],
                     x_title: str, y_title: str) -> go.Figure:
    """A cohort heatmap: rows are cohorts (with their size), columns days after."""
    z = [[None if v is None else round(100 * v, 1) for v in row] for row in rates]
    fig = go.Figure(go.Heatmap(
        z=z, x=list(days), y=[f"{c} (n={n:,})" for c, n in zip(cohorts, sizes, strict=True)],
        colorscale="Blues", zmin=0, zmax=100,
        text=[["" if v is None else f"{v:g}%" for v in row] for row in z],
        texttemplate="%{text}", hoverongaps=False, colorbar={"ticksuffix": "%"}))
    fig.update_layout(title=title, xaxis={"title": x_title, "type": "category"},
                      yaxis={"title": y_title, "autorange": "reversed", "type": "category"},
                      margin=_MARGIN)
    return fig


def sankey_figure(title: str, data: dict[str, Any]) -> go.Figure:
    """``data`` as :func:`crossplay.mining.paths.sankey` gives it (nodes, weighted links)."""
    links = data["links"]
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node={"label": list(data["nodes"]), "pad": 12, "thickness": 14},
        link={"source": [lk["source"] for lk in links], "target": [lk["target"] for lk in links],
              "value": [lk["value"] for lk in links]}))
    fig.update_layout(title=title, margin=_MARGIN)
    return fig


def survival_figure(title: str, curves: Sequence[tuple[str, Sequence[float],
                                                         Sequence[float]]],
                    x_title: str, y_title: str) -> go.Figure:
    """Kaplan–Meier curves as steps: each ``(name, days, share still active)``."""
    fig = go.Figure()
    for name, days, share in curves:
        fig.add_trace(go.Scatter(x=list(days), y=list(share), name=name, mode="lines+markers",
                                 line={"shape": "hv"}))
    fig.update_layout(title=title, xaxis_title=x_title,
                      yaxis={"title": y_title, "tickformat": ".0%", "range": [0, 1.02]},
                      margin=_MARGIN)
    return fig
