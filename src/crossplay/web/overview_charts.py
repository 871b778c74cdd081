"""The overview's line chart: one KPI over time with its 95% interval as a band."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

#: one point: (x label, value, interval low, interval high); ``None`` leaves a gap
Point = tuple[str, float | None, float | None, float | None]


def kpi_line(points: Sequence[Point], *, title: str, x_title: str, y_title: str,
             value_name: str, band_name: str, percent: bool = True) -> dict[str, Any]:
    """A Plotly figure (as a dict) of the points with their intervals shaded."""
    xs = [p[0] for p in points]
    fig = go.Figure()
    if any(p[2] is not None and p[3] is not None for p in points):
        fig.add_trace(go.Scatter(x=xs, y=[p[3] for p in points], mode="lines",
                                 line={"width": 0}, hoverinfo="skip", showlegend=False,
                                 connectgaps=False))
        fig.add_trace(go.Scatter(x=xs, y=[p[2] for p in points], mode="lines",
                                 line={"width": 0}, fill="tonexty",
                                 fillcolor="rgba(31, 119, 180, 0.18)", name=band_name,
                                 hoverinfo="skip", connectgaps=False))
    fig.add_trace(go.Scatter(x=xs, y=[p[1] for p in points], mode="lines+markers",
                             name=value_name, line={"color": "rgb(31, 119, 180)"},
                             connectgaps=False))
    fig.update_layout(title={"text": title}, xaxis_title=x_title, yaxis_title=y_title,
                      yaxis={"tickformat": ".1%" if percent else None, "rangemode": "tozero"},
                      margin={"l": 60, "r": 20, "t": 50, "b": 50}, height=320,
                      legend={"orientation": "h", "y": -0.25})
    out: dict[str, Any] = fig.to_plotly_json()
    return out
