"""A stored campaign as a partner may see it over the API (``GET /v1/campaigns/{id}``).

The same figures as ``crossplay campaign status`` (:func:`crossplay.campaigns.status.
campaign_status`), as JSON, except that the top streaks carry no person ids: those are
pseudonyms of joint data, and a partner sees only its own users.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from crossplay.campaigns.document import Campaign
from crossplay.campaigns.engine import stored_campaign
from crossplay.campaigns.errors import CampaignError
from crossplay.core.errors import NotFoundError
from crossplay.core.settings import Settings


def campaign_of(engine: Engine, campaign_id: str) -> Campaign:
    """The stored document of a campaign; "not found" when there is none."""
    try:
        return stored_campaign(engine, campaign_id)[0]
    except CampaignError:
        raise NotFoundError(f"no campaign {campaign_id!r}", code="ledger_campaign_not_found",
                            params={"id": campaign_id}) from None


def campaign_view(settings: Settings, engine: Engine, campaign_id: str) -> dict[str, Any]:
    """Status, window, budget, cost, points by day, rewards and the best streaks."""
    from crossplay.campaigns.status import campaign_status

    campaign = campaign_of(engine, campaign_id)
    st = campaign_status(settings, campaign_id)
    cost = st.cost
    return {
        "campaign_id": st.campaign_id, "version": st.version, "status": st.status,
        "name": dict(campaign.name), "start": campaign.start.isoformat(),
        "end": campaign.end.isoformat(), "timezone": campaign.timezone,
        "currency": cost.currency, "budget": cost.budget, "budget_left": cost.budget_left,
        "issued": cost.issued, "clawed_back": cost.clawed_back,
        "net_issued": cost.net_issued, "redeemed": cost.redeemed,
        "cost_yuan": str(cost.cost_yuan), "persons": st.persons,
        "by_day": [{"day": d, "points": n} for d, n in st.by_day],
        "rewards": [{k: (int(v) if isinstance(v, int) else str(v)) for k, v in r.items()}
                    for r in st.rewards],
        "top_streaks": [{"best": best, "current": cur} for _p, best, cur in st.top_streaks],
        "pending_messages": st.pending_messages,
    }
