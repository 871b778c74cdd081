"""Mapping files: how a partner's export becomes a canonical table.

A mapping renames columns, maps values, sets constants, converts units and says how to
read naive timestamps. Example (knowledge events exported as CSV)::

    version: 1
    kind: events
    partner: knowledge
    encoding: auto            # utf-8, gb18030, gbk, ... or auto-detect
    header: true              # false: no header line; columns are "1", "2", ... (CSV)
    timezone: Asia/Shanghai   # zone of naive timestamps; stored as UTC
    timestamp_format: auto    # auto | epoch_s | epoch_ms | a strptime pattern
    min_timestamp: 1995-01-01 # earliest time accepted (default 2000-01-01)
    columns:                  # canonical field: source column
      event_id: log_id
      user_id: uid
      event_type: behavior
      ts: event_time
      value: val
    values:                   # canonical field: {source value: canonical value}
      event_type: {view: course_view, buy: purchase}
    constants:                # canonical field: fixed value
      currency: CNY
    units:                    # canonical field: conversion, optionally per event type
      value: {default: ms_to_s, by_event_type: {purchase: cents_to_yuan}}
    properties: [device, channel]   # source columns kept inside the properties JSON

See docs/ingestion.md for every key.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from crossplay.core.errors import MappingError
from crossplay.core.types import Kind, Partner
from crossplay.core.yamldoc import load_yaml_model
from crossplay.schema import TableSpec

#: named unit conversions -> multiplication factor
UNIT_FACTORS: dict[str, float] = {
    "none": 1.0,
    "s": 1.0,
    "ms_to_s": 0.001,
    "minutes_to_s": 60.0,
    "hours_to_s": 3600.0,
    "cents_to_yuan": 0.01,
    "fen_to_yuan": 0.01,
}

UnitName = Literal[
    "none", "s", "ms_to_s", "minutes_to_s", "hours_to_s", "cents_to_yuan", "fen_to_yuan"
]
Unit = UnitName | Annotated[float, Field(gt=0)]


def unit_factor(unit: Unit) -> float:
    return UNIT_FACTORS[unit] if isinstance(unit, str) else float(unit)


class UnitRule(BaseModel):
    """A conversion with per-event-type exceptions."""

    model_config = ConfigDict(extra="forbid")

    default: Unit = "none"
    by_event_type: dict[str, Unit] = {}


Scalar = str | int | float | bool


class Mapping(BaseModel):
    """A validated mapping file (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    kind: Kind | None = None
    partner: Partner | None = None
    format: Literal["auto", "csv", "jsonl", "parquet"] = "auto"
    encoding: str = "auto"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    #: CSV: whether line 1 names the columns; without one they are "1", "2", ... by position
    header: bool = True
    timezone: str | None = None
    timestamp_format: str = "auto"
    #: the earliest time (UTC) accepted; None: 2000-01-01 (ingest/sqltime.MIN_TIMESTAMP)
    min_timestamp: date | None = None
    columns: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    constants: dict[str, Scalar] = {}
    units: dict[str, Unit | UnitRule] = {}
    properties: list[str] = []
    #: where the mapping came from (for error messages); not a YAML key
    origin: str | None = Field(default=None, exclude=True)

    @field_validator("values")
    @classmethod
    def _values_are_text(cls, v: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        return {f: {str(k): str(val) for k, val in m.items()} for f, m in v.items()}

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str | None) -> str | None:
        if v is None:
            return v
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (use an IANA name such as "
                             "Asia/Shanghai or UTC)") from None
        return v

    @field_validator("min_timestamp")
    @classmethod
    def _plausible_start(cls, v: date | None) -> date | None:
        if v is not None and v < date(1900, 1, 1):
            raise ValueError("min_timestamp must be 1900-01-01 or later (time zones before "
                             "1900 used local mean time)")
        return v

    @model_validator(mode="after")
    def _no_double_source(self) -> Mapping:
        both = set(self.columns) & set(self.constants)
        if both:
            raise ValueError(f"{sorted(both)} set both in columns and constants; keep one")
        return self

    def unit_rule(self, field: str) -> UnitRule | None:
        u = self.units.get(field)
        if u is None:
            return None
        return u if isinstance(u, UnitRule) else UnitRule(default=u)

    def check_against(self, spec: TableSpec) -> None:
        """Fields named in the mapping must exist in the canonical table."""
        known = set(spec.field_names)
        fields = ", ".join(spec.field_names)
        unknown: list[tuple[str, str]] = []  # (mapping key, field name)
        for section, names in (
            ("columns", self.columns), ("values", self.values),
            ("constants", self.constants), ("units", self.units),
        ):
            unknown += [(f"{section}.{name}", name) for name in names if name not in known]
        unitless = [f"units.{name}" for name in self.units
                    if name in known and spec.field(name).kind != "number"]
        if not unknown and not unitless:
            return
        problems = "\n  ".join(
            [f"{key}: '{name}' is not a field of {spec.name} (fields: {fields})"
             for key, name in unknown]
            + [f"{key}: only number fields take a unit" for key in unitless])
        origin = f" {self.origin}" if self.origin else ""
        keys, units = ", ".join(k for k, _ in unknown), ", ".join(unitless)
        if not unitless:
            raise MappingError(f"mapping{origin} does not fit table {spec.name}:\n  {problems}",
                               code="ingest_mapping_unknown_field",
                               params={"origin": origin, "table": spec.name,
                                       "problems": problems, "keys": keys, "fields": fields})
        if not unknown:
            raise MappingError(f"mapping{origin} does not fit table {spec.name}:\n  {problems}",
                               code="ingest_mapping_unit_field",
                               params={"origin": origin, "table": spec.name,
                                       "problems": problems, "units": units})
        raise MappingError(f"mapping{origin} does not fit table {spec.name}:\n  {problems}",
                           code="ingest_mapping_misfit",
                           params={"origin": origin, "table": spec.name, "problems": problems,
                                   "keys": keys, "fields": fields, "units": units})


def load_mapping(path: Path) -> Mapping:
    mapping = load_yaml_model(path, Mapping, MappingError, what="mapping file",
                              code="ingest_mapping")
    return mapping.model_copy(update={"origin": str(path)})
