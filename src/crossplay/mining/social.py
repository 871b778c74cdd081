"""Social influence on a weighted graph: PageRank, reach within two hops, Leiden communities.

Pure: everything works on integer node ids (``0 .. n-1``) and numpy arrays, so the same
code runs on the lake's graph (:mod:`crossplay.mining.social_job`) and on the 1M-node
benchmark graph.

- Edge weight: each raw edge (kind, weight) becomes a strength ``KIND_WEIGHT[kind] *
  log1p(weight)`` (counts and yuan are heavy-tailed); parallel edges add up.
- Influence: weighted PageRank on the directed graph (``igraph.Graph.pagerank``): a follow,
  gift or chat from u to v passes rank to v, so streamers and well-connected users rise.
- Reach: ``reach1`` = distinct neighbours (either direction), ``reach2`` = distinct nodes
  within two hops (exact, by ``igraph.Graph.neighborhood(order=2)``, computed for the
  candidates asked for).
- Expected reach in a target set T (a segment): each edge carries a message with
  probability ``p = 1 - exp(-strength)``; ``expected = A_p t + q · A_p (A_p t)`` where ``t``
  marks T and ``q`` (default 0.3) is the chance a contact passes it on — the first two terms
  of an independent-cascade / Katz expansion, two sparse matrix-vector products, so it is
  computed for every node at once.
- Communities: Leiden on the undirected graph with the modularity objective
  (``igraph.Graph.community_leiden(objective_function="modularity")``), weights = strengths.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import igraph as ig
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from crossplay.mining.fpm import MiningError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: how much one unit of each relation is worth (before log1p of its weight)
KIND_WEIGHT: dict[str, float] = {
    "friend": 1.0, "team": 1.0, "invite": 1.5, "follow": 1.0, "gift": 1.2, "chat": 0.6,
}


@dataclass(frozen=True)
class Influence:
    pagerank: FloatArray
    in_strength: FloatArray
    reach1: IntArray
    communities: IntArray
    modularity: float
    expected_reach: FloatArray | None  # None without a target set


def _pairs(a: npt.ArrayLike, b: npt.ArrayLike) -> list[tuple[int, int]]:
    """Edge list for igraph (tuples of Python ints convert faster than a numpy array)."""
    return list(zip(np.asarray(a).tolist(), np.asarray(b).tolist(), strict=True))


def strengths(kinds: npt.NDArray[np.str_] | list[str], weights: npt.ArrayLike) -> FloatArray:
    """Edge strength from relation kind and raw weight (see module doc)."""
    w = np.asarray(weights, dtype=np.float64)
    k = np.asarray([KIND_WEIGHT.get(str(x), 0.5) for x in kinds], dtype=np.float64) \
        if not isinstance(kinds, np.ndarray) or kinds.dtype.kind in "OUS" else kinds
    return np.asarray(k * np.log1p(np.maximum(np.nan_to_num(w, nan=1.0), 0.0)),
                      dtype=np.float64)


def _collapse(src: IntArray, dst: IntArray, w: FloatArray,
              n: int) -> tuple[IntArray, IntArray, FloatArray]:
    """Sum parallel edges and drop self-loops."""
    keep = src != dst
    m = sp.coo_matrix((w[keep], (src[keep], dst[keep])), shape=(n, n)).tocsr()
    m.sum_duplicates()
    coo = m.tocoo()
    return (coo.row.astype(np.int64), coo.col.astype(np.int64),
            coo.data.astype(np.float64))


def analyse(src: npt.ArrayLike, dst: npt.ArrayLike, strength: npt.ArrayLike, n_nodes: int,
            target: npt.NDArray[np.bool_] | None = None, q: float = 0.3,
            communities: bool = True, seed: int = 0) -> Influence:
    """PageRank, reach, communities and (with ``target``) expected reach of every node."""
    s = np.asarray(src, dtype=np.int64)
    d = np.asarray(dst, dtype=np.int64)
    w = np.asarray(strength, dtype=np.float64)
    if s.shape != d.shape or s.shape != w.shape:
        raise MiningError("src, dst and strength differ in length")
    if n_nodes == 0:
        raise MiningError("the social graph is empty: ingest social edges first",
                          code="mining_no_data")
    s, d, w = _collapse(s, d, w, n_nodes)
    g = ig.Graph(n=n_nodes, edges=_pairs(s, d), directed=True)
    pr = np.asarray(g.pagerank(weights=w.tolist(), directed=True), dtype=np.float64) \
        if s.size else np.full(n_nodes, 1.0 / n_nodes)
    in_strength = np.bincount(d, weights=w, minlength=n_nodes).astype(np.float64)
    und = sp.coo_matrix((w, (s, d)), shape=(n_nodes, n_nodes)).tocsr()
    und = (und + und.T).tocsr()
    und.sum_duplicates()
    reach1 = np.diff(und.indptr).astype(np.int64)
    membership = np.zeros(n_nodes, dtype=np.int64)
    modularity = 0.0
    if communities and s.size:
        coo = sp.triu(und, k=1).tocoo()
        ug = ig.Graph(n=n_nodes, edges=_pairs(coo.row, coo.col), directed=False)
        ig.set_random_number_generator(random.Random(seed))
        try:
            part = ug.community_leiden(objective_function="modularity",
                                       weights=coo.data.tolist(),
                                       n_iterations=-1)
        finally:
            ig.set_random_number_generator(random)
        membership = np.asarray(part.membership, dtype=np.int64)
        modularity = float(ug.modularity(part.membership, weights=coo.data.tolist()))
    expected = None
    if target is not None:
        t = np.asarray(target, dtype=np.float64)
        if t.shape != (n_nodes,):
            raise MiningError("target must mark every node")
        prob = und.copy()
        prob.data = 1.0 - np.exp(-prob.data)
        one = prob @ t
        expected = np.asarray(one + q * (prob @ one), dtype=np.float64)
    return Influence(pr, in_strength, reach1, membership, modularity, expected)


def two_hop_reach(src: npt.ArrayLike, dst: npt.ArrayLike, n_nodes: int,
                  nodes: list[int], target: npt.NDArray[np.bool_] | None = None) -> IntArray:
    """Distinct nodes (or target nodes) within two hops of each of ``nodes`` (exact)."""
    s = np.asarray(src, dtype=np.int64)
    d = np.asarray(dst, dtype=np.int64)
    g = ig.Graph(n=n_nodes, edges=_pairs(s, d), directed=False)
    out = []
    for hood in g.neighborhood(nodes, order=2, mindist=1):
        idx = np.asarray(hood, dtype=np.int64)
        out.append(int(target[idx].sum()) if target is not None else int(idx.size))
    return np.asarray(out, dtype=np.int64)
