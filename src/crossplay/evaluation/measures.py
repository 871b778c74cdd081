"""Per-user ranking metrics, their means and standard errors, sampled-negative ranking.

The per-user formulas are ``crossplay.recommend.metrics`` (precision, recall, NDCG, AP,
hit rate); this module adds the summaries a benchmark table reports:

- a table cell is the mean over test users and its standard error
  ``sd / sqrt(n)`` with the sample standard deviation (``ddof = 1``; 0 when n = 1).

Sampled-negative ranking (only on request, always labelled ``sampled-N``): each test user's
relevant items are ranked together with ``N`` items drawn uniformly without replacement
(seeded) from the candidates the user neither trained on nor holds in test; the same
metric formulas then apply to that short list. Score ties rank the lower item index first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from crossplay.recommend.metrics import (
    ap_at_k,
    hit_at_k,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
)

METRICS: tuple[str, ...] = ("precision", "recall", "ndcg", "map", "hit")
IntArray = npt.NDArray[np.int64]


_FUNCS = {"precision": precision_at_k, "recall": recall_at_k, "ndcg": ndcg_at_k,
          "map": ap_at_k, "hit": hit_at_k}


def per_user(recommendations: IntArray, relevant: Sequence[set[int]], k: int
             ) -> dict[str, npt.NDArray[np.float64]]:
    """Each metric's value for each user (row ``u`` of ``recommendations``)."""
    out = {}
    for name in METRICS:
        f = _FUNCS[name]
        out[name] = np.array([f(recommendations[u], relevant[u], k)
                              for u in range(len(relevant))], dtype=np.float64)
    return out


@dataclass(frozen=True)
class Estimate:
    mean: float
    se: float
    n: int

    def as_dict(self) -> dict[str, float | int]:
        return {"mean": self.mean, "se": self.se, "n": self.n}


def estimate(values: npt.NDArray[np.float64]) -> Estimate:
    n = int(values.size)
    if n == 0:
        return Estimate(0.0, 0.0, 0)
    se = float(np.std(values, ddof=1) / np.sqrt(n)) if n > 1 else 0.0
    return Estimate(float(values.mean()), se, n)


def sampled_rankings(scores: npt.NDArray[np.float32], relevant: Sequence[set[int]],
                     excluded: Sequence[set[int]], candidates: npt.NDArray[np.bool_],
                     n_negatives: int, k: int, rng: np.random.Generator) -> IntArray:
    """Top ``k`` of each user's relevant items plus ``n_negatives`` sampled negatives.

    ``scores`` is users x items; ``excluded`` are each user's training items.
    """
    cand_idx = np.flatnonzero(candidates)
    out = np.full((len(relevant), k), -1, dtype=np.int64)
    for u, rel in enumerate(relevant):
        banned = np.fromiter(rel | excluded[u], dtype=np.int64)
        pool = cand_idx[~np.isin(cand_idx, banned)]
        take = min(n_negatives, pool.size)
        neg = rng.choice(pool, size=take, replace=False) if take else pool[:0]
        items = np.concatenate([np.fromiter(sorted(rel), dtype=np.int64), neg])
        items = np.sort(items)
        s = scores[u, items].astype(np.float64)
        order = np.lexsort((items, -s))[:k]
        out[u, :order.size] = items[order]
    return out
