"""Client of the experiment routes (``/v1/experiments/{key}/...``): one method per
operation, the server's JSON returned as it came."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from crossplay.client.base import Transport


def exposure(*, user_id: str | None = None, user_key: str | None = None,
             variant: str | None = None, at: dt.datetime | str | None = None
             ) -> dict[str, Any]:
    """One row of :meth:`ExperimentsApi.log_exposures` (``None`` fields left out)."""
    row: dict[str, Any] = {"user_id": user_id, "user_key": user_key, "variant": variant,
                           "at": at.isoformat() if isinstance(at, dt.datetime) else at}
    return {k: v for k, v in row.items() if v is not None}


class ExperimentsApi:
    """Assignment and exposure logging for your experiments (the ``experiments`` scope)."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def assignment(self, key: str, *, user_id: str | None = None,
                   user_key: str | None = None) -> dict[str, Any]:
        """The user's variant in experiment ``key`` (``variant: None`` outside its slice)."""
        result: dict[str, Any] = self.transport.json(
            "GET", f"/v1/experiments/{quote(key, safe='')}/assignment",
            params={"user_id": user_id, "user_key": user_key})
        return result

    def log_exposures(self, key: str, rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
        """Log exposures (rows from :func:`exposure`); an outcome per row."""
        result: dict[str, Any] = self.transport.json(
            "POST", f"/v1/experiments/{quote(key, safe='')}/exposures",
            json_body={"exposures": list(rows)})
        return result
