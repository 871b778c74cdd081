"""KPIs against independent computations; ROI from the campaign holdout."""

from __future__ import annotations

import math

import pyarrow.dataset as ds
import pytest
from statsmodels.stats.proportion import proportion_confint

from crossplay.measure.kpi import Kpi, interaction_index, kpis, wilson
from crossplay.warehouse import connect
from tests.conftest import CliRunner


def test_wilson_matches_statsmodels() -> None:
    for x, n in [(66, 1144), (0, 50), (50, 50), (7, 9)]:
        lo, hi = proportion_confint(x, n, method="wilson")
        assert [round(v, 6) for v in wilson(x, n)] == [round(float(lo), 6), round(float(hi), 6)]


def test_interaction_index_is_the_geometric_mean_with_delta_interval() -> None:
    parts = [Kpi("C_k", 0.05, None, None, 50, 1000, ""), Kpi("R_k", 0.5, None, None, 400, 800, ""),
             Kpi("R_g", 0.6, None, None, 600, 1000, "")]
    i = interaction_index(*parts)
    assert i.value == pytest.approx((0.05 * 0.5 * 0.6) ** (1 / 3), abs=1e-12)
    var = ((0.95 / (0.05 * 1000)) + (0.5 / (0.5 * 800)) + (0.4 / (0.6 * 1000))) / 9
    assert i.ci_low == pytest.approx(i.value * math.exp(-1.959964 * math.sqrt(var)), rel=1e-5)
    zero = interaction_index(Kpi("C_k", 0.0, None, None, 0, 10, ""), *parts[1:])
    assert zero.value == 0.0


def test_kpis_match_the_lake(loaded_world) -> None:  # type: ignore[no-untyped-def]
    s = loaded_world.settings()
    ck, rk, rg, i = kpis(s)
    con = connect(s)
    try:
        ev = con.sql("SELECT user_key, event_type, value FROM events "
                     "WHERE partner = 'knowledge' AND platform = 'knowledge'").df()
    finally:
        con.close()
    payers = ev[(ev.event_type == "purchase") & (ev.value > 0)].user_key.nunique()
    assert (ck.numerator, ck.denominator) == (payers, ev.user_key.nunique())
    assert 0 < ck.value < rk.value and 0 < rg.value < 1  # type: ignore[operator]
    assert i.value == pytest.approx((ck.value * rk.value * rg.value) ** (1 / 3))  # type: ignore[operator]


def test_cli_kpi_with_campaign_roi(cli: CliRunner, fresh_world) -> None:  # type: ignore[no-untyped-def]
    from crossplay.measure.sample_campaign import load_sample_campaign

    load_sample_campaign(fresh_world.settings(), fresh_world.world_dir)
    d = ["--data-dir", str(fresh_world.data_dir)]
    r = cli(*d, "--lang", "zh-CN", "kpi", "--campaign", "cmp_autumn_learn", "--cost", "400",
            "--report", fresh_world.data_dir / "kpi.html", "--json", data=False)
    assert r.code == 0, r.err
    roi = r.json()["roi"]
    inc = roi["incremental_revenue"]
    assert inc == pytest.approx(
        (roi["revenue_per_treated"] - roi["revenue_per_holdout"]) * roi["treated"])
    assert roi["roi"] == pytest.approx(inc / 400)
    assert roi["roi_ci"][0] < roi["roi"] < roi["roi_ci"][1]
    page = (fresh_world.data_dir / "kpi.html").read_text(encoding="utf-8")
    assert "核心指标" in page and page.count("class=\"plotly-graph-div\"") == 2
    r = cli(*d, "kpi", "--campaign", "cmp_autumn_learn", data=False)
    assert r.code == 2 and "no cost in the ledger" in r.err_flat and "--cost" in r.err_flat
    r = cli(*d, "kpi", "--campaign", "nope", "--cost", "1", data=False)
    assert r.code == 2 and "no experiment 'nope'" in r.err_flat


def test_roi_takes_the_cost_from_the_campaigns_ledger(cli: CliRunner, fresh_world) -> None:  # type: ignore[no-untyped-def]
    """The ledger's sample campaign, applied to the world, with a hashed 50/50 holdout over
    the knowledge users (the world has no real treatment for it: the plumbing is tested)."""
    import datetime as dt

    from crossplay.campaigns.cost import campaign_cost
    from crossplay.campaigns.document import load_campaign, sample_path
    from crossplay.campaigns.engine import apply
    from crossplay.measure.assignment import assign
    from crossplay.measure.experiment import Experiment
    from crossplay.measure.exposures import log_exposures
    from crossplay.measure.registry import save_experiment

    s = fresh_world.settings()
    campaign = load_campaign(sample_path())
    apply(s, campaign)
    cost = float(campaign_cost(s, campaign.id).cost_yuan)
    assert cost > 0
    exp = Experiment.model_validate({
        "key": campaign.id, "variants": [{"key": "holdout", "weight": 1},
                                         {"key": "treatment", "weight": 1}],
        "control": "holdout", "start": "2026-08-31", "stop": "2026-10-02",
        "metrics": [{"key": "revenue", "kind": "revenue", "within_days": 30,
                     "role": "primary"}]})
    save_experiment(s, exp)
    natives = ds.dataset(fresh_world.world_dir / "ground_truth" / "people").to_table(
        columns=["k_uid"]).column("k_uid").drop_null().to_pylist()
    when = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
    log_exposures(s, exp, [(k, assign(exp, k) or "holdout", when) for k in natives])
    r = cli("--data-dir", fresh_world.data_dir, "kpi", "--campaign", campaign.id, "--json",
            data=False)
    assert r.code == 0, r.err
    roi = r.json()["roi"]
    assert roi["cost_source"] == "ledger" and roi["cost"] == pytest.approx(cost)
    assert roi["roi"] == pytest.approx(roi["incremental_revenue"] / cost)
