"""The client of the HTTP API (``crossplay serve``), one area at a time.

    from crossplay.client import CrossplayClient

    with CrossplayClient("http://127.0.0.1:8000", api_key="cp_...") as api:
        api.ready()
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import httpx

from crossplay.client.base import Transport


class CrossplayClient:
    """A partner's client of the HTTP API; ``lang="zh-CN"`` asks for Chinese errors."""

    def __init__(self, url: str, api_key: str | None = None, *, timeout: float = 30.0,
                 lang: str | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.transport = Transport(url, api_key, timeout=timeout, lang=lang,
                                   what="the crossplay API", transport=transport)

    def health(self) -> dict[str, Any]:
        """``/healthz``: the process answers."""
        out: dict[str, Any] = self.transport.json("GET", "/healthz")
        return out

    def ready(self) -> dict[str, Any]:
        """``/readyz``: database and lake reachable (a 503 raises ApiError)."""
        out: dict[str, Any] = self.transport.json("GET", "/readyz")
        return out

    def metrics(self) -> str:
        """``/metrics`` in the Prometheus text format."""
        return self.transport.request("GET", "/metrics").text

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> CrossplayClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
