"""What a partner may ask about one of its own users: consent, links, erasure.

One service layer for the HTTP API (``/v1/consent``, ``/v1/links``, ``/v1/erasure``) and
anything else that wants the same answers: every function takes the partner and a
``user_key`` *of that partner* (the API computes it from the caller's native id with the
caller's secret, or checks with :func:`is_known` that a key it was sent is one of the
caller's users) and never returns the other partner's key, native id or person id.

- :func:`current_consent` reads ``consents_current`` (lake and live decisions alike);
- :func:`set_consent` validates every purpose first, then records each *changed*
  decision through :func:`crossplay.privacy.consent.update_consent` (the CLI's path:
  history kept, audited; a refusal of ``linking`` revokes links). A decision equal to
  the current one is not recorded again, so repeating a request changes nothing;
- :func:`user_links` is a joint read (it looks at links, which join both partners'
  keys): audited like the other joint reads, answered with a per-caller handle;
- :func:`erasure_status` finds an erasure by the request id written to its audit entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.ingest.sqlbase import lit
from crossplay.privacy.audit import entries, person_subject, record
from crossplay.privacy.consent import parse_purpose, update_consent
from crossplay.privacy.keys import native_key
from crossplay.privacy.policy import Purpose, decide, linked_persons_sql


@dataclass(frozen=True)
class PurposeState:
    """A user's current decision for one purpose (``granted`` None: never decided)."""

    purpose: Purpose
    granted: bool | None
    decided_at: datetime | None
    source: str | None
    #: whether the partner may use the user's data for this purpose on its own platform
    #: now (the policy: personalisation is opt-out, the others opt-in)
    allowed: bool

    def as_dict(self) -> dict[str, Any]:
        return {"granted": self.granted,
                "decided_at": None if self.decided_at is None else self.decided_at.isoformat(),
                "source": self.source, "allowed": self.allowed}


@dataclass(frozen=True)
class LinkView:
    """One cross-partner link of a user, as its own partner may see it."""

    handle: str
    method: str
    linked_at: datetime | None
    revoked_at: datetime | None
    #: active and both sides currently grant ``linking``: usable across partners
    usable: bool

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def as_dict(self) -> dict[str, Any]:
        return {"handle": self.handle, "active": self.active, "usable": self.usable,
                "method": self.method,
                "linked_at": None if self.linked_at is None else self.linked_at.isoformat(),
                "revoked_at": None if self.revoked_at is None
                else self.revoked_at.isoformat()}


def _side(partner: Partner) -> str:
    return "k_user_key" if partner == "knowledge" else "g_user_key"


def _utc(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def is_known(settings: Settings, partner: Partner, user_key: str) -> bool:
    """Whether ``user_key`` is a user of ``partner``: in its events, its consents (lake or
    live) or its side of a link. A key of the other partner is not (their keys are HMACs
    under another secret), nor is an erased user."""
    from crossplay.warehouse.duck import connect

    k, p = lit(user_key), lit(partner)
    con = connect(settings)
    try:
        row = con.sql(
            f"SELECT EXISTS (SELECT 1 FROM events WHERE partner = {p} AND user_key = {k}) "
            f"OR EXISTS (SELECT 1 FROM consents WHERE partner = {p} AND user_key = {k}) "
            f"OR EXISTS (SELECT 1 FROM links WHERE {_side(partner)} = {k})").fetchall()
    finally:
        con.close()
    return bool(row[0][0])


def current_consent(settings: Settings, partner: Partner,
                    user_key: str) -> dict[Purpose, PurposeState]:
    """The user's latest decision per purpose, and what the policy allows its partner."""
    from crossplay.warehouse.duck import connect

    con = connect(settings, scope=partner)
    try:
        rows = con.sql(
            f"SELECT purpose, granted, ts, source FROM consents_current "
            f"WHERE partner = {lit(partner)} AND user_key = {lit(user_key)}").fetchall()
        latest = {str(r[0]): r for r in rows}
        out: dict[Purpose, PurposeState] = {}
        for purpose in Purpose:
            allowed = decide(con, partner=partner, user_key=user_key, purpose=purpose,
                             party=partner).allowed
            r = latest.get(purpose.value)
            out[purpose] = (PurposeState(purpose, bool(r[1]), _utc(r[2]), str(r[3]), allowed)
                            if r is not None else PurposeState(purpose, None, None, None,
                                                               allowed))
    finally:
        con.close()
    return out


@dataclass(frozen=True)
class ConsentOutcome:
    """What :func:`set_consent` did: the state after it, and the purposes it recorded."""

    state: dict[Purpose, PurposeState]
    changed: tuple[Purpose, ...]


def set_consent(settings: Settings, partner: Partner, user_key: str,
                purposes: Mapping[str, bool], *, source: str = "api",
                actor: str = "api") -> ConsentOutcome:
    """Record the decisions in ``purposes`` that differ from the current ones.

    Every purpose is checked before anything is written (an unknown one is a
    ``consent_purpose`` error and nothing is recorded). Each changed decision goes
    through :func:`update_consent` with the same time, so a request's decisions share
    one instant; unchanged ones keep their original time and write nothing.
    """
    from crossplay.core import clock

    wanted = {parse_purpose(name): bool(granted) for name, granted in purposes.items()}
    before = current_consent(settings, partner, user_key)
    when = clock.now()
    changed = tuple(p for p in Purpose if p in wanted and before[p].granted != wanted[p])
    for purpose in changed:
        update_consent(settings, partner=partner, purpose=purpose, granted=wanted[purpose],
                       user_key=user_key, ts=when, source=source, actor=actor)
    state = current_consent(settings, partner, user_key) if changed else before
    return ConsentOutcome(state, changed)


def link_handle(settings: Settings, partner: Partner, person_id: str) -> str:
    """An opaque name of a link for ``partner``: an HMAC of the person id under the
    partner's own secret. Stable for that partner (until its key rotation), different for
    the other partner, and neither can compute the other's or the person id from it."""
    return "lk_" + native_key(settings, partner, f"link:{person_id}")


def user_links(settings: Settings, partner: Partner, user_key: str, *,
               actor: str = "api") -> list[LinkView]:
    """The user's links (active and revoked, newest first); an audited joint read."""
    from crossplay.warehouse.duck import connect

    col, k = _side(partner), lit(user_key)
    con = connect(settings)
    try:
        rows = con.sql(
            f"SELECT l.person_id, l.method, l.linked_at, l.revoked_at, "
            f"       l.person_id IN (SELECT person_id FROM ({linked_persons_sql()})) "
            f"FROM links_current l WHERE l.{col} = {k} "
            f"ORDER BY l.linked_at DESC NULLS LAST, l.person_id").fetchall()
    finally:
        con.close()
    links = [LinkView(link_handle(settings, partner, str(r[0])), str(r[1]), _utc(r[2]),
                      _utc(r[3]), bool(r[4])) for r in rows]
    # a digest, not the key: the log is append-only and erasure cannot edit it
    record(settings, "links_read", actor=actor, subject=person_subject(partner, user_key),
           details={"links": len(links), "active": sum(1 for x in links if x.active)})
    return links


def erasure_status(settings: Settings, partner: Partner,
                   request: str) -> dict[str, Any] | None:
    """The erasure recorded with request id ``request`` by ``partner``'s callers (the
    actor of the entry starts with ``api:<partner>:``), or None."""
    prefix = f"api:{partner}:"
    for entry in reversed(entries(settings, action="erasure")):
        if entry.details.get("request") == request and entry.actor.startswith(prefix):
            d = entry.details
            return {"erasure_id": request, "status": "done", "found": bool(d.get("found")),
                    "erased_at": entry.ts, "audit_seq": entry.seq, "subject": entry.subject,
                    "links": int(d.get("person_ids", 0)),
                    "lake_rows": d.get("lake_rows", {}), "db_rows": d.get("db_rows", {}),
                    "derived_rows": d.get("derived_rows", {})}
    return None
