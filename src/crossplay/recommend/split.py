"""Train / test splits of an interaction log (pure functions over ``InteractionLog.pairs``).

- ``time``: the log was read with a cutoff; train = strength before it, test = pairs that
  first appear from the cutoff on (an item already consumed before is not a new hit);
- ``random``: for exports without time, a seeded hold-out of ``test_fraction`` of each
  user's pairs (users with at least two pairs; at least one pair stays in train);
- ``cold``: a seeded share of users loses *all* its pairs in the target domains from train
  (the cross-domain cold-start protocol): their target pairs are the test set.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import pandas as pd

from crossplay.core.errors import ConfigError
from crossplay.recommend.dataset import Domain, InteractionLog


@dataclass(frozen=True)
class Split:
    """``log.pairs`` rewritten so that ``train`` / ``test`` hold the split; ``test_users``
    are the users evaluated (at least one test pair)."""

    log: InteractionLog
    test_users: npt.NDArray[np.int64]


def _finish(log: InteractionLog, pairs: pd.DataFrame) -> Split:
    pairs = pairs[(pairs["train"] > 0) | (pairs["test"] > 0)].reset_index(drop=True)
    users = np.unique(pairs.loc[pairs["test"] > 0, "user"].to_numpy()).astype(np.int64)
    return Split(replace(log, pairs=pairs), users)


def time_split(log: InteractionLog) -> Split:
    """Test = pairs with no strength before the cutoff and some after it."""
    if log.cutoff is None:
        raise ConfigError("a time split needs a log read with a cutoff",
                          code="recommend_split_no_cutoff")
    p = log.pairs.copy()
    p.loc[p["train"] > 0, "test"] = 0.0
    return _finish(log, p)


def random_split(log: InteractionLog, *, test_fraction: float = 0.2,
                 seed: int = 0) -> Split:
    """Hold out a seeded ``test_fraction`` of each user's pairs (ignoring any cutoff)."""
    if not 0 < test_fraction < 1:
        raise ConfigError("test fraction must be between 0 and 1",
                          code="recommend_split_test_fraction")
    p = log.pairs.copy()
    p["train"] = p["train"] + p["test"]
    p["test"] = 0.0
    rng = np.random.default_rng(seed)
    key = rng.random(len(p))
    order = np.lexsort((key, p["user"].to_numpy()))
    p = p.iloc[order].reset_index(drop=True)
    rank = p.groupby("user").cumcount().to_numpy()
    size = p.groupby("user")["item"].transform("size").to_numpy()
    n_test = np.floor(size * test_fraction).astype(np.int64)
    n_test = np.where(size >= 2, np.maximum(n_test, 1), 0)
    n_test = np.minimum(n_test, size - 1)
    hold = rank < n_test
    p.loc[hold, "test"] = p.loc[hold, "train"]
    p.loc[hold, "train"] = 0.0
    return _finish(log, p.sort_values(["user", "item"]).reset_index(drop=True))


def cold_split(log: InteractionLog, target: tuple[Domain, ...], *,
               cold_fraction: float = 0.3, seed: int = 0) -> Split:
    """Cross-domain cold start: among users active in both the target domains and the
    others, a seeded ``cold_fraction`` loses its whole target history from train; the
    test set is that history. Only these cold users are evaluated."""
    if not 0 < cold_fraction < 1:
        raise ConfigError("cold fraction must be between 0 and 1",
                          code="recommend_split_cold_fraction")
    p = log.pairs.copy()
    p["train"] = p["train"] + p["test"]
    p["test"] = 0.0
    in_target = np.isin(log.items.platform[p["item"].to_numpy()], list(target))
    users = p["user"].to_numpy()
    has_t = np.zeros(log.n_users, bool)
    has_s = np.zeros(log.n_users, bool)
    has_t[users[in_target]] = True
    has_s[users[~in_target]] = True
    both = np.flatnonzero(has_t & has_s)
    if both.size < 2:
        raise ConfigError("fewer than two users are active in both the source and the "
                          "target domains: nothing to evaluate cold start on",
                          code="recommend_split_cold_overlap")
    rng = np.random.default_rng(seed)
    n_cold = max(1, round(both.size * cold_fraction))
    cold = np.zeros(log.n_users, bool)
    cold[rng.choice(both, size=n_cold, replace=False)] = True
    hold = in_target & cold[users]
    p.loc[hold, "test"] = p.loc[hold, "train"]
    p.loc[hold, "train"] = 0.0
    return _finish(log, p)
