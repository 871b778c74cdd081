"""Partner API keys through the CLI: shown once, stored hashed, scoped, revocable, audited."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from crossplay.access.apikeys import (
    Forbidden,
    Unauthenticated,
    authenticate,
    bearer_secret,
    hash_secret,
)
from crossplay.access.ratelimit import RateLimited, SessionLimiter
from crossplay.access.tables import api_keys
from crossplay.core import clock
from crossplay.core.settings import Settings
from crossplay.opdb import get_engine
from crossplay.privacy.audit import entries
from tests.conftest import CliRunner


def _create(cli: CliRunner, *args: str) -> dict[str, object]:
    res = cli("apikey", "create", *args, "--json")
    assert res.code == 0, res.err
    data: dict[str, object] = res.json()
    return data


def test_a_key_is_shown_once_and_stored_only_as_its_hash(cli: CliRunner,
                                                         settings: Settings) -> None:
    made = _create(cli, "--partner", "knowledge", "--scope", "psi", "--name", "ops team")
    secret = str(made["secret"])
    key_id = str(made["key_id"])
    assert secret.startswith(f"cp_{key_id}_") and len(secret) >= 3 + 12 + 1 + 43
    assert made["partner"] == "knowledge" and made["scopes"] == ["psi"]
    with get_engine(settings).connect() as con:
        rows = [dict(r._mapping) for r in con.execute(select(api_keys)).all()]
    assert len(rows) == 1 and rows[0]["secret_sha256"] == hash_secret(secret)
    assert secret not in str(rows) and secret.split("_", 2)[2] not in str(rows)
    listed = cli("apikey", "list", "--json")
    shown = cli("apikey", "list")
    assert listed.code == shown.code == 0
    assert secret.split("_", 2)[2] not in listed.out + shown.out
    assert [k["key_id"] for k in listed.json()] == [key_id] and key_id in shown.out
    log = entries(settings, action="apikey_create")
    assert [e.subject for e in log] == [f"apikey:{key_id}"]
    assert secret.split("_", 2)[2] not in str([e.details for e in entries(settings)])


def test_the_human_output_prints_the_key_once_with_a_warning(cli: CliRunner) -> None:
    res = cli("apikey", "create", "--partner", "game", "--scope", "psi")
    assert res.code == 0 and "shown only this once" in res.out
    assert sum(line.startswith("cp_") for line in res.out.splitlines()) == 1
    zh = cli("--lang", "zh-CN", "apikey", "create", "--partner", "game", "--scope", "psi")
    assert zh.code == 0 and "只显示这一次" in zh.out


def test_out_writes_a_private_file_and_prints_no_secret(cli: CliRunner, tmp_path: Path,
                                                        settings: Settings) -> None:
    path = tmp_path / "k" / "psi.key"
    res = cli("apikey", "create", "--partner", "knowledge", "--scope", "psi", "--out", path)
    assert res.code == 0 and "cp_" not in res.out
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    key = authenticate(settings, path.read_text().strip(), "psi")
    assert key.partner == "knowledge"
    again = cli("apikey", "create", "--partner", "knowledge", "--scope", "psi", "--out", path)
    assert again.code == 2 and "already exists" in again.err_flat


def test_authentication_refuses_what_it_must(cli: CliRunner, settings: Settings) -> None:
    psi = str(_create(cli, "--partner", "knowledge", "--scope", "psi")["secret"])
    other = str(_create(cli, "--partner", "knowledge", "--scope", "events")["secret"])
    assert authenticate(settings, psi, "psi").partner == "knowledge"
    wrong = psi[:-4] + ("AAAA" if not psi.endswith("AAAA") else "BBBB")
    for bad in (None, "", "cp_", "Bearer x", "cp_zzzzzzzzzzzz_abc", wrong,
                "cp_" + "0" * 12 + "_" + "x" * 43, psi + "x", "cp_" + "é" * 60):
        with pytest.raises(Unauthenticated):
            authenticate(settings, bad, "psi")
    with pytest.raises(Forbidden, match="does not carry the scope 'psi'"):
        authenticate(settings, other, "psi")
    key_id = psi.split("_")[1]
    res = cli("apikey", "revoke", key_id, "--json")
    assert res.code == 0 and res.json()["active"] is False
    with pytest.raises(Unauthenticated, match="revoked"):
        authenticate(settings, psi, "psi")
    again = cli("apikey", "revoke", key_id, "--json")  # idempotent: nothing new recorded
    assert again.code == 0 and again.json()["revoked_at"] == res.json()["revoked_at"]
    assert len(entries(settings, action="apikey_revoke")) == 1
    assert cli("apikey", "revoke", "0123456789ab").code == 2


def test_last_used_is_recorded_by_the_clock_at_most_once_a_minute(
        cli: CliRunner, settings: Settings) -> None:
    secret = str(_create(cli, "--partner", "game", "--scope", "psi")["secret"])
    with clock.frozen("2031-06-15T12:00:00Z"):
        first = authenticate(settings, secret, "psi")
    assert first.last_used_at is None  # the key as it was when presented
    with clock.frozen("2031-06-15T12:00:30Z"):
        seen = authenticate(settings, secret, "psi").last_used_at
    assert seen is not None and seen.isoformat() == "2031-06-15T12:00:00+00:00"
    with clock.frozen("2031-06-15T12:01:30Z"):
        authenticate(settings, secret, "psi")
    listed = cli("apikey", "list", "--json").json()
    assert listed[0]["last_used_at"] == "2031-06-15T12:01:30+00:00"


@pytest.mark.parametrize("args,match", [
    (("--partner", "knowledge", "--scope", "root"), "unknown scope 'root'"),
    (("--partner", "knowledge", "--scope", "psi", "--name", "a\x1b[31mred"), "control"),
    (("--partner", "knowledge", "--scope", "psi", "--name", "x" * 65), "at most 64"),
])
def test_bad_create_options_exit_2(cli: CliRunner, args: tuple[str, ...], match: str) -> None:
    res = cli("apikey", "create", *args)
    assert res.code == 2 and match in res.err_flat and "Traceback" not in res.err


@pytest.mark.parametrize("header,want", [
    (None, None), ("", None), ("Bearer cp_x", "cp_x"), ("bearer  cp_x ", "cp_x"),
    ("Basic cp_x", None), ("Bearer", None), ("cp_x", None),
])
def test_bearer_header_parsing(header: str | None, want: str | None) -> None:
    assert bearer_secret(header) == want


def test_session_limits_are_per_key_and_slide() -> None:
    now = [0.0]
    lim = SessionLimiter(per_hour=3, concurrent=2, timer=lambda: now[0])
    lim.acquire("a")
    lim.acquire("a")
    with pytest.raises(RateLimited, match="2 open session"):
        lim.acquire("a")
    lim.acquire("b")  # another key is not affected
    lim.release("a")
    lim.acquire("a")
    lim.release("a")
    with pytest.raises(RateLimited, match="3 sessions") as info:
        lim.acquire("a")
    assert info.value.retry_after == 3600
    now[0] = 3600.0
    lim.acquire("a")  # the oldest start left the window
    assert lim.open_sessions("a") == 2 and lim.open_sessions("b") == 1
