"""Account links: bindings from exports (``--kind links``), live bindings and PSI matches.

A link joins a knowledge ``user_key`` and a game ``user_key`` into a ``person_id``
(``left(sha256(k || ':' || g), 16)``, see ``links_current``). Exported bind / unbind rows
live in the lake's ``links`` table; live actions (:func:`bind`, :func:`unbind`, PSI) in
``privacy_links``; the warehouse's ``links`` view unions both. A link is revoked by an
unbind, or when either side withdraws ``linking`` consent after the binding (a later
re-grant does not revive it: the user binds again).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from crossplay.core import clock
from crossplay.core.errors import CrossplayError
from crossplay.core.settings import Settings
from crossplay.privacy.audit import engine_for, record
from crossplay.privacy.tables import live_links

Method = Literal["binding", "psi"]


class LinkError(CrossplayError):
    code = "link_error"


def _check(key: str, side: str) -> str:
    key = key.strip()
    if len(key) != 32 or any(c not in "0123456789abcdef" for c in key):
        raise LinkError(f"{side} must be a 32-hex-character user_key (pseudonymous), "
                        f"got {len(key)} characters", code="link_bad_key",
                        params={"side": side, "length": len(key)})
    return key


def add_links(settings: Settings, pairs: Iterable[tuple[str, str]], *, method: Method,
              action: Literal["bind", "unbind"] = "bind", source: str = "api",
              actor: str = "api", ts: datetime | None = None) -> int:
    """Record bind (or unbind) actions for ``(k_user_key, g_user_key)`` pairs; audited."""
    when = (ts or clock.now()).astimezone(UTC)
    rows = [{"k_user_key": _check(k, "k_user_key"), "g_user_key": _check(g, "g_user_key"),
             "method": method, "action": action, "ts": when, "source": source}
            for k, g in pairs]
    if rows:
        with engine_for(settings).begin() as conn:
            conn.execute(live_links.insert(), rows)
    record(settings, f"link_{action}", actor=actor,
           details={"method": method, "pairs": len(rows), "source": source})
    return len(rows)


def bind(settings: Settings, k_user_key: str, g_user_key: str, *, method: Method = "binding",
         actor: str = "api") -> None:
    """A live binding event (the user bound the two accounts)."""
    add_links(settings, [(k_user_key, g_user_key)], method=method, actor=actor)


def unbind(settings: Settings, k_user_key: str, g_user_key: str, *,
           actor: str = "api") -> None:
    """A live unbinding event: the link is revoked from now on."""
    add_links(settings, [(k_user_key, g_user_key)], method="binding", action="unbind",
              actor=actor)


@dataclass(frozen=True)
class PsiLinks:
    """What :func:`add_psi_links` did: new links, pairs already linked (left as they are),
    pairs refused because a side no longer holds a ``linking`` grant."""

    added: int
    existing: int
    refused: int


_PSI_CHECK = """
    WITH kg AS (SELECT user_key FROM consents_current
                WHERE partner = 'knowledge' AND purpose = 'linking' AND granted),
         gg AS (SELECT user_key FROM consents_current
                WHERE partner = 'game' AND purpose = 'linking' AND granted),
         kk AS (SELECT DISTINCT user_key FROM consents WHERE partner = 'knowledge'),
         gk AS (SELECT DISTINCT user_key FROM consents WHERE partner = 'game'),
         seen AS (SELECT DISTINCT k_user_key, g_user_key FROM links)
    SELECT p.k, p.g,
           p.k IN (SELECT user_key FROM kg) AND p.g IN (SELECT user_key FROM gg) AS granted,
           p.k IN (SELECT user_key FROM gk) OR p.g IN (SELECT user_key FROM kk) AS crossed,
           EXISTS (SELECT 1 FROM seen WHERE seen.k_user_key = p.k
                   AND seen.g_user_key = p.g) AS existing
    FROM __psi_pairs p"""


def add_psi_links(settings: Settings, pairs: Sequence[tuple[str, str]], *, source: str,
                  actor: str) -> PsiLinks:
    """Record PSI matches ``(k_user_key, g_user_key)`` as links of method ``psi``.

    Only pairs that have never been linked are added: an existing link keeps its method
    (a binding stays ``binding``) and its history (an unbound pair is not re-linked
    behind the user's back). Both sides must be users of *their* partner who currently
    grant ``linking``; a pair whose knowledge side is a game user (or the reverse) means
    both sides of the run were the same partner, and nothing is recorded at all.
    """
    import pyarrow as pa

    from crossplay.warehouse.duck import connect

    clean = sorted({(_check(k, "k_user_key"), _check(g, "g_user_key")) for k, g in pairs})
    if not clean:
        record(settings, "link_bind", actor=actor,
               details={"method": "psi", "pairs": 0, "source": source})
        return PsiLinks(0, 0, 0)
    con = connect(settings)
    try:
        con.register("__psi_pairs", pa.table({"k": [k for k, _ in clean],
                                              "g": [g for _, g in clean]}))
        rows = con.sql(_PSI_CHECK).fetchall()
    finally:
        con.close()
    crossed = sum(1 for r in rows if r[3])
    if crossed:
        raise LinkError(f"{crossed} of {len(rows)} PSI pairs join two users of the same "
                        "partner: both sides of the run were one partner. Nothing was "
                        "recorded; run PSI against the other partner's server",
                        code="same_partner_link", params={"crossed": crossed, "pairs": len(rows)})
    new = [(str(r[0]), str(r[1])) for r in rows if r[2] and not r[4]]
    existing = sum(1 for r in rows if r[4])
    refused = sum(1 for r in rows if not r[2] and not r[4])
    add_links(settings, new, method="psi", source=source, actor=actor)
    return PsiLinks(len(new), existing, refused)
