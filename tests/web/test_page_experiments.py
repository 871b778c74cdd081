"""The experiments page against the demo world: the read-out of ``crossplay experiment
analyze`` and ``crossplay uplift evaluate``, the filters, both languages, partner scope,
bad parameters, and creating an experiment from the form (bad input writes nothing)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from typing import Any

import pytest

from crossplay.cli.i18n import clear_misses, misses
from crossplay.core.settings import Settings
from crossplay.measure.lakeanalysis import analyze_key
from crossplay.measure.registry import get_experiment, list_experiments
from crossplay.measure.uplift_eval import evaluate
from crossplay.measure.uplift_features import campaign_data
from crossplay.opdb import get_engine
from crossplay.web.page import (
    Filters,
    Form,
    Note,
    PageData,
    PageError,
    PageRequest,
    Table,
    Tile,
    Viewer,
)
from crossplay.web.page_experiments import PAGE
from tests.web.conftest import DashWorld

KEY = "cmp_autumn_learn"
JOINT = Viewer("op1", "ann", "viewer", None)
MARKETER = Viewer("op3", "mia", "marketer", None)
KNOWLEDGE = Viewer("op4", "kai", "viewer", "knowledge")
GAME = Viewer("op2", "gus", "viewer", "game")
GAME_MARKETER = Viewer("op5", "gil", "marketer", "game")


def request(s: Settings, *, lang: str = "en", filters: Filters | None = None,
            viewer: Viewer = JOINT, params: dict[str, str] | None = None) -> PageRequest:
    if not viewer.joint:  # the frame forces a partner-scoped viewer's partner filter
        filters = Filters(**{**vars(filters or Filters()), "partner": viewer.partner})
    return PageRequest(settings=s, lang=lang, filters=filters or Filters(),  # type: ignore[arg-type]
                       viewer=viewer, params=params or {}, engine=get_engine(s))


def build(s: Settings, **kw: Any) -> PageData:
    return PAGE.build(request(s, **kw))


def items(data: PageData, kind: type) -> list[Any]:
    return [i for sec in data.sections for i in sec.items if isinstance(i, kind)]


def table(data: PageData, key: str) -> Table:
    return data.tables()[key]


@pytest.fixture(scope="module")
def page(dash_world: DashWorld) -> PageData:
    return build(dash_world.settings(), viewer=MARKETER)


def test_readout_is_experiment_analyze(dash_world: DashWorld, page: PageData) -> None:
    s = dash_world.settings()
    a, _name, series, counts = analyze_key(s, KEY)
    assert [r[0] for r in table(page, "experiments").rows] == [KEY]
    rows = table(page, "comparisons").rows
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [
        (c.metric, c.variant, c.n_control, c.n_variant) for c in a.comparisons]
    for r, c in zip(rows, a.comparisons, strict=True):
        assert r[7] == pytest.approx(c.diff) and r[8] == pytest.approx(c.ci_low)
        assert r[14] == pytest.approx(c.p_adjusted)
    tiles = {t.label: t.value for t in items(page, Tile)}
    for v, n in a.counts.items():
        assert tiles[f"people in {v}"] == f"{n:,}"
    assert tiles["verdict for treatment"] == {"ship": "SHIP", "do_not_ship": "DO NOT SHIP",
                                              "inconclusive": "INCONCLUSIVE",
                                              "broken": "BROKEN EXPERIMENT"}[
        a.verdicts["treatment"]]
    notes = [n.text for n in items(page, Note)]
    assert any(f"p = {a.srm.p_value:.3g}" in n for n in notes)  # the SRM line
    assert len(table(page, "sequential").rows) == len(series) > 0
    charts = {c.key: c for c in page.charts()}
    assert charts["forest"].points == sum(1 for c in a.comparisons if c.rel == c.rel)
    assert charts["sequential"].points == len(series)
    assert counts["exposed"] == sum(a.counts.values())


def test_qini_is_uplift_evaluate(dash_world: DashWorld, page: PageData) -> None:
    s = dash_world.settings()
    data = campaign_data(s, get_experiment(s, KEY))
    ev, _ = evaluate(data.X, data.treatment, data.y, features=data.features)
    got: dict[str, float] = {r[0]: r[1] for r in table(page, "uplift").rows}
    assert got["AUUC"] == pytest.approx(ev.auuc)
    assert got["uplift@30%"] == pytest.approx(ev.uplift_at_q)
    qini = next(c for c in page.charts() if c.key == "qini")
    assert qini.points == len(ev.qini.fraction)
    assert qini.figure["data"][0]["y"] == pytest.approx(ev.qini.qini)


def test_filters_change_the_result(dash_world: DashWorld) -> None:
    s = dash_world.settings()
    before = build(s, filters=Filters(start=dt.date(2026, 1, 1), end=dt.date(2026, 2, 1)))
    assert table(before, "experiments").rows == []
    assert "comparisons" not in before.tables()
    game = build(s, filters=Filters(partner="game"))
    assert game.empty and not game.tables()


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_both_languages_without_misses(dash_world: DashWorld, lang: str) -> None:
    clear_misses()
    data = build(dash_world.settings(), lang=lang, viewer=MARKETER,
                 filters=Filters(partner="game"))  # the form and the empty note
    data_k = build(dash_world.settings(), lang=lang, params={"experiment": KEY})
    assert misses() == ()
    assert items(data, Form) and data.empty
    titles = " ".join(sec.title for sec in data_k.sections)
    assert ("结果" in titles) == (lang == "zh-CN")
    for chart in data_k.charts():
        layout = chart.figure["layout"]
        assert layout["title"]["text"] and layout["xaxis"]["title"]["text"]


def test_partner_scope(dash_world: DashWorld) -> None:
    s = dash_world.settings()
    game = build(s, viewer=GAME)
    assert not game.tables() and game.empty
    with pytest.raises(PageError) as err:  # the other partner's experiment: not found
        build(s, viewer=GAME, params={"experiment": KEY})
    assert err.value.status == 404
    mine = build(s, viewer=KNOWLEDGE, filters=Filters(start=dt.date(2026, 1, 1),
                                                      end=dt.date(2026, 2, 1)),
                 params={"experiment": KEY})  # picked by name outside the period
    assert [r[0] for r in table(mine, "experiments").rows] == []
    assert "comparisons" in mine.tables() and not items(mine, Form)
    dumped = json.dumps([asdict(sec) for sec in mine.sections], default=str)
    assert "user_key" not in dumped


@pytest.mark.parametrize(("value", "status"), [("../etc", 400), ("x" * 80, 400),
                                               ("no_such_experiment", 404)])
def test_bad_experiment_parameter(dash_world: DashWorld, value: str, status: int) -> None:
    with pytest.raises(PageError) as err:
        build(dash_world.settings(), params={"experiment": value})
    assert err.value.status == status


GOOD = {"key": "web_test_push", "name": "推送测试 / Push test", "partner": "knowledge",
        "variants": "control:50, push:50", "control": "control", "layer": "web_tests",
        "layer_start": "0", "layer_end": "0.5", "start": "2026-11-20", "stop": "2026-12-04",
        "mde": "0.1", "alpha": "0.05", "correction": "holm", "audience": "everyone",
        "metrics": "{key: course_purchase, kind: conversion, event_types: [purchase], "
                   "role: primary}\n- {key: revenue, kind: revenue}\n# a comment\n"}


def test_create_appears_in_the_list(dash_world_copy: DashWorld) -> None:
    s = dash_world_copy.settings()
    create = PAGE.actions["create"][1]
    assert PAGE.actions["create"][0] == "marketer"
    done = create(request(s, viewer=MARKETER, lang="zh-CN"), GOOD)
    assert "web_test_push" in done and "已创建" in done
    exp = get_experiment(s, "web_test_push")
    assert exp.variants[1].key == "push" and exp.layer_range == (0.0, 0.5)
    assert [m.key for m in exp.metrics] == ["course_purchase", "revenue"]
    data = build(s, params={"experiment": "web_test_push"})
    assert "web_test_push" in [r[0] for r in table(data, "experiments").rows]
    warn = [n.text for n in items(data, Note) if n.kind == "warn"]
    assert any("log-exposures" in n for n in warn)  # no exposures yet: what to run
    # the same key again is refused, not a silent new version
    with pytest.raises(PageError, match="exists already") as err:
        create(request(s, viewer=MARKETER), GOOD)
    assert err.value.status == 400


BAD: list[tuple[dict[str, str], str]] = [
    ({"key": ""}, "key"),
    ({"key": "-bad key"}, "key"),
    ({"key": KEY}, "key"),  # exists
    ({"partner": "stream"}, "partner"),
    ({"variants": "control:50"}, "variants"),
    ({"variants": "control:50, push:-1"}, "variants"),
    ({"variants": "control:50, control:50"}, "variants"),
    ({"control": "holdout"}, "control"),
    ({"layer_start": "0.6"}, "layer_end"),
    ({"layer_end": "abc"}, "layer_end"),
    ({"start": "2026-13-01"}, "start"),
    ({"stop": "2026-11-01"}, "stop"),
    ({"alpha": "0.7"}, "alpha"),
    ({"mde": "-0.1"}, "mde"),
    ({"correction": "bonferroni"}, "correction"),
    ({"name": "x" * 300}, "name"),
    ({"metrics": ""}, "metrics"),
    ({"metrics": "[not, a, mapping]"}, "metrics, line 1"),
    ({"metrics": "{key: a, kind: magic, role: primary}"}, "metrics, line 1: kind"),
    ({"metrics": "{key: a, kind: count, event_types: [session], role: primary}"},
     "metrics, line 1"),  # a game event for a knowledge experiment
    ({"metrics": "{key: a, kind: revenue}"}, "metrics"),  # no primary
    ({"metrics": "{key: a, kind: revenue, role: primary}\n{key: a, kind: revenue}"},
     "metrics"),
    ({"metrics": "{key: a, kind: revenue, role: primary, colour: red}"},
     "metrics, line 1: colour"),
    ({"layer": "knowledge_campaigns"}, "layer"),  # overlaps the demo's experiment
]


def test_bad_input_is_refused_and_writes_nothing(dash_world_copy: DashWorld) -> None:
    s = dash_world_copy.settings()
    create = PAGE.actions["create"][1]
    before = [e.model_dump() for e in list_experiments(s)]
    for change, field in BAD:
        for lang in ("en", "zh-CN"):
            clear_misses()
            with pytest.raises(PageError) as err:
                create(request(s, viewer=MARKETER, lang=lang), {**GOOD, **change})
            assert err.value.status == 400, change
            named = field if lang == "en" else field.split(",")[0]
            assert err.value.message.startswith(named), (change, err.value.message)
            assert misses() == (), change
    for viewer, form in ((JOINT, GOOD), (GAME_MARKETER, GOOD)):
        with pytest.raises(PageError) as err:
            create(request(s, viewer=viewer), form)
        assert err.value.status == 403
    assert [e.model_dump() for e in list_experiments(s)] == before


def test_the_form_as_served_creates_an_experiment(dash_world_copy: DashWorld) -> None:
    """The form's own defaults, posted through the console with a key, make a valid
    experiment, for joint staff (knowledge) and for a game marketer (game)."""
    import re
    from html import unescape

    import httpx

    from crossplay.web.operators import create_operator
    from tests.api.conftest import running_api

    s = dash_world_copy.settings()
    for name, partner in (("mia", None), ("gil", "game")):
        create_operator(s, name, "correct horse battery", role="marketer", partner=partner)
    with running_api(s, keys=False) as live:
        for name, key in (("mia", "web_joint_test"), ("gil", "web_game_test")):
            with httpx.Client(base_url=live.url, timeout=60) as c:
                token = re.findall(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
                r = c.post("/login", data={"username": name, "password": "correct horse battery",
                                           "csrf_token": token[0], "next": "/dash/experiments"})
                assert r.status_code == 303
                html = c.get("/dash/experiments").text
                form = html[html.index('action="/dash/experiments/action/create"'):]
                form = form[:form.index("</form>")]
                fields = dict(re.findall(r'<input type="(?:text|date|hidden)" name="([^"]+)" '
                                         r'value="([^"]*)"', form))
                fields |= dict(re.findall(r'<select name="([^"]+)"[^>]*>.*?<option value="'
                                          r'([^"]+)" selected', form, re.S))
                fields["metrics"] = re.findall(r'<textarea name="metrics"[^>]*>(.*?)</textarea>',
                                               form, re.S)[0]
                fields = {k: unescape(v) for k, v in fields.items()}
                fields["key"] = key
                r = c.post("/dash/experiments/action/create", data=fields)
                assert r.status_code == 303, r.text[-2000:]
                assert key in c.get(r.headers["location"]).text
    assert get_experiment(s, "web_game_test").partner == "game"
    assert get_experiment(s, "web_joint_test").partner == "knowledge"
