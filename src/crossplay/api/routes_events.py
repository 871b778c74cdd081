"""Behaviour events posted by a partner's systems (scope ``events``).

``POST /v1/events`` takes a batch (PostHog's capture/batch is the model) and answers per
row: ``accepted``, ``duplicate`` (the event id is in the lake or already journaled) or
``quarantined`` with the ingest reason code. The rows go through the same reader,
validation, pseudonymisation, dedupe and quarantine as a file of the partner's events
(:mod:`crossplay.ingest.live`); the partner is always the caller's. The batch is durable
in this worker's journal before the answer, and a committer started with the app commits
the journal to the lake every ``api_events_commit_s`` seconds (or
``api_events_commit_rows`` rows) and on stop. See docs/api/events.md.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from crossplay.access.http import BodyTooLarge
from crossplay.api.auth import Caller, require
from crossplay.api.context import ApiContext
from crossplay.api.problems import problem_responses
from crossplay.ingest.live import OUTCOMES, LiveEvents

#: where the docs list this area (see :func:`crossplay.api.app.route_modules`)
ORDER = 10

SERVICE = "events"

router = APIRouter(tags=["events"])

_EVENT = {"event_id": "k-000123", "user_id": "u_10001", "event_type": "lesson_watch",
          "item_id": "c_204", "ts": "2026-09-01T20:15:00+08:00", "value": 1260,
          "properties": {"device": "ios"}}


class EventBatch(BaseModel):
    """Events of the caller's own partner, as JSON objects with the canonical field names
    of the ``events`` table (the same as a JSON-lines export without a mapping)."""

    events: list[dict[str, Any]] = Field(
        description="the events: event_id, user_id (native id) or user_key, event_type, "
                    "ts, and optionally platform, item_id, item_type, value, currency, "
                    "properties; at most api_max_events (1000) per batch",
        examples=[[_EVENT]])


class RowOut(BaseModel):
    index: int = Field(description="the event's position in the batch (from 0)")
    outcome: str = Field(description="accepted, duplicate or quarantined")
    event_id: str | None = Field(description="the event's id as posted (null: none; its "
                                             "key is derived from its content)")
    reason: str | None = Field(default=None, description="quarantined: the reason code "
                                                         "(docs/ingestion.md)")
    message: str | None = Field(default=None, description="quarantined: what is wrong")


class BatchOut(BaseModel):
    counts: dict[str, int] = Field(description="rows per outcome")
    journaled: bool = Field(description="whether the batch was stored (false when every "
                                        "row was a duplicate)")
    rows: list[RowOut] = Field(description="one outcome per event, in the batch's order")


class PendingOut(BaseModel):
    batches: int = Field(description="journal files not yet committed (all workers)")
    accepted: int = Field(description="accepted rows not yet in the lake")
    quarantined: int = Field(description="quarantined rows not yet in the quarantine")


class StatusOut(BaseModel):
    partner: str
    pending: PendingOut
    last_commit_at: str | None = Field(description="when the last commit of this "
                                                   "partner's posted events finished (UTC)")
    last_commit_rows: int | None = Field(description="rows that commit added to the lake")


_BATCH_EXAMPLE = {
    "counts": {"accepted": 1, "duplicate": 1, "quarantined": 1}, "journaled": True,
    "rows": [
        {"index": 0, "outcome": "accepted", "event_id": "k-000123"},
        {"index": 1, "outcome": "duplicate", "event_id": "k-000099"},
        {"index": 2, "outcome": "quarantined", "event_id": "k-000124",
         "reason": "unknown_value",
         "message": "unknown event_type 'watch'; expected one of: ..."}]}
_STATUS_EXAMPLE = {"partner": "knowledge",
                   "pending": {"batches": 2, "accepted": 740, "quarantined": 3},
                   "last_commit_at": "2026-09-01T12:15:02.512000+00:00",
                   "last_commit_rows": 1980}


class TooManyEvents(BodyTooLarge):
    """More events than ``api_max_events`` in one batch (413, code ``events_too_many``)."""

    code = "events_too_many"


def _service(ctx: ApiContext) -> LiveEvents:
    service: LiveEvents = ctx.services[SERVICE]
    return service


async def start(ctx: ApiContext) -> None:
    """Own a journal, commit what dead workers left (replay), start the committer."""
    service = LiveEvents(ctx.settings)
    await run_in_threadpool(service.start)
    ctx.services[SERVICE] = service


async def stop(ctx: ApiContext) -> None:
    """Stop the committer and commit everything journaled."""
    service = ctx.services.pop(SERVICE, None)
    if service is not None:
        await run_in_threadpool(service.stop)


@router.post("/v1/events", response_model=BatchOut,
             summary="Post a batch of behaviour events",
             responses={**problem_responses(),
                        200: {"content": {"application/json": {"example": _BATCH_EXAMPLE}}}})
def post_events(batch: EventBatch, caller: Caller = Depends(require("events"))) -> Any:
    """Check each event like a row of an export and answer per row; accepted rows reach
    the lake with the next commit (see ``GET /v1/events/status``)."""
    limit = caller.settings.api_max_events
    if len(batch.events) > limit:
        raise TooManyEvents(f"the batch has {len(batch.events)} events; at most {limit} are "
                           "accepted in one request: send them in several batches",
                           code="events_too_many",
                           params={"n": len(batch.events), "max": limit})
    result = _service(caller.ctx).post(caller.partner, batch.events)
    counter = caller.ctx.metrics.events
    for outcome, n in result.counts.items():
        if n:
            counter.labels(caller.partner, outcome).inc(n)
    return {"counts": result.counts, "journaled": result.journaled,
            "rows": [r.as_dict() for r in result.rows]}


@router.get("/v1/events/status", response_model=StatusOut,
            summary="Posted events not yet committed, and the last commit",
            responses={**problem_responses(),
                       200: {"content": {"application/json": {"example": _STATUS_EXAMPLE}}}})
def events_status(caller: Caller = Depends(require("events"))) -> Any:
    """The caller's partner only: journaled rows waiting for the committer and when the
    last commit of its posted events finished."""
    s = _service(caller.ctx).status(caller.partner)
    return {"partner": s.partner,
            "pending": {"batches": s.pending.batches, "accepted": s.pending.accepted,
                        "quarantined": s.pending.quarantined},
            "last_commit_at": s.last_commit_at, "last_commit_rows": s.last_commit_rows}


__all__ = ["OUTCOMES", "router", "start", "stop"]
