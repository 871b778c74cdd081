"""Ingest a generated world (``crossplay generate``) by following its manifest."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crossplay.core.errors import SourceError
from crossplay.core.settings import Settings
from crossplay.ingest.mapping import load_mapping
from crossplay.ingest.pipeline import IngestSummary, Progress, ingest

#: catalogs first, then behaviour, then the relations between people
_ORDER = {"items": 0, "events": 1, "social": 2, "consents": 3, "links": 4}


def world_sources(world: Path) -> list[dict[str, Any]]:
    """The export sources listed in ``world/manifest.json``, in ingest order."""
    path = world / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError(f"{world} holds no manifest.json; create a world with "
                          "`crossplay generate --out DIR`", code="ingest_world_no_manifest",
                          params={"world": str(world)}) from None
    except ValueError as exc:
        raise SourceError(f"{path} is not valid JSON: {exc}",
                          code="ingest_world_manifest_json",
                          params={"path": str(path), "detail": str(exc)}) from None
    sources = [s for s in manifest.get("sources", []) if s.get("files")]
    return sorted(sources, key=lambda s: (_ORDER.get(str(s["kind"]), 9), str(s["name"])))


def ingest_world(
    settings: Settings,
    world: Path,
    *,
    on_source: Callable[[dict[str, Any]], Progress | None] | None = None,
) -> list[tuple[dict[str, Any], IngestSummary]]:
    """Ingest every export of ``world`` with its mapping; one run per source."""
    done: list[tuple[dict[str, Any], IngestSummary]] = []
    for src in world_sources(world):
        files = [world / f for f in src["files"]]
        progress = on_source(src) if on_source is not None else None
        summary = ingest(settings, files, partner=src["partner"], kind=src["kind"],
                         mapping=load_mapping(world / src["mapping"]), progress=progress)
        done.append((src, summary))
    return done
