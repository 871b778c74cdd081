"""What a campaign cost, from the ledger (for ROI: issue #7 calls :func:`campaign_cost`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine, func, select

from crossplay.campaigns import budget
from crossplay.campaigns import tables as t
from crossplay.campaigns.engine import stored_campaign
from crossplay.core.settings import Settings
from crossplay.opdb import ensure_schema, get_engine


@dataclass(frozen=True)
class CampaignCost:
    """Points of one campaign and their value in yuan (``point_value_yuan`` per point).

    ``issued``: awarded to persons; ``clawed_back``: returned to the budget by reversals;
    ``net_issued = issued - clawed_back``; ``redeemed``: spent on the campaign's rewards
    (confirmed). ``cost_yuan`` values the net issued points: the partners' liability.
    """

    campaign_id: str
    currency: str
    point_value_yuan: Decimal
    issued: int
    clawed_back: int
    redeemed: int
    budget: int
    budget_left: int

    @property
    def net_issued(self) -> int:
        return self.issued - self.clawed_back

    @property
    def cost_yuan(self) -> Decimal:
        return self.net_issued * self.point_value_yuan

    @property
    def redeemed_yuan(self) -> Decimal:
        return self.redeemed * self.point_value_yuan


def _account_balance(engine: Engine, holder: str, currency: str) -> int:
    with engine.connect() as con:
        value = con.execute(select(t.accounts.c.balance).where(
            t.accounts.c.kind == "system", t.accounts.c.holder == holder,
            t.accounts.c.currency == currency)).scalar()
    return int(value or 0)


def campaign_cost(settings: Settings | str, campaign_id: str) -> CampaignCost:
    """The cost of a stored (applied) campaign, read from the ledger."""
    engine = get_engine(settings)
    ensure_schema(engine)
    campaign, _status = stored_campaign(engine, campaign_id)
    cur = campaign.points
    with engine.connect() as con:
        issued = int(con.execute(select(func.coalesce(func.sum(t.awards.c.amount), 0))
                                 .where(t.awards.c.campaign_id == campaign_id)).scalar_one())
        clawed = int(con.execute(
            select(func.coalesce(func.sum(t.postings.c.amount), 0))
            .join(t.transactions, t.transactions.c.id == t.postings.c.tx_id)
            .join(t.accounts, t.accounts.c.id == t.postings.c.account_id)
            .where(t.transactions.c.kind == "reverse", t.accounts.c.kind == "system",
                   t.accounts.c.holder.like(f"budget:{campaign_id}#%"))).scalar_one())
    return CampaignCost(campaign_id, cur, campaign.point_value_yuan, issued, clawed,
                        _account_balance(engine, f"redeemed:{campaign_id}", cur),
                        campaign.budget, budget.left(engine, campaign_id, cur))
