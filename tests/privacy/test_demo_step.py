"""The demo's privacy step prints its section and returns a JSON-able summary."""

from __future__ import annotations

import json

import pytest

from crossplay.cli.commands_privacy import demo_step
from crossplay.cli.i18n import Messages
from crossplay.cli.state import State
from tests.conftest import LoadedWorld


def test_demo_step(fresh_world: LoadedWorld, capsys: pytest.CaptureFixture[str]) -> None:
    st = State(fresh_world.settings(), Messages("zh-CN"))
    data = demo_step(st, False)
    out = capsys.readouterr().out
    assert "有效账号关联" in out and "审计日志" in out
    assert data["audit"]["ok"] and data["profiles"] > 0
    released = [r for r in data["conversion_by_segment"] if not r["suppressed"]]
    assert released and all(r["people"] >= 10 for r in released)
    json.dumps(data, default=str)
    assert demo_step(st, True)["usable_links"] == data["usable_links"]
    assert capsys.readouterr().out == ""
