"""``crossplay rules mine --from-file``: a basket file, as a user runs it, against mlxtend.

The test writes one small basket set (planted associations, items with spaces and Chinese
names) in the shapes public data sets ship in — one basket per line with commas (arules'
``groceries.csv``), with spaces (the FIMI repository's ``retail.dat``), transaction/item
pairs (two columns; and a wider file with a header, the transaction being two columns
together) — mines each through the CLI, and compares the exported frequent itemsets and
rules with mlxtend's ``fpgrowth`` + ``association_rules`` on the same baskets: the same
itemsets with the same supports, the same rules with the same measures.
"""

from __future__ import annotations

import math
import random
import warnings
from pathlib import Path

import pandas as pd
import pytest
from mlxtend.frequent_patterns import association_rules as mlx_rules
from mlxtend.frequent_patterns import fpgrowth
from mlxtend.preprocessing import TransactionEncoder
from scipy import stats

from crossplay.cli.i18n import clear_misses, misses
from tests.conftest import CliRunner, write

ITEMS = ["whole milk", "rolls/buns", "yogurt", "soda", "全麦面包", "咖啡", "eggs", "butter",
         "tropical fruit", "bottled water", "sausage", "pastry"]
MIN_SUPPORT, MIN_CONFIDENCE = 0.04, 0.3


def _baskets(n: int = 400, seed: int = 5) -> list[list[str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        b = set(rng.sample(ITEMS, rng.randint(1, 4)))
        if "whole milk" in b and rng.random() < 0.6:
            b |= {"yogurt", "全麦面包"}  # planted: milk pulls yogurt and bread along
        if "咖啡" in b and rng.random() < 0.5:
            b.add("pastry")
        if "butter" in b:
            b.add("eggs")  # confidence 1: conviction is infinite
        out.append(sorted(b, key=lambda _: rng.random()))  # items in no particular order
    return out


def _reference(baskets: list[list[str]]) -> tuple[dict[frozenset[str], float], pd.DataFrame]:
    te = TransactionEncoder()
    df = pd.DataFrame(te.fit(baskets).transform(baskets), columns=te.columns_)
    fi = fpgrowth(df, min_support=MIN_SUPPORT, use_colnames=True)
    with warnings.catch_warnings():  # mlxtend divides by zero in metrics we do not use
        warnings.simplefilter("ignore", RuntimeWarning)
        rules = mlx_rules(fi, num_itemsets=len(baskets), metric="confidence",
                          min_threshold=MIN_CONFIDENCE)
    return {frozenset(s): float(v) for s, v in zip(fi.itemsets, fi.support, strict=True)}, rules


def _items(cell: str) -> frozenset[str]:
    return frozenset(cell.split(" & "))


def _mine(cli: CliRunner, path: Path, tmp_path: Path, *extra: str) -> dict[str, object]:
    rules_out, sets_out = tmp_path / f"{path.stem}-rules.csv", tmp_path / f"{path.stem}-sets.csv"
    r = cli("rules", "mine", "--from-file", path, "--min-support", str(MIN_SUPPORT),
            "--min-confidence", str(MIN_CONFIDENCE), "--min-lift", "0", "--out", rules_out,
            "--itemsets-out", sets_out, "--json", *extra)
    assert r.code == 0, r.err
    doc: dict[str, object] = r.json()
    doc["rules_frame"] = pd.read_csv(rules_out, encoding="utf-8-sig")
    doc["itemsets_frame"] = pd.read_csv(sets_out, encoding="utf-8-sig")
    return doc


def _check_against_mlxtend(doc: dict[str, object], baskets: list[list[str]],
                           name: dict[str, str] | None = None) -> None:
    """``name``: item -> its text in the file (the same when None)."""
    name = name or {i: i for i in ITEMS}
    ref_sets, ref_rules = _reference(baskets)
    sets = doc["itemsets_frame"]
    assert isinstance(sets, pd.DataFrame)
    ours = {_items(s): v for s, v in zip(sets["itemset"], sets["support"], strict=True)}
    assert ours.keys() == ref_sets.keys()
    for s, v in ours.items():
        assert v == pytest.approx(ref_sets[s], rel=1e-12)
    assert (sets["count"] == (sets["support"] * len(baskets)).round()).all()
    rules = doc["rules_frame"]
    assert isinstance(rules, pd.DataFrame)
    got = {(_items(a), _items(c)): row for a, c, row in zip(
        rules["antecedent"], rules["consequent"], rules.to_dict(orient="records"), strict=True)}
    want = {(frozenset(a), frozenset(c)): row for a, c, row in zip(
        ref_rules["antecedents"], ref_rules["consequents"],
        ref_rules.to_dict(orient="records"), strict=True)}
    assert got.keys() == want.keys() and len(got) > 20
    infinite = 0
    for key, row in got.items():
        ref = want[key]
        for ours_name, ref_name in (("antecedent_support", "antecedent support"),
                                    ("consequent_support", "consequent support"),
                                    ("support", "support"), ("confidence", "confidence"),
                                    ("lift", "lift"), ("leverage", "leverage")):
            assert row[ours_name] == pytest.approx(ref[ref_name], rel=1e-9, abs=1e-12), ours_name
        if math.isinf(ref["conviction"]):
            assert math.isinf(row["conviction"])
            infinite += 1
        else:
            assert row["conviction"] == pytest.approx(ref["conviction"], rel=1e-9)
        # the significance rules mine reports over the lake: one-sided Fisher, then BH
        a, ac, c = row["antecedent_count"], row["count"], row["consequent_count"]
        n = len(baskets)
        p = stats.fisher_exact([[ac, a - ac], [c - ac, n - a - c + ac]],
                               alternative="greater").pvalue
        assert row["p_value"] == pytest.approx(p, rel=1e-6, abs=1e-12)
    assert infinite >= 1  # exported as "inf", read back as infinity
    q = stats.false_discovery_control(rules["p_value"].to_numpy(), method="bh")
    assert rules["q_value"].to_numpy() == pytest.approx(q)
    assert (rules["significant"] == (rules["q_value"] <= 0.05)).all()
    # the planted association is found, and is significant
    planted = got[(frozenset({name["whole milk"]}),
                   frozenset({name["yogurt"], name["全麦面包"]}))]
    assert planted["significant"] and planted["lift"] > 2


def test_basket_files_equal_mlxtend_in_every_shape(cli: CliRunner, tmp_path: Path) -> None:
    baskets = _baskets()
    # one basket per line, commas (groceries.csv), a blank line and a trailing comma
    lines = [",".join(b) for b in baskets]
    lines.insert(7, "")
    lines[3] += ","
    doc = _mine(cli, write(tmp_path / "groceries.csv", "\n".join(lines) + "\n"), tmp_path)
    meta = doc["meta"]
    assert isinstance(meta, dict)
    assert (meta["format"], meta["format_detected"], meta["delimiter"]) == (
        "baskets", True, "comma")
    assert (meta["baskets"], meta["blank_lines"], meta["empty_fields"]) == (400, 1, 1)
    assert meta["max_len"] is None  # no length limit for a file, as mlxtend
    _check_against_mlxtend(doc, baskets)
    # the same baskets as item ids separated by spaces (retail.dat), a trailing space each
    code = {item: str(i) for i, item in enumerate(ITEMS)}
    fimi = "".join(" ".join(code[i] for i in b) + " \n" for b in baskets)
    doc = _mine(cli, write(tmp_path / "retail.dat", fimi), tmp_path)
    assert doc["meta"]["delimiter"] == "whitespace"  # type: ignore[index]
    _check_against_mlxtend(doc, [[code[i] for i in b] for b in baskets], code)
    # transaction/item pairs, rows shuffled: detected as pairs
    pairs = [(f"T{t:04d}", item) for t, b in enumerate(baskets) for item in b]
    random.Random(1).shuffle(pairs)
    doc = _mine(cli, write(tmp_path / "pairs.tsv", "".join(f"{t}\t{i}\n" for t, i in pairs)),
                tmp_path)
    meta = doc["meta"]
    assert isinstance(meta, dict)
    assert (meta["format"], meta["format_detected"], meta["delimiter"]) == (
        "pairs", True, "tab")
    _check_against_mlxtend(doc, baskets)
    # a wider file with a header: the transaction is a member and a day together
    rows = ["member,day,price,itemDescription"] + [
        f"{t // 3},d{t % 3},1.5,{item}" for t, b in enumerate(baskets) for item in b]
    doc = _mine(cli, write(tmp_path / "groceries_long.csv", "\n".join(rows) + "\n"), tmp_path,
                "--header", "--transaction-col", "member,day", "--item-col", "itemDescription")
    assert doc["meta"]["format"] == "pairs"  # type: ignore[index]
    _check_against_mlxtend(doc, baskets)
    # the same by position, without the header line
    doc = _mine(cli, write(tmp_path / "long_nohead.csv", "\n".join(rows[1:]) + "\n"),
                tmp_path, "--transaction-col", "1,2", "--item-col", "4")
    _check_against_mlxtend(doc, baskets)


def test_format_flag_overrides_detection_and_the_table_reads_in_both_languages(
        cli: CliRunner, tmp_path: Path) -> None:
    pairs = write(tmp_path / "pairs.csv", "t1,milk\nt1,bread\nt2,milk\nt2,bread\nt3,eggs\n")
    r = cli("rules", "mine", "--from-file", pairs, "--min-support", "0.3", "--json")
    assert r.code == 0, r.err
    assert r.json()["meta"]["baskets"] == 3 and r.json()["rules"][0]["antecedent"] in (
        "milk", "bread")
    # read as one basket per line: five two-item baskets, t1..t3 and the items are items
    r = cli("rules", "mine", "--from-file", pairs, "--format", "baskets", "--min-support",
            "0.3", "--json")
    assert r.code == 0, r.err
    meta = r.json()["meta"]
    assert (meta["format"], meta["format_detected"], meta["baskets"], meta["items"]) == (
        "baskets", False, 5, 6)
    clear_misses()
    for lang, words in (("en", ("Association rules in pairs.csv", "transaction/item pairs",
                                "confidence")),
                        ("zh-CN", ("pairs.csv 中的关联规则", "成对读取", "置信度"))):
        r = cli("--lang", lang, "rules", "mine", "--from-file", pairs, "--min-support", "0.3")
        assert r.code == 0, r.err
        assert all(w in r.out for w in words), r.out
        assert "milk" in r.out and "bread" in r.out
    assert not misses()


def _bad_inputs(tmp_path: Path) -> list[tuple[list[str], str, str]]:
    """(arguments, error code, a piece of the English message) per bad input."""
    ok = write(tmp_path / "ok.csv", "a,b\na,c\nb,c\n")
    ragged = write(tmp_path / "ragged.tsv", "t1\ta\nt1\tb\nt2\tc\td\n")
    latin = write(tmp_path / "latin.csv", "caf\xe9,b\n".encode("latin-1"))
    empty = write(tmp_path / "empty.csv", "\n\n")
    head = write(tmp_path / "head.csv", "tx,item\nt1,a\nt1,b\n")
    return [
        ([str(tmp_path / "nope.csv")], "mining_file_missing", "does not exist"),
        ([str(latin)], "mining_file_encoding", "is not UTF-8"),
        ([str(empty)], "mining_file_empty", "holds no baskets"),
        ([str(ragged), "--format", "pairs"], "mining_file_pair_width", "line 3 has 3 field"),
        ([str(head), "--header", "--transaction-col", "tx", "--item-col", "thing"],
         "mining_file_column", "'thing' is not in the header"),
        ([str(head), "--transaction-col", "tx", "--item-col", "item"],
         "mining_file_column_position", "without --header"),
        ([str(head), "--transaction-col", "5", "--item-col", "1"],
         "mining_file_short_row", "fewer than the 5"),
        ([str(ok), "--transaction-col", "1"], "mining_file_columns_both", "give both"),
        ([str(ok), "--format", "rows"], "mining_file_format", "unknown basket file format"),
        ([str(ok), "--delimiter", "::"], "mining_file_delimiter", "give one character"),
        ([str(ok), "--level", "item"], "mining_file_lake_options", "leave them out"),
        ([str(ok), "--min-support", "0"], "mining_rules_min_support", "(0, 1]"),
    ]


def test_bad_files_and_options_exit_2_with_a_coded_translated_error(
        cli: CliRunner, tmp_path: Path) -> None:
    clear_misses()
    for args, code, text in _bad_inputs(tmp_path):
        r = cli("rules", "mine", "--from-file", *args)
        assert r.code == 2, (args, r.out, r.err)
        assert f"({code})" in r.err and text in r.err_flat, (args, r.err)
        zh = cli("--lang", "zh-CN", "rules", "mine", "--from-file", *args)
        assert zh.code == 2 and f"错误 ({code})" in zh.err, (args, zh.err)
        assert "Traceback" not in r.err + zh.err
    # file options without a file
    r = cli("rules", "mine", "--delimiter", "tab")
    assert r.code == 2 and "(mining_file_options_without_file)" in r.err
    assert not misses()
