"""Bounds that keep hostile exports from exhausting time, memory or the stack.

A file wider than ``max_columns`` is refused before any row is read (a clear
:class:`~crossplay.core.errors.SourceError`); a row longer than ``max_row_bytes`` or a JSON
line nested deeper than ``max_json_depth`` becomes one quarantine row and the rest of the
file goes on. The first two come from settings (``CROSSPLAY_INGEST_MAX_COLUMNS``,
``CROSSPLAY_INGEST_MAX_ROW_BYTES``); the depth is fixed: no export needs more than a few
levels, and the JSON parsers involved recurse (Arrow's segfaults near 100,000 levels,
Python's raises RecursionError near 1,000).
"""

from __future__ import annotations

from dataclasses import dataclass

from crossplay.core.settings import Settings

#: JSON nesting deeper than this is quarantined as ``nested_too_deep``
MAX_JSON_DEPTH = 64
#: characters of a row that could not be parsed kept (masked) in the quarantine
RAW_KEEP_CHARS = 4_096


@dataclass(frozen=True)
class ReadLimits:
    """How wide, long and deep an export may be."""

    max_columns: int = 2_000
    max_row_bytes: int = 32 << 20
    max_json_depth: int = MAX_JSON_DEPTH

    @classmethod
    def from_settings(cls, settings: Settings) -> ReadLimits:
        return cls(max_columns=settings.ingest_max_columns,
                   max_row_bytes=settings.ingest_max_row_bytes)
