"""Audiences over HTTP (scope ``audiences``): a partner fetches its export of a saved
audience. A thin handler over :func:`crossplay.marketing.service.export`: the partner is
the API key's, never a field of the request (the body refuses unknown fields), and the
file holds only that partner's own user keys of members who granted ``marketing`` now,
minus the audience's exclusions; the export is logged and audited like the CLI's.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Path
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from crossplay.api.auth import Caller, require
from crossplay.api.problems import problem_responses

#: where the docs list this area (see :func:`crossplay.api.app.route_modules`)
ORDER = 60

router = APIRouter(prefix="/v1", tags=["audiences"])

_MEDIA = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}


class ExportRequest(BaseModel):
    """What to export; the partner is the API key's (a ``partner`` field is refused)."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["csv", "parquet"] = Field(default="csv", description="the file's format")
    version: int | None = Field(default=None, ge=1, le=1_000_000,
                                description="the audience's version (default: the newest)")


@router.post(
    "/audiences/{name}/export", summary="Your users' keys of a saved audience",
    responses={**problem_responses(404), 200: {
        "description": "the file: `user_key,partner` rows of your own users only",
        "content": {"text/csv": {"example": "user_key,partner\n"
                                            "54f00fc583121abbe8110cf1073e3de5,knowledge\n"},
                    "application/vnd.apache.parquet": {}}}},
    response_class=Response)
async def export_audience(
    caller: Annotated[Caller, Depends(require("audiences"))],
    name: Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\W_][\w-]{0,63}$",
                              description="the audience's name (`crossplay audience list`)")],
    body: Annotated[ExportRequest | None, Body()] = None,
) -> Response:
    """The saved audience ``name`` (its newest version, or ``version``) as a CSV or
    Parquet file of **your** users' pseudonymous keys: members who granted ``marketing``
    on both platforms at this moment, minus the audience's exclusions (recently
    received, frequency cap). Fewer than k such people: 400 ``audience_export_below_k``,
    nothing exported. Every export is written to the audit log."""
    from crossplay.marketing.service import encode, export

    req = body or ExportRequest()
    files: list[bytes] = []
    result = await run_in_threadpool(
        export, caller.settings, name, caller.partner, version=req.version,
        actor=f"api:{caller.key.key_id}", channel="api",
        deliver=lambda table: files.append(encode(table, req.format)))
    return Response(files[0], media_type=_MEDIA[req.format],
                    headers={"X-Audience-Version": str(result.version),
                             "X-Rows": str(result.table.num_rows)})
