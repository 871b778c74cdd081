"""The campaigns page's Plotly figures (as dicts), from aggregates only.

Every text on a figure (title, axis titles, trace names) is passed in already translated.
``None`` values (suppressed for a partner-scoped viewer) leave gaps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

_LAYOUT: dict[str, Any] = {"margin": {"l": 60, "r": 20, "t": 50, "b": 50}, "height": 340,
                           "legend": {"orientation": "h", "y": -0.2}}


def _out(fig: go.Figure) -> dict[str, Any]:
    out: dict[str, Any] = fig.to_plotly_json()
    return out


def points_by_day(days: Sequence[str], series: Sequence[tuple[str, Sequence[int | None]]], *,
                  title: str, x_title: str, y_title: str) -> dict[str, Any]:
    """Grouped bars: one trace per (name, values by day)."""
    fig = go.Figure()
    for name, values in series:
        fig.add_trace(go.Bar(x=list(days), y=list(values), name=name))
    fig.update_layout(title={"text": title}, xaxis_title=x_title, yaxis_title=y_title,
                      barmode="group", **_LAYOUT)
    return _out(fig)


def burn_down(days: Sequence[str], left: Sequence[int | None], total: int, *, title: str,
              x_title: str, y_title: str, left_name: str, total_name: str) -> dict[str, Any]:
    """The budget left at the end of each day, under the funded total."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=list(days), y=list(left), mode="lines+markers", name=left_name,
                             line={"shape": "hv"}, connectgaps=True))
    if days:
        fig.add_trace(go.Scatter(x=[days[0], days[-1]], y=[total, total], mode="lines",
                                 name=total_name, line={"dash": "dash", "color": "grey"}))
    fig.update_layout(title={"text": title}, xaxis_title=x_title, yaxis_title=y_title,
                      yaxis={"rangemode": "tozero"}, **_LAYOUT)
    return _out(fig)


def streaks(lengths: Sequence[int], persons: Sequence[int | None], milestones: Sequence[int],
            *, title: str, x_title: str, y_title: str, milestone_name: str) -> dict[str, Any]:
    """People by best dual check-in streak, with the bonus milestones marked."""
    fig = go.Figure(go.Bar(x=list(lengths), y=list(persons), name=y_title))
    for m in milestones:
        fig.add_vline(x=m - 0.5, line_dash="dot", line_color="grey",
                      annotation_text=f"{milestone_name} {m}", annotation_position="top")
    fig.update_layout(title={"text": title}, xaxis_title=x_title, yaxis_title=y_title,
                      xaxis={"dtick": 1}, showlegend=False, **_LAYOUT)
    return _out(fig)


def stock(rewards: Sequence[str], parts: Sequence[tuple[str, Sequence[int | None]]], *,
          title: str, x_title: str, y_title: str) -> dict[str, Any]:
    """Stacked bars per reward: units left, reserved and redeemed."""
    fig = go.Figure()
    for name, values in parts:
        fig.add_trace(go.Bar(x=list(rewards), y=list(values), name=name))
    fig.update_layout(title={"text": title}, xaxis_title=x_title, yaxis_title=y_title,
                      barmode="stack", **_LAYOUT)
    return _out(fig)
