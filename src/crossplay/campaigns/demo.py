"""The demo's campaign step: the sample "learn & play" campaign over the synthetic world.

The packaged sample runs over a fixed month (September 2026, the window of the worlds the
tests build) with a budget sized for 2,000 people; a generated world's window ends
yesterday. :func:`world_campaign` writes a copy of the sample whose ``start`` / ``end``
are the world's first and last day and whose budget grows with the world, and the demo
runs that copy (``<data_dir>/campaigns/learn_and_play.yaml``), so the campaign moves with
the world and a user can ``validate`` / ``simulate`` / ``apply`` the same file.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from crossplay.campaigns import tables as t
from crossplay.campaigns.document import load_campaign, sample_path
from crossplay.campaigns.engine import apply
from crossplay.campaigns.errors import CampaignError, LedgerError
from crossplay.campaigns.invariants import violations
from crossplay.campaigns.ledger import Ledger
from crossplay.campaigns.messages import PersonFacts, render
from crossplay.campaigns.outbox import Message, consume_once, deliver
from crossplay.campaigns.redemption import confirm, reserve
from crossplay.campaigns.status import campaign_status
from crossplay.core.settings import Settings
from crossplay.core.types import Lang
from crossplay.opdb import get_engine

_SET_LINE = re.compile(r"^(start|end|budget):[ \t]*\S+", re.MULTILINE)
#: the world size the sample's budget was sized for (its 3,000 points last the 30 days of
#: a 2,000-person world); the demo's copy scales the budget with the world
SAMPLE_PEOPLE = 2_000


def world_campaign(settings: Settings, first: dt.date, last: dt.date, *,
                   people: int = SAMPLE_PEOPLE) -> Path:
    """Write ``<data_dir>/campaigns/learn_and_play.yaml``: the sample campaign with its
    window set to ``first`` .. ``last`` (inclusive local dates) and its budget scaled to a
    world of ``people`` (never below the sample's); everything else, comments included, as
    in the sample. Validated before it is returned."""
    sample = load_campaign(sample_path())
    text = sample_path().read_text(encoding="utf-8")
    budget = max(sample.budget, round(sample.budget * people / SAMPLE_PEOPLE))
    values = {"start": first.isoformat(), "end": last.isoformat(), "budget": str(budget)}
    text, n = _SET_LINE.subn(lambda m: f"{m.group(1)}: {values[m.group(1)]}", text)
    if n != 3:
        raise CampaignError(f"{sample_path()}: expected one start:, end: and budget: line",
                            code="campaign_sample_lines", params={"path": str(sample_path())})
    path = settings.data_dir / "campaigns" / "learn_and_play.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    load_campaign(path)
    return path


def run_demo(settings: Settings, lang: Lang, document: Path | None = None) -> dict[str, Any]:
    """Apply the campaign ``document`` (default: the packaged sample), let the richest
    persons redeem the dearest reward they can afford (while stock lasts), deliver the
    partner messages; all idempotent on rerun."""
    campaign = load_campaign(document or sample_path())
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
    exhausted = status.status == "budget_exhausted" and bool(status.by_day)
    return {"campaign": campaign.id, "document": str(document or sample_path()),
            "start": campaign.start.isoformat(), "end": campaign.end.isoformat(),
            "persons": report.persons, "awarded_persons": status.persons,
            "issued": status.cost.issued, "clawed_back": status.cost.clawed_back,
            "redeemed": status.cost.redeemed,
            "exhausted_on": status.by_day[-1][0] if exhausted else None,
            "redemptions": redemptions, "messages_delivered": delivered,
            "left": status.cost.budget_left, "budget": campaign.budget,
            "status": status.status, "ok": "yes" if not broken else "NO",
            "violations": broken,
            "top_streaks": [{"best": b, "current": c} for _p, b, c in status.top_streaks],
            "message": message}
