"""The injectable clock: the environment, frozen blocks, and refusal of a malformed setting."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from crossplay.core import clock
from crossplay.core.errors import ConfigError


def test_without_setting_the_clock_is_the_machines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(clock.ENV_VAR, raising=False)
    before = datetime.now(UTC)
    got = clock.now()
    assert before <= got <= datetime.now(UTC)
    assert got.tzinfo is not None


def test_environment_moves_now_and_it_keeps_running(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.ENV_VAR, "2041-02-28T23:59:59Z")
    first = clock.now()
    assert abs(first - datetime(2041, 2, 28, 23, 59, 59, tzinfo=UTC)) < timedelta(seconds=5)
    assert clock.now() >= first
    assert clock.today_year() == 2041


def test_naive_environment_value_is_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.ENV_VAR, "2030-01-01T08:00:00")
    assert clock.now().hour == 8 and clock.now().tzinfo is not None


def test_malformed_environment_value_is_refused_not_ignored(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.ENV_VAR, "next tuesday")
    with pytest.raises(ConfigError, match="not an ISO-8601 instant"):
        clock.now()


def test_frozen_block_wins_over_environment_and_nests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.ENV_VAR, "2035-05-05T00:00:00Z")
    with clock.frozen("2027-01-01T00:00:00+08:00"):
        assert clock.now() == datetime(2026, 12, 31, 16, tzinfo=UTC)
        assert clock.now_us() == int(datetime(2026, 12, 31, 16, tzinfo=UTC).timestamp()) * 10**6
        with clock.frozen(datetime(2099, 1, 1, tzinfo=UTC)):
            assert clock.today_year() == 2099
        assert clock.today_year() == 2026
    assert clock.today_year() == 2035


def test_now_us_is_exact_microseconds() -> None:
    at = datetime(2030, 7, 1, 12, 0, 0, 123456, tzinfo=UTC)
    with clock.frozen(at):
        assert clock.now_us() == 1_909_137_600_123_456


def test_subprocesses_inherit_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.ENV_VAR, "2044-04-04T04:04:04Z")
    out = subprocess.run(
        [sys.executable, "-c", "from crossplay.core import clock; print(clock.today_year())"],
        check=True, capture_output=True, text=True).stdout
    assert out.strip() == "2044"
