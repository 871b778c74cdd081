"""Errors as RFC 9457 problem+json, in the caller's language, never a stack trace.

``detail`` is the error's message in the language of ``Accept-Language`` (``zh*`` is
zh-CN, anything else English), from the same catalog the CLI prints (``err.<code>``);
``code`` is crossplay's stable code, the field a client should branch on. Request
validation failures are 422 ``invalid_request`` with the field at fault; an unexpected
failure is 500 ``internal_error`` with a reference to the server's log line, nothing more.
No free database connection (the pool's wait timed out, or PostgreSQL refused one: "too
many clients") is 503 ``database_busy`` with ``Retry-After``: load, not a fault.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from crossplay.access.http import problem, problem_code, status_for
from crossplay.access.ratelimit import RateLimited
from crossplay.core.errors import CrossplayError
from crossplay.core.types import Lang

log = logging.getLogger("crossplay.api")

#: texts of the problems the API itself raises (not a domain error)
_TEXTS: dict[str, dict[Lang, str]] = {
    "invalid_request": {"en": "the request is not valid: {detail}",
                        "zh-CN": "请求无效: {detail}"},
    "internal_error": {"en": "the server failed on this request (reference {ref}); it is "
                             "logged: retry, and report the reference if it persists",
                       "zh-CN": "服务器处理此请求时出错 (编号 {ref}), 已记录日志: 请重试, "
                                "若持续出现请报告该编号"},
    "not_found": {"en": "no such operation: see /docs for the operations",
                  "zh-CN": "没有这个接口: 所有接口见 /docs"},
    "method_not_allowed": {"en": "this operation does not take {method}: see /docs",
                           "zh-CN": "此接口不接受 {method} 方法: 见 /docs"},
    "database_busy": {"en": "the database has no free connection for this request right "
                            "now: retry after {wait} s",
                      "zh-CN": "数据库暂时没有空闲连接处理此请求: 请 {wait} 秒后重试"},
    "overloaded": {"en": "the server is at its limit of requests in flight: retry after "
                         "{wait} s", "zh-CN": "服务器同时处理的请求已达上限: 请 {wait} 秒后重试"},
}


class Problem(BaseModel):
    """An error (RFC 9457 ``application/problem+json``)."""

    type: str = Field(default="about:blank", examples=["about:blank"])
    title: str = Field(examples=["Unauthorized"])
    status: int = Field(examples=[401])
    detail: str = Field(description="what went wrong and what to do, in the request's "
                                    "language (Accept-Language: zh-CN or en)",
                        examples=["no API key: send `Authorization: Bearer cp_...`"])
    code: str = Field(description="stable error code", examples=["unauthenticated"])


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: the problem+json statuses it may answer."""
    every = {400, 401, 403, 413, 422, 429, *statuses}
    return {s: {"model": Problem, "description": _REASONS.get(s, "error"),
                "content": {"application/problem+json": {}}} for s in sorted(every)}


_REASONS = {400: "bad input", 401: "no, unknown or revoked API key",
            403: "the key may not do this", 404: "not found", 408: "body too slow",
            409: "conflict with the current state", 413: "body too large",
            422: "request does not match the schema", 429: "too many requests "
            "(see Retry-After)", 503: "not ready"}


def request_lang(request: Request) -> Lang:
    """zh-CN when ``Accept-Language`` prefers Chinese, else en."""
    value = request.headers.get("accept-language", "")
    first = value.split(",", 1)[0].strip().lower()
    return "zh-CN" if first.startswith("zh") else "en"


def localized(exc: CrossplayError, lang: Lang) -> str:
    if lang == "en":
        return exc.message
    from crossplay.cli.i18n import coded_text

    return coded_text(exc.code, exc.params, exc.message, lang=lang)


def own_text(code: str, lang: Lang, **params: object) -> str:
    return _TEXTS[code][lang].format(**params)


def domain_problem(exc: CrossplayError, lang: Lang) -> JSONResponse:
    headers = ({"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited)
               else None)
    return problem(status_for(exc), problem_code(exc), localized(exc, lang), headers,
                   close=False)


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` as problem+json in the request's language."""

    async def on_domain(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, CrossplayError)
        return domain_problem(exc, request_lang(request))

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        lang = request_lang(request)
        if exc.status_code == 404:
            return problem(404, "not_found", own_text("not_found", lang), close=False)
        if exc.status_code == 405:
            return problem(405, "method_not_allowed",
                           own_text("method_not_allowed", lang, method=request.method),
                           close=False)
        return problem(exc.status_code, "http_error", str(exc.detail), close=False)

    async def on_invalid(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        parts = []
        for err in exc.errors()[:5]:
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            parts.append(f"{where}: {err.get('msg', '')}" if where else str(err.get("msg")))
        detail = "; ".join(parts) or "invalid"
        return problem(422, "invalid_request",
                       own_text("invalid_request", request_lang(request), detail=detail),
                       close=False)

    async def on_db_error(request: Request, exc: Exception) -> JSONResponse:
        if not database_busy(exc):
            return await on_crash(request, exc)
        log.warning("database busy on %s %s: %s", request.method, request.url.path,
                    str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return problem(503, "database_busy",
                       own_text("database_busy", request_lang(request), wait=BUSY_RETRY_S),
                       {"Retry-After": str(BUSY_RETRY_S)}, close=False)

    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        ref = secrets.token_hex(4)
        log.error("internal error %s on %s %s", ref, request.method, request.url.path,
                  exc_info=exc)
        return problem(500, "internal_error",
                       own_text("internal_error", request_lang(request), ref=ref))

    app.add_exception_handler(CrossplayError, on_domain)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_invalid)
    app.add_exception_handler(sa_exc.TimeoutError, on_db_error)
    app.add_exception_handler(sa_exc.OperationalError, on_db_error)
    app.add_exception_handler(Exception, on_crash)


#: seconds a client waits before retrying after ``database_busy``
BUSY_RETRY_S = 1
#: what PostgreSQL (and its proxies) say when they refuse a connection for lack of slots
_NO_SLOTS = ("too many clients", "remaining connection slots",
             "too many connections")


def database_busy(exc: BaseException) -> bool:
    """Whether ``exc`` means "no database connection free now" (retrying later helps):
    the pool's wait timed out, or the server refused a connection for lack of slots."""
    if isinstance(exc, sa_exc.TimeoutError):
        return True
    return isinstance(exc, sa_exc.OperationalError) and any(
        s in str(exc).lower() for s in _NO_SLOTS)
