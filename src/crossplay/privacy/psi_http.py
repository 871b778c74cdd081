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

from collections.abc import Callable
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from crossplay.access.apikeys import ApiKey, authenticate, bearer_secret
from crossplay.access.http import BodyLimit, install_error_handlers, read_body
from crossplay.api.server import QuietServer, listen, stop_on_signals
from crossplay.core.errors import CrossplayError
from crossplay.privacy.psi import PsiError, json_object
from crossplay.privacy.psi_service import JSON_CAP, PsiServer


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
        body = json_object(await read_body(request, JSON_CAP))
        return JSONResponse(await run_in_threadpool(server.open_session, key, body))

    @app.post("/v1/session/{sid}/sizes")
    async def sizes(sid: str, request: Request) -> JSONResponse:
        key = await caller(request)
        body = json_object(await read_body(request, server.body_cap(key, sid, "sizes")))
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
    try:
        sock, url = listen(host, port, code="psi_listen", error=PsiError)
    except PsiError:
        server.close()
        raise
    config = uvicorn.Config(create_app(server), log_config=None, log_level="warning",
                            access_log=False, lifespan="off", timeout_keep_alive=5,
                            timeout_graceful_shutdown=10)
    uv = QuietServer(config)

    def stop(*_: Any) -> None:
        uv.should_exit = True

    server.on_finished = stop
    try:
        with stop_on_signals(stop):
            ready(url)
            uv.run(sockets=[sock])
    finally:
        sock.close()
        server.close()
