"""Creating an experiment from the console: the form, its validation and the action.

The action stores the document with :func:`crossplay.measure.registry.save_experiment`, the
function ``crossplay experiment add FILE`` calls (the layer overlap check runs in its
write transaction). Every field is checked first and a bad one is a
:class:`~crossplay.web.page.PageError` (400) that names it; nothing is written then. The
document is finally validated by the :class:`~crossplay.measure.experiment.Experiment`
model itself, so the form accepts exactly what a YAML document may hold (``audience_sql``
aside: a console form does not take SQL).

The ``metrics`` field holds one metric per line, each a YAML flow mapping in the document's
own notation::

    {key: course_purchase, kind: conversion, event_types: [purchase], role: primary}
    {key: revenue, kind: revenue, within_days: 14}
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any, NoReturn

import yaml
from pydantic import ValidationError

from crossplay.core import clock
from crossplay.core.types import PARTNER_PLATFORMS, PARTNERS, Partner
from crossplay.measure.experiment import Experiment, MetricDef
from crossplay.schema.tables import EVENT_TYPES, ITEM_TYPES
from crossplay.web import messages_experiments as _messages  # noqa: F401  (the catalog)
from crossplay.web.page import Field, Form, PageError, PageRequest

KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")
CORRECTIONS = ("holm", "bh", "none")
MAX_METRICS = 30
_LIMITS = {"name": 200, "audience": 500, "layer": 128, "variants": 500, "metrics": 8000}
#: a working ``metrics`` field per partner (the form's default)
EXAMPLE_METRICS: dict[Partner, str] = {
    "knowledge": (
        "{key: course_purchase, kind: conversion, event_types: [purchase], role: primary}\n"
        "{key: revenue, kind: revenue, within_days: 14}\n"
        "{key: refunds, kind: count, event_types: [refund], role: guardrail, "
        "higher_is_better: false}"),
    "game": (
        "{key: game_purchase, kind: conversion, event_types: [purchase], platform: game, "
        "role: primary}\n"
        "{key: revenue, kind: revenue, within_days: 14}\n"
        "{key: sessions, kind: count, event_types: [session], platform: game}"),
}


def create_form(req: PageRequest) -> Form:
    """The creation form, filled with a working example (a two-week 50/50 test).

    Fractions are text inputs: a browser's number input steps by 1 and would refuse 0.05.
    """
    today = clock.now().date()
    partners: tuple[Partner, ...] = ((req.viewer.partner,) if req.viewer.partner is not None
                                     else PARTNERS)

    def f(name: str, kind: Any = "text", value: str = "", required: bool = False,
          options: tuple[tuple[str, str], ...] = ()) -> Field:
        return Field(name, req.t("web.experiments.f." + name), kind, value, options, required)

    return Form("create", req.t("web.experiments.create"), [
        f("key", required=True),
        f("name"),
        f("partner", "select", partners[0], True,
          tuple((p, req.t("web.partner." + p)) for p in partners)),
        f("variants", value="holdout:50, treatment:50", required=True),
        f("control", value="holdout", required=True),
        f("layer"),
        f("layer_start", value="0"),
        f("layer_end", value="1"),
        f("start", "date", today.isoformat(), True),
        f("stop", "date", (today + dt.timedelta(days=14)).isoformat(), True),
        f("mde"),
        f("alpha", value="0.05"),
        f("correction", "select", "holm", True, tuple((c, c) for c in CORRECTIONS)),
        f("audience"),
        f("metrics", "textarea", EXAMPLE_METRICS[partners[0]], True),
    ], req.t("web.experiments.create_submit"), role="marketer")


def _bad(req: PageRequest, key: str, **params: Any) -> NoReturn:
    raise PageError(req.t("web.experiments.err." + key, **params), 400)


def _text(req: PageRequest, form: Mapping[str, str], name: str, *,
          required: bool = False) -> str:
    value = (form.get(name) or "").strip()
    if required and not value:
        _bad(req, "required", field=name)
    limit = _LIMITS.get(name, 64)
    if len(value) > limit:
        _bad(req, "too_long", field=name, max=limit)
    return value


def _number(req: PageRequest, form: Mapping[str, str], name: str, default: float | None,
            lo: float, hi: float, *, open_lo: bool = False, open_hi: bool = False
            ) -> float | None:
    raw = _text(req, form, name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        _bad(req, "number", field=name, value=raw)
    if (not math.isfinite(value) or value < lo or value > hi or (open_lo and value == lo)
            or (open_hi and value == hi)):
        rng = f"{'(' if open_lo else '['}{lo:g}, {hi:g}{')' if open_hi else ']'}"
        _bad(req, "range", field=name, range=rng, value=raw)
    return value


def _date(req: PageRequest, form: Mapping[str, str], name: str) -> dt.date:
    raw = _text(req, form, name, required=True)
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        _bad(req, "date", field=name, value=raw)


def _choice(req: PageRequest, form: Mapping[str, str], name: str,
            choices: tuple[str, ...]) -> str:
    raw = _text(req, form, name, required=True)
    if raw not in choices:
        _bad(req, "choice", field=name, value=raw, choices=", ".join(choices))
    return raw


def _variants(req: PageRequest, raw: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for part in raw.split(","):
        name, colon, weight = part.strip().partition(":")
        name = name.strip()
        try:
            w = float(weight)
        except ValueError:
            w = math.nan
        if not colon or not KEY.match(name) or not math.isfinite(w) or w <= 0:
            _bad(req, "variants", value=raw)
        if any(v["key"] == name for v in out):
            _bad(req, "variant_twice", value=name)
        out.append({"key": name, "weight": w})
    if len(out) < 2:
        _bad(req, "variants", value=raw)
    return out


def _metric_problem(req: PageRequest, line: int, detail: str) -> NoReturn:
    _bad(req, "metric_line", line=line, detail=detail)


_RANGES = {"greater_than": "({gt}, …)", "greater_than_equal": "[{ge}, …)",
           "less_than": "(…, {lt})", "less_than_equal": "(…, {le}]"}


def pydantic_problem(req: PageRequest, err: Any) -> str:
    """One pydantic error in the request's language: ``field: what is wrong``."""
    field = ".".join(str(x) for x in err["loc"]) or "metrics"
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    t = req.t
    if kind == "missing":
        return t("web.experiments.err.required", field=field)
    if kind == "extra_forbidden":
        return t("web.experiments.err.unknown_field", field=field)
    if kind == "literal_error":
        return t("web.experiments.err.choice", field=field, value=value,
                 choices=ctx.get("expected", ""))
    if kind == "string_pattern_mismatch":
        return t("web.experiments.err.key", field=field, value=value)
    if kind in ("int_parsing", "float_parsing", "int_from_float", "int_type", "float_type"):
        return t("web.experiments.err.number", field=field, value=value)
    if kind in ("bool_parsing", "bool_type"):
        return t("web.experiments.err.bool", field=field, value=value)
    if kind in ("list_type", "tuple_type"):
        return t("web.experiments.err.list", field=field)
    if kind in _RANGES:
        return t("web.experiments.err.range", field=field, value=value,
                 range=_RANGES[kind].format(**ctx))
    return t("web.experiments.err.invalid", field=field, detail=err["msg"])


def _metrics(req: PageRequest, raw: str, partner: Partner) -> list[dict[str, Any]]:
    lines = [(i, s.strip()) for i, s in enumerate(raw.splitlines(), 1)]
    lines = [(i, s[1:].strip() if s.startswith("-") else s) for i, s in lines
             if s and not s.startswith("#")]
    if not lines:
        _bad(req, "required", field="metrics")
    if len(lines) > MAX_METRICS:
        _bad(req, "too_many", max=MAX_METRICS)
    platforms = PARTNER_PLATFORMS[partner]
    events = {e for p in (*platforms, "common") for e in EVENT_TYPES[p]}
    who = req.t("web.partner." + partner)
    out: list[dict[str, Any]] = []
    for line, text in lines:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError:
            data = None
        if not isinstance(data, dict):
            _metric_problem(req, line, req.t("web.experiments.err.metric_yaml"))
        try:
            m = MetricDef.model_validate(data)
        except ValidationError as exc:
            _metric_problem(req, line, pydantic_problem(req, exc.errors()[0]))
        for e in m.event_types:
            if e not in events:
                _metric_problem(req, line, req.t("web.experiments.err.metric_event", value=e,
                                                 partner=who, valid=", ".join(sorted(events))))
        for it in m.item_types:
            if it not in ITEM_TYPES:
                _metric_problem(req, line, req.t("web.experiments.err.metric_item", value=it,
                                                 valid=", ".join(ITEM_TYPES)))
        if m.platform is not None and m.platform not in platforms:
            _metric_problem(req, line, req.t("web.experiments.err.metric_platform",
                                             value=m.platform, partner=who,
                                             valid=", ".join(platforms)))
        if any(o["key"] == m.key for o in out):
            _bad(req, "metric_twice", value=m.key)
        out.append(data)
    primary = sum(1 for d in out if d.get("role") == "primary")
    if primary != 1:
        _bad(req, "primary", n=primary)
    return out


def parse(req: PageRequest, form: Mapping[str, str]) -> Experiment:
    """The experiment the form describes; a PageError naming the first bad field."""
    key = _text(req, form, "key", required=True)
    if not KEY.match(key):
        _bad(req, "key", field="key", value=key)
    partner: Partner = "game" if _choice(req, form, "partner", PARTNERS) == "game" else "knowledge"
    if req.viewer.partner is not None and partner != req.viewer.partner:
        raise PageError(req.t("web.experiments.err.partner",
                              partner=req.t("web.partner." + req.viewer.partner)), 403)
    variants = _variants(req, _text(req, form, "variants", required=True))
    control = _text(req, form, "control", required=True)
    if control not in [v["key"] for v in variants]:
        _bad(req, "control", value=control, variants=", ".join(v["key"] for v in variants))
    layer = _text(req, form, "layer") or None
    lo = _number(req, form, "layer_start", 0.0, 0.0, 1.0)
    hi = _number(req, form, "layer_end", 1.0, 0.0, 1.0)
    assert lo is not None and hi is not None
    if not lo < hi:
        _bad(req, "layer_range", lo=f"{lo:g}", hi=f"{hi:g}")
    start, stop = _date(req, form, "start"), _date(req, form, "stop")
    if stop <= start:
        _bad(req, "stop", start=start.isoformat())
    mde = _number(req, form, "mde", None, 0.0, 100.0, open_lo=True)
    alpha = _number(req, form, "alpha", 0.05, 0.0, 0.5, open_lo=True, open_hi=True)
    correction = _choice(req, form, "correction", CORRECTIONS)
    doc: dict[str, Any] = {
        "key": key, "name": _text(req, form, "name"), "partner": partner, "layer": layer,
        "layer_range": (lo, hi), "variants": variants, "control": control,
        "audience": _text(req, form, "audience"), "start": start, "stop": stop, "mde": mde,
        "alpha": alpha, "correction": correction,
        "metrics": _metrics(req, _text(req, form, "metrics", required=True), partner)}
    try:
        return Experiment.model_validate(doc)
    except ValidationError as exc:  # what the checks above do not cover (ratio references)
        raise PageError(pydantic_problem(req, exc.errors()[0]), 400) from None


def create(req: PageRequest, form: Mapping[str, str]) -> str:
    """The ``create`` action: validate every field, then ``save_experiment``."""
    from crossplay.cli.i18n import coded_text
    from crossplay.core.errors import NotFoundError
    from crossplay.measure.errors import MeasureError
    from crossplay.measure.registry import get_experiment, save_experiment

    if not req.viewer.may("marketer"):
        raise PageError(req.t("web.error.role", role=req.t(f"web.role.{req.viewer.role}"),
                              needed=req.t("web.role.marketer")), 403)
    exp = parse(req, form)
    try:
        get_experiment(req.settings, exp.key)
    except NotFoundError:
        pass
    else:
        _bad(req, "exists", value=exp.key)
    try:
        version = save_experiment(req.settings, exp)
    except MeasureError as exc:  # the layer check, inside the write transaction
        why = coded_text(exc.code, exc.params, exc.message, lang=req.lang)
        _bad(req, "layer", why=why)
    return req.t("web.experiments.created", exp=exp.key, v=version)
