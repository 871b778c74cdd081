"""The consent area of the HTTP API: a user's consent, links and erasure (scope ``consent``).

    from crossplay.client import CrossplayClient
    from crossplay.client.consent import ConsentApi

    with CrossplayClient(url, api_key="cp_...") as api:
        consent = ConsentApi(api.transport)
        consent.set("u_10001", {"marketing": True})
        consent.get("u_10001")["purposes"]["marketing"]["granted"]  # True

Every method names the user by the caller's native id (``user_id``) or, with
``user_key=``, by its pseudonymous key; give exactly one. A refusal raises
:class:`crossplay.client.base.ApiError` (``server_code`` ``consent_unknown_user``,
``consent_purpose`` ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crossplay.client.base import Transport


def _user(user_id: str | None, user_key: str | None) -> dict[str, str]:
    return {k: v for k, v in (("user_id", user_id), ("user_key", user_key)) if v is not None}


class ConsentApi:
    """``/v1/consent``, ``/v1/links`` and ``/v1/erasure`` over one transport."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def get(self, user_id: str | None = None, *, user_key: str | None = None
            ) -> dict[str, Any]:
        """The user's current decision per purpose (``purposes[p]["granted"]``, ...)."""
        out: dict[str, Any] = self.transport.json("GET", "/v1/consent",
                                                  params=_user(user_id, user_key))
        return out

    def set(self, user_id: str | None, purposes: Mapping[str, bool], *,
            user_key: str | None = None, source: str | None = None) -> dict[str, Any]:
        """Record decisions (``{"marketing": True, ...}``); ``changed`` lists the purposes
        it recorded (an unchanged decision is not recorded again)."""
        body: dict[str, Any] = {**_user(user_id, user_key), "purposes": dict(purposes)}
        if source is not None:
            body["source"] = source
        out: dict[str, Any] = self.transport.json("PUT", "/v1/consent", json_body=body)
        return out

    def links(self, user_id: str | None = None, *, user_key: str | None = None
              ) -> dict[str, Any]:
        """The user's cross-partner links (``linked``, ``links``: handle, method, times)."""
        out: dict[str, Any] = self.transport.json("GET", "/v1/links",
                                                  params=_user(user_id, user_key))
        return out

    def erase(self, user_id: str | None = None, *, user_key: str | None = None
              ) -> dict[str, Any]:
        """Erase the user everywhere; answers when done (``erasure_id``, ``found``)."""
        out: dict[str, Any] = self.transport.json("POST", "/v1/erasure",
                                                  json_body=_user(user_id, user_key))
        return out

    def erasure(self, erasure_id: str) -> dict[str, Any]:
        """The outcome of an erasure this partner requested."""
        out: dict[str, Any] = self.transport.json("GET", f"/v1/erasure/{erasure_id}")
        return out
