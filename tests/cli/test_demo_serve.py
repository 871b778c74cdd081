"""``crossplay demo`` ends by serving the live API when a person runs it at a terminal:
the printed key and curl work against the printed URL, Ctrl-C stops it. Scripts, pipes, CI
and tests get the demo without a server (it would never return)."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from crossplay.cli import demo_steps
from crossplay.cli.demo_steps import try_curl, wants_serving


class _Tty:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(("choice", "as_json", "ci", "tty", "expected"), [
    (None, False, None, True, True),     # a person at a terminal: serve
    (None, False, None, False, False),   # a pipe or a test: do not
    (None, False, "true", True, False),  # CI, even with a terminal: do not
    (None, False, "0", True, True),      # CI=0 is not CI
    (None, True, None, True, False),     # --json is for scripts
    (True, True, "true", False, True),   # --serve always serves
    (False, False, None, True, False),   # --no-serve never does
])
def test_when_the_demo_serves(monkeypatch: pytest.MonkeyPatch, choice: bool | None,
                              as_json: bool, ci: str | None, tty: bool,
                              expected: bool) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    monkeypatch.setattr(sys, "stdin", _Tty(tty))
    monkeypatch.setattr(sys, "stdout", _Tty(tty))
    assert wants_serving(choice, as_json) is expected


def test_the_curl_asks_for_recommendations_when_served_else_readiness() -> None:
    url, key = "http://127.0.0.1:8000", "cp_abc_def"
    assert try_curl(url, key, "g_1", recommendations=True) == (
        'curl -H "Authorization: Bearer cp_abc_def" '
        '"http://127.0.0.1:8000/v1/recommendations?user_id=g_1&n=5"')
    assert try_curl(url, key, "g_1", recommendations=False) == "curl http://127.0.0.1:8000/readyz"
    assert try_curl(url, key, None, recommendations=True) == "curl http://127.0.0.1:8000/readyz"


def _curl_as_request(curl: str) -> tuple[str, dict[str, str]]:
    """The URL and headers of the printed curl line (run with httpx: no curl needed)."""
    parts = shlex.split(curl)
    assert parts[0] == "curl"
    headers: dict[str, str] = {}
    url = ""
    i = 1
    while i < len(parts):
        if parts[i] == "-H":
            name, _, value = parts[i + 1].partition(":")
            headers[name.strip()] = value.strip()
            i += 2
        else:
            url = parts[i]
            i += 1
    return url, headers


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_demo_serves_and_the_printed_curl_answers(tmp_path: Path, lang: str) -> None:
    env = {**os.environ, "COLUMNS": "100"}
    env.pop("CI", None)
    # --serve: this test's stdout is a pipe, where the demo would not serve on its own
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("crossplay")), "--data-dir", str(tmp_path / "data"),
         "--lang", lang, "demo", "--people", "300", "--days", "7", "--serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    lines: list[str] = []
    curl = url = None
    deadline = time.monotonic() + 240
    killer = threading.Timer(240, proc.kill)
    killer.start()
    try:
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if url is None and (m := re.search(r"(http://127\.0\.0\.1:\d+)", line)):
                url = m.group(1)
            if line.strip().startswith("curl "):
                curl = line.strip()
                break
            assert time.monotonic() < deadline
        if not (url and curl):
            proc.kill()
            _out, err = proc.communicate(timeout=30)
            pytest.fail("no URL and curl printed:\n" + "\n".join(lines[-10:]) + "\n" + err)
        assert url != "http://127.0.0.1:0"
        target, headers = _curl_as_request(curl)
        assert target.startswith(url)
        answer = httpx.get(target, headers=headers, timeout=30)
        assert answer.status_code == 200, answer.text
        key = re.search(r"(cp_[0-9a-f]+_[\w-]+)", "\n".join(lines))
        assert key is not None
        # the printed key is the demo's partner key: it authenticates on a /v1 route
        assert httpx.get(f"{url}/v1/no-such-route", timeout=30,
                         headers={"Authorization": f"Bearer {key.group(1)}"}
                         ).status_code == 404
        text = "\n".join(lines)
        if lang == "zh-CN":
            assert "接口已在" in text and "在另一个终端试试" in text
        else:
            assert "The API is running at" in text and "Try it in another terminal" in text
        proc.send_signal(signal.SIGINT)
        rest, _err = proc.communicate(timeout=60)
        assert proc.returncode == 0
        assert ("接口已停止" if lang == "zh-CN" else "The API stopped.") in rest
    finally:
        killer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_taken_port_falls_back_to_a_free_one(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's default port may be busy (another demo still running): it serves on
    a free port instead of failing after minutes of work."""
    from crossplay.api.server import listen
    from crossplay.cli.i18n import Messages
    from crossplay.cli.state import State
    from crossplay.core.settings import load_settings

    busy, busy_url = listen("127.0.0.1", 0)
    port = int(busy_url.rsplit(":", 1)[1])
    served: list[int] = []

    def fake_serve(settings: object, host: str, p: int, **kw: object) -> None:
        sock, url = listen(host, p)  # the real bind, so a taken port fails as it would
        served.append(int(url.rsplit(":", 1)[1]))
        sock.close()

    monkeypatch.setattr("crossplay.api.server.serve_api", fake_serve)
    st = State(settings=load_settings(data_dir=tmp_path / "data"), msg=Messages("en"))
    try:
        demo_steps.serve_step(st, tmp_path / "no-world", port=port)
    finally:
        busy.close()
    assert len(served) == 1 and served[0] not in (0, port)
