"""Experiment documents, hashed assignment with layers, exposure logging, lake analysis."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from scipy import stats

from crossplay.core.errors import CrossplayError
from crossplay.measure.assignment import assign, check_layers, variant_sql
from crossplay.measure.errors import MeasureError
from crossplay.measure.experiment import Experiment, Variant, load_experiment
from crossplay.measure.sample_campaign import load_sample_campaign
from tests.conftest import CliRunner

DOC = """\
key: checkout_copy
name: 结算页文案
partner: knowledge
layer: checkout
layer_range: [0.0, 0.6]
variants:
  - {key: control, weight: 1}
  - {key: short, weight: 1}
  - {key: long, weight: 2}
control: control
start: 2026-09-01
stop: 2026-10-01
metrics:
  - {key: bought, kind: conversion, event_types: [purchase], within_days: 7, role: primary}
  - {key: revenue, kind: revenue, within_days: 7, cuped_days: 7}
  - {key: views, kind: count, event_types: [course_view], within_days: 7}
  - {key: rev_per_view, kind: ratio, numerator: revenue, denominator: views}
  - {key: d1, kind: retention, day: 1}
  - {key: checkins, kind: sql,
     sql: "SELECT user_key, 1 AS value FROM events WHERE event_type = 'checkin'"}
  - {key: refunds, kind: count, event_types: [refund], role: guardrail,
     higher_is_better: false}
"""


def _exp(**kw: object) -> Experiment:
    base: dict[str, object] = {
        "key": "e1", "variants": [Variant(key="a", weight=1), Variant(key="b", weight=3)],
        "control": "a", "start": "2026-01-01", "stop": "2026-02-01"}
    return Experiment.model_validate(base | kw)


def test_assignment_is_deterministic_and_follows_weights() -> None:
    exp = _exp()
    units = [f"user-{i}" for i in range(20000)]
    first = [assign(exp, u) for u in units]
    assert first == [assign(exp, u) for u in units]
    counts = [first.count("a"), first.count("b")]
    assert stats.chisquare(counts, [5000, 15000]).pvalue > 0.001
    other = _exp(key="e2")  # another experiment's salt: independent of this one
    both = [(x, assign(other, u)) for x, u in zip(first, units, strict=True)]
    table = [[sum(1 for x, y in both if x == i and y == j) for j in "ab"] for i in "ab"]
    assert stats.chi2_contingency(table).pvalue > 0.001


def test_layers_are_mutually_exclusive() -> None:
    e1 = _exp(key="left", layer="home", layer_range=(0.0, 0.5))
    e2 = _exp(key="right", layer="home", layer_range=(0.5, 1.0))
    check_layers([e1, e2])
    units = [f"u{i}" for i in range(10000)]
    in1 = {u for u in units if assign(e1, u) is not None}
    in2 = {u for u in units if assign(e2, u) is not None}
    assert not in1 & in2
    assert 0.47 < len(in1) / len(units) < 0.53 and len(in1 | in2) == len(units)
    with pytest.raises(MeasureError, match="overlap in layer 'home'"):
        check_layers([e1, _exp(key="mid", layer="home", layer_range=(0.4, 0.7))])


def test_sql_assignment_equals_python() -> None:
    exp = _exp(layer="home", layer_range=(0.2, 0.9))
    keys = [f"{i:032x}" for i in range(3000)]
    con = duckdb.connect()
    con.execute("CREATE TABLE k (user_key VARCHAR)")
    con.executemany("INSERT INTO k VALUES (?)", [[k] for k in keys])
    rows = dict(con.sql(f"SELECT user_key, {variant_sql(exp)} FROM k").fetchall())
    assert rows == {k: assign(exp, k) for k in keys}


def test_document_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(DOC.replace("control: control", "control: nobody"), encoding="utf-8")
    with pytest.raises(CrossplayError, match="control 'nobody' is not one of the variants"):
        load_experiment(path)
    path.write_text(DOC.replace("within_days: 7, role: primary", "within_days: 0"),
                    encoding="utf-8")
    with pytest.raises(CrossplayError, match=r"bad.yaml:\d+: metrics.0.within_days"):
        load_experiment(path)


def test_cli_add_assign_log_and_analyze(cli: CliRunner, fresh_world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    doc = tmp_path / "checkout.yaml"
    doc.write_text(DOC, encoding="utf-8")
    data = ["--data-dir", str(fresh_world.data_dir)]
    r = cli(*data, "experiment", "add", doc, data=False)
    assert r.code == 0, r.err
    overlapping = tmp_path / "other.yaml"
    overlapping.write_text(DOC.replace("checkout_copy", "other").replace("[0.0, 0.6]",
                                                                          "[0.5, 1.0]"))
    r = cli(*data, "experiment", "add", overlapping, data=False)
    assert r.code == 2 and "overlap" in r.err_flat
    r = cli(*data, "experiment", "list", "--json", data=False)
    assert [e["key"] for e in r.json()] == ["checkout_copy"]

    # assign the whole knowledge audience from the lake, then log exposures for natives
    out = tmp_path / "aud.parquet"
    r = cli(*data, "experiment", "assign", "checkout_copy", "--audience-out", out, "--json",
            data=False)
    assert r.code == 0, r.err
    aud = pq.read_table(out)
    assert set(aud.column_names) == {"user_key", "partner", "variant"}
    from crossplay.privacy.audit import entries

    exported = [e for e in entries(fresh_world.settings())
                if e.action == "measure.audience_export"]
    assert exported and exported[-1].details["rows"] == aud.num_rows
    from crossplay.measure.uplift_features import marketing_allowed

    assert aud.num_rows > 50 and marketing_allowed(
        fresh_world.settings(), "knowledge", aud.column("user_key").to_pylist()).all()
    native = ds.dataset(fresh_world.world_dir / "ground_truth" / "people").to_table(
        columns=["k_uid"]).column("k_uid").drop_null().to_pylist()
    r = cli(*data, "experiment", "assign", "checkout_copy", "--native", *native[:50], "--json",
            data=False)
    assigned = r.json()
    lake_variant = dict(zip(aud.column("user_key").to_pylist(),
                            aud.column("variant").to_pylist(), strict=True))
    matched = [a for a in assigned if a["user_key"] in lake_variant]
    assert matched  # native ids hashed here meet the lake's keys
    for a in matched:  # the same variant from the native id and from the lake
        assert lake_variant[a["user_key"]] == a["variant"]
    csv = tmp_path / "exposures.csv"
    lines = ["user_id,variant,ts"] + [f"{a['unit']},{a['variant']},2026-09-12T02:00:00"
                                      for a in assigned if a["variant"]]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = cli(*data, "experiment", "log-exposures", "checkout_copy", csv, "--json", data=False)
    assert r.code == 0, r.err
    assert r.json()["accepted"] == len(lines) - 1
    r = cli(*data, "experiment", "log-exposures", "checkout_copy", csv, "--json", data=False)
    assert r.json()["already_in_lake"] == len(lines) - 1  # idempotent
    # one person logged again in another variant: left out of the analysis, and counted
    first = next(a for a in assigned if a["variant"])
    other = next(v for v in ("control", "short", "long") if v != first["variant"])
    again = tmp_path / "again.csv"
    again.write_text(f"user_id,variant,ts\n{first['unit']},{other},2026-09-13T02:00:00\n",
                     encoding="utf-8")
    assert cli(*data, "experiment", "log-exposures", "checkout_copy", again,
               data=False).code == 0
    r = cli(*data, "experiment", "analyze", "checkout_copy", "--json", data=False)
    assert r.code == 0, r.err
    res = r.json()
    assert res["exposures"]["excluded_multiple_variants"] == 1
    assert sum(res["counts"].values()) == len(lines) - 2
    assert res["cumulative"] and res["cumulative"][-1]["n_total"] <= len(lines) - 2
    assert {c["metric"] for c in res["comparisons"]} == {"bought", "revenue", "views",
                                                         "rev_per_view", "d1", "checkins",
                                                         "refunds"}
    assert {c["variant"] for c in res["comparisons"]} == {"short", "long"}
    # the custom SQL metric, independently: all-time check-ins of each exposed person
    from crossplay.warehouse import query

    keys = {a["user_key"]: a["variant"] for a in assigned if a["variant"]}
    rows = dict(query(fresh_world.settings(), "SELECT user_key, count(*) FROM events WHERE "
                      "event_type = 'checkin' AND partner = 'knowledge' GROUP BY 1").rows)
    ctrl = [rows.get(k, 0) for k, v in keys.items()
            if v == "control" and k != first["user_key"]]
    got = next(c for c in res["comparisons"] if c["metric"] == "checkins")
    assert got["control_mean"] == pytest.approx(sum(ctrl) / len(ctrl))


def test_sample_campaign_recovers_the_planted_effect(cli: CliRunner, fresh_world,  # type: ignore[no-untyped-def]
                                                     tmp_path: Path) -> None:
    settings = fresh_world.settings()
    exp = load_sample_campaign(settings, fresh_world.world_dir)
    report = tmp_path / "campaign.html"
    r = cli("--data-dir", fresh_world.data_dir, "experiment", "analyze", exp.key, "--report",
            report, "--json", data=False)
    assert r.code == 0, r.err
    res = r.json()
    people = ds.dataset(fresh_world.world_dir / "ground_truth" / "people").to_table(
        columns=["campaign_eligible", "treated", "true_uplift", "bought_course_in_campaign"]
    ).to_pandas()
    elig = people[people.campaign_eligible]
    assert res["counts"] == {"holdout": int((~elig.treated).sum()),
                             "treatment": int(elig.treated.sum())}
    assert not res["srm"]["mismatch"]
    c = next(x for x in res["comparisons"] if x["metric"] == "course_purchase")
    truth_ate = float(elig.true_uplift.mean())
    assert c["ci_low"] <= truth_ate <= c["ci_high"]
    holdout_rate = float(elig[~elig.treated].bought_course_in_campaign.mean())
    assert c["control_mean"] == pytest.approx(holdout_rate, abs=2 / len(elig))
    cuped = next(x for x in res["comparisons"] if x["metric"] == "learning_seconds")
    assert cuped["variance_reduction"] > 0.05
    page = report.read_text(encoding="utf-8")
    assert "<script src=" not in page and "Plotly.newPlot" in page and len(page) > 1_000_000
    truth = json.loads((fresh_world.world_dir / "ground_truth" / "truth.json").read_text())
    assert truth["campaign"]["id"] == exp.key
    assert np.isfinite(c["p_value"])


def test_demo_step_reports_the_campaign_and_the_trust_check(fresh_world, capsys) -> None:  # type: ignore[no-untyped-def]
    from crossplay.cli.commands_measure import demo_step
    from crossplay.cli.i18n import Messages
    from crossplay.cli.state import State

    st = State(fresh_world.settings(), Messages("zh-CN"))
    summary = demo_step(st, False)
    out = capsys.readouterr().out
    assert "实验组" in out and "可信度检查" in out and "结论" in out
    assert summary["experiment"] == "cmp_autumn_learn"
    assert 0.03 <= summary["aa"]["false_positive_rate"] <= 0.07
    assert summary["speed"]["same_numbers"] is True
    assert summary["verdicts"]["treatment"] in ("ship", "inconclusive", "do_not_ship")


def test_registry_on_sqlite_and_postgresql(op_db_url: str) -> None:
    from crossplay.measure.registry import get_experiment, list_experiments, save_experiment

    a = _exp(key="left", layer="home", layer_range=(0.0, 0.5))
    assert save_experiment(op_db_url, a) == 1
    assert save_experiment(op_db_url, a) == 1  # unchanged: same version
    assert save_experiment(op_db_url, a.model_copy(update={"name": "左"})) == 2
    assert get_experiment(op_db_url, "left").name == "左"
    with pytest.raises(MeasureError, match="overlap"):
        save_experiment(op_db_url, _exp(key="mid", layer="home", layer_range=(0.4, 0.6)))
    save_experiment(op_db_url, _exp(key="right", layer="home", layer_range=(0.5, 1.0)))
    assert [e.key for e in list_experiments(op_db_url)] == ["left", "right"]
    with pytest.raises(CrossplayError, match="no experiment 'nope'"):
        get_experiment(op_db_url, "nope")
