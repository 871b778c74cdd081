"""Who is calling: the partner's API key (``Authorization: Bearer cp_...``) and its scope.

Every ``/v1`` operation depends on :func:`require` with the scope it needs. A key is
checked against the operational database (:func:`crossplay.access.apikeys.authenticate`)
and then trusted by this worker for ``api_key_cache_s`` seconds (so a revocation takes
effect within that time; 0 checks every request). Then the key's request budget is
charged (:class:`crossplay.access.ratelimit.RequestLimiter`, 429 with ``Retry-After``).
Only authenticated requests reach a limiter: nobody can spend a partner's allowance
without the partner's key.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from crossplay.access.apikeys import (
    ApiKey,
    Scope,
    Unauthenticated,
    authenticate,
    bearer_secret,
    check_scope,
)
from crossplay.api.context import ApiContext, context_of
from crossplay.api.problems import request_lang
from crossplay.core.settings import Settings
from crossplay.core.types import Lang, Partner

#: the security scheme the OpenAPI document shows (the check itself is :func:`require`)
bearer_scheme = HTTPBearer(auto_error=False, scheme_name="partnerKey",
                           description="a partner API key from `crossplay apikey create`")

#: most keys a worker remembers at once
_CACHE_MAX = 1_024


@dataclass(frozen=True)
class Caller:
    """An authenticated request: the key, its partner and the reader's language."""

    key: ApiKey
    lang: Lang
    ctx: ApiContext

    @property
    def partner(self) -> Partner:
        return self.key.partner

    @property
    def settings(self) -> Settings:
        return self.ctx.settings


class KeyCache:
    """Keys checked recently, by the SHA-256 of the presented secret."""

    def __init__(self, ttl_s: float, timer: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s, self._timer = ttl_s, timer
        self._lock = threading.Lock()
        self._keys: dict[str, tuple[ApiKey, float]] = {}

    def get(self, digest: str) -> ApiKey | None:
        if self.ttl_s <= 0:
            return None
        with self._lock:
            hit = self._keys.get(digest)
            if hit is None or self._timer() - hit[1] >= self.ttl_s:
                return None
            return hit[0]

    def put(self, digest: str, key: ApiKey) -> None:
        if self.ttl_s <= 0:
            return
        with self._lock:
            if len(self._keys) >= _CACHE_MAX:
                self._keys.clear()
            self._keys[digest] = (key, self._timer())


async def caller_key(ctx: ApiContext, authorization: str | None, scope: Scope) -> ApiKey:
    """The key presented in ``authorization``, checked for ``scope`` (see the module)."""
    secret = bearer_secret(authorization)
    if secret is None:
        raise Unauthenticated("no API key: send `Authorization: Bearer cp_...` with a key "
                              "from `crossplay apikey create`", code="auth_no_key")
    digest = hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
    cache: KeyCache = ctx.services["key_cache"]
    key = cache.get(digest)
    if key is None:
        key = await run_in_threadpool(authenticate, ctx.settings, secret, scope)
        cache.put(digest, key)
    else:
        check_scope(key, scope)
    ctx.limiter.take(key.key_id)
    return key


def require(scope: Scope) -> Callable[..., Awaitable[Caller]]:
    """A dependency: the authenticated caller of an operation that needs ``scope``."""

    async def dependency(request: Request, _credentials: HTTPAuthorizationCredentials | None
                         = Depends(bearer_scheme)) -> Caller:
        ctx = context_of(request)
        key = await caller_key(ctx, request.headers.get("authorization"), scope)
        return Caller(key, request_lang(request), ctx)

    dependency.__name__ = f"require_{scope}"
    return dependency
