"""POST /v1/events over a real uvicorn: per-row outcomes from the ingest pipeline's own
checks, idempotent re-posts, the write-ahead journal, group commit into the lake, replay
of a dead worker's journal, the limits and who may post what."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from crossplay.client.base import ApiError
from crossplay.client.events import EventsApi
from crossplay.core import clock
from crossplay.core.settings import Settings, load_settings
from crossplay.core.types import Partner
from crossplay.ingest.live import SOURCE, LiveEvents
from crossplay.lake import Lake
from crossplay.privacy.keys import native_key
from crossplay.warehouse.readonly import query
from tests.api.conftest import LiveApi, running_api

KEY = "0123456789abcdef0123456789abcdef"


def _settings(data_dir: Path, **overrides: Any) -> Settings:
    # no commit by time during a test unless it asks: the journal is what it looks at
    return load_settings(data_dir=data_dir, **{"api_events_commit_s": 3600.0, **overrides})


def _ts(hours_ago: float = 2.0) -> str:
    return (clock.now() - timedelta(hours=hours_ago)).isoformat()


def _events(api: LiveApi, partner: Partner = "knowledge") -> EventsApi:
    return EventsApi(api.client(partner).transport)


def _batch() -> list[dict[str, Any]]:
    ts = _ts()
    return [
        {"event_id": "k-1", "user_id": "u_1", "event_type": "course_view", "ts": ts,
         "item_id": "c_1", "item_type": "course", "properties": {"device": "ios"}},
        {"event_id": "k-1", "user_id": "u_1", "event_type": "course_view", "ts": ts,
         "item_id": "c_1", "item_type": "course", "properties": {"device": "ios"}},
        {"event_id": "k-2", "user_key": KEY, "event_type": "lesson_watch", "ts": ts,
         "value": 1260},
        {"event_id": "k-3", "user_id": "u_3", "event_type": "watch", "ts": ts},
        {"event_id": "k-4", "user_id": "u_4", "event_type": "course_view", "ts": "soon"},
        {"event_id": "k-5", "user_id": "u_5", "event_type": "course_view"},
        {"event_id": "k-6", "user_id": "x" * 300, "event_type": "course_view", "ts": ts},
        {"event_id": "k-7", "user_id": "u_7", "event_type": "purchase", "ts": ts,
         "value": -3},
        {"event_id": "k-1", "user_id": "u_1", "event_type": "purchase", "ts": ts},
    ]


EXPECTED = [("accepted", None), ("duplicate", None), ("accepted", None),
            ("quarantined", "event_type_platform_mismatch"),
            ("quarantined", "bad_timestamp"), ("quarantined", "missing_value"),
            ("quarantined", "too_long"), ("quarantined", "negative_value"),
            ("quarantined", "conflicting_duplicate")]


def _lake_events(settings: Settings, partner: str = "knowledge") -> list[tuple[Any, ...]]:
    return query(settings, "SELECT event_id, user_key, platform, source FROM events "
                 f"WHERE partner = '{partner}' ORDER BY event_id").rows


def _quarantine(settings: Settings) -> list[tuple[Any, ...]]:
    files = Lake(settings.lake_dir).files("quarantine")
    if not files:
        return []
    return query(settings, "SELECT row_number, reason_code, source FROM quarantine "
                 "ORDER BY row_number").rows


def test_a_batch_answers_per_row_and_lands_in_the_lake_and_quarantine(
        data_dir: Path) -> None:
    settings = _settings(data_dir)
    with running_api(settings) as api:
        events = _events(api)
        batch = _batch()
        answer = events.post(batch)
        got = [(r["outcome"], r.get("reason")) for r in answer["rows"]]
        assert got == EXPECTED
        assert [r["index"] for r in answer["rows"]] == list(range(len(EXPECTED)))
        assert answer["counts"] == {"accepted": 2, "duplicate": 1, "quarantined": 6}
        assert answer["journaled"] is True
        assert "row 1" in answer["rows"][8]["message"]  # names the row it conflicts with
        # journaled, not yet in the lake
        status = events.status()
        assert status["pending"] == {"batches": 1, "accepted": 2, "quarantined": 6}
        assert status["last_commit_at"] is None
        assert not Lake(settings.lake_dir).files("events")
        # the same batch again: the accepted rows are duplicates of the journaled ones
        again = events.post(batch)
        assert [r["outcome"] for r in again["rows"]] == [
            "duplicate", "duplicate", "duplicate", *["quarantined"] * 6]
        assert again["rows"][8]["reason"] == "conflicting_duplicate"
        metrics = api.client().metrics()
        assert 'crossplay_events_total{outcome="accepted",partner="knowledge"} 2.0' in metrics
        assert 'crossplay_events_total{outcome="duplicate",partner="knowledge"} 4.0' in metrics
    # stopping the app committed the journal (flush on stop)
    rows = _lake_events(settings)
    assert rows == [("k-1", native_key(settings, "knowledge", "u_1"), "knowledge", SOURCE),
                    ("k-2", KEY, "knowledge", SOURCE)]
    quarantined = _quarantine(settings)
    # each bad row once, at its position in the batch (1-based), although posted twice
    assert [(r[0], r[1]) for r in quarantined] == [
        (4, "event_type_platform_mismatch"), (5, "bad_timestamp"), (6, "missing_value"),
        (7, "too_long"), (8, "negative_value"), (9, "conflicting_duplicate")]
    assert {r[2] for r in quarantined} == {SOURCE}
    # no native id reached the lake or the quarantine
    lake_text = b"".join(p.read_bytes() for p in settings.lake_dir.rglob("*.parquet"))
    assert b"u_1" not in lake_text and b"x" * 300 not in lake_text
    assert not list((settings.data_dir / "live" / "events").rglob("*.jsonl"))


def test_a_repost_after_the_commit_is_all_duplicates_and_stores_nothing(
        data_dir: Path) -> None:
    settings = _settings(data_dir, api_events_commit_s=0.2)
    good = [{"event_id": f"g-{i}", "user_id": f"u_{i}", "event_type": "course_view",
             "ts": _ts()} for i in range(5)]
    with running_api(settings) as api:
        events = _events(api)
        assert events.post(good)["counts"]["accepted"] == 5
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the committer runs every 0.2 s
            status = events.status()
            if status["pending"]["batches"] == 0 and status["last_commit_at"]:
                break
            time.sleep(0.05)
        assert status["pending"] == {"batches": 0, "accepted": 0, "quarantined": 0}
        assert status["last_commit_rows"] == 5
        assert len(_lake_events(settings)) == 5
        files_before = sorted(settings.lake_dir.rglob("*.parquet"))
        runs_before = len(Lake(settings.lake_dir).read_manifest().runs)
        again = events.post(good)
        assert again["counts"] == {"accepted": 0, "duplicate": 5, "quarantined": 0}
        assert again["journaled"] is False
        assert events.status()["pending"]["batches"] == 0
    assert sorted(settings.lake_dir.rglob("*.parquet")) == files_before
    assert len(Lake(settings.lake_dir).read_manifest().runs) == runs_before
    # `crossplay stats`' numbers see the committed rows
    from crossplay.warehouse.duck import lake_stats

    assert "events" in str(lake_stats(settings))


def _dead_worker_journal(settings: Settings, events: list[dict[str, Any]]) -> Path:
    """A worker that journaled ``events`` (answered 2xx) and died before committing."""
    worker = LiveEvents(settings)
    worker.journal.open()
    result = worker.post("knowledge", events)
    assert result.counts["accepted"] == len(events)
    owner = worker.journal._owner
    assert owner is not None
    owner.close()  # what the OS does when the process dies: the flock is released
    return worker.journal.home


def test_a_dead_workers_journal_is_replayed_on_start_with_nothing_lost_or_doubled(
        data_dir: Path, tmp_path: Path) -> None:
    settings = _settings(data_dir)
    batch = [{"event_id": f"r-{i}", "user_id": f"u_{i}", "event_type": "course_view",
              "ts": _ts()} for i in range(7)]
    home = _dead_worker_journal(settings, batch)
    saved = tmp_path / "saved-journal"
    shutil.copytree(home, saved)  # to crash again "after the commit, before the delete"
    assert not Lake(settings.lake_dir).files("events")
    with running_api(settings) as api:
        # replayed at start, before the first request
        assert [r[0] for r in _lake_events(settings)] == [f"r-{i}" for i in range(7)]
        assert not home.exists()
        status = _events(api).status()
        assert status["pending"]["accepted"] == 0
        assert status["last_commit_rows"] == 7
    shutil.copytree(saved, home)  # the same files once more: a crash before the delete
    with running_api(settings) as api:
        assert len(_lake_events(settings)) == 7
        runs = Lake(settings.lake_dir).read_manifest().runs
        assert (runs[-1].read, runs[-1].accepted, runs[-1].already_ingested) == (7, 0, 7)
        assert [r["outcome"] for r in _events(api).post(batch[:2])["rows"]] == [
            "duplicate", "duplicate"]


def test_a_live_workers_journal_is_not_taken_by_another_worker(data_dir: Path) -> None:
    settings = _settings(data_dir)
    alive = LiveEvents(settings)
    alive.journal.open()
    event = {"event_id": "a-1", "user_id": "u_1", "event_type": "course_view", "ts": _ts()}
    alive.post("knowledge", [event])
    try:
        with running_api(settings) as api:
            status = _events(api).status()
            assert status["pending"]["accepted"] == 1  # seen, not committed by this app
            # but a post of the same id elsewhere is a duplicate
            again = _events(api).post([event])
            assert again["rows"][0]["outcome"] == "duplicate"
        assert alive.journal.files("knowledge", alive.journal.worker)
        assert alive.commit_now() == 1
    finally:
        alive.journal.close()
    assert [r[0] for r in _lake_events(settings)] == ["a-1"]


def test_batch_limits_and_malformed_bodies_are_problems_never_5xx(data_dir: Path) -> None:
    settings = _settings(data_dir, api_max_events=3, api_max_body_bytes=4_096)
    with running_api(settings) as api:
        events = _events(api)
        one = {"event_id": "x", "user_id": "u", "event_type": "course_view", "ts": _ts()}
        with pytest.raises(ApiError) as too_many:
            events.post([one] * 4)
        assert (too_many.value.status, too_many.value.server_code) == (413, "events_too_many")
        with pytest.raises(ApiError) as too_big:
            events.post([{**one, "properties": {"pad": "p" * 5_000}}])
        assert too_big.value.status == 413
        headers = {"Authorization": f"Bearer {api.keys['knowledge']}",
                   "Content-Type": "application/json"}
        for body in (b"{not json", b'{"events": "nope"}', b'{"events": [1, "u"]}', b"[]",
                     b'{"events": [' + b"[" * 3_000 + b"]" * 3_000 + b"]}", b"\xff\xfe"):
            resp = httpx.post(api.url + "/v1/events", content=body, headers=headers)
            assert 400 <= resp.status_code < 500, (body[:20], resp.status_code)
            assert resp.headers["content-type"].startswith("application/problem+json")
        assert events.status()["pending"]["batches"] == 0


def test_a_bad_user_key_or_both_ids_refuse_the_batch(data_dir: Path) -> None:
    settings = _settings(data_dir)
    with running_api(settings) as api:
        events = _events(api)
        ok = {"event_id": "e", "user_id": "u", "event_type": "course_view", "ts": _ts()}
        for bad in ("u_10001", KEY.upper() + "0", "g" * 32, 12345):
            with pytest.raises(ApiError) as err:
                events.post([ok, {**ok, "event_id": "f", "user_id": None, "user_key": bad}])
            assert (err.value.status, err.value.server_code) == (400, "events_user_key")
            assert "1" in err.value.detail
        with pytest.raises(ApiError) as both:
            events.post([{**ok, "user_key": KEY}])
        assert both.value.server_code == "events_user_both"
        zh = EventsApi(api.client("knowledge", lang="zh-CN").transport)
        with pytest.raises(ApiError) as in_chinese:
            zh.post([{**ok, "user_id": None, "user_key": "nope"}])
        assert "十六进制" in in_chinese.value.detail
        assert events.status()["pending"]["batches"] == 0


def test_each_key_posts_only_its_own_partners_events(data_dir: Path) -> None:
    settings = _settings(data_dir)
    with running_api(settings) as api:
        ev = {"event_id": "same-id", "user_id": "u_1", "event_type": "course_view",
              "ts": _ts()}
        assert _events(api, "knowledge").post([ev])["counts"]["accepted"] == 1
        game = _events(api, "game")
        # the same id is another partner's event: accepted as the game's own
        assert game.post([{**ev, "event_type": "session"}])["counts"]["accepted"] == 1
        # a partner cannot post onto the other's platform, nor name a partner
        spoof = game.post([{**ev, "event_id": "g-2", "platform": "knowledge"},
                           {**ev, "event_id": "g-3", "event_type": "session",
                            "partner": "knowledge"}])
        assert [(r["outcome"], r.get("reason")) for r in spoof["rows"]] == [
            ("quarantined", "wrong_platform"), ("accepted", None)]
        assert game.status()["pending"]["accepted"] == 2
        assert _events(api, "knowledge").status()["pending"]["accepted"] == 1
        # a key without the events scope may not post
        no_scope = EventsApi(api.client(key=api.key("knowledge", "recommend")).transport)
        with pytest.raises(ApiError) as refused:
            no_scope.post([ev])
        assert refused.value.status == 403
        with pytest.raises(ApiError) as anonymous:
            EventsApi(api.client().transport).post([ev])
        assert anonymous.value.status == 401
    game_rows = _lake_events(settings, "game")
    assert [(r[0], r[1], r[2]) for r in game_rows] == [
        ("g-3", native_key(settings, "game", "u_1"), "game"),
        ("same-id", native_key(settings, "game", "u_1"), "game")]
    assert [r[0] for r in _lake_events(settings, "knowledge")] == ["same-id"]


def test_posting_into_the_shared_world_dedupes_against_its_lake(world_api: LiveApi) -> None:
    settings = world_api.settings
    cols = ("event_id", "user_key", "platform", "event_type", "item_id", "item_type", "ts",
            "value", "currency", "properties")
    row = dict(zip(cols, query(settings, f"SELECT {', '.join(cols)} FROM events WHERE "
                   "partner = 'knowledge' AND value IS NOT NULL ORDER BY event_id LIMIT 1"
                   ).rows[0], strict=True))
    row["ts"] = row["ts"].isoformat()
    events = _events(world_api)
    started = time.perf_counter()
    answer = events.post([row, {**row, "event_id": row["event_id"] + "-b",
                                "value": row["value"] + 1},
                          {**row, "value": row["value"] + 1}])
    seconds = time.perf_counter() - started
    # the same content as the lake row: a duplicate; other content: a corrected re-send
    assert [(r["outcome"], r.get("reason")) for r in answer["rows"]] == [
        ("duplicate", None), ("accepted", None), ("quarantined", "conflicts_with_lake")]
    assert "value" in answer["rows"][2]["message"]
    assert seconds < 30, seconds


def test_two_workers_posting_one_batch_at_once_accept_each_event_once(
        data_dir: Path) -> None:
    settings = _settings(data_dir)
    workers = [LiveEvents(settings) for _ in range(2)]
    for w in workers:
        w.journal.open()
    batch = [{"event_id": f"c-{i}", "user_id": f"u_{i}", "event_type": "course_view",
              "ts": _ts()} for i in range(50)]
    results: list[Any] = []
    try:
        threads = [threading.Thread(target=lambda w=w: results.append(
            w.post("knowledge", batch))) for w in workers for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        accepted = [r.counts["accepted"] for r in results]
        assert sorted(accepted) == [0, 0, 0, 50]
        assert sum(w.commit_now() for w in workers) == 50
    finally:
        for w in workers:
            w.journal.close()
    assert len(_lake_events(settings)) == 50


def test_a_worker_killed_after_answering_loses_nothing(data_dir: Path) -> None:
    settings = _settings(data_dir)
    script = (
        "import os, signal, sys\n"
        "from crossplay.core.settings import load_settings\n"
        "from crossplay.ingest.live import LiveEvents\n"
        f"s = load_settings(data_dir={str(data_dir)!r})\n"
        "w = LiveEvents(s); w.journal.open()\n"
        f"r = w.post('knowledge', [{{'event_id': 'kill-' + str(i), 'user_id': 'u', "
        f"'event_type': 'course_view', 'ts': {_ts()!r}}} for i in range(20)])\n"
        "assert r.counts['accepted'] == 20\n"
        "sys.stdout.flush()\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert not Lake(settings.lake_dir).files("events")
    with running_api(settings) as api:
        assert len(_lake_events(settings)) == 20
        assert _events(api).status()["pending"]["batches"] == 0
