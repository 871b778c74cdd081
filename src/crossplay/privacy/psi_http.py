"""PSI over HTTP: the ASGI app ``psi serve`` runs on uvicorn, and the client ``psi join`` uses.

Routes (JSON for control, framed binary for PSI messages; see
:mod:`crossplay.privacy.psi_service` for the session protocol)::

    POST /v1/session                 {"mode", "protocol", "partner"}
                                     -> {"session", "salt", "shards", "partner", "max_items"}
    POST /v1/session/<id>/sizes      {"sizes": [...]}      -> {}
    POST /v1/session/<id>/request    frames(requests)      -> frames(setups + responses)
    POST /v1/session/<id>/pairs      12-byte tags           -> 16-byte keys, in order

Every route first authenticates ``Authorization: Bearer <key>`` (scope ``psi``) and
refuses a key of the serving partner, then reads its body with the cap of its step; the
:class:`~crossplay.access.http.BodyLimit` middleware bounds every body before that.
Errors are problem+json (401, 403, 404, 408, 409, 413, 429, 400).
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from crossplay.access.apikeys import ApiKey, authenticate, bearer_secret
from crossplay.access.http import BodyLimit, install_error_handlers, read_body
from crossplay.core.errors import CrossplayError
from crossplay.privacy.psi import PsiError
from crossplay.privacy.psi_service import JSON_CAP, PsiServer


def _object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise PsiError("the body is not JSON", code="psi_body_not_json") from None
    if not isinstance(data, dict):
        raise PsiError("the body must be a JSON object", code="psi_body_not_object")
    return data


def create_app(server: PsiServer) -> Any:
    """The ASGI app of one PSI server (FastAPI, wrapped in the body limit)."""
    app = FastAPI(title="crossplay PSI", openapi_url=None, docs_url=None, redoc_url=None)
    install_error_handlers(app)

    async def caller(request: Request) -> ApiKey:
        secret = bearer_secret(request.headers.get("authorization"))
        key = await run_in_threadpool(authenticate, server.settings, secret, "psi")
        server.admit(key)
        return key

    @app.post("/v1/session")
    async def open_session(request: Request) -> JSONResponse:
        key = await caller(request)
        body = _object(await read_body(request, JSON_CAP))
        return JSONResponse(await run_in_threadpool(server.open_session, key, body))

    @app.post("/v1/session/{sid}/sizes")
    async def sizes(sid: str, request: Request) -> JSONResponse:
        key = await caller(request)
        body = _object(await read_body(request, server.body_cap(key, sid, "sizes")))
        return JSONResponse(await run_in_threadpool(server.sizes, key, sid, body))

    async def step_body(request: Request, key: ApiKey, sid: str, step: str) -> bytes:
        """The body of a protocol step; a refused body ends the session too."""
        try:
            return await read_body(request, server.body_cap(key, sid, step))
        except CrossplayError:
            server.abort(key, sid)
            raise

    @app.post("/v1/session/{sid}/request")
    async def psi_request(sid: str, request: Request) -> Response:
        key = await caller(request)
        body = await step_body(request, key, sid, "request")
        out = await run_in_threadpool(server.request, key, sid, body)
        return Response(out, media_type="application/octet-stream")

    @app.post("/v1/session/{sid}/pairs")
    async def pairs(sid: str, request: Request) -> Response:
        key = await caller(request)
        body = await step_body(request, key, sid, "pairs")
        out = await run_in_threadpool(server.pairs, key, sid, body)
        return Response(out, media_type="application/octet-stream")

    return BodyLimit(app, max_bytes=server.max_body,
                     timeout_s=server.settings.psi_body_timeout_s)


def serve(server: PsiServer, host: str, port: int, ready: Callable[[str], None]) -> None:
    """Serve until SIGINT / SIGTERM (or after one finished session with ``once``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        server.close()
        raise PsiError(f"cannot listen on {host}:{port}: {exc.strerror}", code="psi_listen",
                       params={"host": host, "port": port, "reason": exc.strerror}) from None
    config = uvicorn.Config(create_app(server), log_config=None, log_level="warning",
                            access_log=False, lifespan="off", timeout_keep_alive=5,
                            timeout_graceful_shutdown=10)
    uv = _Uvicorn(config)

    def stop(*_: Any) -> None:
        uv.should_exit = True

    server.on_finished = stop
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        ready(f"http://{shown}:{bound}")
        uv.run(sockets=[sock])
    finally:
        sock.close()
        server.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class _Uvicorn(uvicorn.Server):
    """uvicorn, minus its signal handling: it re-raises SIGTERM after its shutdown, which
    would kill this process before the PSI worker processes are stopped. :func:`serve`
    installs handlers that ask uvicorn to stop and then stops the workers itself."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class PsiClient:
    """The joining side's HTTP client: every call carries the API key; refusals become
    :class:`PsiError` with the server's own explanation."""

    def __init__(self, url: str, api_key: str, timeout: float) -> None:
        self.url = url.rstrip("/")
        self.sent = self.received = 0
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=30.0),
            headers={"Authorization": f"Bearer {api_key}"})

    def post(self, path: str, body: bytes, ctype: str = "application/octet-stream") -> bytes:
        self.sent += len(body)
        try:
            resp = self._client.post(self.url + path, content=body,
                                     headers={"Content-Type": ctype})
        except httpx.HTTPError as exc:
            raise PsiError(f"cannot reach the PSI server at {self.url}: {exc}",
                           code="psi_unreachable",
                           params={"url": self.url, "detail": str(exc)}) from None
        if resp.status_code >= 400:
            raise _refusal(resp)
        self.received += len(resp.content)
        return resp.content

    def post_json(self, path: str, data: dict[str, Any]) -> dict[str, Any]:
        return _object(self.post(path, json.dumps(data).encode("utf-8"), "application/json"))

    def close(self) -> None:
        self._client.close()


def _refusal(resp: httpx.Response) -> PsiError:
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
