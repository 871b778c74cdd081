"""Evaluation protocols: which rows train a model and which rows test it.

Pure functions over the canonical rows (``formats.COLUMNS`` plus ``row``, the row's
position in the imported benchmark). Each returns an ``EvalSplit``; docs/evaluation.md
states every rule precisely, with the reference implementation each one matches.

- ``provided``: the benchmark's own ``train`` / ``valid`` / ``test`` rows, exactly as given
  (rows of a domain shipped unsplit train);
- ``stratified``: per user, a seeded random ``ratio`` of rows train, the rest test —
  row for row the split of Microsoft Recommenders' ``python_stratified_split`` (same seed
  stream, same rank rule); ``tests/evaluation`` pins it against a port of that function;
- ``chrono``: per user, the earliest ``ratio`` of rows train (``python_chrono_split``), ties
  in time broken by file order;
- ``loo``: leave-last-out — per user with two or more rows, the latest row is the test row
  (ties broken by file order);
- ``cold``: cross-domain cold start — a seeded ``fraction`` of the users active in both the
  target domain and another domain lose every target-domain row to test; their other
  domains' rows (and everybody else's rows) stay in train.

``validation(split)`` carves the tuning split from the training rows by the same rule
(or takes the provided ``valid`` file), so a hyper-parameter never sees a test row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from crossplay.core.errors import ConfigError

Protocol = Literal["provided", "stratified", "chrono", "loo", "cold"]
PROTOCOLS: tuple[Protocol, ...] = get_args(Protocol)
DEFAULT_RATIO = 0.75  # Microsoft Recommenders' default
DEFAULT_SEED = 42  # Microsoft Recommenders' default
DEFAULT_COLD_FRACTION = 0.2


@dataclass(frozen=True)
class EvalSplit:
    """Training rows, test rows and how they were chosen.

    ``target`` (a domain) limits the test rows and the ranked candidates to that domain
(``stratified``, ``chrono`` and ``loo`` then split only that domain's rows, per user, and
every other domain's row trains);
    ``valid`` holds provided validation rows (only for ``provided``).
    """

    protocol: Protocol
    train: pd.DataFrame
    test: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)
    target: str | None = None
    valid: pd.DataFrame | None = None


def with_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The benchmark rows with their position ``row`` (what fingerprints and tests use)."""
    out = rows.reset_index(drop=True).copy()
    out["row"] = np.arange(len(out), dtype=np.int64)
    return out


def _check_target(rows: pd.DataFrame, target: str | None) -> None:
    if target is not None and not (rows["domain"] == target).any():
        have = ", ".join(sorted(rows["domain"].unique()))
        raise ConfigError(f"no rows in domain {target!r} (domains: {have})",
                          code="bench_target", params={"target": target, "have": have})


def _check_ratio(ratio: float) -> None:
    if not 0 < ratio < 1:
        raise ConfigError(f"ratio {ratio} must be between 0 and 1 (the training share)",
                          code="bench_ratio", params={"ratio": ratio})


def _finish(protocol: Protocol, rows: pd.DataFrame, is_train: np.ndarray,
            params: dict[str, Any], target: str | None) -> EvalSplit:
    train = rows.loc[is_train].reset_index(drop=True)
    test = rows.loc[~is_train]
    if target is not None:
        test = test[test["domain"] == target]
    test = test.reset_index(drop=True)
    if len(train) == 0 or len(test) == 0:
        raise ConfigError(f"the {protocol} split leaves {len(train)} training and "
                          f"{len(test)} test rows: too little data for this protocol",
                          code="bench_split_empty",
                          params={"protocol": protocol, "train": len(train),
                                  "test": len(test)})
    return EvalSplit(protocol, train, test, params, target)


def provided(rows: pd.DataFrame, target: str | None = None) -> EvalSplit:
    """The rows marked ``test`` test; the rows marked ``train`` train, and so do the rows
    of domains shipped without a split (``""``); ``valid`` rows only tune."""
    _check_target(rows, target)
    split = rows["split"].to_numpy()
    if not (split == "train").any() or not (split == "test").any():
        raise ConfigError("this benchmark ships no train/test files: use --protocol "
                          "stratified, chrono, loo or cold", code="bench_no_split")
    keep = split != "valid"
    sub = rows.loc[keep].reset_index(drop=True)
    out = _finish("provided", sub, sub["split"].to_numpy() != "test", {}, target)
    valid = rows.loc[split == "valid"].reset_index(drop=True)
    return replace(out, valid=valid if len(valid) else None)


def stratified_mask(users: np.ndarray, ratio: float, seed: int) -> np.ndarray:
    """Training rows of Recommenders' ``python_stratified_split(ratio, seed)``.

    Row ``r`` draws ``RandomState(seed).rand(n)[r]``; within each user rows are ranked by
    that draw; a row trains when ``rank / n_user_rows <= ratio``.
    """
    _check_ratio(ratio)
    draw = np.random.RandomState(seed).rand(len(users))
    return _rank_share(users, draw) <= ratio


def _rank_share(users: np.ndarray, key: np.ndarray) -> np.ndarray:
    """``rank / count`` of each row within its user, ranks by ``key`` then row order."""
    codes = pd.factorize(users)[0]
    order = np.lexsort((np.arange(len(codes)), key, codes))
    sorted_codes = codes[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_codes)) + 1]
    counts = np.diff(np.r_[starts, len(codes)])
    rank_sorted = np.arange(len(codes)) - np.repeat(starts, counts) + 1
    share = np.empty(len(codes), dtype=np.float64)
    share[order] = rank_sorted / np.repeat(counts, counts)
    return share


def _timestamps(rows: pd.DataFrame, protocol: str) -> np.ndarray:
    ts = rows["timestamp"]
    if ts.isna().any():
        raise ConfigError(f"the {protocol} protocol orders rows by time, and "
                          f"{int(ts.isna().sum())} rows have no timestamp: use stratified "
                          "or provided", code="bench_no_time",
                          params={"protocol": protocol, "n": int(ts.isna().sum())})
    return ts.to_numpy(dtype=np.int64)


def _within(rows: pd.DataFrame, target: str | None,
            train_mask: Callable[[pd.DataFrame], np.ndarray]) -> np.ndarray:
    """Apply a per-user rule to the target domain's rows only (all rows without a
    target); every other domain's row trains."""
    if target is None:
        return train_mask(rows)
    in_t = (rows["domain"] == target).to_numpy()
    out = np.ones(len(rows), dtype=bool)
    out[in_t] = train_mask(rows.loc[in_t])
    return out


def stratified(rows: pd.DataFrame, ratio: float = DEFAULT_RATIO, seed: int = DEFAULT_SEED,
               target: str | None = None) -> EvalSplit:
    _check_target(rows, target)
    _check_ratio(ratio)
    mask = _within(rows, target,
                   lambda r: stratified_mask(r["user"].to_numpy(), ratio, seed))
    return _finish("stratified", rows, mask, {"ratio": ratio, "seed": seed}, target)


def chrono(rows: pd.DataFrame, ratio: float = DEFAULT_RATIO,
           target: str | None = None) -> EvalSplit:
    _check_target(rows, target)
    _check_ratio(ratio)
    _timestamps(rows, "chrono")
    mask = _within(rows, target, lambda r: _rank_share(
        r["user"].to_numpy(), _timestamps(r, "chrono")) <= ratio)
    return _finish("chrono", rows, mask, {"ratio": ratio}, target)


def _loo_mask(rows: pd.DataFrame) -> np.ndarray:
    share = _rank_share(rows["user"].to_numpy(), _timestamps(rows, "loo"))
    count = rows.groupby("user", sort=False)["user"].transform("size").to_numpy()
    return np.asarray(~((share == 1.0) & (count >= 2)), dtype=bool)


def loo(rows: pd.DataFrame, target: str | None = None) -> EvalSplit:
    _check_target(rows, target)
    _timestamps(rows, "loo")
    return _finish("loo", rows, _within(rows, target, _loo_mask), {}, target)


def cold(rows: pd.DataFrame, target: str | None, fraction: float = DEFAULT_COLD_FRACTION,
         seed: int = DEFAULT_SEED) -> EvalSplit:
    """Cold-start persons: their target rows test, their source rows train."""
    if target is None:
        raise ConfigError("the cold protocol needs --target DOMAIN (the domain whose "
                          "rows are withheld)", code="bench_cold_target")
    _check_target(rows, target)
    if not 0 < fraction < 1:
        raise ConfigError("the cold-start fraction must be between 0 and 1",
                          code="bench_fraction")
    in_t = rows["domain"].to_numpy() == target
    users = rows["user"].to_numpy()
    both = np.intersect1d(np.unique(users[in_t]), np.unique(users[~in_t]))
    if both.size < 2:
        raise ConfigError(f"fewer than two users have rows in {target!r} and in another "
                          "domain: nothing to evaluate cold start on",
                          code="bench_overlap", params={"target": target})
    n_cold = max(1, round(both.size * fraction))
    chosen = np.random.default_rng(seed).choice(both, size=n_cold, replace=False)
    is_test = in_t & np.isin(users, chosen)
    return _finish("cold", rows, ~is_test, {"fraction": fraction, "seed": seed,
                                            "overlap_users": int(both.size),
                                            "cold_users": int(n_cold)}, target)


def make_split(rows: pd.DataFrame, protocol: str, *, ratio: float = DEFAULT_RATIO,
               seed: int = DEFAULT_SEED, fraction: float = DEFAULT_COLD_FRACTION,
               target: str | None = None) -> EvalSplit:
    """Dispatch on the protocol name."""
    if protocol == "provided":
        return provided(rows, target)
    if protocol == "stratified":
        return stratified(rows, ratio, seed, target)
    if protocol == "chrono":
        return chrono(rows, ratio, target)
    if protocol == "loo":
        return loo(rows, target)
    if protocol == "cold":
        return cold(rows, target, fraction, seed)
    raise ConfigError(f"unknown protocol {protocol!r}: use {', '.join(PROTOCOLS)}",
                      code="bench_protocol",
                      params={"protocol": protocol, "protocols": ", ".join(PROTOCOLS)})


def validation(split: EvalSplit) -> EvalSplit:
    """The tuning split: the provided ``valid`` rows against ``train``, or the same
    protocol applied to the training rows alone (stratified and cold use ``seed + 1``).
    A provided split without a valid file is carved with ``stratified`` (0.8, seed)."""
    train = split.train
    p = split.params
    if split.protocol == "provided":
        if split.valid is not None and len(split.valid):
            test = split.valid
            if split.target is not None:
                test = test[test["domain"] == split.target]
            if len(test):
                return EvalSplit("provided", train, test.reset_index(drop=True),
                                 {"valid": "provided"}, split.target)
        out = stratified(train, 0.8, DEFAULT_SEED, split.target)
        return replace(out, params={**out.params, "valid": "carved"})
    if split.protocol == "stratified":
        return stratified(train, p["ratio"], p["seed"] + 1, split.target)
    if split.protocol == "chrono":
        return chrono(train, p["ratio"], split.target)
    if split.protocol == "loo":
        return loo(train, split.target)
    return cold(train, split.target, p["fraction"], p["seed"] + 1)
