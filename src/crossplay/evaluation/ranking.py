"""Deterministic full ranking: equal scores are ordered by item id (pure).

Items are indexed in **tie order** (``tie_order``): by domain name, then by item id —
as integers when every item id of that domain is a run of ASCII digits (``2`` before
``10``; equal values such as ``07`` and ``7`` then by text), otherwise by text in Unicode
code point order (the byte order of UTF-8, ``LC_ALL=C sort``: ``Zelda`` before
``apple``, `` Dota 2`` before ``Dota 2``). ``top_k`` ranks by score, highest first, and
equal scores by the lower index, i.e. the earlier item in tie order — the order a
``pandas`` sort by ``(-score, item id)`` gives. ``NaN`` and ``-inf`` scores are never
ranked.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


def _domain_key(items: npt.NDArray[np.object_]) -> tuple[npt.NDArray[np.int64], bool]:
    """Rank of each id within its domain's tie order (numeric or text)."""
    texts = [str(x) for x in items]
    numeric = bool(texts) and all(t.isascii() and t.isdigit() for t in texts)
    if numeric:
        as_int = [int(t) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: (as_int[i], texts[i]))
    else:
        order = sorted(range(len(texts)), key=lambda i: texts[i])
    rank = np.empty(len(texts), dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(len(texts), dtype=np.int64)
    return rank, numeric


def tie_order(domains: npt.NDArray[np.object_], items: npt.NDArray[np.object_]
              ) -> IntArray:
    """The permutation that sorts distinct (domain, item) pairs into tie order."""
    doms = np.asarray(domains, dtype=object).astype(str)
    rank = np.zeros(len(doms), dtype=np.int64)
    for d in np.unique(doms):
        sel = np.flatnonzero(doms == d)
        rank[sel], _ = _domain_key(np.asarray(items, dtype=object)[sel])
    dom_codes = np.unique(doms, return_inverse=True)[1].ravel()
    return np.lexsort((rank, dom_codes)).astype(np.int64)


def top_k(scores: npt.NDArray[np.floating], k: int
          ) -> tuple[IntArray, npt.NDArray[np.float32]]:
    """Best ``k`` item indexes per row (``-1`` padded) and their scores; equal scores
    rank the lower index first; ``NaN`` / ``-inf`` are never ranked."""
    s = np.asarray(scores)
    if not np.issubdtype(s.dtype, np.floating):
        s = s.astype(np.float64)
    n, m = s.shape
    ids = np.full((n, k), -1, dtype=np.int64)
    out = np.full((n, k), -np.inf, dtype=np.float32)
    if n == 0 or m == 0:
        return ids, out
    nan = np.isnan(s)
    if nan.any():
        s = np.where(nan, -np.inf, s)
    kk = min(k, m)
    # the k-th best score of each row; every item scoring at least that is a contender
    kth = np.partition(s, m - kk, axis=1)[:, m - kk]
    rows, cols = np.nonzero(s >= kth[:, None])
    vals = s[rows, cols]
    live = np.isfinite(vals)
    rows, cols, vals = rows[live], cols[live], vals[live]
    order = np.lexsort((cols, -vals, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    starts = np.searchsorted(rows, np.arange(n))
    pos = np.arange(rows.size) - starts[rows]
    keep = pos < kk
    ids[rows[keep], pos[keep]] = cols[keep]
    out[rows[keep], pos[keep]] = vals[keep]
    return ids, out
