"""Where the behaviour page's paths come from: ``crossplay paths``' stored result, or now.

:func:`crossplay.mining.churn_job.run_paths` (``crossplay paths``) computes the top paths
and stores them in ``derived/mining/paths/<scope>-<target>.json`` (and audits the run). A
page build may neither store nor audit (every cached page would be rebuilt), so the page
reads that document when it matches its parameters and is newer than the lake
(:func:`stored_paths`), else counts the same paths itself without storing them
(:func:`live_paths`) — but only for populations up to :data:`LIVE_PATHS_MAX_UNITS`: the
path table is counted in Python, too slow for a page view beyond that.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from crossplay.core.settings import Settings

#: steps before the target and paths listed (``crossplay paths`` defaults)
PATH_STEPS, PATH_TOP = 3, 10
#: above this many people, paths come from ``crossplay paths`` only
LIVE_PATHS_MAX_UNITS = 2_500


def mining_file(settings: Settings, *parts: str) -> Path:
    """A file a mining job writes under ``derived/mining`` (named without creating its
    directory, which the jobs' own loaders do)."""
    return settings.data_dir.joinpath("derived", "mining", *parts)


def stored_paths(settings: Settings, scope: str, target: str,
                 churn_days: int) -> dict[str, Any] | None:
    """What ``crossplay paths --to TARGET --scope SCOPE --days D`` stored, if it was run
    with the page's parameters after the lake last changed (else None); its time of
    computation is added as ``computed_at``."""
    path = mining_file(settings, "paths", f"{scope}-{target}.json")
    manifest = settings.lake_dir / "_manifest.json"
    try:
        if manifest.is_file() and path.stat().st_mtime_ns < manifest.stat().st_mtime_ns:
            return None
        doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        at = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    except (OSError, ValueError):
        return None
    same = (doc.get("steps") == PATH_STEPS and doc.get("churn_days") == churn_days
            and doc.get("scope") == scope and doc.get("target") == target
            and len(doc.get("paths") or []) <= PATH_TOP)
    return {**doc, "computed_at": at} if same else None


def live_paths(con: Any, scope: str, target: str, churn_days: int) -> dict[str, Any]:
    """What ``crossplay paths`` computes (the same functions as
    :func:`crossplay.mining.churn_job.run_paths`), without storing or auditing it."""
    from crossplay.mining.paths import load_journeys, path_table, sankey

    journeys = load_journeys(con, scope, target,  # type: ignore[arg-type]
                             churn_days=churn_days)
    found = path_table(journeys, target, PATH_STEPS, PATH_TOP)
    return {"units": len(journeys), "reached": sum(j.reached for j in journeys),
            "paths": found, "sankey": {"en": sankey(found, "en"),
                                       "zh-CN": sankey(found, "zh-CN")}}
