"""Frequent itemsets over baskets: a vectorised projection miner (numpy only).

Why not a library engine: mlxtend's ``fpgrowth`` builds a pointer-based FP-tree in pure
Python and first needs the baskets as a pandas DataFrame with one column per item; at
1M baskets x 2k items that is minutes and gigabytes. Spark's FP-Growth is for clusters.
This miner keeps the baskets as one CSR structure (``indptr``, ``indices``) and grows
itemsets depth first, like FP-growth's conditional databases but without a tree:

- items are renumbered by ascending support, so a prefix starts with its rarest item and
  its projected database (the baskets that contain the prefix) is as small as possible;
- the projection of a prefix keeps only the entries of items ranked above the prefix's last
  item *that are frequent inside the projection* (anything else cannot extend it);
- the support of every one-item extension is one ``np.bincount`` over the projection, and
  the baskets of each extension come from one stable ``argsort`` of the projection's items.

Every step is a handful of numpy calls on contiguous integer arrays, so the cost is the
number of entries touched, not Python objects per basket. Memory is bounded by the input
plus one projection per depth level (each a subset of its parent).

The result is exactly the set of itemsets whose support ``count / n_baskets`` is
``>= min_support`` (the same float comparison mlxtend makes); ``tests/mining`` checks it
against mlxtend on known and random basket sets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from crossplay.core.errors import CrossplayError

IntArray = npt.NDArray[np.int64]


class MiningError(CrossplayError):
    """Bad input to a mining model or command (thresholds, empty data, unfitted model)."""

    code = "mining_error"


@dataclass(frozen=True)
class Baskets:
    """Baskets as CSR: basket ``b`` holds items ``indices[indptr[b]:indptr[b+1]]``.

    Item ids are ``0 .. n_items-1``; duplicates inside a basket are removed by
    :func:`baskets_from_pairs`.
    """

    indptr: IntArray
    indices: IntArray
    n_items: int

    @property
    def n_baskets(self) -> int:
        return int(self.indptr.size - 1)


def baskets_from_pairs(basket: npt.ArrayLike, item: npt.ArrayLike, n_baskets: int,
                       n_items: int) -> Baskets:
    """Build :class:`Baskets` from (basket id, item id) pairs in any order, duplicates allowed."""
    b = np.asarray(basket, dtype=np.int64)
    i = np.asarray(item, dtype=np.int64)
    if b.shape != i.shape:
        raise MiningError("basket and item arrays differ in length",
                          code="mining_basket_lengths", params={})
    if b.size and (b.min() < 0 or b.max() >= n_baskets or i.min() < 0 or i.max() >= n_items):
        raise MiningError("basket or item id out of range", code="mining_basket_ids",
                          params={})
    key = np.unique(b * n_items + i)
    bb, ii = np.divmod(key, n_items)
    indptr = np.zeros(n_baskets + 1, dtype=np.int64)
    np.cumsum(np.bincount(bb, minlength=n_baskets), out=indptr[1:])
    return Baskets(indptr=indptr, indices=ii.astype(np.int64), n_items=n_items)


def baskets_from_lists(lists: list[list[int]], n_items: int | None = None) -> Baskets:
    """Build :class:`Baskets` from Python lists of item ids (tests, small inputs)."""
    lengths = np.array([len(x) for x in lists], dtype=np.int64)
    flat = np.fromiter((v for x in lists for v in x), dtype=np.int64, count=int(lengths.sum()))
    rows = np.repeat(np.arange(len(lists), dtype=np.int64), lengths)
    m = n_items if n_items is not None else (int(flat.max()) + 1 if flat.size else 0)
    return baskets_from_pairs(rows, flat, len(lists), m)


@dataclass(frozen=True)
class Itemsets:
    """Frequent itemsets: ``counts[s]`` baskets contain ``itemsets[s]`` (sorted item ids)."""

    itemsets: list[tuple[int, ...]]
    counts: IntArray
    n_baskets: int

    def support_of(self) -> dict[tuple[int, ...], int]:
        return dict(zip(self.itemsets, self.counts.tolist(), strict=True))


def _gather(indptr: IntArray, indices: IntArray, rows: IntArray) -> tuple[IntArray, IntArray]:
    """Entries (row position, item) of ``rows`` (positions into ``indptr``)."""
    starts = indptr[rows]
    lens = indptr[rows + 1] - starts
    total = int(lens.sum())
    if total == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    shift = np.repeat(starts - (np.cumsum(lens) - lens), lens)
    items = indices[np.arange(total, dtype=np.int64) + shift]
    pos = np.repeat(np.arange(rows.size, dtype=np.int64), lens)
    return pos, items


class _Miner:
    def __init__(self, min_count: int, max_len: int) -> None:
        self.min_count = min_count
        self.max_len = max_len
        self.out_sets: list[tuple[int, ...]] = []
        self.out_counts: list[int] = []

    def grow(self, prefix: tuple[int, ...], pos: IntArray, items: IntArray,
             n_rows: int) -> None:
        """``pos``/``items``: entries of the prefix's baskets (rows 0..n_rows-1), items ranked
        above the prefix's last item. Emits every frequent extension and recurses."""
        if items.size == 0:
            return
        counts = np.bincount(items)
        frequent = np.flatnonzero(counts >= self.min_count)
        if frequent.size == 0:
            return
        for c in frequent.tolist():
            self.out_sets.append((*prefix, c))
            self.out_counts.append(int(counts[c]))
        if len(prefix) + 1 >= self.max_len or frequent.size == 1:
            return
        keep = counts[items] >= self.min_count
        pos, items = pos[keep], items[keep]
        # CSR of the projection (entries are already grouped by row, in row order)
        indptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(pos, minlength=n_rows), out=indptr[1:])
        order = np.argsort(items, kind="stable")
        rows_by_item = pos[order]
        bounds = np.zeros(counts.size + 1, dtype=np.int64)
        np.cumsum(np.bincount(items, minlength=counts.size), out=bounds[1:])
        for c in frequent[:-1].tolist():
            rows = rows_by_item[bounds[c]:bounds[c + 1]]
            sub_pos, sub_items = _gather(indptr, items, rows)
            above = sub_items > c
            self.grow((*prefix, c), sub_pos[above], sub_items[above], rows.size)


def frequent_itemsets(baskets: Baskets, min_support: float,
                      max_len: int | None = None) -> Itemsets:
    """Every itemset with ``count / n_baskets >= min_support`` (and at most ``max_len`` items)."""
    if not 0.0 < min_support <= 1.0:
        raise MiningError(f"min_support must be in (0, 1], got {min_support}",
                          code="mining_min_support", params={"min_support": min_support})
    if max_len is not None and max_len < 1:
        raise MiningError(f"max_len must be at least 1, got {max_len}",
                          code="mining_max_len", params={"max_len": max_len})
    n = baskets.n_baskets
    if n == 0:
        return Itemsets([], np.empty(0, np.int64), 0)
    # the smallest count c with c / n >= min_support, by the same float comparison
    min_count = max(1, int(np.ceil(min_support * n)))
    while min_count > 1 and (min_count - 1) / n >= min_support:
        min_count -= 1
    while min_count / n < min_support:
        min_count += 1
    counts = np.bincount(baskets.indices, minlength=baskets.n_items)
    freq = np.flatnonzero(counts >= min_count)
    # rank frequent items by ascending support (ties by id), infrequent items get -1
    order = freq[np.argsort(counts[freq], kind="stable")]
    rank = np.full(baskets.n_items, -1, dtype=np.int64)
    rank[order] = np.arange(order.size, dtype=np.int64)
    ranked = rank[baskets.indices]
    keep = ranked >= 0
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(baskets.indptr))
    miner = _Miner(min_count, max_len or order.size or 1)
    miner.grow((), rows[keep], ranked[keep], n)
    sets = [tuple(sorted(order[list(s)].tolist())) for s in miner.out_sets]
    return Itemsets(sets, np.asarray(miner.out_counts, dtype=np.int64), n)
