"""A synthetic two-platform world with hidden ground truth (see docs/synthetic-world.md).

    >>> from pathlib import Path
    >>> from crossplay.synth import WorldConfig, generate_world
    >>> report = generate_world(WorldConfig(people=2000, days=30, seed=0), Path("world"))

writes each partner's exports in its own shape (CSV / GB18030 CSV / Parquet / JSON
lines), one mapping file per export kind, a ``manifest.json`` with the expected ingest
counts, and ``ground_truth/`` (never an input to a model). ``recent_start(days)`` is the
first day of a window that ends yesterday (what ``crossplay generate`` and the demo use).
"""

from crossplay.synth.config import GenerationReport, WorldConfig, recent_start
from crossplay.synth.world import generate_world

__all__ = ["GenerationReport", "WorldConfig", "generate_world", "recent_start"]
