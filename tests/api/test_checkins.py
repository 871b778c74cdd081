"""POST /v1/checkins over a real uvicorn, on SQLite and PostgreSQL: a linked person's
check-ins on both platforms earn the single, dual and streak awards once, with the same
keys as ``campaign apply``; a second check-in the same day awards nothing; messages in
en and zh-CN; limits and the budget answer with their reason; invariants hold."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from crossplay.campaigns import tables as t
from crossplay.campaigns.document import Campaign, load_campaign, sample_path
from crossplay.campaigns.engine import apply
from crossplay.campaigns.invariants import violations
from crossplay.campaigns.rules import local_day
from crossplay.client.ledger import LedgerApi
from crossplay.core import clock
from crossplay.core.settings import Settings
from crossplay.opdb import get_engine
from crossplay.privacy.policy import Purpose, linked_persons_sql
from tests.api.conftest import LiveApi, running_api
from tests.conftest import LoadedWorld

ZONE_NOON_UTC = dt.time(4, 0)  # 12:00 in Asia/Shanghai: far from either midnight


@dataclass(frozen=True)
class Pair:
    person: str
    k: str  # the knowledge user's key
    g: str  # the game user's key


def linked_pairs(settings: Settings, n: int) -> list[Pair]:
    """``n`` linked persons with linking and marketing granted on both sides."""
    from crossplay.warehouse.duck import connect

    con = connect(settings)
    try:
        rows = con.sql(f"SELECT CAST(person_id AS VARCHAR), k_user_key, g_user_key FROM "
                       f"({linked_persons_sql(Purpose.MARKETING)}) ORDER BY 1 "
                       f"LIMIT {n}").fetchall()
    finally:
        con.close()
    assert len(rows) == n
    return [Pair(str(p), str(k), str(g)) for p, k, g in rows]


def unlinked_key(settings: Settings) -> str:
    """A knowledge user the lake knows who is not a linked person."""
    from crossplay.warehouse.duck import connect

    con = connect(settings)
    try:
        row = con.sql(f"SELECT user_key FROM events WHERE partner = 'knowledge' AND user_key "
                      f"NOT IN (SELECT k_user_key FROM ({linked_persons_sql()})) "
                      f"ORDER BY 1 LIMIT 1").fetchall()
    finally:
        con.close()
    assert row
    return str(row[0][0])


def day_at(day: dt.date, hour_utc: dt.time = ZONE_NOON_UTC) -> dt.datetime:
    return dt.datetime.combine(day, hour_utc, dt.UTC)


def base_day() -> dt.date:
    """A day well after the world's events (the window holds nothing from the lake)."""
    return (clock.now() + dt.timedelta(days=400)).date()


def live_campaign(settings: Settings, tmp_path: Path, *, first: dt.date, days: int = 10,
                  replace: dict[str, str] | None = None) -> Campaign:
    """The sample campaign with its window from ``first``, stored and funded by apply."""
    text = sample_path().read_text(encoding="utf-8")
    text = text.replace("start: 2026-09-01", f"start: {first.isoformat()}").replace(
        "end: 2026-09-30", f"end: {(first + dt.timedelta(days=days - 1)).isoformat()}")
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "live.yaml"
    path.write_text(text, encoding="utf-8")
    campaign = load_campaign(path)
    apply(settings, campaign)
    return campaign


def ledger_of(live: LiveApi, partner: str, lang: str | None = None) -> LedgerApi:
    return LedgerApi(live.client(partner, lang=lang).transport)  # type: ignore[arg-type]


def rules_of(answer: dict[str, Any]) -> dict[str, tuple[int, bool]]:
    (c,) = answer["campaigns"]
    return {a["rule"]: (a["points"], a["new"]) for a in c["awards"]}


@pytest.fixture
def world_settings(fresh_world: LoadedWorld, op_db_url: str) -> Settings:
    return fresh_world.settings(db_url=op_db_url)


def test_dual_checkin_across_linked_partners_awards_once(world_settings: Settings,
                                                         tmp_path: Path) -> None:
    first = base_day()
    campaign = live_campaign(world_settings, tmp_path, first=first)
    (pair,) = linked_pairs(world_settings, 1)
    with running_api(world_settings) as live:
        k, g = ledger_of(live, "knowledge"), ledger_of(live, "game")
        with clock.frozen(day_at(first)):
            a = k.checkin(user_key=pair.k)
            assert a["eligible"] is True and a["platform"] == "knowledge"
            assert rules_of(a) == {"checkin_knowledge": (2, True)}
            assert a["points"] == 2 and a["campaigns"][0]["balance"] == 2
            b = g.checkin(user_key=pair.g)  # the same person on the other platform
            assert rules_of(b) == {"checkin_game": (2, True), "dual_checkin": (10, True)}
            assert b["campaigns"][0]["balance"] == 14 and b["campaigns"][0]["streak"] == 1
            again = g.checkin(user_key=pair.g)  # a new request (new key), the same day
            assert again["points"] == 0 and again["campaigns"][0]["first_today"] is False
            assert all(not new for _p, new in rules_of(again).values())
            assert again["campaigns"][0]["balance"] == 14
        # three dual days in a row: the streak bonus, in the user's language
        for n in (1, 2):
            with clock.frozen(day_at(first + dt.timedelta(days=n))):
                k.checkin(user_key=pair.k)
                last = ledger_of(live, "game", "zh-CN").checkin(user_key=pair.g, name="小明")
        assert rules_of(last) == {"checkin_game": (2, True), "dual_checkin": (10, True),
                                  "streak_3": (20, True)}
        assert last["campaigns"][0]["streak"] == 3
        assert last["campaigns"][0]["message"] == "已连续 3 天双端打卡，继续加油！"
        with clock.frozen(day_at(first + dt.timedelta(days=3))):
            en = k.checkin(user_key=pair.k, name="Ann")
        assert en["campaigns"][0]["message"].startswith("Ann: you earned 2 points")
    engine = get_engine(world_settings)
    with engine.connect() as con:
        n_awards = con.execute(select(func.count()).select_from(t.awards).where(
            t.awards.c.person_id == pair.person)).scalar_one()
        n_checkins = con.execute(select(func.count()).select_from(t.checkins).where(
            t.checkins.c.person_id == pair.person)).scalar_one()
    assert n_awards == 3 + 3 + 4 + 1  # days 1-2: 3 each, day 3: 3 + streak, day 4: 1
    assert n_checkins == 7
    assert violations(engine) == []
    # the batch path finds every award the live path made: it issues nothing new
    report = apply(world_settings, campaign)
    assert report.awarded == 0 and report.already_done >= n_awards


def test_unlinked_users_and_wrong_platforms(world_settings: Settings, tmp_path: Path) -> None:
    first = base_day()
    live_campaign(world_settings, tmp_path, first=first)
    with running_api(world_settings) as live, clock.frozen(day_at(first)):
        k = ledger_of(live, "knowledge")
        out = k.checkin(user_key=unlinked_key(world_settings))
        assert out == {"platform": "knowledge", "eligible": False, "points": 0,
                       "campaigns": []}
        resp = httpx.post(live.url + "/v1/checkins", json={"user_id": "u_1",
                                                           "platform": "game"},
                          headers={"Authorization": f"Bearer {live.keys['knowledge']}",
                                   "Idempotency-Key": "wrong-platform",
                                   "Accept-Language": "zh-CN"})
        assert resp.status_code == 400
        assert resp.json()["code"] == "checkin_platform"
        assert "不能在 game 上打卡" in resp.json()["detail"]
        # outside every campaign's window: eligible, nothing to award
    with running_api(world_settings) as live, clock.frozen(
            day_at(first - dt.timedelta(days=5))):
        (pair,) = linked_pairs(world_settings, 1)
        assert ledger_of(live, "game").checkin(user_key=pair.g)["campaigns"] == []


def test_limits_and_budget_answer_with_their_reason(world_settings: Settings,
                                                    tmp_path: Path) -> None:
    first = base_day()
    live_campaign(world_settings, tmp_path, first=first,
                  replace={"budget: 3000": "budget: 15",
                           "daily_cap: 200": "daily_cap: 12"})
    a, b = linked_pairs(world_settings, 2)
    with running_api(world_settings) as live, clock.frozen(day_at(first)):
        k, g = ledger_of(live, "knowledge"), ledger_of(live, "game", "zh-CN")
        k.checkin(user_key=a.k)
        out = g.checkin(user_key=a.g)
        # 2 + 2 earned, the dual award trimmed to the 8 left of the daily cap of 12
        assert rules_of(out) == {"checkin_game": (2, True), "dual_checkin": (8, True)}
        k.checkin(user_key=b.k)  # 2 of the 3 points left in the budget of 15
        refused = g.checkin(user_key=b.g)
        awards = {x["rule"]: x for x in refused["campaigns"][0]["awards"]}
        assert awards["checkin_game"]["new"] is False
        assert awards["checkin_game"]["refused"] == "budget"
        assert awards["checkin_game"]["refused_text"] == "预算不足"
        assert refused["points"] == 0 and "预算不足" in refused["campaigns"][0]["message"]
        status = ledger_of(live, "game").campaign("learn_and_play")
        assert status["status"] == "budget_exhausted" and status["budget_left"] == 1
    assert violations(get_engine(world_settings)) == []


def test_replays_the_first_answer_and_refuses_a_reused_key(world_settings: Settings,
                                                           tmp_path: Path) -> None:
    first = base_day()
    live_campaign(world_settings, tmp_path, first=first)
    (pair,) = linked_pairs(world_settings, 1)
    with running_api(world_settings) as live, clock.frozen(day_at(first)):
        headers = {"Authorization": f"Bearer {live.keys['game']}", "Idempotency-Key": "k-1"}
        one = httpx.post(live.url + "/v1/checkins", json={"user_key": pair.g},
                         headers=headers)
        # the same body, keys in another order and spaced: the same request
        two = httpx.post(live.url + "/v1/checkins",
                         content=f'{{ "user_key" : "{pair.g}" }}'.encode(),
                         headers={**headers, "Content-Type": "application/json",
                                  "Accept-Language": "zh-CN"})
        assert one.status_code == two.status_code == 200
        assert one.content == two.content and two.headers["idempotent-replayed"] == "true"
        assert one.json()["points"] == 2
        other = httpx.post(live.url + "/v1/checkins", json={"user_key": pair.g,
                                                            "name": "x"}, headers=headers)
        assert (other.status_code, other.json()["code"]) == (409, "idempotency_key_reused")
        # the same key of the other partner is another key
        k = httpx.post(live.url + "/v1/checkins", json={"user_key": pair.k},
                       headers={**headers, "Authorization": f"Bearer {live.keys['knowledge']}"})
        assert k.status_code == 200 and k.json()["points"] == 12
        missing = httpx.post(live.url + "/v1/checkins", json={"user_key": pair.g},
                             headers={"Authorization": headers["Authorization"]})
        assert (missing.status_code, missing.json()["code"]) == (422, "invalid_request")
        bad = httpx.post(live.url + "/v1/checkins", json={"user_key": pair.g},
                         headers={**headers, "Idempotency-Key": "x" * 129})
        assert bad.status_code == 422


def test_concurrent_requests_under_one_key_run_once(world_settings: Settings,
                                                    tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    first = base_day()
    live_campaign(world_settings, tmp_path, first=first)
    pairs = linked_pairs(world_settings, 3)
    with running_api(world_settings) as live, clock.frozen(day_at(first)):
        auth = {"Authorization": f"Bearer {live.keys['knowledge']}"}

        def post(n: int) -> httpx.Response:
            pair = pairs[n % 3]
            return httpx.post(live.url + "/v1/checkins", json={"user_key": pair.k},
                              headers={**auth, "Idempotency-Key": f"same-{n % 3}"},
                              timeout=60)

        with ThreadPoolExecutor(12) as pool:
            answers = list(pool.map(post, range(12)))
    assert {r.status_code for r in answers} == {200}
    for n in range(3):
        bodies = {r.content for i, r in enumerate(answers) if i % 3 == n}
        assert len(bodies) == 1  # every answer under one key is the first one
    engine = get_engine(world_settings)
    with engine.connect() as con:
        assert con.execute(select(func.count()).select_from(t.awards)).scalar_one() == 3
    assert violations(engine) == []


def test_the_checkin_day_is_the_campaigns_local_day(world_settings: Settings,
                                                    tmp_path: Path) -> None:
    first = base_day()
    campaign = live_campaign(world_settings, tmp_path, first=first)
    (pair,) = linked_pairs(world_settings, 1)
    # 16:30 UTC is 00:30 the next day in Shanghai
    late = dt.datetime.combine(first, dt.time(16, 30), dt.UTC)
    assert local_day(int(late.timestamp() * 1e6), campaign.zone) == first + dt.timedelta(1)
    with running_api(world_settings) as live, clock.frozen(late):
        out = ledger_of(live, "game").checkin(user_key=pair.g)
    assert out["campaigns"][0]["day"] == (first + dt.timedelta(days=1)).isoformat()


def test_a_retry_after_a_key_rotation_never_awards_twice(world_settings: Settings,
                                                         tmp_path: Path) -> None:
    """The attacker's (or an unlucky client's) retry: a check-in is answered, the game
    partner rotates its key (every user_key and person id changes), then the client
    retries with the same Idempotency-Key and body — and once more with a new key. Neither
    may pay the day's check-in again, nor break the books, nor answer 5xx."""
    from crossplay.privacy.rotation import rotate

    first = base_day()
    live_campaign(world_settings, tmp_path, first=first)
    (pair,) = linked_pairs(world_settings, 1)
    engine = get_engine(world_settings)

    def awarded() -> int:
        with engine.connect() as con:
            return int(con.execute(select(func.coalesce(func.sum(t.awards.c.amount), 0))
                                   ).scalar_one())

    with running_api(world_settings) as live, clock.frozen(day_at(first)):
        headers = {"Authorization": f"Bearer {live.keys['game']}", "Idempotency-Key": "rot-1"}
        one = httpx.post(live.url + "/v1/checkins", json={"user_key": pair.g},
                         headers=headers, timeout=60)
        assert one.status_code == 200 and one.json()["points"] == 2
        paid = awarded()
        rotate(world_settings, "game")
        again = httpx.post(live.url + "/v1/checkins", json={"user_key": pair.g},
                           headers=headers, timeout=60)
        fresh = httpx.post(live.url + "/v1/checkins", json={"user_key": pair.g},
                           headers={**headers, "Idempotency-Key": "rot-2"}, timeout=60)
        for resp in (again, fresh):
            assert resp.status_code < 500, resp.text
            if resp.status_code == 200:
                assert resp.json()["points"] == 0 or resp.content == one.content
        assert awarded() == paid
        assert violations(engine) == []
