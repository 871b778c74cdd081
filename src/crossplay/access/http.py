"""What every crossplay HTTP face shares: bounded bodies, problem+json errors, bearer keys.

Bodies are bounded twice:

- :class:`BodyLimit`, an ASGI middleware, runs before any route. A ``Content-Length``
  that is not one non-negative integer is refused (400), one above the hard cap is
  refused (413) without reading a byte; chunked bodies (no length) are counted as they
  arrive and cut at the cap; a body that stops arriving (a lying, too large length) is
  cut after ``timeout_s`` (408). Nothing is buffered beyond what the route asked for.
- :func:`read_body` is how a route reads its body, with its own, usually much smaller cap
  (e.g. what the authenticated session announced), after it has authenticated the caller:
  an unauthenticated request is refused before its body is read at all.

Errors are ``application/problem+json`` (RFC 9457): ``type``, ``title``, ``status``,
``detail`` (the message, which says what to do) and crossplay's stable ``code``. Every
error response closes the connection, so an unread body is never drained.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from crossplay.access.apikeys import Forbidden, Unauthenticated
from crossplay.access.ratelimit import RateLimited
from crossplay.core.errors import CrossplayError, NotFoundError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PROBLEM_JSON = "application/problem+json"


class BodyTooLarge(CrossplayError):
    code = "body_too_large"


class BodyTimeout(CrossplayError):
    code = "body_timeout"


class BadRequest(CrossplayError):
    code = "bad_request"


class Conflict(CrossplayError):
    """A request out of order for the resource's state (HTTP 409)."""

    code = "conflict"


_STATUS: tuple[tuple[type[CrossplayError], int], ...] = (
    (Unauthenticated, 401),
    (Forbidden, 403),
    (NotFoundError, 404),
    (BodyTimeout, 408),
    (Conflict, 409),
    (BodyTooLarge, 413),
    (RateLimited, 429),
)


def status_for(exc: CrossplayError) -> int:
    """The HTTP status of a domain error: its class's, else 400 (the caller's input)."""
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 400


def problem(status: int, code: str, detail: str,
            headers: dict[str, str] | None = None, *, close: bool = True) -> JSONResponse:
    """A problem+json response; it closes the connection unless ``close`` is False (for
    a refusal after the whole body was read, so a client's keep-alive survives it)."""
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status,
            "detail": detail, "code": code}
    extra = {"Connection": "close"} if close else {}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON,
                        headers={**extra, **(headers or {})})


#: errors whose problem ``code`` is their class's (``unauthenticated``, ``body_too_large``,
#: ``rate_limited``): a client meets every case of one the same way (present a valid key,
#: send less, wait) and the detail says which case it was; every other error's problem
#: code is the error's own
_CATEGORY_CODES: tuple[type[CrossplayError], ...] = (Unauthenticated, BodyTooLarge,
                                                     RateLimited)


def problem_code(exc: CrossplayError) -> str:
    return type(exc).code if isinstance(exc, _CATEGORY_CODES) else exc.code


def error_response(exc: CrossplayError) -> JSONResponse:
    headers = ({"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited)
               else None)
    return problem(status_for(exc), problem_code(exc), exc.message, headers)


def content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    """The request's declared length; None without one. Raises :class:`BadRequest` for a
    repeated, negative or non-numeric value."""
    values = [v for k, v in headers if k.lower() == b"content-length"]
    if not values:
        return None
    text = values[0].strip()
    if len(values) > 1 or not text.isdigit() or len(text) > 18:
        raise BadRequest("Content-Length must be one non-negative integer",
                         code="bad_content_length")
    return int(text)


class BodyLimit:
    """ASGI middleware: no request body beyond ``max_bytes``, none slower than ``timeout_s``
    between chunks (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, timeout_s: float) -> None:
        self.app, self.max_bytes, self.timeout_s = app, max_bytes, timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            declared = content_length(scope.get("headers", []))
        except BadRequest as exc:
            await error_response(exc)(scope, receive, send)
            return
        if declared is not None and declared > self.max_bytes:
            await error_response(BodyTooLarge(
                f"the body has {declared:,} bytes; at most {self.max_bytes:,} are accepted",
                code="body_declared_over_limit",
                params={"declared": declared, "max": self.max_bytes}))(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            try:
                message = await asyncio.wait_for(receive(), self.timeout_s)
            except TimeoutError:
                raise BodyTimeout(f"the body stopped arriving for {self.timeout_s:g} s: "
                                  "send the whole body at once", code="body_timeout",
                                  params={"timeout": self.timeout_s}) from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(f"the body exceeds {self.max_bytes:,} bytes",
                                       code="body_over_limit", params={"max": self.max_bytes})
            return message

        await self.app(scope, limited, send)


async def read_body(request: Request, cap: int) -> bytes:
    """The request body, refused (413) as soon as it would exceed ``cap`` bytes."""
    declared = content_length(list(request.scope.get("headers", [])))
    if declared is not None and declared > cap:
        raise BodyTooLarge(f"the body has {declared:,} bytes; this step accepts at most "
                           f"{cap:,}", code="body_declared_over_step",
                           params={"declared": declared, "cap": cap})
    out = bytearray()
    async for chunk in request.stream():
        out += chunk
        if len(out) > cap:
            raise BodyTooLarge(f"the body exceeds {cap:,} bytes, the most this step accepts",
                               code="body_over_step", params={"cap": cap})
    return bytes(out)


def install_error_handlers(app: Any) -> None:
    """Map crossplay errors and the framework's own 404/405/422 to problem+json."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

    async def on_domain(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, CrossplayError)
        return error_response(exc)

    async def on_http(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        return problem(exc.status_code, "http_error", str(exc.detail))

    async def on_invalid(_request: Request, exc: Exception) -> JSONResponse:
        return problem(422, "invalid_request", str(exc))

    app.add_exception_handler(CrossplayError, on_domain)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_invalid)
