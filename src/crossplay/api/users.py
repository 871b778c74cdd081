"""How an operation names a user: the partner's native id or its pseudonymous ``user_key``.

A native id is pseudonymised at the edge with the *calling* partner's secret (never
stored, never logged); a partner that pseudonymises on its own side sends the
``user_key``. Either way the key belongs to the caller's partner, so a partner can only
ever address its own users: the other partner's keys are HMACs under a secret it does
not hold, and a key it invents is an unknown user.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Annotated

from fastapi import Query
from pydantic import BaseModel, Field, model_validator

from crossplay.core.errors import ConfigError, NotFoundError
from crossplay.core.secrets import secret_chain
from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.ingest.pseudonymise import chained_user_key
from crossplay.privacy.keys import check_user_key

if TYPE_CHECKING:
    from crossplay.api.auth import Caller

#: longest native id accepted (ids longer than this are not ids)
MAX_NATIVE_ID = 128


class UserRef(BaseModel):
    """Exactly one of ``user_id`` (the caller's native id) or ``user_key``."""

    user_id: str | None = Field(default=None, min_length=1, max_length=MAX_NATIVE_ID,
                                description="the user's id on the calling partner's "
                                            "platform (pseudonymised at the edge)",
                                examples=["u_10001"])
    user_key: str | None = Field(default=None, min_length=32, max_length=32,
                                 pattern="^[0-9a-f]{32}$",
                                 description="the user's pseudonymous key, for partners "
                                             "that pseudonymise on their side")

    @model_validator(mode="after")
    def _exactly_one(self) -> UserRef:
        if (self.user_id is None) == (self.user_key is None):
            raise ValueError("give exactly one of user_id or user_key")
        return self


class _Chains:
    """Each partner's secret chain, read once and kept while the keys directory is
    unchanged. The signature (every file's name, size and mtime, plus the directory's) is
    taken per request, a few microseconds: a key rotation or a restored key file is seen
    on the very next request, never keyed with a stale chain."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[tuple[int, str, Partner], tuple[object, tuple[bytes, ...]]] = {}

    @staticmethod
    def _signature(settings: Settings) -> object:
        d = settings.keys_dir
        try:
            with os.scandir(d) as it:
                files = sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in it)
            top = os.stat(d).st_mtime_ns
        except FileNotFoundError:
            return None
        return top, tuple(files)

    def chain(self, settings: Settings, partner: Partner) -> tuple[bytes, ...]:
        slot = (id(settings), str(settings.keys_dir), partner)
        sig = self._signature(settings)
        held = self._held.get(slot)
        if held is not None and held[0] == sig:
            return held[1]
        chain = secret_chain(settings, partner)
        with self._lock:
            if len(self._held) > 64:
                self._held.clear()
            self._held[slot] = (sig, chain)
        return chain


_CHAINS = _Chains()


def native_user_key(settings: Settings, partner: Partner, native_id: str) -> str:
    """``user_key`` of ``partner``'s native id, as ingest computes it
    (:func:`crossplay.privacy.keys.native_key`, with the chain kept between requests)."""
    return chained_user_key(_CHAINS.chain(settings, partner), native_id.strip())


def resolve_user(settings: Settings, partner: Partner, user_id: str | None,
                 user_key: str | None) -> str:
    """The ``user_key`` the caller means (of the caller's own partner)."""
    if (user_id is None) == (user_key is None):
        raise ConfigError("give exactly one of user_id (native id) or user_key",
                          code="api_user_ref")
    if user_key is not None:
        return check_user_key(user_key)
    assert user_id is not None
    if not user_id.strip() or len(user_id) > MAX_NATIVE_ID:
        raise ConfigError(f"user_id must be 1 to {MAX_NATIVE_ID} characters",
                          code="api_user_id", params={"max": MAX_NATIVE_ID})
    return native_user_key(settings, partner, user_id)


def user_of(ref: UserRef, settings: Settings, partner: Partner) -> str:
    return resolve_user(settings, partner, ref.user_id, ref.user_key)


UserIdQuery = Annotated[str | None, Query(
    min_length=1, max_length=MAX_NATIVE_ID, examples=["u_10001"],
    description="the user's id on the calling partner's platform")]
UserKeyQuery = Annotated[str | None, Query(
    min_length=32, max_length=32, pattern="^[0-9a-f]{32}$",
    description="or the user's pseudonymous key")]


def own_user(caller: Caller, user_id: str | None, user_key: str | None) -> str:
    """The caller's user: a native id's key, or a key that names a user the caller's
    partner holds (an unknown key is "not found": a key addresses only one's own users)."""
    from crossplay.privacy import user_rights

    key = resolve_user(caller.settings, caller.partner, user_id, user_key)
    if user_id is None and not user_rights.is_known(caller.settings, caller.partner, key):
        partner = caller.partner
        raise NotFoundError(f"no {partner} user has this user_key: a key addresses only "
                            f"the caller's own users (send the user's user_id, or a "
                            f"user_key crossplay holds for {partner})",
                            code="consent_unknown_user", params={"partner": partner})
    return key
