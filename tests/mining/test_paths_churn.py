"""Paths to purchase / churn (known answers + CLI) and the churn model on the world."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from crossplay.mining.churn_job import churn_dir
from crossplay.mining.paths import Journey, path_table, sankey
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
