"""The events area of the HTTP API: post behaviour events, see what awaits the commit
(scope ``events``).

    from crossplay.client import CrossplayClient
    from crossplay.client.events import EventsApi

    with CrossplayClient(url, api_key="cp_...") as api:
        events = EventsApi(api.transport)
        answer = events.post([{"event_id": "k-1", "user_id": "u_10001",
                               "event_type": "course_view", "ts": "2026-09-01T20:15:00"}])
        answer["counts"]  # {"accepted": 1, "duplicate": 0, "quarantined": 0}
        events.status()["pending"]["accepted"]

A refusal of the whole batch raises :class:`crossplay.client.base.ApiError`
(``server_code`` ``events_too_many``, ``events_user_key``, ``invalid_request`` ...); a bad
row is not a refusal but a ``quarantined`` outcome with its reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from crossplay.client.base import Transport


class EventsApi:
    """``POST /v1/events`` and ``GET /v1/events/status`` over one transport."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def post(self, events: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Post one batch; the answer holds ``counts``, ``journaled`` and one entry per
        event in ``rows`` (``outcome``, and ``reason`` / ``message`` when quarantined)."""
        out: dict[str, Any] = self.transport.json(
            "POST", "/v1/events", json_body={"events": [dict(e) for e in events]})
        return out

    def status(self) -> dict[str, Any]:
        """Rows of the caller's partner journaled and not yet committed, and the last
        commit's time and rows."""
        out: dict[str, Any] = self.transport.json("GET", "/v1/events/status")
        return out
