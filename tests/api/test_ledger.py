"""Balance, statement, redemptions, exchanges and campaign status over a real uvicorn, on
SQLite and PostgreSQL: every operation, idempotent replays, reused keys, the other
partner's ids answered as "not found", and the ledger's invariants after."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from crossplay.campaigns import tables as t
from crossplay.campaigns.invariants import violations
from crossplay.client.base import ApiError
from crossplay.core import clock
from crossplay.core.settings import Settings
from crossplay.opdb import get_engine
from tests.api.conftest import running_api
from tests.api.test_checkins import (
    base_day,
    day_at,
    ledger_of,
    linked_pairs,
    live_campaign,
    unlinked_key,
    world_settings,
)

__all__ = ["world_settings"]  # the fixture, shared with test_checkins


def _refused(exc: pytest.ExceptionInfo[ApiError]) -> tuple[int, str]:
    return exc.value.status, exc.value.server_code


def test_every_ledger_operation(world_settings: Settings, tmp_path: Path) -> None:
    first = base_day()
    live_campaign(world_settings, tmp_path, first=first, replace={"cost: 100": "cost: 20"})
    (pair,) = linked_pairs(world_settings, 1)
    with running_api(world_settings) as live:
        k, g = ledger_of(live, "knowledge"), ledger_of(live, "game")
        for n in range(3):  # three dual days: 3 × 14 + 20 = 62 points
            with clock.frozen(day_at(first + dt.timedelta(days=n))):
                k.checkin(user_key=pair.k)
                g.checkin(user_key=pair.g)
        with clock.frozen(day_at(first + dt.timedelta(days=3))):
            # the person's balance, seen by both partners through their own users
            assert k.balance("CPP", user_key=pair.k) == {"currency": "CPP", "balance": 62,
                                                         "debt": 0}
            assert g.balance("CPP", user_key=pair.g)["balance"] == 62
            # reserve (20), confirm; reserve again, cancel: 42 left
            r1 = k.reserve("learn_and_play", "course_coupon", user_key=pair.k)
            assert (r1["status"], r1["cost"], r1["balance"]) == ("reserved", 20, 42)
            assert k.confirm(r1["redemption_id"])["status"] == "confirmed"
            r2 = k.reserve("learn_and_play", "course_coupon", user_key=pair.k)
            cancelled = k.cancel(r2["redemption_id"])
            assert (cancelled["status"], cancelled["restored"]) == ("cancelled", 20)
            with pytest.raises(ApiError) as exc:  # settled once: a conflict with its state
                k.confirm(r2["redemption_id"])
            assert _refused(exc) == (409, "ledger_redemption_state")
            # the other partner never sees this partner's redemptions: 404, not 403
            with pytest.raises(ApiError) as exc:
                g.cancel(r1["redemption_id"])
            assert _refused(exc) == (404, "ledger_redemption_not_found")
            with pytest.raises(ApiError) as exc:
                g.confirm(999_999)
            assert _refused(exc) == (404, "ledger_redemption_not_found")
            # exchange 10 CPP to GCOIN at 10 with a 2% fee: fee 1, 90 GCOIN
            x = g.exchange("learn_and_play", "CPP", "GCOIN", 10, user_key=pair.g)
            assert (x["fee"], x["received"], x["balances"]) == (1, 90, {"CPP": 32,
                                                                        "GCOIN": 90})
            with pytest.raises(ApiError) as exc:
                g.exchange("learn_and_play", "GCOIN", "KCOIN", 10, user_key=pair.g)
            assert _refused(exc) == (400, "campaign_no_exchange")
            with pytest.raises(ApiError) as exc:
                k.reserve("learn_and_play", "game_skin", user_key=pair.k)  # costs 150
            assert _refused(exc) == (400, "campaign_reward_unaffordable")
            # the statement, page by page, running balance included
            whole = k.statement("CPP", user_key=pair.k, limit=500)
            assert whole["next_cursor"] is None
            amounts = [e["amount"] for e in whole["entries"]]
            assert sum(amounts) == 32 == whole["entries"][-1]["balance"]
            paged = list(k.statement_entries("CPP", user_key=pair.k, limit=2))
            assert paged == whole["entries"]
            assert {e["kind"] for e in paged} >= {"award", "reserve", "cancel", "exchange"}
            # a user who is not a linked person has no account
            with pytest.raises(ApiError) as exc:
                k.balance("CPP", user_key=unlinked_key(world_settings))
            assert _refused(exc) == (404, "ledger_no_account")
            # campaign status: ledger scope, or admin; not another scope
            status = g.campaign("learn_and_play")
            assert status["status"] == "active" and status["redeemed"] == 20
            assert {r["reward_id"]: r["redeemed"] for r in status["rewards"]} == {
                "course_coupon": 1, "game_skin": 0}
            assert status["top_streaks"] == [{"best": 3, "current": 3}]
            admin = live.key("game", "admin")
            assert httpx.get(live.url + "/v1/campaigns/learn_and_play",
                             headers={"Authorization": f"Bearer {admin}"}).status_code == 200
            events_only = live.key("game", "events")
            assert httpx.get(live.url + "/v1/campaigns/learn_and_play",
                             headers={"Authorization": f"Bearer {events_only}"}
                             ).status_code == 403
            missing = httpx.get(live.url + "/v1/campaigns/nope",
                                headers={"Authorization": f"Bearer {admin}",
                                         "Accept-Language": "zh-CN"})
            assert (missing.status_code, missing.json()["detail"]) == (404, "没有活动 'nope'")
    assert violations(get_engine(world_settings)) == []


def test_writes_replay_their_first_answer(world_settings: Settings, tmp_path: Path) -> None:
    first = base_day()
    live_campaign(world_settings, tmp_path, first=first, replace={"cost: 100": "cost: 5"})
    (pair,) = linked_pairs(world_settings, 1)
    with running_api(world_settings) as live, clock.frozen(day_at(first)):
        k = ledger_of(live, "knowledge")
        k.checkin(user_key=pair.k)
        ledger_of(live, "game").checkin(user_key=pair.g)  # 14 points
        auth = {"Authorization": f"Bearer {live.keys['knowledge']}"}

        def post(path: str, key: str, body: dict[str, object] | None = None,
                 partner_auth: dict[str, str] = auth) -> httpx.Response:
            return httpx.post(live.url + path, json=body or {},
                              headers={**partner_auth, "Idempotency-Key": key})

        reserve = {"user_key": pair.k, "campaign_id": "learn_and_play",
                   "reward_id": "course_coupon"}
        one, two = post("/v1/redemptions", "r-1", reserve), post("/v1/redemptions", "r-1",
                                                                  reserve)
        assert one.status_code == 200 and one.content == two.content
        rid = one.json()["redemption_id"]
        assert k.balance("CPP", user_key=pair.k)["balance"] == 9  # reserved once
        c1 = post(f"/v1/redemptions/{rid}/confirm", "c-1")
        c2 = post(f"/v1/redemptions/{rid}/confirm", "c-1")
        assert c1.status_code == 200 and c1.content == c2.content
        assert c2.headers["idempotent-replayed"] == "true"
        # a key used for a confirm is not a cancel's
        reused = post(f"/v1/redemptions/{rid}/cancel", "c-1")
        assert (reused.status_code, reused.json()["code"]) == (409, "idempotency_key_reused")
        # a refusal is an answer too: replayed as it was
        broke = {**reserve, "reward_id": "game_skin"}
        f1, f2 = post("/v1/redemptions", "r-2", broke), post("/v1/redemptions", "r-2", broke)
        assert f1.status_code == 400 and f1.content == f2.content
        swap = {"user_key": pair.k, "campaign_id": "learn_and_play", "from": "CPP",
                "to": "KCOIN", "amount": 4}
        x1, x2 = post("/v1/exchanges", "x-1", swap), post("/v1/exchanges", "x-1", swap)
        assert x1.status_code == 200 and x1.content == x2.content
        assert k.balance("KCOIN", user_key=pair.k)["balance"] == 4  # exchanged once
        # the other partner's key space is its own; its user_key of our user is unknown
        g_auth = {"Authorization": f"Bearer {live.keys['game']}"}
        theirs = post("/v1/exchanges", "x-1", swap, g_auth)
        assert (theirs.status_code, theirs.json()["code"]) == (404, "ledger_no_account")
        g_confirm = post(f"/v1/redemptions/{rid}/cancel", "g-1", None, g_auth)
        assert g_confirm.status_code == 404
    engine = get_engine(world_settings)
    with engine.connect() as con:
        kinds = dict(con.execute(select(t.transactions.c.kind, func.count())
                                 .group_by(t.transactions.c.kind)).all())
    assert (kinds["reserve"], kinds["confirm"], kinds["exchange"]) == (1, 1, 1)
    assert violations(engine) == []


def test_statement_pages_across_one_instant(world_settings: Settings, tmp_path: Path) -> None:
    """Entries of one instant (requests under a frozen clock) split across pages: the
    cursor counts how many of that instant were given."""
    first = base_day()
    live_campaign(world_settings, tmp_path, first=first, replace={"cost: 100": "cost: 1"})
    (pair,) = linked_pairs(world_settings, 1)
    with running_api(world_settings) as live, clock.frozen(day_at(first)):
        k = ledger_of(live, "knowledge")
        k.checkin(user_key=pair.k)
        ledger_of(live, "game").checkin(user_key=pair.g)  # 14 points in three awards
        for _ in range(5):  # five reservations at the very same instant
            k.reserve("learn_and_play", "course_coupon", user_key=pair.k)
        whole = k.statement("CPP", user_key=pair.k)["entries"]
        assert len(whole) == 8 and whole[-1]["balance"] == 9
        for size in (1, 2, 4):
            assert list(k.statement_entries("CPP", user_key=pair.k, limit=size)) == whole
        with pytest.raises(ApiError) as exc:
            k.statement("CPP", user_key=pair.k, cursor="not-a-cursor!")
        assert _refused(exc) == (400, "ledger_cursor")
