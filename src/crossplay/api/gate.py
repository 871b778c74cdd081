"""The ASGI layer in front of every route: requests in flight, and what each one cost.

Pure ASGI (no ``BaseHTTPMiddleware``, whose per-request task costs throughput). A worker
serves at most ``api_max_inflight`` ``/v1`` requests at once; one more is answered 429
with ``Retry-After: 1`` at once (never queued without bound, never a 5xx), so a spike is
shed in front of the database. Every answer is counted and timed per route template
(``/v1/users/{user}/...``, never a raw path holding an id) in :class:`Metrics`.
"""

from __future__ import annotations

import time

from crossplay.access.http import ASGIApp, Message, Receive, Scope, Send, problem
from crossplay.api.metrics import Metrics
from crossplay.api.problems import own_text
from crossplay.core.types import Lang


def _lang(scope: Scope) -> Lang:
    for k, v in scope.get("headers", []):
        if k == b"accept-language":
            return "zh-CN" if v.strip().lower().startswith(b"zh") else "en"
    return "en"


class Gate:
    def __init__(self, app: ASGIApp, *, metrics: Metrics, max_inflight: int) -> None:
        self.app, self.metrics, self.max_inflight = app, metrics, max_inflight
        self.inflight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limited = scope.get("path", "").startswith("/v1/")
        if limited and self.inflight >= self.max_inflight:
            self.metrics.refused.labels("overloaded").inc()
            await problem(429, "overloaded", own_text("overloaded", _lang(scope), wait=1),
                          {"Retry-After": "1"})(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        if limited:
            self.inflight += 1
        try:
            await self.app(scope, receive, sending)
        finally:
            if limited:
                self.inflight -= 1
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.latency.labels(method, template).observe(
                time.perf_counter() - started)
