"""Multiple-testing corrections across metrics and variants (adjusted p-values).

statsmodels' ``multipletests`` does the work (Holm step-down for the family-wise error,
Benjamini–Hochberg step-up for the false discovery rate); this module only names the
choices the CLI and experiment documents offer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from statsmodels.stats.multitest import multipletests

Correction = Literal["holm", "bh", "none"]
_METHOD = {"holm": "holm", "bh": "fdr_bh"}


def holm(p: Sequence[float]) -> list[float]:
    """Holm–Bonferroni step-down adjusted p-values (controls the family-wise error)."""
    return adjust(p, "holm")


def benjamini_hochberg(p: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg step-up adjusted p-values (controls the false discovery rate)."""
    return adjust(p, "bh")


def adjust(p: Sequence[float], method: Correction) -> list[float]:
    if not p:
        return []
    if method == "none":
        return [float(v) for v in p]
    _, adjusted, _, _ = multipletests(list(p), method=_METHOD[method])
    return [float(v) for v in adjusted]
