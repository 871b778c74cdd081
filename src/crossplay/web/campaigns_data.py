"""What the campaigns page reads from the ledger that no service function returns yet.

``crossplay campaign status`` (:func:`crossplay.campaigns.status.campaign_status`) gives a
campaign's totals, points by day, rewards and its *top* streaks; the page also needs, per
local day of the campaign's time zone, how many points were issued, redeemed and expired
and by how many people (a partner-scoped viewer sees a day only when at least k people
make it up), the budget left at the end of each day, the list of campaigns and the whole
distribution of best streaks. These are small aggregates over the ledger tables, in
SQLAlchemy Core (SQLite and PostgreSQL alike), grouped in the database: no loop over
people here. The streak distribution walks the stored check-ins with the rule engine
itself (:func:`crossplay.campaigns.rules.evaluate`, as ``campaign status`` does), so a
streak means here what it meant when its bonus was awarded.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Engine, case, func, literal, select

from crossplay.campaigns import budget
from crossplay.campaigns import tables as t
from crossplay.campaigns.document import Campaign, stored

US_PER_S = 1_000_000
US_PER_DAY = 86_400 * US_PER_S
_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class StoredCampaign:
    """A campaign as ``apply`` stored it, with its status."""

    campaign: Campaign
    version: int
    status: str
    updated_at: int  # microseconds since the epoch, UTC


@dataclass(frozen=True)
class DayFlow:
    """Points moved on one local day and the number of distinct people they went to/from."""

    day: dt.date
    points: int
    persons: int


@dataclass(frozen=True)
class Flows:
    """A campaign's points by local day (its time zone)."""

    issued: list[DayFlow]
    redeemed: list[DayFlow]
    expired: list[DayFlow]
    #: (day, budget left at the end of the day) on every day the budget moved
    budget_left: list[tuple[dt.date, int]]
    funded: int


@dataclass(frozen=True)
class RewardStock:
    reward_id: str
    partner: str
    currency: str
    cost: int
    stock: int
    reserved: int
    redeemed: int


def stored_campaigns(engine: Engine) -> list[StoredCampaign]:
    """Every campaign on the ledger (``campaign_state``), by id."""
    c = t.campaign_state.c
    with engine.connect() as con:
        rows = con.execute(select(c.document, c.version, c.status, c.updated_at)
                           .order_by(c.campaign_id)).all()
    return [StoredCampaign(stored(json.loads(r[0])), int(r[1]), str(r[2]), int(r[3]))
            for r in rows]


def awarded_persons(engine: Engine, campaign_id: str) -> int:
    """How many distinct people the campaign awarded points to (as ``campaign status``)."""
    a = t.awards.c
    with engine.connect() as con:
        return int(con.execute(select(func.count(func.distinct(a.person_id)))
                               .where(a.campaign_id == campaign_id)).scalar_one())


def reward_stock(engine: Engine, campaign_id: str) -> list[RewardStock]:
    """The campaign's rewards and their stock left, reserved and redeemed units."""
    r = t.rewards.c
    with engine.connect() as con:
        rows = con.execute(select(r.reward_id, r.partner, r.currency, r.cost, r.stock,
                                  r.reserved, r.redeemed)
                           .where(r.campaign_id == campaign_id).order_by(r.reward_id)).all()
    return [RewardStock(str(x[0]), str(x[1]), str(x[2]), int(x[3]), int(x[4]), int(x[5]),
                        int(x[6])) for x in rows]


def _offset_us(zone: ZoneInfo, at_us: int) -> int:
    moment = dt.datetime.fromtimestamp(at_us // US_PER_S, tz=dt.UTC)
    off = moment.astimezone(zone).utcoffset()
    return int(off.total_seconds()) * US_PER_S if off is not None else 0


def offset_segments(zone: ZoneInfo, lo_us: int, hi_us: int) -> list[tuple[int, int]]:
    """The zone's UTC offset between two instants as ``(from_us, offset_us)`` segments
    (one for a zone without daylight saving time; a new one at each change, to the second).
    """
    segments = [(lo_us, _offset_us(zone, lo_us))]
    at = lo_us
    while at < hi_us:
        nxt = min(at + US_PER_DAY, hi_us)
        if _offset_us(zone, nxt) != segments[-1][1]:
            a, b = at // US_PER_S, nxt // US_PER_S  # the change lies in (a, b] seconds
            while b - a > 1:
                mid = (a + b) // 2
                if _offset_us(zone, mid * US_PER_S) == segments[-1][1]:
                    a = mid
                else:
                    b = mid
            segments.append((b * US_PER_S, _offset_us(zone, b * US_PER_S)))
        at = nxt
    return segments


def local_day_number(ts: Any, segments: list[tuple[int, int]]) -> ColumnElement[Any]:
    """SQL: the local day of a microsecond UTC timestamp column, as days since 1970-01-01."""
    if len(segments) == 1:
        offset: ColumnElement[Any] = literal(segments[0][1])
    else:
        offset = case(*[(ts < start, off) for (start, _), (_, off)
                        in zip(segments[1:], segments, strict=False)],
                      else_=segments[-1][1])
    day: ColumnElement[Any] = (ts + offset) // US_PER_DAY
    return day


def _span(campaign: Campaign, today: dt.date) -> tuple[int, int]:
    """Instants around every posting the campaign can have made, for the offsets."""
    lo = dt.datetime.combine(campaign.start - dt.timedelta(days=366), dt.time(), dt.UTC)
    last = max(campaign.end, today) + dt.timedelta(days=366 + (campaign.points_expire_days
                                                               or 0))
    hi = dt.datetime.combine(last, dt.time(), dt.UTC)
    return int(lo.timestamp()) * US_PER_S, int(hi.timestamp()) * US_PER_S


def _day(n: Any) -> dt.date:
    return _EPOCH + dt.timedelta(days=int(n))


def campaign_flows(engine: Engine, campaign: Campaign, today: dt.date) -> Flows:
    """Issued, redeemed and expired points by local day, and the budget burn-down.

    - issued: the campaign's awards (``campaign_awards``, by their local day: the same
      figures as ``campaign status``'s points by day);
    - redeemed: postings to ``redeemed:<campaign>`` (confirmed redemptions), people from
      the redemptions they settle;
    - expired: what the expiry job moved out of lots this campaign awarded;
    - budget left: the funded total plus every other posting on the budget shards
      (draws by awards, returns by reversals), cumulated by day.
    """
    cid, cur = campaign.id, campaign.points
    segments = offset_segments(campaign.zone, *_span(campaign, today))
    a, p, acc, tx = t.awards.c, t.postings.c, t.accounts.c, t.transactions.c
    with engine.connect() as con:
        issued = [DayFlow(d, int(n), int(k)) for d, n, k in con.execute(
            select(a.local_day, func.sum(a.amount), func.count(func.distinct(a.person_id)))
            .where(a.campaign_id == cid).group_by(a.local_day).order_by(a.local_day)).all()]
        day = local_day_number(p.ts, segments).label("day")
        redeemed = [DayFlow(_day(d), int(n), int(k)) for d, n, k in con.execute(
            select(day, func.sum(p.amount),
                   func.count(func.distinct(t.redemptions.c.person_id)))
            .select_from(t.postings.join(t.accounts, acc.id == p.account_id)
                         .outerjoin(t.redemptions, t.redemptions.c.settle_tx == p.tx_id))
            .where(acc.kind == "system", acc.holder == f"redeemed:{cid}",
                   acc.currency == cur)
            .group_by(day).order_by(day)).all()]
        moves, lots = t.lot_moves.c, t.lots.c
        x_day = local_day_number(tx.ts, segments).label("day")
        expired = [DayFlow(_day(d), int(n), int(k)) for d, n, k in con.execute(
            select(x_day, func.sum(moves.amount), func.count(func.distinct(lots.account_id)))
            .select_from(t.lot_moves.join(t.transactions, tx.id == moves.tx_id)
                         .join(t.lots, lots.id == moves.lot_id)
                         .join(t.awards, a.tx_id == lots.tx_id))
            .where(tx.kind == "expire", a.campaign_id == cid)
            .group_by(x_day).order_by(x_day)).all()]
        shards = [budget.shard_name(cid, k) for k in range(budget.SHARDS)]
        moved = con.execute(
            select(day, func.sum(p.amount))
            .select_from(t.postings.join(t.accounts, acc.id == p.account_id)
                         .join(t.transactions, tx.id == p.tx_id))
            .where(acc.kind == "system", acc.holder.in_(shards), acc.currency == cur,
                   tx.kind != "fund")
            .group_by(day).order_by(day)).all()
    funded = budget.funded(engine, cid)
    left, burn = funded, []
    for d, n in moved:
        left += int(n)
        burn.append((_day(d), left))
    return Flows(issued, redeemed, expired, burn, funded)


def streak_distribution(engine: Engine, campaign: Campaign) -> dict[int, int]:
    """How many people reached each best dual check-in streak (days): the stored
    check-ins walked by the rule engine, as ``campaign status`` walks them for its top
    streaks. Empty for a campaign without check-ins."""
    if campaign.checkins is None:
        return {}
    from crossplay.campaigns.checkin_store import stored_checkin_events
    from crossplay.campaigns.rules import evaluate

    events = stored_checkin_events(engine, campaign.id)
    if not events:
        return {}
    best = Counter(b for _cur, _day, b in evaluate(campaign, events).streaks.values())
    return dict(sorted(best.items()))
