"""Experiments over HTTP (scope ``experiments``): assignment and exposure logging, thin
handlers over :mod:`crossplay.api.experiments_service`, which uses the same
:mod:`crossplay.measure` functions ``crossplay experiment assign / log-exposures`` run.

An experiment belongs to one partner (its ``partner`` field: whose users are its units);
another partner's experiment answers exactly as a key that does not exist (404), so a
partner cannot even learn the other's experiment keys. Both routes are plain ``def``
(the registry is the operational database; logging ingests into the lake).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field, model_validator

from crossplay.api.auth import Caller, require
from crossplay.api.problems import localized, problem_responses
from crossplay.api.users import MAX_NATIVE_ID, UserIdQuery, UserKeyQuery, resolve_user
from crossplay.measure.live import (
    MAX_EXPOSURES,
    ExposureInput,
    log_exposure_batch,
    user_assignment,
)

#: where the docs list this area (see :func:`crossplay.api.app.route_modules`)
ORDER = 40

router = APIRouter(prefix="/v1/experiments", tags=["experiments"])

KeyPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$",
                              description="the experiment's key", examples=["autumn_push"])]


class Assignment(BaseModel):
    experiment: str = Field(examples=["autumn_push"])
    partner: str = Field(examples=["knowledge"])
    user_key: str = Field(description="the user's pseudonymous key (yours)")
    variant: str | None = Field(description="null: outside the experiment's layer slice "
                                            "(not in this experiment)", examples=["push"])
    in_experiment: bool
    control: bool = Field(description="the variant is the experiment's control")
    layer: str | None = Field(examples=["knowledge_push"])


class ExposureRow(BaseModel):
    """One exposure: the user's native ``user_id`` (a ``user_key`` alone is rejected:
    see the docs), perhaps the variant shown and when."""

    user_id: str | None = Field(default=None, min_length=1, max_length=MAX_NATIVE_ID,
                                examples=["u_10001"],
                                description="the user's id on your platform")
    user_key: str | None = Field(default=None, min_length=32, max_length=32,
                                 pattern="^[0-9a-f]{32}$",
                                 description="the user's pseudonymous key (cannot be "
                                             "logged: the row is rejected)")
    variant: str | None = Field(default=None, max_length=64, examples=["push"],
                                description="the variant shown; must be the user's "
                                            "assigned one (default: the assignment)")
    at: dt.datetime | None = Field(default=None, examples=["2026-09-12T08:30:00Z"],
                                   description="when (ISO 8601; UTC when no offset; "
                                               "default now). Send it so a retry is a "
                                               "duplicate, not a second exposure")

    @model_validator(mode="after")
    def _exactly_one(self) -> ExposureRow:
        if (self.user_id is None) == (self.user_key is None):
            raise ValueError("give exactly one of user_id or user_key")
        return self


class ExposureBatch(BaseModel):
    exposures: list[ExposureRow] = Field(min_length=1, max_length=MAX_EXPOSURES,
                                         description=f"1 to {MAX_EXPOSURES} exposures")


class RowOutcome(BaseModel):
    index: int = Field(description="the row's position in the request")
    outcome: str = Field(description="logged, duplicate (already in the lake or earlier "
                                     "in this batch) or rejected", examples=["logged"])
    variant: str | None = Field(examples=["push"])
    at: str | None = Field(description="the exposure time logged (UTC, to the second)",
                           examples=["2026-09-12T08:30:00"])
    code: str | None = Field(default=None, description="why a row was rejected")
    detail: str | None = Field(default=None, description="the reason, in the request's "
                                                         "language")


class ExposureResult(BaseModel):
    experiment: str
    logged: int
    duplicates: int
    rejected: int
    rows: list[RowOutcome]


ASSIGN_EXAMPLE = {"experiment": "autumn_push", "partner": "knowledge",
                  "user_key": "3f0c9d2a71b84e55a0c1d2e3f4a5b6c7", "variant": "push",
                  "in_experiment": True, "control": False, "layer": "knowledge_push"}
EXPOSURE_EXAMPLE = {"experiment": "autumn_push", "logged": 1, "duplicates": 1, "rejected": 1,
                    "rows": [
                        {"index": 0, "outcome": "logged", "variant": "push",
                         "at": "2026-09-12T08:30:00"},
                        {"index": 1, "outcome": "duplicate", "variant": "push",
                         "at": "2026-09-12T08:30:00"},
                        {"index": 2, "outcome": "rejected", "variant": "holdout",
                         "at": None, "code": "api_exposure_variant_mismatch",
                         "detail": "the user is in variant 'push' of autumn_push, not "
                                   "'holdout'"}]}


@router.get("/{key}/assignment", summary="The variant of one of your users",
            response_model=Assignment,
            responses={**problem_responses(404, 409), 200: {"content": {
                "application/json": {"example": ASSIGN_EXAMPLE}}}})
def get_assignment(caller: Annotated[Caller, Depends(require("experiments"))], key: KeyPath,
                   user_id: UserIdQuery = None, user_key: UserKeyQuery = None
                   ) -> dict[str, Any]:
    """Deterministic (sha256 of the key): the same variant ``crossplay experiment
    assign`` prints and every service computes. Layers are honoured: a user outside the
    experiment's slice of its layer gets ``variant: null``. Only while the experiment
    runs (409 before its start and from its stop day)."""
    settings = caller.settings
    return user_assignment(settings, caller.partner, key,
                           resolve_user(settings, caller.partner, user_id, user_key))


@router.post("/{key}/exposures", summary="Log exposures of your users",
             response_model=ExposureResult,
             responses={**problem_responses(404, 409), 200: {"content": {
                 "application/json": {"example": EXPOSURE_EXAMPLE}}}})
def post_exposures(caller: Annotated[Caller, Depends(require("experiments"))], key: KeyPath,
                   batch: ExposureBatch) -> dict[str, Any]:
    """Log that users saw their variant (``campaign_exposure`` events, through ingest).
    Idempotent: an exposure is (experiment, user, second), so a replay of a row with the
    same ``at`` is a ``duplicate``. Each row has its own outcome; a rejected row does
    not stop the others."""
    exp, results = log_exposure_batch(
        caller.settings, caller.partner, key,
        [ExposureInput(r.user_id, r.user_key, r.variant, r.at) for r in batch.exposures])
    rows = []
    for r in results:
        row: dict[str, Any] = {"index": r.index, "outcome": r.outcome, "variant": r.variant,
                               "at": r.at}
        if r.error is not None:
            row |= {"code": r.error.code, "detail": localized(r.error, caller.lang)}
        rows.append(row)
    count = {o: sum(r.outcome == o for r in results)
             for o in ("logged", "duplicate", "rejected")}
    return {"experiment": exp.key, "logged": count["logged"],
            "duplicates": count["duplicate"], "rejected": count["rejected"], "rows": rows}
