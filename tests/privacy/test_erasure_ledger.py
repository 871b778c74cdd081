"""`crossplay forget` of a person the campaigns have paid: the books still balance, nobody
else's numbers move, and no text anywhere names the person.

Before, a person with a single ledger posting could not be forgotten at all: deleting
their account broke the postings' foreign key (the erasure died with an IntegrityError on
PostgreSQL and SQLite alike), and the ledger's idempotency keys, canonical requests and
outbox payloads hold the person id inside their text. Now accounts, awards and
redemptions keep their rows under a random tombstone, and every text naming the person
names the tombstone instead.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from crossplay.campaigns import tables as t
from crossplay.campaigns.document import load_campaign, sample_path
from crossplay.campaigns.engine import apply
from crossplay.campaigns.invariants import violations
from crossplay.campaigns.ledger import Ledger
from crossplay.campaigns.redemption import confirm, reserve
from crossplay.campaigns.status import campaign_status
from crossplay.opdb import get_engine
from crossplay.privacy.audit import verify
from crossplay.privacy.keys import native_key
from tests.conftest import CliRunner, LoadedWorld
from tests.privacy.test_consent_links import _truth_people
from tests.privacy.test_erasure import _everywhere


def _balances(engine: Engine) -> dict[tuple[str, str, str], int]:
    with engine.connect() as con:
        rows = con.execute(select(t.accounts.c.kind, t.accounts.c.holder,
                                  t.accounts.c.currency, t.accounts.c.balance)).all()
    return {(r.kind, r.holder, r.currency): int(r.balance) for r in rows}


def _stock(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as con:
        return [tuple(r) for r in con.execute(select(
            t.rewards.c.reward_id, t.rewards.c.stock, t.rewards.c.reserved,
            t.rewards.c.redeemed).order_by(t.rewards.c.reward_id)).all()]


def test_forget_a_paid_person_keeps_the_books_and_everyone_else(
        cli: CliRunner, op_db_url: str, fresh_world: LoadedWorld,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSPLAY_DB_URL", op_db_url)
    s = fresh_world.settings(db_url=op_db_url)
    campaign = load_campaign(sample_path())
    first = apply(s, campaign)
    assert first.awarded > 0
    engine = get_engine(s)
    # the best-paid person: their knowledge native id, from the world's ground truth
    with engine.connect() as con:
        pid, points = con.execute(
            select(t.awards.c.person_id, func.sum(t.awards.c.amount).label("points"))
            .group_by(t.awards.c.person_id).order_by(func.sum(t.awards.c.amount).desc(),
                                                      t.awards.c.person_id)).first()
    ledger = Ledger(engine)
    held = reserve(ledger, "erasure-test:reserve", campaign.id, "course_coupon", pid)
    confirm(ledger, "erasure-test:confirm", int(held.result["redemption"]))

    from crossplay.warehouse.duck import connect

    con = connect(s)
    try:
        k_key = con.sql(f"SELECT k_user_key FROM links_current WHERE person_id = '{pid}'"
                        ).fetchall()[0][0]
    finally:
        con.close()
    k_uid = next(str(p["k_uid"]) for p in _truth_people(fresh_world)
                 if p["k_uid"] is not None and native_key(s, "knowledge", str(p["k_uid"]))
                 == k_key)

    status_before = campaign_status(s, campaign.id)
    balances_before = _balances(engine)
    stock_before = _stock(engine)
    needles = [pid, k_key, k_uid]
    assert any(w.startswith("db:ledger") for w in _everywhere(fresh_world.data_dir,
                                                               needles, s))

    res = cli("--data-dir", str(fresh_world.data_dir), "forget", "--partner", "knowledge",
              "--user", k_uid, "--json", data=False)
    assert res.code == 0, res.err
    report = res.json()
    assert report["db_rows"]["ledger_accounts"] >= 1
    assert report["db_rows"]["ledger_transactions.idem_key"] >= 1

    # no row, no text, no file names the person any more
    assert _everywhere(fresh_world.data_dir, needles, s) == []
    # the books balance, and every total the partners read is what it was
    assert violations(engine) == []
    after = campaign_status(s, campaign.id)
    assert (after.cost.issued, after.by_day, after.persons) == (
        status_before.cost.issued, status_before.by_day, status_before.persons)
    assert _stock(engine) == stock_before
    balances_after = _balances(engine)
    kept = {k: v for k, v in balances_before.items() if k[1] != pid}
    assert {k: balances_after[k] for k in kept} == kept  # everyone else's balance
    tomb = {k: v for k, v in balances_after.items() if k not in kept}
    assert sorted(tomb.values()) == sorted(v for k, v in balances_before.items()
                                           if k[1] == pid)
    assert all(k[1].startswith("erased-") for k in tomb)
    assert points > 0
    assert verify(s).ok
    # a rerun of the campaign awards nobody twice and the forgotten person nothing
    again = apply(s, campaign)
    assert again.awarded == 0
    assert violations(engine) == []
