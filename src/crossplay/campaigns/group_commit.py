"""Group commit for credits (earns and campaign awards): many concurrent requests, one
transaction, a handful of set-based statements.

Why: one award through the generic path (:meth:`Ledger.execute`) is ~12 statements and a
commit, and costs ~4 ms of Python per award on this machine, so one process tops out near
250 awards/s whatever the database does, and every award holds a budget shard from its
update to its commit. Here the requests that arrive while a group is being written queue
up, and the next group takes them all (no timer: an idle ledger runs a group of one at
once). A group is written with a fixed number of statements, whatever its size: lock the
persons (ascending id), lock the system accounts it draws from (ascending id), read the
used keys and the limit counters, decide every request in Python in arrival order (exactly
the rules of the generic path: replays, idempotency conflicts, daily cap, velocity limits,
debt repaid first, lots, the budget shard), then insert the transactions, postings, lots
and award rows and update the balances, each as one multi-row statement, and commit once.

Per-request outcomes: a request refused by a rule (a limit, an idempotency conflict) gets
its own error and writes nothing; the others are unaffected. Anything the fast path does
not decide exactly as the generic path would — a budget shard that cannot cover the award
(the generic path tops it up from the other shards), a non-issuing source account that is
short, a key used twice in one group — is handed back to its caller, who runs it through
the generic path after the group commits. Any database error in the group (a deadlock with
another process, a key claimed meanwhile) rolls the whole group back and every request runs
through the generic path: a group commits whole or not at all, so a crash never leaves
half of one. One visible difference: the group creates the accounts of all its persons
first, so a person whose only request was refused or replayed keeps an empty account (the
generic path rolls it back with the refused request); no balance, posting or lot differs.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import weakref
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    bindparam,
    func,
    insert,
    select,
    tuple_,
    update,
)

from crossplay.campaigns import budget
from crossplay.campaigns import postings as p
from crossplay.campaigns import tables as t
from crossplay.campaigns.document import Campaign, Limits
from crossplay.campaigns.errors import IdempotencyConflict, LedgerError
from crossplay.campaigns.ledger import Request
from crossplay.campaigns.limits import capped, limit_refusal
from crossplay.campaigns.rules import US_PER_HOUR, Award

#: the most requests one group takes (larger queues are written as several groups)
MAX_GROUP = 256


@dataclass(frozen=True)
class AwardPlan:
    """What an award adds to a credit: the limits checked and the row written."""

    campaign_id: str
    rule_id: str
    day: dt.date
    device: str | None
    ts: int
    limits: Limits
    #: the refusal for a limit (its name) — the same error the generic path raises
    refusal: Callable[[str, str], LedgerError]


@dataclass(frozen=True)
class CreditPlan:
    """A credit described as data, so a group can write many at once: ``amount`` to
    ``person`` from the system account ``source``, or (``award``) from the person's shard
    of the campaign budget after the campaign's limits."""

    person: str
    currency: str
    amount: int
    source: str | None = None
    expires_at: int | None = None
    award: AwardPlan | None = None


def award_plan(campaign: Campaign, award: Award) -> CreditPlan:
    """The plan of :func:`crossplay.campaigns.engine.award_request` (same rules)."""
    from crossplay.campaigns.engine import US_PER_DAY, _limit_reached

    expires = (award.ts + campaign.points_expire_days * US_PER_DAY
               if campaign.points_expire_days else None)
    return CreditPlan(award.person, campaign.points, award.amount, None, expires,
                      AwardPlan(campaign.id, award.rule_id, award.day, award.device, award.ts,
                                campaign.limits, _limit_reached))


# --- the outcome of one request in a group ----------------------------------------------

@dataclass
class Item:
    """One queued request; ``outcome`` is set by the group that ran it: a TxResult-like
    tuple, a LedgerError, or :data:`GENERIC` (run it through the generic path)."""

    key: str
    kind: str
    params: dict[str, Any]
    plan: CreditPlan
    campaign_id: str | None
    ts: int
    outcome: Any = None
    lead: bool = False
    wake: threading.Event = field(default_factory=threading.Event)


GENERIC = object()


def item_of(req: Request, ts: int) -> Item:
    """The queue entry of a request that has a plan (``ts``: its time when it has none)."""
    if req.batch is None:
        raise ValueError(f"request {req.key!r} has no plan to run in a group")
    return Item(req.key, req.kind, req.params, req.batch, req.campaign_id,
                req.ts if req.ts is not None else ts)


@dataclass(frozen=True)
class Done:
    """A request the group committed (or found already done: ``replayed``)."""

    tx_id: int
    kind: str
    result: dict[str, Any]
    replayed: bool


def canonical(params: dict[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)


class GroupCommitter:
    """Leader/follower group commit over one engine (shared by every Ledger on it).

    A caller queues its request; if no group is being written it becomes the leader and
    writes groups (front of the queue first) until its own request is done, then hands
    the lead to the oldest waiting request. Followers sleep on their own event.
    """

    def __init__(self, engine: Engine, *, max_group: int = MAX_GROUP) -> None:
        self.engine = engine
        self.max_group = max_group
        self._lock = threading.Lock()
        self._queue: list[Item] = []
        self._leading = False
        #: groups written and requests in them (for tests and the benchmark)
        self.groups = 0
        self.requests = 0
        self.fallbacks = 0

    def run(self, item: Item) -> Any:
        with self._lock:
            self._queue.append(item)
            if not self._leading:
                self._leading = item.lead = True
        while not item.lead:
            item.wake.wait()
            item.wake.clear()
            if item.outcome is not None:
                return item.outcome
        try:
            while item.outcome is None:
                with self._lock:
                    batch = self._queue[:self.max_group]
                    del self._queue[:self.max_group]
                self._write(batch)
                for other in batch:
                    if other is not item:
                        other.wake.set()
        finally:  # even if this thread dies, the lead passes on
            with self._lock:
                if self._queue:
                    nxt = self._queue[0]
                    nxt.lead = True
                    nxt.wake.set()
                else:
                    self._leading = False
        return item.outcome

    def _write(self, batch: list[Item]) -> None:
        try:
            outcomes = write_group(self.engine, batch)
        except Exception:  # the group is rolled back: each request runs on its own
            outcomes = [GENERIC] * len(batch)
            self.fallbacks += 1
        self.groups += 1
        self.requests += len(batch)
        for item, outcome in zip(batch, outcomes, strict=True):
            item.outcome = outcome


_COMMITTERS: weakref.WeakKeyDictionary[Engine, GroupCommitter] = weakref.WeakKeyDictionary()
_COMMITTERS_LOCK = threading.Lock()


def committer(engine: Engine) -> GroupCommitter:
    """The engine's committer (one per engine and process, so every Ledger shares it)."""
    with _COMMITTERS_LOCK:
        found = _COMMITTERS.get(engine)
        if found is None:
            found = _COMMITTERS[engine] = GroupCommitter(engine)
        return found


# --- writing one group -------------------------------------------------------------------

def write_group(engine: Engine, batch: Sequence[Item]) -> list[Any]:
    """Decide and write ``batch`` in one transaction; an outcome per item (see :class:`Item`).
    Raises (nothing written) on any database error."""
    with engine.connect() as con:
        committed = False
        try:
            with con.begin():
                out = _decide_and_write(con, batch)
            committed = True
            return out
        finally:
            p.promote_accounts(con, committed)


@dataclass
class _Counters:
    """Limit counters read for the group, then moved by its earlier awards."""

    day_total: dict[tuple[str, str, dt.date], int] = field(
        default_factory=lambda: defaultdict(int))
    award_ts: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    device_count: dict[tuple[str, str, dt.date], int] = field(
        default_factory=lambda: defaultdict(int))


def _read_counters(con: Connection, items: Sequence[Item]) -> _Counters:
    c = _Counters()
    awards = [i.plan.award for i in items if i.plan.award is not None]
    a = t.awards.c
    caps = {(w.campaign_id, i.plan.person, w.day) for i in items
            if (w := i.plan.award) is not None and w.limits.daily_cap is not None}
    if caps:
        for cid, person, day, total in con.execute(
                select(a.campaign_id, a.person_id, a.local_day, func.sum(a.amount))
                .where(tuple_(a.campaign_id, a.person_id, a.local_day).in_(sorted(caps)))
                .group_by(a.campaign_id, a.person_id, a.local_day)).all():
            c.day_total[(cid, person, day)] = int(total)
    hourly = [(w.campaign_id, i.plan.person, w.ts) for i in items
              if (w := i.plan.award) is not None and w.limits.per_person_per_hour is not None]
    if hourly:
        pairs = sorted({(cid, person) for cid, person, _ in hourly})
        lo = min(ts for *_, ts in hourly) - US_PER_HOUR
        hi = max(ts for *_, ts in hourly)
        for cid, person, ts in con.execute(
                select(a.campaign_id, a.person_id, a.ts)
                .where(tuple_(a.campaign_id, a.person_id).in_(pairs), a.ts > lo,
                       a.ts <= hi)).all():
            c.award_ts[(cid, person)].append(int(ts))
    devices = {(w.campaign_id, w.device, w.day) for w in awards
               if w.device is not None and w.limits.per_device_per_day is not None}
    if devices:
        for cid, device, day, n in con.execute(
                select(a.campaign_id, a.device, a.local_day, func.count())
                .where(tuple_(a.campaign_id, a.device, a.local_day).in_(sorted(devices)))
                .group_by(a.campaign_id, a.device, a.local_day)).all():
            c.device_count[(cid, device, day)] = int(n)
    return c


def _limit(item: Item, w: AwardPlan, c: _Counters) -> tuple[int | None, LedgerError | None]:
    """The amount the award may credit, or its refusal (the generic path's rules)."""
    person = item.plan.person
    day_total = (c.day_total[(w.campaign_id, person, w.day)]
                 if w.limits.daily_cap is not None else 0)
    hour_count = 0
    if w.limits.per_person_per_hour is not None:
        hour_count = sum(1 for ts in c.award_ts[(w.campaign_id, person)]
                         if w.ts - US_PER_HOUR < ts <= w.ts)
    device_count = None
    if w.device is not None and w.limits.per_device_per_day is not None:
        device_count = c.device_count[(w.campaign_id, w.device, w.day)]
    why = limit_refusal(w.limits, day_total=day_total, hour_count=hour_count,
                        device_count=device_count)
    if why is not None:
        return None, w.refusal(why, item.key)
    return capped(w.limits, item.plan.amount, day_total), None


def _count(item: Item, w: AwardPlan, amount: int, c: _Counters) -> None:
    c.day_total[(w.campaign_id, item.plan.person, w.day)] += amount
    c.award_ts[(w.campaign_id, item.plan.person)].append(w.ts)
    if w.device is not None:
        c.device_count[(w.campaign_id, w.device, w.day)] += 1


def _decide_and_write(con: Connection, batch: Sequence[Item]) -> list[Any]:
    out: list[Any] = [None] * len(batch)
    seen: set[str] = set()
    live: list[int] = []  # indexes of the requests decided here
    for n, item in enumerate(batch):
        if item.key in seen:  # a key twice in one group: the second runs after the first
            out[n] = GENERIC
        else:
            seen.add(item.key)
            live.append(n)
    items = [batch[n] for n in live]
    accs, locked = p.lock_person_accounts(
        con, [(i.plan.person, i.plan.currency) for i in items])
    sources: dict[int, p.Account] = {}
    for n in live:
        plan = batch[n].plan
        name = (budget.shard_of(plan.award.campaign_id, plan.person)
                if plan.award is not None else str(plan.source))
        sources[n] = p.account(con, "system", name, plan.currency)
    system = {a.id: a for a in sources.values()}
    held: dict[int, int] = {
        int(i): int(b) for i, b in con.execute(
            select(t.accounts.c.id, t.accounts.c.balance)
            .where(t.accounts.c.id.in_(sorted(system)))
            .order_by(t.accounts.c.id).with_for_update()).all()}
    used = {str(r[0]): (int(r[1]), str(r[2]), str(r[3]), str(r[4])) for r in con.execute(
        select(t.transactions.c.idem_key, t.transactions.c.id, t.transactions.c.kind,
               t.transactions.c.request, t.transactions.c.result)
        .where(t.transactions.c.idem_key.in_(sorted(seen)))).all()}
    counters = _read_counters(con, items)

    new_tx: list[dict[str, Any]] = []
    writes: list[tuple[int, int, int, int]] = []  # (index, amount, repaid, system account)
    for n in live:
        item = batch[n]
        plan = item.plan
        request = canonical({"kind": item.kind, **item.params})
        if item.key in used:
            tx_id, kind, stored_request, stored_result = used[item.key]
            same = stored_request == request
            out[n] = (Done(tx_id, kind, json.loads(stored_result), True) if same
                      else IdempotencyConflict(
                          f"idempotency key {item.key!r} was used for a different request",
                          code="idempotency_conflict", params={"key": item.key}))
            continue
        amount: int | None = plan.amount
        if plan.award is not None:
            amount, refused = _limit(item, plan.award, counters)
            if refused is not None:
                out[n] = refused
                continue
        assert amount is not None
        acc = accs[(plan.person, plan.currency)]
        src = sources[n]
        repaid = min(locked.debt[acc.id], amount)
        draw = amount - repaid
        if not src.allow_negative and held[src.id] < draw:
            out[n] = GENERIC  # the generic path tops the shard up (or refuses exactly)
            continue
        held[src.id] -= draw
        locked.balance[acc.id] += amount - repaid
        locked.debt[acc.id] -= repaid
        if plan.award is not None:
            _count(item, plan.award, amount, counters)
        result: dict[str, Any] = {"amount": amount, "credited": amount - repaid,
                                  "debt_repaid": repaid}
        if plan.award is not None:
            result = {**result, "rule": plan.award.rule_id, "source": src.holder}
        out[n] = result
        new_tx.append({"idem_key": item.key, "kind": item.kind,
                       "campaign_id": item.campaign_id, "ts": item.ts, "request": request,
                       "result": canonical(result)})
        writes.append((n, amount, repaid, src.id))
    if not new_tx:
        return out
    ids = {str(k): int(i) for i, k in bulk_insert(con, t.transactions, new_tx,
                                                   claim=True)}
    if len(ids) != len(new_tx):
        raise _GroupAborted()
    _write_rows(con, batch, writes, ids, accs, sources, system, locked)
    for n, *_ in writes:
        item = batch[n]
        out[n] = Done(ids[item.key], item.kind, out[n], False)
    return out


def _pg_type(con: Connection, table: Table, name: str) -> str:
    return str(table.c[name].type.compile(dialect=con.dialect))


def bulk_insert(con: Connection, table: Table, rows: Sequence[dict[str, Any]], *,
                claim: bool = False) -> list[tuple[int, str]]:
    """Insert ``rows`` as ONE statement; ``claim``: the transactions table, ``ON CONFLICT
    DO NOTHING RETURNING id, idem_key`` (a key taken meanwhile returns no row).

    On PostgreSQL the rows travel as one array per column through ``unnest`` (one
    statement, one plan, whatever the row count — an executemany would be a statement per
    row, and a multi-row VALUES costs SQLAlchemy a compile per group size); SQLite, in
    process, takes an executemany (or a multi-row VALUES when claiming, for RETURNING).
    """
    if not rows:
        return []
    cols = list(rows[0])
    if con.dialect.name == "postgresql":
        arrays = ", ".join(f"%({c})s::{_pg_type(con, table, c)}[]" for c in cols)
        sql = (f"INSERT INTO {table.name} ({', '.join(cols)}) "
               f"SELECT * FROM unnest({arrays})")
        if claim:
            sql += " ON CONFLICT DO NOTHING RETURNING id, idem_key"
        res = con.exec_driver_sql(sql, {c: [r[c] for r in rows] for c in cols})
        return [(int(r[0]), str(r[1])) for r in res.all()] if claim else []
    if claim:
        return [(int(r[0]), str(r[1])) for r in con.execute(
            p.insert_ignoring_duplicates_many(con, table, rows)
            .returning(table.c.id, table.c.idem_key)).all()]
    con.execute(insert(table), list(rows))
    return []


def _set_balances(con: Connection, rows: list[tuple[int, int, int]]) -> None:
    """Person accounts' new balance and debt, ``(id, balance, debt)``, in one statement."""
    if con.dialect.name == "postgresql":
        con.exec_driver_sql(
            f"UPDATE {t.accounts.name} SET balance = v.balance, debt = v.debt "
            "FROM unnest(%(ids)s::integer[], %(balances)s::bigint[], %(debts)s::bigint[]) "
            f"AS v(id, balance, debt) WHERE {t.accounts.name}.id = v.id",
            {"ids": [r[0] for r in rows], "balances": [r[1] for r in rows],
             "debts": [r[2] for r in rows]})
        return
    a = t.accounts.c
    con.execute(update(t.accounts).where(a.id == bindparam("acc_id"))
                .values(balance=bindparam("new_balance"), debt=bindparam("new_debt")),
                [{"acc_id": i, "new_balance": b, "new_debt": d} for i, b, d in rows])


class _GroupAborted(Exception):
    """The group saw what its reads did not foresee (a key claimed by another transaction
    meanwhile): it is rolled back and its requests run through the generic path."""


def _write_rows(con: Connection, batch: Sequence[Item], writes: list[tuple[int, int, int, int]],
                ids: dict[str, int], accs: dict[tuple[str, str], p.Account],
                sources: dict[int, p.Account], system: dict[int, p.Account],
                locked: p.Locked) -> None:
    postings: list[dict[str, Any]] = []
    lots: list[dict[str, Any]] = []
    awards: list[dict[str, Any]] = []
    persons: set[int] = set()
    delta: dict[int, int] = defaultdict(int)
    for n, amount, repaid, src_id in writes:
        item = batch[n]
        plan = item.plan
        tx_id = ids[item.key]
        acc = accs[(plan.person, plan.currency)]
        cur = plan.currency
        # the same rows as ledger.credit: the source pays all, takes the repaid debt back
        rows = ([(src_id, -amount), (acc.id, amount - repaid), (src_id, repaid)] if repaid
                else [(src_id, -amount), (acc.id, amount)])
        postings += [{"tx_id": tx_id, "account_id": a, "currency": cur, "amount": v,
                      "ts": item.ts} for a, v in rows if v != 0]
        delta[src_id] -= amount - repaid
        persons.add(acc.id)
        if amount - repaid > 0:
            lots.append({"account_id": acc.id, "tx_id": tx_id, "amount": amount - repaid,
                         "remaining": amount - repaid, "earned_at": item.ts,
                         "expires_at": plan.expires_at})
        if (w := plan.award) is not None:
            awards.append({"tx_id": tx_id, "campaign_id": w.campaign_id,
                           "person_id": plan.person, "rule_id": w.rule_id,
                           "local_day": w.day, "amount": amount, "device": w.device,
                           "ts": w.ts})
    bulk_insert(con, t.postings, postings)
    bulk_insert(con, t.lots, lots)
    bulk_insert(con, t.awards, awards)
    _set_balances(con, [(i, locked.balance[i], locked.debt[i]) for i in sorted(persons)])
    a = t.accounts.c
    for acc_id in sorted(delta):  # locked above, in id order; the guard as flush_system's
        d = delta[acc_id]
        if d == 0:
            continue
        stmt = update(t.accounts).where(a.id == acc_id).values(balance=a.balance + d)
        if d < 0 and not system[acc_id].allow_negative:
            stmt = stmt.where(a.balance >= -d)
        if con.execute(stmt).rowcount != 1:
            raise _GroupAborted()  # cannot happen under the lock; never half-write
