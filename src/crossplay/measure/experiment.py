"""Experiment documents (YAML): variants with weights, layer, audience, window, metrics, MDE.

Example (docs/experiments.md has the full reference)::

    key: autumn_push
    name: 秋季学习推送
    partner: knowledge            # whose users are the units
    layer: knowledge_push         # experiments in one layer never share a person
    layer_range: [0.0, 0.5]       # this experiment's slice of the layer
    variants:
      - {key: holdout, weight: 50}
      - {key: push, weight: 50}
    control: holdout
    audience: "knowledge users with marketing consent"   # description
    audience_sql: null            # optional: SELECT user_key ... (the eligible keys)
    start: 2026-09-11
    stop: 2026-09-25
    mde: 0.10                     # relative minimum detectable effect of the primary metric
    metrics:
      - {key: course_purchase, kind: conversion, event_types: [purchase],
         item_types: [course], within_days: 14, role: primary}
      - {key: revenue, kind: revenue, within_days: 14, role: secondary, cuped_days: 14}
      - {key: refunds, kind: count, event_types: [refund], role: guardrail,
         higher_is_better: false}
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crossplay.core.types import Partner, Platform
from crossplay.core.yamldoc import load_yaml_model
from crossplay.measure.errors import MeasureError

MetricDefKind = Literal["conversion", "revenue", "time_spent", "count", "retention", "ratio",
                        "sql"]
_DEFAULT_EVENTS: dict[str, list[str]] = {
    "revenue": ["purchase"],
    "time_spent": ["lesson_watch", "session", "watch"],
}
_KEY = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$"


class MetricDef(BaseModel):
    """One metric over the lake, per person, counted from the person's first exposure."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=_KEY)
    kind: MetricDefKind
    role: Literal["primary", "secondary", "guardrail"] = "secondary"
    higher_is_better: bool = True
    event_types: list[str] = []
    platform: Platform | None = None
    item_types: list[str] = []
    within_days: int = Field(default=14, ge=1, le=366)
    day: int | None = Field(default=None, ge=1, le=366)  # retention: active on day n
    numerator: str | None = None  # ratio: keys of two other metrics
    denominator: str | None = None
    sql: str | None = None  # sql: SELECT user_key, value FROM ... (may use `exposures`)
    cuped_days: int = Field(default=0, ge=0, le=366)  # pre-period covariate length

    @model_validator(mode="after")
    def _complete(self) -> MetricDef:
        if self.kind == "ratio" and not (self.numerator and self.denominator):
            raise ValueError("a ratio metric needs numerator and denominator (metric keys)")
        if self.kind == "retention" and self.day is None:
            raise ValueError("a retention metric needs day (active on day n after exposure)")
        if self.kind == "sql" and not self.sql:
            raise ValueError("a sql metric needs sql: SELECT user_key, value FROM ...")
        if self.kind in ("conversion", "count") and not self.event_types:
            raise ValueError(f"a {self.kind} metric needs event_types")
        return self

    @property
    def events(self) -> list[str]:
        return self.event_types or _DEFAULT_EVENTS.get(self.kind, [])


class Variant(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=_KEY)
    weight: float = Field(gt=0)


class Experiment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=_KEY)
    name: str = ""
    partner: Partner = "knowledge"
    layer: str | None = None
    layer_range: tuple[float, float] = (0.0, 1.0)
    variants: list[Variant] = Field(min_length=2)
    control: str
    audience: str = ""
    audience_sql: str | None = None
    start: dt.date
    stop: dt.date
    mde: float | None = Field(default=None, gt=0)
    metrics: list[MetricDef] = []
    alpha: float = Field(default=0.05, gt=0, lt=0.5)
    correction: Literal["holm", "bh", "none"] = "holm"

    @model_validator(mode="after")
    def _consistent(self) -> Experiment:
        keys = [v.key for v in self.variants]
        if len(set(keys)) != len(keys):
            raise ValueError("variant keys must be unique")
        if self.control not in keys:
            raise ValueError(f"control {self.control!r} is not one of the variants {keys}")
        lo, hi = self.layer_range
        if not 0 <= lo < hi <= 1:
            raise ValueError("layer_range must be [start, end) with 0 <= start < end <= 1")
        if self.stop <= self.start:
            raise ValueError("stop must be after start")
        mkeys = [m.key for m in self.metrics]
        if len(set(mkeys)) != len(mkeys):
            raise ValueError("metric keys must be unique")
        for m in self.metrics:
            for ref in (m.numerator, m.denominator):
                if ref is not None and (ref not in mkeys or ref == m.key):
                    raise ValueError(f"metric {m.key}: {ref!r} is not another metric's key")
        if self.metrics and sum(m.role == "primary" for m in self.metrics) != 1:
            raise ValueError("exactly one metric must have role: primary")
        return self

    @property
    def weights(self) -> dict[str, float]:
        return {v.key: v.weight for v in self.variants}


def load_experiment(path: Path) -> Experiment:
    return load_yaml_model(path, Experiment, MeasureError, what="experiment document",
                           code="experiment_doc")
