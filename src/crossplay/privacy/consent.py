"""The consent registry: ingested decisions (the lake) plus live updates (operational DB).

Decisions arrive two ways: exports ingested with ``--kind consents`` (the lake's
``consents`` table) and live changes through :func:`update_consent` (what the API calls,
and ``crossplay consent set``), stored append-only in ``privacy_consents``. The warehouse's
``consents`` view is the union of both, so history is kept; ``consents_current`` keeps the
latest decision per (partner, user, purpose) (ties: the later recorded one wins), which is
what :mod:`crossplay.privacy.policy` reads. Every live change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from crossplay.core import clock
from crossplay.core.errors import CrossplayError
from crossplay.core.settings import Settings
from crossplay.core.types import PARTNERS, Partner
from crossplay.privacy.audit import engine_for, person_subject, record
from crossplay.privacy.keys import check_user_key, native_key
from crossplay.privacy.policy import Purpose
from crossplay.privacy.tables import live_consents


class ConsentError(CrossplayError):
    code = "consent_error"


@dataclass(frozen=True)
class ConsentChange:
    partner: Partner
    user_key: str
    purpose: Purpose
    granted: bool
    ts: datetime
    source: str


def parse_purpose(value: str) -> Purpose:
    try:
        return Purpose(value)
    except ValueError:
        purposes = ", ".join(p.value for p in Purpose)
        raise ConsentError(f"unknown purpose {value!r}: use one of {purposes}",
                           code="consent_purpose",
                           params={"value": value, "purposes": purposes}) from None


def update_consent(settings: Settings, *, partner: Partner, purpose: Purpose | str,
                   granted: bool, user_key: str | None = None, native_id: str | None = None,
                   ts: datetime | None = None, source: str = "api",
                   actor: str = "api") -> ConsentChange:
    """Record one live consent decision (history kept) and audit it.

    Give the user as ``user_key`` or as ``native_id`` (pseudonymised here with the
    partner's current key; the native id is not stored). Revoking ``linking`` revokes
    the person's links (see ``links_current`` in :mod:`crossplay.warehouse.duck`).
    """
    if partner not in PARTNERS:
        raise ConsentError(f"unknown partner {partner!r}: use knowledge or game",
                           code="consent_partner", params={"partner": partner})
    purpose = parse_purpose(purpose) if isinstance(purpose, str) else purpose
    if (user_key is None) == (native_id is None):
        raise ConsentError("give exactly one of user_key and native_id",
                           code="consent_one_id")
    if native_id is not None:
        if not native_id.strip():
            raise ConsentError("the native id is blank", code="consent_blank_id")
        user_key = native_key(settings, partner, native_id)
    else:
        assert user_key is not None
        user_key = check_user_key(user_key)
    when = (ts or clock.now())
    if when.tzinfo is None:
        raise ConsentError("the decision time needs a time zone", code="consent_naive_time")
    when = when.astimezone(UTC)
    engine = engine_for(settings)
    with engine.begin() as conn:
        conn.execute(live_consents.insert().values(
            partner=partner, user_key=user_key, purpose=purpose.value, granted=granted,
            ts=when, source=source))
    record(settings, "consent_change", actor=actor, subject=person_subject(partner, user_key),
           details={"purpose": purpose.value, "granted": granted, "source": source,
                    "ts": when.isoformat()})
    return ConsentChange(partner, user_key, purpose, granted, when, source)


def live_history(settings: Settings, partner: Partner, user_key: str) -> list[dict[str, Any]]:
    """Live decisions for one user, oldest first (the lake's are in the ``consents`` view)."""
    engine = engine_for(settings)
    with engine.connect() as conn:
        rows = conn.execute(select(live_consents).where(
            live_consents.c.partner == partner, live_consents.c.user_key == user_key)
            .order_by(live_consents.c.ts, live_consents.c.id)).all()
    return [{"purpose": r.purpose, "granted": bool(r.granted), "ts": r.ts, "source": r.source}
            for r in rows]
