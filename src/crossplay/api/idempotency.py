"""``Idempotency-Key`` for the API's writes: the first answer is kept, a replay gets it back.

Every write of the ledger area (check-ins, redemptions, exchanges) needs the header. The
first request under a key *claims* it (a row of ``api_idempotency``, per partner), runs,
and stores its answer — status and body bytes, refusals (4xx) included. A request with a
used key then:

- with the same method, path and request (its *fingerprint*, see :func:`fingerprint`):
  gets the stored answer, byte for byte (header ``Idempotent-Replayed: true``);
- with anything else: 409 ``idempotency_key_reused``;
- while the first is still running: waits for its answer (up to :data:`WAIT_S`), so two
  concurrent requests under one key never both run; still running after that: 409
  ``idempotency_key_in_flight`` (retry with the same key).

A claim whose request died with its process (``kill -9``) lapses after :data:`LEASE_US`;
the next retry takes it over and runs the request again, at the claim's original time.
That is safe because every write under a key is itself idempotent in the ledger (its
request keys derive from the idempotency key, or from the person and day of a check-in),
so a run that had committed before the crash is replayed, not repeated. An answer that
says "try again" (the database stayed busy) or a crash of the request is not stored: the
claim is released and a retry runs afresh.
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, update

from crossplay.access.http import Conflict
from crossplay.campaigns import tables as t
from crossplay.campaigns.ledger import run_retrying
from crossplay.campaigns.postings import insert_ignoring_duplicates
from crossplay.core import clock

#: how long a claim holds before a retry may take it over (a crashed first request)
LEASE_US = 10_000_000
#: how long a request waits for a concurrent first request under its key to answer
WAIT_S = 15.0
#: refusals that ask to try again: never stored
TRANSIENT_CODES = frozenset({"campaign_ledger_retries", "campaign_ledger_busy",
                             "privacy_live_unreadable"})
#: what a key may be: 1 to 128 printable ASCII characters
KEY_PATTERN = r"^[\x21-\x7e][\x20-\x7e]{0,127}$"


@dataclass(frozen=True)
class Stored:
    """The first answer under the key."""

    status: int
    media_type: str
    body: bytes


@dataclass(frozen=True)
class Claimed:
    """This request runs; ``at_us`` is the time it acts at (the first claim's time)."""

    token: str
    at_us: int


def fingerprint(method: str, path: str, request: Mapping[str, Any]) -> str:
    """SHA-256 of the method, path and the request's canonical JSON — its validated body
    with the user named by ``user_key`` (a native ``user_id`` is pseudonymised first, so
    no native id is hashed into the table; key order and whitespace do not matter)."""
    canon = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                       default=str).encode("utf-8")
    h = hashlib.sha256()
    for part in (method.upper().encode(), path.encode("utf-8"), canon):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def _reused(key: str) -> Conflict:
    return Conflict(f"the Idempotency-Key {key!r} was used for a different request: "
                    f"use a new key for a new request", code="idempotency_key_reused",
                    params={"key": key})


def claim(engine: Engine, partner: str, key: str, fp: str, *,
          wait_s: float = WAIT_S) -> Claimed | Stored:
    """Claim ``key`` for a request with fingerprint ``fp``, or the stored answer (see the
    module). Raises :class:`Conflict` for a reused key or one still in flight."""
    deadline = time.monotonic() + wait_s
    while True:
        token, now = secrets.token_hex(16), clock.now_us()
        out: Claimed | Stored | None = run_retrying(
            engine, functools.partial(_try_claim, partner=partner, key=key, fp=fp,
                                      token=token, now=now))
        if out is not None:
            return out
        if time.monotonic() >= deadline:
            raise Conflict(f"a request with the Idempotency-Key {key!r} is still running: "
                           f"retry with the same key", code="idempotency_key_in_flight",
                           params={"key": key})
        time.sleep(0.05)


def _try_claim(con: Connection, partner: str, key: str, fp: str, token: str,
               now: int) -> Claimed | Stored | None:
    """One attempt of :func:`claim` (None: the first request is still running)."""
    c = t.api_idempotency.c
    got = con.execute(insert_ignoring_duplicates(con, t.api_idempotency, {
        "partner": partner, "idem_key": key, "fingerprint": fp, "created_at": now,
        "claim": token, "claimed_at": now}).returning(c.idem_key)).first()
    if got is not None:
        return Claimed(token, now)
    row = con.execute(select(c.fingerprint, c.status, c.media_type, c.body, c.claim,
                             c.claimed_at, c.created_at)
                      .where(c.partner == partner, c.idem_key == key)).one()
    if row.fingerprint != fp:
        raise _reused(key)
    if row.status is not None:
        return Stored(int(row.status), str(row.media_type), str(row.body).encode("utf-8"))
    if now - int(row.claimed_at) < LEASE_US:
        return None
    taken = con.execute(update(t.api_idempotency).where(
        c.partner == partner, c.idem_key == key, c.claim == row.claim,
        c.status.is_(None)).values(claim=token, claimed_at=now)).rowcount
    return Claimed(token, int(row.created_at)) if taken == 1 else None


def finish(engine: Engine, partner: str, key: str, token: str, status: int,
           media_type: str, body: bytes) -> None:
    """Store the answer (only while this request still holds the claim)."""
    c = t.api_idempotency.c

    def write(con: Connection) -> None:
        con.execute(update(t.api_idempotency).where(
            c.partner == partner, c.idem_key == key, c.claim == token,
            c.status.is_(None)).values(status=status, media_type=media_type,
                                       body=body.decode("utf-8")))
    run_retrying(engine, write)


def release(engine: Engine, partner: str, key: str, token: str) -> None:
    """Forget an unanswered claim (the request failed in a way worth retrying)."""
    c = t.api_idempotency.c

    def drop(con: Connection) -> None:
        con.execute(delete(t.api_idempotency).where(
            c.partner == partner, c.idem_key == key, c.claim == token,
            c.status.is_(None)))
    run_retrying(engine, drop)
