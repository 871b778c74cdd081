"""The evaluation harness: every model on the same split, one leaderboard.

Tasks:

- ``in-domain``: each domain on its own partner's users (knowledge, game, stream);
- ``cross-domain``: the joint space; linked persons' new target-domain items are the test
  set, and models may use both domains' history;
- ``cold-start``: the joint space; a seeded share of linked persons active in both
  domains loses its whole target history, and models must recommend target items from
  source-domain behaviour alone.

Splits: ``time`` (train before the 80 % instant of the event range, test after) or
``random`` (a seeded 20 % of each user's pairs; for exports without time). Cold start
always holds out persons (see ``split.cold_split``).

Per model: Recall@K, NDCG@K, MAP@K, precision@K, catalog coverage, novelty and, with a
synthetic world's ground truth, ``truth_recall``: the share of each person's K truly
most likely items (``truth.GroundTruth.true_top``) found in the top K.

Test users with no training history at all (a person who first shows up after the
cutoff) are served what the service serves them, popularity, by every model
(``serve_no_history``): a learned model has nothing to personalise from, and scoring its
arbitrary output for them measured nothing but that. Their number is ``no_history_users``
on each board; on the synthetic world's game and stream sides they are most test users,
because ~94 % of the test window's pairs there are re-plays of already-played items, which
the protocol deliberately does not count as hits (see docs/recommendation.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from crossplay.core import clock
from crossplay.core.derived import derived_dir, write_json
from crossplay.core.errors import ConfigError, NotFoundError
from crossplay.core.settings import Settings
from crossplay.recommend.dataset import DOMAINS, Domain, InteractionLog, load_log, time_cutoff
from crossplay.recommend.metrics import coverage, mean_metrics, novelty
from crossplay.recommend.models import (
    ALS,
    BPR,
    EMCDR,
    ContentBased,
    CrossALS,
    CrossItemKNN,
    Hybrid,
    ItemKNN,
    Popularity,
    Recommender,
    SegmentPopularity,
)
from crossplay.recommend.models.base import IntArray
from crossplay.recommend.split import Split, cold_split, random_split, time_split
from crossplay.recommend.truth import GroundTruth
from crossplay.recommend.tuning import (
    COLD_GRIDS,
    COLD_REPEATS,
    GRIDS,
    Validation,
    choose,
    cold_validation,
    validation_split,
)
from crossplay.recommend.weights import InteractionConfig

Task = Literal["in-domain", "cross-domain", "cold-start"]
SplitKind = Literal["time", "random"]
TASKS: tuple[Task, ...] = ("in-domain", "cross-domain", "cold-start")


@dataclass(frozen=True)
class EvalConfig:
    """What to evaluate. ``target`` is the cross-domain target; the source is the other
    partner's domains. ``models`` limits the suite (names from ``suite``)."""

    task: Task = "in-domain"
    split: SplitKind = "time"
    k: int = 10
    domains: tuple[Domain, ...] = DOMAINS
    target: Domain = "knowledge"
    train_fraction: float = 0.8
    test_fraction: float = 0.2
    cold_fraction: float = 0.3
    seed: int = 0
    factors: int = 16  # tuned on a 20,000-person world (seed 0): 8-16 beat 32-64 there
    models: tuple[str, ...] | None = None
    tune: bool = True  # in-domain and cold start: choose parameters on validation
    max_test_users: int | None = None
    interaction: InteractionConfig = field(default_factory=InteractionConfig)


def source_of(target: Domain) -> tuple[Domain, ...]:
    return ("game", "stream") if target == "knowledge" else ("knowledge",)


def suite(cfg: EvalConfig, target: tuple[Domain, ...]) -> dict[str, Callable[[],
                                                                          Recommender]]:
    """Model factories of a task, popularity first."""
    f, seed = cfg.factors, cfg.seed
    if cfg.task == "in-domain":
        models: dict[str, Callable[[], Recommender]] = {
            "popularity": Popularity,
            "item_knn": ItemKNN,
            "als": lambda: ALS(factors=f, random_state=seed),
            "bpr": lambda: BPR(factors=f, random_state=seed),
            "content": ContentBased,
            "content_bm25": lambda: ContentBased(weighting="bm25"),
        }
    else:
        src = tuple(d for d in source_of(target[0]))
        models = {
            "popularity": Popularity,
            "segment_popularity": SegmentPopularity,
            "content": ContentBased,
            "item_knn": lambda: CrossItemKNN(source=src, target=target),
            "joint_als": lambda: CrossALS(source=src, target=target, factors=f,
                                          random_state=seed),
            "emcdr": lambda: EMCDR(source=src, target=target, factors=min(f, 16),
                                   random_state=seed),
            "hybrid": lambda: Hybrid(cf="emcdr", factors=min(f, 16), source=src,
                                     target=target, random_state=seed),
        }
    if cfg.models:
        unknown = [m for m in cfg.models if m not in models]
        if unknown:
            raise ConfigError(f"unknown model {unknown[0]!r} for {cfg.task}: use "
                              f"{', '.join(models)}", code="recommend_model_task",
                              params={"model": unknown[0], "task": cfg.task,
                                      "models": ", ".join(models)})
        models = {k: v for k, v in models.items() if k in cfg.models}
    return models


@dataclass(frozen=True)
class Board:
    """One leaderboard: a task on one target."""

    task: Task
    target: str
    split: str
    k: int
    users: int
    items: int
    train_pairs: int
    test_users: int
    cutoff: str | None
    rows: list[dict[str, Any]]
    no_history_users: int = 0


def _load(settings: Settings, cfg: EvalConfig, domains: tuple[Domain, ...],
          joint: bool) -> InteractionLog:
    cutoff = None
    if cfg.split == "time" and cfg.task != "cold-start":
        cutoff = time_cutoff(settings, domains, cfg.train_fraction)
    return load_log(settings, domains, joint=joint, config=cfg.interaction, cutoff=cutoff)


def _split(cfg: EvalConfig, log: InteractionLog, target: tuple[Domain, ...]) -> Split:
    if cfg.task == "cold-start":
        return cold_split(log, target, cold_fraction=cfg.cold_fraction, seed=cfg.seed)
    if cfg.split == "time":
        return time_split(log)
    if cfg.split == "random":
        return random_split(log, test_fraction=cfg.test_fraction, seed=cfg.seed)
    raise ConfigError("split must be time or random", code="recommend_split")


def _fixed_params(model: Recommender) -> dict[str, Any]:
    """Parameters a tuned model keeps from the suite's own instance (the seed and, for
    the cross-domain models, the source and target domains)."""
    return {k: v for k, v in model.get_params().items()
            if k in ("random_state", "source", "target")}


def serve_no_history(rec: IntArray, no_history: npt.NDArray[np.bool_],
                     popular: IntArray | None) -> IntArray:
    """``rec`` with the rows of users without any training history replaced by the
    popularity slate ``popular`` (one row per such user), as the service serves them."""
    if popular is None or not no_history.any():
        return rec
    out = rec.copy()
    out[no_history] = popular
    return out


def evaluate_log(cfg: EvalConfig, log: InteractionLog, target: tuple[Domain, ...],
                 truth: GroundTruth | None = None,
                 progress: Callable[[str], None] | None = None) -> Board:
    """Train every model of the task on one split of ``log`` and score it."""
    if cfg.k < 1:
        raise ConfigError("k must be at least 1", code="recommend_k")
    sp_ = _split(cfg, log, target)
    slog = sp_.log
    X = slog.matrix(cfg.interaction, "train")
    cand = slog.items.available & slog.items.in_domains(target)
    test = slog.pairs[(slog.pairs["test"] > 0) & cand[slog.pairs["item"].to_numpy()]]
    users = np.unique(test["user"].to_numpy()).astype(np.int64)
    if log.joint:  # only linked persons cross domains
        users = users[slog.users["linked"].to_numpy(bool)[users]]
    if cfg.max_test_users and users.size > cfg.max_test_users:
        rng = np.random.default_rng(cfg.seed)
        users = np.sort(rng.choice(users, cfg.max_test_users, replace=False))
    if users.size == 0:
        raise NotFoundError(f"no test users for {cfg.task} on {'+'.join(target)}: "
                            "too little data after the split (try --split random, or a "
                            "bigger world)", code="recommend_no_test_users",
                            params={"task": cfg.task, "target": "+".join(target)})
    relevant_by_user = test.groupby("user")["item"].apply(lambda s: set(s.tolist()))
    relevant = [relevant_by_user[u] for u in users]
    item_users = np.bincount(X.indices, minlength=X.shape[1]).astype(np.float64)
    truth_sets = None
    if truth is not None:
        persons = truth.persons_of(slog.users.iloc[users])
        truth_sets = truth.true_top(persons, slog.items, cand, cfg.k)
    no_history = np.diff(X[users].indptr) == 0
    popular: IntArray | None = None
    if no_history.any():
        popular, _ = Popularity().fit(X).recommend(None, X[users[no_history]], cfg.k,
                                                     candidates=cand)
    rows = []
    val: Validation | None = None
    cval: list[Validation] | None = None
    for name, make in suite(cfg, target).items():
        if progress:
            progress(name)
        model = make()
        tuned: dict[str, Any] = {}
        if cfg.tune and cfg.task == "in-domain" and name in GRIDS:
            t0 = time.perf_counter()
            val = val or validation_split(X, seed=cfg.seed + 1)
            params, val_recall = choose(name, val, slog.items, cand, cfg.k,
                                        fixed=_fixed_params(model))
            model = GRIDS[name][0](params)
            tuned = {"params": params, "validation_recall": val_recall,
                     "tune_s": round(time.perf_counter() - t0, 3)}
        elif cfg.tune and cfg.task == "cold-start" and name in COLD_GRIDS:
            t0 = time.perf_counter()
            cval = cval or [cold_validation(X, slog.items.in_domains(target),
                                            fraction=cfg.cold_fraction,
                                            seed=cfg.seed + 1 + r)
                            for r in range(COLD_REPEATS)]
            params, val_recall = choose(name, cval, slog.items, cand, cfg.k,
                                        fixed=_fixed_params(model), grids=COLD_GRIDS)
            model = COLD_GRIDS[name][0](params)
            tuned = {"params": params, "validation_recall": val_recall,
                     "tune_s": round(time.perf_counter() - t0, 3)}
        t0 = time.perf_counter()
        try:
            model.fit(X, slog.items)
        except ConfigError as exc:
            rows.append({"model": name, "error": exc.message, "error_code": exc.code,
                         "error_params": exc.params})
            continue
        t1 = time.perf_counter()
        rec, _ = model.recommend(users, X[users], cfg.k, candidates=cand)
        rec = serve_no_history(rec, no_history, popular)
        t2 = time.perf_counter()
        row: dict[str, Any] = {"model": name, **mean_metrics(rec, relevant, cfg.k)}
        row["coverage"] = coverage(rec, int(cand.sum()), cfg.k)
        row["novelty"] = novelty(rec, item_users, X.shape[0], cfg.k)
        if truth_sets is not None:
            known = [i for i, s in enumerate(truth_sets) if s]
            row["truth_recall"] = (float(np.mean([len(set(rec[i][:cfg.k].tolist())
                                                      & truth_sets[i]) / len(truth_sets[i])
                                                  for i in known])) if known else None)
        row |= tuned
        row["fit_s"] = round(t1 - t0, 3)
        row["recommend_s"] = round(t2 - t1, 3)
        rows.append(row)
    return Board(task=cfg.task, target="+".join(target),
                 split="cold-persons" if cfg.task == "cold-start" else cfg.split, k=cfg.k,
                 users=slog.n_users, items=slog.n_items, train_pairs=int(X.nnz),
                 test_users=int(users.size),
                 cutoff=log.cutoff.isoformat() if log.cutoff else None, rows=rows,
                 no_history_users=int(no_history.sum()))


def evaluate(settings: Settings, cfg: EvalConfig, truth: GroundTruth | None = None,
             progress: Callable[[str], None] | None = None) -> list[Board]:
    """Run the task: one board per domain (in-domain) or one for the target."""
    boards = []
    if cfg.task == "in-domain":
        for d in cfg.domains:
            try:
                log = _load(settings, cfg, (d,), joint=False)
            except NotFoundError:
                continue
            if log.n_users == 0:
                continue
            try:
                boards.append(evaluate_log(cfg, log, (d,), truth, progress))
            except NotFoundError:
                continue
        if not boards:
            raise NotFoundError("no domain has enough behaviour to evaluate: ingest events "
                                "first", code="recommend_no_data_evaluate")
        return boards
    if cfg.task not in TASKS:
        raise ConfigError(f"task must be one of {', '.join(TASKS)}", code="recommend_task",
                          params={"tasks": ", ".join(TASKS)})
    log = _load(settings, cfg, DOMAINS, joint=True)
    if log.n_users == 0:
        raise NotFoundError("no behaviour in the joint space",
                            code="recommend_no_data_joint")
    return [evaluate_log(cfg, log, (cfg.target,), truth, progress)]


def report(cfg: EvalConfig, boards: list[Board]) -> dict[str, Any]:
    cfg_d = asdict(cfg)
    cfg_d["interaction"] = {"confidence": cfg.interaction.confidence,
                            "alpha": cfg.interaction.alpha,
                            "weights": {k: asdict(v) for k, v in
                                        cfg.interaction.weights.items()}}
    return {"created_at": clock.now().isoformat(timespec="seconds"),
            "config": cfg_d, "boards": [asdict(b) for b in boards]}


def save_report(settings: Settings, data: dict[str, Any]) -> Path:
    """``derived/recommend/evaluations/<task>-<stamp>.json`` and ``latest-<task>.json``."""
    out = derived_dir(settings, "recommend") / "evaluations"
    task = data["config"]["task"]
    stamp = clock.now().strftime("%Y%m%dT%H%M%S%f")
    path = write_json(data, out / f"{task}-{stamp}.json")
    write_json(data, out / f"latest-{task}.json")
    return path


def leaderboard_frame(board: Board) -> pd.DataFrame:
    return pd.DataFrame(board.rows)


