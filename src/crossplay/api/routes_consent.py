"""Consent, links and erasure of a partner's own users (scope ``consent``).

Thin handlers over :mod:`crossplay.privacy.user_rights` (and through it the CLI's own
paths: :func:`~crossplay.privacy.consent.update_consent`,
:func:`~crossplay.privacy.erasure.forget`). A user is addressed by the caller's native
``user_id`` (pseudonymised with the caller's secret, so it is always one of the caller's
users, possibly a new one) or by ``user_key``, which must be a user crossplay holds for
the caller's partner: any other key — the other partner's users' keys included — is an
unknown user (404 ``consent_unknown_user``), answered before anything is read or written.

Erasure runs synchronously (``forget``: lake, operational DB, derived files, audited) and
answers 200 when done, with an ``erasure_id`` written into the audit entry; ``GET
/v1/erasure/{id}`` shows that entry to the partner that asked. See docs/api/consent.md.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field, StrictBool

from crossplay.api.auth import Caller, require
from crossplay.api.problems import problem_responses
from crossplay.api.users import UserIdQuery, UserKeyQuery, UserRef, own_user
from crossplay.core.errors import NotFoundError
from crossplay.privacy import user_rights
from crossplay.privacy.policy import Purpose

#: where the docs list this area (see :func:`crossplay.api.app.route_modules`)
ORDER = 60

router = APIRouter(tags=["consent"])

_KEY = "3f1c9a0e5b7d2c4f8a6e1b3d5c7f9a0b"
_AT = "2026-03-01T09:30:00+00:00"
_PURPOSES_EXAMPLE = {
    "linking": {"granted": True, "decided_at": _AT, "source": "live:app", "allowed": True},
    "personalisation": {"granted": None, "decided_at": None, "source": None,
                        "allowed": True},
    "marketing": {"granted": False, "decided_at": _AT, "source": "export",
                  "allowed": False}}


def _ok(example: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {"application/json": {"example": example}}}}


class PurposeOut(BaseModel):
    granted: bool | None = Field(description="the latest decision; null: never decided")
    decided_at: str | None = Field(description="when it was decided (UTC, ISO 8601)")
    source: str | None = Field(description="where it came from: `live:<source>` for "
                                           "API/CLI changes, else the export's source")
    allowed: bool = Field(description="whether the caller may use the user's data for "
                                      "this purpose on its own platform now (the policy: "
                                      "personalisation is opt-out, the others opt-in)")


class ConsentOut(BaseModel):
    user_key: str = Field(description="the user's pseudonymous key (the caller's own)")
    purposes: dict[str, PurposeOut] = Field(description="every purpose, by name")


class ConsentChangeOut(ConsentOut):
    changed: list[str] = Field(description="purposes whose decision this request recorded; "
                                           "a decision equal to the current one is not "
                                           "recorded again")


class ConsentChange(UserRef):
    """New decisions for some purposes of one user; purposes not named stay as they are."""

    purposes: dict[str, StrictBool] = Field(
        min_length=1, max_length=16,
        description="purpose → true (grant) or false (refuse); purposes: "
                    + ", ".join(p.value for p in Purpose),
        examples=[{"marketing": True, "personalisation": False}])
    source: str = Field(default="api", min_length=1, max_length=64,
                        pattern=r"^[A-Za-z0-9_.:\-]+$",
                        description="where the user decided (a short label, kept in "
                                    "the history as `live:<source>`)", examples=["app"])


class LinkOut(BaseModel):
    handle: str = Field(description="an opaque name of the link for the caller (not the "
                                    "other partner's key nor a person id)")
    active: bool = Field(description="not unbound and not revoked by a refusal")
    usable: bool = Field(description="active and both sides currently grant linking: "
                                     "data may be combined across partners")
    method: str = Field(description="binding (the user bound the accounts) or psi")
    linked_at: str | None = Field(description="when the accounts were linked (UTC)")
    revoked_at: str | None = Field(description="when the link ended, if it did")


class LinksOut(BaseModel):
    user_key: str
    linked: bool = Field(description="whether the user has an active link")
    links: list[LinkOut]


class ErasureOut(BaseModel):
    erasure_id: str = Field(description="the request's id (GET /v1/erasure/{id})")
    status: str = Field(description="done: the erasure ran before the answer")
    found: bool = Field(description="whether anything of the user was held (false: no "
                                    "data held, nothing to erase)")
    subject: str | None = Field(description="the audit log's one-way digest of the user")
    erased_at: str | None = Field(default=None, description="when (UTC), from the audit log")
    links: int = Field(default=0, description="links of the user that were removed")
    lake_rows: dict[str, int]
    db_rows: dict[str, int]
    derived_rows: dict[str, int]


def _actor(caller: Caller) -> str:
    return f"api:{caller.partner}:{caller.key.key_id}"


def _consent_out(key: str, state: dict[Purpose, user_rights.PurposeState]) -> dict[str, Any]:
    return {"user_key": key, "purposes": {p.value: s.as_dict() for p, s in state.items()}}


@router.get("/v1/consent", response_model=ConsentOut, summary="A user's consent",
            description="The user's current decision per purpose (ingested exports and "
                        "live changes alike), when it was made, and whether the caller may "
                        "use the data for it on its own platform.",
            responses={**problem_responses(404),
                       **_ok({"user_key": _KEY, "purposes": _PURPOSES_EXAMPLE})})
def get_consent(user_id: UserIdQuery = None, user_key: UserKeyQuery = None,
                caller: Caller = Depends(require("consent"))) -> dict[str, Any]:
    key = own_user(caller, user_id, user_key)
    return _consent_out(key, user_rights.current_consent(caller.settings, caller.partner,
                                                         key))


@router.put("/v1/consent", response_model=ConsentChangeOut, summary="Change a user's consent",
            description="Records the decisions that differ from the current ones, at once "
                        "(history kept, audited, the CLI's path); refusing `linking` revokes "
                        "the user's links. Sending the same decisions again records "
                        "nothing: the request is idempotent.",
            responses={**problem_responses(404),
                       **_ok({"user_key": _KEY, "purposes": _PURPOSES_EXAMPLE,
                              "changed": ["marketing"]})})
def put_consent(body: ConsentChange,
                caller: Caller = Depends(require("consent"))) -> dict[str, Any]:
    key = own_user(caller, body.user_id, body.user_key)
    outcome = user_rights.set_consent(caller.settings, caller.partner, key, body.purposes,
                                      source=body.source, actor=_actor(caller))
    return {**_consent_out(key, outcome.state), "changed": [p.value for p in outcome.changed]}


@router.get("/v1/links", response_model=LinksOut, summary="A user's cross-partner links",
            description="Whether the user is linked to an account of the other partner, "
                        "since when, how, and whether the link may be used. Never the "
                        "other partner's key or id: each link has an opaque handle of the "
                        "caller's own. Each read is written to the audit log.",
            responses={**problem_responses(404),
                       **_ok({"user_key": _KEY, "linked": True, "links": [
                           {"handle": "lk_9b2e4d6f8a0c1e3b5d7f9a1c3e5b7d9f", "active": True,
                            "usable": True, "method": "binding", "linked_at": _AT,
                            "revoked_at": None}]})})
def get_links(user_id: UserIdQuery = None, user_key: UserKeyQuery = None,
              caller: Caller = Depends(require("consent"))) -> dict[str, Any]:
    key = own_user(caller, user_id, user_key)
    links = user_rights.user_links(caller.settings, caller.partner, key,
                                   actor=_actor(caller))
    return {"user_key": key, "linked": any(x.active for x in links),
            "links": [x.as_dict() for x in links]}


_ERASURE_EXAMPLE = {"erasure_id": "er_5d1f0c3b9a7e2d4c", "status": "done", "found": True,
                    "subject": "knowledge:0c9d1e2f3a4b5c6d7e8f9a0b",
                    "erased_at": "2026-03-01T09:30:02.120000+00:00", "links": 1,
                    "lake_rows": {"events": 212, "consents": 3, "links": 1},
                    "db_rows": {"privacy_consents": 1}, "derived_rows": {}}


@router.post("/v1/erasure", response_model=ErasureOut, summary="Erase a user",
             description="Erases the user everywhere, as `crossplay forget` does (lake, "
                         "operational database, derived files; audited), and answers when "
                         "done. A user_id with no data is answered `found: false` (no data "
                         "held; the request is audited too).",
             responses={**problem_responses(404), **_ok(_ERASURE_EXAMPLE)})
def post_erasure(body: UserRef,
                 caller: Caller = Depends(require("consent"))) -> dict[str, Any]:
    from crossplay.privacy.erasure import forget, forget_key

    request = "er_" + secrets.token_hex(8)
    settings, partner = caller.settings, caller.partner
    if body.user_id is not None:
        report = forget(settings, partner, body.user_id, actor=_actor(caller),
                        request=request)
    else:
        key = own_user(caller, None, body.user_key)
        report = forget_key(settings, partner, key, actor=_actor(caller), request=request)
    done = user_rights.erasure_status(settings, partner, request)
    return {"erasure_id": request, "status": "done", "found": report.found,
            "subject": report.subject, "erased_at": None if done is None else done["erased_at"],
            "links": report.person_ids, "lake_rows": report.lake_rows,
            "db_rows": report.db_rows, "derived_rows": report.derived_rows}


@router.get("/v1/erasure/{erasure_id}", response_model=ErasureOut,
            summary="An erasure request's outcome",
            description="The outcome of an erasure this partner requested, from the audit "
                        "log (another partner's request ids are unknown here).",
            responses={**problem_responses(404), **_ok(_ERASURE_EXAMPLE)})
def get_erasure(erasure_id: Annotated[str, Path(pattern="^er_[0-9a-f]{16}$",
                                                 description="from POST /v1/erasure")],
                caller: Caller = Depends(require("consent"))) -> dict[str, Any]:
    done = user_rights.erasure_status(caller.settings, caller.partner, erasure_id)
    if done is None:
        raise NotFoundError(f"no erasure {erasure_id} was requested with a key of "
                            f"{caller.partner}", code="erasure_unknown_request",
                            params={"erasure_id": erasure_id, "partner": caller.partner})
    return done
