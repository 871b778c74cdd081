"""kill -9 of ``crossplay serve`` (PostgreSQL) in the middle of a burst of check-ins.

Threads post check-ins of linked persons on both platforms, each request with its own
Idempotency-Key; the server is killed once some answers came back. After a restart every
request that got no answer is sent again with its same key (and some answered ones too).
Then: every check-in is recorded exactly once, every award exactly once (no request ran
twice, none was lost), answered requests replay their first answer byte for byte, and the
ledger's invariants hold.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from crossplay.access.apikeys import create_key
from crossplay.campaigns import tables as t
from crossplay.campaigns.invariants import violations
from crossplay.opdb import get_engine
from tests.api.test_checkins import base_day, day_at, linked_pairs, live_campaign
from tests.conftest import G_SECRET, K_SECRET, LoadedWorld

PAIRS = 30


def _serve(data_dir: Path, db_url: str, now: str, log: Path) -> tuple[subprocess.Popen[bytes],
                                                                       str]:
    env = {**os.environ, "CROSSPLAY_DATA_DIR": str(data_dir), "CROSSPLAY_DB_URL": db_url,
           "CROSSPLAY_KNOWLEDGE_SECRET": K_SECRET, "CROSSPLAY_GAME_SECRET": G_SECRET,
           "CROSSPLAY_NOW": now}
    exe = str(Path(sys.executable).parent / "crossplay")
    with log.open("ab") as err:  # the child keeps its own descriptor
        proc = subprocess.Popen([exe, "serve", "--port", "0", "--workers", "1"], env=env,
                                stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = re.findall(r"Listening on (http://\S+)", log.read_text(errors="replace"))
        if found and proc.poll() is None:
            url = found[-1]
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    return proc, url
            except httpx.HTTPError:
                pass
        if proc.poll() is not None:
            raise AssertionError(f"serve exited: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.1)
    proc.kill()
    raise AssertionError("serve did not start")


@pytest.mark.slow
def test_kill_9_mid_burst_then_retries_record_every_checkin_once(
        fresh_world: LoadedWorld, pg_url: str, tmp_path: Path) -> None:
    settings = fresh_world.settings(db_url=pg_url)
    first = base_day()
    live_campaign(settings, tmp_path, first=first)
    pairs = linked_pairs(settings, PAIRS)
    keys = {p: create_key(settings, p, ("ledger",)).secret for p in ("knowledge", "game")}
    requests = [(f"burst-{i}-{side}", side, pair.k if side == "knowledge" else pair.g)
                for i, pair in enumerate(pairs) for side in ("knowledge", "game")]
    now = day_at(first).isoformat()
    log = tmp_path / "serve.log"
    answers: dict[str, bytes] = {}
    lock = threading.Lock()

    def post(url: str, req: tuple[str, str, str]) -> httpx.Response | None:
        key, side, user_key = req
        try:
            resp = httpx.post(url + "/v1/checkins", json={"user_key": user_key},
                              headers={"Authorization": f"Bearer {keys[side]}",
                                       "Idempotency-Key": key}, timeout=60)
        except httpx.HTTPError:
            return None  # no answer: the server died under it
        return resp

    proc, url = _serve(settings.data_dir, pg_url, now, log)
    killed = threading.Event()

    def burst(req: tuple[str, str, str]) -> None:
        if killed.is_set():
            return
        resp = post(url, req)
        if resp is not None and resp.status_code == 200:
            with lock:
                answers[req[0]] = resp.content
                if len(answers) >= len(requests) // 3 and not killed.is_set():
                    killed.set()
                    os.kill(proc.pid, signal.SIGKILL)

    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(burst, requests))
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(30)
    assert killed.is_set(), "the burst finished before the kill"
    acknowledged = dict(answers)
    assert 0 < len(acknowledged) < len(requests)

    # the restarted process's clock starts later (CROSSPLAY_NOW sets each process's start),
    # the same local day: the dead server's claims have lapsed by then
    later = (day_at(first) + dt.timedelta(hours=1)).isoformat()
    proc, url = _serve(settings.data_dir, pg_url, later, log)
    try:
        missing = [r for r in requests if r[0] not in acknowledged]
        some_answered = [r for r in requests if r[0] in acknowledged][:5]
        with ThreadPoolExecutor(8) as pool:
            retried = list(pool.map(lambda r: (r, post(url, r)), missing + some_answered))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    for req, resp in retried:
        assert resp is not None and resp.status_code == 200, (req, resp)
        if req[0] in acknowledged:
            assert resp.content == acknowledged[req[0]]  # the first answer, byte for byte
    engine = get_engine(settings)
    persons = [p.person for p in pairs]
    with engine.connect() as con:
        checkins = con.execute(select(t.checkins.c.person_id, t.checkins.c.platform)
                               .where(t.checkins.c.person_id.in_(persons))).all()
        awards = con.execute(select(t.awards.c.person_id, t.awards.c.rule_id, func.count())
                             .group_by(t.awards.c.person_id, t.awards.c.rule_id)).all()
        balances = dict(con.execute(select(t.accounts.c.holder, t.accounts.c.balance)
                                    .where(t.accounts.c.kind == "person")).all())
    assert sorted(checkins) == sorted((p, s) for p in persons for s in ("knowledge", "game"))
    assert {(p, r): n for p, r, n in awards} == {
        (p, r): 1 for p in persons for r in ("checkin_knowledge", "checkin_game",
                                             "dual_checkin")}
    assert balances == {p: 14 for p in persons}
    assert violations(engine) == []
