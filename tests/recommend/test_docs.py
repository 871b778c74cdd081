"""docs/recommendation.md states the default weights the code uses."""

from __future__ import annotations

import re
from pathlib import Path

from crossplay.recommend.weights import InteractionConfig

DOC = Path(__file__).resolve().parents[2] / "docs" / "recommendation.md"


def test_weight_table_matches_defaults() -> None:
    text = DOC.read_text(encoding="utf-8")
    weights = InteractionConfig().weights
    checked = 0
    for m in re.finditer(r"^\| (\w+)(?: \(both sides\))? \| (-?−?[\d.]+) \|\s*([\d.]*)\s*\|",
                         text, re.M):
        name, base, per_log = m.group(1), float(m.group(2).replace("−", "-")), m.group(3)
        if name not in weights:
            continue
        assert weights[name].base == base, name
        assert weights[name].per_log == (float(per_log) if per_log else 0.0), name
        checked += 1
    assert checked >= 9
