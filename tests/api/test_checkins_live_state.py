"""The check-ins' in-memory state (:mod:`crossplay.campaigns.live_state`) stays exact:
a consent refusal, an unbind and a campaign pause apply to the very next check-in, a new
lake ingest is seen, the state answers as the warehouse queries do, and a request that
finds no free database connection is answered 503 ``database_busy`` with Retry-After
(on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx
import pytest

from crossplay.campaigns import live
from crossplay.campaigns.engine import set_status
from crossplay.campaigns.live_state import forget_states, state_for
from crossplay.core import clock
from crossplay.core.settings import Settings
from crossplay.ingest.live import JOURNAL_MAPPING, journal_lines
from crossplay.ingest.pipeline import ingest
from crossplay.opdb import dispose_engines, ensure_schema, get_engine
from crossplay.privacy.consent import update_consent
from crossplay.privacy.links import unbind
from crossplay.privacy.policy import Purpose
from crossplay.warehouse.duck import connect
from tests.api.test_checkins import (
    base_day,
    day_at,
    linked_pairs,
    live_campaign,
    rules_of,
    running_api,
    unlinked_key,
)
from tests.conftest import LoadedWorld


@pytest.fixture
def world_settings(fresh_world: LoadedWorld, op_db_url: str) -> Settings:
    return fresh_world.settings(db_url=op_db_url)


def _checkin(settings: Settings, partner: str, key: str, at: dt.datetime) -> dict[str, object]:
    engine = get_engine(settings)
    return live.checkin(settings, engine, partner, key,  # type: ignore[arg-type]
                        at_us=int(at.timestamp() * 1_000_000)).to_json()


def test_refusal_unbind_and_pause_apply_to_the_next_checkin(world_settings: Settings,
                                                             tmp_path: Path) -> None:
    first = base_day()
    campaign = live_campaign(world_settings, tmp_path, first=first)
    a, b, c = linked_pairs(world_settings, 3)
    state = state_for(world_settings, get_engine(world_settings))
    with clock.frozen(day_at(first)):
        for pair in (a, b, c):
            assert _checkin(world_settings, "knowledge", pair.k, day_at(first))["eligible"]
        built = dict(state.rebuilds)
        # nothing changed: the next check-ins are answered from memory
        assert _checkin(world_settings, "game", a.g, day_at(first))["eligible"]
        assert state.rebuilds == built
        # a refusal of marketing on one side: the very next check-in is not eligible
        update_consent(world_settings, partner="game", purpose=Purpose.MARKETING,
                       granted=False, user_key=b.g)
        assert _checkin(world_settings, "game", b.g, day_at(first)) == {
            "platform": "game", "eligible": False, "points": 0, "campaigns": []}
        assert state.rebuilds["identity"] == built["identity"] + 1
        assert state.rebuilds["history"] == built["history"]  # the lake did not change
        # an unbind: neither side is the person any more
        unbind(world_settings, c.k, c.g)
        assert _checkin(world_settings, "game", c.g, day_at(first))["eligible"] is False
        assert _checkin(world_settings, "knowledge", c.k, day_at(first))["eligible"] is False
    with clock.frozen(day_at(first + dt.timedelta(days=1))):
        out = _checkin(world_settings, "knowledge", a.k, day_at(first + dt.timedelta(days=1)))
        assert rules_of(out) == {"checkin_knowledge": (2, True)}
        set_status(get_engine(world_settings), campaign.id, "paused")
        paused = _checkin(world_settings, "game", a.g, day_at(first + dt.timedelta(days=1)))
        assert paused == {"platform": "game", "eligible": True, "points": 0, "campaigns": []}
        set_status(get_engine(world_settings), campaign.id, "active")
        resumed = _checkin(world_settings, "game", a.g, day_at(first + dt.timedelta(days=1)))
        assert rules_of(resumed) == {"checkin_game": (2, True), "dual_checkin": (10, True)}


def test_a_new_lake_ingest_is_seen(world_settings: Settings, tmp_path: Path) -> None:
    first = base_day()
    live_campaign(world_settings, tmp_path, first=first)
    (pair,) = linked_pairs(world_settings, 1)
    day2 = first + dt.timedelta(days=1)
    with clock.frozen(day_at(first)):
        _checkin(world_settings, "game", pair.g, day_at(first))  # the state is built
    state = state_for(world_settings, get_engine(world_settings))
    histories = state.rebuilds["history"]
    # the person's knowledge check-in of day 2 arrives in the lake (not live)
    lake_at = day_at(day2, dt.time(2, 0))
    lines = journal_lines(world_settings, "knowledge", [{
        "event_id": "lake-checkin-1", "user_key": pair.k, "event_type": "checkin",
        "ts": lake_at.isoformat(), "platform": "knowledge"}])
    path = tmp_path / "checkins.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    with clock.frozen(day_at(day2)):
        summary = ingest(world_settings, [path], partner="knowledge", kind="events",
                         mapping=JOURNAL_MAPPING, keyed=True)
        assert summary.accepted == 1 and summary.quarantined == 0
        out = _checkin(world_settings, "game", pair.g, day_at(day2))
        # the dual check-in needs the lake's knowledge check-in of the same day
        assert rules_of(out) == {"checkin_game": (2, True), "dual_checkin": (10, True)}
        assert state.rebuilds["history"] == histories + 1
        # a live check-in on the platform the lake holds for today is not the first
        again = _checkin(world_settings, "knowledge", pair.k, day_at(day2))
        assert again["campaigns"][0]["first_today"] is False  # type: ignore[index]


def test_state_answers_as_the_warehouse(world_settings: Settings, tmp_path: Path) -> None:
    """The person and the lake's check-ins from memory equal ``linked_person`` and
    ``lake_checkins`` on a warehouse, for linked and unlinked users."""
    first = base_day()
    campaign = live_campaign(world_settings, tmp_path, first=first)
    # a window over the world's own events, so the lake holds check-ins in it
    con = connect(world_settings)
    try:
        lo, hi = con.sql("SELECT min(ts)::DATE, max(ts)::DATE FROM events "
                         "WHERE event_type = 'checkin'").fetchall()[0]
        wide = campaign.model_copy(update={"start": lo, "end": hi})
        engine = get_engine(world_settings)
        ensure_schema(engine)
        snap = state_for(world_settings, engine).snapshot(engine)
        users = [("knowledge", p.k) for p in linked_pairs(world_settings, 20)] + [
            ("game", p.g) for p in linked_pairs(world_settings, 20)] + [
            ("knowledge", unlinked_key(world_settings))]
        seen = 0
        for partner, key in users:
            want = live.linked_person(con, partner, key, Purpose.MARKETING)  # type: ignore[arg-type]
            assert snap.person(partner, key) == want
            if want is not None:
                events = live.lake_checkins(con, wide, want)
                assert snap.lake_checkins(wide, want) == events
                seen += len(events)
        assert seen > 0
    finally:
        con.close()


def test_no_free_connection_is_503_with_retry_after(fresh_world: LoadedWorld,
                                                    pg_url: str, tmp_path: Path) -> None:
    """A small pool, all that the running API leaves free held by the test:
    the check-in waits the pool timeout, then is answered 503 database_busy with
    Retry-After (not 500), in both languages; once they are free it goes through."""
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    settings = fresh_world.settings(db_url=pg_url).model_copy(update={
        # room for what the app holds while it starts (a loaded box is slow to hand
        # connections back), then the test takes every free one
        "db_pool_size": 3, "db_max_overflow": 0, "db_pool_timeout_s": 2.0})
    dispose_engines()  # the engine of this URL is made with the tiny pool
    try:
        first = base_day()
        live_campaign(settings, tmp_path, first=first)
        (pair,) = linked_pairs(settings, 1)
        engine = get_engine(settings)
        assert engine.pool.size() == 3  # type: ignore[attr-defined]
        with running_api(settings) as api, clock.frozen(day_at(first)):
            held = []
            try:
                while True:  # every connection the API does not hold itself
                    try:
                        held.append(engine.connect())
                    except PoolTimeout:
                        break
                answers = []
                for lang in ("en", "zh-CN"):
                    answers.append(httpx.post(
                        api.url + "/v1/checkins", json={"user_key": pair.g},
                        headers={"Authorization": f"Bearer {api.keys['game']}",
                                 "Idempotency-Key": f"busy-{lang}",
                                 "Accept-Language": lang}, timeout=30))
            finally:
                for con in held:
                    con.close()
            for resp in answers:
                assert resp.status_code == 503, resp.text
                assert resp.headers["retry-after"] == "1"
                assert resp.headers["content-type"].startswith("application/problem+json")
                assert resp.json()["code"] == "database_busy"
            assert "retry" in answers[0].json()["detail"]
            assert "重试" in answers[1].json()["detail"]
            # with the connection free again the same request goes through
            ok = httpx.post(api.url + "/v1/checkins", json={"user_key": pair.g},
                            headers={"Authorization": f"Bearer {api.keys['game']}",
                                     "Idempotency-Key": "busy-en"}, timeout=30)
            assert ok.status_code == 200, ok.text
            assert json.loads(ok.text)["eligible"] is True
    finally:
        dispose_engines()
        forget_states()


def test_an_erasure_applies_to_the_next_checkin_of_the_other_side(
        world_settings: Settings, tmp_path: Path) -> None:
    """Erasure rewrites the lake and deletes live rows (no new id: the watermark counts
    rows as well): the state forgets the person at once — the other partner's user of
    that person is no longer linked, and the erased key is nobody."""
    from crossplay.privacy.erasure import forget_key

    first = base_day()
    live_campaign(world_settings, tmp_path, first=first)
    (a,) = linked_pairs(world_settings, 1)
    state_for(world_settings, get_engine(world_settings))
    with clock.frozen(day_at(first)):
        assert _checkin(world_settings, "knowledge", a.k, day_at(first))["eligible"]
        forget_key(world_settings, "game", a.g)
        assert _checkin(world_settings, "knowledge", a.k, day_at(first))["eligible"] is False
        assert _checkin(world_settings, "game", a.g, day_at(first))["eligible"] is False
