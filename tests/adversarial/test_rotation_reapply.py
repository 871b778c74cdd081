"""Key rotation never re-awards a campaign: ``campaign apply`` -> ``keys rotate`` -> ``apply``.

Person ids are derived from both partners' keys, so a rotation of either partner gives every
linked person a new id. The ledger's idempotency keys and stored requests must follow (they
are re-keyed with everything else), or the second apply awards the same points again under
the new ids. Runs through the CLI, on SQLite and on the real PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from crossplay.campaigns import tables as t
from crossplay.campaigns.document import sample_path
from crossplay.campaigns.invariants import violations
from crossplay.opdb import get_engine
from crossplay.privacy.policy import Purpose, linked_persons_sql
from crossplay.warehouse.duck import connect
from tests.conftest import CliRunner, LoadedWorld

SAMPLE = sample_path()


def _ledger(url: str) -> dict[str, Any]:
    """What the ledger holds, independent of person ids: balances as a multiset, totals."""
    with get_engine(url).connect() as con:
        persons = con.execute(select(t.accounts.c.holder, t.accounts.c.balance)
                              .where(t.accounts.c.kind == "person")).all()
        system = con.execute(select(t.accounts.c.holder, t.accounts.c.balance)
                             .where(t.accounts.c.kind == "system")).all()
        txs = con.execute(select(t.transactions.c.kind)).all()
        checkins = con.execute(select(t.checkins.c.person_id)).all()
    return {"holders": {str(h) for h, _ in persons},
            "balances": Counter(int(b) for _, b in persons),
            "system": sorted((str(h), int(b)) for h, b in system),
            "transactions": Counter(str(k) for (k,) in txs),
            "checkins": len(checkins)}


def _eligible_persons(world: LoadedWorld, url: str) -> set[str]:
    con = connect(world.settings(db_url=url))
    try:
        rows = con.sql(linked_persons_sql(Purpose.MARKETING)).fetchall()
    finally:
        con.close()
    return {str(r[0]) for r in rows}


@pytest.fixture
def world(fresh_world: LoadedWorld, op_db_url: str,
          monkeypatch: pytest.MonkeyPatch) -> tuple[LoadedWorld, str]:
    monkeypatch.setenv("CROSSPLAY_DB_URL", op_db_url)
    return fresh_world, op_db_url


def _apply(cli: CliRunner, world: LoadedWorld) -> dict[str, Any]:
    res = cli("--data-dir", str(world.data_dir), "campaign", "apply", SAMPLE, "--json",
              data=False)
    assert res.code == 0, res.err
    out: dict[str, Any] = res.json()
    return out


def _rotate(cli: CliRunner, world: LoadedWorld, partner: str) -> None:
    res = cli("--data-dir", str(world.data_dir), "keys", "rotate", "--partner", partner,
              "--json", data=False)
    assert res.code == 0, res.err


def _assert_nothing_new(cli: CliRunner, w: LoadedWorld, url: str, first: dict[str, Any],
                        before: dict[str, Any]) -> None:
    again = _apply(cli, w)
    assert again["awarded"] == 0, again  # nothing awarded a second time
    assert again["reversed"] == 0 and again["refused"] == {}
    assert again["already_done"] == first["awarded"] + first["reversed"]
    assert again["budget_left"] == first["budget_left"]
    after = _ledger(url)
    assert after["balances"] == before["balances"]
    assert after["system"] == before["system"]
    assert after["transactions"] == before["transactions"]
    assert after["checkins"] == before["checkins"]
    # the balances moved to the persons' current ids: nobody holds points under an old id
    assert after["holders"] <= _eligible_persons(w, url)
    assert not (after["holders"] & before["holders"])
    assert violations(get_engine(url)) == []


@pytest.mark.slow
def test_reapply_after_key_rotations_awards_nothing_new(
        cli: CliRunner, world: tuple[LoadedWorld, str]) -> None:
    """apply; then rotate game, knowledge, game again — and apply after each rotation."""
    w, url = world
    first = _apply(cli, w)
    assert first["awarded"] > 0 and first["refused"] == {}
    assert _ledger(url)["holders"] <= _eligible_persons(w, url)
    for partner in ("game", "knowledge", "game"):
        before = _ledger(url)
        _rotate(cli, w, partner)
        _assert_nothing_new(cli, w, url, first, before)


@pytest.mark.slow
def test_apply_waits_for_an_interrupted_rotation(
        cli: CliRunner, world: tuple[LoadedWorld, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A rotation that died after re-keying the lake (the ledger still holds the old ids):
    apply refuses until the rotation is finished, then awards nothing new."""
    from crossplay.privacy import rotation

    w, url = world
    first = _apply(cli, w)
    before = _ledger(url)

    def crash(*args: object, **kwargs: object) -> dict[str, int]:
        raise OSError("simulated crash between the lake and the database steps")

    with monkeypatch.context() as m:
        m.setattr(rotation, "_rekey_db", crash)
        with pytest.raises(OSError, match="simulated crash"):
            cli("--data-dir", str(w.data_dir), "keys", "rotate", "--partner", "knowledge",
                data=False)
    for lang in ("en", "zh-CN"):
        refused = cli("--data-dir", str(w.data_dir), "--lang", lang, "campaign", "apply",
                      SAMPLE, data=False)
        assert refused.code == 2 and "rotation_busy" in refused.err_flat
        assert "crossplay keys rotate --partner knowledge" in refused.err_flat
    assert _ledger(url) == before  # the refusal wrote nothing
    _rotate(cli, w, "knowledge")  # resumes from the journal
    _assert_nothing_new(cli, w, url, first, before)
