"""Ledger primitives inside one database transaction: accounts, locks, postings, lots.

Everything here runs on a :class:`sqlalchemy.Connection` already inside a transaction; the
caller (:mod:`crossplay.campaigns.ledger`) owns idempotency, commits and retries.

Locking discipline (no deadlocks on PostgreSQL): a transaction first locks the *person*
accounts it touches with ``SELECT ... FOR UPDATE`` in ascending id order, does all its
reads and checks, and only then updates *system* accounts (budget, pools, fees — the hot
rows), again in ascending id order, each with one conditional ``UPDATE`` so a hot row is
held for the shortest time. Every transaction takes its locks in that one global order.
On SQLite ``BEGIN IMMEDIATE`` serialises writers and ``FOR UPDATE`` is not rendered.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, and_, func, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from crossplay.campaigns import tables as t
from crossplay.campaigns.errors import BudgetExhausted, InsufficientFunds, LedgerError
from crossplay.core import clock

#: system account names that may go below zero: they issue value into the ledger
ISSUERS = ("issuer", "pool:")


def now_us() -> int:
    """The current time in integer microseconds since the epoch (UTC), from
    :mod:`crossplay.core.clock` (so ``CROSSPLAY_NOW`` and ``clock.use_clock`` move it)."""
    return clock.now_us()


@dataclass(frozen=True)
class Account:
    id: int
    kind: str
    holder: str
    currency: str
    allow_negative: bool


def insert_ignoring_duplicates(con: Connection, table: Table,
                               values: dict[str, Any]) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` for the connection's database (add
    ``.returning(...)`` to learn whether a row was inserted: PostgreSQL's rowcount is -1)."""
    if con.dialect.name == "postgresql":
        return postgresql.insert(table).values(**values).on_conflict_do_nothing()
    return sqlite.insert(table).values(**values).on_conflict_do_nothing()


def insert_ignoring_duplicates_many(con: Connection, table: Table,
                                    rows: Sequence[dict[str, Any]]) -> Any:
    """One multi-row ``INSERT ... ON CONFLICT DO NOTHING`` (add ``.returning(...)`` to learn
    which rows went in): a group commit claims all its keys in one statement."""
    dialect = postgresql if con.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).values(list(rows)).on_conflict_do_nothing()


def _may_go_negative(kind: str, holder: str) -> bool:
    return kind == "system" and holder.startswith(ISSUERS)


#: system account ids known to be committed, per database: (url, holder, currency) -> id.
#: Filled only after the transaction that saw them commits (see :func:`promote_accounts`).
_SYSTEM_IDS: dict[tuple[str, str, str], Account] = {}


def account(con: Connection, kind: str, holder: str, currency: str) -> Account:
    """The account of ``holder`` in ``currency`` (created, race-free, on first use)."""
    if kind == "system":
        cached = _SYSTEM_IDS.get((str(con.engine.url), holder, currency))
        if cached is not None:
            return cached
    row = con.execute(select(t.accounts.c.id, t.accounts.c.allow_negative).where(
        t.accounts.c.kind == kind, t.accounts.c.holder == holder,
        t.accounts.c.currency == currency)).first()
    if row is None:
        values = {"kind": kind, "holder": holder, "currency": currency,
                  "allow_negative": _may_go_negative(kind, holder), "balance": 0, "debt": 0}
        con.execute(insert_ignoring_duplicates(con, t.accounts, values))
        row = con.execute(select(t.accounts.c.id, t.accounts.c.allow_negative).where(
            t.accounts.c.kind == kind, t.accounts.c.holder == holder,
            t.accounts.c.currency == currency)).one()
    acc = Account(int(row[0]), kind, holder, currency, bool(row[1]))
    if kind == "system":
        con.info.setdefault("crossplay_seen_accounts", []).append(acc)
    return acc


def promote_accounts(con: Connection, committed: bool) -> None:
    """After a transaction: remember the system accounts it saw if it committed."""
    seen: list[Account] = con.info.pop("crossplay_seen_accounts", [])
    if committed:
        url = str(con.engine.url)
        for acc in seen:
            _SYSTEM_IDS[(url, acc.holder, acc.currency)] = acc


def forget_accounts() -> None:
    """Drop remembered account ids (after deleting accounts, e.g. in tests)."""
    _SYSTEM_IDS.clear()


def lock_person_accounts(con: Connection, keys: Sequence[tuple[str, str]]
                         ) -> tuple[dict[tuple[str, str], Account], Locked]:
    """Find (or create) and lock person accounts in ascending id order, in one query when
    they all exist; returns them with their balances and debts as read under the lock."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}, Locked({}, {})
    q = (select(t.accounts.c.id, t.accounts.c.holder, t.accounts.c.currency,
                t.accounts.c.balance, t.accounts.c.debt)
         .where(t.accounts.c.kind == "person",
                tuple_(t.accounts.c.holder, t.accounts.c.currency).in_(wanted))
         .order_by(t.accounts.c.id).with_for_update())
    rows = con.execute(q).all()
    if len(rows) < len(wanted):
        have = {(str(r[1]), str(r[2])) for r in rows}
        for holder, currency in wanted:
            if (holder, currency) not in have:
                con.execute(insert_ignoring_duplicates(con, t.accounts, {
                    "kind": "person", "holder": holder, "currency": currency,
                    "allow_negative": False, "balance": 0, "debt": 0}))
        rows = con.execute(q).all()
    accs = {(str(r[1]), str(r[2])): Account(int(r[0]), "person", str(r[1]), str(r[2]), False)
            for r in rows}
    return accs, Locked({int(r[0]): int(r[3]) for r in rows}, {int(r[0]): int(r[4]) for r in rows})


def find_account(con: Connection, kind: str, holder: str, currency: str) -> Account | None:
    row = con.execute(select(t.accounts.c.id, t.accounts.c.allow_negative).where(
        t.accounts.c.kind == kind, t.accounts.c.holder == holder,
        t.accounts.c.currency == currency)).first()
    return None if row is None else Account(int(row[0]), kind, holder, currency, bool(row[1]))


@dataclass
class Locked:
    """Person accounts locked for this transaction: balance and debt as read under lock;
    and the system-account changes still to apply (:func:`flush_system`)."""

    balance: dict[int, int]
    debt: dict[int, int]
    system: dict[int, int] = field(default_factory=dict)
    system_accounts: dict[int, Account] = field(default_factory=dict)


def post(con: Connection, tx_id: int, ts: int,
         entries: Sequence[tuple[Account, int]], locked: Locked) -> None:
    """Write postings and move balances; refuses any posting set not summing to zero.

    Person accounts must be in ``locked``; their new balance is checked here (never
    negative). System-account changes are collected in ``locked`` and applied by
    :func:`flush_system` at the end of the request.
    """
    per_currency: dict[str, int] = defaultdict(int)
    delta: dict[int, int] = defaultdict(int)
    by_id: dict[int, Account] = {}
    for acc, amount in entries:
        per_currency[acc.currency] += amount
        delta[acc.id] += amount
        by_id[acc.id] = acc
    unbalanced = {c: s for c, s in per_currency.items() if s != 0}
    if unbalanced:
        raise LedgerError(f"postings do not sum to zero: {unbalanced}",
                          code="campaign_unbalanced", params={"unbalanced": unbalanced})
    rows = [{"tx_id": tx_id, "account_id": acc.id, "currency": acc.currency, "amount": amount,
             "ts": ts} for acc, amount in entries if amount != 0]
    if rows:
        con.execute(insert(t.postings), rows)
    for acc_id in sorted(i for i in delta if by_id[i].kind == "person"):
        new = locked.balance[acc_id] + delta[acc_id]
        if new < 0:
            raise InsufficientFunds(
                f"balance {locked.balance[acc_id]} of {by_id[acc_id].currency} is less "
                f"than {-delta[acc_id]}", code="insufficient_funds",
                params={"balance": locked.balance[acc_id], "currency": by_id[acc_id].currency,
                        "amount": -delta[acc_id]})
        locked.balance[acc_id] = new
        if delta[acc_id]:
            con.execute(update(t.accounts).where(t.accounts.c.id == acc_id)
                        .values(balance=new))
    for acc_id in (i for i in delta if by_id[i].kind == "system"):
        locked.system[acc_id] = locked.system.get(acc_id, 0) + delta[acc_id]
        locked.system_accounts[acc_id] = by_id[acc_id]


def flush_system(con: Connection, locked: Locked) -> None:
    """Apply the request's system-account changes, in id order, as its last statements:
    these are the hot rows (a campaign budget, a hold account), locked from here to commit.

    A non-issuing account never goes below zero: the conditional update refuses it.
    """
    pending, locked.system = locked.system, {}
    for acc_id in sorted(pending):
        d = pending[acc_id]
        acc = locked.system_accounts[acc_id]
        if d == 0:
            continue
        stmt = update(t.accounts).where(t.accounts.c.id == acc_id).values(
            balance=t.accounts.c.balance + d)
        if d < 0 and not acc.allow_negative:
            stmt = stmt.where(t.accounts.c.balance >= -d)
            if con.execute(stmt).rowcount != 1:
                raise BudgetExhausted(f"{acc.holder} has less than {-d} {acc.currency} left",
                                      code="campaign_account_short",
                                      params={"holder": acc.holder, "amount": -d,
                                              "currency": acc.currency})
        else:
            con.execute(stmt)


def set_debt(con: Connection, acc: Account, locked: Locked, debt: int) -> None:
    locked.debt[acc.id] = debt
    con.execute(update(t.accounts).where(t.accounts.c.id == acc.id).values(debt=debt))


def add_lot(con: Connection, acc: Account, tx_id: int, amount: int, ts: int,
            expires_at: int | None) -> None:
    if amount > 0:
        con.execute(insert(t.lots).values(account_id=acc.id, tx_id=tx_id, amount=amount,
                                          remaining=amount, earned_at=ts,
                                          expires_at=expires_at))


def take_lots(con: Connection, acc: Account, tx_id: int, amount: int,
              first_tx: int | None = None) -> None:
    """Consume ``amount`` from the account's open lots, oldest first (``first_tx``'s lots
    before all others: a reversal claws back the points of the transaction it reverses).

    The caller holds the account's lock, so no other transaction changes these lots.
    """
    if amount <= 0:
        return
    rows = con.execute(
        select(t.lots.c.id, t.lots.c.remaining, t.lots.c.tx_id)
        .where(t.lots.c.account_id == acc.id, t.lots.c.remaining > 0)
        .order_by(t.lots.c.earned_at, t.lots.c.id)).all()
    if first_tx is not None:
        rows = sorted(rows, key=lambda r: 0 if r[2] == first_tx else 1)
    left = amount
    moves = []
    for lot_id, remaining, _tx in rows:
        take = min(left, int(remaining))
        con.execute(update(t.lots).where(t.lots.c.id == lot_id)
                    .values(remaining=t.lots.c.remaining - take))
        moves.append({"tx_id": tx_id, "lot_id": lot_id, "amount": take})
        left -= take
        if left == 0:
            break
    if left:
        raise LedgerError(f"lots of account {acc.id} hold {amount - left}, less than {amount}",
                          code="campaign_lots_short",
                          params={"account": acc.id, "held": amount - left, "amount": amount})
    con.execute(insert(t.lot_moves), moves)


def restore_lots(con: Connection, from_tx: int, tx_id: int, now: int) -> tuple[int, int]:
    """Give back what ``from_tx`` took from lots: to the lots still alive at ``now``.

    Returns ``(restored, expired)``: the part whose lot has expired meanwhile is not put
    back (it goes to the expired account: those points would have expired anyway).
    """
    rows = con.execute(
        select(t.lot_moves.c.lot_id, t.lot_moves.c.amount, t.lots.c.expires_at)
        .join(t.lots, t.lots.c.id == t.lot_moves.c.lot_id)
        .where(t.lot_moves.c.tx_id == from_tx).order_by(t.lot_moves.c.lot_id)).all()
    restored = expired = 0
    moves = []
    for lot_id, amount, expires_at in rows:
        if expires_at is not None and expires_at <= now:
            expired += int(amount)
            continue
        con.execute(update(t.lots).where(t.lots.c.id == lot_id)
                    .values(remaining=t.lots.c.remaining + amount))
        moves.append({"tx_id": tx_id, "lot_id": lot_id, "amount": -int(amount)})
        restored += int(amount)
    if moves:
        con.execute(insert(t.lot_moves), moves)
    return restored, expired


def balance_as_of(con: Connection, acc_id: int, as_of: int | None) -> int:
    q = select(func.coalesce(func.sum(t.postings.c.amount), 0)).where(
        t.postings.c.account_id == acc_id)
    if as_of is not None:
        q = q.where(and_(t.postings.c.ts <= as_of))
    return int(con.execute(q).scalar_one())
