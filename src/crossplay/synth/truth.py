"""The hidden ground truth: who each person really is and what was planted.

Written under ``<out>/ground_truth/`` — a sibling of the partners' export directories,
never listed as an ingest source. Models must not read it; tests and evaluation do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from crossplay.synth import domain
from crossplay.synth.campaign import CampaignDraw, CampaignWindow
from crossplay.synth.catalog import Catalog, item_topics
from crossplay.synth.consent import NEVER, Bindings
from crossplay.synth.knowledge import KnowledgeResult
from crossplay.synth.people import People
from crossplay.synth.sampling import IntArray

UTC_OFFSET_S = 8 * 3600
_COUNTERS = (
    "people", "knowledge_users", "game_users", "dual_users", "ever_bound", "bound_at_end",
    "players", "viewers", "payers", "gifters", "eligible", "treated", "control",
    "treated_bought", "control_bought", "induced_realised",
)


def _utc(ts: IntArray, base_local: int) -> pa.Array:
    return pa.array(base_local + ts - UTC_OFFSET_S, pa.int64(), mask=ts == NEVER).cast(
        pa.timestamp("s", tz="UTC"))


def people_table(people: People, bindings: Bindings, campaign: CampaignDraw,
                 k: KnowledgeResult, base_local: int) -> pa.Table:
    arch_keys = [a.key for a in domain.ARCHETYPES]
    cols: dict[str, pa.Array] = {
        "person": pa.array(people.global_index),
        "archetype": pa.array([arch_keys[a] for a in people.arch.tolist()], pa.string()),
        "archetype_index": pa.array(people.arch.astype(np.int8)),
        "uses_knowledge": pa.array(people.uses_k),
        "uses_game": pa.array(people.uses_g),
        "plays_games": pa.array(people.plays),
        "watches_streams": pa.array(people.watches),
        "dual": pa.array(people.dual),
        "new_knowledge": pa.array(people.new_k),
        "new_game": pa.array(people.new_g),
        "k_uid": _masked(people.k_uid, people.uses_k),
        "g_uid": _masked(people.g_uid, people.uses_g),
        "bound_at": _utc(bindings.bound_at, base_local),
        "unbound_at": _utc(bindings.unbound_at, base_local),
    }
    for t, topic in enumerate(domain.TOPICS):
        cols[f"interest_{topic}"] = pa.array(people.interest[:, t].astype(np.float32))
    cols |= {
        "top_topic": pa.array([domain.TOPICS[t] for t in people.interest.argmax(1).tolist()]),
        "activity_knowledge": pa.array(np.where(people.uses_k, people.act_k, 0.0)),
        "activity_game": pa.array(np.where(people.plays, people.act_g, 0.0)),
        "activity_stream": pa.array(np.where(people.watches, people.act_s, 0.0)),
        "payer": pa.array(people.payer),
        "gifter": pa.array(people.gifter),
        "chat_rate": pa.array(people.chat_rate),
        "privacy": pa.array(people.privacy),
        "campaign_eligible": pa.array(campaign.eligible),
        "treated": pa.array(campaign.treated),
        "true_uplift": pa.array(campaign.uplift),
        "induced_purchase": pa.array(k.induced_realised),
        "bought_course_in_campaign": pa.array(k.bought_in_campaign),
    }
    return pa.table(cols)


def _masked(ids: pa.Array, keep: np.ndarray) -> pa.Array:
    idx = np.arange(keep.size, dtype=np.int64)
    return ids.take(pa.array(idx, mask=~keep))


def items_table(catalog: Catalog) -> pa.Table:
    c, g, s = catalog.courses, catalog.games, catalog.streamers
    topics = np.vstack([
        item_topics(domain.COURSE_LOADINGS, c.category),
        item_topics(domain.GENRE_LOADINGS, g.genre),
        item_topics(domain.STREAM_LOADINGS, s.category),
    ])
    cats = ([("会员" if x < 0 else domain.COURSE_CATEGORIES[x]) for x in c.category.tolist()]
            + [domain.GENRES[x] for x in g.genre.tolist()]
            + [domain.STREAM_CATEGORIES[x] for x in s.category.tolist()])
    cols: dict[str, Any] = {
        "item_id": c.ids + g.ids + s.ids,
        "partner": ["knowledge"] * c.n + ["game"] * (g.n + s.n),
        "platform": ["knowledge"] * c.n + ["game"] * g.n + ["stream"] * s.n,
        "item_type": [domain.KNOWLEDGE_KINDS[k] for k in c.kind.tolist()]
        + ["game"] * g.n + ["streamer"] * s.n,
        "category": cats,
        "popularity": np.concatenate([c.popularity, g.popularity, s.popularity]),
    }
    for t, topic in enumerate(domain.TOPICS):
        cols[f"topic_{topic}"] = topics[:, t]
    return pa.table(cols)


@dataclass
class TruthSummary:
    """Counts per archetype accumulated over chunks."""

    counts: dict[str, IntArray] = field(default_factory=lambda: {
        name: np.zeros(len(domain.ARCHETYPES), dtype=np.int64) for name in _COUNTERS})

    def add(self, people: People, bindings: Bindings, campaign: CampaignDraw,
            k: KnowledgeResult) -> None:
        control = campaign.eligible & ~campaign.treated
        flags = {
            "people": np.ones(people.n, bool), "knowledge_users": people.uses_k,
            "game_users": people.uses_g, "dual_users": people.dual,
            "ever_bound": bindings.bound_at != NEVER,
            "bound_at_end": (bindings.bound_at != NEVER) & (bindings.unbound_at == NEVER),
            "players": people.plays, "viewers": people.watches, "payers": people.payer,
            "gifters": people.gifter, "eligible": campaign.eligible,
            "treated": campaign.treated, "control": control,
            "treated_bought": campaign.treated & k.bought_in_campaign,
            "control_bought": control & k.bought_in_campaign,
            "induced_realised": k.induced_realised,
        }
        for name, flag in flags.items():
            self.counts[name] += np.bincount(people.arch[flag], minlength=len(domain.ARCHETYPES))

    def total(self, name: str) -> int:
        return int(self.counts[name].sum())


def _loadings(names: tuple[str, ...], rows: tuple[dict[str, float], ...]) -> dict[str, Any]:
    return {n: dict(r) for n, r in zip(names, rows, strict=True)}


def truth_document(summary: TruthSummary, window: CampaignWindow, start: dt.date,
                   days: int) -> dict[str, Any]:
    g = domain.loading_matrix(domain.GENRE_LOADINGS)
    c = domain.loading_matrix(domain.COURSE_LOADINGS)
    affinity = g @ c.T
    stream_affinity = domain.loading_matrix(domain.STREAM_LOADINGS) @ c.T
    per_arch: dict[str, Any] = {}
    for a, arch in enumerate(domain.ARCHETYPES):
        per_arch[arch.key] = {name: int(summary.counts[name][a]) for name in _COUNTERS}
    return {
        "about": "Hidden truth of a crossplay synthetic world. Never an input to a model.",
        "window": {"start": start.isoformat(),
                   "end_exclusive": (start + dt.timedelta(days=days)).isoformat(),
                   "timezone": "Asia/Shanghai"},
        "topics": [{"key": k, "zh": z} for k, z in zip(domain.TOPICS, domain.TOPIC_ZH,
                                                        strict=True)],
        "archetypes": [{
            "key": a.key, "zh": a.zh, "en": a.en, "share": a.share,
            "topic_alpha": a.topic_alpha, "uses_knowledge": a.p_knowledge,
            "uses_game_side": a.p_game_side, "true_uplift": a.uplift,
        } for a in domain.ARCHETYPES],
        "choice_model": ("P(category | person) ∝ share_c · (interest · loading_c + 0.02)^"
                         f"{domain.CHOICE_SHARPNESS}; inside a category ∝ item popularity"),
        "loadings": {
            "course_categories": _loadings(domain.COURSE_CATEGORIES, domain.COURSE_LOADINGS),
            "genres": _loadings(domain.GENRES, domain.GENRE_LOADINGS),
            "stream_categories": _loadings(domain.STREAM_CATEGORIES, domain.STREAM_LOADINGS),
        },
        "genre_to_course_affinity": {
            genre: {cat: round(float(affinity[i, j]), 3)
                    for j, cat in enumerate(domain.COURSE_CATEGORIES) if affinity[i, j] > 0}
            for i, genre in enumerate(domain.GENRES)
        },
        "planted_affinities": [
            {"genre": gname, "course_category": cname,
             "affinity": round(float(affinity[domain.GENRES.index(gname),
                                              domain.COURSE_CATEGORIES.index(cname)]), 3)}
            for gname, cname in domain.PLANTED_AFFINITIES
        ],
        "planted_stream_affinities": [
            {"stream_category": sname, "course_category": cname,
             "affinity": round(float(stream_affinity[domain.STREAM_CATEGORIES.index(sname),
                                                     domain.COURSE_CATEGORIES.index(cname)]),
                               3)}
            for sname, cname in domain.PLANTED_STREAM_AFFINITIES
        ],
        "campaign": {
            "id": domain.CAMPAIGN_ID, "title": domain.CAMPAIGN_TITLE,
            "first_day": (start + dt.timedelta(days=window.first_day)).isoformat(),
            "end_exclusive": (start + dt.timedelta(days=window.end_day)).isoformat(),
            "eligibility": "knowledge users active in the window with marketing consent "
                           "granted at its start",
            "assignment": "Bernoulli(0.5) per eligible person; treatment flags in "
                          "people/*.parquet (treated, campaign_eligible)",
            "outcome": "buys a course (not a membership) on the knowledge side in the window",
            "true_uplift_by_archetype": {a.key: a.uplift for a in domain.ARCHETYPES},
        },
        "population": {name: summary.total(name) for name in _COUNTERS},
        "by_archetype": per_arch,
        "files": {"people": "ground_truth/people/part-*.parquet",
                  "items": "ground_truth/items.parquet"},
    }
