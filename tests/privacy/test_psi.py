"""PSI: two real processes over loopback HTTP, the file mode, normalisation, refusals."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossplay.access.apikeys import create_key
from crossplay.privacy.contacts import normalise_email, normalise_phone, parse_contacts
from crossplay.privacy.keys import native_key
from crossplay.privacy.policy import Purpose, granted_sql
from crossplay.privacy.psi import PsiError, pack, split, unpack
from crossplay.privacy.world_contacts import contact_rows, write_world_contacts
from crossplay.warehouse.duck import connect
from tests.conftest import CliRunner, LoadedWorld, write
from tests.privacy.test_consent_links import _truth_people

CROSSPLAY = str(Path(sys.executable).parent / "crossplay")


@pytest.mark.parametrize("raw,want", [
    ("13800138000", "+8613800138000"), ("+86 138-0013-8000", "+8613800138000"),
    ("008613800138000", "+8613800138000"), (" 138 0013 8000 ", "+8613800138000"),
    ("+1 650 253 0000", "+16502530000"), ("abc", None), ("12", None), ("", None),
])
def test_phone_normalisation(raw: str, want: str | None) -> None:
    assert normalise_phone(raw) == want


@pytest.mark.parametrize("raw,want", [
    ("  User@Example.COM ", "user@example.com"), ("a@b.cn", "a@b.cn"),
    ("no-at.example.com", None), ("a@b", None), ("a@@b.com", None), ("a b@c.com", None),
])
def test_email_normalisation(raw: str, want: str | None) -> None:
    assert normalise_email(raw) == want


def test_rejected_contacts_are_counted() -> None:
    rows = [{"phone": "12", "email": ""}, {"phone": "", "email": "x"},
            {"phone": "", "email": ""}, {"phone": "13800138000", "email": "A@b.com"}]
    cs = parse_contacts(rows, ["k1", "k2", "k3", "k4"])
    assert cs.rejected == {"bad_phone": 1, "bad_email": 1, "no_contact": 1}
    assert sorted(cs.items) == ["mail:a@b.com", "tel:+8613800138000"] and cs.users == 1


@given(st.lists(st.text(min_size=1, max_size=12), max_size=50), st.integers(1, 5),
       st.binary(min_size=16, max_size=16))
def test_sharding_is_a_partition_and_consistent(items: list[str], shards: int,
                                                salt: bytes) -> None:
    parts = split(salt, items, shards)
    assert sorted(x for p in parts for x in p) == sorted(items)
    for i, p in enumerate(parts):
        assert all(split(salt, [x], shards)[i] == [x] for x in p)


@given(st.lists(st.binary(max_size=40), max_size=8))
def test_framing_round_trip(parts: list[bytes]) -> None:
    assert unpack(pack(parts)) == parts


@pytest.mark.parametrize("body", [b"", b"\x00\x00\x00\x02\x00\x00\x00\x05ab",
                                  pack([b"x"]) + b"junk"])
def test_bad_frames_are_refused(body: bytes) -> None:
    with pytest.raises(PsiError):
        unpack(body)


def _expected_links(world: LoadedWorld) -> set[tuple[str, str]]:
    s = world.settings()
    con = connect(s)
    try:
        granted = set(con.sql(granted_sql(Purpose.LINKING)).fetchall())
    finally:
        con.close()
    out = set()
    for p in _truth_people(world):
        if p["k_uid"] is None or p["g_uid"] is None:
            continue
        k = native_key(s, "knowledge", str(p["k_uid"]))
        g = native_key(s, "game", str(p["g_uid"]))
        if ("knowledge", k) not in granted or ("game", g) not in granted:
            continue
        kp, ke = contact_rows(int(p["person"]), "knowledge")  # type: ignore[call-overload]
        gp, ge = contact_rows(int(p["person"]), "game")  # type: ignore[call-overload]
        if (kp and gp) or (ke and ge):
            out.add((k, g))
    return out


def _psi_links(world: LoadedWorld) -> set[tuple[str, str]]:
    con = connect(world.settings())
    try:
        return set(con.sql("SELECT k_user_key, g_user_key FROM links "
                           "WHERE method = 'psi'").fetchall())
    finally:
        con.close()


def _linked_pairs(world: LoadedWorld) -> set[tuple[str, str]]:
    """Every pair that has any link history (any method, bound or not)."""
    con = connect(world.settings())
    try:
        return set(con.sql("SELECT DISTINCT k_user_key, g_user_key FROM links").fetchall())
    finally:
        con.close()


def _serve(world: LoadedWorld, contacts: Path, mode: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [CROSSPLAY, "--data-dir", str(world.data_dir), "psi", "serve", "--partner", "game",
         "--contacts", str(contacts), "--mode", mode, "--port", "0", "--once"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    assert proc.stderr is not None
    deadline = time.monotonic() + 60
    line = ""
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if "listening on" in line:
            return proc, line.rsplit(" ", 1)[-1].strip()
        if not line and proc.poll() is not None:
            break
    proc.kill()
    proc.communicate(timeout=30)
    raise AssertionError(f"psi serve did not start: {line} {proc.stderr.read()}")


def _join(world: LoadedWorld, contacts: Path, url: str,
          mode: str) -> subprocess.CompletedProcess[str]:
    """``psi join`` as knowledge, with a key the game side created for it (in the env)."""
    key = create_key(world.settings(), "knowledge", ["psi"], name="test").secret
    return subprocess.run(
        [CROSSPLAY, "--data-dir", str(world.data_dir), "psi", "join", "--partner", "knowledge",
         "--contacts", str(contacts), "--url", url, "--mode", mode, "--json"],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "CROSSPLAY_PSI_API_KEY": key})


@pytest.mark.slow
def test_two_processes_over_http(fresh_world: LoadedWorld, tmp_path: Path) -> None:
    import json

    paths = write_world_contacts(fresh_world.world_dir, tmp_path / "contacts")
    # cardinality: everyone's contacts, only the size is learnt
    server, url = _serve(fresh_world, paths["game"], "cardinality")
    res = _join(fresh_world, paths["knowledge"], url, "cardinality")
    assert res.returncode == 0, res.stderr
    server.communicate(timeout=30)
    assert server.returncode == 0
    card = json.loads(res.stdout)
    people = [p for p in _truth_people(fresh_world)
              if p["k_uid"] is not None and p["g_uid"] is not None]
    shared = 0
    for p in people:
        kp, ke = contact_rows(int(p["person"]), "knowledge")  # type: ignore[call-overload]
        gp, ge = contact_rows(int(p["person"]), "game")  # type: ignore[call-overload]
        shared += bool(kp and gp) + bool(ke and ge)
    assert card["intersection"] == shared
    assert card["bytes_sent"] > 0 and card["bytes_received"] > 0
    assert _psi_links(fresh_world) == set()
    # intersection: only users who granted linking on both sides, producing links for the
    # pairs not linked before (a pair bound by the user keeps its binding)
    before = _linked_pairs(fresh_world)
    server, url = _serve(fresh_world, paths["game"], "intersection")
    res = _join(fresh_world, paths["knowledge"], url, "intersection")
    assert res.returncode == 0, res.stderr
    server.communicate(timeout=30)
    assert server.returncode == 0
    expected = _expected_links(fresh_world)
    assert expected - before and expected & before
    assert _psi_links(fresh_world) == expected - before
    out = json.loads(res.stdout)
    assert out["links"] == len(expected - before)
    assert out["already_linked"] == len(expected & before)
    # a mode the server does not serve is refused with a message, not a traceback
    server, url = _serve(fresh_world, paths["game"], "cardinality")
    bad = _join(fresh_world, paths["knowledge"], url, "intersection")
    assert bad.returncode == 2 and "serves cardinality only" in bad.stderr
    server.terminate()  # SIGTERM: the server stops its workers and exits
    server.communicate(timeout=30)
    # nothing about contacts reached the audit log or the lake
    from crossplay.privacy.audit import entries
    log = " ".join(str(e.details) + str(e.subject) for e in entries(fresh_world.settings()))
    assert "@" not in log and "+86" not in log and "psi_intersection" in str(
        [e.action for e in entries(fresh_world.settings())])


def test_file_mode(cli: CliRunner, fresh_world: LoadedWorld, tmp_path: Path) -> None:
    paths = write_world_contacts(fresh_world.world_dir, tmp_path / "contacts")
    base = ("--data-dir", str(fresh_world.data_dir))
    k_dir, g_dir = tmp_path / "k", tmp_path / "g"

    def run(*args: str | Path) -> object:
        res = cli(*base, *args, data=False)
        assert res.code == 0, res.err
        return res.json()

    run("psi", "request", "--partner", "knowledge", "--contacts", paths["knowledge"],
        "--mode", "intersection", "--out", k_dir, "--json")
    run("psi", "respond", "--partner", "game", "--contacts", paths["game"],
        "--request", k_dir / "request.bin", "--out", g_dir, "--json")
    fin = run("psi", "finish", "--state", k_dir / "client-state.json", "--setup",
              g_dir / "setup.bin", "--response", g_dir / "response.bin", "--json")
    run("psi", "pairs", "--partner", "game", "--contacts", paths["game"], "--request",
        k_dir / "request.bin", "--tags", k_dir / "tags.bin", "--out",
        g_dir / "pairs.bin", "--json")
    before = _linked_pairs(fresh_world)
    linked = run("psi", "link", "--state", k_dir / "client-state.json", "--pairs",
                 g_dir / "pairs.bin", "--json")
    expected = _expected_links(fresh_world)
    assert _psi_links(fresh_world) == expected - before
    assert linked["links"] == len(expected - before)  # type: ignore[index]
    assert linked["already_linked"] == len(expected & before)  # type: ignore[index]
    assert fin["intersection"] >= len(expected)  # type: ignore[index]
    for f in (k_dir / "request.bin", g_dir / "response.bin", g_dir / "setup.bin"):
        body = f.read_bytes()
        assert b"example.com" not in body.lower() and b"+86139" not in body
    assert (k_dir / "client-state.json").stat().st_mode & 0o077 == 0


def test_small_overlap_is_suppressed(cli: CliRunner, tmp_path: Path) -> None:
    k = write(tmp_path / "k.csv", "user_id,phone\nu1,13800138000\nu2,13800138001\n")
    g = write(tmp_path / "g.csv", "user_id,phone\nv1,+8613800138000\nv3,13900000000\n")
    assert cli("psi", "request", "--partner", "knowledge", "--contacts", k, "--out",
               tmp_path / "k").code == 0
    assert cli("psi", "respond", "--partner", "game", "--contacts", g, "--request",
               tmp_path / "k" / "request.bin", "--out", tmp_path / "g").code == 0
    res = cli("psi", "finish", "--state", tmp_path / "k" / "client-state.json", "--setup",
              tmp_path / "g" / "setup.bin", "--response", tmp_path / "g" / "response.bin",
              "--json")
    assert res.code == 0 and res.json()["suppressed"] and res.json()["intersection"] is None


@pytest.mark.parametrize("text,match", [
    ("name,phone\nx,1\n", "user id column"),
    ("user_id,age\nx,1\n", "phone and/or email"),
])
def test_bad_contact_files(cli: CliRunner, tmp_path: Path, text: str, match: str) -> None:
    path = write(tmp_path / "c.csv", text)
    res = cli("psi", "request", "--partner", "knowledge", "--contacts", path, "--out",
              tmp_path / "o")
    assert res.code == 2 and match in res.err_flat


def test_garbage_request_file_is_refused(cli: CliRunner, tmp_path: Path) -> None:
    g = write(tmp_path / "g.csv", "user_id,phone\nv1,13800138000\n")
    bad = write(tmp_path / "request.bin", b"\x00\x01garbage")
    res = cli("psi", "respond", "--partner", "game", "--contacts", g, "--request", bad,
              "--out", tmp_path / "g")
    assert res.code == 2 and "PSI message" in res.err_flat


def test_psi_join_asks_for_the_api_key_it_needs(cli: CliRunner, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    k = write(tmp_path / "k.csv", "user_id,phone\nu1,13800138000\n")
    monkeypatch.delenv("CROSSPLAY_PSI_API_KEY", raising=False)
    base = ("psi", "join", "--partner", "knowledge", "--contacts", k, "--url",
            "http://127.0.0.1:9")
    res = cli(*base)
    assert res.code == 2 and "missing_api_key" in res.err and "--api-key-file" in res.err_flat
    empty = write(tmp_path / "empty.key", "\n")
    res = cli(*base, "--api-key-file", empty)
    assert res.code == 2 and "is empty" in res.err_flat
    res = cli(*base, "--api-key-file", tmp_path / "missing.key")
    assert res.code == 2 and "cannot read the API key file" in res.err_flat
