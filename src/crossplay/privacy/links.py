"""Account links: bindings from exports (``--kind links``), live bindings and PSI matches.

A link joins a knowledge ``user_key`` and a game ``user_key`` into a ``person_id``
(``left(sha256(k || ':' || g), 16)``, see ``links_current``). Exported bind / unbind rows
live in the lake's ``links`` table; live actions (:func:`bind`, :func:`unbind`, PSI) in
``privacy_links``; the warehouse's ``links`` view unions both. A link is revoked by an
unbind, or when either side withdraws ``linking`` consent after the binding (a later
re-grant does not revive it: the user binds again).
"""

from __future__ import annotations

from collections.abc import Iterable
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
                        f"got {len(key)} characters")
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
