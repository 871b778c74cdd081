"""Evaluation against a synthetic world's hidden truth (tests, benchmarks, the demo).

Never used by a model: it maps the ground truth's native ids to the lake's pseudonymous
keys (with the partners' secrets, as ingest did) so segment labels can be compared with
the planted archetypes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from sklearn.metrics import adjusted_rand_score

from crossplay.core.secrets import secret_chain
from crossplay.core.settings import Settings
from crossplay.ingest.pseudonymise import chained_user_key
from crossplay.mining.fpm import MiningError


def archetypes_by_unit(settings: Settings, world_dir: Path, unit: str) -> pd.Series:
    """Planted archetype per unit id: ``person_id`` (joint), ``knowledge`` or ``game``
    user key."""
    files = sorted((world_dir / "ground_truth" / "people").glob("*.parquet"))
    if not files:
        raise MiningError(f"no ground truth under {world_dir}/ground_truth/people",
                          code="mining_no_truth_people", params={"world": str(world_dir)})
    people = pd.concat([pq.read_table(f, columns=["archetype", "k_uid", "g_uid"]).to_pandas()
                        for f in files], ignore_index=True)
    kc, gc = secret_chain(settings, "knowledge"), secret_chain(settings, "game")

    def key(chain: tuple[bytes, ...], native: object) -> str | None:
        return chained_user_key(chain, str(native)) if isinstance(native, str) else None

    if unit == "knowledge":
        ids = [key(kc, v) for v in people["k_uid"]]
    elif unit == "game":
        ids = [key(gc, v) for v in people["g_uid"]]
    else:
        ids = []
        for k, g in zip(people["k_uid"], people["g_uid"], strict=True):
            kk, gg = key(kc, k), key(gc, g)
            ids.append(hashlib.sha256(f"{kk}:{gg}".encode()).hexdigest()[:16]
                       if kk and gg else None)
    s = pd.Series(people["archetype"].to_numpy(), index=ids)
    return s[s.index.notna()]


def archetype_ari(labels: pd.Series, truth: pd.Series) -> tuple[float, int]:
    """Adjusted Rand index between segment labels (index: unit) and archetypes, and the
    number of units compared."""
    common = labels.index.intersection(truth.index)
    if common.empty:
        raise MiningError("no unit of the segments is in the ground truth",
                          code="mining_truth_disjoint", params={})
    return (float(adjusted_rand_score(truth.loc[common].to_numpy(),
                                      np.asarray(labels.loc[common].to_numpy()))),
            int(common.size))


def planted_pairs(world_dir: Path) -> frozenset[tuple[str, str]]:
    """The cross-domain affinities the world planted, as ``(game-side token, knowledge-side
    token)`` pairs of basket tokens: ``("g:cat:MOBA", "k:cat:电竞")``,
    ``("s:cat:电竞赛事", "k:cat:电竞")`` … (from ``ground_truth/truth.json``)."""
    path = world_dir / "ground_truth" / "truth.json"
    try:
        truth = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise MiningError(f"no ground truth at {path}", code="mining_no_truth_file",
                          params={"path": str(path)}) from None
    pairs = {(f"g:cat:{a['genre']}", f"k:cat:{a['course_category']}")
             for a in truth.get("planted_affinities", [])}
    streams = truth.get("planted_stream_affinities")
    if streams is None:  # a world written before stream affinities were listed
        streams = [{"stream_category": a["genre"], "course_category": a["course_category"]}
                   for a in truth.get("planted_affinities", [])]
    pairs |= {(f"s:cat:{a['stream_category']}", f"k:cat:{a['course_category']}")
              for a in streams}
    return frozenset(pairs)


def rule_is_planted(antecedent: str, consequent: str,
                    planted: frozenset[tuple[str, str]]) -> bool:
    """Whether a cross-domain category rule (tokens joined by `` & ``, as stored) is one the
    world planted: it has tokens on both partners' sides, and every pair of a game-side
    token with a knowledge-side token is a planted affinity. Item and habit rules are not
    judged (False)."""
    tokens = [*antecedent.split(" & "), *consequent.split(" & ")]
    knowledge = [t for t in tokens if t.startswith("k:")]
    game = [t for t in tokens if t.startswith(("g:", "s:"))]
    if not knowledge or not game:
        return False
    return all((g, k) in planted for g in game for k in knowledge)
