"""Ranking metrics as small pure functions (shared with benchmark protocols).

Every per-user function takes ``recommended`` (item indexes, best first; ``-1`` pads are
ignored) and ``relevant`` (a set of item indexes) and returns a float in [0, 1].
Conventions (as in Microsoft Recommenders and RecBole):

- Recall@K = |top-K ∩ relevant| / |relevant|;
- NDCG@K with binary gains: DCG = Σ 1/log2(rank + 1) over hits, divided by the DCG of an
  ideal list of min(K, |relevant|) hits;
- AP@K = Σ_k P@k · rel(k) / min(K, |relevant|); MAP@K is its mean over users;
- HR@K (hit rate) = 1 if any of the top K is relevant, else 0;
- catalog coverage = distinct recommended items / candidate items;
- novelty = mean of −log2(popularity share) of recommended items, where the share is the
  fraction of training users who interacted with the item (Zhou et al. 2010).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt


def _top(recommended: Sequence[int] | npt.NDArray[np.int64], k: int) -> list[int]:
    return [int(i) for i in list(recommended)[:k] if int(i) >= 0]


def recall_at_k(recommended: Sequence[int] | npt.NDArray[np.int64], relevant: set[int],
                k: int) -> float:
    if not relevant:
        return 0.0
    return len(set(_top(recommended, k)) & relevant) / len(relevant)


def precision_at_k(recommended: Sequence[int] | npt.NDArray[np.int64],
                   relevant: set[int], k: int) -> float:
    if k <= 0:
        return 0.0
    return len(set(_top(recommended, k)) & relevant) / k


def ndcg_at_k(recommended: Sequence[int] | npt.NDArray[np.int64], relevant: set[int],
              k: int) -> float:
    if not relevant:
        return 0.0
    dcg = sum(1.0 / np.log2(r + 2) for r, i in enumerate(_top(recommended, k))
              if i in relevant)
    ideal = sum(1.0 / np.log2(r + 2) for r in range(min(k, len(relevant))))
    return float(dcg / ideal)


def ap_at_k(recommended: Sequence[int] | npt.NDArray[np.int64], relevant: set[int],
            k: int) -> float:
    if not relevant:
        return 0.0
    hits, total = 0, 0.0
    for r, i in enumerate(_top(recommended, k)):
        if i in relevant:
            hits += 1
            total += hits / (r + 1)
    return total / min(k, len(relevant))


def hit_at_k(recommended: Sequence[int] | npt.NDArray[np.int64], relevant: set[int],
             k: int) -> float:
    return 1.0 if relevant.intersection(_top(recommended, k)) else 0.0


def coverage(recommendations: Iterable[Sequence[int] | npt.NDArray[np.int64]],
             n_candidates: int, k: int) -> float:
    if n_candidates <= 0:
        return 0.0
    seen: set[int] = set()
    for rec in recommendations:
        seen.update(_top(rec, k))
    return len(seen) / n_candidates


def novelty(recommendations: Iterable[Sequence[int] | npt.NDArray[np.int64]],
            item_users: npt.NDArray[np.floating], n_users: int, k: int) -> float:
    """Mean self-information −log2(share of users) of recommended items (unseen items
    count as seen by one user)."""
    vals: list[float] = []
    for rec in recommendations:
        for i in _top(rec, k):
            share = max(float(item_users[i]), 1.0) / max(n_users, 1)
            vals.append(-float(np.log2(share)))
    return float(np.mean(vals)) if vals else 0.0


def mean_metrics(recommendations: npt.NDArray[np.int64], relevant: Sequence[set[int]],
                 k: int) -> dict[str, float]:
    """Recall, NDCG, MAP and precision at ``k`` averaged over users."""
    n = len(relevant)
    if n == 0:
        return {"recall": 0.0, "ndcg": 0.0, "map": 0.0, "precision": 0.0}
    rec = [recommendations[u] for u in range(n)]
    return {
        "recall": float(np.mean([recall_at_k(r, s, k) for r, s in zip(rec, relevant,
                                                                      strict=True)])),
        "ndcg": float(np.mean([ndcg_at_k(r, s, k) for r, s in zip(rec, relevant,
                                                                  strict=True)])),
        "map": float(np.mean([ap_at_k(r, s, k) for r, s in zip(rec, relevant,
                                                              strict=True)])),
        "precision": float(np.mean([precision_at_k(r, s, k) for r, s in
                                    zip(rec, relevant, strict=True)])),
    }
