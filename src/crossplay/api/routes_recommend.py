"""Recommendations over HTTP (scope ``recommend``): thin handlers over
:class:`crossplay.recommend.live.LiveRecommender`, which serves what ``crossplay recommend
for`` answers, from memory.

Per request: the user's key (pseudonymised at the edge with the caller's secret), one
``max(id)`` query that tells whether any consent or link changed since the in-memory
view (then the view is rebuilt first, so a refusal applies to the very next request),
and the answer. The routes are ``async``: on SQLite nothing blocks long enough to leave
the event loop; on PostgreSQL the query and every rebuild run in the thread pool, and so
does the audit entry of a read of the joint (cross-domain) space.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from crossplay.api.auth import Caller, require
from crossplay.api.context import ApiContext
from crossplay.api.problems import problem_responses
from crossplay.api.users import MAX_NATIVE_ID, resolve_user
from crossplay.recommend.dataset import Domain
from crossplay.recommend.live import MAX_N, LiveRecommender

#: where the docs list this area (see :func:`crossplay.api.app.route_modules`)
ORDER = 30
SERVICE = "recommend"

log = logging.getLogger("crossplay.api")
router = APIRouter(prefix="/v1", tags=["recommendations"])
Q = TypeVar("Q", bound=BaseModel)


class Item(BaseModel):
    rank: int = Field(examples=[1])
    item_id: str = Field(examples=["c0042"])
    platform: str = Field(examples=["knowledge"], description="knowledge, game or stream")
    title: str = Field(examples=["Python 入门 / Python basics"],
                       description="as the catalog holds it (often `中文 / English`)")
    display_title: str = Field(examples=["Python basics"],
                               description="the title's part in the answer's language")
    category: str = Field(examples=["编程"])
    score: float = Field(examples=[0.8123])
    why: str = Field(description="why this item, one sentence in the answer's language",
                     examples=["because you took Python 数据分析"])
    why_detail: dict[str, Any] = Field(description="the reason's parts (kind, cited items, "
                                                   "shared labels)")


class Recommendations(BaseModel):
    version: str = Field(description="the trained bundle answering",
                         examples=["v20260901T120000000000"])
    partner: str = Field(examples=["knowledge"])
    domain: str = Field(examples=["knowledge"])
    known: bool = Field(description="false: the lake holds nothing of this user (popular "
                                    "items, as for a newcomer)")
    personalised: bool = Field(description="false: popular items (no consent, unknown "
                                           "user or no history); see policy")
    unit: str | None = Field(examples=["in-knowledge"],
                             description="in-<domain> (own data) or cross-<domain> "
                                         "(linked person, joint space)")
    model: str = Field(examples=["als"], description="popularity when not personalised")
    policy: str = Field(description="the consent policy's reasons (English, stable)",
                        examples=["own users, personalisation not refused"])
    items: list[Item]


EXAMPLE_ITEM = {"rank": 1, "item_id": "c0042", "platform": "knowledge",
                "title": "Python 入门 / Python basics", "display_title": "Python basics",
                "category": "编程", "score": 0.8123,
                "why": "because you took 数据分析实战 / Data analysis in practice",
                "why_detail": {"kind": "history", "shared": ["编程"],
                               "shared_text": ["programming"],
                               "because": [{"item_id": "c0007", "platform": "knowledge",
                                            "title": "数据分析实战 / Data analysis in "
                                                     "practice"}]}}
EXAMPLE = {"version": "v20260901T120000000000", "partner": "knowledge",
           "domain": "knowledge", "known": True, "personalised": True,
           "unit": "in-knowledge", "model": "als",
           "policy": "own users, personalisation not refused", "items": [EXAMPLE_ITEM]}


class SimilarItem(BaseModel):
    rank: int
    item_id: str
    platform: str
    title: str
    display_title: str
    category: str
    score: float = Field(description="cosine similarity of the model's item vectors")


class SimilarItems(BaseModel):
    version: str
    partner: str
    item_id: str
    domain: str
    model: str
    items: list[SimilarItem]


SIMILAR_EXAMPLE = {"version": "v20260901T120000000000", "partner": "knowledge",
                   "item_id": "c0042", "domain": "knowledge", "model": "als",
                   "items": [{k: v for k, v in EXAMPLE_ITEM.items()
                              if k not in ("why", "why_detail")}]}


def _json(body: dict[str, Any], items_json: str | None = None) -> Response:
    """The answer as JSON, without response-model validation on the hot path; with
    ``items_json``, the items' JSON text (cached by the live state) goes in as it is."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    if items_json is not None:
        text = f'{text[:-1]},"items":{items_json}}}'
    return Response(text, media_type="application/json")


def live_of(ctx: ApiContext) -> LiveRecommender:
    live: LiveRecommender = ctx.services[SERVICE]
    return live


async def fresh(live: LiveRecommender) -> None:
    """Bring the in-memory view up to the live consent tables (and, every few seconds,
    the bundle and lake files) before answering."""
    files = live.files_changed()
    mark = live.watermark() if live.sqlite else await live.shared_watermark()
    if files or live.needs(mark):
        await run_in_threadpool(live.refresh, files)


async def start(ctx: ApiContext) -> None:
    live = LiveRecommender(ctx.settings)
    ctx.services[SERVICE] = live
    try:
        await run_in_threadpool(live.refresh, True)
    except Exception:  # the first request retries; the app still starts
        log.exception("recommendations not loaded at start")


async def stop(ctx: ApiContext) -> None:
    live_of(ctx).close()


LangQuery = Annotated[Literal["en", "zh-CN"] | None, Query(
    description="language of titles and reasons (default: Accept-Language)")]


class RecommendationQuery(BaseModel):
    """The query of ``GET /v1/recommendations``, validated by the handler itself: FastAPI's
    per-parameter resolution cost more than the rest of the request together."""

    user_id: str | None = Field(default=None, min_length=1, max_length=MAX_NATIVE_ID,
                                description="the user's id on your platform",
                                examples=["u_10001"])
    user_key: str | None = Field(default=None, min_length=32, max_length=32,
                                 pattern="^[0-9a-f]{32}$",
                                 description="or the user's pseudonymous key")
    n: int = Field(default=10, ge=1, le=MAX_N, description="how many items")
    domain: Domain | None = Field(
        default=None, description="knowledge (courses), game (games) or stream "
                                  "(streams); default your own platform's")
    lang: Literal["en", "zh-CN"] | None = Field(
        default=None, description="language of titles and reasons (default: "
                                  "Accept-Language)")


def query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """OpenAPI ``parameters`` of a query model (for routes that validate it themselves)."""
    out = []
    for name, prop in model.model_json_schema()["properties"].items():
        schema = {k: v for k, v in prop.items() if k not in ("title", "description")}
        out.append({"name": name, "in": "query", "required": False, "schema": schema,
                    "description": prop.get("description", "")})
    return out


def parse_query(model: type[Q], request: Request) -> Q:
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("query", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


@router.get("/recommendations", summary="Recommendations for one of your users",
            response_model=Recommendations,
            openapi_extra={"parameters": query_parameters(RecommendationQuery)},
            responses={**problem_responses(404, 409), 200: {"content": {
                "application/json": {"example": EXAMPLE}}}})
async def recommendations(caller: Annotated[Caller, Depends(require("recommend"))],
                          request: Request) -> Response:
    """Top ``n`` items for the user, each with why. Personalised only where consent
    allows at this moment; otherwise (and for a user the lake does not know) popular
    items, ``personalised: false``, with the reason in ``policy``. A linked person gets
    the other platform's items from the cross-domain model. Give exactly one of
    ``user_id`` and ``user_key``."""
    q = parse_query(RecommendationQuery, request)
    settings = caller.settings
    key = resolve_user(settings, caller.partner, q.user_id, q.user_key)
    live = live_of(caller.ctx)
    await fresh(live)
    res = live.recommend(partner=caller.partner, user_key=key, domain=q.domain, n=q.n,
                         lang=q.lang or caller.lang)
    if res.pop("audit"):
        from crossplay.privacy.audit import person_subject, record

        # a digest, not the key: the log is append-only and erasure cannot edit it
        await run_in_threadpool(
            record, settings, "recommend_cross_read", actor=f"api:{caller.key.key_id}",
            subject=person_subject(caller.partner, key),
            details={"domain": res["domain"], "unit": res["unit"], "n": q.n})
    items_json = res.pop("items_json")
    del res["items"]
    return _json(res, items_json)


@router.get("/items/{item_id}/similar", summary="Items similar to one of your items",
            response_model=SimilarItems,
            responses={**problem_responses(404, 409), 200: {"content": {
                "application/json": {"example": SIMILAR_EXAMPLE}}}})
async def similar(
    caller: Annotated[Caller, Depends(require("recommend"))],
    item_id: Annotated[str, Path(min_length=1, max_length=128,
                                 description="your platform's item id")],
    n: Annotated[int, Query(ge=1, le=MAX_N, description="how many items")] = 10,
    lang: LangQuery = None,
) -> Response:
    """The ``n`` available items of the same domain most like ``item_id`` (by the trained
    model's item vectors: an across-user statistic, nobody's personal data)."""
    live = live_of(caller.ctx)
    if live.files_changed() or live.bundle is None:
        await run_in_threadpool(live.refresh, True)
    return _json(live.similar(partner=caller.partner, item_id=item_id, n=n,
                              lang=lang or caller.lang))

