"""Numbers to show: JSON-able dicts and formatted table cells for an analysis."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from crossplay.measure.analysis import Analysis, Comparison


def _clean(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_clean(x) for x in v]
    return v


def analysis_dict(a: Analysis) -> dict[str, Any]:
    """The whole analysis as JSON-able data (non-finite numbers become null)."""
    out: dict[str, Any] = _clean(asdict(a))
    return out


def fmt(v: float | None, digits: int = 4) -> str:
    if v is None or not math.isfinite(v):
        return "–"
    return f"{v:.{digits}g}"


def pct(v: float | None) -> str:
    if v is None or not math.isfinite(v):
        return "–"
    return f"{v:+.2%}"


def p_fmt(p: float) -> str:
    return "<0.0001" if p < 1e-4 else f"{p:.4f}"


def comparison_cells(c: Comparison) -> dict[str, str]:
    return {
        "n": f"{c.n_control:,} / {c.n_variant:,}",
        "mean": f"{fmt(c.control_mean)} → {fmt(c.variant_mean)}",
        "lift": f"{fmt(c.diff)} [{fmt(c.ci_low)}, {fmt(c.ci_high)}]",
        "rel": f"{pct(c.rel)} [{pct(c.rel_ci_low)}, {pct(c.rel_ci_high)}]",
        "p": p_fmt(c.p_value),
        "padj": p_fmt(c.p_adjusted),
        "seq": f"[{fmt(c.seq_ci_low)}, {fmt(c.seq_ci_high)}]",
        "pbeat": f"{c.p_beat_control:.1%}",
        "pbeat_rel": ("–" if not math.isfinite(c.p_beat_control_relative)
                      else f"{c.p_beat_control_relative:.1%}"),
    }


COLUMNS = ("metric", "variant", "n", "mean", "lift", "rel", "p", "padj", "seq", "pbeat",
           "pbeat_rel", "outcome")


def comparison_table(a: Analysis, label: Callable[[str], str],
                     columns: Sequence[str] = COLUMNS) -> tuple[list[str], list[tuple[str, ...]]]:
    """Header and one row per comparison for the terminal and the HTML report.

    ``label`` turns a message key (``m.col.*``, ``m.role.*``, ``m.out.*``) into text."""
    head = [label("m.col." + k) for k in columns]
    rows = []
    for c in a.comparisons:
        cells = comparison_cells(c) | {
            "metric": f"{c.metric} ({label('m.role.' + c.role)})", "variant": c.variant,
            "outcome": label("m.out." + c.outcome)}
        rows.append(tuple(cells[k] for k in columns))
    return head, rows
