"""Association rules over a basket file: ``crossplay rules mine --from-file``.

The same engine and statistics as over the lake (:func:`crossplay.mining.rule_mining.
mine_rules`: :func:`~crossplay.mining.fpm.frequent_itemsets`,
:func:`~crossplay.mining.rules.association_rules`, the same ranking), on baskets read by
:mod:`crossplay.mining.baskets_file` — so a public data set's itemsets and rules can be set
beside another library's. What differs from the lake, and why:

- no k floor on support and no audit entry: the file is the user's own data, nothing of the
  lake is read or released;
- no ``direction`` / ``cross_domain`` and no readable en / zh names: items are the file's
  own text;
- nothing is stored under ``derived/``: the result is printed and exported (``--out``,
  ``--itemsets-out``); the dashboard shows the lake's rules only;
- ``max_len`` defaults to no limit (as mlxtend's ``fpgrowth`` and close to arules' 10).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from crossplay.mining.baskets_file import BasketFileOptions, read_basket_file
from crossplay.mining.fpm import Itemsets, MiningError, frequent_itemsets
from crossplay.mining.rules import RuleSet, association_rules, rank_order

FILE_RULE_COLUMNS = (
    "antecedent", "consequent", "antecedent_size", "consequent_size", "count",
    "antecedent_count", "consequent_count", "antecedent_support", "consequent_support",
    "support", "confidence", "lift", "leverage", "conviction", "p_value", "q_value",
    "significant")
ITEMSET_COLUMNS = ("itemset", "size", "count", "support")
#: how the items of an itemset, antecedent or consequent are joined in one text cell
ITEM_SEPARATOR = " & "


@dataclass(frozen=True)
class FileRuleOptions:
    min_support: float = 0.01
    min_confidence: float = 0.1
    min_lift: float | None = 1.0
    max_len: int | None = None
    alpha: float = 0.05
    sort_by: str = "lift"


@dataclass(frozen=True)
class FileRulesResult:
    rules: pd.DataFrame  # FILE_RULE_COLUMNS, ranked
    itemsets: pd.DataFrame  # ITEMSET_COLUMNS, by size then count (descending) then text
    meta: dict[str, Any]


def _join(items: list[str], ids: tuple[int, ...]) -> str:
    return ITEM_SEPARATOR.join(items[i] for i in ids)


def file_rules_frame(rules: RuleSet, items: list[str], alpha: float) -> pd.DataFrame:
    n = max(rules.n_baskets, 1)
    return pd.DataFrame({
        "antecedent": [_join(items, a) for a in rules.antecedents],
        "consequent": [_join(items, c) for c in rules.consequents],
        "antecedent_size": [len(a) for a in rules.antecedents],
        "consequent_size": [len(c) for c in rules.consequents],
        "count": rules.count, "antecedent_count": rules.antecedent_count,
        "consequent_count": rules.consequent_count,
        "antecedent_support": rules.antecedent_count / n,
        "consequent_support": rules.consequent_count / n,
        "support": rules.support, "confidence": rules.confidence, "lift": rules.lift,
        "leverage": rules.leverage, "conviction": rules.conviction,
        "p_value": rules.p_value, "q_value": rules.q_value,
        "significant": rules.q_value <= alpha,
    }, columns=list(FILE_RULE_COLUMNS))


def itemsets_frame(itemsets: Itemsets, names: list[str]) -> pd.DataFrame:
    """Every frequent itemset: its items joined, size, count and support."""
    n = max(itemsets.n_baskets, 1)
    frame = pd.DataFrame({
        "itemset": [_join(names, s) for s in itemsets.itemsets],
        "size": [len(s) for s in itemsets.itemsets],
        "count": itemsets.counts, "support": itemsets.counts / n,
    }, columns=list(ITEMSET_COLUMNS))
    frame = frame.sort_values(["size", "count", "itemset"], ascending=[True, False, True],
                              kind="stable")
    return frame.reset_index(drop=True)


def mine_rules_file(path: Path, options: FileRuleOptions | None = None,
                    reading: BasketFileOptions | None = None) -> FileRulesResult:
    """Frequent itemsets and ranked rules (significant first, then ``sort_by``) of a file."""
    opts = options or FileRuleOptions()
    if not 0.0 < opts.min_support <= 1.0:
        raise MiningError(f"--min-support must be in (0, 1], got {opts.min_support}",
                          code="mining_rules_min_support",
                          params={"min_support": opts.min_support})
    if not 0.0 <= opts.min_confidence <= 1.0:
        raise MiningError(f"--min-confidence must be in [0, 1], got {opts.min_confidence}",
                          code="mining_rules_min_confidence",
                          params={"min_confidence": opts.min_confidence})
    data = read_basket_file(path, reading)
    itemsets = frequent_itemsets(data.baskets, opts.min_support, max_len=opts.max_len)
    rules = association_rules(itemsets, opts.min_confidence, opts.min_lift)
    order = rank_order(rules, opts.sort_by, alpha=opts.alpha)
    frame = file_rules_frame(rules, data.items, opts.alpha).iloc[order].reset_index(drop=True)
    meta: dict[str, Any] = {
        **asdict(opts), "file": str(path), "format": data.format,
        "format_detected": data.format_detected, "delimiter": data.delimiter,
        "baskets": data.baskets.n_baskets, "items": len(data.items), "rows": data.rows,
        "blank_lines": data.blank_lines, "empty_fields": data.empty_fields,
        "itemsets": len(itemsets.itemsets), "rules": len(frame),
        "significant_rules": int(frame["significant"].sum()),
        "test": "one-sided Fisher exact, Benjamini-Hochberg q-values",
    }
    return FileRulesResult(frame, itemsets_frame(itemsets, data.items), meta)
