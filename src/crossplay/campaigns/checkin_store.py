"""Check-ins crossplay has recorded, read back as rule-engine events.

A check-in posted live (``POST /v1/checkins``, :mod:`crossplay.campaigns.live`) is stored
in ``campaign_checkins`` but is not in the lake. The batch path (``campaign apply``) and
the live path must evaluate the same history, or a streak bonus could be reached on one
day by one path and on another day by the other (two keys, two bonuses): both add these
stored check-ins to the lake's. A stored check-in that came from the lake is the same
(person, platform, day) with the same first time, so adding it changes nothing.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Engine, select

from crossplay.campaigns import tables as t
from crossplay.campaigns.rules import Event


def stored_checkin_events(engine: Engine, campaign_id: str,
                          persons: Collection[str] | None = None) -> list[Event]:
    """The campaign's recorded check-ins (``source`` event, not make-up days, which the
    rules derive again) as ``checkin`` events, of ``persons`` only when given."""
    c = t.checkins.c
    q = select(c.person_id, c.platform, c.local_day, c.ts).where(
        c.campaign_id == campaign_id, c.source == "event")
    if persons is not None:
        if not persons:
            return []
        q = q.where(c.person_id.in_(sorted(persons)))
    with engine.connect() as con:
        rows = con.execute(q).all()
    return [Event(person=str(p), partner="stored", event_id=f"{p}:{pl}:{day}",
                  platform=str(pl), event_type="checkin", item_id=None, ts=int(ts))
            for p, pl, day, ts in rows]
