"""Client of the recommendation routes (``/v1/recommendations``, ``/v1/items/.../similar``):
one method per operation, the server's JSON returned as it came."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from crossplay.client.base import Transport


class RecommendApi:
    """Recommendations for your users (a key with the ``recommend`` scope)."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def recommendations(self, *, user_id: str | None = None, user_key: str | None = None,
                        n: int | None = None, domain: str | None = None,
                        lang: str | None = None) -> dict[str, Any]:
        """Top ``n`` items for one user (exactly one of ``user_id`` and ``user_key``), of
        ``domain`` (knowledge, game or stream; default your own), each with why."""
        result: dict[str, Any] = self.transport.json(
            "GET", "/v1/recommendations", params={"user_id": user_id, "user_key": user_key,
                                                  "n": n, "domain": domain, "lang": lang})
        return result

    def similar(self, item_id: str, *, n: int | None = None,
                lang: str | None = None) -> dict[str, Any]:
        """The items most like your item ``item_id`` (same domain, available ones)."""
        result: dict[str, Any] = self.transport.json(
            "GET", f"/v1/items/{quote(item_id, safe='')}/similar",
            params={"n": n, "lang": lang})
        return result
