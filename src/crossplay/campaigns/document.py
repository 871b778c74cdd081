"""Campaign documents: YAML validated into typed models, errors at ``file:line: key``.

Every name a document uses is checked against what exists: the platforms and event types
of the canonical schema (:data:`crossplay.schema.EVENT_TYPES`: an event type must belong
to the condition's platform, or be common to all), the currencies declared under
``currencies`` (``points``, ``exchange``, reward costs), the placeholders of the message
templates, unique rule and reward ids, and every key (an unknown key is refused with the
keys allowed there). Each problem is one line ``file:line: key.path: what is wrong``,
listing the valid values; the CLI prints them in English or Chinese
(:func:`problem_text`). A document stored by ``apply`` is read back without the name
checks (``context={"stored": True}``): it was checked when it was applied.

See docs/campaigns.md for every key and the sample
``crossplay/campaigns/samples/learn_and_play.yaml``.
"""

from __future__ import annotations

import datetime as dt
import re
import types
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

from crossplay.campaigns.errors import CampaignError
from crossplay.core.types import Platform
from crossplay.core.yamldoc import line_of, read_yaml
from crossplay.schema import EVENT_TYPES

Ident = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Currency = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9]{1,15}$")]
Points = Annotated[int, Field(gt=0, le=10**12)]

_IDENT_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
_CURRENCY_PATTERN = r"^[A-Z][A-Z0-9]{1,15}$"

#: the document's own problems: error type -> (English, Chinese) templates over the
#: error's context (pydantic's own error types are translated in ``_PYDANTIC_ZH``)
MESSAGES: dict[str, tuple[str, str]] = {
    "unknown_event_type": (
        "unknown event type {value!r}: {platform} events are {valid}",
        "未知事件类型 {value!r}: {platform} 平台的事件类型为 {valid}"),
    "event_of_other_platform": (
        "{value!r} is a {other} event, not a {platform} one: {platform} events are {valid}",
        "{value!r} 是 {other} 平台的事件, 不属于 {platform}: {platform} 平台的事件类型为 {valid}"),
    "reversed_by_itself": (
        "reversed_by {value!r} is the rule's own event type: name the event that undoes it "
        "(e.g. refund)",
        "reversed_by {value!r} 与规则本身的事件类型相同: 请填写撤销它的事件 (例如 refund)"),
    "unknown_currency": (
        "unknown currency {value!r}: declare it under currencies or use one of {valid}",
        "未知币种 {value!r}: 请在 currencies 下声明, 或使用 {valid} 之一"),
    "duplicate_id": (
        "id {value!r} is used twice: rule and reward ids must be unique",
        "ID {value!r} 重复使用: 规则与奖品的 ID 必须唯一"),
    "end_before_start": (
        "end {end} is before start {start}",
        "结束日期 {end} 早于开始日期 {start}"),
    "nothing_to_award": (
        "a campaign needs rules or checkins to award anything",
        "活动至少需要 rules 或 checkins, 否则不会发放任何积分"),
    "unknown_timezone": (
        "unknown time zone {value!r} (use an IANA name such as Asia/Shanghai or "
        "Europe/Berlin)",
        "未知时区 {value!r} (请使用 IANA 名称, 例如 Asia/Shanghai 或 Europe/Berlin)"),
    "no_points": (
        "give points and/or per_value greater than 0",
        "points 与 per_value 至少一个须大于 0"),
    "streak_day": (
        "streak days must be 2 or more (got {value})",
        "连续天数须为 2 或以上 (当前为 {value})"),
    "both_languages": (
        "give the template in both en and zh-CN",
        "请同时给出 en 与 zh-CN 两种语言的模板"),
    "unknown_placeholder": (
        "unknown placeholder(s) {names}; use {valid}",
        "未知占位符 {names}; 可用的占位符为 {valid}"),
    "unknown_key": (
        "unknown key {value!r}: the keys here are {valid}",
        "未知字段 {value!r}: 此处可用的字段为 {valid}"),
    "bad_ident": (
        "{value!r} is not an id: use lower-case letters, digits and _, starting with a "
        "letter (at most 64)",
        "{value!r} 不是合法 ID: 请使用小写字母、数字和下划线, 以字母开头 (最多 64 个字符)"),
    "bad_currency_name": (
        "{value!r} is not a currency code: use capital letters and digits, starting with a "
        "letter (2 to 16), e.g. CPP",
        "{value!r} 不是合法币种代码: 请使用大写字母和数字, 以字母开头 (2 到 16 个字符), "
        "例如 CPP"),
}

#: pydantic's error types in Chinese (the English is pydantic's own message)
_PYDANTIC_ZH: dict[str, str] = {
    "missing": "缺少必填字段",
    "literal_error": "取值无效, 应为 {expected}",
    "union_tag_invalid": "kind 为 {tag}, 无效: 应为 {expected_tags}",
    "union_tag_not_found": "缺少 {discriminator} 字段",
    "int_parsing": "应为整数", "int_type": "应为整数", "int_from_float": "应为整数",
    "int_parsing_size": "整数过大",
    "decimal_parsing": "应为数字", "decimal_type": "应为数字", "float_parsing": "应为数字",
    "float_type": "应为数字", "finite_number": "应为有限的数字",
    "greater_than": "应大于 {gt}", "greater_than_equal": "应大于或等于 {ge}",
    "less_than": "应小于 {lt}", "less_than_equal": "应小于或等于 {le}",
    "string_type": "应为文本", "string_too_short": "文本过短", "string_too_long": "文本过长",
    "string_pattern_mismatch": "格式不符: 应匹配 {pattern}",
    "date_parsing": "应为日期 (YYYY-MM-DD)", "date_type": "应为日期 (YYYY-MM-DD)",
    "date_from_datetime_parsing": "应为日期 (YYYY-MM-DD)",
    "date_from_datetime_inexact": "应为日期 (YYYY-MM-DD), 不含时间",
    "too_short": "至少需要 {min_length} 项", "too_long": "最多 {max_length} 项",
    "dict_type": "应为键值映射", "list_type": "应为列表", "model_type": "应为键值映射",
    "model_attributes_type": "应为键值映射",
    "bool_parsing": "应为 true 或 false", "bool_type": "应为 true 或 false",
    "decimal_max_digits": "数字位数过多", "decimal_max_places": "小数位数过多",
    "value_error": "取值无效: {error}",
}


def _err(kind: str, **ctx: object) -> PydanticCustomError:
    """A problem of kind ``kind``: the English text formatted here (pydantic's templates
    know no ``!r``), the context kept for the Chinese."""
    return PydanticCustomError(kind, MESSAGES[kind][0].format(**ctx), dict(ctx))


def _invalid(title: str, problems: list[tuple[tuple[str | int, ...], PydanticCustomError,
                                              object]]) -> ValidationError:
    """One ValidationError for several problems, each at its own place (a path below the
    validated value: pydantic prefixes it with where that value sits)."""
    return ValidationError.from_exception_data(
        title, [InitErrorDetails(type=e, loc=loc, input=value) for loc, e, value in problems])


def _names(values: Iterable[object]) -> str:
    return ", ".join(str(v) for v in values)


def _checking(info: ValidationInfo) -> bool:
    """Whether names are checked (not for a document read back from the ledger)."""
    return not (isinstance(info.context, dict) and info.context.get("stored"))


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


def event_types_of(platform: str) -> tuple[str, ...]:
    """The event types a condition on ``platform`` may name (the platform's own, then the
    common ones)."""
    return (*EVENT_TYPES.get(platform, ()), *EVENT_TYPES["common"])


def _check_event_type(value: str, platform: str) -> None:
    valid = event_types_of(platform)
    if value in valid:
        return
    other = next((p for p, kinds in EVENT_TYPES.items() if p != "common" and value in kinds),
                 None)
    if other is not None:
        raise _err("event_of_other_platform", value=value, other=other, platform=platform,
                   valid=_names(valid))
    raise _err("unknown_event_type", value=value, platform=platform, valid=_names(valid))


class Condition(_Strict):
    platform: Platform
    event_type: str
    #: the day's total ``value`` of these events must reach this (seconds watched, yuan)
    min_total_value: Decimal | None = Field(default=None, ge=0)
    min_count: int = Field(default=1, ge=1)

    @field_validator("event_type")
    @classmethod
    def _known_event(cls, v: str, info: ValidationInfo) -> str:
        platform = info.data.get("platform")  # absent when the platform itself is wrong
        if platform is not None and _checking(info):
            _check_event_type(v, platform)
        return v


class EventRule(_Strict):
    """Points for each matching event (``points``), optionally + ``per_value`` x value."""

    id: Ident
    kind: Literal["event"]
    when: Condition
    points: int = Field(default=0, ge=0)
    per_value: Decimal = Field(default=Decimal(0), ge=0)
    #: an event of this type with the same item claws the award back (a refund)
    reversed_by: str | None = None

    @field_validator("reversed_by")
    @classmethod
    def _known_reversal(cls, v: str | None, info: ValidationInfo) -> str | None:
        when = info.data.get("when")
        if v is None or when is None or not _checking(info):
            return v
        if v == when.event_type:
            raise _err("reversed_by_itself", value=v)
        _check_event_type(v, when.platform)
        return v

    @model_validator(mode="after")
    def _gives_something(self) -> EventRule:
        if self.points == 0 and self.per_value == 0:
            raise _err("no_points")
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
        bad = [(day,) for day in v if day < 2]
        if bad:
            raise _invalid("streak_bonus", [(loc, _err("streak_day", value=loc[0]), loc[0])
                                            for loc in bad])
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


_PLACEHOLDER = re.compile(r"{(\w+)}")
TEMPLATE_FIELDS = frozenset({"name", "balance", "points", "streak", "recommended", "campaign"})


class Messages(_Strict):
    earned: dict[Literal["en", "zh-CN"], str]
    streak: dict[Literal["en", "zh-CN"], str] | None = None

    @field_validator("earned", "streak")
    @classmethod
    def _both_languages(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        if v is None:
            return v
        if set(v) != {"en", "zh-CN"}:
            raise _err("both_languages")
        bad = [((lang,), sorted(set(_PLACEHOLDER.findall(text)) - TEMPLATE_FIELDS), text)
               for lang, text in v.items()]
        bad = [b for b in bad if b[1]]
        if bad:
            raise _invalid("messages", [
                (loc, _err("unknown_placeholder", names=_names(unknown),
                           valid=_names(sorted(TEMPLATE_FIELDS))), text)
                for loc, unknown, text in bad])
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
            raise _err("unknown_timezone", value=v) from None
        return v

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Campaign:
        if not _checking(info):
            return self
        problems: list[tuple[tuple[str | int, ...], PydanticCustomError, object]] = []
        if self.end < self.start:
            problems.append((("end",), _err("end_before_start", end=self.end,
                                            start=self.start), str(self.end)))
        known = sorted(self.currencies)

        def currency(loc: tuple[str | int, ...], cur: str) -> None:
            if cur not in self.currencies:
                problems.append((loc, _err("unknown_currency", value=cur,
                                           valid=_names(known)), cur))

        currency(("points",), self.points)
        for i, x in enumerate(self.exchange):
            currency(("exchange", i, "from"), x.from_)
            currency(("exchange", i, "to"), x.to)
        for i, r in enumerate(self.rewards):
            currency(("rewards", i, "currency"), r.currency)
        seen: set[str] = set()
        for where, items in (("rules", self.rules), ("rewards", self.rewards)):
            for i, item in enumerate(items):
                if item.id in seen:
                    problems.append(((where, i, "id"), _err("duplicate_id", value=item.id),
                                     item.id))
                seen.add(item.id)
        if not self.rules and self.checkins is None:
            problems.append((("rules",), _err("nothing_to_award"), []))
        if problems:
            raise _invalid("Campaign", problems)
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def rate(self, src: str, dst: str) -> ExchangeRate:
        for x in self.exchange:
            if x.from_ == src and x.to == dst:
                return x
        raise CampaignError(f"campaign {self.id} has no exchange from {src} to {dst}",
                            code="campaign_no_exchange",
                            params={"id": self.id, "src": src, "dst": dst})


# --- reading a document -----------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """One thing wrong in a document: where, and what, in both languages."""

    line: int | None
    key: str
    en: str
    zh: str


def _unwrap(tp: Any, data: Any) -> Any:
    """The concrete type behind ``Annotated`` / ``X | None`` / a tagged union, given the
    data found there (a rule's ``kind`` picks its model)."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(tp) if a is not type(None)]
            kind = data.get("kind") if isinstance(data, dict) else None
            chosen = next((m for m in members if isinstance(m, type)
                           and issubclass(m, BaseModel) and "kind" in m.model_fields
                           and kind in get_args(m.model_fields["kind"].annotation)), None)
            tp = chosen or members[0]
        else:
            return tp


def _keys_at(loc: tuple[str | int, ...], data: Any) -> list[str] | None:
    """The keys a document may use at ``loc`` (None when that is not a mapping of keys)."""
    tp: Any = Campaign
    for key in loc:
        tp = _unwrap(tp, data)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = next((f for name, f in tp.model_fields.items()
                          if (f.alias or name) == key), None)
            if field is None:
                return None
            tp = field.annotation
        elif get_origin(tp) is list:
            tp = get_args(tp)[0]
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        else:
            return None
        data = (data.get(key) if isinstance(data, dict)
                else data[key] if isinstance(data, list) and isinstance(key, int)
                and 0 <= key < len(data) else None)
    tp = _unwrap(tp, data)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [f.alias or name for name, f in tp.model_fields.items()]
    return None


def _document_loc(loc: tuple[str | int, ...], data: Any) -> tuple[str | int, ...]:
    """``loc`` as the document spells it: a tagged union's tag (``rules.0.event.when``)
    is not a key of the document and goes."""
    out: list[str | int] = []
    for key in loc:
        if isinstance(data, dict) and key not in data and data.get("kind") == key:
            continue
        out.append(key)
        data = (data.get(key) if isinstance(data, dict)
                else data[key] if isinstance(data, list) and isinstance(key, int)
                and 0 <= key < len(data) else None)
    return tuple(out)


def _texts(err: ErrorDetails, loc: tuple[str | int, ...], data: Any) -> tuple[str, str]:
    """(English, Chinese) text of one pydantic error."""
    kind, ctx = str(err["type"]), dict(err.get("ctx") or {})
    value = err.get("input")
    if kind in MESSAGES:  # the document's own checks: pydantic formatted the English
        return err["msg"], MESSAGES[kind][1].format(**ctx)
    if kind == "extra_forbidden":
        valid = _keys_at(loc[:-1], data) or []
        ctx = {"value": loc[-1], "valid": _names(valid)}
        en, zh = MESSAGES["unknown_key"]
        return en.format(**ctx), zh.format(**ctx)
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in (_IDENT_PATTERN,
                                                                    _CURRENCY_PATTERN):
        which = "bad_ident" if ctx["pattern"] == _IDENT_PATTERN else "bad_currency_name"
        en, zh = MESSAGES[which]
        return en.format(value=value), zh.format(value=value)
    en = str(err["msg"])
    if kind == "literal_error":
        en += f" (got {value!r})"
    zh_template = _PYDANTIC_ZH.get(kind)
    if zh_template is None:
        return en, en
    try:
        zh = zh_template.format(**ctx).replace(" or ", " 或 ")
    except (KeyError, IndexError):
        zh = en
    return en, zh + (f" (当前为 {value!r})" if kind == "literal_error" else "")


def document_problems(node: Any, data: Any, exc: ValidationError) -> list[Problem]:
    """The problems of a document that did not validate, each at its line."""
    out = []
    for err in exc.errors():
        loc = _document_loc(tuple(err["loc"]), data)
        if err["type"] == "union_tag_invalid":  # the wrong tag is the rule's ``kind``
            loc = (*loc, str((err.get("ctx") or {}).get("discriminator", "kind")).strip("'"))
        en, zh = _texts(err, loc, data)
        out.append(Problem(line_of(node, loc), ".".join(str(p) for p in loc) or "(top level)",
                           en, zh))
    return out


def problem_text(path: Path, problems: list[Problem], lang: Literal["en", "zh-CN"]) -> str:
    """``file:line: key: message`` lines, one per problem."""
    return "\n  ".join(
        f"{path}:{p.line}: {p.key}: {p.en if lang == 'en' else p.zh}" if p.line is not None
        else f"{path}: {p.key}: {p.en if lang == 'en' else p.zh}" for p in problems)


def load_campaign(path: Path) -> Campaign:
    """Read and validate a campaign YAML (CampaignError ``campaign_invalid`` listing every
    problem as ``file:line: key: message``; its params carry the Chinese text too)."""
    path = Path(path)
    node, data = read_yaml(path, CampaignError, what="campaign document",
                           code="campaign_document")
    try:
        return Campaign.model_validate(data)
    except ValidationError as exc:
        problems = document_problems(node, data, exc)
    en, zh = problem_text(path, problems, "en"), problem_text(path, problems, "zh-CN")
    raise CampaignError(f"invalid campaign document:\n  {en}", code="campaign_invalid",
                        params={"path": str(path), "n": len(problems), "problems": en,
                                "problems_zh": zh})


def stored(document: dict[str, Any]) -> Campaign:
    """A document as ``apply`` stored it (names were checked then, not again)."""
    return Campaign.model_validate(document, context={"stored": True})


def sample_path() -> Path:
    """The packaged sample campaign, "learn & play"."""
    return Path(str(resources.files("crossplay.campaigns") / "samples" / "learn_and_play.yaml"))
