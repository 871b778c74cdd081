"""Train crossplay's recommenders on a split and score them: one comparable table.

The models are ``crossplay.recommend``'s (through ``MODELS``, the registry of the one
``Recommender`` base class); nothing here re-implements a model or a metric formula.

How a split becomes a model input (docs/evaluation.md, "Scoring"):

- items are (domain, item id) pairs from the training and the test rows; users are the
  ids of either;
- items are indexed in tie order (:mod:`crossplay.evaluation.ranking`: by domain, then
  item id), and equal scores rank the earlier item in that order first;
- the training matrix holds, for every (user, item) pair with at least one training row,
  the pair's weight (:mod:`crossplay.evaluation.weights`): 1 with ``binary`` (the
  default: duplicate rows count once, ratings unused), else a transform of the sum of the
  pair's training values;
- candidates: every item with at least one training row (of the target domain when
  there is one), as in Microsoft Recommenders, where a model only knows the items it was
  trained on; a user's own training items are never ranked (full ranking over all the
  other candidates);
- a user's relevant items: their test items (of the target domain), not among their own
  training items and, with ``relevance``, rated at least that. A relevant item nobody
  trained on stays relevant (it counts in recall's denominator) although no model can
  rank it; the table reports how many such test pairs there are. Users without a
  relevant item are not scored (the table says how many);
- time: wall seconds of ``fit``; memory: the growth of the process's peak resident
  memory during ``fit`` (``memory.PeakMemory``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from crossplay.core.errors import ConfigError
from crossplay.evaluation.fingerprint import fingerprint
from crossplay.evaluation.measures import METRICS, estimate, per_user, sampled_rankings
from crossplay.evaluation.memory import PeakMemory
from crossplay.evaluation.protocols import (
    DEFAULT_COLD_FRACTION,
    DEFAULT_RATIO,
    DEFAULT_SEED,
    EvalSplit,
    make_split,
    with_rows,
)
from crossplay.evaluation.ranking import tie_order, top_k
from crossplay.evaluation.weights import Weight, check_alpha, check_weight, pair_weights
from crossplay.recommend.dataset import Catalog
from crossplay.recommend.models import MODELS, Recommender
from crossplay.recommend.models.base import mask_scores

#: models that rank from interactions alone (benchmark files carry no item text)
BENCH_MODELS: tuple[str, ...] = ("popularity", "item_knn", "als", "bpr", "emcdr")
DEFAULT_MODELS: tuple[str, ...] = ("popularity", "item_knn", "als", "bpr")
_TEXT_MODELS = ("content", "hybrid", "segment_popularity")


@dataclass(frozen=True)
class RunConfig:
    """What ``run`` evaluates; every field is reported with the table."""

    protocol: str = "stratified"
    models: tuple[str, ...] = DEFAULT_MODELS
    k: int = 10
    ratio: float = DEFAULT_RATIO
    seed: int = DEFAULT_SEED
    fraction: float = DEFAULT_COLD_FRACTION
    target: str | None = None
    relevance: float | None = None
    sampled: int | None = None
    tune: bool = True
    max_test_users: int | None = None
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    weight: str = "binary"
    alpha: float | None = None

    def fixed(self, model: str) -> dict[str, Any]:
        """The parameters held for ``model``: ``--param`` values, and ALS's ``alpha``
        from the benchmark's weighting unless ``--param als.alpha`` says otherwise."""
        out = dict(self.params.get(model, {}))
        if model == "als" and self.alpha is not None:
            out.setdefault("alpha", self.alpha)
        return out

    def validate(self) -> RunConfig:
        check_weight(self.weight)
        check_alpha(self.alpha)
        if self.k < 1:
            raise ConfigError("k must be at least 1", code="bench_k")
        if not self.models:
            raise ConfigError("choose at least one model", code="bench_no_model")
        for m in self.models:
            if m in _TEXT_MODELS:
                raise ConfigError(f"{m} needs item text or categories, which benchmark "
                                  f"files do not carry: use {', '.join(BENCH_MODELS)}",
                                  code="bench_text_model",
                                  params={"model": m, "models": ", ".join(BENCH_MODELS)})
            if m not in BENCH_MODELS:
                raise ConfigError(f"unknown model {m!r}: use {', '.join(BENCH_MODELS)}",
                                  code="bench_model",
                                  params={"model": m, "models": ", ".join(BENCH_MODELS)})
        if "emcdr" in self.models and self.target is None:
            raise ConfigError("emcdr maps a source domain to a target: pass --target",
                              code="bench_emcdr_target")
        if self.sampled is not None and self.sampled < 1:
            raise ConfigError("--sampled needs at least one negative per user",
                              code="bench_sampled")
        return self


@dataclass(frozen=True)
class Prepared:
    """A split as model inputs."""

    X: sp.csr_matrix
    catalog: Catalog
    candidates: npt.NDArray[np.bool_]
    users: npt.NDArray[np.int64]
    relevant: list[set[int]]
    history: list[set[int]]
    unscored_users: int
    dropped_seen: int
    untrained_relevant: int
    user_ids: npt.NDArray[np.object_] = field(
        default_factory=lambda: np.zeros(0, dtype=object))

    def recommendation_lines(self, recs: npt.NDArray[np.int64]) -> list[str]:
        """``user \t rank \t domain \t item`` for each scored user's ranked items
        (rank from 1; users in index order, i.e. first appearance in train then test)."""
        keys = self.catalog.frame["item_id"].to_numpy(dtype=object)
        out = []
        for row, u in enumerate(self.users.tolist()):
            for r, i in enumerate(recs[row].tolist()):
                if i >= 0:
                    domain, item = str(keys[i]).split("\x1f", 1)
                    out.append(f"{self.user_ids[u]}\t{r + 1}\t{domain}\t{item}")
        return out


def _item_keys(rows: pd.DataFrame) -> npt.NDArray[np.object_]:
    return (rows["domain"].astype(str) + "\x1f" + rows["item"].astype(str)).to_numpy(
        dtype=object)


def _training_matrix(train: pd.DataFrame, tu: npt.NDArray[np.intp],
                     ti: npt.NDArray[np.intp], shape: tuple[int, int], weight: Weight
                     ) -> sp.csr_matrix:
    if weight == "binary":
        X = sp.csr_matrix((np.ones(len(ti), np.float32), (tu, ti)), shape=shape,
                          dtype=np.float32)
        X.sum_duplicates()
        X.data[:] = 1.0
        return X
    values = train["rating"].to_numpy(dtype=np.float64)
    V = sp.csr_matrix((values, (tu, ti)), shape=shape, dtype=np.float64)
    V.sum_duplicates()
    V.data = pair_weights(V.data, weight)
    X = sp.csr_matrix(V, dtype=np.float32)
    X.eliminate_zeros()
    return X


def prepare(split: EvalSplit, relevance: float | None = None,
            max_test_users: int | None = None, seed: int = DEFAULT_SEED,
            weight: str = "binary") -> Prepared:
    """Index users and items, build the training matrix and each test user's targets."""
    train, test = split.train, split.test
    if relevance is not None and test["rating"].isna().any():
        raise ConfigError("a relevance threshold needs ratings, and some test rows have "
                          "none", code="bench_relevance")
    keys_tr, keys_te = _item_keys(train), _item_keys(test)
    keys = pd.unique(np.concatenate([keys_tr, keys_te]))
    parts = np.array([k.split("\x1f", 1) for k in keys], dtype=object).reshape(-1, 2)
    item_index = pd.Index(keys[tie_order(parts[:, 0], parts[:, 1])], dtype=object)
    user_index = pd.Index(pd.unique(np.concatenate([train["user"].to_numpy(object),
                                                    test["user"].to_numpy(object)])))
    ti = item_index.get_indexer(keys_tr)
    tu = user_index.get_indexer(train["user"].to_numpy(object))
    X = _training_matrix(train, tu, ti, (len(user_index), len(item_index)),
                         check_weight(weight))
    domain_of = np.array([k.split("\x1f", 1)[0] for k in item_index], dtype=object)
    trained = np.diff(sp.csc_matrix(X).indptr) > 0
    if split.target is not None:
        platform = np.where(domain_of == split.target, "knowledge", "game")
        in_target = domain_of == split.target
    else:
        platform = np.full(len(item_index), "knowledge", dtype=object)
        in_target = np.ones(len(item_index), dtype=bool)
    candidates = in_target & trained
    catalog = Catalog(pd.DataFrame({
        "partner": "benchmark", "item_id": item_index.to_numpy(object),
        "platform": platform, "item_type": "", "title": "", "category": "",
        "tags": [[] for _ in range(len(item_index))], "description": "",
        "available": True}))
    te = test
    if relevance is not None:
        te = te[te["rating"] >= relevance]
    eu = user_index.get_indexer(te["user"].to_numpy(object))
    ei = item_index.get_indexer(_item_keys(te))
    keep = in_target[ei]
    eu, ei = eu[keep], ei[keep]
    seen = np.asarray(X[eu, ei]).ravel() > 0 if eu.size else np.zeros(0, bool)
    dropped_seen = int(seen.sum())
    eu, ei = eu[~seen], ei[~seen]
    untrained = int((~trained[ei]).sum())
    rel: dict[int, set[int]] = {}
    for u, i in zip(eu.tolist(), ei.tolist(), strict=True):
        rel.setdefault(u, set()).add(i)
    all_test_users = np.unique(user_index.get_indexer(test["user"].to_numpy(object)))
    users = np.array(sorted(rel), dtype=np.int64)
    if max_test_users and users.size > max_test_users:
        users = np.sort(np.random.default_rng(seed).choice(users, max_test_users,
                                                           replace=False))
    if users.size == 0:
        raise ConfigError("no test user has a relevant item left (check --relevance and "
                          "--target)", code="bench_no_test_users")
    history = [set(X.indices[X.indptr[u]:X.indptr[u + 1]].tolist()) for u in users]
    return Prepared(X=X, catalog=catalog, candidates=candidates, users=users,
                    relevant=[rel[int(u)] for u in users], history=history,
                    unscored_users=int(all_test_users.size - len(rel)),
                    dropped_seen=dropped_seen, untrained_relevant=untrained,
                    user_ids=user_index.to_numpy(dtype=object))


def make_model(name: str, params: dict[str, Any]) -> Recommender:
    """A registry model with ``params`` (the cross-domain ones get source/target)."""
    cls = MODELS[name]
    p = dict(params)
    if name == "emcdr":
        p |= {"source": ("game",), "target": ("knowledge",)}
    try:
        return cls(**p)
    except TypeError as exc:
        raise ConfigError(f"{name}: {exc}", code="bench_model_param",
                          params={"model": name, "detail": str(exc)}) from exc


def score_model(prep: Prepared, name: str, params: dict[str, Any], k: int,
                sampled: int | None = None, seed: int = DEFAULT_SEED,
                recs_out: dict[str, npt.NDArray[np.int64]] | None = None) -> dict[str, Any]:
    """Fit one model on ``prep.X`` and score its top ``k`` for the test users (the
    ranked item indexes are left in ``recs_out[name]`` when given)."""
    model = make_model(name, params)
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        model.fit(prep.X, prep.catalog)
        fit_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    rows_X = prep.X[prep.users]
    if sampled is None:  # full ranking, ties by item id (ranking.top_k)
        recs = np.full((prep.users.size, k), -1, np.int64)
        for lo in range(0, prep.users.size, 1024):
            hi = min(lo + 1024, prep.users.size)
            s = np.array(model.scores(prep.users[lo:hi], rows_X[lo:hi]), np.float32)
            mask_scores(s, rows_X[lo:hi], prep.candidates)
            recs[lo:hi], _ = top_k(s, k)
    else:
        recs = np.full((prep.users.size, k), -1, np.int64)
        rng = np.random.default_rng(seed)
        for lo in range(0, prep.users.size, 1024):
            hi = min(lo + 1024, prep.users.size)
            s = model.scores(prep.users[lo:hi], rows_X[lo:hi])
            recs[lo:hi] = sampled_rankings(np.asarray(s), prep.relevant[lo:hi],
                                           prep.history[lo:hi], prep.candidates, sampled,
                                           k, rng)
    rec_s = time.perf_counter() - t1
    if recs_out is not None:
        recs_out[name] = recs
    values = per_user(recs, prep.relevant, k)
    out: dict[str, Any] = {"model": name, "params": model.get_params()}
    for m in METRICS:
        out[m] = estimate(values[m]).as_dict()
    out |= {"fit_s": round(fit_s, 4), "recommend_s": round(rec_s, 4),
            "fit_peak_mb": round(mem.peak_mb, 2), "memory_method": mem.method}
    return out


def split_for(rows: pd.DataFrame, cfg: RunConfig) -> EvalSplit:
    return make_split(with_rows(rows), cfg.protocol, ratio=cfg.ratio, seed=cfg.seed,
                      fraction=cfg.fraction, target=cfg.target)


def run(rows: pd.DataFrame, cfg: RunConfig, *, name: str = "",
        progress: Callable[[str], None] | None = None,
        recommendations: Callable[[str, list[str]], None] | None = None
        ) -> dict[str, Any]:
    """Split ``rows`` by the protocol, tune on validation (unless ``cfg.tune`` is off),
    refit on the training rows, score on test; returns the table as JSON-able data.
    ``recommendations(model, lines)`` receives each model's ranked lists
    (``Prepared.recommendation_lines``)."""
    from crossplay.evaluation.tuning import tune_model, validation_inputs

    cfg = cfg.validate()
    split = split_for(rows, cfg)
    prep = prepare(split, cfg.relevance, cfg.max_test_users, cfg.seed, cfg.weight)
    fp = fingerprint(split.train, split.test)
    tuning_inputs: list[tuple[EvalSplit, Prepared]] = []

    def valid() -> tuple[EvalSplit, Prepared]:
        # built once, on the first model with a grid, then shared by the others
        if not tuning_inputs:
            tuning_inputs.append(validation_inputs(split, cfg))
        return tuning_inputs[0]

    table = []
    for m in cfg.models:
        if progress:
            progress(m)
        chosen = cfg.fixed(m)
        tuning = None
        if cfg.tune:
            tuning = tune_model(split, m, cfg, fixed=chosen, valid=valid)
            chosen = tuning["chosen"]
        recs: dict[str, npt.NDArray[np.int64]] = {}
        try:
            row = score_model(prep, m, chosen, cfg.k, cfg.sampled, cfg.seed, recs)
        except ConfigError as exc:
            table.append({"model": m, "error": exc.message, "error_code": exc.code,
                          "error_params": exc.params})
            continue
        if recommendations is not None:
            recommendations(m, prep.recommendation_lines(recs[m]))
        row["tuning"] = tuning
        table.append(row)
    return {
        "benchmark": name, "protocol": split.protocol,
        "protocol_params": split.params, "target": split.target,
        "k": cfg.k, "ranking": "full" if cfg.sampled is None else f"sampled-{cfg.sampled}",
        "relevance": cfg.relevance, "fingerprint": fp.as_dict(),
        "train_rows": len(split.train), "test_rows": len(split.test),
        "users": int(prep.X.shape[0]), "items": int(prep.X.shape[1]),
        "candidates": int(prep.candidates.sum()), "test_users": int(prep.users.size),
        "unscored_test_users": prep.unscored_users,
        "test_pairs_seen_in_train": prep.dropped_seen,
        "test_pairs_on_untrained_items": prep.untrained_relevant,
        "config": asdict(cfg), "rows": table,
    }
