"""The transport every client shares: one httpx client, the key, problem+json refusals."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from crossplay.core.errors import CrossplayError


class ApiError(CrossplayError):
    """The server refused (``status`` >= 400) or could not be reached (``status`` 0).

    ``server_code`` is the problem's stable ``code`` (branch on it), ``detail`` its text,
    ``retry_after`` the seconds a 429 asked to wait, ``problem`` the whole body."""

    code = "api_refused"

    def __init__(self, message: str, *, code: str, params: dict[str, Any],
                 problem: dict[str, Any] | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message, code=code, params=params)
        self.status: int = int(params.get("status", 0))
        self.server_code: str = str(params.get("server_code", ""))
        self.detail: str = str(params.get("detail", ""))
        self.problem = problem or {}
        self.retry_after = retry_after


def refusal(resp: httpx.Response, what: str) -> ApiError:
    """``resp`` (status >= 400) as an :class:`ApiError`; ``what`` names the server."""
    try:
        problem = resp.json()
        detail, code = str(problem["detail"]), str(problem.get("code") or "")
    except (ValueError, KeyError, TypeError):
        problem, detail, code = None, resp.text, ""
    try:
        retry = float(resp.headers["retry-after"]) if "retry-after" in resp.headers else None
    except ValueError:
        retry = None
    answer = f"{resp.status_code} {code}".strip()
    return ApiError(f"{what} refused ({answer}): {detail}", code="api_refused",
                    params={"status": resp.status_code, "server_code": code,
                            "answer": answer, "detail": detail, "what": what},
                    problem=problem, retry_after=retry)


def unreachable(url: str, what: str, exc: httpx.HTTPError) -> ApiError:
    return ApiError(f"cannot reach {what} at {url}: {exc}", code="api_unreachable",
                    params={"status": 0, "detail": str(exc), "what": what, "url": url})


class Transport:
    """One connection pool to one server, every request carrying ``Bearer api_key``.

    A refusal raises ``refuse(response)`` and a network failure ``cannot_reach(url,
    exc)``: :class:`ApiError` by default; the PSI client raises its own error instead."""

    def __init__(self, url: str, api_key: str | None = None, *, timeout: float = 30.0,
                 lang: str | None = None, what: str = "the crossplay server",
                 transport: httpx.BaseTransport | None = None,
                 refuse: Callable[[httpx.Response], Exception] | None = None,
                 cannot_reach: Callable[[str, httpx.HTTPError], Exception] | None = None,
                 ) -> None:
        self.url = url.rstrip("/")
        self.what = what
        self._refuse = refuse or (lambda resp: refusal(resp, what))
        self._cannot_reach = cannot_reach or (lambda url, exc: unreachable(url, what, exc))
        self.sent = self.received = 0
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        if lang:
            headers["Accept-Language"] = lang
        self._client = httpx.Client(base_url=self.url,
                                    timeout=httpx.Timeout(timeout, connect=30.0),
                                    headers=headers, transport=transport)

    def request(self, method: str, path: str, *, content: bytes | None = None,
                json_body: Any = None, params: dict[str, Any] | None = None,
                headers: dict[str, str] | None = None) -> httpx.Response:
        """The server's answer (2xx or 3xx); a refusal raises :class:`ApiError`."""
        if json_body is not None:
            content = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            headers = {"Content-Type": "application/json", **(headers or {})}
        self.sent += len(content or b"")
        query = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            resp = self._client.request(method, path, content=content, params=query,
                                        headers=headers)
        except httpx.HTTPError as exc:
            raise self._cannot_reach(self.url, exc) from None
        self.received += len(resp.content)
        if resp.status_code >= 400:
            raise self._refuse(resp)
        return resp

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON body of the server's answer."""
        resp = self.request(method, path, **kwargs)
        try:
            return resp.json()
        except ValueError:
            raise ApiError(f"{self.what} answered with a body that is not JSON",
                           code="api_not_json",
                           params={"status": resp.status_code, "what": self.what,
                                   "detail": resp.text[:200]}) from None

    def close(self) -> None:
        self._client.close()
