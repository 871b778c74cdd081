"""The hidden truth: kept apart from the exports, consistent with them, and visible in them."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from crossplay.synth import domain
from crossplay.synth.campaign import RESPONSIVENESS_CAP

from .conftest import World

TRUTH_WORDS = ("archetype", "interest", "uplift", "treated", "eligible", "privacy", "dual")


def test_ground_truth_is_a_sibling_never_an_input(world: World) -> None:
    truth_dir = world.root / "ground_truth"
    assert (truth_dir / "truth.json").is_file() and (truth_dir / "items.parquet").is_file()
    for export in ("knowledge", "game"):
        assert not any(p.name == "ground_truth" for p in (world.root / export).rglob("*"))
    m = world.manifest
    assert all(not s["glob"].startswith("ground_truth") for s in m["sources"])
    assert all(not f.startswith("ground_truth") for f in m["files"])
    for mapping in (world.root / "mappings").iterdir():
        assert "ground_truth" not in mapping.read_text("utf-8")


def test_exports_carry_no_truth_columns(world: World) -> None:
    names: set[str] = set(pq.read_schema(world.root / "game/events/part-00000.parquet").names)
    for rel in ("knowledge/events/part-00000.csv", "knowledge/consents.csv", "game/bindings.csv"):
        names |= set((world.root / rel).read_text("utf-8").splitlines()[0].split(","))
    for rel in ("game/streams/part-00000.jsonl", "game/social.jsonl", "game/consents.jsonl",
                "game/items/games.jsonl", "game/items/streamers.jsonl"):
        with (world.root / rel).open(encoding="utf-8") as handle:
            names |= set(json.loads(handle.readline()))
    assert not [n for n in names if any(w in n.lower() for w in TRUTH_WORDS)]


def test_native_ids_differ_between_platforms(truth: pa.Table) -> None:
    k = [u for u in truth["k_uid"].to_pylist() if u]
    g = [u for u in truth["g_uid"].to_pylist() if u]
    assert all(u.startswith("K") and len(u) == 9 for u in k)
    assert all(u.startswith("g_") and len(u) == 14 for u in g)
    assert len(set(k)) == len(k) and len(set(g)) == len(g)
    assert truth["person"].to_pylist() == list(range(truth.num_rows))


def test_bindings_link_the_same_person(world: World, truth: pa.Table) -> None:
    by_k = dict(zip(truth["k_uid"].to_pylist(), truth["person"].to_pylist(), strict=True))
    by_g = dict(zip(truth["g_uid"].to_pylist(), truth["person"].to_pylist(), strict=True))
    with (world.root / "game/bindings.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    binds = [r for r in rows if r["op"] == "BIND"]
    assert binds
    for r in rows:
        assert by_k[r["knowledge_uid"]] == by_g[r["game_uid"]]
    bound = int(pc.sum(pc.is_valid(truth["bound_at"])).as_py())
    assert bound == len(binds)


def _people(truth: pa.Table, column: str) -> dict[str, int]:
    return {u: p for u, p in zip(truth[column].to_pylist(), truth["person"].to_pylist(),
                                 strict=True) if u}


def test_planted_cross_domain_affinity_shows_in_behaviour(
    world: World, k_events: pa.Table, g_events: pa.Table, truth: pa.Table
) -> None:
    """People who play MOBA or shooters browse 电竞 courses far more than others."""
    games = {g["game_id"]: g["genre"] for g in world.games().to_pylist()}
    category = {c["course_id"]: c["category"] for c in world.courses().to_pylist()}
    by_g, by_k = _people(truth, "g_uid"), _people(truth, "k_uid")
    competitive: set[int] = set()
    sessions = g_events.filter(pc.equal(g_events["act"], "session_end"))
    for player, game in zip(sessions["player"].to_pylist(), sessions["target"].to_pylist(),
                            strict=True):
        if player and games[game] in ("MOBA", "射击"):
            competitive.add(by_g[player])
    views = k_events.filter(pc.equal(k_events["behavior"], "view"))
    hits: dict[bool, list[int]] = defaultdict(list)
    for uid, course in zip(views["uid"].to_pylist(), views["course_id"].to_pylist(),
                           strict=True):
        if uid:
            hits[by_k[uid] in competitive].append(category[course] == "电竞")
    assert len(hits[True]) > 500 and len(hits[False]) > 500
    assert np.mean(hits[True]) > 4 * np.mean(hits[False])


def test_social_graph_has_homophily(world: World, truth: pa.Table) -> None:
    arch = dict(zip(truth["g_uid"].to_pylist(), truth["archetype"].to_pylist(), strict=True))
    social = world.social()
    users = social.filter(pc.equal(social["to_type"], "player"))
    same = np.mean([arch[a] == arch[b] for a, b in zip(users["from"].to_pylist(),
                                                      users["to"].to_pylist(), strict=True)])
    members = [a for u, a in arch.items() if u]
    shares = np.array(list(Counter(members).values())) / len(members)
    assert same > 2 * float((shares ** 2).sum())
    stars = social.filter(pc.equal(social["to_type"], "anchor"))
    assert set(stars["rel"].to_pylist()) == {"follow", "gift", "chat"}
    assert all(t.startswith("s_") for t in stars["to"].to_pylist())


def test_campaign_exposures_follow_the_assignment(k_events: pa.Table, truth: pa.Table) -> None:
    by_k = _people(truth, "k_uid")
    shown = k_events.filter(pc.equal(k_events["behavior"], "push_show"))
    exposed = {by_k[u] for u in shown["uid"].to_pylist() if u}
    treated = set(np.flatnonzero(truth["treated"].to_numpy(zero_copy_only=False)).tolist())
    eligible = truth["campaign_eligible"].to_numpy(zero_copy_only=False)
    assert exposed <= treated
    assert len(exposed) >= 0.95 * len(treated)
    assert 0.3 < len(treated) / eligible.sum() < 0.7
    induced = truth["induced_purchase"].to_numpy(zero_copy_only=False)
    assert set(np.flatnonzero(induced).tolist()) <= treated
    uplift = truth["true_uplift"].to_numpy()
    arch = truth["archetype"].to_pylist()
    base = {a.key: a.uplift for a in domain.ARCHETYPES}
    typical = {a.key: a.act_k for a in domain.ARCHETYPES}
    engagement = truth["activity_knowledge"].to_numpy()
    for i in np.flatnonzero(eligible).tolist():
        scale = min(engagement[i] / typical[arch[i]], RESPONSIVENESS_CAP)
        assert uplift[i] == pytest.approx(base[arch[i]] * scale, rel=1e-12)
    # heterogeneous within an archetype: engaged learners respond more
    for key in base:
        mine = uplift[eligible & (np.array(arch) == key)]
        if mine.size > 20:
            assert mine.std() > 0.2 * mine.mean()


def test_truth_document_names_the_planted_effects(world: World) -> None:
    doc = json.loads((world.root / "ground_truth/truth.json").read_text("utf-8"))
    assert [a["key"] for a in doc["archetypes"]] == [a.key for a in domain.ARCHETYPES]
    pairs = {(p["genre"], p["course_category"]) for p in doc["planted_affinities"]}
    assert {("MOBA", "电竞"), ("策略", "理财"), ("休闲", "心理学")} <= pairs
    assert all(p["affinity"] > 0 for p in doc["planted_affinities"])
    uplift = doc["campaign"]["true_uplift_by_archetype"]
    assert len(set(uplift.values())) == len(uplift)  # heterogeneous
    assert doc["population"]["people"] == world.report.people
    items = pq.read_table(world.root / "ground_truth/items.parquet")
    assert items.num_rows == sum(world.manifest["expected_accepted"][p]["items"]
                                 for p in ("knowledge", "game"))
