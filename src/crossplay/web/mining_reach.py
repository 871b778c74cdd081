"""Influencers per segment for the mining page, computed without writing anything.

``crossplay social rank`` (:func:`crossplay.mining.social_job.rank_social`) builds the
lake's social graph, stores every node's influence under ``derived/mining/social/`` and
audits the run. A page build must not do either: a write under ``derived/`` changes the
data signature every cached page depends on (:mod:`crossplay.web.cache`), so each build
would empty the cache. This module runs the same steps on the same graph — the job's
edge query (``_edges_sql``, consent applied there), its target sets
(``_target_nodes``), its streamer names (the one-line catalog lookup of
``_streamer_titles``, read on the same connection), and the pure functions of
:mod:`crossplay.mining.social` — and returns the ranking only, so the figures equal what
``crossplay social rank --segment S --platform P`` prints. (A ``store=False`` option on
``rank_social`` would let the page call it directly.) Communities are not computed
(the page does not show them, and Leiden is the slow part on a large graph).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from crossplay.core.settings import Settings
from crossplay.mining.fpm import MiningError
from crossplay.mining.names import split_title
from crossplay.mining.population import mining_connection
from crossplay.mining.social import analyse, strengths, two_hop_reach, undirected_adjacency
from crossplay.mining.social_job import (
    PLATFORMS,
    GraphPlatform,
    _edges_sql,
    _target_nodes,
)

#: the chance a contact passes a message on (as ``rank_social``'s default)
Q = 0.3


@dataclass(frozen=True)
class Graph:
    """The social graph of one platform as integer edges (see :mod:`crossplay.mining.social`)."""

    platform: str
    src: npt.NDArray[np.int64]
    dst: npt.NDArray[np.int64]
    strength: npt.NDArray[np.float64]
    nodes: npt.NDArray[Any]  # node ids: s:<streamer>, p:<person>, u:<partner>:<key>
    #: streamer node -> its catalog title (``中文 / English``)
    titles: dict[str, str]

    @property
    def n(self) -> int:
        return len(self.nodes)


def load_graph(settings: Settings, platform: str = "stream") -> Graph:
    """The graph ``rank_social`` builds for ``platform`` (consent applied by its query)."""
    if platform not in PLATFORMS:
        raise MiningError(f"unknown platform {platform!r}; use one of {', '.join(PLATFORMS)}",
                          code="mining_unknown_platform",
                          params={"platform": platform, "platforms": ", ".join(PLATFORMS)})
    gp: GraphPlatform = platform  # type: ignore[assignment]
    con = mining_connection(settings)
    try:
        edges = con.sql(_edges_sql(gp)).df()
        # the names ``rank_social`` gives streamers (its ``_streamer_titles``), read on
        # this connection rather than a second one
        titles = {f"s:{i}": str(t) for i, t in con.sql(
            "SELECT item_id, title FROM items_current WHERE item_type = 'streamer'"
        ).fetchall() if t is not None}
    finally:
        con.close()
    if edges.empty:
        raise MiningError("no social edges to rank: ingest a social graph first",
                          code="mining_no_edges", params={})
    codes, nodes = pd.factorize(pd.concat([edges["src"], edges["dst"]], ignore_index=True))
    m = len(edges)
    w = strengths(edges["kind"].astype(str).to_numpy(dtype=object),
                  edges["weight"].to_numpy(np.float64))
    return Graph(platform, np.asarray(codes[:m], np.int64), np.asarray(codes[m:], np.int64),
                 w, np.asarray(nodes, dtype=object), titles)


def _ranked(g: Graph, pool: npt.NDArray[np.int64], score: npt.NDArray[np.float64],
            pagerank: npt.NDArray[np.float64], top: int) -> npt.NDArray[np.int64]:
    """``rank_social``'s order: by score, ties by PageRank."""
    order = np.lexsort((-pagerank[pool], -score[pool]))
    return np.asarray(pool[order][:top], np.int64)


def rank(settings: Settings, g: Graph, *, what: str, segments: list[int | None],
         scope: str = "joint", top: int = 5,
         prefixes: tuple[str, ...] | None = None) -> pd.DataFrame:
    """For each of ``segments`` (``None``: no segment, rank by PageRank) the ``top``
    nodes of kind ``what`` (``streamer`` or ``user``), as ``rank_social`` ranks them.

    Columns: ``segment``, ``node``, ``node_type``, ``streamer_id``, ``name_zh``, ``name_en``,
    ``pagerank``, ``reach1``, ``reach2``, ``expected_reach`` and ``segment_reach2`` (both
    ``NaN`` without a segment). ``prefixes``: rank only nodes whose id starts with one of
    them (e.g. ``("u:game:",)``: the game partner's own users).
    """
    kinds = np.where(pd.Series(g.nodes).str.startswith("s:").to_numpy(), "streamer", "user")
    ok = kinds == what
    if prefixes is not None:
        ok &= pd.Series(g.nodes).str.startswith(prefixes).to_numpy(dtype=bool)
    pool = np.flatnonzero(ok).astype(np.int64)
    adj = undirected_adjacency(g.src, g.dst, g.n)
    titles = g.titles
    base = analyse(g.src, g.dst, g.strength, g.n, communities=False)
    frames = []
    for seg in segments:
        target = None
        inf = base
        if seg is not None:
            wanted = _target_nodes(settings, scope, seg)
            target = np.asarray(pd.Index(g.nodes).isin(list(wanted)), dtype=bool)
            inf = analyse(g.src, g.dst, g.strength, g.n, target=target, q=Q,
                          communities=False)
        score = inf.expected_reach if inf.expected_reach is not None else inf.pagerank
        best = _ranked(g, pool, score, inf.pagerank, top)
        ids = [str(n) for n in g.nodes[best]]
        reach2 = two_hop_reach(g.src, g.dst, g.n, best.tolist(), adjacency=adj)
        seg_reach2: Any = (two_hop_reach(g.src, g.dst, g.n, best.tolist(), target,
                                         adjacency=adj) if target is not None
                           else np.full(len(best), np.nan))
        names = [split_title(titles.get(n, n)) for n in ids]
        frames.append(pd.DataFrame({
            "segment": seg, "node": ids, "node_type": kinds[best],
            "streamer_id": [n[2:] if n.startswith("s:") else None for n in ids],
            "name_zh": [z for z, _ in names], "name_en": [e for _, e in names],
            "pagerank": inf.pagerank[best], "reach1": inf.reach1[best], "reach2": reach2,
            "expected_reach": (inf.expected_reach[best] if inf.expected_reach is not None
                               else np.full(len(best), np.nan)),
            "segment_reach2": seg_reach2}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
