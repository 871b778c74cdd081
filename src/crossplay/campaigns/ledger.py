"""The points ledger: double-entry, idempotent, never negative, exact under concurrency.

Every write is a *request* carrying an idempotency key. The request runs in one database
transaction that locks the person accounts it touches, checks that its key is unused (a used
key returns the first result and writes nothing; a used key with a different request is
refused), checks balances, and writes a transaction row, postings summing to zero per
currency, lots and balances together. Serialisation failures and deadlocks (PostgreSQL) and
a busy database (SQLite) are retried with backoff; a request either happens once or not at all.

Credits (``earn``, campaign awards) carry their parameters as data too (``Request.batch``);
with group commit on (the default) the credits submitted at the same time are
decided and written together in one transaction by :mod:`crossplay.campaigns.group_commit`,
with the same per-request outcomes as above, and one commit for all of them.

Accounts: one per person and currency (``person`` accounts, never negative, with a recorded
debt) and system accounts: ``issuer`` (the source of all points; may be negative),
``budget:<campaign>#<shard>`` (:mod:`crossplay.campaigns.budget`), ``hold:<campaign>``
(reserved for a redemption),
``redeemed:<campaign>``, ``spent``, ``expired``, ``fees``, ``pool:<currency>`` (exchange).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from crossplay.campaigns import postings as p
from crossplay.campaigns import tables as t
from crossplay.campaigns.errors import IdempotencyConflict, LedgerError

if TYPE_CHECKING:
    from crossplay.campaigns.group_commit import CreditPlan, GroupCommitter

#: an operation: runs inside the transaction once the key is known to be new; returns
#: the JSON-able result stored with the transaction
Operation = Callable[[Connection, int, int], dict[str, Any]]

#: serialisation failure, deadlock, too many connections (nothing was written: run again)
_RETRYABLE_SQLSTATE = {"40001", "40P01", "53300"}
MAX_ATTEMPTS = 30


@dataclass(frozen=True)
class TxResult:
    """What a request did (or, with ``replayed``, what its first run did)."""

    tx_id: int
    key: str
    kind: str
    result: dict[str, Any]
    replayed: bool = False


@dataclass(frozen=True)
class Request:
    """A ledger request: its key, kind, canonical parameters, persons to lock, operation."""

    key: str
    kind: str
    params: dict[str, Any]
    persons: tuple[tuple[str, str], ...]  # (person, currency) accounts to lock first
    op: Callable[[Connection, int, int, dict[tuple[str, str], p.Account], p.Locked],
                 dict[str, Any]]
    campaign_id: str | None = None
    ts: int | None = None
    #: the same request as data (a credit), so :mod:`crossplay.campaigns.group_commit`
    #: can write it with others in one transaction; None: only ``op`` can run it
    batch: CreditPlan | None = None


class RetryTransaction(Exception):
    """Raised inside a request to roll its transaction back and run it again (e.g. to take
    locks in a different order); :func:`run_retrying` obliges."""


def _retryable(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", None)
    state = getattr(orig, "sqlstate", None)
    if state in _RETRYABLE_SQLSTATE:
        return True
    text = str(orig or exc).lower()
    return any(m in text for m in ("database is locked", "database table is locked",
                                   "too many clients already"))


def _duplicate_key(exc: IntegrityError) -> bool:
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) == "23505":
        return True
    return "unique constraint failed" in str(orig or exc).lower()


def run_retrying(engine: Engine, body: Callable[[Connection], Any]) -> Any:
    """Run ``body`` in one transaction; retry serialisation failures, deadlocks, busy DB."""
    for attempt in range(MAX_ATTEMPTS):
        try:
            with engine.connect() as con:
                committed = False
                try:
                    with con.begin():
                        out = body(con)
                    committed = True
                    return out
                finally:
                    p.promote_accounts(con, committed)
        except IntegrityError as exc:
            # a concurrent request took the same idempotency key first: run again, the
            # key check will now find it and return its result
            if not _duplicate_key(exc) or attempt == MAX_ATTEMPTS - 1:
                raise
        except DBAPIError as exc:
            if not _retryable(exc) or attempt == MAX_ATTEMPTS - 1:
                raise
        except RetryTransaction:
            if attempt == MAX_ATTEMPTS - 1:
                raise LedgerError("the request could not settle; try again",
                                  code="campaign_ledger_retries", params={}) from None
            continue
        time.sleep(min(0.2, 0.002 * 2 ** min(attempt, 7)) * random.random())
    raise LedgerError("the database stayed busy; try again",  # pragma: no cover
                      code="campaign_ledger_busy", params={})


def _canonical(params: dict[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)


class Ledger:
    """The ledger over an engine (SQLite or PostgreSQL), schema already ensured."""

    def __init__(self, engine: Engine, *, clock: Callable[[], int] = p.now_us,
                 group_commit: bool | None = None) -> None:
        """``group_commit`` (default: on) writes concurrent credits (earns, awards) in
        shared transactions (:mod:`crossplay.campaigns.group_commit`); off, every request
        is its own transaction."""
        from crossplay.campaigns.group_commit import committer

        self.engine = engine
        self.clock = clock
        if group_commit is None:
            group_commit = True
        self.committer: GroupCommitter | None = committer(engine) if group_commit else None

    # --- running requests -------------------------------------------------------------

    def execute(self, con: Connection, req: Request) -> TxResult:
        """Run one request inside the caller's transaction (see :meth:`submit`)."""
        ts = req.ts if req.ts is not None else self.clock()
        accs, locked = p.lock_person_accounts(con, req.persons)
        request = _canonical({"kind": req.kind, **req.params})
        # claim the key: a used key inserts nothing (a concurrent claimant waits for the
        # first to commit or roll back), then we return the first result
        new_id = con.execute(p.insert_ignoring_duplicates(con, t.transactions, {
            "idem_key": req.key, "kind": req.kind, "campaign_id": req.campaign_id, "ts": ts,
            "request": request, "result": "{}"}).returning(t.transactions.c.id)).scalar()
        if new_id is None:
            row = con.execute(select(t.transactions.c.id, t.transactions.c.kind,
                                     t.transactions.c.request, t.transactions.c.result)
                              .where(t.transactions.c.idem_key == req.key)).one()
            if row[2] != request:
                raise IdempotencyConflict(
                    f"idempotency key {req.key!r} was used for a different request",
                    code="idempotency_conflict", params={"key": req.key})
            return TxResult(int(row[0]), req.key, str(row[1]), json.loads(row[3]), True)
        tx_id = int(new_id)
        result = req.op(con, tx_id, ts, accs, locked)
        con.execute(update(t.transactions).where(t.transactions.c.id == tx_id)
                    .values(result=_canonical(result)))
        p.flush_system(con, locked)  # the hot rows last: locked for the shortest time
        return TxResult(tx_id, req.key, req.kind, result)

    def submit(self, req: Request) -> TxResult:
        """Run one request, with retries. Idempotent on its key.

        A credit (``req.batch``) goes through the group committer when it is on: it is
        written together with the credits that arrive at the same time, one commit for
        all; what the group hands back runs here on its own, as every other request does.
        """
        if self.committer is not None and req.batch is not None:
            from crossplay.campaigns.group_commit import GENERIC, Done, item_of

            outcome = self.committer.run(item_of(req, self.clock()))
            if isinstance(outcome, Done):
                return TxResult(outcome.tx_id, req.key, outcome.kind, outcome.result,
                                outcome.replayed)
            if isinstance(outcome, LedgerError):
                raise outcome
            assert outcome is GENERIC
        result: TxResult = run_retrying(self.engine, lambda con: self.execute(con, req))
        return result

    def submit_many(self, reqs: Sequence[Request], *,
                    stop_on: type[LedgerError] | None = None
                    ) -> list[TxResult | LedgerError | None]:
        """Run requests in ONE transaction (all commit together, or none); a refused
        request (its error in the list) writes nothing and does not stop the others —
        except an error of type ``stop_on``, after which the rest are not run (None)."""
        def body(con: Connection) -> list[TxResult | LedgerError | None]:
            out: list[TxResult | LedgerError | None] = []
            for req in reqs:
                if stop_on is not None and out and isinstance(out[-1], stop_on):
                    out.extend([None] * (len(reqs) - len(out)))
                    break
                nested = con.begin_nested()
                try:
                    out.append(self.execute(con, req))
                    nested.commit()
                except LedgerError as exc:
                    nested.rollback()
                    out.append(exc)
            return out
        results: list[TxResult | LedgerError | None] = run_retrying(self.engine, body)
        return results

    # --- requests ----------------------------------------------------------------------

    def earn_request(self, key: str, person: str, currency: str, amount: int, *,
                     source: str = "issuer", campaign_id: str | None = None,
                     expires_at: int | None = None, ts: int | None = None,
                     kind: str = "earn",
                     after: Callable[[Connection, int, int], None] | None = None,
                     extra: dict[str, Any] | None = None) -> Request:
        """Credit ``amount`` to a person from the system account ``source``.

        A recorded debt (from an earlier reversal) is repaid first, back to ``source``.
        ``after(con, tx_id, ts)`` runs in the same transaction (e.g. an award row).
        """
        _positive(amount)
        from crossplay.campaigns.group_commit import CreditPlan

        def op(con: Connection, tx_id: int, ts: int,
               accs: dict[tuple[str, str], p.Account], locked: p.Locked) -> dict[str, Any]:
            result = credit(con, tx_id, ts, accs[(person, currency)],
                            p.account(con, "system", source, currency), amount, locked,
                            expires_at)
            if after is not None:
                after(con, tx_id, ts)
            return result

        return Request(key, kind, {"person": person, "currency": currency, "amount": amount,
                                   "source": source, "expires_at": expires_at,
                                   **(extra or {})},
                       ((person, currency),), op, campaign_id=campaign_id, ts=ts,
                       batch=(CreditPlan(person, currency, amount, source, expires_at)
                              if after is None else None))

    def earn(self, key: str, person: str, currency: str, amount: int, *,
             source: str = "issuer", campaign_id: str | None = None,
             expires_at: int | None = None, ts: int | None = None) -> TxResult:
        return self.submit(self.earn_request(key, person, currency, amount, source=source,
                                             campaign_id=campaign_id,
                                             expires_at=expires_at, ts=ts))

    def fund(self, key: str, account: str, currency: str, amount: int, *,
             ts: int | None = None, campaign_id: str | None = None) -> TxResult:
        """Move ``amount`` from the issuer into a system account (a campaign budget)."""
        _positive(amount)

        def op(con: Connection, tx_id: int, ts: int,
               accs: dict[tuple[str, str], p.Account], locked: p.Locked) -> dict[str, Any]:
            issuer = p.account(con, "system", "issuer", currency)
            dst = p.account(con, "system", account, currency)
            p.post(con, tx_id, ts, [(issuer, -amount), (dst, amount)], locked)
            return {"amount": amount}

        return self.submit(Request(key, "fund", {"account": account, "currency": currency,
                                                 "amount": amount}, (), op,
                                   campaign_id=campaign_id, ts=ts))

    def spend(self, key: str, person: str, currency: str, amount: int, *,
              sink: str = "spent", ts: int | None = None) -> TxResult:
        """Take ``amount`` from a person (oldest lots first) into the system account ``sink``."""
        _positive(amount)

        def op(con: Connection, tx_id: int, ts: int,
               accs: dict[tuple[str, str], p.Account], locked: p.Locked) -> dict[str, Any]:
            acc = accs[(person, currency)]
            dst = p.account(con, "system", sink, currency)
            p.post(con, tx_id, ts, [(acc, -amount), (dst, amount)], locked)
            p.take_lots(con, acc, tx_id, amount)
            return {"amount": amount}

        return self.submit(Request(key, "spend", {"person": person, "currency": currency,
                                                  "amount": amount, "sink": sink},
                                   ((person, currency),), op, ts=ts))

    def exchange(self, key: str, person: str, from_currency: str, to_currency: str,
                 amount: int, *, rate: Decimal, fee_rate: Decimal = Decimal(0),
                 ts: int | None = None) -> TxResult:
        """Convert ``amount`` of a person's ``from_currency`` into ``to_currency``.

        ``fee = ceil(amount * fee_rate)`` goes to ``fees``; the person receives
        ``floor((amount - fee) * rate)``; both sides go through ``pool:<currency>``
        accounts so postings sum to zero in each currency.
        """
        _positive(amount)
        if from_currency == to_currency:
            raise LedgerError("exchange needs two different currencies",
                              code="campaign_exchange_same_currency", params={})
        if rate <= 0 or not (0 <= fee_rate < 1):
            raise LedgerError("exchange rate must be > 0 and fee rate in [0, 1)",
                              code="campaign_exchange_rate", params={})
        fee = int((Decimal(amount) * fee_rate).to_integral_value(ROUND_CEILING))
        received = int((Decimal(amount - fee) * rate).to_integral_value(ROUND_FLOOR))
        if received <= 0:
            raise LedgerError(f"{amount} {from_currency} buys nothing at rate {rate}",
                              code="campaign_exchange_nothing",
                              params={"amount": amount, "currency": from_currency,
                                      "rate": str(rate)})

        def op(con: Connection, tx_id: int, ts: int,
               accs: dict[tuple[str, str], p.Account], locked: p.Locked) -> dict[str, Any]:
            src = accs[(person, from_currency)]
            dst = accs[(person, to_currency)]
            pool_from = p.account(con, "system", f"pool:{from_currency}", from_currency)
            fees = p.account(con, "system", "fees", from_currency)
            pool_to = p.account(con, "system", f"pool:{to_currency}", to_currency)
            p.post(con, tx_id, ts, [(src, -amount), (pool_from, amount - fee), (fees, fee),
                                    (pool_to, -received), (dst, received)], locked)
            p.take_lots(con, src, tx_id, amount)
            p.add_lot(con, dst, tx_id, received, ts, None)
            return {"amount": amount, "fee": fee, "received": received}

        return self.submit(Request(
            key, "exchange", {"person": person, "from": from_currency, "to": to_currency,
                              "amount": amount, "rate": str(rate), "fee_rate": str(fee_rate)},
            ((person, from_currency), (person, to_currency)), op, ts=ts))

    def reverse(self, key: str, original_key: str, *, ts: int | None = None) -> TxResult:
        """Claw back the points an ``earn`` (or award) gave: what the balance covers is
        taken back (that transaction's lot first), the rest is recorded as debt, repaid
        from the person's next earnings. A transaction is reversed at most once."""
        with self.engine.connect() as con:
            row = con.execute(select(t.transactions.c.request)
                              .where(t.transactions.c.idem_key == original_key)).first()
        if row is None:
            raise LedgerError(f"no transaction with key {original_key!r} to reverse",
                              code="campaign_nothing_to_reverse", params={"key": original_key})
        orig = json.loads(row[0])
        if "person" not in orig or "currency" not in orig:
            raise LedgerError(f"transaction {original_key!r} is not an earning",
                              code="campaign_not_an_earning", params={"key": original_key})
        return self.submit(self.reverse_request(key, original_key, str(orig["person"]),
                                                str(orig["currency"]), ts=ts))

    def reverse_request(self, key: str, original_key: str, person: str, currency: str, *,
                        ts: int | None = None) -> Request:
        """The request behind :meth:`reverse` (the original is read inside the transaction,
        under the person's lock, so two reversals of one earning cannot both pass)."""
        def op(con: Connection, tx_id: int, ts: int,
               accs: dict[tuple[str, str], p.Account], locked: p.Locked) -> dict[str, Any]:
            row = con.execute(select(t.transactions.c.id, t.transactions.c.kind,
                                     t.transactions.c.request, t.transactions.c.result)
                              .where(t.transactions.c.idem_key == original_key)).first()
            if row is None:
                raise LedgerError(f"no transaction with key {original_key!r} to reverse",
                                  code="campaign_nothing_to_reverse",
                                  params={"key": original_key})
            orig_id, orig_req, orig_res = int(row[0]), json.loads(row[2]), json.loads(row[3])
            if str(row[1]) not in ("earn", "award"):
                raise LedgerError(f"only earnings can be reversed, not {row[1]}",
                                  code="campaign_reverse_kind", params={"kind": row[1]})
            if (orig_req["person"], orig_req["currency"]) != (person, currency):
                raise LedgerError(f"transaction {original_key!r} is not {person}'s {currency}",
                                  code="campaign_reverse_owner",
                                  params={"key": original_key, "person": person,
                                          "currency": currency})
            if con.execute(select(t.transactions.c.id)
                           .where(t.transactions.c.reverses == orig_id)).first() is not None:
                raise LedgerError("that transaction was already reversed",
                                  code="campaign_already_reversed", params={})
            con.execute(update(t.transactions).where(t.transactions.c.id == tx_id)
                        .values(reverses=orig_id))
            amount = int(orig_res["amount"])
            acc = accs[(person, currency)]
            # an award records the budget shard it drew from in its result; an earn names
            # its source account in the request
            source = orig_res.get("source") or orig_req["source"]
            src = p.account(con, "system", str(source), currency)
            taken = min(amount, locked.balance[acc.id])
            debt = amount - taken
            p.post(con, tx_id, ts, [(acc, -taken), (src, taken)], locked)
            p.take_lots(con, acc, tx_id, taken, first_tx=orig_id)
            if debt:
                p.set_debt(con, acc, locked, locked.debt[acc.id] + debt)
            return {"amount": amount, "clawed_back": taken, "debt": debt}

        return Request(key, "reverse", {"original": original_key}, ((person, currency),), op,
                       ts=ts)

    def expire(self, now: int | None = None) -> list[TxResult]:
        """The expiry job: every lot past its expiry moves what is left to ``expired``.

        One idempotent request per lot (key ``expire:lot:<id>``): rerunning is harmless.
        """
        at = self.clock() if now is None else now
        with self.engine.connect() as con:
            rows = con.execute(
                select(t.lots.c.id, t.accounts.c.holder, t.accounts.c.currency)
                .join(t.accounts, t.accounts.c.id == t.lots.c.account_id)
                .where(t.lots.c.expires_at <= at, t.lots.c.remaining > 0)
                .order_by(t.lots.c.id)).all()
        out = []
        for lot_id, holder, currency in rows:
            out.append(self.submit(self._expire_request(int(lot_id), str(holder),
                                                        str(currency), at)))
        return out

    def _expire_request(self, lot_id: int, person: str, currency: str, at: int) -> Request:
        def op(con: Connection, tx_id: int, ts: int,
               accs: dict[tuple[str, str], p.Account], locked: p.Locked) -> dict[str, Any]:
            acc = accs[(person, currency)]
            left = int(con.execute(select(t.lots.c.remaining)
                                   .where(t.lots.c.id == lot_id)).scalar_one())
            expired = p.account(con, "system", "expired", currency)
            if left:
                p.post(con, tx_id, ts, [(acc, -left), (expired, left)], locked)
                con.execute(update(t.lots).where(t.lots.c.id == lot_id).values(remaining=0))
                con.execute(insert(t.lot_moves).values(tx_id=tx_id, lot_id=lot_id,
                                                       amount=left))
            return {"lot": lot_id, "amount": left}

        return Request(f"expire:lot:{lot_id}", "expire", {"lot": lot_id},
                       ((person, currency),), op, ts=at)

    # --- reads ---------------------------------------------------------------------------

    def _account_value(self, column: Any, kind: str, holder: str, currency: str) -> int:
        """One column of an account (0 when the account does not exist yet)."""
        c = t.accounts.c
        with self.engine.connect() as con:
            value = con.execute(select(column).where(
                c.kind == kind, c.holder == holder, c.currency == currency)).scalar()
        return 0 if value is None else int(value)

    def balance(self, person: str, currency: str, *, as_of: int | None = None) -> int:
        """A person's balance now (the maintained balance) or as of a time (from postings)."""
        if as_of is None:
            return self._account_value(t.accounts.c.balance, "person", person, currency)
        with self.engine.connect() as con:
            acc = p.find_account(con, "person", person, currency)
            return 0 if acc is None else p.balance_as_of(con, acc.id, as_of)

    def system_balance(self, name: str, currency: str) -> int:
        return self._account_value(t.accounts.c.balance, "system", name, currency)

    def debt(self, person: str, currency: str) -> int:
        return self._account_value(t.accounts.c.debt, "person", person, currency)

    def statement(self, person: str, currency: str, *, start: int | None = None,
                  end: int | None = None) -> list[dict[str, Any]]:
        """A person's postings in ``[start, end]`` with the running balance after each."""
        with self.engine.connect() as con:
            acc = p.find_account(con, "person", person, currency)
            if acc is None:
                return []
            opening = p.balance_as_of(con, acc.id, start - 1) if start is not None else 0
            q = (select(t.postings.c.ts, t.postings.c.amount, t.transactions.c.kind,
                        t.transactions.c.idem_key)
                 .join(t.transactions, t.transactions.c.id == t.postings.c.tx_id)
                 .where(t.postings.c.account_id == acc.id)
                 .order_by(t.postings.c.ts, t.postings.c.id))
            if start is not None:
                q = q.where(t.postings.c.ts >= start)
            if end is not None:
                q = q.where(t.postings.c.ts <= end)
            rows = con.execute(q).all()
        out = []
        running = opening
        for ts, amount, kind, key in rows:
            running += int(amount)
            out.append({"ts": int(ts), "amount": int(amount), "kind": str(kind),
                        "key": str(key), "balance": running})
        return out


def credit(con: Connection, tx_id: int, ts: int, acc: p.Account, src: p.Account, amount: int,
           locked: p.Locked, expires_at: int | None) -> dict[str, Any]:
    """Post ``amount`` from ``src`` to a person (repaying recorded debt first) with a lot."""
    debt = locked.debt[acc.id]
    repaid = min(debt, amount)
    p.post(con, tx_id, ts, [(src, -amount), (acc, amount - repaid), (src, repaid)]
           if repaid else [(src, -amount), (acc, amount)], locked)
    if repaid:
        p.set_debt(con, acc, locked, debt - repaid)
    p.add_lot(con, acc, tx_id, amount - repaid, ts, expires_at)
    return {"amount": amount, "credited": amount - repaid, "debt_repaid": repaid}


def _positive(amount: int) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise LedgerError(f"amount must be a positive integer, got {amount!r}",
                          code="campaign_amount", params={"amount": amount})
