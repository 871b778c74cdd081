"""The privacy centre's service: a link signed for one person, their session, what they
see and what they change.

A partner's backend asks for a link for one of its own users (``POST
/v1/privacy-centre/tokens``, :func:`issue_link`); the person opens it, the server checks
it (:func:`open_link`) and hands the browser a session cookie (:func:`session_cookie`,
read back with :func:`read_session`). Both are signed with the console's key
(:mod:`crossplay.web.signing`), each for its own purpose, so neither is accepted as the
other nor as a console session. Both carry the partner and the person's *pseudonymous*
key (never the native id), the audit log's head when the link was signed, and when it
expires; the cookie adds a random CSRF nonce. A session lives as long as the link had left.

What the person sees and changes goes through the API's own services, never a copy:
:func:`crossplay.privacy.user_rights.current_consent` and
:func:`~crossplay.privacy.user_rights.user_links` (the link: whether, since when, how —
never the other account's key), :func:`~crossplay.privacy.user_rights.set_consent` (so a
change is recorded, audited and seen by the live recommender on its next request) and
:func:`crossplay.privacy.erasure.forget_key`. Every view and every change is audited with
the actor ``person:<partner>`` and the person's one-way subject digest.

An erasure ends every link and session of the person signed before it, wherever it was
asked (here, the API or ``crossplay forget``): :func:`read_session` and :func:`open_link`
refuse a value when the audit log holds an erasure of that subject after the head the
link was signed at (:func:`erased_since`, a primary-key range of the newest entries).
"""

from __future__ import annotations

import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func, select

from crossplay.core import clock
from crossplay.core.settings import Settings
from crossplay.core.types import PARTNERS, Lang, Partner
from crossplay.privacy import user_rights
from crossplay.privacy.audit import engine_for, person_subject, record
from crossplay.privacy.consent import parse_purpose
from crossplay.privacy.erasure import ErasureReport, forget_key
from crossplay.privacy.policy import Purpose
from crossplay.privacy.tables import audit_log
from crossplay.web import signing

#: signing purposes (one salt each): the link a partner hands out, the browser's session
LINK_PURPOSE = "privacy-link"
SESSION_PURPOSE = "privacy-session"
#: the session cookie (path ``/privacy``: never sent to the console or the API)
COOKIE = "cp_privacy"
COOKIE_PATH = "/privacy"
#: where a consent change made here is said to come from (``live:privacy-centre``)
SOURCE = "privacy-centre"
#: the page's path
PAGE_PATH = "/privacy"

_KEY = re.compile(r"[0-9a-f]{32}")


def _now_s() -> int:
    return int(clock.now().timestamp())


@dataclass(frozen=True)
class PrivacyLink:
    """A signed link for one person: the token, the page's relative URL, its end."""

    token: str
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class PersonSession:
    """One person at the privacy centre (from a checked link or session cookie)."""

    partner: Partner
    user_key: str
    #: the audit log's head when the link was signed (an erasure after it ends this)
    since_seq: int
    #: when the link, and so the session, ends (seconds since the epoch, UTC)
    expires: int
    #: the CSRF nonce every form of the session carries
    csrf: str

    @property
    def actor(self) -> str:
        return f"person:{self.partner}"

    @property
    def subject(self) -> str:
        return person_subject(self.partner, self.user_key)

    @property
    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.expires, UTC)

    def remaining_s(self) -> int:
        return max(0, self.expires - _now_s())


def _head(settings: Settings) -> int:
    with engine_for(settings).connect() as conn:
        value = conn.execute(select(func.max(audit_log.c.seq))).scalar_one()
    return int(value or 0)


def erased_since(settings: Settings, partner: Partner, user_key: str, seq: int) -> bool:
    """Whether the audit log records an erasure of this person after entry ``seq``."""
    with engine_for(settings).connect() as conn:
        row = conn.execute(
            select(audit_log.c.seq).where(audit_log.c.seq > seq,
                                          audit_log.c.action == "erasure",
                                          audit_log.c.subject == person_subject(partner,
                                                                                user_key))
            .limit(1)).first()
    return row is not None


def issue_link(settings: Settings, partner: Partner, user_key: str, *, actor: str,
               lang: Lang | None = None) -> PrivacyLink:
    """A link to the privacy centre for ``partner``'s user ``user_key`` (the caller has
    made sure the key is one of ``partner``'s users), valid ``privacy_token_minutes``."""
    record(settings, "privacy_link_issued", actor=actor,
           subject=person_subject(partner, user_key),
           details={"minutes": settings.privacy_token_minutes})
    expires = _now_s() + max(1, int(settings.privacy_token_minutes * 60))
    token = signing.sign(settings, LINK_PURPOSE, {"p": partner, "u": user_key,
                                                  "a": _head(settings), "x": expires})
    query = {"token": token, **({"lang": lang} if lang else {})}
    return PrivacyLink(token, f"{PAGE_PATH}?{urlencode(query)}",
                       datetime.fromtimestamp(expires, UTC))


def _parse(settings: Settings, value: Any, csrf: str | None) -> PersonSession | None:
    if not isinstance(value, dict):
        return None
    partner, key, seq, expires = value.get("p"), value.get("u"), value.get("a"), value.get("x")
    if (partner not in PARTNERS or not isinstance(key, str) or not _KEY.fullmatch(key)
            or type(seq) is not int or type(expires) is not int or not csrf):
        return None
    if expires <= _now_s() or erased_since(settings, partner, key, seq):
        return None
    return PersonSession(partner, key, seq, expires, csrf)


def open_link(settings: Settings, token: str | None) -> PersonSession | None:
    """The new session of a valid link (audited), or None: missing, forged, signed for
    another purpose, expired, or its person erased since it was signed."""
    value = signing.unsign(settings, LINK_PURPOSE, token, settings.privacy_token_minutes * 60)
    session = _parse(settings, value, signing.nonce())
    if session is not None:
        record(settings, "privacy_centre_open", actor=session.actor, subject=session.subject,
               details={"expires_at": session.expires_at.isoformat()})
    return session


def session_cookie(settings: Settings, session: PersonSession) -> str:
    """The signed value of the session cookie."""
    return signing.sign(settings, SESSION_PURPOSE, {
        "p": session.partner, "u": session.user_key, "a": session.since_seq,
        "x": session.expires, "c": session.csrf})


def read_session(settings: Settings, cookie: str | None) -> PersonSession | None:
    """The session of a cookie value, or None (missing, forged, another purpose's value,
    expired, or the person erased since the link was signed)."""
    value = signing.unsign(settings, SESSION_PURPOSE, cookie,
                           settings.privacy_token_minutes * 60)
    csrf = value.get("c") if isinstance(value, dict) else None
    return _parse(settings, value, csrf if isinstance(csrf, str) else None)


def csrf_ok(session: PersonSession, token: Any) -> bool:
    """Whether a form's ``csrf_token`` is the session's nonce (constant time)."""
    return signing.same(session.csrf, token if isinstance(token, str) else None)


@dataclass(frozen=True)
class Overview:
    """What the page shows: the person's links and their consent per purpose."""

    links: list[user_rights.LinkView]
    consent: dict[Purpose, user_rights.PurposeState]

    @property
    def linked(self) -> bool:
        return any(x.active for x in self.links)


def overview(settings: Settings, session: PersonSession) -> Overview:
    """The person's links and consent, as the API's consent routes read them (audited:
    the view itself, and the links read as a joint read). The two reads run side by side:
    each opens its own warehouse connection, which is most of their time."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        reading = pool.submit(user_rights.current_consent, settings, session.partner,
                              session.user_key)
        links = user_rights.user_links(settings, session.partner, session.user_key,
                                       actor=session.actor)
        consent = reading.result()
    record(settings, "privacy_centre_view", actor=session.actor, subject=session.subject,
           details={"links": len(links)})
    return Overview(links, consent)


def change_consent(settings: Settings, session: PersonSession, purpose: str,
                   granted: bool) -> user_rights.ConsentOutcome:
    """Record the person's decision for ``purpose`` (an unknown purpose is a
    ``consent_purpose`` error, nothing written), through the API's own path."""
    parse_purpose(purpose)
    return user_rights.set_consent(settings, session.partner, session.user_key,
                                   {purpose: granted}, source=SOURCE, actor=session.actor)


@dataclass(frozen=True)
class Erasure:
    """What an erasure asked here did: its request id and the erasure's report."""

    request: str
    report: ErasureReport

    @property
    def lake_rows(self) -> int:
        return sum(self.report.lake_rows.values())

    @property
    def db_rows(self) -> int:
        return sum(self.report.db_rows.values())

    @property
    def derived_rows(self) -> int:
        return sum(self.report.derived_rows.values())


def erase(settings: Settings, session: PersonSession) -> Erasure:
    """Erase the person at once (:func:`~crossplay.privacy.erasure.forget_key`, audited
    with a request id); every session and link of theirs signed before ends with it."""
    request = "er_" + secrets.token_hex(8)
    report = forget_key(settings, session.partner, session.user_key, actor=session.actor,
                        request=request)
    return Erasure(request, report)
