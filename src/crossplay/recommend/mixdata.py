"""The content mix on the lake: C^K, T^K, T^G and F per linked person, and the held-out
verdict that decides which slate policy to apply.

Only linked persons whose both sides granted linking and personalisation are used (the
terms combine both partners' data).

The verdict (``evaluate_mix``) needs nothing a partner lacks: the lake is cut in time
(``time_cutoff``, as the recommender leaderboard does); θ, α, β and the per-side
rankings (joint-space ALS) are fitted on the earlier part only; each person's three
slates (fitted α/β, the seed's raw α/β, 50/50) are scored by how many of their items the
person actually took up in the later part (new interactions, the leaderboard's time-split
convention), paired per person. On a synthetic world the same slates are also scored on
the ground truth.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from crossplay.core.errors import ConfigError, NotFoundError
from crossplay.core.settings import Settings
from crossplay.ingest.sqlbase import lit
from crossplay.privacy.policy import Purpose, linked_persons_sql
from crossplay.recommend.contentmix import (
    POLICIES,
    MixFit,
    Paired,
    Policy,
    ShareNote,
    Verdict,
    blend,
    choose_policy,
    fit_mix,
    knowledge_items,
    paired,
    policy_shares,
    segment_of,
    share_notes,
)
from crossplay.recommend.dataset import DOMAINS, InteractionLog, load_log, time_cutoff
from crossplay.recommend.models import ALS
from crossplay.recommend.truth import GroundTruth
from crossplay.recommend.weights import InteractionConfig
from crossplay.synth import domain as synth_domain
from crossplay.warehouse.duck import connect

_CONTENT_TYPES = ("enroll", "lesson_complete", "course_complete", "purchase", "rating")


def mix_frame(settings: Settings, config: InteractionConfig | None = None, *,
              before: dt.datetime | None = None) -> pd.DataFrame:
    """One row per linked, consenting person: ``person_id``, ``k_user_key``,
    ``g_user_key``, ``C_K``, ``T_K``, ``T_G``, ``F``, ``segment`` (events before
    ``before`` only, when given)."""
    cfg = (config or InteractionConfig()).validate()
    w = cfg.weight_sql()
    content = ", ".join(lit(t) for t in _CONTENT_TYPES)
    when = ("" if before is None else
            f" AND ts < TIMESTAMPTZ {lit(before.isoformat())}")
    sql = f"""
        WITH p AS ({linked_persons_sql(Purpose.PERSONALISATION)}),
        k AS (SELECT user_key,
                sum(CASE WHEN event_type IN ({content}) THEN {w} ELSE 0 END) AS C_K,
                sum(CASE WHEN event_type = 'lesson_watch' THEN value ELSE 0 END) / 3600.0
                  AS T_K,
                sum(CASE WHEN event_type = 'purchase' THEN value
                         WHEN event_type = 'refund' THEN -value ELSE 0 END) AS F_K
              FROM events WHERE partner = 'knowledge'{when} GROUP BY user_key),
        g AS (SELECT user_key,
                sum(CASE WHEN event_type IN ('session', 'watch') THEN value ELSE 0 END)
                  / 3600.0 AS T_G,
                sum(CASE WHEN event_type IN ('purchase', 'gift', 'subscribe') THEN value
                         ELSE 0 END) AS F_G
              FROM events WHERE partner = 'game'{when} GROUP BY user_key)
        SELECT p.person_id, p.k_user_key, p.g_user_key,
               coalesce(k.C_K, 0) AS C_K, coalesce(k.T_K, 0) AS T_K,
               coalesce(g.T_G, 0) AS T_G,
               greatest(coalesce(k.F_K, 0) + coalesce(g.F_G, 0), 0) AS F
        FROM p LEFT JOIN k ON k.user_key = p.k_user_key
               LEFT JOIN g ON g.user_key = p.g_user_key
        ORDER BY p.person_id"""
    con = connect(settings)
    try:
        frame: pd.DataFrame = con.sql(sql).df()
    finally:
        con.close()
    frame = frame[(frame[["C_K", "T_K", "T_G"]].sum(axis=1) > 0)].reset_index(drop=True)
    if frame.empty:
        raise NotFoundError("no linked person with consent and activity: the content mix "
                            "needs linked persons (run `crossplay psi` to link accounts)",
                            code="mix_no_persons")
    for c in ("C_K", "T_K", "T_G", "F"):
        frame[c] = frame[c].astype(np.float64).clip(lower=0)
    frame["segment"] = segment_of(frame["C_K"].to_numpy(), frame["T_K"].to_numpy(),
                                  frame["T_G"].to_numpy())
    return frame


@dataclass(frozen=True)
class SlateComparison:
    """The ground-truth comparison on a synthetic world (mean true value of a slate)."""

    persons: int
    n: int
    mixed_value: float
    raw_value: float
    fixed_value: float
    applied_value: float
    difference: float
    standard_error: float
    mixed_knowledge_share: float

    def as_dict(self) -> dict[str, Any]:
        return {"persons": self.persons, "n": self.n,
                "mixed_value": round(self.mixed_value, 6),
                "raw_shares_value": round(self.raw_value, 6),
                "fixed_50_50_value": round(self.fixed_value, 6),
                "applied_value": round(self.applied_value, 6),
                "difference": round(self.difference, 6),
                "standard_error": round(self.standard_error, 6),
                "mixed_knowledge_share": round(self.mixed_knowledge_share, 4)}


@dataclass(frozen=True)
class MixEvaluation:
    """Everything ``crossplay recommend mix`` reports and saves.

    ``holdout`` holds each policy's mean held-out hits per slate (``applied`` is the
    policy as saved, per segment); ``applied`` compares it with 50/50 per person.
    ``cutoff`` is ``None`` when the lake has no time range to hold out (then the verdict
    is ``no_holdout`` and 50/50 is applied).
    """

    fit: MixFit
    n: int
    train_fraction: float
    cutoff: dt.datetime | None
    min_persons: int
    holdout_persons: int
    holdout: dict[str, float]
    applied: Paired
    verdict: Verdict
    notes: list[ShareNote]
    truth: SlateComparison | None

    def policy(self) -> dict[str, Any]:
        """The policy to apply, per segment (``all`` serves persons of no segment)."""
        rows = []
        for seg in self.fit.segments["segment"].astype(str):
            p: Policy = self.verdict.segment_policy.get(seg, self.verdict.chosen)
            a, b = policy_shares(self.fit, p, seg)
            rows.append({"segment": seg, "policy": p, "alpha": round(a, 6),
                         "beta": round(b, 6),
                         "knowledge_items": knowledge_items(self.fit, p, seg, self.n)})
        return {"name": self.verdict.chosen, "reason": self.verdict.reason, "n": self.n,
                "segments": rows}

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "holdout": {"measure": "hits", "cutoff": self.cutoff.isoformat()
                        if self.cutoff else None, "train_fraction": self.train_fraction,
                        "persons": self.holdout_persons, "min_persons": self.min_persons,
                        "n": self.n,
                        "values": {k: round(v, 6) for k, v in self.holdout.items()},
                        "applied_versus_50_50": self.applied.as_dict()},
            "verdict": self.verdict.as_dict(),
            "policy": self.policy(),
            "notes": [n.as_dict() for n in self.notes],
        }
        if self.truth is not None:
            out["comparison"] = self.truth.as_dict()
        return out


def evaluate_mix(settings: Settings, truth: GroundTruth | None = None, *, n: int = 10,
                 seed: int = 0, l2: float = 1.0, train_fraction: float = 0.8,
                 min_persons: int = 20) -> MixEvaluation:
    """Fit the mix on the earlier ``train_fraction`` of the lake's time range, score the
    three policies on the later part, and choose the policy to apply (``choose_policy``).
    With ``truth`` (a synthetic world) the same slates are also scored on the ground
    truth: ``Σ_i activity(p, domain_i) · P(i | p, domain_i)``."""
    if n < 2:
        raise ConfigError("a slate needs at least two items", code="mix_n")
    try:
        cutoff: dt.datetime | None = time_cutoff(settings, DOMAINS, train_fraction)
    except ConfigError as exc:
        if exc.code not in ("recommend_split_one_timestamp",
                            "recommend_split_train_fraction"):
            raise
        cutoff = None  # one timestamp: nothing to hold out
    frame = mix_frame(settings, before=cutoff)
    fit = fit_mix(frame, l2=l2)
    notes = share_notes(fit)
    log = load_log(settings, DOMAINS, joint=True, cutoff=cutoff)
    X = log.matrix(InteractionConfig())
    rows = pd.Index(log.users["uid"]).get_indexer(frame["person_id"])
    keep = rows >= 0
    keep[keep] = np.diff(X.indptr)[rows[keep]] > 0  # ranked only with earlier behaviour
    people, rows = frame[keep].reset_index(drop=True), rows[keep]
    segs = people["segment"].to_numpy(str)
    slates = _slates(fit, log, X, rows, segs, n, seed)
    empty = np.zeros(0)
    values: dict[Policy, npt.NDArray[np.float64]] = {p: empty for p in POLICIES}
    held = np.zeros(0, np.int64)
    if cutoff is not None and len(rows):
        later = _later_items(log, rows)
        held = np.flatnonzero([bool(s) for s in later])
        values = {p: np.array([len(later[r] & set(slates[p][r])) for r in held], np.float64)
                  for p in POLICIES}
    verdict = choose_policy(values, segs[held], min_persons=min_persons)
    applied_pol: list[Policy] = [verdict.segment_policy.get(s, verdict.chosen)
                                 for s in segs]
    applied_hits = np.array([values[applied_pol[r]][j] for j, r in enumerate(held)],
                            np.float64)
    holdout: dict[str, float] = {p: float(values[p].mean()) if held.size else 0.0
                                 for p in POLICIES}
    holdout["applied"] = float(applied_hits.mean()) if held.size else 0.0
    cmp_ = None
    if truth is not None and len(rows):
        cmp_ = _truth_comparison(truth, log, people, slates, applied_pol, n)
    return MixEvaluation(fit=fit, n=n, train_fraction=train_fraction, cutoff=cutoff,
                         min_persons=min_persons,
                         holdout_persons=int(held.size), holdout=holdout,
                         applied=paired(applied_hits, values["fixed_50_50"]),
                         verdict=verdict, notes=notes, truth=cmp_)


def _slates(fit: MixFit, log: InteractionLog, X: sp.csr_matrix, rows: npt.NDArray[np.int64],
            segs: npt.NDArray[np.str_], n: int, seed: int) -> dict[Policy, list[list[int]]]:
    """Each policy's slate per person, all blended from the same two per-side rankings
    (joint-space ALS on the earlier period; items already taken up are not shown)."""
    out: dict[Policy, list[list[int]]] = {p: [] for p in POLICIES}
    if not len(rows):
        return out
    model = ALS(factors=32, random_state=seed).fit(X, log.items)
    plat = log.items.platform
    k_ids, _ = model.recommend(rows, X[rows], n,
                               candidates=log.items.available & (plat == "knowledge"))
    g_ids, _ = model.recommend(rows, X[rows], n,
                               candidates=log.items.available & (plat != "knowledge"))
    for r in range(len(rows)):
        kl = [int(i) for i in k_ids[r] if i >= 0]
        gl = [int(i) for i in g_ids[r] if i >= 0]
        for p in POLICIES:
            out[p].append(blend(kl, gl, knowledge_items(fit, p, str(segs[r]), n), n))
    return out


def _later_items(log: InteractionLog, rows: npt.NDArray[np.int64]) -> list[set[int]]:
    """Per ranked person, the items first taken up after the cutoff."""
    pairs = log.pairs
    new = pairs[(pairs["test"] > 0) & (pairs["train"] <= 0)]
    by_user: dict[int, set[int]] = {}
    for u, i in zip(new["user"].to_numpy(), new["item"].to_numpy(), strict=True):
        by_user.setdefault(int(u), set()).add(int(i))
    return [by_user.get(int(r), set()) for r in rows]


def _truth_comparison(truth: GroundTruth, log: InteractionLog, people: pd.DataFrame,
                      slates: dict[Policy, list[list[int]]], applied: list[Policy],
                      n: int) -> SlateComparison:
    value = _true_values(truth, log, people)
    score = {p: np.array([value[r, s].sum() for r, s in enumerate(slates[p])])
             for p in POLICIES}
    app = np.array([score[p][r] for r, p in enumerate(applied)])
    d = paired(score["fitted"], score["fixed_50_50"])
    plat = log.items.platform
    share = [sum(1 for i in s if plat[i] == "knowledge") / max(len(s), 1)
             for s in slates["fitted"]]
    return SlateComparison(
        persons=len(people), n=n, mixed_value=d.candidate,
        raw_value=float(score["raw"].mean()), fixed_value=d.baseline,
        applied_value=float(app.mean()), difference=d.difference,
        standard_error=d.standard_error, mixed_knowledge_share=float(np.mean(share)))


def _true_values(truth: GroundTruth, log: InteractionLog,
                 persons: pd.DataFrame) -> npt.NDArray[np.float64]:
    """persons x items matrix of activity(p, domain) · P_true(item | p, domain)."""
    people_rows = truth.persons_of(persons[["k_user_key", "g_user_key"]])
    key = pd.MultiIndex.from_frame(truth.items[["partner", "item_id"]])
    pos = key.get_indexer(pd.MultiIndex.from_frame(log.items.frame[["partner", "item_id"]]))
    topics = np.zeros((len(pos), len(synth_domain.TOPICS)))
    factor = np.zeros(len(pos))
    ok = pos >= 0
    topics[ok] = truth.items.filter(like="topic_").to_numpy()[pos[ok]]
    factor[ok] = truth.items["factor"].to_numpy()[pos[ok]]
    plat = log.items.platform
    out = np.zeros((len(persons), len(pos)))
    for r, p in enumerate(people_rows):
        if p < 0:
            continue
        w = factor * (topics @ truth.interest[p] + 0.02) ** synth_domain.CHOICE_SHARPNESS
        for d in DOMAINS:
            m = plat == d
            total = w[m].sum()
            if total > 0:
                out[r, m] = truth.activity[p, DOMAINS.index(d)] * w[m] / total
    return out
