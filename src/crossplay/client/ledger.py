"""Client of the ledger area: check-ins, balance, statement, redemptions, exchanges, status.

    from crossplay.client.ledger import LedgerApi

    ledger = LedgerApi(client.transport)
    ledger.checkin(user_id="u_10001")

A user is named by ``user_id`` (the caller's native id) or ``user_key``. Every write sends
an ``Idempotency-Key``: pass ``idempotency_key`` to retry a request safely (the server
answers a replay with the first answer); without it a new uuid4 is used, so the call is
a new request each time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from crossplay.client.base import Transport


def _user(user_id: str | None, user_key: str | None) -> dict[str, str]:
    return {k: v for k, v in (("user_id", user_id), ("user_key", user_key)) if v is not None}


class LedgerApi:
    """The ledger operations of the HTTP API over one :class:`Transport`."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def _write(self, path: str, body: dict[str, Any] | None,
               idempotency_key: str | None) -> dict[str, Any]:
        headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
        out: dict[str, Any] = self.transport.json("POST", path, json_body=body or {},
                                                  headers=headers)
        return out

    def checkin(self, *, user_id: str | None = None, user_key: str | None = None,
                platform: str | None = None, name: str | None = None,
                idempotency_key: str | None = None) -> dict[str, Any]:
        """Check the user in today; the awards, balance, streak and message per campaign."""
        body: dict[str, Any] = _user(user_id, user_key)
        if platform is not None:
            body["platform"] = platform
        if name is not None:
            body["name"] = name
        return self._write("/v1/checkins", body, idempotency_key)

    def balance(self, currency: str, *, user_id: str | None = None,
                user_key: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = self.transport.json(
            "GET", "/v1/balance", params={"currency": currency, **_user(user_id, user_key)})
        return out

    def statement(self, currency: str, *, user_id: str | None = None,
                  user_key: str | None = None, limit: int | None = None,
                  cursor: str | None = None) -> dict[str, Any]:
        """One page of the user's postings (``next_cursor`` for the next)."""
        out: dict[str, Any] = self.transport.json(
            "GET", "/v1/statement", params={"currency": currency, "limit": limit,
                                            "cursor": cursor, **_user(user_id, user_key)})
        return out

    def statement_entries(self, currency: str, *, user_id: str | None = None,
                          user_key: str | None = None,
                          limit: int = 100) -> Iterator[dict[str, Any]]:
        """Every entry of the statement, following the cursor page by page."""
        cursor: str | None = None
        while True:
            page = self.statement(currency, user_id=user_id, user_key=user_key,
                                  limit=limit, cursor=cursor)
            yield from page["entries"]
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def reserve(self, campaign_id: str, reward_id: str, *, user_id: str | None = None,
                user_key: str | None = None,
                idempotency_key: str | None = None) -> dict[str, Any]:
        """Reserve one unit of a reward: its ``redemption_id`` confirms or cancels it."""
        return self._write("/v1/redemptions", {"campaign_id": campaign_id,
                                               "reward_id": reward_id,
                                               **_user(user_id, user_key)}, idempotency_key)

    def confirm(self, redemption_id: int, *,
                idempotency_key: str | None = None) -> dict[str, Any]:
        return self._write(f"/v1/redemptions/{int(redemption_id)}/confirm", None,
                           idempotency_key)

    def cancel(self, redemption_id: int, *,
               idempotency_key: str | None = None) -> dict[str, Any]:
        return self._write(f"/v1/redemptions/{int(redemption_id)}/cancel", None,
                           idempotency_key)

    def exchange(self, campaign_id: str, from_currency: str, to_currency: str, amount: int,
                 *, user_id: str | None = None, user_key: str | None = None,
                 idempotency_key: str | None = None) -> dict[str, Any]:
        """Exchange at the campaign's rate (fee, amount received, both balances)."""
        return self._write("/v1/exchanges", {
            "campaign_id": campaign_id, "from": from_currency, "to": to_currency,
            "amount": amount, **_user(user_id, user_key)}, idempotency_key)

    def campaign(self, campaign_id: str) -> dict[str, Any]:
        """A campaign's status (scope ledger or admin)."""
        out: dict[str, Any] = self.transport.json(
            "GET", f"/v1/campaigns/{quote(campaign_id, safe='')}")
        return out
