"""The association rules as a network: items as nodes, pair rules as edges weighted by lift.

Only *pair* rules (one item on each side) become edges; a rule and its reverse (same two
items) are one edge, as lift is symmetric. The layout is igraph's Fruchterman-Reingold
with lift as the attraction weight, seeded, so a page shows the same picture for the same
rules; the figure is a plain Plotly scatter (edges as lines, a hover point at each
edge's middle, nodes coloured by platform and sized by how many people hold the item).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import igraph as ig
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from crossplay.core.types import Lang
from crossplay.mining.names import DOMAIN_PLATFORM, token_domain

#: edges drawn at most (the strongest by significance, then lift)
MAX_EDGES = 60
_COLOURS = {"knowledge": "#2a9d8f", "game": "#e76f51", "stream": "#6a4c93"}
_WIDTHS = (1.0, 2.5, 4.5)


def pair_rules(frame: pd.DataFrame) -> pd.DataFrame:
    """The rules with one token on each side, one row per unordered pair (its strongest
    direction), significant first, then by lift; at most :data:`MAX_EDGES`."""
    if frame.empty:
        return frame
    single = ~frame["antecedent"].str.contains(" & ", regex=False) & \
        ~frame["consequent"].str.contains(" & ", regex=False)
    pairs = frame.loc[single].copy()
    pairs["pair"] = [" | ".join(sorted((a, c))) for a, c in
                     zip(pairs["antecedent"], pairs["consequent"], strict=True)]
    pairs = pairs.sort_values(["significant", "lift", "confidence"], ascending=False,
                              kind="stable")
    return pairs.drop_duplicates("pair").head(MAX_EDGES).reset_index(drop=True)


def rule_network(frame: pd.DataFrame, lang: Lang, t: Callable[..., str]
                 ) -> tuple[dict[str, Any], int] | None:
    """The network figure (``to_plotly_json``) and its point count, or ``None`` when no
    pair rule is left to draw. ``frame`` holds :data:`~crossplay.mining.rule_mining.
    RULE_COLUMNS`; ``t`` looks texts up in the page's language."""
    pairs = pair_rules(frame)
    if pairs.empty:
        return None
    suffix = "zh" if lang == "zh-CN" else "en"
    names: dict[str, str] = {}
    holders: dict[str, int] = {}
    for r in pairs.to_dict(orient="records"):
        for side, count in (("antecedent", "antecedent_count"),
                            ("consequent", "consequent_count")):
            names[r[side]] = r[f"{side}_{suffix}"]
            holders[r[side]] = max(holders.get(r[side], 0), int(r[count]))
    tokens = sorted(names)
    index = {tok: i for i, tok in enumerate(tokens)}
    edges = [(index[a], index[c]) for a, c in zip(pairs["antecedent"], pairs["consequent"],
                                                   strict=True)]
    lifts = pairs["lift"].astype(float).clip(upper=50.0).tolist()
    graph = ig.Graph(n=len(tokens), edges=edges, directed=False)
    ig.set_random_number_generator(random.Random(0))
    try:
        layout = graph.layout_fruchterman_reingold(weights=lifts, niter=500)
    finally:
        ig.set_random_number_generator(random)
    xy = np.asarray(layout.coords, dtype=np.float64).reshape(len(tokens), 2)

    fig = go.Figure()
    cuts = np.quantile(lifts, [1 / 3, 2 / 3]) if len(lifts) > 2 else [np.inf, np.inf]
    tier = np.searchsorted(cuts, lifts, side="right")
    for level, width in enumerate(_WIDTHS):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for (a, c), lv in zip(edges, tier, strict=True):
            if lv == level:
                xs += [float(xy[a, 0]), float(xy[c, 0]), None]
                ys += [float(xy[a, 1]), float(xy[c, 1]), None]
        if xs:
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip",
                                     showlegend=False,
                                     line={"width": width, "color": "rgba(120,120,120,0.6)"}))
    hover = [t("web.mining.network.edge", a=names[a], c=names[c], lift=float(lift),
               conf=float(conf), q=float(q))
             for a, c, lift, conf, q in zip(pairs["antecedent"], pairs["consequent"],
                                            pairs["lift"], pairs["confidence"],
                                            pairs["q_value"], strict=True)]
    fig.add_trace(go.Scatter(
        x=[float((xy[a, 0] + xy[c, 0]) / 2) for a, c in edges],
        y=[float((xy[a, 1] + xy[c, 1]) / 2) for a, c in edges],
        mode="markers", marker={"size": 6, "color": "rgba(120,120,120,0.3)"},
        hovertext=hover, hoverinfo="text", name=t("web.mining.network.rules")))
    biggest = max(holders.values()) or 1
    for platform in ("knowledge", "game", "stream"):
        mine = [tok for tok in tokens if DOMAIN_PLATFORM.get(token_domain(tok)) == platform]
        if not mine:
            continue
        fig.add_trace(go.Scatter(
            x=[float(xy[index[tok], 0]) for tok in mine],
            y=[float(xy[index[tok], 1]) for tok in mine],
            mode="markers+text", text=[names[tok] for tok in mine], textposition="top center",
            hovertext=[t("web.mining.network.node", name=names[tok], n=holders[tok])
                       for tok in mine], hoverinfo="text",
            marker={"size": [12 + 18 * holders[tok] / biggest for tok in mine],
                    "color": _COLOURS[platform], "line": {"width": 1, "color": "#fff"}},
            name=t(f"web.platform.{platform}")))
    hidden = {"visible": False, "showgrid": False, "zeroline": False}
    fig.update_layout(title=t("web.mining.network.title"), xaxis=hidden, yaxis=hidden,
                      hovermode="closest", height=520, plot_bgcolor="white",
                      margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      legend={"title": {"text": t("web.mining.network.legend")}})
    return fig.to_plotly_json(), len(tokens) + len(edges)
