"""The joining side's client of ``psi serve``: every call carries the API key; a refusal
becomes :class:`~crossplay.privacy.psi.PsiError` with the server's own explanation."""

from __future__ import annotations

import json
from typing import Any

import httpx

from crossplay.client.base import Transport
from crossplay.privacy.psi import PsiError, json_object


def psi_refusal(resp: httpx.Response) -> PsiError:
    """The server's refusal as an error of this side: its problem+json ``detail``, with the
    server's ``code`` quoted in the message (``psi_server_refused``), else the body as it
    came (``psi_refused``)."""
    try:
        problem = resp.json()
        detail, code = str(problem["detail"]), str(problem.get("code") or "")
    except (ValueError, KeyError, TypeError):
        return PsiError(f"the PSI server refused ({resp.status_code}): {resp.text}",
                        code="psi_refused",
                        params={"status": resp.status_code, "detail": resp.text})
    if not code:
        return PsiError(f"the PSI server refused ({resp.status_code}): {detail}",
                        code="psi_refused", params={"status": resp.status_code,
                                                    "detail": detail})
    return PsiError(f"the PSI server refused ({resp.status_code} {code}): {detail}",
                    code="psi_server_refused",
                    params={"status": resp.status_code, "server_code": code, "detail": detail})


def _unreachable(url: str, exc: httpx.HTTPError) -> PsiError:
    return PsiError(f"cannot reach the PSI server at {url}: {exc}", code="psi_unreachable",
                    params={"url": url, "detail": str(exc)})


class PsiClient:
    """``psi join``'s side of the PSI session protocol (see
    :mod:`crossplay.privacy.psi_service`); counts the bytes sent and received."""

    def __init__(self, url: str, api_key: str, timeout: float) -> None:
        self.transport = Transport(url, api_key, timeout=timeout, what="the PSI server",
                                   refuse=psi_refusal, cannot_reach=_unreachable)

    @property
    def sent(self) -> int:
        return self.transport.sent

    @property
    def received(self) -> int:
        return self.transport.received

    def post(self, path: str, body: bytes, ctype: str = "application/octet-stream") -> bytes:
        return self.transport.request("POST", path, content=body,
                                      headers={"Content-Type": ctype}).content

    def post_json(self, path: str, data: dict[str, Any]) -> dict[str, Any]:
        return json_object(self.post(path, json.dumps(data).encode("utf-8"), "application/json"))

    def close(self) -> None:
        self.transport.close()
