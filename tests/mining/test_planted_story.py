"""What the demo's mining step promises: significant rules first, judged against the affinities
the world planted, and segments that each stand out (known answers, then a 10,000-person world)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from crossplay.cli.commands_mining import demo_step
from crossplay.cli.i18n import Messages
from crossplay.cli.state import State
from crossplay.mining.fpm import MiningError
from crossplay.mining.profiles import segment_profiles
from crossplay.mining.rules import RuleSet, rank_order
from crossplay.mining.segments import SegmentModel
from crossplay.mining.truth_eval import planted_pairs, rule_is_planted
from tests.conftest import LoadedWorld


def _rules(lift: list[float], q: list[float]) -> RuleSet:
    n = len(lift)
    ones = np.ones(n)
    return RuleSet(antecedents=[(i,) for i in range(n)], consequents=[(9,)] * n,
                   n_baskets=100, count=np.full(n, 20), antecedent_count=np.full(n, 40),
                   consequent_count=np.full(n, 30), support=0.2 * ones,
                   confidence=0.5 * ones, lift=np.asarray(lift), leverage=0.1 * ones,
                   conviction=ones, p_value=np.asarray(q), q_value=np.asarray(q))


def test_significant_rules_outrank_a_higher_lift_that_may_be_chance() -> None:
    rules = _rules(lift=[5.0, 2.0, 3.0, 4.0], q=[0.30, 0.01, 0.02, 0.05])
    assert rank_order(rules).tolist() == [0, 3, 2, 1]  # by lift alone
    # q <= alpha is significant (0.05 included): then lift inside each group
    assert rank_order(rules, alpha=0.05).tolist() == [3, 2, 1, 0]
    assert rank_order(rules, "q_value", alpha=0.05).tolist() == [1, 2, 3, 0]


PLANTED = frozenset({("g:cat:MOBA", "k:cat:电竞"), ("s:cat:射击", "k:cat:电竞"),
                     ("s:cat:电竞赛事", "k:cat:电竞")})


@pytest.mark.parametrize(("antecedent", "consequent", "planted"), [
    ("g:cat:MOBA", "k:cat:电竞", True),
    ("k:cat:电竞", "g:cat:MOBA", True),  # either direction
    ("g:cat:MOBA & s:cat:射击", "k:cat:电竞", True),  # every cross pair is planted
    ("g:cat:MOBA & s:cat:休闲", "k:cat:电竞", False),  # one pair is not
    ("k:cat:英语", "g:cat:模拟", False),
    ("g:cat:MOBA", "s:cat:射击", False),  # one partner's side only
    ("k:hab:studies_1_3", "g:hab:plays_2_7", False),  # habits are not judged
])
def test_a_rule_is_planted_when_every_cross_pair_is(antecedent: str, consequent: str,
                                                    planted: bool) -> None:
    assert rule_is_planted(antecedent, consequent, PLANTED) is planted


def test_planted_pairs_come_from_the_truth(tmp_path: Path) -> None:
    truth = tmp_path / "ground_truth" / "truth.json"
    truth.parent.mkdir(parents=True)
    doc = {"planted_affinities": [{"genre": "MOBA", "course_category": "电竞"}],
           "planted_stream_affinities": [{"stream_category": "电竞赛事",
                                          "course_category": "电竞"}]}
    truth.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert planted_pairs(tmp_path) == {("g:cat:MOBA", "k:cat:电竞"),
                                       ("s:cat:电竞赛事", "k:cat:电竞")}
    del doc["planted_stream_affinities"]  # a world written before streams were listed
    truth.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert planted_pairs(tmp_path) == {("g:cat:MOBA", "k:cat:电竞"),
                                       ("s:cat:MOBA", "k:cat:电竞")}
    with pytest.raises(MiningError, match="no ground truth"):
        planted_pairs(tmp_path / "elsewhere")


def test_a_segment_with_no_strong_trait_says_what_it_leans_to() -> None:
    features = ["g_hours_week", "k_hours_week", "s_gifts"]
    scaled = np.array([[1.5, 0.0, 0.0], [1.5, 0.0, 0.0],   # segment 0: heavy gamers
                       [0.3, -0.1, 0.0], [0.3, 0.1, 0.0],  # segment 1: only leans
                       [-0.1, 0.0, 0.1], [-0.1, 0.0, -0.1]])  # segment 2: nothing at all
    frame = pd.DataFrame(np.abs(scaled) * 5, columns=features)
    profiles = {p["segment"]: p for p in segment_profiles(frame, [0, 0, 1, 1, 2, 2],
                                                          features, scaled)}
    assert profiles[0]["distinct"] and profiles[0]["name_en"] == "heavy gamer"
    assert not profiles[1]["distinct"]
    assert profiles[1]["name_en"] == "close to average; leans: heavy gamer"
    assert profiles[1]["name_zh"] == "接近平均，略偏：重度玩家"
    assert profiles[2]["name_en"] == "average on every trait" and not profiles[2]["distinct"]


def test_an_accept_test_vetoes_a_k_and_says_when_none_passed() -> None:
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 3, 240)
    centres = np.array([[20.0, 0.1], [0.5, 9.0], [6.0, 6.0]])
    hours = np.expm1(np.log1p(centres[truth]) + rng.normal(0, 0.08, (240, 2)))
    frame = pd.DataFrame(hours, columns=["g_hours_week", "k_hours_week"])
    best = SegmentModel((2, 5), n_components=0).fit(frame, 30.0)
    assert best.k_ == 3 and best.accepted_
    seen: list[int] = []

    def four_or_more(labels: np.ndarray) -> bool:  # type: ignore[type-arg]
        seen.append(int(labels.max()) + 1)
        return int(labels.max()) + 1 >= 4

    vetoed = SegmentModel((2, 5), n_components=0).fit(frame, 30.0, accept=four_or_more)
    assert vetoed.k_ >= 4 and vetoed.accepted_ and seen[0] == 3  # best first
    none = SegmentModel((2, 5), n_components=0).fit(frame, 30.0, accept=lambda labels: False)
    assert none.k_ == 3 and not none.accepted_
    assert adjusted_rand_score(truth, none.predict(frame)) > 0.95


# --- a 10,000-person world: the planted affinities show, and every segment stands out -------

@pytest.fixture(scope="module")
def mid_world(tmp_path_factory: pytest.TempPathFactory) -> LoadedWorld:
    from crossplay.ingest.world import ingest_world
    from crossplay.synth import WorldConfig, generate_world

    root = tmp_path_factory.mktemp("mid-world")
    world = LoadedWorld(root / "data" / "world", root / "data")
    generate_world(WorldConfig(people=10_000, days=30, seed=7), world.world_dir)
    ingest_world(world.settings(), world.world_dir)
    return world


def test_demo_step_shows_planted_rules_and_distinct_segments(
        mid_world: LoadedWorld, capsys: pytest.CaptureFixture[str]) -> None:
    st = State(mid_world.settings(), Messages("en"))
    summary = demo_step(st, False)
    out = capsys.readouterr().out
    rules = summary["rules"]
    top = rules["top"]
    assert top and all(r["lift"] >= 1 for r in top)
    # significant first, and the world's headline affinity is among them
    flags = [r["significant"] for r in top]
    assert flags == sorted(flags, reverse=True)
    assert any(r["significant"] and r["planted"] and r["q_value"] < 0.05 for r in top)
    assert rules["significant_planted"] >= 2
    assert "✓ planted in the world" in out and "hidden ground truth" in out
    # one direction per pair
    pairs = [frozenset((r["antecedent_en"], r["consequent_en"])) for r in top]
    assert len(set(pairs)) == len(pairs)
    segments = summary["segments"]
    assert all(p["distinct"] for p in segments["profiles"])
    assert "average on every trait" not in out and "close to average" not in out
    assert segments["archetype_ari"]["ari"] > 0.1
    assert "Agreement with the planted archetypes: ARI" in out
    zh = State(mid_world.settings(), Messages("zh-CN"))
    demo_step(zh, False)
    out = capsys.readouterr().out
    assert "模拟世界中预设的关联" in out and "各项均接近平均" not in out


def test_campaign_exposures_are_not_behaviour(fresh_world: LoadedWorld) -> None:
    """The demo's A/B step logs an exposure for every assigned person; a rerun of the demo
    must segment the same people the same way (pushes shown are not something they did)."""
    from crossplay.measure.sample_campaign import load_sample_campaign
    from crossplay.mining.features import unit_features
    from crossplay.mining.population import mining_connection
    from crossplay.mining.segment_job import SegmentOptions, fit_segments
    from crossplay.warehouse import query

    settings = fresh_world.settings()

    def features() -> pd.DataFrame:
        con = mining_connection(settings)
        try:
            return unit_features(con, "joint", timezone=settings.timezone).frame
        finally:
            con.close()

    before, seg = features(), fit_segments(settings, SegmentOptions(k_min=3, k_max=4,
                                                                     fresh=True))
    count = "SELECT count(*) FROM events WHERE event_type = 'campaign_exposure'"
    pushes = query(settings, count).rows[0][0]
    load_sample_campaign(settings, fresh_world.world_dir)
    assert query(settings, count).rows[0][0] > pushes  # the experiment log added some
    pd.testing.assert_frame_equal(features(), before)
    again = fit_segments(settings, SegmentOptions(k_min=3, k_max=4, fresh=True))
    assert (again.labels == seg.labels).all() and again.profiles == seg.profiles
