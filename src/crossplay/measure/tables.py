"""Operational table of the measurement area: experiment documents, versioned.

One row per experiment key: the validated document as JSON, its layer slice (so the
overlap check is a query) and a version that grows on every update. No person keys.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Index, Integer, String, Table, Text

from crossplay.opdb.meta import metadata

experiments = Table(
    "measure_experiments", metadata,
    Column("key", String(64), primary_key=True),
    Column("layer", String(128), nullable=True),
    Column("layer_lo", Float, nullable=False),
    Column("layer_hi", Float, nullable=False),
    Column("version", Integer, nullable=False),
    Column("document", Text, nullable=False),  # the Experiment as JSON
    Column("updated_at", BigInteger, nullable=False),  # microseconds since the epoch, UTC
    Index("ix_measure_experiments_layer", "layer"),
)
