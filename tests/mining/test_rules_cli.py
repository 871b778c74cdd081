"""``crossplay rules mine`` on the shared synthetic world, as a user runs it."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from crossplay.mining.rule_mining import load_rules
from crossplay.privacy.audit import entries
from tests.conftest import CliRunner, LoadedWorld


def test_rules_mine_category_joint(fresh_world: LoadedWorld, cli: CliRunner,
                                   tmp_path: Path) -> None:
    out, sets = tmp_path / "rules.csv", tmp_path / "itemsets.json"
    res = cli("--data-dir", fresh_world.data_dir, "rules", "mine", "--min-support", "0.05",
              "--min-confidence", "0.2", "--max-len", "2", "--out", out, "--itemsets-out",
              sets, "--json", data=False)
    assert res.code == 0, res.err
    doc = res.json()
    meta = doc["meta"]
    assert meta["scope"] == "joint" and meta["units"] > 30
    # k-anonymity: no rule describes fewer than k people
    assert meta["effective_min_support"] >= 10 / meta["units"]
    stored = load_rules(fresh_world.settings(), "joint", "category").frame
    assert len(stored) == meta["rules"] > 0
    assert (stored["count"] >= 10).all()
    assert (stored["lift"] >= 1.0).all()
    assert stored["cross_domain"].iloc[0] == stored["cross_domain"].max()  # cross first
    for r in doc["rules"]:
        assert r["antecedent_zh"] and r["antecedent_en"] and 0 < r["q_value"] <= 1
        assert r["confidence"] >= 0.2 and r["support"] >= 0.05
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == meta["rules"]
    assert {"antecedent_zh", "support", "lift", "q_value"} <= set(rows[0])
    # every frequent itemset, at most --max-len items, each held by at least k people
    itemsets = json.loads(sets.read_text(encoding="utf-8"))
    assert len(itemsets) == meta["itemsets"] and meta["max_len"] == 2
    assert {s["size"] for s in itemsets} == {1, 2}
    assert all(s["count"] >= 10 and s["itemset_zh"] and s["itemset_en"] for s in itemsets)
    # the joint read and the exports are in the audit log
    actions = [e.action for e in entries(fresh_world.settings())]
    assert {"mining.rules_mine", "mining.rules_export", "mining.itemsets_export"} <= set(
        actions)


def test_rules_mine_behaviour_cross_domain_only_zh(fresh_world: LoadedWorld,
                                                   cli: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "rules.json"
    res = cli("--data-dir", fresh_world.data_dir, "--lang", "zh-CN", "rules", "mine",
              "--level", "behaviour", "--cross-domain-only", "--min-support", "0.05",
              "--min-confidence", "0.1", "--out", out, data=False)
    assert res.code == 0, res.err
    assert "关联规则" in res.out and "跨域" in res.out
    assert "关联规则 (按行为习惯, 已关联用户)" in res.out  # the options' values in words
    assert re.search(r"│ (学习 → 游戏|游戏 → 学习) ", res.out)
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert rows, "expected cross-domain habit rules"
    assert all(r["cross_domain"] for r in rows)
    assert all(r["direction"] in ("knowledge->game", "game->knowledge") for r in rows)
    assert any("每周" in r["antecedent_zh"] + r["consequent_zh"] for r in rows)


def test_rules_mine_partner_scope_item_level(fresh_world: LoadedWorld, cli: CliRunner) -> None:
    res = cli("--data-dir", fresh_world.data_dir, "rules", "mine", "--scope", "game",
              "--level", "item", "--min-support", "0.02", "--min-confidence", "0.1",
              "--window", "14", "--json", data=False)
    assert res.code == 0, res.err
    doc = res.json()
    assert doc["meta"]["window_days"] == 14
    assert all(not r["cross_domain"] for r in doc["rules"])
    assert all(r["antecedent"].startswith(("g:item:", "s:item:")) for r in doc["rules"])


def test_rules_bad_input_exits_2(fresh_world: LoadedWorld, cli: CliRunner) -> None:
    bad = [("--level", "nope"), ("--scope", "everyone"), ("--min-support", "0"),
           ("--min-confidence", "1.5"), ("--sort", "beauty")]
    for opt, value in bad:
        res = cli("--data-dir", fresh_world.data_dir, "rules", "mine", opt, value, data=False)
        assert res.code == 2, (opt, res.out, res.err)
        assert "Traceback" not in res.err
    res = cli("rules", "mine", "--out", "x.txt")
    assert res.code == 2 and "no events" in res.err_flat


def test_cross_domain_rules_find_the_planted_affinities(fresh_world: LoadedWorld) -> None:
    """Ground truth: the world plants genre <-> course-category affinities (truth.json);
    the most significant cross-domain category rules must be among them. k is lowered to
    3 because the 2,000-person world has only ~85 linked persons with consent."""
    import json as _json

    from crossplay.mining.rule_mining import RuleOptions, mine_rules

    truth = _json.loads((fresh_world.world_dir / "ground_truth" / "truth.json")
                        .read_text(encoding="utf-8"))
    planted = {(a["genre"], a["course_category"]) for a in truth["planted_affinities"]}
    res = mine_rules(fresh_world.settings(privacy_k=3), RuleOptions(
        level="category", min_support=0.03, min_confidence=0.05, min_lift=1.0,
        cross_domain_only=True))
    sig = res.frame[res.frame["q_value"] <= 0.05].sort_values("q_value")
    assert len(sig) >= 2

    def is_planted(row: dict[str, str]) -> bool:
        tokens = row["antecedent"].split(" & ") + row["consequent"].split(" & ")
        courses = {t[6:] for t in tokens if t.startswith("k:cat:")}
        genres = {t[6:] for t in tokens if t.startswith(("g:cat:", "s:cat:"))}
        return any((g, c) in planted for g in genres for c in courses)

    rows = sig.to_dict(orient="records")
    assert is_planted(rows[0])
    assert sum(map(is_planted, rows)) / len(rows) >= 0.5


def test_small_q_values_keep_their_digits_in_the_table() -> None:
    """A significant rule's q of 0.004 was shown as "0.00", reading like an exact 0."""
    from crossplay.cli.commands_mining import _num

    assert [_num(q, 2) for q in (0.004, 0.02, 1.23e-5, 0.25, 0.0)] == [
        "0.004", "0.02", "1.2e-05", "0.25", "0.00"]
