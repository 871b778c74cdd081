"""A run's result as table cells (pure: the CLI draws them, docs quote them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crossplay.evaluation.measures import METRICS

LABELS = {"precision": "P", "recall": "R", "ndcg": "NDCG", "map": "MAP", "hit": "HR"}


def metric_columns(k: int) -> list[str]:
    return [f"{LABELS[m]}@{k}" for m in METRICS]


def cell(est: dict[str, Any]) -> str:
    """``mean ± standard error`` with four decimals."""
    return f"{est['mean']:.4f} ± {est['se']:.4f}"


def _params(p: dict[str, Any]) -> str:
    skip = ("random_state", "source", "target")
    return ", ".join(f"{k}={v}" for k, v in p.items() if k not in skip)


def _tuned_en(tried: int) -> str:
    return f"(tuned on valid, {tried} tried)"


def _error_en(row: dict[str, Any]) -> str:
    return str(row["error"])


def rows_of(result: dict[str, Any], chosen_only: bool = True, *,
            tuned: Callable[[int], str] = _tuned_en,
            error: Callable[[dict[str, Any]], str] = _error_en) -> list[list[str]]:
    """One row per model: metric cells, fit seconds, traced peak MB, setting used.

    ``tuned`` words the note of a tuned setting (from the number of settings tried) and
    ``error`` a model that failed (from its row): English unless a caller translates."""
    out = []
    for r in result["rows"]:
        if "error" in r:
            out.append([r["model"], *["" for _ in METRICS], "", "", error(r)])
            continue
        tuned_on = r.get("tuning") or {}
        params = tuned_on.get("chosen", r["params"]) if chosen_only else r["params"]
        label = _params(params) or "-"
        if tuned_on.get("tried"):
            label += "  " + tuned(len(tuned_on["tried"]))
        out.append([r["model"], *[cell(r[m]) for m in METRICS], f"{r['fit_s']:.2f}",
                    f"{r['fit_peak_mb']:.1f}", label])
    return out


def markdown(result: dict[str, Any]) -> str:
    """The table as GitHub Markdown (for papers' comparisons and the README)."""
    head = ["model", *metric_columns(result["k"]), "fit s", "fit peak MB", "setting"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows_of(result):
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)
