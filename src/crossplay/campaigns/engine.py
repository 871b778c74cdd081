"""Running a campaign over the lake: ``apply`` (and, in
:mod:`crossplay.campaigns.simulation`, ``simulate``: what ``apply`` would issue now).

Eligible people are linked persons whose both sides granted ``marketing`` (the one consent
policy, :func:`crossplay.privacy.policy.linked_persons_sql`), optionally narrowed to an
audience file. Their events from both partners are read from the lake through DuckDB, the
rules are evaluated (:mod:`crossplay.campaigns.rules`) and the awards are written through
the ledger in batches: each batch is one database transaction, each award an idempotent
request — a crash loses at most the batch in flight, and a rerun writes only what is missing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update

from crossplay.campaigns import budget
from crossplay.campaigns import postings as p
from crossplay.campaigns import tables as t
from crossplay.campaigns.document import Campaign, stored
from crossplay.campaigns.errors import BudgetExhausted, CampaignError, LedgerError, LimitReached
from crossplay.campaigns.group_commit import award_plan
from crossplay.campaigns.ledger import Ledger, Request, TxResult, credit, run_retrying
from crossplay.campaigns.limits import capped, limit_refusal
from crossplay.campaigns.redemption import Reward, define_rewards
from crossplay.campaigns.rules import US_PER_HOUR, Award, Evaluation, Event, Reversal, evaluate
from crossplay.core.settings import Settings
from crossplay.ingest.sqlbase import lit
from crossplay.opdb import ensure_schema, get_engine
from crossplay.privacy.policy import Purpose, linked_persons_sql

US_PER_DAY = 86_400_000_000


def _audit(settings: Settings, action: str, campaign: Campaign, details: dict[str, Any]) -> None:
    from crossplay.privacy import audit

    audit.record(settings, action, actor=f"campaign:{campaign.id}", details=details)


def _audience_sql(campaign: Campaign) -> str:
    aud = campaign.eligibility.audience
    if aud == "linked":
        return ""
    path = Path(aud)
    if not path.exists():
        raise CampaignError(f"audience file {path} does not exist",
                            code="campaign_audience_missing", params={"path": str(path)})
    reader = "read_parquet" if path.suffix == ".parquet" else "read_csv_auto"
    return (f" AND k.person_id IN (SELECT CAST(person_id AS VARCHAR) "
            f"FROM {reader}({lit(str(path))}))")


def _persons_sql(persons: Collection[str] | None) -> str:
    if persons is None:
        return ""
    if not persons:
        return " AND false"
    return f" AND k.person_id IN ({', '.join(lit(p) for p in sorted(persons))})"


def event_types(campaign: Campaign) -> set[str]:
    """The event types the campaign's rules and check-ins look at."""
    types: set[str] = set()
    for r in campaign.rules:
        if r.kind == "same_day":
            types |= {cond.event_type for cond in r.all}
        else:
            types.add(r.when.event_type)
            if r.reversed_by:
                types.add(r.reversed_by)
    if campaign.checkins is not None:
        types.add("checkin")
    return types


def load_events(settings: Settings, campaign: Campaign,
                persons: Collection[str] | None = None) -> list[Event]:
    """Eligible persons' events of the types the campaign uses, around its window
    (only ``persons``' when given)."""
    from crossplay.warehouse.duck import connect

    zone = campaign.zone
    lo = dt.datetime.combine(campaign.start, dt.time(), zone) - dt.timedelta(days=1)
    hi = dt.datetime.combine(campaign.end, dt.time(), zone) + dt.timedelta(days=2)
    types = ", ".join(lit(x) for x in sorted(event_types(campaign)))
    sql = f"""
        WITH persons AS ({linked_persons_sql(Purpose.MARKETING)}),
        keys AS (SELECT person_id, 'knowledge' AS partner, k_user_key AS user_key FROM persons
                 UNION ALL SELECT person_id, 'game', g_user_key FROM persons)
        SELECT CAST(k.person_id AS VARCHAR), e.partner, CAST(e.event_id AS VARCHAR),
               e.platform, e.event_type, e.item_id, epoch_us(e.ts), e.value,
               epoch_us(e.ingested_at), json_extract_string(e.properties, '$.device_id')
        FROM events e JOIN keys k ON e.partner = k.partner AND e.user_key = k.user_key
        WHERE e.event_type IN ({types})
          AND e.ts >= {lit(lo.astimezone(dt.UTC).isoformat())}::TIMESTAMPTZ
          AND e.ts < {lit(hi.astimezone(dt.UTC).isoformat())}::TIMESTAMPTZ
          {_audience_sql(campaign)}{_persons_sql(persons)}
        ORDER BY e.ts, e.partner, e.event_id"""
    con = connect(settings)
    try:
        rows = con.sql(sql).fetchall()
    finally:
        con.close()
    return [Event(person=r[0], partner=r[1], event_id=r[2], platform=r[3], event_type=r[4],
                  item_id=r[5], ts=int(r[6]),
                  value=None if r[7] is None else Decimal(str(r[7])),
                  ingested=None if r[8] is None else int(r[8]), device=r[9])
            for r in rows]


def _eligible(settings: Settings, campaign: Campaign, persons: Collection[str]) -> set[str]:
    from crossplay.warehouse.duck import connect

    if not persons:
        return set()
    con = connect(settings)
    try:
        rows = con.sql(f"""
            SELECT CAST(k.person_id AS VARCHAR) FROM ({linked_persons_sql(Purpose.MARKETING)}) k
            WHERE true {_audience_sql(campaign)}{_persons_sql(persons)}""").fetchall()
    finally:
        con.close()
    return {str(r[0]) for r in rows}


# --- apply ------------------------------------------------------------------------------

def award_request(campaign: Campaign, award: Award) -> Request:
    """The ledger request of one award: limits checked and the cap applied under the
    person's lock, points from the campaign budget, an award row for caps and reports."""
    cid, cur = campaign.id, campaign.points
    limits = campaign.limits
    expires = (award.ts + campaign.points_expire_days * US_PER_DAY
               if campaign.points_expire_days else None)
    slow = [False]  # the budget's slow path, once a race sent this request there

    def op(con: Connection, tx_id: int, ts: int, accs: dict[tuple[str, str], p.Account],
           locked: p.Locked) -> dict[str, Any]:
        a = t.awards.c
        day_total = hour_count = 0
        if limits.daily_cap is not None:
            day_total = int(con.execute(select(func.coalesce(func.sum(a.amount), 0)).where(
                a.campaign_id == cid, a.person_id == award.person,
                a.local_day == award.day)).scalar_one())
        if limits.per_person_per_hour is not None:
            hour_count = int(con.execute(select(func.count()).select_from(t.awards).where(
                a.campaign_id == cid, a.person_id == award.person,
                a.ts > award.ts - US_PER_HOUR, a.ts <= award.ts)).scalar_one())
        device_count = None
        if award.device is not None and limits.per_device_per_day is not None:
            device_count = int(con.execute(select(func.count()).select_from(t.awards).where(
                a.campaign_id == cid, a.device == award.device,
                a.local_day == award.day)).scalar_one())
        why = limit_refusal(limits, day_total=day_total, hour_count=hour_count,
                            device_count=device_count)
        if why is not None:
            raise _limit_reached(why, award.key)
        amount = capped(limits, award.amount, day_total)
        acc = accs[(award.person, cur)]
        src = budget.draw(con, cid, cur, award.person,
                          amount - min(locked.debt[acc.id], amount), tx_id, ts, locked, slow)
        result = credit(con, tx_id, ts, acc, src, amount, locked, expires)
        con.execute(insert(t.awards).values(
            tx_id=tx_id, campaign_id=cid, person_id=award.person, rule_id=award.rule_id,
            local_day=award.day, amount=amount, device=award.device, ts=award.ts))
        # the budget shard the points came from (a reversal returns them there) is a
        # result, not part of the request: it follows from the person id, which a key
        # rotation changes, and a rerun after a rotation must still match the request
        return {**result, "rule": award.rule_id, "source": src.holder}

    return Request(award.key, "award",
                   {"person": award.person, "currency": cur, "amount": award.amount,
                    "rule": award.rule_id},
                   ((award.person, cur),), op, campaign_id=cid, ts=award.ts,
                   batch=award_plan(campaign, award))


@dataclass
class ApplyReport:
    campaign_id: str
    status: str
    persons: int = 0
    events: int = 0
    awarded: int = 0
    points_awarded: int = 0
    already_done: int = 0
    reversed: int = 0
    points_reversed: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    late_rejected: int = 0
    budget_left: int = 0
    batches: int = 0


def _limit_reached(why: str, key: str) -> LimitReached:
    """The refusal of award ``key`` by the limit ``why`` (see
    :func:`~crossplay.campaigns.limits.limit_refusal`); the code is the limit's name."""
    if why == "daily_cap":
        return LimitReached(f"daily_cap: award {key} refused (the person's daily cap is "
                            f"reached)", code="daily_cap", params={"key": key})
    if why == "person_velocity":
        return LimitReached(f"person_velocity: award {key} refused (the person's awards per "
                            f"hour are at the limit)", code="person_velocity",
                            params={"key": key})
    return LimitReached(f"device_velocity: award {key} refused (the device's awards per day "
                        f"are at the limit)", code="device_velocity", params={"key": key})


def register(engine: Engine, campaign: Campaign) -> str:
    """Store (or upgrade) the campaign document; returns its status. A paused campaign stays
    paused; an older version than the stored one is refused."""
    now = p.now_us()
    doc = campaign.model_dump_json(by_alias=True)

    def body(con: Connection) -> str:
        row = con.execute(select(t.campaign_state.c.version, t.campaign_state.c.status)
                          .where(t.campaign_state.c.campaign_id == campaign.id)
                          .with_for_update()).first()
        if row is None:
            con.execute(insert(t.campaign_state).values(
                campaign_id=campaign.id, version=campaign.version, status="active",
                document=doc, updated_at=now))
            return "active"
        if campaign.version < int(row[0]):
            raise CampaignError(f"campaign {campaign.id} is at version {row[0]}; "
                                f"this document is version {campaign.version}",
                                code="campaign_older_version",
                                params={"id": campaign.id, "stored": row[0],
                                        "version": campaign.version})
        con.execute(update(t.campaign_state).where(
            t.campaign_state.c.campaign_id == campaign.id).values(
            version=campaign.version, document=doc, updated_at=now))
        return str(row[1])

    status: str = run_retrying(engine, body)
    return status


def set_status(engine: Engine, campaign_id: str, status: str) -> None:
    """Pause, resume or mark a stored campaign."""
    def body(con: Connection) -> int:
        return int(con.execute(update(t.campaign_state)
                               .where(t.campaign_state.c.campaign_id == campaign_id)
                               .values(status=status, updated_at=p.now_us())).rowcount)
    if run_retrying(engine, body) != 1:
        raise CampaignError(f"no campaign {campaign_id!r}: run `crossplay campaign apply` first",
                            code="campaign_unknown", params={"id": campaign_id})


@dataclass(frozen=True)
class Resumption:
    """What ``resume`` did: the status now, and whether ``apply`` can award anything."""

    campaign_id: str
    status: str
    budget: int
    budget_left: int
    was: str  # the status before

    @property
    def will_award(self) -> bool:
        return self.budget_left > 0

    @property
    def budget_short(self) -> bool:
        """The budget ran out for an award before (status ``budget_exhausted``) but some
        points are left: smaller awards still fit."""
        return self.was == "budget_exhausted" and self.budget_left > 0


def resume(engine: Engine, campaign_id: str) -> Resumption:
    """Award again after a pause. A campaign whose budget is spent (0 points left) is not
    made active — ``apply`` could award nothing — and keeps (or gets) the status
    ``budget_exhausted``; a new version of the document with a higher ``budget`` resumes
    it (``apply``)."""
    campaign, was = stored_campaign(engine, campaign_id)
    left = budget.left(engine, campaign_id, campaign.points)
    status = "active" if left > 0 else "budget_exhausted"
    set_status(engine, campaign_id, status)
    return Resumption(campaign_id, status, campaign.budget, left, was)


def apply(settings: Settings, campaign: Campaign, *, batch: int = 500,
          on_batch: Callable[[int, int], None] | None = None,
          live: Sequence[Event] = ()) -> ApplyReport:
    """Award the campaign's points for the lake's events (idempotent; safe to rerun).

    ``live``: events posted live (not yet in the lake) of eligible persons; then only those
    persons are evaluated, with their lake history for same-day rules and streaks.
    """
    _refuse_during_rotation(settings)
    engine = get_engine(settings)
    ensure_schema(engine)
    status = register(engine, campaign)
    if status == "paused":
        raise CampaignError(f"campaign {campaign.id} is paused: `crossplay campaign resume "
                            f"{campaign.id}` to award again", code="campaign_paused",
                            params={"id": campaign.id})
    ledger = Ledger(engine)
    budget.fund(ledger, campaign.id, campaign.points, campaign.budget)
    if status == "budget_exhausted":  # a new version may have raised the budget: try again
        set_status(engine, campaign.id, "active")
        status = "active"
    define_rewards(engine, [Reward(campaign.id, r.id, r.partner, r.currency, r.cost, r.stock)
                            for r in campaign.rewards])
    persons = {e.person for e in live} if live else None
    events = load_events(settings, campaign, persons)
    stored: list[Event] = []  # check-ins posted live are not in the lake
    if campaign.checkins is not None:
        from crossplay.campaigns.checkin_store import stored_checkin_events

        stored = stored_checkin_events(engine, campaign.id, persons)
        keep = _eligible(settings, campaign, {e.person for e in stored})
        stored = [e for e in stored if e.person in keep]
    if live:
        eligible = {e.person for e in events} | _eligible(settings, campaign, persons or set())
        refused_live = [e for e in live if e.person not in eligible]
        if refused_live:
            raise CampaignError(f"{len(refused_live)} live event(s) of persons who are not "
                                f"eligible (linked, marketing consent on both sides)",
                                code="campaign_live_not_eligible",
                                params={"n": len(refused_live)})
        events = [*events, *live]
    _audit(settings, "campaign.apply", campaign,
           {"events": len(events), "persons": len({e.person for e in events})})
    ev = evaluate(campaign, [*events, *stored])
    report = ApplyReport(campaign.id, status, persons=len({e.person for e in events}),
                         events=len(events), late_rejected=ev.late_rejected)
    record_checkins(engine, campaign.id, ev)
    actions = ev.actions()
    refused: dict[str, int] = {}
    for start in range(0, len(actions), batch):
        _refuse_during_rotation(settings)  # a rotation started meanwhile: stop here
        chunk = actions[start:start + batch]
        reqs = [award_request(campaign, a) if isinstance(a, Award)
                else ledger.reverse_request(a.key, a.original_key, a.person, campaign.points,
                                            ts=a.ts) for a in chunk]
        results = ledger.submit_many(reqs, stop_on=BudgetExhausted)
        report.batches += 1
        for action, res in zip(chunk, results, strict=True):
            _count(report, refused, action, res)
        if on_batch is not None:
            on_batch(min(start + batch, len(actions)), len(actions))
        if any(isinstance(r, BudgetExhausted) for r in results):
            set_status(engine, campaign.id, "budget_exhausted")
            report.status = "budget_exhausted"
            break
    report.refused = refused
    report.budget_left = budget.left(engine, campaign.id, campaign.points)
    return report


def _refuse_during_rotation(settings: Settings) -> None:
    """Awards are keyed by person id; while a key rotation is half done the lake and the
    ledger disagree on those ids, and an apply then would award everything again."""
    from crossplay.privacy.rotation import rotation_in_progress

    busy = rotation_in_progress(settings)
    if busy:
        raise CampaignError(
            f"a key rotation of {busy[0]} has not finished: run `crossplay keys rotate "
            f"--partner {busy[0]}` to complete it, then apply again", code="rotation_busy",
            params={"partner": busy[0]})


def _count(report: ApplyReport, refused: dict[str, int], action: Award | Reversal,
           res: TxResult | LedgerError | None) -> None:
    if res is None:
        return
    if isinstance(res, LedgerError):
        refused[res.reason] = refused.get(res.reason, 0) + 1
    elif res.replayed:
        report.already_done += 1
    elif isinstance(action, Award):
        report.awarded += 1
        report.points_awarded += int(res.result["amount"])
    else:
        report.reversed += 1
        report.points_reversed += int(res.result["clawed_back"])


def record_checkins(engine: Engine, campaign_id: str, ev: Evaluation,
                    batch: int = 2000) -> None:
    """Store the evaluated check-ins (idempotent: a check-in day is stored once)."""
    rows = [{"campaign_id": campaign_id, "person_id": c.person, "platform": c.platform,
             "local_day": c.day, "source": c.source, "ts": c.ts} for c in ev.checkins]
    for start in range(0, len(rows), batch):
        chunk = rows[start:start + batch]

        def body(con: Connection, chunk: list[dict[str, Any]] = chunk) -> None:
            for row in chunk:
                con.execute(p.insert_ignoring_duplicates(con, t.checkins, row))
        run_retrying(engine, body)


def stored_campaign(engine: Engine, campaign_id: str) -> tuple[Campaign, str]:
    """The stored document and status of a campaign."""
    with engine.connect() as con:
        row = con.execute(select(t.campaign_state.c.document, t.campaign_state.c.status)
                          .where(t.campaign_state.c.campaign_id == campaign_id)).first()
    if row is None:
        raise CampaignError(f"no campaign {campaign_id!r}: run `crossplay campaign apply` first",
                            code="campaign_unknown", params={"id": campaign_id})
    return stored(json.loads(row[0])), str(row[1])
