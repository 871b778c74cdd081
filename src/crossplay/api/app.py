"""The app factory: one FastAPI app from typed settings, wrapped in the body limit and gate.

:func:`route_modules` finds the areas: every module ``crossplay.api.routes_<area>``,
in the order of its ``ORDER`` number. Each holds an ``APIRouter`` named ``router`` and may
define ``async def start(ctx)`` / ``async def stop(ctx)``, run when the app starts and
stops (to open a buffer, a writer ...). Interactive docs at ``/docs``
(Swagger UI) and ``/redoc`` load their scripts from the installed ``fastapi_offline``
package, never from a CDN; the OpenAPI 3.1 document is ``/openapi.json``.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

import crossplay
from crossplay.access.http import BodyLimit
from crossplay.access.ratelimit import RequestLimiter
from crossplay.api import problems
from crossplay.api.auth import KeyCache
from crossplay.api.context import ApiContext
from crossplay.api.gate import Gate
from crossplay.api.metrics import Metrics
from crossplay.core.settings import Settings


def route_modules() -> list[ModuleType]:
    """Every ``crossplay.api.routes_*`` module, by its ``ORDER`` (then name)."""
    import crossplay.api as package

    names = sorted(m.name for m in pkgutil.iter_modules(package.__path__)
                   if m.name.startswith("routes_"))
    modules = [importlib.import_module(f"crossplay.api.{n}") for n in names]
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.__name__))

DESCRIPTION = """\
The live API of crossplay: both partners' systems post events, ask for recommendations,
record check-ins, move points, assign experiments and change consent here.

Every `/v1` operation needs a partner API key (`Authorization: Bearer cp_...`, from
`crossplay apikey create`) with the operation's scope. A key reads and writes only its
own partner's users. Errors are `application/problem+json` with a stable `code`; send
`Accept-Language: zh-CN` for Chinese. See docs/api.md.
"""


def _docs_static() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def create_app(settings: Settings, *, workers: int = 1) -> FastAPI:
    """The API app. ``workers``: how many processes serve it (limits are split)."""
    metrics = Metrics()
    ctx = ApiContext(
        settings=settings,
        limiter=RequestLimiter(settings.api_rate_per_s / workers,
                               max(1, settings.api_rate_burst // workers)),
        metrics=metrics)
    ctx.services["key_cache"] = KeyCache(settings.api_key_cache_s)
    # zh-CN problem texts come from the CLI's catalogs, loaded on the first miss
    from crossplay.cli.command_index import load_all
    from crossplay.cli.i18n import on_missing_catalog

    on_missing_catalog(load_all)
    modules = route_modules()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        started = []
        try:
            for module in modules:
                if hasattr(module, "start"):
                    await module.start(ctx)
                started.append(module)
            yield
        finally:
            for module in reversed(started):
                if hasattr(module, "stop"):
                    await module.stop(ctx)

    app = FastAPI(title="crossplay API", version=crossplay.__version__,
                  description=DESCRIPTION, docs_url=None, redoc_url=None,
                  lifespan=lifespan)
    app.state.ctx = ctx
    problems.install(app)
    for module in modules:
        app.include_router(module.router)
    _install_docs(app)
    # outermost last: the body limit, then the gate, then FastAPI's own error handling
    app.add_middleware(Gate, metrics=metrics, max_inflight=settings.api_max_inflight)
    app.add_middleware(BodyLimit, max_bytes=settings.api_max_body_bytes,
                       timeout_s=settings.psi_body_timeout_s)
    return app


def _install_docs(app: FastAPI) -> None:
    app.mount("/static/docs", StaticFiles(directory=_docs_static()), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json", title="crossplay API",
            swagger_js_url="/static/docs/swagger-ui-bundle.js",
            swagger_css_url="/static/docs/swagger-ui.css",
            swagger_favicon_url="/static/docs/favicon.png")

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url="/openapi.json", title="crossplay API",
                              redoc_js_url="/static/docs/redoc.standalone.js",
                              redoc_favicon_url="/static/docs/favicon.png",
                              with_google_fonts=False)


def app_from_env() -> FastAPI:
    """Factory for uvicorn's worker processes (``crossplay serve --workers N``): the exact
    settings of the parent, which :func:`crossplay.api.server.serve_api` serialised."""
    from crossplay.api.server import SETTINGS_ENV, WORKERS_ENV, worker_settings

    raw = os.environ.get(SETTINGS_ENV)
    if raw is None:
        from crossplay.core.settings import load_settings

        settings = load_settings()
    else:
        settings = worker_settings(raw)
    return create_app(settings, workers=int(os.environ.get(WORKERS_ENV, "1")))
