"""The synthetic world's ground truth, seen from a recommender: each person's true
affinity for each item (for evaluation only — models never read it).

The generator picks a category with ``P(c | person) ∝ share_c (interest · loading_c +
0.02)^1.6`` and an item inside it in proportion to its popularity (see
``ground_truth/truth.json``, ``choice_model``). So a person's true probability of choosing
item ``i`` of category ``c`` in a domain is ``share_c (interest · topics_i + 0.02)^1.6 ·
popularity_i / Σ_{j in c} popularity_j`` (up to the domain's normaliser); a person's
*true top interests* are the K items with the highest such value. Memberships (no
category) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow.parquet as pq

from crossplay.core.errors import NotFoundError
from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.privacy.keys import native_keys
from crossplay.recommend.dataset import Catalog
from crossplay.synth import domain

_SHARES: dict[str, dict[str, float]] = {
    "knowledge": dict(zip(domain.COURSE_CATEGORIES, domain.COURSE_CATEGORY_SHARE,
                          strict=True)),
    "game": dict(zip(domain.GENRES, domain.GENRE_SHARE, strict=True)),
    "stream": dict(zip(domain.STREAM_CATEGORIES, domain.STREAM_CATEGORY_SHARE,
                       strict=True)),
}


@dataclass(frozen=True)
class GroundTruth:
    """Interest vectors by pseudonymous key, and the items' true choice weights."""

    interest: npt.NDArray[np.float64]  # persons x topics
    activity: npt.NDArray[np.float64]  # persons x (knowledge, game, stream) intensity
    by_key: dict[tuple[str, str], int]  # (partner, user_key) -> person row
    items: pd.DataFrame  # partner, item_id, platform, category, weight factor, topics

    def persons_of(self, users: pd.DataFrame) -> npt.NDArray[np.int64]:
        """Ground-truth row of each log user (``-1`` when unknown)."""
        out = np.full(len(users), -1, np.int64)
        cols = set(users.columns)
        for n, row in enumerate(users.to_dict("records")):
            keys: list[tuple[str, str]] = []
            if "partner" in cols and isinstance(row.get("partner"), str):
                keys.append((str(row["partner"]), str(row["user_key"])))
            if "k_user_key" in cols and isinstance(row.get("k_user_key"), str):
                keys += [("knowledge", str(row["k_user_key"])),
                         ("game", str(row["g_user_key"]))]
            for k in keys:
                if k in self.by_key:
                    out[n] = self.by_key[k]
                    break
        return out

    def true_top(self, persons: npt.NDArray[np.int64], catalog: Catalog,
                 candidates: npt.NDArray[np.bool_], k: int) -> list[set[int]]:
        """Each person's ``k`` truly most likely candidate items (catalog indexes)."""
        key = pd.MultiIndex.from_frame(self.items[["partner", "item_id"]])
        pos = key.get_indexer(pd.MultiIndex.from_frame(catalog.frame[["partner", "item_id"]]))
        ok = candidates & (pos >= 0)
        cand = np.flatnonzero(ok)
        topics = self.items.filter(like="topic_").to_numpy()[pos[cand]]
        factor = self.items["factor"].to_numpy()[pos[cand]]
        out: list[set[int]] = []
        for p in persons:
            if p < 0 or cand.size == 0:
                out.append(set())
                continue
            w = factor * (topics @ self.interest[p] + 0.02) ** domain.CHOICE_SHARPNESS
            best = cand[np.argsort(-w, kind="stable")[:k]]
            out.append({int(i) for i in best if factor[np.searchsorted(cand, i)] > 0})
        return out


def load_truth(world_dir: Path, settings: Settings) -> GroundTruth:
    """Read ``<world>/ground_truth`` and key its persons like the lake does."""
    gt = world_dir / "ground_truth" if (world_dir / "ground_truth").is_dir() else world_dir
    if not (gt / "items.parquet").is_file() or not (gt / "people").is_dir():
        raise NotFoundError(f"no ground truth in {world_dir} (expected ground_truth/"
                            "items.parquet and ground_truth/people/)", code="recommend_truth",
                            params={"path": str(world_dir)})
    people = pq.read_table(gt / "people").to_pandas()
    interest = people.filter(like="interest_").to_numpy(np.float64)
    by_key: dict[tuple[str, str], int] = {}
    sides: tuple[tuple[Partner, str], ...] = (("knowledge", "k_uid"), ("game", "g_uid"))
    for partner, col in sides:
        rows = [r for r, uid in enumerate(people[col].tolist()) if isinstance(uid, str)]
        keys = native_keys(settings, partner, people[col].iloc[rows].tolist())
        by_key.update({(partner, k): r for r, k in zip(rows, keys, strict=True)})
    items = pq.read_table(gt / "items.parquet").to_pandas()
    share = np.array([_SHARES.get(p, {}).get(c, 0.0)
                      for p, c in zip(items["platform"], items["category"], strict=True)])
    cat_pop = items.groupby(["platform", "category"])["popularity"].transform("sum")
    items["factor"] = share * items["popularity"] / cat_pop.where(cat_pop > 0, 1.0)
    activity = people[["activity_knowledge", "activity_game", "activity_stream"]].to_numpy(
        np.float64)
    return GroundTruth(interest=interest, activity=activity, by_key=by_key, items=items)
