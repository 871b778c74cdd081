"""A campaign's budget, split into shard accounts so concurrent awards do not queue on one row.

Every award updates the budget, and an updated row stays locked until its transaction
commits; with one budget account all awards of a campaign would commit one after another.
The budget is therefore held in :data:`SHARDS` system accounts ``budget:<campaign>#<k>``; a
person's awards draw from shard ``crc32(person) % SHARDS``. When that shard cannot cover an
award, the award locks every shard (ascending id) and moves what is missing from the others
first, so an award is refused only when the *whole* budget left is smaller than it — the
same rule as one account, and what ``campaign simulate`` assumes.
"""

from __future__ import annotations

import zlib

from sqlalchemy import Connection, Engine, func, select

from crossplay.campaigns import postings as p
from crossplay.campaigns import tables as t
from crossplay.campaigns.errors import BudgetExhausted
from crossplay.campaigns.ledger import Ledger, Request, RetryTransaction

SHARDS = 8


def shard_name(campaign_id: str, k: int) -> str:
    return f"budget:{campaign_id}#{k}"


def shard_of(campaign_id: str, person: str) -> str:
    """The shard a person's awards draw from (stable across processes)."""
    return shard_name(campaign_id, zlib.crc32(person.encode("utf-8")) % SHARDS)


def _holders(campaign_id: str) -> list[str]:
    return [shard_name(campaign_id, k) for k in range(SHARDS)]


def left(engine: Engine, campaign_id: str, currency: str) -> int:
    """Points left in the budget (all shards)."""
    with engine.connect() as con:
        return int(con.execute(select(func.coalesce(func.sum(t.accounts.c.balance), 0)).where(
            t.accounts.c.kind == "system", t.accounts.c.currency == currency,
            t.accounts.c.holder.in_(_holders(campaign_id)))).scalar_one())


def funded(engine: Engine, campaign_id: str) -> int:
    """Points moved into the budget by ``fund`` transactions so far."""
    with engine.connect() as con:
        return int(con.execute(
            select(func.coalesce(func.sum(t.postings.c.amount), 0))
            .join(t.transactions, t.transactions.c.id == t.postings.c.tx_id)
            .join(t.accounts, t.accounts.c.id == t.postings.c.account_id)
            .where(t.transactions.c.kind == "fund",
                   t.accounts.c.holder.in_(_holders(campaign_id)))).scalar_one())


def fund(ledger: Ledger, campaign_id: str, currency: str, total: int) -> None:
    """Top the budget up to ``total`` points (idempotent), spread evenly over the shards."""
    missing = total - funded(ledger.engine, campaign_id)
    if missing <= 0:
        return
    parts = [missing // SHARDS + (1 if k < missing % SHARDS else 0) for k in range(SHARDS)]

    def op(con: Connection, tx_id: int, ts: int, accs: dict[tuple[str, str], p.Account],
           locked: p.Locked) -> dict[str, int]:
        issuer = p.account(con, "system", "issuer", currency)
        entries = [(issuer, -missing)] + [
            (p.account(con, "system", shard_name(campaign_id, k), currency), n)
            for k, n in enumerate(parts)]
        p.post(con, tx_id, ts, entries, locked)
        return {"amount": missing}

    ledger.submit(Request(f"{campaign_id}:fund-to:{total}", "fund",
                          {"campaign": campaign_id, "total": total, "amount": missing}, (),
                          op, campaign_id=campaign_id))


def draw(con: Connection, campaign_id: str, currency: str, person: str, amount: int,
         tx_id: int, ts: int, locked: p.Locked, slow: list[bool]) -> p.Account:
    """The person's shard, locked and holding at least ``amount`` (topped up from the other
    shards when needed, in this transaction); BudgetExhausted when the budget cannot.

    ``slow`` (one flag, kept across the request's attempts) says to take the slow path.
    """
    shard = p.account(con, "system", shard_of(campaign_id, person), currency)
    balance = select(t.accounts.c.balance).where(t.accounts.c.id == shard.id)
    if not slow[0] and int(con.execute(balance).scalar_one()) >= amount:  # unlocked peek
        if int(con.execute(balance.with_for_update()).scalar_one()) >= amount:
            return shard
        # raced to this shard's last points while holding its lock: locking the others
        # now would break the lock order — run the request again on the slow path
        slow[0] = True
        raise RetryTransaction()
    # the slow path takes every shard in ascending id order, holding none before
    accs = [p.account(con, "system", h, currency) for h in _holders(campaign_id)]
    rows: dict[int, int] = {
        int(i): int(b) for i, b in con.execute(
            select(t.accounts.c.id, t.accounts.c.balance)
            .where(t.accounts.c.id.in_([a.id for a in accs]))
            .order_by(t.accounts.c.id).with_for_update()).all()}
    if sum(rows.values()) < amount:
        raise BudgetExhausted(f"the budget of {campaign_id} has less than {amount} "
                              f"{currency} left", code="campaign_budget_short",
                              params={"campaign": campaign_id, "amount": amount,
                                      "currency": currency})
    need = amount - rows[shard.id]  # as read under the lock, not the unlocked peek
    moves: list[tuple[p.Account, int]] = []
    for acc in sorted(accs, key=lambda a: a.id):
        if acc.id == shard.id or need == 0:
            continue
        take = min(need, rows[acc.id])
        if take:
            moves += [(acc, -take), (shard, take)]
            need -= take
    p.post(con, tx_id, ts, moves, locked)
    return shard
