"""Campaign documents: YAML validated into typed models, errors at ``file:line: key``.

See docs/campaigns.md for every key and the sample
``crossplay/campaigns/samples/learn_and_play.yaml``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from crossplay.campaigns.errors import CampaignError
from crossplay.core.types import Platform
from crossplay.core.yamldoc import load_yaml_model

Ident = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Currency = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9]{1,15}$")]
Points = Annotated[int, Field(gt=0, le=10**12)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CurrencyDef(_Strict):
    name: str
    #: who issues it: the joint campaign (crossplay points) or one partner
    issuer: Literal["crossplay", "knowledge", "game"] = "crossplay"


class ExchangeRate(_Strict):
    from_: Currency = Field(alias="from")
    to: Currency
    rate: Decimal = Field(gt=0)
    fee: Decimal = Field(default=Decimal(0), ge=0, lt=1)


class Condition(_Strict):
    platform: Platform
    event_type: str
    #: the day's total ``value`` of these events must reach this (seconds watched, yuan)
    min_total_value: Decimal | None = Field(default=None, ge=0)
    min_count: int = Field(default=1, ge=1)


class EventRule(_Strict):
    """Points for each matching event (``points``), optionally + ``per_value`` x value."""

    id: Ident
    kind: Literal["event"]
    when: Condition
    points: int = Field(default=0, ge=0)
    per_value: Decimal = Field(default=Decimal(0), ge=0)
    #: an event of this type with the same item claws the award back (a refund)
    reversed_by: str | None = None

    @model_validator(mode="after")
    def _gives_something(self) -> EventRule:
        if self.points == 0 and self.per_value == 0:
            raise ValueError("give points and/or per_value greater than 0")
        return self


class SameDayRule(_Strict):
    """Points once per local day when ALL conditions hold that day (across platforms)."""

    id: Ident
    kind: Literal["same_day"]
    all: list[Condition] = Field(min_length=2)
    points: Points


Rule = Annotated[EventRule | SameDayRule, Field(discriminator="kind")]


CheckinPlatform = Literal["knowledge", "game"]


def _both_platforms() -> list[CheckinPlatform]:
    return ["knowledge", "game"]


class Checkins(_Strict):
    platforms: list[CheckinPlatform] = Field(default_factory=_both_platforms, min_length=1)
    single_points: int = Field(default=0, ge=0)
    dual_points: int = Field(default=0, ge=0)
    #: streak of dual check-in days -> bonus points on the day the streak reaches it
    streak_bonus: dict[int, Points] = Field(default_factory=dict)
    #: missed days that do not break a streak (they do not count towards it either)
    grace_days: int = Field(default=0, ge=0, le=7)
    #: make-up cards per person per campaign: each fills one missed day (and counts)
    makeup_cards: int = Field(default=0, ge=0, le=31)

    @field_validator("streak_bonus")
    @classmethod
    def _days_positive(cls, v: dict[int, int]) -> dict[int, int]:
        if any(day < 2 for day in v):
            raise ValueError("streak days must be 2 or more")
        return v


class Limits(_Strict):
    daily_cap: int | None = Field(default=None, gt=0)
    per_person_per_hour: int | None = Field(default=None, gt=0)
    per_device_per_day: int | None = Field(default=None, gt=0)


class LatePolicy(_Strict):
    """Events that reach crossplay more than ``max_delay_hours`` after they happened."""

    policy: Literal["accept", "reject"] = "accept"
    max_delay_hours: int = Field(default=48, gt=0)


class RewardDef(_Strict):
    id: Ident
    partner: Literal["knowledge", "game"]
    currency: Currency
    cost: Points
    stock: int = Field(ge=0)
    title: dict[Literal["en", "zh-CN"], str] = Field(default_factory=dict)


class Eligibility(_Strict):
    consent: Literal["marketing"] = "marketing"
    #: ``linked``: every linked person with marketing consent on both sides; or a file
    #: (CSV or Parquet, column ``person_id``) narrowing them to an audience
    audience: Literal["linked"] | Path = "linked"


class Messages(_Strict):
    earned: dict[Literal["en", "zh-CN"], str]
    streak: dict[Literal["en", "zh-CN"], str] | None = None

    @field_validator("earned", "streak")
    @classmethod
    def _both_languages(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        if v is not None and set(v) != {"en", "zh-CN"}:
            raise ValueError("give the template in both en and zh-CN")
        return v


class Campaign(_Strict):
    id: Ident
    version: int = Field(ge=1)
    name: dict[Literal["en", "zh-CN"], str]
    start: dt.date
    end: dt.date  # inclusive local date
    timezone: str = "Asia/Shanghai"
    points: Currency = "CPP"
    currencies: dict[Currency, CurrencyDef]
    exchange: list[ExchangeRate] = Field(default_factory=list)
    #: what one point costs the partners, in yuan (for budget burn and ROI)
    point_value_yuan: Decimal = Field(gt=0)
    points_expire_days: int | None = Field(default=None, gt=0)
    budget: Points
    limits: Limits = Field(default_factory=Limits)
    late_events: LatePolicy = Field(default_factory=LatePolicy)
    rules: list[Rule] = Field(default_factory=list)
    checkins: Checkins | None = None
    rewards: list[RewardDef] = Field(default_factory=list)
    eligibility: Eligibility = Field(default_factory=Eligibility)
    messages: Messages

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (use an IANA name such as "
                             f"Asia/Shanghai or Europe/Berlin)") from None
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Campaign:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        known = set(self.currencies)
        if self.points not in known:
            raise ValueError(f"points currency {self.points} is not under currencies")
        for x in self.exchange:
            for cur in (x.from_, x.to):
                if cur not in known:
                    raise ValueError(f"exchange uses unknown currency {cur}")
        for r in self.rewards:
            if r.currency not in known:
                raise ValueError(f"reward {r.id} costs unknown currency {r.currency}")
        ids = [r.id for r in self.rules] + [r.id for r in self.rewards]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"ids used twice: {', '.join(dupes)}")
        if not self.rules and self.checkins is None:
            raise ValueError("a campaign needs rules or checkins to award anything")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def rate(self, src: str, dst: str) -> ExchangeRate:
        for x in self.exchange:
            if x.from_ == src and x.to == dst:
                return x
        raise CampaignError(f"campaign {self.id} has no exchange from {src} to {dst}")


_PLACEHOLDER = re.compile(r"{(\w+)}")
TEMPLATE_FIELDS = frozenset({"name", "balance", "points", "streak", "recommended", "campaign"})


def load_campaign(path: Path) -> Campaign:
    """Read and validate a campaign YAML (CampaignError with ``file:line: key`` lines)."""
    doc = load_yaml_model(Path(path), Campaign, CampaignError, what="campaign document")
    for which, templates in (("earned", doc.messages.earned),
                             ("streak", doc.messages.streak or {})):
        for lang, text in templates.items():
            unknown = set(_PLACEHOLDER.findall(text)) - TEMPLATE_FIELDS
            if unknown:
                raise CampaignError(
                    f"{path}: messages.{which}.{lang}: unknown placeholder(s) "
                    f"{', '.join(sorted(unknown))}; use {', '.join(sorted(TEMPLATE_FIELDS))}")
    return doc


def sample_path() -> Path:
    """The packaged sample campaign, "learn & play"."""
    return Path(str(resources.files("crossplay.campaigns") / "samples" / "learn_and_play.yaml"))
