"""Paths to purchase / churn (known answers + CLI) and the churn model on the world."""

from __future__ import annotations

import json
import re

import pyarrow.parquet as pq
import pytest

from crossplay.mining.churn_job import churn_dir
from crossplay.mining.churn_words import driver_sentence, feature_words
from crossplay.mining.features import unit_features
from crossplay.mining.paths import Journey, path_table, sankey
from crossplay.mining.population import mining_connection
from tests.conftest import CliRunner, LoadedWorld


def test_path_table_known_answer() -> None:
    j = [
        Journey(("a", "b", "c"), True),   # a b -> T (last two: b c)
        Journey(("x", "b", "c"), True),
        Journey(("b", "c", "a"), False),  # did b c, did not convert right after
        Journey(("c",), False),
        Journey(("c",), True),
    ]
    table = path_table(j, "T", 2, 5)
    top = table[0]
    assert top["path"] == ["b", "c", "T"] and top["count"] == 2
    # run (b, c): held by 3 journeys, followed by T in 2 -> 2/3; run (c,): 5 hold, 3 reach
    assert top["steps"] == [{"step": "b", "people": 3, "conversion": round(2 / 3, 4)},
                            {"step": "c", "people": 5, "conversion": 0.6}]
    assert table[1]["path"] == ["c", "T"] and table[1]["count"] == 1
    s = sankey(table, "en")
    assert sum(link["value"] for link in s["links"] if s["nodes"][link["target"]] == "T") == 3


def test_paths_cli(fresh_world: LoadedWorld, cli: CliRunner) -> None:
    d = str(fresh_world.data_dir)
    res = cli("--data-dir", d, "paths", "--to", "purchase", "--scope", "game", "--top", "5",
              "--json", data=False)
    assert res.code == 0, res.err
    doc = res.json()
    assert doc["reached"] > 0 and len(doc["paths"]) == 5
    assert doc["paths"][0]["count"] >= doc["paths"][-1]["count"]
    for p in doc["paths"]:
        assert p["path"][-1] == "purchase"
        assert all(0.0 <= s["conversion"] <= 1.0 and s["people"] > 0 for s in p["steps"])
    assert doc["sankey"]["zh-CN"]["nodes"] and doc["sankey"]["en"]["links"]
    res = cli("--data-dir", d, "--lang", "zh-CN", "paths", "--to", "churn", data=False)
    assert res.code == 0 and "流失" in res.out
    res = cli("--data-dir", d, "paths", "--to", "heaven", data=False)
    assert res.code == 2 and "purchase or churn" in res.err_flat


@pytest.mark.slow
def test_churn_fit_score_drivers(fresh_world: LoadedWorld, cli: CliRunner) -> None:
    d = str(fresh_world.data_dir)
    res = cli("--data-dir", d, "churn", "fit", "--scope", "game", "--json", data=False)
    assert res.code == 0, res.err
    rep = res.json()
    m = rep["metrics"]
    # judged on a later period than it was trained on (time-based hold-out)
    assert m["holdout_cutoff"] > m["train_cutoff"]
    assert m["auc_holdout"] > 0.75
    assert 0.0 < m["brier_holdout"] < m["base_rate_holdout"]
    assert rep["drivers"] and all(x["en"] and x["zh"] for x in rep["drivers"])
    cal = m["calibration"]
    assert cal[-1]["observed"] > cal[0]["observed"]  # risk deciles are ordered
    res = cli("--data-dir", d, "churn", "score", "--scope", "game", "--json", data=False)
    assert res.code == 0, res.err
    scores = pq.read_table(churn_dir(fresh_world.settings(), "game") / "scores.parquet")
    assert scores.column_names[:3] == ["user_key", "partner", "churn_probability"]
    probs = scores.column("churn_probability").to_pylist()
    assert all(0.0 <= p <= 1.0 for p in probs)
    res = cli("--data-dir", d, "--lang", "zh-CN", "churn", "drivers", "--scope", "game",
              data=False)
    assert res.code == 0 and "流失的主要原因" in res.out
    res = cli("--data-dir", d, "churn", "score", "--scope", "knowledge", data=False)
    assert res.code == 2 and "churn fit" in res.err_flat
    res = cli("--data-dir", d, "--lang", "zh-CN", "churn", "score", "--scope", "knowledge",
              data=False)
    assert res.code == 2 and "(mining_no_churn_model)" in res.err_flat
    assert "还没有流失模型: 请先运行 `crossplay churn fit`" in res.err_flat


def test_driver_sentences_name_the_feature_in_the_readers_language() -> None:
    """A category share names its category (never its code, e.g. ``gc:策略``)."""
    down = {"feature": "gc:策略", "direction": "down"}
    assert driver_sentence(down, "zh-CN") == "策略游戏时长占比越低, 流失风险越高"
    assert driver_sentence(down, "en") == ("a lower share of play time in strategy games "
                                           "-> higher churn risk")
    assert driver_sentence({"feature": "kc:编程", "direction": "up"}, "en") == (
        "a higher share of course activity in programming -> higher churn risk")
    assert driver_sentence({"feature": "sc:电竞赛事", "direction": "up"}, "zh-CN") == (
        "电竞赛事直播观看占比越高, 流失风险越高")
    assert driver_sentence({"feature": "soc_friends", "direction": "down"}, "en") == (
        "fewer game friends -> higher churn risk")
    assert driver_sentence({"feature": "g_spend", "direction": "down"}, "en") == (
        "less spending in games -> higher churn risk")


def test_every_feature_has_words(fresh_world: LoadedWorld) -> None:
    """Every column the churn model can name as a driver reads as words in both languages."""
    con = mining_connection(fresh_world.settings())
    try:
        frame = unit_features(con, "joint", timezone="Asia/Shanghai").frame
    finally:
        con.close()
    assert any(c.startswith("gc:") for c in frame.columns)
    for column in frame.columns:
        en, zh = feature_words(column, "en"), feature_words(column, "zh-CN")
        assert column not in en and column not in zh and ":" not in en + zh, column
        assert re.search(r"[\u4e00-\u9fff]", zh) and not re.search(r"[\u4e00-\u9fff]", en)


def test_churn_drivers_words_a_stored_report_in_the_readers_language(
        fresh_world: LoadedWorld, cli: CliRunner) -> None:
    """``churn drivers`` words each driver from its feature and direction, so a report
    stored with the old sentences ("fewer gc:策略") reads right, and "all" is 全部."""
    report = {"scope": "game", "days": 7,
              "metrics": {"auc_holdout": 0.8, "holdout_units": 120, "base_rate_holdout": 0.3,
                          "brier_holdout": 0.15},
              "drivers": [{"feature": "gc:策略", "importance": 0.0123, "direction": "down",
                           "en": "fewer gc:策略 -> higher churn risk",
                           "zh": "gc:策略越低, 流失风险越高"}],
              "kaplan_meier_by_segment": [{"group": "all", "n": 120, "churned": 40,
                                           "survival": {"1": 0.9, "7": 0.6},
                                           "median_days": None}]}
    path = churn_dir(fresh_world.settings(), "game") / "report.json"
    path.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    d = str(fresh_world.data_dir)
    zh = cli("--data-dir", d, "--lang", "zh-CN", "churn", "drivers", "--scope", "game",
             data=False)
    assert zh.code == 0, zh.err
    assert "策略游戏时长占比越低, 流失风险越高" in zh.out and "gc:" not in zh.out
    assert "全部" in zh.out and "第7天" in zh.out
    en = cli("--data-dir", d, "churn", "drivers", "--scope", "game", data=False)
    assert "a lower share of play time in strategy games -> higher churn risk" in en.out
    assert "gc:" not in en.out
