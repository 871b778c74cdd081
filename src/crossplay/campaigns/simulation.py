"""``campaign simulate``: what ``apply`` would issue now, without writing anything.

The same events as ``apply`` (:func:`crossplay.campaigns.engine.load_events`) are
evaluated by the same rules and settled in memory
(:func:`crossplay.campaigns.limits.settle`) starting from what the ledger already holds
for the campaign (:func:`ledger_state`: award keys used, awards per person, day and
device, the budget left after ``apply`` would top it up to the document's budget,
balances and debts in the campaign's points). So after an ``apply`` nothing is left to
issue, and after a new version raises the budget the report is exactly what the next
``apply`` adds. ``from_scratch=True`` settles on an empty campaign instead (to plan a new
one), and the report says which basis it used.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import Engine, and_, select

from crossplay.campaigns import budget
from crossplay.campaigns import tables as t
from crossplay.campaigns.document import Campaign
from crossplay.campaigns.engine import load_events
from crossplay.campaigns.limits import LedgerState, Settlement, settle
from crossplay.campaigns.rules import Award, Evaluation, Event, Reversal, evaluate
from crossplay.core.settings import Settings
from crossplay.opdb import ensure_schema, get_engine
from crossplay.privacy import audit


@dataclass(frozen=True)
class SimulationReport:
    campaign_id: str
    persons: int
    events: int
    awards_considered: int
    points_issued: int
    points_reversed: int
    cost_yuan: Decimal
    budget: int
    budget_left: int
    status: str
    refused: dict[str, int]
    by_day: list[tuple[dt.date, int, int]]  # day, net points that day, budget left after
    late_rejected: int
    #: ``ledger``: from what the ledger holds now (what ``apply`` would issue now);
    #: ``scratch``: as if nothing had been awarded yet
    basis: str = "ledger"
    awards: int = 0  # new awards (what ``apply`` would report as new)
    already_done: int = 0  # awards and reversals the ledger already holds (skipped)
    stored_status: str | None = None  # the campaign's status in the ledger (None: new)
    stored_version: int | None = None


def simulate(settings: Settings, campaign: Campaign, *,
             from_scratch: bool = False) -> SimulationReport:
    """What ``apply`` would issue now for the lake's events (or, ``from_scratch``, on an
    empty campaign); writes nothing but an audit entry."""
    events = load_events(settings, campaign)
    audit.record(settings, "campaign.simulate", actor=f"campaign:{campaign.id}",
                 details={"events": len(events), "persons": len({e.person for e in events}),
                          "basis": "scratch" if from_scratch else "ledger"})
    ev = evaluate(campaign, events)
    actions = ev.actions()
    if from_scratch:
        return _report(campaign, events, ev, settle(actions, campaign.limits,
                                                    campaign.budget), "scratch")
    engine = get_engine(settings)
    ensure_schema(engine)
    start = ledger_state(engine, campaign, actions)
    with engine.connect() as con:
        row = con.execute(select(t.campaign_state.c.status, t.campaign_state.c.version)
                          .where(t.campaign_state.c.campaign_id == campaign.id)).first()
    report = _report(campaign, events, ev, settle(actions, campaign.limits, campaign.budget,
                                                  start), "ledger",
                     start_left=start.budget_left)
    if row is None:
        return report
    return replace(report, stored_status=str(row[0]), stored_version=int(row[1]))


def ledger_state(engine: Engine, campaign: Campaign,
                 actions: Sequence[Award | Reversal]) -> LedgerState:
    """What the ledger holds for ``campaign``, for :func:`settle` to start from: the
    award keys used (and what they asked and issued), the reversals of ``actions`` done,
    the awards per person, day and device, the budget ``apply`` would start with (topped
    up to the document's budget), and the balances and debts in its points currency."""
    cid, cur = campaign.id, campaign.points
    tx, aw = t.transactions.c, t.awards.c
    requested: dict[str, int] = {}
    issued: dict[str, int] = {}
    by_id: dict[int, str] = {}
    day_total: dict[tuple[str, dt.date], int] = {}
    times: dict[str, list[int]] = {}
    device_day: dict[tuple[str, dt.date], int] = {}
    with engine.connect() as con:
        for tx_id, key, request, result in con.execute(
                select(tx.id, tx.idem_key, tx.request, tx.result)
                .where(tx.campaign_id == cid, tx.kind == "award")):
            requested[str(key)] = int(json.loads(request)["amount"])
            issued[str(key)] = int(json.loads(result).get("amount", 0))
            by_id[int(tx_id)] = str(key)
        for person, day, amount, device, ts in con.execute(
                select(aw.person_id, aw.local_day, aw.amount, aw.device, aw.ts)
                .where(aw.campaign_id == cid)):
            day_total[(person, day)] = day_total.get((person, day), 0) + int(amount)
            times.setdefault(person, []).append(int(ts))
            if device is not None:
                device_day[(device, day)] = device_day.get((device, day), 0) + 1
        reversed_ = {by_id[int(r)] for (r,) in con.execute(
            select(tx.reverses).where(tx.reverses.in_(list(by_id))))} if by_id else set()
        wanted = [a.key for a in actions if isinstance(a, Reversal)]
        done: set[str] = set()
        for lo in range(0, len(wanted), 500):
            done |= {str(k) for (k,) in con.execute(
                select(tx.idem_key).where(tx.idem_key.in_(wanted[lo:lo + 500])))}
        accounts = t.accounts.c
        held = {str(h): (int(b), int(d)) for h, b, d in con.execute(
            select(accounts.holder, accounts.balance, accounts.debt)
            .where(and_(accounts.kind == "person", accounts.currency == cur)))}
    left = budget.left(engine, cid, cur) + max(0, campaign.budget - budget.funded(engine, cid))
    return LedgerState(
        budget_left=left, requested=requested, issued=issued,
        reversed=frozenset(reversed_), reversals_done=frozenset(done), day_total=day_total,
        award_times={k: sorted(v) for k, v in times.items()}, device_day=device_day,
        balance={h: b for h, (b, _d) in held.items()},
        debt={h: d for h, (_b, d) in held.items() if d})


def _report(campaign: Campaign, events: Sequence[Event], ev: Evaluation,
            s: Settlement, basis: str, start_left: int | None = None) -> SimulationReport:
    issued = sum(s.issued.values())
    reversed_ = sum(s.reversed.values())
    left = campaign.budget if start_left is None else start_left
    by_day = []
    for day in sorted(s.by_day):
        left -= s.by_day[day]
        by_day.append((day, s.by_day[day], left))
    return SimulationReport(
        campaign.id, len({e.person for e in events}), len(events), len(ev.awards),
        issued, reversed_, (issued - reversed_) * campaign.point_value_yuan, campaign.budget,
        s.budget_left, s.status, dict(s.refused), by_day, ev.late_rejected, basis,
        len(s.issued), s.already_done)
