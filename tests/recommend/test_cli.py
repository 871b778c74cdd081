"""``crossplay recommend`` as a user meets it, on the shared synthetic world."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from crossplay.privacy.policy import Purpose, linked_persons_sql, refused_sql
from crossplay.warehouse.duck import connect
from tests.conftest import CliRunner, LoadedWorld


def _one(world: LoadedWorld, sql: str) -> str:
    con = connect(world.settings())
    try:
        return str(con.sql(sql).fetchall()[0][0])
    finally:
        con.close()


@pytest.fixture
def trained(fresh_world: LoadedWorld, cli: CliRunner) -> tuple[LoadedWorld, CliRunner]:
    def run(*args: str | Path) -> object:
        return cli("--data-dir", fresh_world.data_dir, *args, data=False)

    res = run("recommend", "train", "--factors", "16", "--json")
    assert res.code == 0, res.err  # type: ignore[attr-defined]
    return fresh_world, run  # type: ignore[return-value]


def test_train_for_export(trained: tuple[LoadedWorld, CliRunner]) -> None:
    world, run = trained
    bundle = json.loads((sorted((world.data_dir / "derived/recommend/models").glob(
        "v*/bundle.json"))[-1]).read_text())
    units = {u["unit"] for u in bundle["units"]}
    assert {"in-knowledge", "in-game", "in-stream", "cross-knowledge"} <= units

    # a linked, consenting person with no knowledge history gets courses from play
    key = _one(world, f"""
        SELECT l.k_user_key FROM ({linked_persons_sql(Purpose.PERSONALISATION)}) l
        WHERE l.g_user_key IN (SELECT user_key FROM events WHERE partner = 'game'
                               AND item_id IS NOT NULL)
          AND l.k_user_key NOT IN (SELECT user_key FROM events WHERE partner = 'knowledge'
                                   AND item_id IS NOT NULL)
        ORDER BY 1 LIMIT 1""")
    res = run("recommend", "for", "--partner", "knowledge", "--key", key, "--explain",
              "--n", "5", "--json")
    assert res.code == 0, res.err  # type: ignore[attr-defined]
    data = res.json()  # type: ignore[attr-defined]
    assert data["personalised"] and data["unit"] == "cross-knowledge"
    assert len(data["items"]) == 5
    assert all(i["platform"] == "knowledge" for i in data["items"])
    assert all(i["why"].startswith("because you ") for i in data["items"])
    zh = run("--lang", "zh-CN", "recommend", "for", "--partner", "knowledge", "--key", key,
             "--explain", "--n", "3")
    assert zh.code == 0 and "因为你" in zh.out and "个性化推荐" in zh.out  # type: ignore
    assert "账号已关联，双方均同意关联与个性化" in zh.out  # type: ignore[attr-defined]

    # the joint read was audited
    audit = run("audit", "list", "--json")
    assert "recommend_cross_read" in audit.out  # type: ignore[attr-defined]

    # someone who refused personalisation gets popular items, and is told why
    refused = _one(world, f"SELECT user_key FROM ({refused_sql(Purpose.PERSONALISATION)}) "
                          f"WHERE partner = 'knowledge' ORDER BY 1 LIMIT 1")
    res = run("recommend", "for", "--partner", "knowledge", "--key", refused, "--json")
    data = res.json()  # type: ignore[attr-defined]
    assert not data["personalised"] and "refused" in data["policy"]
    assert data["model"] == "popularity"

    res = run("recommend", "export", "--n", "5", "--json")
    assert res.code == 0, res.err  # type: ignore[attr-defined]
    files = res.json()["files"]  # type: ignore[attr-defined]
    in_k = next(p for p in files if p.endswith("in-knowledge.parquet"))
    t = pq.read_table(in_k)
    assert {"partner", "user_key", "rank", "item_id", "score"} <= set(t.column_names)
    assert refused not in set(t.column("user_key").to_pylist())
    cross = next(p for p in files if p.endswith("cross-knowledge.parquet"))
    assert {"person_id", "k_user_key", "g_user_key"} <= set(pq.read_table(cross).column_names)


def test_evaluate_prints_and_saves(cli: CliRunner, fresh_world: LoadedWorld) -> None:
    res = cli("--data-dir", fresh_world.data_dir, "recommend", "evaluate", "--task",
              "in-domain", "--domain", "knowledge", "--truth", fresh_world.world_dir,
              "--models", "popularity,item_knn", data=False)
    assert res.code == 0, res.err
    assert "recall@10" in res.out and "item_knn" in res.out
    saved = fresh_world.data_dir / "derived/recommend/evaluations/latest-in-domain.json"
    data = json.loads(saved.read_text())
    row = data["boards"][0]["rows"][1]
    assert row["model"] == "item_knn" and 0 <= row["truth_recall"] <= 1
    res = cli("--data-dir", fresh_world.data_dir, "recommend", "evaluate", "--task",
              "cold-start", "--models", "popularity,emcdr", "--json", data=False)
    assert res.code == 0, res.err
    assert res.json()["boards"][0]["split"] == "cold-persons"


def test_errors_exit_2(cli: CliRunner, fresh_world: LoadedWorld) -> None:
    res = cli("recommend", "for", "--partner", "knowledge", "--user", "K1")
    assert res.code == 2 and "recommend train" in res.err_flat
    res = cli("--data-dir", fresh_world.data_dir, "recommend", "evaluate", "--models",
              "magic", data=False)
    assert res.code == 2 and "unknown model" in res.err_flat
    res = cli("recommend", "for", "--partner", "knowledge")
    assert res.code == 2 and "exactly one of --user" in res.err_flat
    res = cli("recommend", "evaluate", "--task", "sideways")
    assert res.code == 2
    res = cli("recommend", "train")
    assert res.code == 2 and "ingest events first" in res.err_flat


def test_evaluate_tunes_on_validation_and_reports_no_history(
        cli: CliRunner, fresh_world: LoadedWorld) -> None:
    args = ("--data-dir", fresh_world.data_dir, "recommend", "evaluate", "--task",
            "in-domain", "--domain", "game", "--models", "popularity,item_knn", "--json")
    res = cli(*args, data=False)
    assert res.code == 0, res.err
    board = res.json()["boards"][0]
    knn = next(r for r in board["rows"] if r["model"] == "item_knn")
    assert knn["params"]["neighbours"] in (0, 100) and 0 <= knn["validation_recall"] <= 1
    assert 0 <= board["no_history_users"] <= board["test_users"]
    res = cli(*args, "--no-tune", data=False)
    assert res.code == 0, res.err
    plain = next(r for r in res.json()["boards"][0]["rows"] if r["model"] == "item_knn")
    assert "params" not in plain
