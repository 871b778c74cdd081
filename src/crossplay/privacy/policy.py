"""The one consent policy: may this person's data be used for purpose P by party X?

Every feature that uses person-level data asks here (directly, or through the SQL
fragments below inside its DuckDB queries), so the rule lives in one place.

Rules (see docs/privacy.md):

- A partner using its *own* users' data for ``personalisation`` on its own platform may do
  so unless the user refused it (opt-out, as PIPL art. 24 requires a way to refuse).
- Any *cross-partner* use (the joint zone, or the other partner) works on a linked person,
  so it needs an active link whose both sides granted ``linking``, and an explicit, current
  grant of the purpose on both sides (a joint use combines both partners' data).
- ``linking`` and ``marketing`` are opt-in everywhere: without a current grant, no.
- The latest decision per (partner, user, purpose) wins; an unknown user has no grants.
  Decisions come from ingested exports and from live updates
  (:func:`crossplay.privacy.consent.update_consent`); both are in ``consents_current``.
- A link is active until an unbind, or until either side refuses ``linking`` at or after
  the binding (``links_current.revoked_at``); a later re-grant needs a new binding.

All SQL here runs against the warehouse views (:func:`crossplay.warehouse.duck.connect`):
``consents_current`` and ``links_current``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

import duckdb

from crossplay.core.types import Partner
from crossplay.ingest.sqlbase import lit


class Purpose(StrEnum):
    LINKING = "linking"
    PERSONALISATION = "personalisation"
    MARKETING = "marketing"


#: who wants to use the data: one of the partners, or the joint zone (the operator)
Party = Literal["knowledge", "game", "joint"]

_OPT_OUT: frozenset[Purpose] = frozenset({Purpose.PERSONALISATION})


def granted_sql(purpose: Purpose) -> str:
    """``SELECT partner, user_key`` of users whose latest decision for ``purpose`` is a grant."""
    return (f"SELECT partner, user_key FROM consents_current "
            f"WHERE purpose = {lit(purpose.value)} AND granted")


def refused_sql(purpose: Purpose) -> str:
    """``SELECT partner, user_key`` of users whose latest decision for ``purpose`` is no."""
    return (f"SELECT partner, user_key FROM consents_current "
            f"WHERE purpose = {lit(purpose.value)} AND NOT granted")


def linked_persons_sql(purpose: Purpose | None = None) -> str:
    """``SELECT person_id, k_user_key, g_user_key`` of persons usable across partners.

    An active link (not revoked) whose both sides granted ``linking``; with ``purpose``,
    both sides must also have granted that purpose.
    """
    needed = [Purpose.LINKING] + ([purpose] if purpose and purpose != Purpose.LINKING else [])
    conds = []
    for p in needed:
        for side, col in (("knowledge", "k_user_key"), ("game", "g_user_key")):
            conds.append(
                f"l.{col} IN (SELECT user_key FROM ({granted_sql(p)}) "
                f"WHERE partner = {lit(side)})")
    where = " AND ".join(["l.revoked_at IS NULL", *conds])
    return f"SELECT l.person_id, l.k_user_key, l.g_user_key FROM links_current l WHERE {where}"


def allowed_sql(purpose: Purpose, party: Party, partner: Partner,
                keys_sql: str | None = None) -> str:
    """``SELECT user_key`` of ``partner``'s users whose data ``party`` may use for ``purpose``.

    ``keys_sql`` (one column ``user_key``) is the candidate set; by default every user the
    lake knows for that partner (events, consents).
    """
    candidates = keys_sql or (
        f"SELECT DISTINCT user_key FROM events WHERE partner = {lit(partner)} "
        f"UNION SELECT DISTINCT user_key FROM consents WHERE partner = {lit(partner)}")
    if party == partner:
        if purpose in _OPT_OUT:
            block = f"SELECT user_key FROM ({refused_sql(purpose)}) WHERE partner = {lit(partner)}"
            return (f"SELECT user_key FROM ({candidates}) "
                    f"WHERE user_key NOT IN ({block})")
        need = f"SELECT user_key FROM ({granted_sql(purpose)}) WHERE partner = {lit(partner)}"
        return f"SELECT user_key FROM ({candidates}) WHERE user_key IN ({need})"
    col = "k_user_key" if partner == "knowledge" else "g_user_key"
    persons = linked_persons_sql(purpose)
    return (f"SELECT user_key FROM ({candidates}) "
            f"WHERE user_key IN (SELECT {col} FROM ({persons}))")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def decide(con: duckdb.DuckDBPyConnection, *, partner: Partner, user_key: str,
           purpose: Purpose, party: Party) -> Decision:
    """Whether ``party`` may use ``partner``'s user ``user_key`` for ``purpose``, and why."""
    rows = con.sql(
        f"SELECT granted FROM consents_current WHERE partner = {lit(partner)} "
        f"AND user_key = {lit(user_key)} AND purpose = {lit(purpose.value)}").fetchall()
    latest: bool | None = bool(rows[0][0]) if rows else None
    if party == partner and purpose in _OPT_OUT:
        if latest is False:
            return Decision(False, f"the user refused {purpose.value}")
        return Decision(True, f"own users, {purpose.value} not refused")
    if latest is not True:
        what = "refused" if latest is False else "has not granted"
        return Decision(False, f"the user {what} {purpose.value}")
    if party == partner:
        return Decision(True, f"the user granted {purpose.value}")
    col = "k_user_key" if partner == "knowledge" else "g_user_key"
    linked = con.sql(f"SELECT count(*) FROM ({linked_persons_sql(purpose)}) "
                     f"WHERE {col} = {lit(user_key)}").fetchall()[0][0]
    if not linked:
        return Decision(False, "no active link with linking consent on both sides")
    return Decision(True, f"linked, both sides granted linking and {purpose.value}")


def may_use(con: duckdb.DuckDBPyConnection, *, partner: Partner, user_key: str,
            purpose: Purpose, party: Party) -> bool:
    """Shorthand for ``decide(...).allowed``."""
    return decide(con, partner=partner, user_key=user_key, purpose=purpose,
                  party=party).allowed
