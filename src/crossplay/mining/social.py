"""Social influence on a weighted graph: PageRank, reach within two hops, Leiden communities.

Pure: everything works on integer node ids (``0 .. n-1``) and numpy arrays, so the same
code runs on the lake's graph (:mod:`crossplay.mining.social_job`) and on the 1M-node
benchmark graph.

- Edge weight: each raw edge (kind, weight) becomes a strength ``KIND_WEIGHT[kind] *
  log1p(weight)`` (counts and yuan are heavy-tailed); parallel edges add up.
- Influence: weighted PageRank on the directed graph: a follow, gift or chat from u to v
  passes rank to v, so streamers and well-connected users rise. Computed by power iteration
  on a scipy sparse matrix (:func:`pagerank`) rather than ``igraph.Graph.pagerank``: the
  iteration itself is as fast as igraph's PRPACK, but it needs no igraph graph, and building
  one from 10M edges costs more than the whole iteration (python-igraph converts every
  edge to Python ints; a numpy edge array is no faster). Checked against igraph and an
  independent edge-list power iteration in the tests.
- Reach: ``reach1`` = distinct neighbours (either direction), ``reach2`` = distinct nodes
  within two hops (exact, from the rows of the undirected CSR adjacency: the union of the
  neighbours' rows, computed for the candidates asked for, no graph object).
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
import pandas as pd
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


#: PageRank damping factor and convergence threshold (L1 change between iterations)
DAMPING = 0.85
PR_TOL = 1e-10
PR_MAX_ITER = 1000


def _pairs(a: npt.ArrayLike, b: npt.ArrayLike) -> list[tuple[int, int]]:
    """Edge list for igraph (tuples of Python ints convert faster than a numpy array)."""
    return list(zip(np.asarray(a).tolist(), np.asarray(b).tolist(), strict=True))


def pagerank(src: IntArray, dst: IntArray, w: FloatArray, n_nodes: int,
             damping: float = DAMPING) -> FloatArray:
    """Weighted PageRank by power iteration on a sparse matrix.

    Same model as igraph's (PRPACK): rank flows along each edge in proportion to its weight
    among the source's out-edges, with probability ``1 - damping`` a jump to a uniform node,
    and the rank of nodes without out-edges spread uniformly. Parallel edges must already be
    summed (:func:`_collapse`).
    """
    if src.size == 0:
        return np.full(n_nodes, 1.0 / n_nodes)
    out = np.bincount(src, weights=w, minlength=n_nodes)
    dangling = out == 0
    # column-stochastic transition matrix, stored as CSR of the transpose (row = target)
    trans = sp.csr_matrix((w / out[src], (dst, src)), shape=(n_nodes, n_nodes))
    pr = np.full(n_nodes, 1.0 / n_nodes)
    for _ in range(PR_MAX_ITER):
        nxt = damping * (trans @ pr)
        nxt += (1.0 - damping + damping * pr[dangling].sum()) / n_nodes
        nxt /= nxt.sum()
        delta = float(np.abs(nxt - pr).sum())
        pr = nxt
        if delta < PR_TOL:
            break
    return np.asarray(pr, dtype=np.float64)


def strengths(kinds: npt.NDArray[np.str_] | list[str], weights: npt.ArrayLike) -> FloatArray:
    """Edge strength from relation kind and raw weight (see module doc)."""
    w = np.asarray(weights, dtype=np.float64)
    k = (pd.Series(np.asarray(kinds, dtype=object)).astype(str).map(KIND_WEIGHT)
         .fillna(0.5).to_numpy(np.float64)
         if not isinstance(kinds, np.ndarray) or kinds.dtype.kind in "OUS" else kinds)
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
        raise MiningError("src, dst and strength differ in length",
                          code="mining_edge_lengths", params={})
    if n_nodes == 0:
        raise MiningError("the social graph is empty: ingest social edges first",
                          code="mining_graph_empty", params={})
    s, d, w = _collapse(s, d, w, n_nodes)
    pr = pagerank(s, d, w, n_nodes)
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
            raise MiningError("target must mark every node", code="mining_target_shape",
                              params={})
        prob = und.copy()
        prob.data = 1.0 - np.exp(-prob.data)
        one = prob @ t
        expected = np.asarray(one + q * (prob @ one), dtype=np.float64)
    return Influence(pr, in_strength, reach1, membership, modularity, expected)


def undirected_adjacency(src: npt.ArrayLike, dst: npt.ArrayLike, n_nodes: int) -> sp.csr_matrix:
    """Boolean symmetric CSR adjacency without self-loops (for :func:`two_hop_reach`)."""
    s = np.asarray(src, dtype=np.int64)
    d = np.asarray(dst, dtype=np.int64)
    keep = s != d
    s, d = s[keep], d[keep]
    ones = np.ones(2 * s.size, dtype=np.bool_)
    adj = sp.csr_matrix((ones, (np.concatenate([s, d]), np.concatenate([d, s]))),
                        shape=(n_nodes, n_nodes))
    adj.sum_duplicates()
    return adj


def two_hop_reach(src: npt.ArrayLike, dst: npt.ArrayLike, n_nodes: int,
                  nodes: list[int], target: npt.NDArray[np.bool_] | None = None,
                  adjacency: sp.csr_matrix | None = None) -> IntArray:
    """Distinct nodes (or target nodes) within two hops of each of ``nodes`` (exact).

    Either direction counts; the node itself does not. For each node: its neighbours are its
    row of the undirected adjacency, the two-hop set the union of their rows, marked in one
    boolean vector (no per-neighbour Python loop). Pass ``adjacency`` (from
    :func:`undirected_adjacency`) to reuse it across calls.
    """
    adj = adjacency if adjacency is not None else undirected_adjacency(src, dst, n_nodes)
    indptr, indices = adj.indptr, adj.indices
    out = np.zeros(len(nodes), dtype=np.int64)
    for i, v in enumerate(nodes):
        if not 0 <= v < n_nodes:
            raise MiningError(f"node {v} is not in the graph", code="mining_unknown_node",
                              params={"node": v})
        first = indices[indptr[v]:indptr[v + 1]]
        mark = np.zeros(n_nodes, dtype=np.bool_)
        mark[first] = True
        if first.size:
            starts, ends = indptr[first], indptr[first + 1]
            lengths = ends - starts
            # positions of all neighbours' entries, gathered without a Python loop
            offs = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) \
                + np.arange(int(lengths.sum()))
            mark[indices[offs]] = True
        mark[v] = False
        out[i] = int(target[mark].sum()) if target is not None else int(mark.sum())
    return out
