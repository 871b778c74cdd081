"""The demo's campaign step: the sample "learn & play" campaign over the synthetic world."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from crossplay.campaigns import tables as t
from crossplay.campaigns.document import load_campaign, sample_path
from crossplay.campaigns.engine import apply
from crossplay.campaigns.errors import LedgerError
from crossplay.campaigns.invariants import violations
from crossplay.campaigns.ledger import Ledger
from crossplay.campaigns.messages import PersonFacts, render
from crossplay.campaigns.outbox import Message, consume_once, deliver
from crossplay.campaigns.redemption import confirm, reserve
from crossplay.campaigns.status import campaign_status
from crossplay.core.settings import Settings
from crossplay.core.types import Lang
from crossplay.opdb import get_engine


def run_demo(settings: Settings, lang: Lang) -> dict[str, Any]:
    """Apply the sample campaign, let the richest persons redeem the dearest reward they can
    afford (while stock lasts), deliver the partner messages; all idempotent on rerun."""
    campaign = load_campaign(sample_path())
    report = apply(settings, campaign)
    engine = get_engine(settings)
    ledger = Ledger(engine)
    cur = campaign.points
    with engine.connect() as con:
        holders = con.execute(
            select(t.accounts.c.holder, t.accounts.c.balance)
            .where(t.accounts.c.kind == "person", t.accounts.c.currency == cur)
            .order_by(t.accounts.c.balance.desc(), t.accounts.c.holder)).all()
        already = {str(r[0]) for r in con.execute(
            select(t.redemptions.c.person_id)
            .where(t.redemptions.c.campaign_id == campaign.id)).all()}
    rewards = sorted(campaign.rewards, key=lambda r: -r.cost)
    for person, balance in holders:
        if person in already:  # a rerun of the demo: one redemption per person
            continue
        for reward in rewards:
            if balance < reward.cost:
                continue
            try:
                res = reserve(ledger, f"demo:reserve:{person}:{reward.id}", campaign.id,
                              reward.id, str(person))
            except LedgerError:
                continue  # out of stock: try the next reward
            confirm(ledger, f"demo:confirm:{person}:{reward.id}",
                    int(res.result["redemption"]))
            break

    def partner(msg: Message) -> None:
        consume_once(engine, f"partner:{msg.partner}", msg, lambda con, m: None)

    deliver(engine, partner, limit=10_000)
    status = campaign_status(settings, campaign.id)
    with engine.connect() as con:
        delivered = int(con.execute(select(func.count()).select_from(t.outbox)
                                    .where(t.outbox.c.delivered_at.is_not(None))).scalar_one())
    redemptions = sum(int(r["redeemed"]) for r in status.rewards)
    message = ""
    if status.top_streaks:
        person, _best, current = max(status.top_streaks, key=lambda s: (s[2], s[1]))
        with engine.connect() as con:
            last = con.execute(select(t.awards.c.amount).where(
                t.awards.c.campaign_id == campaign.id, t.awards.c.person_id == person)
                .order_by(t.awards.c.ts.desc()).limit(1)).scalar()
        facts = PersonFacts(name="Hi" if lang == "en" else "你好", points=int(last or 0),
                            balance=ledger.balance(person, cur), streak=current,
                            recommended=[])
        message = render(campaign, "earned", lang, facts)
    broken = violations(engine)
    return {"campaign": campaign.id, "persons": report.persons,
            "issued": status.cost.issued, "redeemed": status.cost.redeemed,
            "redemptions": redemptions, "messages_delivered": delivered,
            "left": status.cost.budget_left, "budget": campaign.budget,
            "status": status.status, "ok": "yes" if not broken else "NO",
            "violations": broken,
            "top_streaks": [{"best": b, "current": c} for _p, b, c in status.top_streaks],
            "message": message}
