"""The API's frame, over a real uvicorn: health, readiness, metrics, docs without a CDN,
problem+json in both languages, keys, scopes and the request limits."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import httpx
import pytest

from crossplay.access.apikeys import revoke_key
from crossplay.api.app import create_app, route_modules
from crossplay.core.settings import Settings, load_settings
from tests.api.conftest import LiveApi, running_api
from tests.conftest import CliRunner


def test_health_readiness_and_metrics_answer_without_a_key(api: LiveApi) -> None:
    c = api.client()
    assert c.health() == {"status": "ok"}
    assert c.ready() == {"status": "ready", "checks": {"database": "ok", "lake": "ok"}}
    text = c.metrics()
    # counted per route template, never per raw path
    assert 'crossplay_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert "crossplay_http_request_seconds_bucket" in text


def test_readiness_fails_with_its_reason_when_the_lake_is_unreadable(
        settings: Settings) -> None:
    with running_api(settings, keys=False) as live:
        settings.lake_dir.mkdir(parents=True, exist_ok=True)
        (settings.lake_dir / "_manifest.json").write_text("{not json")
        resp = httpx.get(live.url + "/readyz")
        assert resp.status_code == 503
        body = resp.json()
        assert body["status"] == "not_ready"
        assert body["checks"]["database"] == "ok"
        assert body["checks"]["lake"].startswith("unreadable")


def test_the_docs_load_nothing_from_outside(api: LiveApi) -> None:
    for page in ("/docs", "/redoc"):
        html = httpx.get(api.url + page).text
        urls = re.findall(r"""(?:src|href)=["']([^"']+)""", html)
        assert urls, page
        for u in urls:
            assert not u.startswith(("http:", "https:", "//")), (page, u)
            if u.startswith("/static/"):
                assert httpx.get(api.url + u).status_code == 200, u
    spec = httpx.get(api.url + "/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            has_example = any("example" in c or "examples" in c
                              for r in op.get("responses", {}).values()
                              for c in r.get("content", {}).values())
            assert has_example, f"{method.upper()} {path} has no example"


def test_unknown_paths_and_methods_are_problems_in_the_callers_language(
        api: LiveApi) -> None:
    resp = httpx.get(api.url + "/v1/nothing", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["code"] == "not_found" and "没有这个接口" in resp.json()["detail"]
    resp = httpx.post(api.url + "/healthz")
    assert (resp.status_code, resp.json()["code"]) == (405, "method_not_allowed")


def test_the_app_factory_creates_nothing_at_import(tmp_path: Path) -> None:
    # two apps of two data directories side by side: no global engine or settings
    a = load_settings(data_dir=tmp_path / "a")
    b = load_settings(data_dir=tmp_path / "b")
    app_a, app_b = create_app(a), create_app(b)
    assert app_a.state.ctx.settings.data_dir != app_b.state.ctx.settings.data_dir
    assert app_a.state.ctx._engine is None and app_b.state.ctx._engine is None
    assert [m.__name__ for m in route_modules()][-1] == "crossplay.api.routes_health"


def test_a_declared_body_over_the_limit_is_refused_before_it_is_read(
        settings: Settings) -> None:
    small = settings.model_copy(update={"api_max_body_bytes": 2048})
    with running_api(small) as live:
        resp = httpx.post(live.url + "/v1/anything", content=b"x" * 4096,
                          headers={"Authorization": f"Bearer {live.keys['game']}"})
        assert resp.status_code == 413
        assert resp.json()["code"] == "body_too_large"
        host, port = live.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as raw:
            raw.sendall(b"POST /v1/anything HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n"
                        b"\r\n")
            answer = raw.recv(4096)
        assert answer.startswith(b"HTTP/1.1 400"), answer[:80]


@pytest.mark.parametrize("lang,needle", [("en", "slow down"), ("zh-CN", "请放慢速度")])
def test_a_key_over_its_rate_gets_429_with_retry_after(settings: Settings, lang: str,
                                                       needle: str) -> None:
    import asyncio

    from fastapi import Depends
    from fastapi.routing import APIRouter

    from crossplay.api.auth import Caller, require

    limited = settings.model_copy(update={"api_rate_per_s": 1.0, "api_rate_burst": 2})
    app = create_app(limited)
    router = APIRouter()

    @router.get("/v1/probe")
    async def probe(caller: Caller = Depends(require("admin"))) -> dict[str, str]:
        return {"partner": caller.partner}

    app.include_router(router)
    from crossplay.access.apikeys import create_key

    key = create_key(limited, "game", ["admin"]).secret

    async def run() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://api") as c:
            h = {"Authorization": f"Bearer {key}", "Accept-Language": lang}
            return [await c.get("/v1/probe", headers=h) for _ in range(3)]

    first, second, third = asyncio.run(run())
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == {"partner": "game"}
    assert third.status_code == 429
    assert int(third.headers["retry-after"]) >= 1
    assert third.json()["code"] == "rate_limited" and needle in third.json()["detail"]


def test_keys_are_checked_scoped_and_revocable(settings: Settings) -> None:
    import asyncio

    from fastapi import Depends
    from fastapi.routing import APIRouter

    from crossplay.access.apikeys import create_key
    from crossplay.api.auth import Caller, require

    fresh = settings.model_copy(update={"api_key_cache_s": 0.0})
    app = create_app(fresh)
    router = APIRouter()

    @router.get("/v1/probe")
    async def probe(caller: Caller = Depends(require("ledger"))) -> dict[str, str]:
        return {"partner": caller.partner}

    app.include_router(router)
    ledger = create_key(fresh, "knowledge", ["ledger"])
    events_only = create_key(fresh, "knowledge", ["events"]).secret

    async def get(key: str | None) -> httpx.Response:
        h = {"Authorization": f"Bearer {key}"} if key else {}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://api") as c:
            return await c.get("/v1/probe", headers=h)

    assert asyncio.run(get(ledger.secret)).json() == {"partner": "knowledge"}
    # the problem's code is the category a client acts on; the detail says which case
    answers = {name: asyncio.run(get(k)) for name, k in [
        ("none", None), ("malformed", "nope"), ("unknown", "cp_0123456789ab_" + "x" * 43),
        ("scope", events_only)]}
    assert {n: (r.status_code, r.json()["code"]) for n, r in answers.items()} == {
        "none": (401, "unauthenticated"), "malformed": (401, "unauthenticated"),
        "unknown": (401, "unauthenticated"), "scope": (403, "forbidden")}
    assert "no API key" in answers["none"].json()["detail"]
    assert "malformed" in answers["malformed"].json()["detail"]
    assert "scope 'ledger'" in answers["scope"].json()["detail"]
    revoke_key(fresh, ledger.key.key_id)
    resp = asyncio.run(get(ledger.secret))
    assert (resp.status_code, resp.json()["code"]) == (401, "unauthenticated")
    assert "revoked" in resp.json()["detail"]


def test_serve_says_when_the_port_is_taken(cli: CliRunner, settings: Settings) -> None:
    from crossplay.api.server import listen

    sock, url = listen("127.0.0.1", 0)
    try:
        port = int(url.rsplit(":", 1)[1])
        res = cli("serve", "--port", str(port))
        assert res.code != 0
        assert "cannot listen on 127.0.0.1" in res.err and "Traceback" not in res.err
        res = cli("--lang", "zh-CN", "serve", "--port", str(port))
        assert "无法在 127.0.0.1" in res.err
    finally:
        sock.close()


def test_two_workers_serve_with_secrets_from_the_environment_and_stop_on_sigterm(
        tmp_path: Path) -> None:
    """Workers get the parent's settings exactly, secrets included (a settings dump masks
    them, and a worker then could not key a user); SIGTERM stops the whole group."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import G_SECRET, K_SECRET

    env = {**os.environ, "CROSSPLAY_KNOWLEDGE_SECRET": K_SECRET,
           "CROSSPLAY_GAME_SECRET": G_SECRET}
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "crossplay"), "--data-dir", str(tmp_path / "data"),
         "serve",
         "--port", "0", "--workers", "2"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        url = re.findall(r"http://[0-9.:]+", line)[-1]
        settings = load_settings(data_dir=tmp_path / "data", knowledge_secret=K_SECRET,
                                 game_secret=G_SECRET)
        from crossplay.access.apikeys import create_key

        key = create_key(settings, "game", ["events"]).secret
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/readyz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.2)
        # a native id is keyed in a worker with the partner's secret from the environment
        answers = [httpx.post(url + "/v1/events", headers={"Authorization": f"Bearer {key}"},
                              json={"events": [{"event_id": f"g-{i}", "user_id": "p_501",
                                                "event_type": "session", "item_id": "g_12",
                                                "ts": 1788264000, "value": 60}]},
                              timeout=60) for i in range(4)]
        assert [a.status_code for a in answers] == [200] * 4, answers[-1].text
        assert all(a.json()["rows"][0]["outcome"] == "accepted" for a in answers)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()


def test_the_python_client_reaches_every_area(api: LiveApi) -> None:
    """``CrossplayClient`` is what the docs' Python examples use: one object, an attribute
    per area, refusals as ApiError with the server's code."""
    from crossplay.client import ApiError, CrossplayClient

    with CrossplayClient(api.url, api.keys["game"], lang="zh-CN") as c:
        assert c.ready()["status"] == "ready"
        assert c.events.status()["partner"] == "game"
        posted = c.events.post([{"event_id": "g-1", "user_id": "p_501",
                                 "event_type": "session", "item_id": "g_12",
                                 "ts": "2026-09-01T20:15:00+08:00", "value": 60}])
        assert posted["rows"][0]["outcome"] == "accepted"
        assert "marketing" in json.dumps(c.consent.get(user_id="p_501"))
        try:
            c.recommend.recommendations(user_id="p_501")
        except ApiError as exc:  # no bundle trained in an empty data dir: a coded 409
            assert (exc.status, exc.server_code) == (409, "api_recommend_no_model")
            assert "crossplay recommend train" in exc.detail
        else:
            raise AssertionError("an empty data dir has no recommender")
    with CrossplayClient(api.url, "cp_0123456789ab_" + "x" * 43) as bad:
        try:
            bad.events.status()
        except ApiError as exc:
            assert (exc.status, exc.server_code) == (401, "unauthenticated")
        else:
            raise AssertionError("an unknown key got through")
