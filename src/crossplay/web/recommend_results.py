"""What the recommendation jobs saved, read for the recommendations page (never written).

- ``crossplay recommend evaluate`` (and the demo): ``derived/recommend/evaluations/
  latest-<task>.json`` (:func:`crossplay.recommend.evaluate.save_report`), one per task;
- ``crossplay bench run``: ``derived/benchmarks/<name>/runs/run-<stamp>.json``
  (:func:`crossplay.evaluation.store.save_run`); the newest run per protocol, target,
  list length and ranking is the one shown;
- ``crossplay recommend mix``: ``derived/recommend/mix.json`` (the command's JSON result).

Paths are looked up without the jobs' helpers, which create their directories: a page
build must not write under ``derived/`` (it would change every cached page's signature).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crossplay.core.settings import Settings
from crossplay.evaluation.store import list_benchmarks
from crossplay.recommend.evaluate import TASKS


def _derived(settings: Settings, *parts: str) -> Path:
    return settings.data_dir.joinpath("derived", *parts)


def _read(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def evaluations(settings: Settings) -> dict[str, dict[str, Any]]:
    """The latest saved evaluation report per task (task -> report), in task order."""
    out: dict[str, dict[str, Any]] = {}
    for task in TASKS:
        report = _read(_derived(settings, "recommend", "evaluations", f"latest-{task}.json"))
        if report is not None:
            out[task] = report
    return out


def benchmark_runs(settings: Settings) -> list[dict[str, Any]]:
    """The newest run of each (benchmark, protocol, target, k, ranking), by benchmark
    name, then protocol; each run dict gains ``run`` (its file's stem)."""
    out: list[dict[str, Any]] = []
    for meta in list_benchmarks(settings):
        runs = _derived(settings, "benchmarks", str(meta["name"]), "runs")
        if not runs.is_dir():
            continue
        newest: dict[tuple[Any, ...], dict[str, Any]] = {}
        for path in sorted(runs.glob("run-*.json")):  # the stamp sorts by time
            run = _read(path)
            if run is None:
                continue
            run["run"] = path.stem
            newest[(run.get("protocol"), run.get("target"), run.get("k"),
                    run.get("ranking"))] = run
        out.extend(sorted(newest.values(), key=lambda r: (str(r.get("protocol")),
                                                          str(r.get("target")))))
    return out


def content_mix(settings: Settings) -> dict[str, Any] | None:
    """What ``crossplay recommend mix`` saved, or ``None``."""
    return _read(_derived(settings, "recommend", "mix.json"))


def trained(settings: Settings) -> bool:
    """Whether a recommender bundle has been trained (``recommend train``, the demo)."""
    return _derived(settings, "recommend", "models", "LATEST").is_file()
