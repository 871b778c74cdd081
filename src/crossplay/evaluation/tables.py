"""A run's result as table cells (pure: the CLI draws them, docs quote them)."""

from __future__ import annotations

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


def rows_of(result: dict[str, Any], chosen_only: bool = True) -> list[list[str]]:
    """One row per model: metric cells, fit seconds, traced peak MB, setting used."""
    out = []
    for r in result["rows"]:
        if "error" in r:
            out.append([r["model"], *["" for _ in METRICS], "", "", r["error"]])
            continue
        tuned = r.get("tuning") or {}
        params = tuned.get("chosen", r["params"]) if chosen_only else r["params"]
        label = _params(params) or "-"
        if tuned.get("tried"):
            label += f"  (tuned on valid, {len(tuned['tried'])} tried)"
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
