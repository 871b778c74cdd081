"""Behaviour mining: association rules, segments, social influence, paths and churn.

The Python API mirrors the CLI (``crossplay rules | segments | social | paths | churn``);
see docs/mining.md. Every function takes the settings, reads the lake through the
warehouse under the consent rules of :mod:`crossplay.mining.population`, stores its result
under ``derived/mining/`` and writes an audit entry.
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name -> module that defines it (imported on first use: the CLI starts fast and
#: ``crossplay.mining.messages`` does not pull in scikit-learn, LightGBM or igraph)
_EXPORTS: dict[str, str] = {
    "load_churn_report": "churn_job", "run_churn_fit": "churn_job",
    "run_churn_score": "churn_job", "run_paths": "churn_job",
    "Baskets": "fpm", "Itemsets": "fpm", "MiningError": "fpm", "frequent_itemsets": "fpm",
    "RuleOptions": "rule_mining", "RulesResult": "rule_mining", "export_rules": "rule_mining",
    "load_rules": "rule_mining", "mine_rules": "rule_mining",
    "RuleSet": "rules", "association_rules": "rules",
    "FileRuleOptions": "rules_file", "FileRulesResult": "rules_file",
    "mine_rules_file": "rules_file", "BasketFileOptions": "baskets_file",
    "read_basket_file": "baskets_file",
    "SegmentOptions": "segment_job", "SegmentResult": "segment_job",
    "assign_segments": "segment_job", "fit_segments": "segment_job",
    "load_assignments": "segment_job", "load_profiles": "segment_job",
    "SegmentModel": "segments", "SocialResult": "social_job", "rank_social": "social_job",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'crossplay.mining' has no attribute {name!r}")
    return getattr(importlib.import_module(f"crossplay.mining.{module}"), name)
