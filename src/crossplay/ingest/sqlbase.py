"""Shared pieces of the ingest SQL: quoting, the run plan, typed sources, reasons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import pyarrow as pa

from crossplay.core.types import Partner
from crossplay.ingest.mapping import Mapping
from crossplay.schema.tables import Field, TableSpec

#: columns crossplay adds to a batch before the SQL (checks made in Arrow / Python);
#: never part of a row's raw text
INTERNAL_PREFIX = "__crossplay_"
#: an id's problem: NULL, 'C' (control character) or 'L<length>' (too long)
ID_CHECK_PREFIX = INTERNAL_PREFIX + "idcheck_"
#: true when a JSON field's text nests deeper than the limit
DEEP_CHECK_PREFIX = INTERNAL_PREFIX + "deep_"

_SQL_TYPES = {
    "string": "VARCHAR", "pseudo_id": "VARCHAR", "enum": "VARCHAR", "number": "DOUBLE",
    "timestamp": "TIMESTAMPTZ", "bool": "BOOLEAN", "json": "VARCHAR", "tags": "VARCHAR[]",
}


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_type(f: Field) -> str:
    return _SQL_TYPES[f.kind]


#: what a row does whose key is in the lake with other content: it is quarantined as
#: ``conflicts_with_lake`` (the default), or it replaces the lake row
Corrections = Literal["quarantine", "replace"]


@dataclass(frozen=True)
class Plan:
    """Everything fixed for one ingest run of one table."""

    spec: TableSpec
    mapping: Mapping
    partner: Partner
    timezone: str
    run_id: str
    ingested_at: datetime  # UTC
    max_ts: datetime  # UTC; later timestamps are rejected
    corrections: Corrections = "quarantine"

    def source_of(self, f: Field) -> str | None:
        """The source column that feeds field ``f`` (None: constant, default or absent)."""
        if f.name in self.mapping.columns:
            return self.mapping.columns[f.name]
        return None


def is_text(t: pa.DataType | None) -> bool:
    return t is None or pa.types.is_string(t) or pa.types.is_large_string(t)


def typed_source(
    plan: Plan, f: Field, types: dict[str, pa.DataType]
) -> tuple[str, pa.DataType] | None:
    src = plan.mapping.columns.get(f.name) or (f.name if f.name in types else None)
    if src is None or src not in types or is_text(types[src]):
        return None
    return ident(src), types[src]


def reason_sql(code: str, column: str, message: str) -> str:
    return f"concat_ws(chr(31), {lit(code)}, {lit(column)}, {message})"


def value_text(f: Field) -> str:
    return f"left(__t_{f.name}, 80)"
