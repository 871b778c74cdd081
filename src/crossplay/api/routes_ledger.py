"""Check-ins, points and campaign status over HTTP (scope ``ledger``; status: or ``admin``).

Thin handlers over :mod:`crossplay.campaigns.live` (check-ins),
:mod:`crossplay.campaigns.wallet` (balance, statement, redemptions, exchanges) and
:mod:`crossplay.campaigns.campaign_view`. Every write needs an ``Idempotency-Key``
(:mod:`crossplay.api.idempotency`): its first answer is stored and replayed. A partner
names only its own users and sees only the redemptions it made; see docs/api/ledger.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from crossplay.access.apikeys import Forbidden
from crossplay.access.http import Conflict
from crossplay.api import idempotency as idem
from crossplay.api.auth import Caller, bearer_scheme, caller_key, require
from crossplay.api.context import context_of
from crossplay.api.problems import domain_problem, problem_responses, request_lang
from crossplay.api.users import UserIdQuery, UserKeyQuery, UserRef, resolve_user, user_of
from crossplay.campaigns import live, wallet
from crossplay.campaigns.campaign_view import campaign_view
from crossplay.campaigns.errors import LedgerError
from crossplay.core.errors import CrossplayError

#: where the docs list this area (see :func:`crossplay.api.app.route_modules`)
ORDER = 300

router = APIRouter(tags=["ledger"])

IdempotencyKey = Annotated[str, Header(
    alias="Idempotency-Key", min_length=1, max_length=128, pattern=idem.KEY_PATTERN,
    description="1-128 printable characters, new for every new request: a replay with "
                "the same key and body gets the first answer back (see docs/api/ledger.md)",
    examples=["3f0c9a6e-5b1d-4f7e-9a0b-2c4d6e8f1a2b"])]
RedemptionId = Annotated[int, Path(ge=1, le=2**31 - 1, examples=[17],
                                   description="the id `POST /v1/redemptions` answered")]
Currency = Annotated[str, Query(min_length=1, max_length=16, pattern="^[A-Z][A-Z0-9]*$",
                                description="a points currency", examples=["CPP"])]

# --- examples (the OpenAPI document shows one per operation) ------------------------------

_CHECKIN_EXAMPLE = {
    "platform": "game", "eligible": True, "points": 32,
    "campaigns": [{"campaign_id": "learn_and_play", "day": "2026-09-12", "first_today": True,
                   "points": 32, "currency": "CPP", "balance": 212, "streak": 3,
                   "awards": [{"rule": "checkin_game", "points": 2, "new": True},
                              {"rule": "dual_checkin", "points": 10, "new": True},
                              {"rule": "streak_3", "points": 20, "new": True}],
                   "message": "3 days in a row on both platforms! Keep it up."}]}
_BALANCE_EXAMPLE = {"currency": "CPP", "balance": 212, "debt": 0}
_STATEMENT_EXAMPLE = {"currency": "CPP", "entries": [
    {"at": "2026-09-12T01:02:03+00:00", "ts": 1789174923000000, "amount": 2,
     "kind": "award", "balance": 182}], "next_cursor": "MTc4OTE3NDkyMzAwMDAwMDox"}
_REDEMPTION_EXAMPLE = {"redemption_id": 17, "campaign_id": "learn_and_play",
                       "reward_id": "course_coupon", "status": "reserved", "cost": 100,
                       "currency": "CPP", "balance": 112}
_EXCHANGE_EXAMPLE = {"campaign_id": "learn_and_play", "from": "CPP", "to": "GCOIN",
                     "amount": 50, "fee": 1, "received": 490, "rate": "10",
                     "balances": {"CPP": 162, "GCOIN": 490}}
_CAMPAIGN_EXAMPLE = {
    "campaign_id": "learn_and_play", "version": 1, "status": "active",
    "name": {"en": "Learn & Play", "zh-CN": "学习玩乐季"}, "start": "2026-09-01",
    "end": "2026-09-30", "timezone": "Asia/Shanghai", "currency": "CPP", "budget": 3000,
    "budget_left": 1210, "issued": 1790, "clawed_back": 0, "net_issued": 1790,
    "redeemed": 100, "cost_yuan": "17.90", "persons": 212,
    "by_day": [{"day": "2026-09-01", "points": 120}],
    "rewards": [{"reward_id": "course_coupon", "partner": "knowledge", "cost": 100,
                 "stock": 9, "reserved": 0, "redeemed": 1}],
    "top_streaks": [{"best": 9, "current": 4}], "pending_messages": 1}


def _ok(example: dict[str, Any], *statuses: int) -> dict[int | str, dict[str, Any]]:
    return {**problem_responses(*statuses),
            200: {"content": {"application/json": {"example": example}}}}


# --- request bodies ---------------------------------------------------------------------------

class CheckinIn(UserRef):
    """A check-in of the caller's user."""

    platform: Literal["knowledge", "game"] | None = Field(
        default=None, description="the platform checked in on (default: the caller's "
                                  "partner's platform; a partner checks in only on its own)",
        examples=["game"])
    name: str | None = Field(default=None, min_length=1, max_length=64,
                             description="how the message addresses the user (not stored)",
                             examples=["小明"])


class ReserveIn(UserRef):
    """Reserve one unit of a campaign's reward for the caller's user."""

    campaign_id: str = Field(min_length=1, max_length=64, examples=["learn_and_play"],
                             description="the campaign offering the reward")
    reward_id: str = Field(min_length=1, max_length=64, examples=["course_coupon"],
                           description="the reward (see GET /v1/campaigns/{id})")


class ExchangeIn(UserRef):
    """Exchange the caller's user's points at a campaign's rate."""

    campaign_id: str = Field(min_length=1, max_length=64, examples=["learn_and_play"],
                             description="the campaign whose `exchange` rates apply")
    from_currency: str = Field(alias="from", min_length=1, max_length=16,
                               pattern="^[A-Z][A-Z0-9]*$", examples=["CPP"],
                               description="the currency given")
    to_currency: str = Field(alias="to", min_length=1, max_length=16,
                             pattern="^[A-Z][A-Z0-9]*$", examples=["GCOIN"],
                             description="the currency received")
    amount: int = Field(gt=0, le=10**12, examples=[50],
                        description="how much of `from` to exchange")

    model_config = ConfigDict(populate_by_name=True)


# --- the idempotent write ---------------------------------------------------------------------

def _canonical(body: UserRef, user_key: str) -> dict[str, Any]:
    """The request as its fingerprint sees it: the body, the user by ``user_key``."""
    return {**body.model_dump(by_alias=True, exclude={"user_id", "user_key"}),
            "user_key": user_key}


async def _write(request: Request, caller: Caller, key: str, operation: str,
                 canonical: dict[str, Any], run: Callable[[int], dict[str, Any]]) -> Response:
    """Run ``run(at_us)`` once per (partner, key); replay its stored answer otherwise."""
    engine = caller.ctx.engine
    fp = idem.fingerprint(request.method, request.url.path, canonical)
    got = await run_in_threadpool(idem.claim, engine, caller.partner, key, fp)
    metric = caller.ctx.metrics.ledger
    if isinstance(got, idem.Stored):
        metric.labels(operation, "replayed").inc()
        return Response(got.body, status_code=got.status, media_type=got.media_type,
                        headers={"Idempotent-Replayed": "true"})
    try:
        resp: Response = JSONResponse(await run_in_threadpool(run, got.at_us))
        outcome = "ok"
    except CrossplayError as exc:
        if exc.code in idem.TRANSIENT_CODES:
            await run_in_threadpool(idem.release, engine, caller.partner, key, got.token)
            raise
        resp, outcome = domain_problem(_as_http(exc), caller.lang), "refused"
    except BaseException:
        await run_in_threadpool(idem.release, engine, caller.partner, key, got.token)
        raise
    await run_in_threadpool(idem.finish, engine, caller.partner, key, got.token,
                            resp.status_code, resp.media_type or "application/json",
                            bytes(resp.body))
    metric.labels(operation, outcome).inc()
    return resp


def _as_http(exc: CrossplayError) -> CrossplayError:
    """A redemption settled before is a conflict with its state (409), not bad input."""
    if isinstance(exc, LedgerError) and exc.code == "campaign_redemption_settled":
        return Conflict(f"redemption {exc.params.get('id')} is {exc.params.get('status')}, "
                        f"not reserved", code="ledger_redemption_state",
                        params={"id": exc.params.get("id"),
                                "status": exc.params.get("status")})
    return exc


# --- check-ins --------------------------------------------------------------------------------

@router.post("/v1/checkins", summary="Check a user in (awards of every active campaign)",
             responses=_ok(_CHECKIN_EXAMPLE, 409))
async def post_checkin(body: CheckinIn, request: Request, idempotency_key: IdempotencyKey,
                       caller: Annotated[Caller, Depends(require("ledger"))]) -> Response:
    """Records the check-in of the caller's user on the caller's platform today and
    awards it in every active campaign with check-in rules: the single check-in, the dual
    check-in once the same person (linked) checked in on both platforms that local day,
    streak bonuses. A second check-in the same day awards nothing new. Refusals by the
    campaign's limits or budget are in `awards[].refused`, not errors."""
    settings, partner = caller.settings, caller.partner
    user_key = user_of(body, settings, partner)

    def run(at_us: int) -> dict[str, Any]:
        return live.checkin(settings, caller.ctx.engine, partner, user_key,
                            platform=body.platform, at_us=at_us, lang=caller.lang,
                            name=body.name).to_json()

    return await _write(request, caller, idempotency_key, "checkin",
                        _canonical(body, user_key), run)


# --- balance and statement --------------------------------------------------------------------

@router.get("/v1/balance", summary="A user's points balance",
            responses=_ok(_BALANCE_EXAMPLE, 404))
def get_balance(currency: Currency, caller: Annotated[Caller, Depends(require("ledger"))],
                user_id: UserIdQuery = None, user_key: UserKeyQuery = None) -> Any:
    """The balance (and any recorded debt) of the caller's user in `currency`; 404
    `ledger_no_account` when the user is not a linked person."""
    key = resolve_user(caller.settings, caller.partner, user_id, user_key)
    return wallet.balance(caller.settings, caller.ctx.engine, caller.partner, key, currency)


@router.get("/v1/statement", summary="A user's postings, paged",
            responses=_ok(_STATEMENT_EXAMPLE, 404))
def get_statement(currency: Currency, caller: Annotated[Caller, Depends(require("ledger"))],
                  user_id: UserIdQuery = None, user_key: UserKeyQuery = None,
                  limit: Annotated[int, Query(ge=1, le=wallet.MAX_PAGE,
                                              description="entries per page")] = 100,
                  cursor: Annotated[str | None, Query(
                      max_length=64, description="`next_cursor` of the previous page")]
                  = None) -> Any:
    """Postings oldest first with the running balance after each; follow `next_cursor`
    until it is null."""
    key = resolve_user(caller.settings, caller.partner, user_id, user_key)
    return wallet.statement(caller.settings, caller.ctx.engine, caller.partner, key,
                            currency, limit=limit, cursor=cursor)


# --- redemptions and exchanges ----------------------------------------------------------------

@router.post("/v1/redemptions", summary="Reserve a reward (stock and points held)",
             responses=_ok(_REDEMPTION_EXAMPLE, 404, 409))
async def post_redemption(body: ReserveIn, request: Request,
                          idempotency_key: IdempotencyKey,
                          caller: Annotated[Caller, Depends(require("ledger"))]) -> Response:
    """Takes one unit of stock and holds the reward's cost from the user's balance until
    `confirm` or `cancel`. Refused (400) when the balance is short
    (`campaign_reward_unaffordable`) or the stock is out (`out_of_stock`)."""
    settings, partner = caller.settings, caller.partner
    user_key = user_of(body, settings, partner)

    def run(at_us: int) -> dict[str, Any]:
        return wallet.reserve(settings, caller.ctx.engine, partner, user_key,
                              body.campaign_id, body.reward_id, idem_key=idempotency_key,
                              at_us=at_us)

    return await _write(request, caller, idempotency_key, "reserve",
                        _canonical(body, user_key), run)


@router.post("/v1/redemptions/{redemption_id}/confirm", summary="Confirm a reservation",
             responses=_ok({**_REDEMPTION_EXAMPLE, "status": "confirmed"}, 404, 409))
async def post_confirm(redemption_id: RedemptionId, request: Request,
                       idempotency_key: IdempotencyKey,
                       caller: Annotated[Caller, Depends(require("ledger"))]) -> Response:
    """The held points are spent and the partner who fulfils the reward is told (outbox).
    404 for an id the caller did not reserve; 409 when it is no longer reserved."""
    def run(at_us: int) -> dict[str, Any]:
        return wallet.confirm(caller.ctx.engine, caller.partner, redemption_id,
                              idem_key=idempotency_key, at_us=at_us)

    return await _write(request, caller, idempotency_key, "confirm", {}, run)


@router.post("/v1/redemptions/{redemption_id}/cancel", summary="Cancel a reservation",
             responses=_ok({**_REDEMPTION_EXAMPLE, "status": "cancelled", "restored": 100,
                            "expired": 0}, 404, 409))
async def post_cancel(redemption_id: RedemptionId, request: Request,
                      idempotency_key: IdempotencyKey,
                      caller: Annotated[Caller, Depends(require("ledger"))]) -> Response:
    """Stock and points go back (points whose lot expired meanwhile go to `expired`)."""
    def run(at_us: int) -> dict[str, Any]:
        return wallet.cancel(caller.ctx.engine, caller.partner, redemption_id,
                             idem_key=idempotency_key, at_us=at_us)

    return await _write(request, caller, idempotency_key, "cancel", {}, run)


@router.post("/v1/exchanges", summary="Exchange points between currencies",
             responses=_ok(_EXCHANGE_EXAMPLE, 404, 409))
async def post_exchange(body: ExchangeIn, request: Request, idempotency_key: IdempotencyKey,
                        caller: Annotated[Caller, Depends(require("ledger"))]) -> Response:
    """At the campaign's `exchange` rate: `fee = ceil(amount × fee)`, the user receives
    `floor((amount − fee) × rate)`."""
    settings, partner = caller.settings, caller.partner
    user_key = user_of(body, settings, partner)

    def run(at_us: int) -> dict[str, Any]:
        return wallet.exchange(settings, caller.ctx.engine, partner, user_key,
                               body.campaign_id, body.from_currency, body.to_currency,
                               body.amount, idem_key=idempotency_key, at_us=at_us)

    return await _write(request, caller, idempotency_key, "exchange",
                        _canonical(body, user_key), run)


# --- campaign status --------------------------------------------------------------------------

async def _ledger_or_admin(request: Request,
                           _credentials: Annotated[HTTPAuthorizationCredentials | None,
                                                   Depends(bearer_scheme)] = None) -> Caller:
    """The caller of an operation that either scope may use (ledger first)."""
    ctx = context_of(request)
    auth = request.headers.get("authorization")
    try:
        key = await caller_key(ctx, auth, "ledger")
    except Forbidden:
        key = await caller_key(ctx, auth, "admin")
    return Caller(key, request_lang(request), ctx)


@router.get("/v1/campaigns/{campaign_id}", summary="A campaign's status (scope ledger or admin)",
            responses=_ok(_CAMPAIGN_EXAMPLE, 404))
def get_campaign(campaign_id: Annotated[str, Path(min_length=1, max_length=64,
                                                   examples=["learn_and_play"])],
                 caller: Annotated[Caller, Depends(_ledger_or_admin)]) -> Any:
    """Status, window, budget, points issued by day, rewards and stock, the best streaks
    (without person ids)."""
    return campaign_view(caller.settings, caller.ctx.engine, campaign_id)
