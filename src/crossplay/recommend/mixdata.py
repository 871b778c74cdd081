"""The content mix on the lake: C^K, T^K, T^G and F per linked person, and the comparison
of α/β-mixed slates with fixed 50/50 slates on a synthetic world's ground truth.

Only linked persons whose both sides granted linking and personalisation are used (the
terms combine both partners' data).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crossplay.core.errors import NotFoundError
from crossplay.core.settings import Settings
from crossplay.ingest.sqlbase import lit
from crossplay.privacy.policy import Purpose, linked_persons_sql
from crossplay.recommend.contentmix import MixFit, blend, fit_mix, segment_of, slate_counts
from crossplay.recommend.dataset import DOMAINS, load_log
from crossplay.recommend.models import ALS
from crossplay.recommend.truth import GroundTruth
from crossplay.recommend.weights import InteractionConfig
from crossplay.synth import domain as synth_domain
from crossplay.warehouse.duck import connect

_CONTENT_TYPES = ("enroll", "lesson_complete", "course_complete", "purchase", "rating")


def mix_frame(settings: Settings, config: InteractionConfig | None = None) -> pd.DataFrame:
    """One row per linked, consenting person: ``person_id``, ``k_user_key``,
    ``g_user_key``, ``C_K``, ``T_K``, ``T_G``, ``F``, ``segment``."""
    cfg = (config or InteractionConfig()).validate()
    w = cfg.weight_sql()
    content = ", ".join(lit(t) for t in _CONTENT_TYPES)
    sql = f"""
        WITH p AS ({linked_persons_sql(Purpose.PERSONALISATION)}),
        k AS (SELECT user_key,
                sum(CASE WHEN event_type IN ({content}) THEN {w} ELSE 0 END) AS C_K,
                sum(CASE WHEN event_type = 'lesson_watch' THEN value ELSE 0 END) / 3600.0
                  AS T_K,
                sum(CASE WHEN event_type = 'purchase' THEN value
                         WHEN event_type = 'refund' THEN -value ELSE 0 END) AS F_K
              FROM events WHERE partner = 'knowledge' GROUP BY user_key),
        g AS (SELECT user_key,
                sum(CASE WHEN event_type IN ('session', 'watch') THEN value ELSE 0 END)
                  / 3600.0 AS T_G,
                sum(CASE WHEN event_type IN ('purchase', 'gift', 'subscribe') THEN value
                         ELSE 0 END) AS F_G
              FROM events WHERE partner = 'game' GROUP BY user_key)
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
                            "needs linked persons", code="mix_no_persons")
    for c in ("C_K", "T_K", "T_G", "F"):
        frame[c] = frame[c].astype(np.float64).clip(lower=0)
    frame["segment"] = segment_of(frame["C_K"].to_numpy(), frame["T_K"].to_numpy(),
                                  frame["T_G"].to_numpy())
    return frame


@dataclass(frozen=True)
class SlateComparison:
    persons: int
    n: int
    mixed_value: float
    raw_value: float
    fixed_value: float
    difference: float
    standard_error: float
    mixed_knowledge_share: float

    def as_dict(self) -> dict[str, Any]:
        return {"persons": self.persons, "n": self.n,
                "mixed_value": round(self.mixed_value, 6),
                "raw_shares_value": round(self.raw_value, 6),
                "fixed_50_50_value": round(self.fixed_value, 6),
                "difference": round(self.difference, 6),
                "standard_error": round(self.standard_error, 6),
                "mixed_knowledge_share": round(self.mixed_knowledge_share, 4)}


def compare_slates(settings: Settings, truth: GroundTruth, *, n: int = 10, seed: int = 0,
                   l2: float = 1.0) -> tuple[MixFit, SlateComparison]:
    """Fit α/β on half of the linked persons, then on the other half compare mixed slates
    with 50/50 slates built from the same per-side rankings (joint-space ALS).

    A slate's true value is ``Σ_i activity(p, domain_i) · P(i | p, domain_i)``: the
    generator's choice probability of the item (``truth``) times how active the person
    truly is on that side (0 on a side they never use).
    """
    frame = mix_frame(settings)
    rng = np.random.default_rng(seed)
    half = rng.random(len(frame)) < 0.5
    fit = fit_mix(frame[half].reset_index(drop=True), l2=l2)
    test = frame[~half].reset_index(drop=True)
    log = load_log(settings, DOMAINS, joint=True)
    X = log.matrix(InteractionConfig())
    model = ALS(factors=32, random_state=seed).fit(X, log.items)
    rows = pd.Index(log.users["uid"]).get_indexer(test["person_id"])
    keep = rows >= 0
    test, rows = test[keep].reset_index(drop=True), rows[keep]
    plat = log.items.platform
    k_cand = log.items.available & (plat == "knowledge")
    g_cand = log.items.available & (plat != "knowledge")
    k_ids, _ = model.recommend(rows, X[rows], n, candidates=k_cand)
    g_ids, _ = model.recommend(rows, X[rows], n, candidates=g_cand)
    value = _true_values(truth, log, test)
    mixed, raw, fixed, shares = [], [], [], []
    for r in range(len(test)):
        seg = str(test["segment"][r])
        a, b = fit.shares(seg)
        nk, _ = slate_counts(a, b, n)
        ra, rb = fit.raw_shares(seg)
        nk_raw, _ = slate_counts(ra, rb, n)
        kl = [int(i) for i in k_ids[r] if i >= 0]
        gl = [int(i) for i in g_ids[r] if i >= 0]
        s_mix = blend(kl, gl, nk, n)
        s_fix = blend(kl, gl, n // 2, n)
        raw.append(float(value[r, blend(kl, gl, nk_raw, n)].sum()))
        mixed.append(float(value[r, s_mix].sum()))
        fixed.append(float(value[r, s_fix].sum()))
        shares.append(sum(1 for i in s_mix if plat[i] == "knowledge") / max(len(s_mix), 1))
    d = np.array(mixed) - np.array(fixed)
    cmp_ = SlateComparison(
        persons=len(test), n=n, mixed_value=float(np.mean(mixed)) if mixed else 0.0,
        raw_value=float(np.mean(raw)) if raw else 0.0,
        fixed_value=float(np.mean(fixed)) if fixed else 0.0,
        difference=float(d.mean()) if d.size else 0.0,
        standard_error=float(d.std(ddof=1) / np.sqrt(d.size)) if d.size > 1 else 0.0,
        mixed_knowledge_share=float(np.mean(shares)) if shares else 0.0)
    return fit, cmp_


def _true_values(truth: GroundTruth, log: Any, persons: pd.DataFrame) -> np.ndarray:
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
