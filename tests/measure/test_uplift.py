"""Uplift: Qini / AUUC / uplift@k pinned to brute force; learners on known effects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from crossplay.measure.errors import MeasureError
from crossplay.measure.uplift import (
    TLearner,
    XLearner,
    auuc,
    qini_curve,
    top_share,
    uplift_at,
)
from tests.conftest import CliRunner


def _brute_qini(u: np.ndarray, t: np.ndarray, y: np.ndarray, k: int) -> float:
    top = np.argsort(-u, kind="stable")[:k]
    tt, yy = t[top], y[top]
    nt, nc = tt.sum(), (~tt).sum()
    return float(yy[tt].sum() - (yy[~tt].sum() * nt / nc if nc else 0.0))


def test_qini_auuc_and_uplift_at_k_match_brute_force() -> None:
    rng = np.random.default_rng(3)
    n = 400
    u = rng.normal(size=n)
    t = rng.random(n) < 0.5
    y = (rng.random(n) < 0.1 + 0.1 * (u > 0) * t).astype(float)
    c = qini_curve(u, t, y, points=n + 1)
    for k in (1, 37, 120, 400):
        assert c.qini[k] == pytest.approx(_brute_qini(u, t, y, k), abs=1e-9)
    top = np.argsort(-u, kind="stable")[:120]
    assert uplift_at(u, t, y, 0.3) == pytest.approx(
        y[top][t[top]].mean() - y[top][~t[top]].mean())
    # AUUC: trapezoids of (qini - random) over the targeted share
    f = np.asarray(c.fraction)
    gap = np.asarray(c.qini) - np.asarray(c.random)
    assert auuc(c) == pytest.approx(float(np.trapezoid(gap, f)))
    assert auuc(qini_curve(-u, t, y)) < 0 < auuc(c)  # ranking backwards is worse than random


def _known_effect_data(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2, x3 = rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)
    tau = np.where(x1 > 0.5, 0.15, 0.0) + np.where(x2 > 1.0, 0.05, 0.0)
    base = 0.1 + 0.05 * (x3 > 0)
    t = rng.random(n) < 0.5
    y = (rng.random(n) < base + tau * t).astype(int)
    return pd.DataFrame({"user": [f"u{i}" for i in range(n)],
                         "arm": np.where(t, "push", "none"), "bought": y, "x1": x1, "x2": x2,
                         "x3": x3, "tau": tau})


@pytest.mark.parametrize("learner", [TLearner, XLearner])
def test_learners_find_who_is_moved(learner: type) -> None:
    df = _known_effect_data(12000, 1)
    m = learner("lightgbm", 0).fit(df[["x1", "x2", "x3"]], df.arm == "push", df.bought)
    u = m.predict(df[["x1", "x2", "x3"]])
    sel = top_share(u, 0.3)
    captured = df.tau[sel].sum() / (0.3 * df.tau.sum())
    assert captured >= 1.5
    with pytest.raises(MeasureError, match="not fitted"):
        learner().predict(df[["x1"]])


def test_cli_uplift_from_file(cli: CliRunner, tmp_path: Path) -> None:
    df = _known_effect_data(12000, 2)
    path = tmp_path / "campaign.csv"
    df.to_csv(path, index=False)
    aud = tmp_path / "aud.parquet"
    r = cli("uplift", "evaluate", "--from-file", path, "--treatment-col", "arm", "--treatment",
            "push", "--control", "none", "--outcome", "bought", "--features", "x1,x2,x3",
            "--id-col", "user", "--true-effect-col", "tau", "--audience-out", aud,
            "--report", tmp_path / "qini.html", "--json")
    assert r.code == 0, r.err
    res = r.json()
    assert res["truth_ratio_to_random"] >= 1.5
    assert res["auuc"] > 0 and res["n_holdout"] == round(0.3 * (df.arm == "push").sum()) + \
        round(0.3 * (df.arm == "none").sum())
    table = pq.read_table(aud)
    assert table.num_rows == round(0.3 * len(df)) and table.column_names == ["id", "uplift"]
    assert (tmp_path / "qini.html").exists()
    r = cli("uplift", "evaluate", "--from-file", path, "--treatment-col", "arm", "--treatment",
            "push", "--control", "nobody", "--outcome", "bought", "--features", "x1")
    assert r.code == 2 and "no rows with arm = 'nobody'" in r.err_flat


def test_lake_campaign_uplift_judged_on_the_worlds_true_effects(  # type: ignore[no-untyped-def]
        cli: CliRunner, fresh_world, tmp_path: Path) -> None:
    """Over the lake's campaign, judged with ``--truth`` against the world's true effects
    (joined by pseudonymous key). A person's true uplift is their archetype's times their
    learning engagement (capped), so an oracle ranking by it captures about 2x random at
    q = 30%; a learner has to find engagement in the pre-period events. At 2,000 people
    (~350 eligible, ~100 in the hold-out) the learner's ratio is noise: it is checked for
    consistency here, and against the target at 20,000 people in
    ``test_learners_beat_random_on_the_worlds_campaign``."""
    from crossplay.measure.sample_campaign import load_sample_campaign

    load_sample_campaign(fresh_world.settings(), fresh_world.world_dir)
    aud = tmp_path / "aud.parquet"
    r = cli("--data-dir", fresh_world.data_dir, "uplift", "evaluate", "--experiment",
            "cmp_autumn_learn", "--truth", "--audience-out", aud, "--json", data=False)
    assert r.code == 0, r.err
    res = r.json()
    people = ds.dataset(fresh_world.world_dir / "ground_truth" / "people").to_table(
        columns=["campaign_eligible", "true_uplift"]).to_pandas()
    elig = people[people.campaign_eligible]
    assert res["n_train"] + res["n_holdout"] == len(elig)
    table = pq.read_table(aud)
    assert table.column_names == ["user_key", "partner", "uplift"]
    # the top 30% by predicted uplift, among those who may be reached for marketing now
    assert table.num_rows <= round(0.3 * len(elig))
    assert table.num_rows >= round(0.3 * len(elig)) - res["audience_without_marketing_consent"]
    from crossplay.measure.uplift_features import marketing_allowed

    assert table.num_rows > 0 and marketing_allowed(
        fresh_world.settings(), "knowledge", table.column("user_key").to_pylist()).all()
    # the world's heterogeneity: ranking by the true effect captures ~2x random
    true = elig.true_uplift.to_numpy()
    oracle = true[top_share(true, 0.3)].sum() / (0.3 * true.sum())
    assert 1.8 < oracle < 2.8
    # the truth ratios exist; no ranking beats the oracle on the same hold-out
    assert res["oracle_ratio_to_random"] > 1.5
    assert 0 < res["truth_ratio_to_random"] <= res["oracle_ratio_to_random"]
    from crossplay.privacy.audit import entries

    assert [e.action for e in entries(fresh_world.settings())
            if e.action == "measure.uplift_audience_export"]


def test_campaign_features_are_the_pre_period_learning_activity(fresh_world) -> None:  # type: ignore[no-untyped-def]
    """The learners' features, recomputed independently with pandas over the lake's events:
    each person's knowledge-side views, enrolments, lesson seconds and purchases in the 10
    days before their exposure — and engagement (the effect's driver) shows in them."""
    from crossplay.measure.lakemetrics import exposures_sql
    from crossplay.measure.sample_campaign import load_sample_campaign
    from crossplay.measure.uplift_features import campaign_data
    from crossplay.measure.uplift_truth import true_effects_for
    from crossplay.warehouse import connect

    settings = fresh_world.settings()
    exp = load_sample_campaign(settings, fresh_world.world_dir)
    data = campaign_data(settings, exp)
    con = connect(settings)
    try:
        ev = con.sql("SELECT user_key, event_type, ts, value FROM events "
                     "WHERE partner = 'knowledge'").df()
        first = con.sql(exposures_sql(exp)).df()  # the logged assignment times
    finally:
        con.close()
    X = pd.DataFrame(data.X, columns=data.features, index=data.user_keys)
    assert {"n_course_view", "n_enroll", "n_lesson_watch", "learn_seconds", "n_purchase",
            "revenue"} <= set(data.features)
    exposed = first.set_index("user_key").first_ts
    ev = ev[ev.user_key.isin(exposed.index)]
    start = ev.user_key.map(exposed)
    pre = ev[(ev.ts < start) & (ev.ts >= start - pd.Timedelta(days=10))]
    expect = pd.DataFrame({
        "n_course_view": pre[pre.event_type == "course_view"].groupby("user_key").size(),
        "n_enroll": pre[pre.event_type == "enroll"].groupby("user_key").size(),
        "learn_seconds": pre[pre.event_type == "lesson_watch"].groupby("user_key").value.sum(),
        "n_purchase": pre[pre.event_type == "purchase"].groupby("user_key").size(),
    }).reindex(exposed.index).fillna(0.0)
    assert len(expect) == len(X) and (expect > 0).sum().min() > 0  # none all zero
    got = X.loc[expect.index, expect.columns]
    pd.testing.assert_frame_equal(got, expect, check_dtype=False, check_names=False)
    # engaged learners respond more: views rank the true effects far better than chance
    truth = true_effects_for(settings, fresh_world.world_dir, data.user_keys)
    views = X.n_course_view.to_numpy() + 1e-9 * np.arange(len(X))
    assert truth[top_share(views, 0.3)].sum() / (0.3 * truth.sum()) > 1.4


def test_truth_needs_a_world_whose_keys_match(  # type: ignore[no-untyped-def]
        cli: CliRunner, fresh_world, monkeypatch: pytest.MonkeyPatch) -> None:
    """Other secrets than ingest used: the truth join is refused, not silently empty."""
    from crossplay.measure.sample_campaign import load_sample_campaign

    load_sample_campaign(fresh_world.settings(), fresh_world.world_dir)
    monkeypatch.setenv("CROSSPLAY_KNOWLEDGE_SECRET", "another-secret-0123456789abcdef")
    r = cli("--data-dir", fresh_world.data_dir, "uplift", "evaluate", "--experiment",
            "cmp_autumn_learn", "--truth", data=False)
    assert r.code == 2 and "not eligible people of the world" in r.err_flat


@pytest.mark.slow
def test_learners_beat_random_on_the_worlds_campaign(cli: CliRunner, tmp_path: Path) -> None:
    """Issue #7's target on the synthetic world: the top 30% by predicted uplift captures
    >= 1.5x the true incremental conversions of random targeting. Needs ~1,900 eligible
    people (10,000-person world; the benchmark measures 1.66–1.96x here over 7 seeds and
    1.65–1.98x at 20,000 people); the median of three hold-out splits is checked."""
    import statistics

    from crossplay.ingest.world import ingest_world
    from crossplay.measure.sample_campaign import load_sample_campaign
    from crossplay.synth import WorldConfig, generate_world
    from tests.conftest import LoadedWorld

    world = LoadedWorld(tmp_path / "world", tmp_path / "data")
    generate_world(WorldConfig(people=10_000, days=30, seed=11), world.world_dir)
    ingest_world(world.settings(), world.world_dir)
    load_sample_campaign(world.settings(), world.world_dir)
    ratios = []
    for seed in range(3):
        r = cli("--data-dir", world.data_dir, "uplift", "evaluate", "--experiment",
                "cmp_autumn_learn", "--truth", "--seed", str(seed), "--json", data=False)
        assert r.code == 0, r.err
        res = r.json()
        # engagement drives the effect: the pre-period learning activity is in the features
        assert {"n_course_view", "n_enroll", "n_lesson_watch", "learn_seconds", "n_purchase",
                "revenue", "active_days"} <= set(res["features"])
        assert 1.2 < res["truth_ratio_to_random"] <= res["oracle_ratio_to_random"]
        ratios.append(res["truth_ratio_to_random"])
    print("truth ratios to random at q = 30%:", ratios)
    assert statistics.median(ratios) >= 1.5, ratios
