"""A stored campaign's state: status, budget, points by day, rewards, top streaks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from crossplay.campaigns import tables as t
from crossplay.campaigns.cost import CampaignCost, campaign_cost
from crossplay.campaigns.engine import stored_campaign
from crossplay.campaigns.rules import Event, evaluate
from crossplay.core.settings import Settings
from crossplay.opdb import ensure_schema, get_engine


@dataclass(frozen=True)
class CampaignStatus:
    campaign_id: str
    version: int
    status: str
    cost: CampaignCost
    persons: int
    by_day: list[tuple[str, int]]
    rewards: list[dict[str, Any]]
    #: (person_id, best dual check-in streak, current streak) — pseudonymous ids
    top_streaks: list[tuple[str, int, int]]
    pending_messages: int


def campaign_status(settings: Settings | str, campaign_id: str, *,
                    top: int = 5) -> CampaignStatus:
    engine = get_engine(settings)
    ensure_schema(engine)
    campaign, status = stored_campaign(engine, campaign_id)
    a = t.awards.c
    with engine.connect() as con:
        by_day = [(str(d), int(n)) for d, n in con.execute(
            select(a.local_day, func.sum(a.amount)).where(a.campaign_id == campaign_id)
            .group_by(a.local_day).order_by(a.local_day)).all()]
        persons = int(con.execute(select(func.count(func.distinct(a.person_id)))
                                  .where(a.campaign_id == campaign_id)).scalar_one())
        rewards = [dict(r._mapping) for r in con.execute(
            select(t.rewards.c.reward_id, t.rewards.c.partner, t.rewards.c.cost,
                   t.rewards.c.stock, t.rewards.c.reserved, t.rewards.c.redeemed)
            .where(t.rewards.c.campaign_id == campaign_id)
            .order_by(t.rewards.c.reward_id)).all()]
        checkins = con.execute(select(t.checkins.c.person_id, t.checkins.c.platform,
                                      t.checkins.c.ts)
                               .where(t.checkins.c.campaign_id == campaign_id,
                                      t.checkins.c.source == "event")).all()
        pending = int(con.execute(select(func.count()).select_from(t.outbox)
                                  .where(t.outbox.c.delivered_at.is_(None))).scalar_one())
    streaks: list[tuple[str, int, int]] = []
    if campaign.checkins is not None and checkins:  # person-level joint data read
        from crossplay.privacy import audit

        audit.record(settings, "campaign.status", actor=f"campaign:{campaign_id}",
                     details={"checkins": len(checkins), "top": top})
    if campaign.checkins is not None and checkins:
        # the stored check-ins walked by the same rules as when they were awarded
        evs = [Event(str(p), "", f"{p}:{pl}:{ts}", str(pl), "checkin", None, int(ts))
               for p, pl, ts in checkins]
        ev = evaluate(campaign, evs)
        streaks = sorted(((p, best, cur) for p, (cur, _d, best) in ev.streaks.items()),
                         key=lambda x: (-x[1], -x[2], x[0]))[:top]
    return CampaignStatus(campaign_id, campaign.version, status,
                          campaign_cost(settings, campaign_id), persons, by_day, rewards,
                          streaks, pending)
