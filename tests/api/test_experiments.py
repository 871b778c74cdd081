"""Experiments over a real uvicorn: the CLI's assignment, layers, exposures logged once,
a partner sees only its own running experiments, problems for bad input."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from typing import Any

import pyarrow.parquet as pq
import pytest

from crossplay.client.base import ApiError
from crossplay.client.experiments import ExperimentsApi, exposure
from crossplay.core import clock
from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.measure.experiment import Experiment
from crossplay.measure.registry import save_experiment
from crossplay.privacy.keys import native_key
from crossplay.warehouse.duck import connect
from tests.api.conftest import LiveApi, running_api
from tests.conftest import CliRunner, LoadedWorld


@pytest.fixture(scope="module")
def world(loaded_world: LoadedWorld, tmp_path_factory: pytest.TempPathFactory
          ) -> LoadedWorld:
    data_dir = tmp_path_factory.mktemp("exp-api") / "data"
    shutil.copytree(loaded_world.data_dir, data_dir)
    w = LoadedWorld(loaded_world.world_dir, data_dir)
    s = w.settings()
    today = clock.now().date()
    running = {"start": today - dt.timedelta(days=3), "stop": today + dt.timedelta(days=30)}
    for doc in (
        {"key": "k_push", "partner": "knowledge", "control": "holdout",
         "variants": [{"key": "holdout", "weight": 1}, {"key": "push", "weight": 2}],
         **running},
        # two experiments sharing a layer: nobody is in both
        {"key": "k_left", "partner": "knowledge", "layer": "k_home", "control": "a",
         "layer_range": (0.0, 0.5), "variants": [{"key": "a", "weight": 1},
                                                 {"key": "b", "weight": 1}], **running},
        {"key": "k_right", "partner": "knowledge", "layer": "k_home", "control": "a",
         "layer_range": (0.5, 1.0), "variants": [{"key": "a", "weight": 1},
                                                 {"key": "b", "weight": 1}], **running},
        {"key": "g_shop", "partner": "game", "control": "old",
         "variants": [{"key": "old", "weight": 1}, {"key": "new", "weight": 1}], **running},
        {"key": "k_later", "partner": "knowledge", "control": "a",
         "variants": [{"key": "a", "weight": 1}, {"key": "b", "weight": 1}],
         "start": today + dt.timedelta(days=10), "stop": today + dt.timedelta(days=20)},
    ):
        save_experiment(s, Experiment.model_validate(doc))
    return w


@pytest.fixture(scope="module")
def live(world: LoadedWorld) -> Iterator[LiveApi]:
    with running_api(world.settings()) as api:
        yield api


def exps(live: LiveApi, partner: Partner, lang: str | None = None) -> ExperimentsApi:
    return ExperimentsApi(live.client(partner, lang=lang).transport)


def _uids(world: LoadedWorld, column: str, n: int) -> list[str]:
    people = pq.read_table(world.world_dir / "ground_truth" / "people",
                           columns=[column]).column(column).to_pylist()
    return [u for u in people if u][:n]


def _logged(settings: Settings, key: str) -> list[tuple[Any, ...]]:
    con = connect(settings)
    try:
        return [tuple(r) for r in con.sql(
            "SELECT user_key, properties, ts FROM events WHERE event_type = "
            f"'campaign_exposure' AND item_id = '{key}' ORDER BY 1, 3").fetchall()]
    finally:
        con.close()


def test_assignment_equals_the_cli(live: LiveApi, world: LoadedWorld,
                                   cli: CliRunner) -> None:
    uids = _uids(world, "k_uid", 40)
    res = cli("--data-dir", world.data_dir, "experiment", "assign", "k_push", *uids,
              "--native", "--json", data=False)
    assert res.code == 0, res.err
    api = exps(live, "knowledge")
    for row in res.json():
        got = api.assignment("k_push", user_id=row["unit"])
        assert (got["user_key"], got["variant"]) == (row["user_key"], row["variant"])
        assert got == api.assignment("k_push", user_key=row["user_key"])
        assert got["in_experiment"] and got["control"] == (got["variant"] == "holdout")
    assert {r["variant"] for r in res.json()} == {"holdout", "push"}


def test_layers_put_nobody_in_two_experiments(live: LiveApi, world: LoadedWorld) -> None:
    api = exps(live, "knowledge")
    inside = {"k_left": 0, "k_right": 0}
    for uid in _uids(world, "k_uid", 60):
        left = api.assignment("k_left", user_id=uid)
        right = api.assignment("k_right", user_id=uid)
        assert (left["variant"] is None) != (right["variant"] is None), uid
        inside["k_left"] += left["in_experiment"]
        inside["k_right"] += right["in_experiment"]
        assert left["layer"] == "k_home"
    assert min(inside.values()) > 10


def test_only_your_own_running_experiments(live: LiveApi, world: LoadedWorld) -> None:
    knowledge, game = exps(live, "knowledge"), exps(live, "game", lang="zh-CN")
    uid = _uids(world, "g_uid", 1)[0]
    assert game.assignment("g_shop", user_id=uid)["partner"] == "game"
    for api, key in ((knowledge, "g_shop"), (game, "k_push"), (game, "no_such")):
        with pytest.raises(ApiError) as exc:
            api.assignment(key, user_key="a" * 32)
        assert exc.value.status == 404 and exc.value.server_code == "api_experiment_unknown"
        assert "k_left" not in exc.value.detail  # no list of the other's experiments
    with pytest.raises(ApiError) as exc:
        game.assignment("k_push", user_key="a" * 32)
    assert "没有实验" in exc.value.detail
    with pytest.raises(ApiError) as exc:
        knowledge.assignment("k_later", user_key="a" * 32)
    assert exc.value.status == 409 and exc.value.server_code == "api_experiment_not_running"
    with pytest.raises(ApiError) as exc:
        knowledge.log_exposures("k_later", [exposure(user_id="u1")])
    assert exc.value.status == 409


def test_exposures_are_logged_once(live: LiveApi, world: LoadedWorld) -> None:
    s = world.settings()
    api = exps(live, "knowledge")
    uids = _uids(world, "k_uid", 5)
    at = (clock.now() - dt.timedelta(hours=2)).replace(microsecond=0)
    rows = [exposure(user_id=u, at=at) for u in uids]
    rows.append(exposure(user_id=uids[0], at=at))  # the same exposure again, in one batch
    first = api.log_exposures("k_push", rows)
    assert [r["outcome"] for r in first["rows"]] == ["logged"] * 5 + ["duplicate"]
    assert (first["logged"], first["duplicates"], first["rejected"]) == (5, 1, 0)
    logged = _logged(s, "k_push")
    assert len(logged) == 5
    keys = {native_key(s, "knowledge", u) for u in uids}
    assert {r[0] for r in logged} == keys
    for r in first["rows"][:5]:  # the assignment is what is logged
        assert r["variant"] == api.assignment("k_push", user_id=uids[r["index"]])["variant"]
        assert r["at"] == at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    replay = api.log_exposures("k_push", rows[:5])
    assert [r["outcome"] for r in replay["rows"]] == ["duplicate"] * 5
    assert _logged(s, "k_push") == logged


def test_rows_are_rejected_one_by_one(live: LiveApi, world: LoadedWorld) -> None:
    api = exps(live, "knowledge", lang="zh-CN")
    uids = _uids(world, "k_uid", 80)
    uid = uids[10]
    assigned = api.assignment("k_push", user_id=uid)["variant"]
    other = "push" if assigned == "holdout" else "holdout"
    outside = next(u for u in uids if api.assignment("k_left", user_id=u)["variant"] is None)
    res = api.log_exposures("k_left", [exposure(user_id=outside)])
    assert res["rows"][0]["code"] == "api_exposure_not_in_experiment"
    res = api.log_exposures("k_push", [
        exposure(user_key=native_key(world.settings(), "knowledge", uid)),
        exposure(user_id=uid, variant=other),
        exposure(user_id=uid, at=clock.now() + dt.timedelta(days=2)),
        exposure(user_id=uid, at=clock.now() - dt.timedelta(days=5)),
        exposure(user_id=uids[11], variant=api.assignment("k_push", user_id=uids[11])[
            "variant"], at=clock.now() - dt.timedelta(minutes=5)),
    ])
    codes = [r.get("code") for r in res["rows"]]
    assert codes == ["api_exposure_needs_user_id", "api_exposure_variant_mismatch",
                     "api_exposure_future", "api_exposure_early", None]
    assert [r["outcome"] for r in res["rows"]] == ["rejected"] * 4 + ["logged"]
    assert "不是" in res["rows"][1]["detail"]  # in the request's language


def test_bad_requests_are_problems(live: LiveApi) -> None:
    api = exps(live, "knowledge")
    t = api.transport
    bad: list[tuple[dict[str, Any], int, str]] = [
        ({"exposures": []}, 422, "invalid_request"),
        ({"exposures": [{"user_id": "u"}] * 1001}, 422, "invalid_request"),
        ({"exposures": [{"user_id": "u", "user_key": "a" * 32}]}, 422, "invalid_request"),
        ({"exposures": [{"variant": "push"}]}, 422, "invalid_request"),
        ({"exposures": [{"user_id": "u", "at": "yesterday"}]}, 422, "invalid_request"),
    ]
    for body, status, code in bad:
        with pytest.raises(ApiError) as exc:
            t.json("POST", "/v1/experiments/k_push/exposures", json_body=body)
        assert (exc.value.status, exc.value.server_code) == (status, code), body
    with pytest.raises(ApiError) as exc:
        api.assignment("k_push")
    assert (exc.value.status, exc.value.server_code) == (400, "api_user_ref")
    with pytest.raises(ApiError) as exc:
        api.assignment("bad key!", user_key="a" * 32)
    assert exc.value.status in (404, 422)
    with pytest.raises(ApiError) as exc:  # a key without the scope
        ExperimentsApi(live.client(key=live.key("knowledge", "recommend")).transport
                       ).assignment("k_push", user_key="a" * 32)
    assert exc.value.status == 403
