"""Association rules over the lake: baskets -> itemsets -> rules -> a stored table.

:func:`mine_rules` is what ``crossplay rules mine`` runs. Rules are aggregates over units;
an itemset is kept only if at least ``settings.privacy_k`` units hold it (so a released
rule never describes fewer than k people), on top of ``min_support``.

Stored under ``derived/mining/rules/<scope>-<level>.parquet`` (+ ``.json`` metadata); the
columns are those of :func:`rules_frame` and are documented in docs/mining.md.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from crossplay.core.derived import derived_dir, write_json, write_parquet
from crossplay.core.errors import NotFoundError
from crossplay.core.settings import Settings
from crossplay.mining.baskets import Level, check_level, load_baskets
from crossplay.mining.fpm import Itemsets, MiningError, frequent_itemsets
from crossplay.mining.names import DOMAIN_PARTNER, itemset_name, token_domain
from crossplay.mining.population import Scope, audit, check_scope, mining_connection
from crossplay.mining.rules import RuleSet, association_rules, rank_order

RULE_COLUMNS = (
    "antecedent", "consequent", "antecedent_en", "consequent_en", "antecedent_zh",
    "consequent_zh", "direction", "cross_domain", "count", "antecedent_count",
    "consequent_count", "support", "confidence", "lift", "leverage", "conviction",
    "p_value", "q_value", "significant")


@dataclass(frozen=True)
class RuleOptions:
    level: Level = "category"
    scope: Scope = "joint"
    window_days: int | None = None
    # low floors: k / units (privacy) is the real lower bound on support, and ranking by
    # significance keeps chance rules out of the top (docs/mining.md, "Defaults")
    min_support: float = 0.01
    min_confidence: float = 0.1
    min_lift: float | None = 1.0
    cross_domain_only: bool = False
    max_len: int | None = 4
    alpha: float = 0.05  # significance level on the BH q-value
    sort_by: str = "lift"


@dataclass(frozen=True)
class RulesResult:
    frame: pd.DataFrame
    meta: dict[str, Any]
    #: every frequent itemset (:func:`itemsets_frame`); not stored, so ``None`` when loaded
    itemsets: pd.DataFrame | None = None


def _sides(tokens: tuple[str, ...]) -> set[str]:
    return {DOMAIN_PARTNER[token_domain(t)] for t in tokens}


def rules_frame(rules: RuleSet, tokens: list[str], titles: dict[str, str],
                alpha: float) -> pd.DataFrame:
    """One row per rule, readable in en and zh-CN (columns :data:`RULE_COLUMNS`)."""
    ants = [tuple(tokens[i] for i in a) for a in rules.antecedents]
    cons = [tuple(tokens[i] for i in c) for c in rules.consequents]
    direction = []
    for a, c in zip(ants, cons, strict=True):
        sa, sc = _sides(a), _sides(c)
        if len(sa) == 1 and len(sc) == 1 and sa != sc:
            direction.append(f"{next(iter(sa))}->{next(iter(sc))}")
        else:
            direction.append("within" if sa | sc == sa and len(sa) == 1 else "mixed")
    return pd.DataFrame({
        "antecedent": [" & ".join(a) for a in ants],
        "consequent": [" & ".join(c) for c in cons],
        "antecedent_en": [itemset_name(a, "en", titles) for a in ants],
        "consequent_en": [itemset_name(c, "en", titles) for c in cons],
        "antecedent_zh": [itemset_name(a, "zh-CN", titles) for a in ants],
        "consequent_zh": [itemset_name(c, "zh-CN", titles) for c in cons],
        "direction": direction,
        "cross_domain": [d.endswith(("->game", "->knowledge")) for d in direction],
        "count": rules.count, "antecedent_count": rules.antecedent_count,
        "consequent_count": rules.consequent_count, "support": rules.support,
        "confidence": rules.confidence, "lift": rules.lift, "leverage": rules.leverage,
        "conviction": rules.conviction, "p_value": rules.p_value, "q_value": rules.q_value,
        "significant": rules.q_value <= alpha,
    }, columns=list(RULE_COLUMNS))


def itemsets_frame(itemsets: Itemsets, tokens: list[str],
                   titles: dict[str, str]) -> pd.DataFrame:
    """Every frequent itemset: tokens joined by `` & ``, readable en / zh names, size, count
    and support; by size, then count (descending), then tokens."""
    sets = [tuple(tokens[i] for i in s) for s in itemsets.itemsets]
    frame = pd.DataFrame({
        "itemset": [" & ".join(s) for s in sets],
        "itemset_en": [itemset_name(s, "en", titles) for s in sets],
        "itemset_zh": [itemset_name(s, "zh-CN", titles) for s in sets],
        "size": [len(s) for s in sets], "count": itemsets.counts,
        "support": itemsets.counts / max(itemsets.n_baskets, 1),
    })
    frame = frame.sort_values(["size", "count", "itemset"], ascending=[True, False, True],
                              kind="stable")
    return frame.reset_index(drop=True)


def mine_rules(settings: Settings, options: RuleOptions) -> RulesResult:
    """Mine, rank (cross-domain first, then significant before not, then ``sort_by``) and
    store rules; see module doc."""
    level, scope = check_level(options.level), check_scope(options.scope)
    if not 0.0 < options.min_support <= 1.0:
        raise MiningError(f"--min-support must be in (0, 1], got {options.min_support}",
                          code="mining_rules_min_support",
                          params={"min_support": options.min_support})
    if not 0.0 <= options.min_confidence <= 1.0:
        raise MiningError(f"--min-confidence must be in [0, 1], got {options.min_confidence}",
                          code="mining_rules_min_confidence",
                          params={"min_confidence": options.min_confidence})
    con = mining_connection(settings)
    try:
        data = load_baskets(con, level, scope, timezone=settings.timezone,
                            window_days=options.window_days)
    finally:
        con.close()
    n = data.baskets.n_baskets
    # k-anonymity: an itemset must be held by at least k units
    floor = settings.privacy_k / n
    effective = max(options.min_support, floor)
    if effective > 1.0:
        raise MiningError(f"only {n} units in scope {scope!r}: fewer than k = "
                          f"{settings.privacy_k}, no rule can be released",
                          code="mining_rules_below_k",
                          params={"n": n, "scope": scope, "k": settings.privacy_k})
    itemsets = frequent_itemsets(data.baskets, effective, max_len=options.max_len)
    rules = association_rules(itemsets, options.min_confidence, options.min_lift)
    frame = rules_frame(rules, data.tokens, data.titles, options.alpha)
    order = rank_order(rules, options.sort_by, alpha=options.alpha)
    frame = frame.iloc[order]
    if options.cross_domain_only:
        # .astype(bool): with no rules the column is an empty object Series, which pandas
        # would read as a list of column labels rather than a mask
        frame = frame.loc[frame["cross_domain"].astype(bool)]
    frame = frame.sort_values("cross_domain", ascending=False, kind="stable")
    frame = frame.reset_index(drop=True)
    meta: dict[str, Any] = {
        **asdict(options), "units": n, "tokens": len(data.tokens),
        "effective_min_support": effective, "privacy_k": settings.privacy_k,
        "itemsets": len(itemsets.itemsets), "rules": len(frame),
        "cross_domain_rules": int(frame["cross_domain"].sum()),
        "significant_rules": int(frame["significant"].sum()),
        "test": "one-sided Fisher exact, Benjamini-Hochberg q-values",
    }
    path = rules_path(settings, scope, level)
    write_parquet(pa.Table.from_pandas(frame, preserve_index=False), path)
    write_json(meta, path.with_suffix(".json"))
    audit(settings, "rules_mine", scope, {"level": level, "units": n, "rules": len(frame)})
    return RulesResult(frame, meta, itemsets_frame(itemsets, data.tokens, data.titles))


def rules_path(settings: Settings, scope: str, level: str) -> Path:
    return derived_dir(settings, "mining") / "rules" / f"{scope}-{level}.parquet"


def load_rules(settings: Settings, scope: str = "joint", level: str = "category") -> RulesResult:
    """The last stored rules of ``scope`` and ``level``."""
    import json

    import pyarrow.parquet as pq

    path = rules_path(settings, check_scope(scope), check_level(level))
    if not path.exists():
        raise NotFoundError(f"no rules stored for {scope}/{level}: run `crossplay rules mine "
                            f"--scope {scope} --level {level}` first",
                            code="mining_no_rules", params={"scope": scope, "level": level})
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    return RulesResult(pq.read_table(path).to_pandas(), meta)


def export_rules(frame: pd.DataFrame, path: Path, settings: Settings | None = None,
                 scope: str = "joint") -> Path:
    """Write rules as CSV (UTF-8 with BOM, opens in Excel) or JSON, by the file suffix."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise MiningError(f"export to .csv or .json, not {path.name!r}",
                          code="mining_export_type", params={"name": path.name})
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        frame.to_csv(path, index=False, encoding="utf-8-sig")
    else:
        records = frame.to_dict(orient="records")
        for r in records:
            for k, v in r.items():
                if isinstance(v, float) and math.isinf(v):
                    r[k] = "inf"
                elif isinstance(v, np.bool_):
                    r[k] = bool(v)
        write_json(records, path)
    if settings is not None:
        audit(settings, "rules_export", scope, {"rules": len(frame), "file": path.name})
    return path


def export_itemsets(frame: pd.DataFrame, path: Path, settings: Settings,
                    scope: str = "joint") -> Path:
    """Write the frequent itemsets of a lake run (:func:`itemsets_frame`) like
    :func:`export_rules`; the export is audited."""
    export_rules(frame, path)
    audit(settings, "itemsets_export", scope, {"itemsets": len(frame), "file": path.name})
    return path
