"""Partner API keys: who is calling, for which partner, allowed to do what.

The one credential model of crossplay's network faces (``psi serve`` and the HTTP API,
``crossplay serve``). A key:

- belongs to one partner (``knowledge`` or ``game``) and carries scopes (:data:`Scope`);
- is shown once, at creation: ``cp_<key id>_<secret>`` where the key id (12 hex
  characters) is public — it names the key in listings, audit entries and revocations —
  and the secret is 32 bytes of :func:`secrets.token_urlsafe` entropy;
- is stored only as the SHA-256 of the whole string. Keys are high-entropy random
  strings, so a fast hash is enough (a slow password hash such as argon2 protects
  low-entropy passwords against guessing; nobody guesses 256 random bits);
- is checked by finding the row by its key id and comparing hashes with
  :func:`hmac.compare_digest` (an unknown id is compared against a dummy hash, so the
  time taken does not tell which ids exist);
- can be revoked (kept for the record, refused from then on); ``created_at``,
  ``revoked_at`` and ``last_used_at`` come from :mod:`crossplay.core.clock`
  (``last_used_at`` is written at most once a minute per key).

Creating and revoking a key are audited (:mod:`crossplay.privacy.audit`); secrets never
reach the audit log, a listing or a log line.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, cast, get_args

from sqlalchemy import Engine, select, update

from crossplay.core import clock
from crossplay.core.errors import CrossplayError, NotFoundError
from crossplay.core.settings import Settings
from crossplay.core.types import PARTNERS, Partner
from crossplay.opdb import ensure_schema, get_engine

#: what a key may be used for: ``psi`` (PSI with the other partner) and the HTTP API's
#: areas (docs/api.md lists the operations of each); ``admin`` reads operational state
Scope = Literal["psi", "events", "recommend", "ledger", "experiments", "consent", "admin",
                "audiences"]
SCOPES: tuple[Scope, ...] = get_args(Scope)
#: scopes of keys created before the HTTP API, read as their successors
_RENAMED: dict[str, Scope] = {"events:write": "events", "consents:write": "consent",
                              "ledger:write": "ledger"}

KEY_PREFIX = "cp_"
KEY_ID_HEX = 12
SECRET_BYTES = 32
MAX_NAME = 64
#: longest string accepted as a presented key (a real one is 59 characters)
MAX_PRESENTED = 256
LAST_USED_EVERY = timedelta(minutes=1)
_DUMMY_HASH = "0" * 64


class ApiKeyError(CrossplayError):
    code = "api_key_error"


class Unauthenticated(ApiKeyError):
    """No key, a malformed, unknown or revoked key (HTTP 401)."""

    code = "unauthenticated"


class Forbidden(ApiKeyError):
    """A valid key that may not do this (HTTP 403)."""

    code = "forbidden"


@dataclass(frozen=True)
class ApiKey:
    """A stored key, without its secret."""

    key_id: str
    partner: Partner
    name: str
    scopes: tuple[Scope, ...]
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def as_dict(self) -> dict[str, Any]:
        def iso(t: datetime | None) -> str | None:
            return None if t is None else t.isoformat(timespec="seconds")

        return {"key_id": self.key_id, "partner": self.partner, "name": self.name,
                "scopes": list(self.scopes), "created_at": iso(self.created_at),
                "revoked_at": iso(self.revoked_at), "last_used_at": iso(self.last_used_at),
                "active": self.active}


@dataclass(frozen=True)
class IssuedKey:
    """A key just created: ``secret`` is the only copy of the credential."""

    key: ApiKey
    secret: str


def _engine(settings: Settings) -> Engine:
    engine = get_engine(settings)
    ensure_schema(engine)
    return engine


def _us(t: datetime) -> int:
    delta = t.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _dt(us: int | None) -> datetime | None:
    if us is None:
        return None
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(us))


def hash_secret(secret: str) -> str:
    """SHA-256 (hex) of a presented key: what the table stores."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse_scopes(values: Iterable[str]) -> tuple[Scope, ...]:
    """Known scopes, deduplicated and sorted; an unknown one is an error naming them all."""
    out: set[Scope] = set()
    for value in values:
        for part in value.replace(",", " ").split():
            if part not in SCOPES:
                raise ApiKeyError(f"unknown scope {part!r}: use one or more of "
                                  f"{', '.join(SCOPES)}", code="apikey_bad_scope",
                                  params={"scope": part, "scopes": ", ".join(SCOPES)})
            out.add(part)
    if not out:
        raise ApiKeyError(f"a key needs at least one scope: {', '.join(SCOPES)}",
                          code="apikey_no_scope", params={"scopes": ", ".join(SCOPES)})
    return tuple(sorted(out))


def _check_name(name: str) -> str:
    text = name.strip()
    if len(text) > MAX_NAME:
        raise ApiKeyError(f"a key name has at most {MAX_NAME} characters",
                          code="apikey_name_long", params={"max": MAX_NAME})
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") for c in text):
        raise ApiKeyError("a key name must not contain control or format characters",
                          code="apikey_name_control")
    return text


def _row_key(row: Any) -> ApiKey:
    created = _dt(row.created_at)
    assert created is not None
    return ApiKey(key_id=row.key_id, partner=cast(Partner, row.partner), name=row.name,
                  scopes=tuple(sorted({_RENAMED.get(s, cast(Scope, s))
                                      for s in str(row.scopes).split() if s in SCOPES
                                      or s in _RENAMED})),
                  created_at=created, revoked_at=_dt(row.revoked_at),
                  last_used_at=_dt(row.last_used_at))


def create_key(settings: Settings, partner: Partner, scopes: Iterable[str], *,
               name: str | None = None, actor: str = "cli") -> IssuedKey:
    """A new key for ``partner``; the returned secret is never stored nor shown again."""
    from crossplay.access.tables import api_keys
    from crossplay.privacy.audit import record

    if partner not in PARTNERS:
        raise ApiKeyError(f"unknown partner {partner!r}: use knowledge or game",
                          code="apikey_bad_partner", params={"partner": partner})
    chosen = parse_scopes(scopes)
    label = _check_name(name or "")
    key_id = secrets.token_hex(KEY_ID_HEX // 2)
    secret = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(SECRET_BYTES)}"
    now = clock.now()
    with _engine(settings).begin() as conn:
        conn.execute(api_keys.insert().values(
            key_id=key_id, partner=partner, name=label, scopes=" ".join(chosen),
            secret_sha256=hash_secret(secret), created_at=_us(now)))
    record(settings, "apikey_create", actor=actor, subject=f"apikey:{key_id}",
           details={"partner": partner, "scopes": list(chosen), "name": label})
    created = _dt(_us(now))
    assert created is not None
    return IssuedKey(ApiKey(key_id, partner, label, chosen, created, None, None), secret)


def list_keys(settings: Settings, *, partner: Partner | None = None) -> list[ApiKey]:
    """Every key (active and revoked), oldest first; never a secret."""
    from crossplay.access.tables import api_keys

    q = select(api_keys).order_by(api_keys.c.created_at, api_keys.c.key_id)
    if partner is not None:
        q = q.where(api_keys.c.partner == partner)
    with _engine(settings).connect() as conn:
        return [_row_key(r) for r in conn.execute(q).all()]


def get_key(settings: Settings, key_id: str) -> ApiKey:
    from crossplay.access.tables import api_keys

    with _engine(settings).connect() as conn:
        row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).first()
    if row is None:
        raise NotFoundError(f"no API key {key_id!r}: `crossplay apikey list` shows them",
                            code="apikey_unknown", params={"key_id": key_id})
    return _row_key(row)


def revoke_key(settings: Settings, key_id: str, *, actor: str = "cli") -> ApiKey:
    """Refuse the key from now on (idempotent: revoking a revoked key changes nothing)."""
    from crossplay.access.tables import api_keys
    from crossplay.privacy.audit import record

    key_id = key_id.strip()
    if key_id.startswith(KEY_PREFIX):  # a whole key pasted: keep only its public id
        key_id = key_id[len(KEY_PREFIX):len(KEY_PREFIX) + KEY_ID_HEX]
    current = get_key(settings, key_id)
    if not current.active:
        return current
    with _engine(settings).begin() as conn:
        conn.execute(update(api_keys)
                     .where(api_keys.c.key_id == key_id, api_keys.c.revoked_at.is_(None))
                     .values(revoked_at=_us(clock.now())))
    record(settings, "apikey_revoke", actor=actor, subject=f"apikey:{key_id}",
           details={"partner": current.partner, "scopes": list(current.scopes)})
    return get_key(settings, key_id)


def bearer_secret(authorization: str | None) -> str | None:
    """The key in an ``Authorization: Bearer <key>`` header value, or None."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def _key_id_of(secret: str) -> str | None:
    if (len(secret) > MAX_PRESENTED or not secret.isascii()
            or not secret.startswith(KEY_PREFIX)):
        return None
    key_id = secret[len(KEY_PREFIX):len(KEY_PREFIX) + KEY_ID_HEX]
    if (len(key_id) != KEY_ID_HEX or any(c not in "0123456789abcdef" for c in key_id)
            or secret[len(KEY_PREFIX) + KEY_ID_HEX:len(KEY_PREFIX) + KEY_ID_HEX + 1] != "_"):
        return None
    return key_id


def check_scope(key: ApiKey, scope: Scope) -> None:
    """Raise :class:`Forbidden` unless ``key`` carries ``scope``."""
    if scope not in key.scopes:
        raise Forbidden(f"API key {key.key_id} does not carry the scope {scope!r} "
                        f"(it has {', '.join(key.scopes)}); create one with --scope {scope}",
                        code="forbidden",
                        params={"key_id": key.key_id, "scope": scope,
                                "scopes": ", ".join(key.scopes)})


def authenticate(settings: Settings, secret: str | None, scope: Scope) -> ApiKey:
    """The key a caller presented, if it exists, is active and holds ``scope``.

    Raises :class:`Unauthenticated` (no key, malformed, unknown, wrong secret, revoked)
    or :class:`Forbidden` (a valid key without ``scope``).
    """
    from crossplay.access.tables import api_keys

    if not secret:
        raise Unauthenticated("no API key: send `Authorization: Bearer cp_...` with a key "
                              "from `crossplay apikey create`", code="auth_no_key")
    key_id = _key_id_of(secret)
    if key_id is None:
        raise Unauthenticated("malformed API key: keys look like cp_<12 hex>_<secret>",
                              code="auth_malformed")
    engine = _engine(settings)
    with engine.connect() as conn:
        row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).first()
    stored = str(row.secret_sha256) if row is not None else _DUMMY_HASH
    if not hmac.compare_digest(stored, hash_secret(secret)) or row is None:
        raise Unauthenticated("unknown API key or wrong secret: ask the other partner's "
                              "operator for a key (`crossplay apikey create`)",
                              code="auth_unknown_key")
    key = _row_key(row)
    if not key.active:
        raise Unauthenticated(f"API key {key_id} was revoked: ask for a new one",
                              code="auth_revoked", params={"key_id": key_id})
    check_scope(key, scope)
    now = clock.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_EVERY:
        with engine.begin() as conn:
            conn.execute(update(api_keys).where(api_keys.c.key_id == key_id)
                         .values(last_used_at=_us(now)))
    return key


__all__ = [
    "SCOPES",
    "ApiKey",
    "ApiKeyError",
    "Forbidden",
    "IssuedKey",
    "Scope",
    "Unauthenticated",
    "authenticate",
    "bearer_secret",
    "check_scope",
    "create_key",
    "get_key",
    "hash_secret",
    "list_keys",
    "parse_scopes",
    "revoke_key",
]
