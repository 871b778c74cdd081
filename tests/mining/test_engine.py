"""The itemset miner and rule metrics against mlxtend (the reference) and scipy."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mlxtend.frequent_patterns import association_rules as mlx_rules
from mlxtend.frequent_patterns import fpgrowth
from scipy import stats

from crossplay.mining.fpm import MiningError, baskets_from_lists, frequent_itemsets
from crossplay.mining.rules import association_rules

# the classic textbook basket set (Han & Kamber): 9 transactions over I1..I5
HAN = [[1, 2, 5], [2, 4], [2, 3], [1, 2, 4], [1, 3], [2, 3], [1, 3], [1, 2, 3, 5], [1, 2, 3]]


def _reference(lists: list[list[int]], n_items: int, min_support: float,
               min_conf: float) -> tuple[dict[tuple[int, ...], float], pd.DataFrame]:
    df = pd.DataFrame([[i in set(b) for i in range(n_items)] for b in lists],
                      columns=list(range(n_items)))
    fi = fpgrowth(df, min_support=min_support, use_colnames=True)
    sets = {tuple(sorted(s)): float(v) for s, v in zip(fi.itemsets, fi.support, strict=True)}
    if fi.empty or max(len(s) for s in sets) < 2:
        return sets, pd.DataFrame()
    with warnings.catch_warnings():  # mlxtend divides by zero in metrics we do not use
        warnings.simplefilter("ignore", RuntimeWarning)
        rules = mlx_rules(fi, num_itemsets=len(lists), metric="confidence",
                          min_threshold=min_conf)
    return sets, rules


def _compare(lists: list[list[int]], n_items: int, min_support: float,
             min_conf: float) -> None:
    ref_sets, ref_rules = _reference(lists, n_items, min_support, min_conf)
    mined = frequent_itemsets(baskets_from_lists(lists, n_items), min_support)
    ours = {s: c / len(lists) for s, c in mined.support_of().items()}
    assert ours.keys() == ref_sets.keys()
    for s, v in ours.items():
        assert v == pytest.approx(ref_sets[s])
    rules = association_rules(mined, min_confidence=min_conf)
    got = {(a, c): r for r, (a, c) in enumerate(zip(rules.antecedents, rules.consequents,
                                                     strict=True))}
    want = {} if ref_rules.empty else {
        (tuple(sorted(a)), tuple(sorted(c))): r
        for r, (a, c) in enumerate(zip(ref_rules.antecedents, ref_rules.consequents,
                                       strict=True))}
    assert got.keys() == want.keys()
    for key, r in got.items():
        row = ref_rules.iloc[want[key]]
        for name in ("support", "confidence", "lift", "leverage"):
            assert getattr(rules, name)[r] == pytest.approx(row[name], rel=1e-9, abs=1e-12)
        if math.isinf(row["conviction"]):
            assert math.isinf(rules.conviction[r])
        else:
            assert rules.conviction[r] == pytest.approx(row["conviction"], rel=1e-9)


def test_textbook_basket_set_equals_mlxtend() -> None:
    _compare(HAN, 6, 2 / 9, 0.5)
    mined = frequent_itemsets(baskets_from_lists(HAN, 6), 2 / 9)
    support = mined.support_of()
    # the textbook's answer: {I1, I2, I3} and {I1, I2, I5} are the frequent 3-itemsets
    assert {s for s in support if len(s) == 3} == {(1, 2, 3), (1, 2, 5)}
    assert support[(1, 2, 5)] == 2 and support[(2,)] == 7


def test_random_correlated_baskets_equal_mlxtend() -> None:
    rng = np.random.default_rng(7)
    p = np.r_[np.full(8, 0.08), np.full(32, 0.011)]
    lists = []
    for _ in range(1200):
        b = set(rng.choice(40, int(rng.integers(1, 9)), p=p / p.sum()).tolist())
        if 0 in b and rng.random() < 0.7:
            b |= {20, 21}  # planted: item 0 pulls 20 and 21 along
        lists.append(sorted(b))
    _compare(lists, 40, 0.015, 0.2)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(0, 11), max_size=6), min_size=1, max_size=60),
       st.sampled_from([0.05, 0.1, 0.2, 0.34]), st.sampled_from([0.0, 0.5, 0.9]))
def test_any_basket_set_equals_mlxtend(lists: list[list[int]], min_support: float,
                                       min_conf: float) -> None:
    _compare([sorted(set(b)) for b in lists], 12, min_support, min_conf)


def test_fisher_p_values_and_bh() -> None:
    rng = np.random.default_rng(3)
    lists = [sorted(set(rng.integers(0, 10, 4).tolist())) for _ in range(500)]
    rules = association_rules(frequent_itemsets(baskets_from_lists(lists, 10), 0.05))
    assert len(rules) > 20
    for r in range(0, len(rules), 7):
        a, ac = int(rules.antecedent_count[r]), int(rules.count[r])
        c = int(rules.consequent_count[r])
        table = [[ac, a - ac], [c - ac, 500 - a - c + ac]]
        want = stats.fisher_exact(table, alternative="greater").pvalue
        assert rules.p_value[r] == pytest.approx(want, rel=1e-6, abs=1e-12)
    bh = stats.false_discovery_control(rules.p_value, method="bh")
    assert np.allclose(rules.q_value, bh)
    assert (rules.q_value >= rules.p_value - 1e-15).all()


def test_max_len_and_bad_thresholds() -> None:
    b = baskets_from_lists(HAN, 6)
    assert max(len(s) for s in frequent_itemsets(b, 2 / 9, max_len=2).itemsets) == 2
    with pytest.raises(MiningError, match="min_support"):
        frequent_itemsets(b, 0.0)
    with pytest.raises(MiningError, match="min_confidence"):
        association_rules(frequent_itemsets(b, 0.2), min_confidence=1.5)
