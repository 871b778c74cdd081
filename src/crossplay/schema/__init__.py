"""Canonical, versioned schemas of the lake tables (see docs/data-model.md)."""

from crossplay.schema.tables import (
    EVENT_TYPES,
    SCHEMA_VERSION,
    TABLES,
    Field,
    TableSpec,
    all_event_types,
    table_spec,
)

__all__ = [
    "EVENT_TYPES",
    "SCHEMA_VERSION",
    "TABLES",
    "Field",
    "TableSpec",
    "all_event_types",
    "table_spec",
]
