"""The client of the HTTP API (``crossplay serve``), one attribute per area.

    from crossplay.client import CrossplayClient

    with CrossplayClient("http://127.0.0.1:8000", api_key="cp_...") as api:
        api.ready()
        api.events.post([{"event_id": "g-77", "user_id": "u_1", "event_type": "session",
                          "item_id": "g_12", "ts": "2026-12-01T20:15:00+08:00",
                          "value": 1800}])
        api.recommend.recommendations(user_id="u_1", n=5)
        api.ledger.checkin(user_id="u_1")
        api.consent.set("u_1", {"marketing": False})
        api.experiments.assignment("exp_key", user_id="u_1")
        api.audiences.export("夜猫子", fmt="csv")  # your users' keys of a saved audience

Each area's methods are in its module (:mod:`.events`, :mod:`.recommend`,
:mod:`.ledger`, :mod:`.experiments`, :mod:`.consent`); docs/api.md lists the operations.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import httpx

from crossplay.client.audiences import AudiencesApi
from crossplay.client.base import Transport
from crossplay.client.consent import ConsentApi
from crossplay.client.events import EventsApi
from crossplay.client.experiments import ExperimentsApi
from crossplay.client.ledger import LedgerApi
from crossplay.client.recommend import RecommendApi


class CrossplayClient:
    """A partner's client of the HTTP API; ``lang="zh-CN"`` asks for Chinese errors."""

    def __init__(self, url: str, api_key: str | None = None, *, timeout: float = 30.0,
                 lang: str | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.transport = Transport(url, api_key, timeout=timeout, lang=lang,
                                   what="the crossplay API", transport=transport)
        self.events = EventsApi(self.transport)
        self.recommend = RecommendApi(self.transport)
        self.ledger = LedgerApi(self.transport)
        self.experiments = ExperimentsApi(self.transport)
        self.consent = ConsentApi(self.transport)
        self.audiences = AudiencesApi(self.transport)

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
