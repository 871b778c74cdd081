"""Segments: the model on known clusters, stable labels, and the CLI on the synthetic world."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import adjusted_rand_score

from crossplay.mining.fpm import MiningError
from crossplay.mining.segment_job import segments_dir
from crossplay.mining.segments import SegmentModel, feature_group, group_weights
from tests.conftest import CliRunner, LoadedWorld


def _blobs(seed: int, n: int = 300) -> tuple[pd.DataFrame, np.ndarray]:
    """Four well separated groups in hours / shares columns (a checkerboard of habits)."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 4, n)
    centres = np.array([[20.0, 0.1, 0.8], [0.5, 8.0, 0.1], [6.0, 6.0, 0.5], [0.2, 0.2, 0.2]])
    hours = np.expm1(np.log1p(centres[truth, :2]) + rng.normal(0, 0.1, (n, 2)))
    night = centres[truth, 2] + rng.normal(0, 0.03, n)
    frame = pd.DataFrame({"g_hours_week": hours[:, 0], "k_hours_week": hours[:, 1],
                          "g_night": night},
                         index=[f"p{i:04d}" for i in range(n)])
    return frame, truth


@pytest.mark.parametrize("criterion", ["silhouette", "bic"])
def test_model_recovers_known_groups(criterion: str) -> None:
    frame, truth = _blobs(0)
    model = SegmentModel((2, 6), criterion, n_components=0).fit(frame, 30.0)  # type: ignore[arg-type]
    assert model.k_ == 4
    assert adjusted_rand_score(truth, model.predict(frame)) > 0.95


def test_labels_stay_stable_across_refits_and_round_trip() -> None:
    frame, _ = _blobs(1)
    first = SegmentModel((4, 4), n_components=0, random_state=0).fit(frame, 30.0)
    again, _ = _blobs(2)  # new people from the same groups, another seed
    second = SegmentModel((4, 4), n_components=0, random_state=5).fit(again, 30.0,
                                                                      previous=first)
    assert (first.predict(again) == second.predict(again)).mean() > 0.97
    copy = SegmentModel.from_dict(second.to_dict())
    assert (copy.predict(frame) == second.predict(frame)).all()


def test_model_refuses_bad_input() -> None:
    frame, _ = _blobs(0, n=15)
    with pytest.raises(MiningError, match="at least"):
        SegmentModel((2, 4)).fit(frame, 30.0)
    with pytest.raises(MiningError, match="k range"):
        SegmentModel((5, 3)).fit(_blobs(0)[0], 30.0)
    with pytest.raises(MiningError, match="not fitted"):
        SegmentModel().predict(frame)


def test_segments_fit_and_assign_cli(fresh_world: LoadedWorld, cli: CliRunner) -> None:
    d = str(fresh_world.data_dir)
    res = cli("--data-dir", d, "segments", "fit", "--k-min", "3", "--k-max", "6",
              "--truth", fresh_world.world_dir, "--json", data=False)
    assert res.code == 0, res.err
    doc = res.json()
    assert 3 <= doc["meta"]["k"] <= 6
    assert sum(p["size"] for p in doc["profiles"]) == doc["meta"]["units"]
    for p in doc["profiles"]:
        assert p["name_en"] and p["name_zh"] and p["value_yuan_per_person"] >= 0
    # measured, not asserted as the 0.6 target (see docs/mining.md): clearly
    # better than chance on the planted archetypes
    assert doc["truth"]["compared"] == doc["meta"]["units"]
    assert doc["truth"]["ari"] > 0.05
    table = pq.read_table(segments_dir(fresh_world.settings(), "joint") / "assignments.parquet")
    assert table.column_names[:2] == ["person_id", "segment"]
    res = cli("--data-dir", d, "--lang", "zh-CN", "segments", "assign", data=False)
    assert res.code == 0, res.err
    assert "已用已保存的模型" in res.out and "画像" in res.out


def test_segments_errors_exit_2(fresh_world: LoadedWorld, cli: CliRunner) -> None:
    d = str(fresh_world.data_dir)
    res = cli("--data-dir", d, "segments", "assign", "--scope", "game", data=False)
    assert res.code == 2 and "segments fit" in res.err_flat
    res = cli("--data-dir", d, "segments", "fit", "--k-min", "6", "--k-max", "3", data=False)
    assert res.code == 2 and "k range" in res.err_flat
    res = cli("--data-dir", d, "segments", "fit", "--criterion", "vibes", data=False)
    assert res.code == 2 and "criterion" in res.err_flat
    res = cli("--data-dir", d, "--lang", "zh-CN", "segments", "fit", "--k-min", "6",
              "--k-max", "3", data=False)
    assert res.code == 2 and "(mining_k_range)" in res.err_flat
    assert "k 的范围须满足 2 <= 最小值 <= 最大值, 收到 6..3" in res.err_flat
    res = cli("--data-dir", d, "--lang", "zh-CN", "segments", "assign", "--scope", "game",
              data=False)
    assert res.code == 2 and "范围 'game' 还没有分群模型" in res.err_flat


def test_group_weights_give_each_feature_group_equal_weight() -> None:
    cols = ["k_days", "k_events", "k_hours_week", "g_hours_week", "k_night", "g_night",
            "kc:编程", "kc:英语", "kc:职场", "kc:设计", "gc:MOBA", "soc_friends"]
    w = group_weights(cols, interest_weight=2.0)
    total: dict[str, float] = {}
    for c, x in zip(cols, w, strict=True):
        total[feature_group(c)] = total.get(feature_group(c), 0.0) + float(x) ** 2
    assert set(total) == {"k_activity", "g_activity", "time_of_day", "kc:", "gc:", "social"}
    assert total["kc:"] == pytest.approx(4.0) and total["gc:"] == pytest.approx(4.0)
    assert all(total[g] == pytest.approx(1.0)
               for g in ("k_activity", "g_activity", "time_of_day", "social"))
