"""PSI abuse over real HTTP against a real ``crossplay psi serve`` process.

The issue's reproduction: without a key, a caller opened sessions, announced any sizes
(2^62), skipped the request step and paired tokens computed from guessed phone numbers —
588 real game user keys for 200k guesses; eight unauthenticated sessions locked the
partner out for an hour; ``Content-Length: -1`` bypassed the body cap; the audit said
"links 0"; a game side could run PSI against a game server and write game<->game links; a
rerun re-labelled bindings as ``psi``. Each test below is one of those, now refused, with
nothing consumed, leaked or lost. Loops are bounded (a few seconds at most).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from crossplay.access.apikeys import create_key, revoke_key
from crossplay.core.types import Partner
from crossplay.privacy.audit import count, entries
from crossplay.privacy.links import LinkError, add_psi_links
from crossplay.privacy.policy import Purpose, granted_sql
from crossplay.privacy.psi import (
    PROTOCOL,
    TAG_BYTES,
    client_match,
    client_request,
    derived_key,
    new_key,
    pack,
    split,
    tag,
    unpack,
    unpack_keys,
)
from crossplay.privacy.world_contacts import write_world_contacts
from crossplay.warehouse.duck import connect
from tests.conftest import G_SECRET, K_SECRET, LoadedWorld

CROSSPLAY = str(Path(sys.executable).parent / "crossplay")
BODY_TIMEOUT_S = 1


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "CROSSPLAY_KNOWLEDGE_SECRET": K_SECRET,
            "CROSSPLAY_GAME_SECRET": G_SECRET, **extra}


def _serve(world: LoadedWorld, contacts: Path, mode: str,
           **env: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [CROSSPLAY, "--data-dir", str(world.data_dir), "psi", "serve", "--partner", "game",
         "--contacts", str(contacts), "--mode", mode, "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(**env))
    assert proc.stderr is not None
    deadline = time.monotonic() + 90
    line = ""
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if "listening on" in line:
            return proc, line.rsplit(" ", 1)[-1].strip()
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"psi serve did not start: {line} {proc.communicate(timeout=30)}")


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    proc.communicate(timeout=60)
    assert proc.returncode == 0


@dataclass
class Served:
    """One game server in intersection mode and the keys the tests present to it."""

    world: LoadedWorld
    contacts: dict[Partner, Path]
    proc: subprocess.Popen[str]
    url: str
    keys: dict[str, str]

    def post(self, path: str, body: bytes | dict[str, Any] | None = None, *,
             key: str | None = None, headers: dict[str, str] | None = None) -> httpx.Response:
        hdrs = dict(headers or {})
        if key is not None:
            hdrs["Authorization"] = f"Bearer {self.keys.get(key, key)}"
        content = json.dumps(body).encode() if isinstance(body, dict) else (body or b"")
        return httpx.post(self.url + path, content=content, headers=hdrs, timeout=60)

    def open(self, key: str = "partner", partner: str = "knowledge") -> dict[str, Any]:
        res = self.post("/v1/session", {"mode": "intersection", "protocol": PROTOCOL,
                                        "partner": partner}, key=key)
        assert res.status_code == 200, res.text
        data: dict[str, Any] = res.json()
        return data

    def end(self, sid: str, key: str = "partner") -> None:
        """Abandon a session: any refused step ends it (its slot is free again)."""
        res = self.post(f"/v1/session/{sid}/sizes", {"sizes": "no"}, key=key)
        assert res.status_code == 400 and res.json()["code"] == "psi_bad_sizes"

    def rss(self) -> int:
        return int(psutil.Process(self.proc.pid).memory_info().rss)


@pytest.fixture(scope="module")
def served(loaded_world: LoadedWorld,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("psi-abuse")
    world = LoadedWorld(loaded_world.world_dir, root / "data")
    shutil.copytree(loaded_world.data_dir, world.data_dir)
    contacts = write_world_contacts(world.world_dir, root / "contacts")
    s = world.settings()
    keys = {"partner": create_key(s, "knowledge", ["psi"], name="the real partner").secret,
            "attacker": create_key(s, "knowledge", ["psi"], name="a second key").secret,
            "game": create_key(s, "game", ["psi"], name="the server's own side").secret,
            "noscope": create_key(s, "knowledge", ["events"]).secret}
    revoked = create_key(s, "knowledge", ["psi"], name="revoked")
    revoke_key(s, revoked.key.key_id)
    keys["revoked"] = revoked.secret
    proc, url = _serve(world, contacts["game"], "intersection",
                       CROSSPLAY_PSI_BODY_TIMEOUT_S=str(BODY_TIMEOUT_S),
                       CROSSPLAY_PSI_OPEN_SESSIONS="2",
                       # the tests below open ~40 sessions; the per-hour limit is tested
                       # in tests/access (a fake timer), the 429 here with open sessions
                       CROSSPLAY_PSI_SESSIONS_PER_HOUR="500")
    try:
        yield Served(world, contacts, proc, url, keys)
    finally:
        _stop(proc)


def _psi_links(world: LoadedWorld) -> set[tuple[str, str]]:
    con = connect(world.settings())
    try:
        return set(con.sql("SELECT k_user_key, g_user_key FROM links "
                           "WHERE method = 'psi'").fetchall())
    finally:
        con.close()


def _join(served: Served, partner: Partner, key: str, *args: str,
          world: LoadedWorld | None = None, url: str | None = None
          ) -> subprocess.CompletedProcess[str]:
    w = world or served.world
    return subprocess.run(
        [CROSSPLAY, "--data-dir", str(w.data_dir), "psi", "join", "--partner", partner,
         "--contacts", str(served.contacts[partner]), "--url", url or served.url,
         "--mode", "intersection", "--json", *args],
        capture_output=True, text=True, timeout=300,
        env=_env(CROSSPLAY_PSI_API_KEY=served.keys.get(key, key)))


def _game_contacts_with_linking(served: Served) -> list[tuple[str, str]]:
    """(normalised item, user_key) of game users who granted linking: the real secrets."""
    from crossplay.privacy.psi_sides import load_side

    side = load_side(served.world.settings(), "game", served.contacts["game"], "intersection")
    return [(item, keys[0]) for item, keys in side.owners.items() if len(keys) == 1]


# --- authentication ------------------------------------------------------------------------

@pytest.mark.parametrize("who,headers,status,code", [
    ("no header", {}, 401, "unauthenticated"),
    ("empty bearer", {"Authorization": "Bearer"}, 401, "unauthenticated"),
    ("basic auth", {"Authorization": "Basic a25vd2xlZGdlOnBzaQ=="}, 401, "unauthenticated"),
    ("malformed", {"Authorization": "Bearer cp_not-a-key"}, 401, "unauthenticated"),
    ("wrong secret", {"Authorization": "Bearer cp_0123456789ab_" + "x" * 43}, 401,
     "unauthenticated"),
    ("revoked", "revoked", 401, "unauthenticated"),
    ("other scope", "noscope", 403, "forbidden"),
    ("serving partner", "game", 403, "same_partner"),
])
def test_calls_without_a_valid_other_partner_psi_key_are_refused_before_anything(
        served: Served, who: str, headers: dict[str, str] | str, status: int,
        code: str) -> None:
    s = served.world.settings()
    audited = count(s)
    for path in ("/v1/session", "/v1/session/abc/sizes", "/v1/session/abc/request",
                 "/v1/session/abc/pairs"):
        for _ in range(5):
            if isinstance(headers, str):
                res = served.post(path, {"mode": "intersection", "protocol": PROTOCOL,
                                         "partner": "game" if headers == "game"
                                         else "knowledge"}, key=headers)
            else:
                res = served.post(path, {"mode": "intersection", "protocol": PROTOCOL,
                                         "partner": "knowledge"}, headers=headers)
            assert res.status_code == status, (who, path, res.text)
            assert res.headers["content-type"].startswith("application/problem+json")
            problem = res.json()
            assert problem["status"] == status and problem["code"] == code
            assert problem["detail"] and "Traceback" not in res.text
    assert count(s) == audited  # nothing handed out, nothing to audit
    # the real partner was not locked out by any of it
    sid = served.open()["session"]
    served.end(sid)


def test_a_game_side_cannot_link_game_users_through_psi(served: Served) -> None:
    before = _psi_links(served.world)
    own_key = _join(served, "game", "game")  # a game key against the game server
    assert own_key.returncode == 2 and "same_partner" in own_key.stderr
    assert "Traceback" not in own_key.stderr
    borrowed = _join(served, "game", "partner")  # a knowledge key, claiming to be game
    assert borrowed.returncode == 2 and "key_partner_mismatch" in borrowed.stderr
    assert _psi_links(served.world) == before


def test_the_link_writer_refuses_pairs_of_one_partner(served: Served) -> None:
    s = served.world.settings()
    con = connect(s)
    try:
        games = [r[0] for r in con.sql(f"SELECT user_key FROM ({granted_sql(Purpose.LINKING)}) "
                                       "WHERE partner = 'game' ORDER BY 1 LIMIT 4").fetchall()]
    finally:
        con.close()
    before = _psi_links(served.world)
    with pytest.raises(LinkError, match="same partner") as info:
        add_psi_links(s, [(games[0], games[1]), (games[2], games[3])], source="psi:test",
                      actor="psi:game")
    assert info.value.code == "same_partner_link"
    assert _psi_links(served.world) == before


# --- the protocol, in order, bounded -------------------------------------------------------

def test_no_pairing_answer_without_this_sessions_request_step(served: Served) -> None:
    tags = b"\x01" * TAG_BYTES * 4
    # pairs straight after opening: refused, and the session is over
    sid = served.open()["session"]
    res = served.post(f"/v1/session/{sid}/pairs", tags, key="partner")
    assert res.status_code == 409 and res.json()["code"] == "psi_out_of_order"
    gone = served.post(f"/v1/session/{sid}/sizes", {"sizes": [1, 1]}, key="partner")
    assert gone.status_code == 404 and gone.json()["code"] == "psi_no_session"
    # pairs after the sizes but before the request: refused too
    sid = served.open()["session"]
    assert served.post(f"/v1/session/{sid}/sizes", {"sizes": [2, 2]},
                       key="partner").status_code == 200
    res = served.post(f"/v1/session/{sid}/pairs", tags, key="partner")
    assert res.status_code == 409 and res.json()["code"] == "psi_out_of_order"
    # a session belongs to the key that opened it: another key cannot even see it
    sid = served.open()["session"]
    other = served.post(f"/v1/session/{sid}/sizes", {"sizes": [1, 1]}, key="attacker")
    assert other.status_code == 404
    served.end(sid)
    # the request step cannot be replayed in one session
    hello = served.open()
    sid = hello["session"]
    body = _request_body(served, hello, ["tel:+8613900000001"], new_key())
    assert served.post(f"/v1/session/{sid}/request", body, key="partner").status_code == 200
    again = served.post(f"/v1/session/{sid}/request", body, key="partner")
    assert again.status_code == 409
    assert served.post(f"/v1/session/{sid}/pairs", b"", key="partner").status_code == 404


def _request_body(served: Served, hello: dict[str, Any], items: list[str],
                  key: bytes) -> bytes:
    """Announce the sizes of ``items`` and build the request (an honest client's steps)."""
    sid = hello["session"]
    parts = split(bytes.fromhex(hello["salt"]), items, int(hello["shards"]))
    res = served.post(f"/v1/session/{sid}/sizes", {"sizes": [len(p) for p in parts]},
                      key="partner")
    assert res.status_code == 200, res.text
    return pack([client_request(key, True, p) for p in parts])


@pytest.mark.parametrize("sizes,code", [
    ([2**62, 0], "psi_too_many_items"),
    ([2**62, 2**62], "psi_too_many_items"),
    ([-1, 5], "psi_bad_sizes"),
    ([100_000, 100_000], "psi_too_many_items"),  # the 200k guesses
    ([1, 2, 3], "psi_bad_sizes"),
    ([True, 1], "psi_bad_sizes"),
    (["5", 1], "psi_bad_sizes"),
    ([1.5, 1], "psi_bad_sizes"),
    ("many", "psi_bad_sizes"),
])
def test_announced_sizes_are_bounded(served: Served, sizes: Any, code: str) -> None:
    hello = served.open()
    res = served.post(f"/v1/session/{hello['session']}/sizes", {"sizes": sizes},
                      key="partner")
    assert res.status_code == 400 and res.json()["code"] == code, res.text
    limit = hello["max_items"]
    assert 0 < limit < 100_000  # 10x the server's own consenting contacts, not 5M


def test_sizes_above_the_configured_limit_are_refused(served: Served) -> None:
    hello = served.open()
    limit = int(hello["max_items"])
    res = served.post(f"/v1/session/{hello['session']}/sizes",
                      {"sizes": [limit - limit // 2, limit // 2 + 1]}, key="partner")
    assert res.status_code == 400 and str(limit) in res.json()["detail"].replace(",", "")
    hello = served.open()
    ok = served.post(f"/v1/session/{hello['session']}/sizes",
                     {"sizes": [limit - limit // 2, limit // 2]}, key="partner")
    assert ok.status_code == 200
    bad = served.post(f"/v1/session/{hello['session']}/pairs", b"", key="partner")
    assert bad.status_code == 409  # out of order: that also ends the session


def test_guessed_contacts_get_no_real_user_keys(served: Served) -> None:
    real = _game_contacts_with_linking(served)
    assert len(real) > 50
    s = served.world.settings()
    pairs_before = [e for e in entries(s, action="psi_intersection")
                    if e.details.get("step") == "pairs"]
    # The attacker knows the real contacts (the worst case) but runs this session's request
    # on unrelated numbers, then asks for pairs with tags it can compute on its own.
    decoys = [f"tel:+8613700{i:06d}" for i in range(12)]
    own_key = new_key()
    forged: dict[str, list[bytes]] = {
        "old tokens": [hashlib.sha256(b"tok\x00" + item.encode()).digest()[:TAG_BYTES]
                       for item, _ in real[:12]],
        "H(x) under the attacker's key": [
            tag(p) for p in _points(own_key, [item for item, _ in real[:12]])],
        "H(x) itself (key 1)": [
            tag(p) for p in _points((1).to_bytes(32, "big"), [item for item, _ in real[:12]])],
        "a key derived from a guessed secret": [
            tag(p) for p in _points(derived_key(b"guess", b"ctx"),
                                    [item for item, _ in real[:12]])],
    }
    for name, tags in forged.items():
        hello = served.open()
        sid = hello["session"]
        body = _request_body(served, hello, decoys, new_key())
        assert served.post(f"/v1/session/{sid}/request", body, key="partner").status_code == 200
        res = served.post(f"/v1/session/{sid}/pairs", b"".join(tags), key="partner")
        assert res.status_code == 200, (name, res.text)
        assert unpack_keys(res.content, len(tags)) == [None] * len(tags), name
    # more tags than the request had items: refused (before the body is read), and the
    # session is over (no second try with fewer tags)
    hello = served.open()
    sid = hello["session"]
    body = _request_body(served, hello, decoys[:3], new_key())
    assert served.post(f"/v1/session/{sid}/request", body, key="partner").status_code == 200
    res = served.post(f"/v1/session/{sid}/pairs", b"".join(forged["old tokens"]),
                      key="partner")
    assert res.status_code == 413 and res.json()["code"] == "body_too_large"
    retry = served.post(f"/v1/session/{sid}/pairs", forged["old tokens"][0], key="partner")
    assert retry.status_code == 404
    # Control: what the same client learns by running PSI honestly on 10 real contacts
    # and 10 decoys — the keys of exactly those 10 real contacts, and nothing else.
    hello = served.open()
    sid = hello["session"]
    mine = [item for item, _ in real[:10]] + decoys[:10]
    ckey = new_key()
    body = _request_body(served, hello, mine, ckey)
    res = served.post(f"/v1/session/{sid}/request", body, key="partner")
    frames = unpack(res.content)
    shards = int(hello["shards"])
    parts = split(bytes.fromhex(hello["salt"]), mine, shards)
    matched: list[str] = []
    tags_out: list[bytes] = []
    for i, part in enumerate(parts):
        idx, shard_tags = client_match(ckey, frames[i], frames[shards + i], len(part))
        matched += [part[j] for j in idx]
        tags_out += [shard_tags[k:k + TAG_BYTES] for k in range(0, len(shard_tags), TAG_BYTES)]
    got = served.post(f"/v1/session/{sid}/pairs", b"".join(tags_out), key="partner")
    keys = unpack_keys(got.content, len(tags_out))
    truth = dict(real)
    assert sorted(matched) == sorted(item for item, _ in real[:10])
    assert keys == [truth[m] for m in matched]
    # the audit counted exactly what was handed out, per session
    handed = [e.details["pairs_returned"] for e in entries(s, action="psi_intersection")
              if e.details.get("step") == "pairs" and e not in pairs_before]
    assert sorted(handed) == [0, 0, 0, 0, 10]


def _points(key: bytes, items: list[str]) -> list[bytes]:
    import private_set_intersection.python as lib

    req = lib.client.CreateFromKey(key, True).CreateRequest(items)
    return [bytes(p) for p in req.encrypted_elements]


# --- bodies ----------------------------------------------------------------------------------

def _raw(url: str, head: bytes, chunks: Iterator[bytes] | None = None,
         wait: float = 10.0) -> tuple[bytes, int]:
    """Send a hand-made request; (the first bytes of the answer, body bytes the server let
    us send before it answered and closed)."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    sock = socket.create_connection((host, int(port)))
    sock.settimeout(wait)
    sent = 0
    try:
        sock.sendall(head)
        for chunk in chunks or iter(()):
            sock.sendall(chunk)
            sent += len(chunk)
    except OSError:
        pass  # the server answered and closed: it stopped reading
    try:
        answer = sock.recv(4096)
    except OSError as exc:
        answer = repr(exc).encode()
    sock.close()
    return answer, sent


def _chunked(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    block = b"x" * size
    for _ in range(total // size):
        yield b"%x\r\n" % size + block + b"\r\n"


def test_bodies_are_bounded_and_memory_stays_flat(served: Served) -> None:
    auth = f"Authorization: Bearer {served.keys['partner']}\r\n".encode()
    start = served.rss()
    hi = 200 << 20
    cases: list[tuple[str, bytes, Iterator[bytes] | None, bytes, int]] = [
        ("length -1", b"Content-Length: -1\r\n\r\n{}", None, b" 400 ", 0),
        ("two lengths", b"Content-Length: 2\r\nContent-Length: 9\r\n\r\n{}", None, b" 400 ", 0),
        ("10 GB declared", b"Content-Length: 10000000000\r\n\r\n", None, b" 413 ", 0),
        ("chunked, no key", b"Transfer-Encoding: chunked\r\n\r\n", _chunked(hi), b" 401 ",
         hi),
        ("chunked, with key", auth + b"Transfer-Encoding: chunked\r\n\r\n", _chunked(hi),
         b" 413 ", hi),
        ("huge length, with key", auth + b"Content-Length: 209715200\r\n\r\n",
         (b"x" * (1 << 16) for _ in range(hi >> 16)), b" 413 ", hi),
    ]
    for name, extra, body, want, offered in cases:
        answer, sent = _raw(served.url, b"POST /v1/session HTTP/1.1\r\nHost: x\r\n" + extra,
                            body)
        assert want in answer[:16], (name, answer[:200])
        if offered:
            assert sent < offered // 4, (name, sent)  # refused early, not drained
    # a body that stops arriving (declared longer than sent) is cut after the timeout
    t0 = time.monotonic()
    answer, _ = _raw(served.url, b"POST /v1/session HTTP/1.1\r\nHost: x\r\n" + auth
                     + b"Content-Length: 1000\r\n\r\n{\"mode\"", wait=BODY_TIMEOUT_S + 20)
    assert b" 408 " in answer[:16] and time.monotonic() - t0 < BODY_TIMEOUT_S + 15
    assert served.rss() - start < 64 << 20
    # and the server still serves the partner
    served.end(served.open()["session"])


# --- lock-out, audit, reruns -----------------------------------------------------------------

def test_an_attacker_cannot_lock_the_partner_out(served: Served) -> None:
    for _ in range(50):
        assert served.post("/v1/session", {"mode": "intersection", "protocol": PROTOCOL,
                                           "partner": "knowledge"}).status_code == 401
    held = [served.open("attacker")["session"] for _ in range(2)]
    over = served.post("/v1/session", {"mode": "intersection", "protocol": PROTOCOL,
                                       "partner": "knowledge"}, key="attacker")
    assert over.status_code == 429 and int(over.headers["Retry-After"]) > 0
    for _ in range(10):
        assert served.post("/v1/session", {"mode": "intersection", "protocol": PROTOCOL,
                                           "partner": "game"}, key="game").status_code == 403
    res = _join(served, "knowledge", "partner")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["pairs_received"] > 0 and out["links"] + out["already_linked"] > 0
    # the audit entry says what the server handed out, to whom, in which session
    s = served.world.settings()
    mine = [e for e in entries(s, action="psi_intersection")
            if e.details.get("session") == out["session"]]
    by = {(e.details["role"], e.details.get("step")): e.details for e in mine}
    partner_id = served.keys["partner"].split("_")[1]
    server_pairs = by[("server", "pairs")]
    assert server_pairs["caller"] == "knowledge" and server_pairs["key_id"] == partner_id
    assert server_pairs["pairs_returned"] == out["pairs_received"]
    assert by[("server", "response")]["client_elements"] == out["set_size"]
    client = by[("client", None)]
    assert client["links_added"] == out["links"] and client["pairs_received"] > 0
    for sid in held:
        served.end(sid, "attacker")


def test_a_rerun_keeps_binding_links_labelled_binding(served: Served, tmp_path: Path,
                                                      fresh_world: LoadedWorld) -> None:
    s = fresh_world.settings()
    key = create_key(s, "knowledge", ["psi"]).secret

    def methods() -> dict[tuple[str, str], str]:
        con = connect(s)
        try:
            return {(k, g): m for k, g, m in con.sql(
                "SELECT k_user_key, g_user_key, method FROM links_current").fetchall()}
        finally:
            con.close()

    before = methods()
    bound = {p for p, m in before.items() if m == "binding"}
    proc, url = _serve(fresh_world, served.contacts["game"], "intersection")
    try:
        first = _join(served, "knowledge", key, world=fresh_world, url=url)
        assert first.returncode == 0, first.stderr
        after_first = methods()
        second = _join(served, "knowledge", key, world=fresh_world, url=url)
        assert second.returncode == 0, second.stderr
    finally:
        _stop(proc)
    one, two = json.loads(first.stdout), json.loads(second.stdout)
    assert one["already_linked"] > 0  # PSI found pairs the users had bound themselves
    assert one["links"] > 0 and two["links"] == 0
    assert two["already_linked"] == one["already_linked"] + one["links"]
    final = methods()
    assert final == after_first
    assert {p for p in bound if final[p] == "binding"} == bound
    assert {p: m for p, m in final.items() if p not in before} == {
        p: "psi" for p in final if p not in before}


def test_an_abandoned_session_frees_its_slot_when_idle(served: Served) -> None:
    """A caller that opens sessions and walks away holds its own slots only until they are
    idle for ``psi_session_idle_s``; then the same key can run again."""
    from crossplay.access.apikeys import authenticate
    from crossplay.access.ratelimit import RateLimited
    from crossplay.privacy.psi_service import PsiServer
    from crossplay.privacy.psi_sides import load_side

    s = served.world.settings(psi_session_idle_s=0.5, psi_open_sessions=1)
    key = authenticate(s, served.keys["attacker"], "psi")
    side = load_side(s, "game", served.contacts["game"], "intersection")
    server = PsiServer(s, "game", side, "intersection", workers=1)
    try:
        body = {"mode": "intersection", "protocol": PROTOCOL, "partner": "knowledge"}
        server.open_session(key, body)
        with pytest.raises(RateLimited, match="1 open session"):
            server.open_session(key, body)
        time.sleep(0.7)
        hello = server.open_session(key, body)  # the abandoned one expired
        assert len(server.sessions) == 1 and hello["session"] in server.sessions
    finally:
        server.close()
