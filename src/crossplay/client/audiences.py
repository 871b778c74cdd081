"""The audiences area of the HTTP API (scope ``audiences``): a saved audience's export.

    from crossplay.client import CrossplayClient

    with CrossplayClient(url, api_key="cp_...") as api:
        data = api.audiences.export("夜猫子", fmt="csv")   # b"user_key,partner\\n..."

The export holds only the key's partner's own user keys of the members who granted
``marketing`` now (docs/marketing.md); a refusal raises
:class:`crossplay.client.base.ApiError` (``audience_not_found``,
``audience_export_below_k`` ...).
"""

from __future__ import annotations

from urllib.parse import quote

from crossplay.client.base import Transport


class AudiencesApi:
    """``/v1/audiences`` over one transport."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def export(self, name: str, *, fmt: str = "csv", version: int | None = None) -> bytes:
        """The file's bytes (CSV ``user_key,partner`` or Parquet) of your users."""
        body: dict[str, object] = {"format": fmt}
        if version is not None:
            body["version"] = version
        resp = self.transport.request("POST", f"/v1/audiences/{quote(name, safe='')}/export",
                                      json_body=body)
        return resp.content
