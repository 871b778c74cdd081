"""Interaction datasets from the lake: weights, scopes under the consent policy, splits."""

from __future__ import annotations

import numpy as np
import pytest

from crossplay.core.errors import ConfigError
from crossplay.privacy.policy import Purpose, allowed_sql, linked_persons_sql, refused_sql
from crossplay.recommend.dataset import load_log, time_cutoff
from crossplay.recommend.split import cold_split, random_split, time_split
from crossplay.recommend.weights import EventWeight, InteractionConfig
from crossplay.warehouse.duck import connect
from tests.conftest import LoadedWorld


def test_weights_and_confidence() -> None:
    cfg = InteractionConfig(alpha=2.0)
    np.testing.assert_allclose(cfg.scale(np.array([0.0, np.e - 1])), [0.0, 2.0], rtol=1e-6)
    lin = InteractionConfig(confidence="linear", alpha=3.0)
    assert lin.scale(np.array([2.0])).tolist() == [6.0]
    assert "ln(1 + coalesce(value, 0) / 600.0)" in cfg.weight_sql()
    with pytest.raises(ConfigError, match="unknown event type"):
        InteractionConfig(weights={"teleport": EventWeight(1.0)}).validate()
    with pytest.raises(ConfigError, match="unit must be > 0"):
        InteractionConfig(weights={"watch": EventWeight(1.0, 1.0, 0.0)}).validate()


def test_partner_scope_leaves_out_refusals(loaded_world: LoadedWorld) -> None:
    s = loaded_world.settings()
    log = load_log(s, ("knowledge",))
    con = connect(s)
    try:
        refused = {r[0] for r in con.sql(
            f"SELECT user_key FROM ({refused_sql(Purpose.PERSONALISATION)}) "
            f"WHERE partner = 'knowledge'").fetchall()}
        allowed = {r[0] for r in con.sql(
            allowed_sql(Purpose.PERSONALISATION, "knowledge", "knowledge")).fetchall()}
    finally:
        con.close()
    keys = set(log.users["user_key"])
    assert refused and not keys & refused
    assert keys <= allowed
    assert set(log.items.platform) == {"knowledge"}
    assert (log.pairs["train"] > 0).all()


def test_joint_scope_links_only_consenting_persons(loaded_world: LoadedWorld) -> None:
    s = loaded_world.settings()
    log = load_log(s, ("knowledge", "game", "stream"), joint=True)
    con = connect(s)
    try:
        persons = {r[0] for r in con.sql(
            f"SELECT person_id FROM ({linked_persons_sql(Purpose.PERSONALISATION)})"
        ).fetchall()}
    finally:
        con.close()
    linked = log.users[log.users["linked"]]
    assert len(linked) > 10 and set(linked["person_id"]) <= persons
    # a linked person's accounts never appear again as single-partner rows
    single = log.users[~log.users["linked"]]
    assert not set(single["user_key"]) & (set(linked["k_user_key"]) | set(linked["g_user_key"]))
    # only linked rows hold items of both partners
    parts = log.items.frame["partner"].to_numpy()[log.pairs["item"].to_numpy()]
    both = log.pairs.assign(p=parts).groupby("user")["p"].nunique()
    assert set(both[both > 1].index) <= set(np.flatnonzero(log.users["linked"].to_numpy()))


def test_splits(loaded_world: LoadedWorld) -> None:
    s = loaded_world.settings()
    cutoff = time_cutoff(s, ("knowledge",))
    log = load_log(s, ("knowledge",), cutoff=cutoff)
    ts = time_split(log)
    p = ts.log.pairs
    assert not ((p["train"] > 0) & (p["test"] > 0)).any()  # a consumed item is no new hit
    assert (p.loc[p["test"] > 0, "last_ts"] >= cutoff).all()
    r1, r2 = random_split(log, seed=1), random_split(log, seed=1)
    assert r1.log.pairs.equals(r2.log.pairs)
    assert not r1.log.pairs.equals(random_split(log, seed=2).log.pairs)
    per_user = r1.log.pairs.groupby("user")
    assert (per_user["train"].apply(lambda x: (x > 0).sum()) >= 1).all()
    share = (r1.log.pairs["test"] > 0).mean()
    assert 0.1 < share < 0.3
    joint = load_log(s, ("knowledge", "game", "stream"), joint=True)
    cs = cold_split(joint, ("knowledge",), seed=0)
    cold_users = cs.test_users
    held = cs.log.pairs[cs.log.pairs["user"].isin(cold_users)]
    plat = cs.log.items.platform[held["item"].to_numpy()]
    assert (held.loc[plat == "knowledge", "train"] == 0).all()
    assert (held.loc[plat != "knowledge", "train"] > 0).any()
    with pytest.raises(ConfigError, match="between 0 and 1"):
        random_split(log, test_fraction=1.5)


def test_min_activity(loaded_world: LoadedWorld) -> None:
    s = loaded_world.settings()
    log = load_log(s, ("knowledge",), config=InteractionConfig(min_user_items=5,
                                                               min_item_users=3))
    assert (log.pairs.groupby("user").size() >= 5).all()
    with pytest.raises(ConfigError, match="unknown domain"):
        load_log(s, ("music",))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="joint scope"):
        load_log(s, ("knowledge", "game"))
