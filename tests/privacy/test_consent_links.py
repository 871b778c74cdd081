"""Consent registry (ingested + live, history kept, audited), links and their revocation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow.parquet as pq
import pytest

from crossplay.privacy.audit import entries, person_subject
from crossplay.privacy.consent import ConsentError, update_consent
from crossplay.privacy.keys import native_key
from crossplay.privacy.links import LinkError, bind, unbind
from crossplay.privacy.policy import Purpose, decide, linked_persons_sql
from crossplay.warehouse.duck import connect
from tests.conftest import LoadedWorld


def _truth_people(world: LoadedWorld) -> list[dict[str, object]]:
    files = sorted((world.world_dir / "ground_truth" / "people").glob("*.parquet"))
    return [r for f in files for r in pq.read_table(f).to_pylist()]


def _active_link(world: LoadedWorld) -> tuple[str, str]:
    con = connect(world.settings())
    try:
        rows = con.sql(f"SELECT k_user_key, g_user_key FROM ({linked_persons_sql()}) "
                       "ORDER BY 1 LIMIT 1").fetchall()
    finally:
        con.close()
    assert rows, "the world has active links"
    return rows[0][0], rows[0][1]


def test_bindings_match_ground_truth(loaded_world: LoadedWorld) -> None:
    s = loaded_world.settings()
    truth = [p for p in _truth_people(loaded_world)
             if p["bound_at"] is not None and p["unbound_at"] is None]
    expected = {(native_key(s, "knowledge", str(p["k_uid"])),
                 native_key(s, "game", str(p["g_uid"]))) for p in truth}
    con = connect(s)
    try:
        active = set(con.sql("SELECT k_user_key, g_user_key FROM links_current "
                             "WHERE revoked_at IS NULL").fetchall())
    finally:
        con.close()
    assert expected and active == expected


def test_live_refusal_of_linking_revokes_the_link_and_is_audited(
        fresh_world: LoadedWorld) -> None:
    s = fresh_world.settings()
    k, g = _active_link(fresh_world)
    change = update_consent(s, partner="game", user_key=g, purpose="linking", granted=False,
                            source="app")
    assert change.user_key == g
    con = connect(s)
    try:
        revoked = con.sql(f"SELECT revoked_at FROM links_current WHERE k_user_key = '{k}' "
                          f"AND g_user_key = '{g}'").fetchall()[0][0]
        still = con.sql(f"SELECT count(*) FROM ({linked_persons_sql()}) "
                        f"WHERE g_user_key = '{g}'").fetchall()[0][0]
        history = con.sql(f"SELECT count(*), count(*) FILTER (WHERE source LIKE 'live:%') "
                          f"FROM consents WHERE partner = 'game' AND user_key = '{g}' "
                          "AND purpose = 'linking'").fetchall()[0]
        d = decide(con, partner="game", user_key=g, purpose=Purpose.LINKING, party="joint")
    finally:
        con.close()
    assert revoked is not None and still == 0
    assert history[0] >= 2 and history[1] == 1  # ingested grant(s) + the live refusal
    assert not d.allowed and "refused" in d.reason
    # a later re-grant does not revive the link: the user binds again
    update_consent(s, partner="game", user_key=g, purpose="linking", granted=True)
    con = connect(s)
    try:
        assert con.sql(f"SELECT count(*) FROM ({linked_persons_sql()}) "
                       f"WHERE g_user_key = '{g}'").fetchall()[0][0] == 0
    finally:
        con.close()
    bind(s, k, g)
    con = connect(s)
    try:
        assert con.sql(f"SELECT count(*) FROM ({linked_persons_sql()}) "
                       f"WHERE g_user_key = '{g}'").fetchall()[0][0] == 1
    finally:
        con.close()
    log = entries(s, action="consent_change")
    assert [e.details["granted"] for e in log] == [False, True]
    assert all(e.subject == person_subject("game", g) and g not in str(e.details)
               for e in log)


def test_unbind_revokes(fresh_world: LoadedWorld) -> None:
    s = fresh_world.settings()
    k, g = _active_link(fresh_world)
    unbind(s, k, g)
    con = connect(s)
    try:
        assert con.sql(f"SELECT count(*) FROM ({linked_persons_sql()}) "
                       f"WHERE k_user_key = '{k}'").fetchall()[0][0] == 0
    finally:
        con.close()
    assert entries(s, action="link_unbind")[0].details["pairs"] == 1


def test_native_id_is_pseudonymised_like_ingest(fresh_world: LoadedWorld) -> None:
    s = fresh_world.settings()
    person = next(p for p in _truth_people(fresh_world) if p["k_uid"] is not None)
    ts = datetime.now(UTC) + timedelta(days=400)
    change = update_consent(s, partner="knowledge", native_id=str(person["k_uid"]),
                            purpose="marketing", granted=False, ts=ts)
    con = connect(s)
    try:
        known = con.sql(f"SELECT count(*) FROM events WHERE partner = 'knowledge' AND "
                        f"user_key = '{change.user_key}'").fetchall()[0][0]
        latest = con.sql(f"SELECT granted FROM consents_current WHERE user_key = "
                         f"'{change.user_key}' AND purpose = 'marketing'").fetchall()
    finally:
        con.close()
    assert known > 0 and latest == [(False,)]
    for e in entries(s):
        assert str(person["k_uid"]) not in str(e.subject) + str(e.details)


@pytest.mark.parametrize("kwargs,match", [
    ({"purpose": "spam", "user_key": "a" * 32}, "unknown purpose"),
    ({"purpose": "linking"}, "exactly one"),
    ({"purpose": "linking", "native_id": "  "}, "blank"),
    ({"purpose": "linking", "user_key": "a" * 32, "ts": datetime(2026, 1, 1)}, "time zone"),
])
def test_bad_consent_input(settings, kwargs, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConsentError, match=match):
        update_consent(settings, partner="knowledge", granted=True, **kwargs)


def test_bad_link_input(settings) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LinkError, match="32-hex"):
        bind(settings, "13800000000", "b" * 32)


def test_consent_cli(cli, settings) -> None:  # type: ignore[no-untyped-def]
    res = cli("consent", "set", "--partner", "knowledge", "--user", "K42", "--purpose",
              "marketing", "--refuse", "--json")
    assert res.code == 0, res.err
    assert res.json()["user_key"] == native_key(settings, "knowledge", "K42")
    assert "K42" not in res.out
    zh = cli("--lang", "zh-CN", "consent", "set", "--partner", "game", "--user-key", "d" * 32,
             "--purpose", "linking", "--grant")
    assert zh.code == 0 and "已记录" in zh.out
    bad = cli("consent", "set", "--partner", "game", "--user", "x", "--purpose", "spam",
              "--grant")
    assert bad.code == 2 and "unknown purpose" in bad.err_flat


def test_psi_join_without_a_server_is_a_clear_error(cli, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import write

    k = write(tmp_path / "k.csv", "user_id,phone\nu1,13800138000\n")
    monkeypatch.setenv("CROSSPLAY_PSI_API_KEY", "cp_0123456789ab_" + "k" * 43)
    res = cli("psi", "join", "--partner", "knowledge", "--contacts", k, "--url",
              "http://127.0.0.1:9")
    assert res.code == 2 and "cannot reach" in res.err_flat
