"""``/healthz`` (the process answers), ``/readyz`` (database and lake reachable) and
``/metrics`` (Prometheus text format). None needs a key: they say nothing about users."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from crossplay.api.context import ApiContext, context_of
from crossplay.api.problems import Problem

#: where the docs list this area (see :func:`crossplay.api.app.route_modules`)
ORDER = 900

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: str = Field(examples=["ok"])


class Readiness(BaseModel):
    status: str = Field(examples=["ready"], description="ready or not_ready")
    checks: dict[str, str] = Field(examples=[{"database": "ok", "lake": "ok"}],
                                   description="each dependency: ok, or why not")


@router.get("/healthz", response_model=Health, summary="The process is up",
            responses={200: {"content": {"application/json": {
                "example": {"status": "ok"}}}}})
async def healthz() -> Health:
    return Health(status="ok")


def _checks(ctx: ApiContext) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        with ctx.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        out["database"] = "ok"
    except Exception as exc:  # any failure is "not ready", with its reason
        out["database"] = f"unreachable: {type(exc).__name__}"
    try:
        from crossplay.lake import Lake

        Lake(ctx.settings.lake_dir).read_manifest()
        out["lake"] = "ok"
    except Exception as exc:
        out["lake"] = f"unreadable: {type(exc).__name__}"
    return out


@router.get("/readyz", response_model=Readiness, summary="Database and lake reachable",
            responses={200: {"content": {"application/json": {"example": {
                "status": "ready", "checks": {"database": "ok", "lake": "ok"}}}}},
                503: {"model": Readiness, "description": "a dependency is unreachable"}})
async def readyz(request: Request) -> Any:
    checks = await run_in_threadpool(_checks, context_of(request))
    ok = all(v == "ok" for v in checks.values())
    body = Readiness(status="ready" if ok else "not_ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {"example":
                         "crossplay_http_requests_total{...} 12.0"}}},
                       500: {"model": Problem}})
async def metrics(request: Request) -> Response:
    body, ctype = context_of(request).metrics.exposition()
    return Response(body, media_type=ctype)
