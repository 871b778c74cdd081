"""PSI over HTTP on loopback (``psi serve`` / ``psi join``) and over files.

HTTP (JSON for control, framed binary for PSI messages; see :mod:`crossplay.privacy.psi`)::

    POST /v1/session                 {"mode", "protocol"}  -> {"session", "salt", "shards"}
    POST /v1/session/<id>/sizes      {"sizes": [...]}      -> {} (server setup starts)
    POST /v1/session/<id>/request    frames(requests)      -> frames(setups + responses)
    POST /v1/session/<id>/pairs      8-byte tokens          -> 16-byte keys, in order

Files (partners who can only exchange files)::

    client: psi request  -> request.bin + a private state file
    server: psi respond  -> setup.bin + response.bin  (stateless: the key is used once)
    client: psi finish   -> the cardinality, or tokens.bin (intersection mode)
    server: psi pairs    -> pairs.bin
    client: psi link     -> links recorded in the operational database
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.privacy.contacts import ContactSet
from crossplay.privacy.psi import (
    MODES,
    PROTOCOL,
    ClientRun,
    Mode,
    PsiError,
    ServerRun,
    new_key,
    pack,
    pack_keys,
    pack_tokens,
    pool,
    token,
    unpack,
    unpack_keys,
    unpack_tokens,
)
from crossplay.privacy.psi_sides import (
    PsiResult,
    audit_run,
    client_links,
    load_side,
    new_salt,
    server_pairs,
)

MAX_BODY = 512 * 1024 * 1024
MAX_SESSIONS = 8
SESSION_TTL_S = 3600.0
_TOKENS_MAGIC = b"CPSI-TOKENS/1\n"
_KEYS_MAGIC = b"CPSI-KEYS/1\n"


@dataclass
class _Session:
    run: ServerRun
    done: bool = False
    created: float = field(default_factory=time.monotonic)


class PsiServer:
    """The serving side: one contact set, any number of sessions (or one with ``once``)."""

    def __init__(self, settings: Settings, partner: Partner, contacts: ContactSet, mode: Mode,
                 *, workers: int = 2, once: bool = False) -> None:
        self.settings, self.partner, self.contacts, self.mode = settings, partner, contacts, mode
        self.workers, self.once = workers, once
        self.sessions: dict[str, _Session] = {}
        self.lock = threading.Lock()
        self.finished = threading.Event()
        self.executor = pool(workers)

    def new_session(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("protocol") != PROTOCOL:
            raise PsiError(f"protocol {body.get('protocol')!r} is not {PROTOCOL}")
        if body.get("mode") != self.mode:
            raise PsiError(f"this side serves {self.mode} only, not {body.get('mode')!r}")
        sid, salt = secrets.token_hex(8), new_salt()
        run = ServerRun(self.mode, salt, self.workers, self.contacts.items, new_key())
        with self.lock:
            now = time.monotonic()
            for old in [k for k, v in self.sessions.items()
                        if v.done or now - v.created > SESSION_TTL_S]:
                del self.sessions[old]
            if len(self.sessions) >= MAX_SESSIONS:
                raise PsiError("too many open PSI sessions; try again later")
            self.sessions[sid] = _Session(run)
        return {"session": sid, "salt": salt.hex(), "shards": self.workers}

    def session(self, sid: str) -> _Session:
        with self.lock:
            s = self.sessions.get(sid)
        if s is None or s.done:
            raise PsiError("unknown or finished session")
        return s

    def close_session(self, sid: str) -> None:
        s = self.session(sid)
        s.done = True
        result = PsiResult(self.mode, self.partner, len(self.contacts.owners),
                           self.contacts.users, -1, True)
        audit_run(self.settings, result, "server", sid)
        if self.once:
            self.finished.set()

    def handle(self, path: str, body: bytes) -> tuple[bytes, str]:
        parts = path.strip("/").split("/")
        if parts == ["v1", "session"]:
            return _json(self.new_session(_load(body))), "application/json"
        if len(parts) != 4 or parts[:2] != ["v1", "session"]:
            raise PsiError(f"no such endpoint: {path}")
        sid, step = parts[2], parts[3]
        s = self.session(sid)
        if step == "sizes":
            sizes = _load(body).get("sizes")
            if not isinstance(sizes, list) or not all(isinstance(n, int) for n in sizes):
                raise PsiError("sizes must be a list of integers")
            s.run.start_setup(self.executor, sizes)
            return _json({}), "application/json"
        if step == "request":
            setups, responses = s.run.respond(self.executor, unpack(body))
            if self.mode == "cardinality":
                self.close_session(sid)
            return pack([*setups, *responses]), "application/octet-stream"
        if step == "pairs" and self.mode == "intersection":
            answers = server_pairs(self.contacts, s.run.salt, unpack_tokens(body),
                                   sum(s.run.client_sizes))
            self.close_session(sid)
            return pack_keys(answers), "application/octet-stream"
        raise PsiError(f"no such step: {step}")

    def serve(self, host: str, port: int, ready: Callable[[str], None]) -> None:
        """Serve until interrupted (or after one session with ``once``)."""
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                try:
                    length = int(self.headers.get("Content-Length", "0"))
                    if length > MAX_BODY:
                        raise PsiError("message too large")
                    body = self.rfile.read(length)
                    out, ctype = outer.handle(self.path, body)
                    code = 200
                except PsiError as exc:
                    out, ctype, code = _json({"error": exc.message}), "application/json", 400
                except Exception as exc:  # a bad message must not kill the server
                    out, ctype, code = (_json({"error": f"internal error: {type(exc).__name__}"}),
                                        "application/json", 500)
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, format: str, *args: Any) -> None:
                return

        try:
            httpd = ThreadingHTTPServer((host, port), Handler)
        except OSError as exc:
            self.executor.shutdown(cancel_futures=True)
            raise PsiError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        httpd.daemon_threads = True
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_: self.finished.set())
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            ready(f"http://{host}:{httpd.server_address[1]}")
            while not self.finished.wait(0.2):
                pass
        finally:
            httpd.shutdown()
            httpd.server_close()
            self.executor.shutdown(cancel_futures=True)


def _json(data: Any) -> bytes:
    return json.dumps(data).encode("utf-8")


def _load(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise PsiError("the body is not JSON") from None
    if not isinstance(data, dict):
        raise PsiError("the body must be a JSON object")
    return data


class _Http:
    def __init__(self, url: str, timeout: float) -> None:
        self.url, self.timeout = url.rstrip("/"), timeout
        self.sent = self.received = 0

    def post(self, path: str, body: bytes, ctype: str = "application/json") -> bytes:
        req = urllib.request.Request(self.url + path, data=body, method="POST",
                                     headers={"Content-Type": ctype})
        self.sent += len(body)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                out: bytes = resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")
            with contextlib.suppress(ValueError, KeyError, TypeError):
                detail = json.loads(detail)["error"]
            raise PsiError(f"the other side refused: {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise PsiError(f"cannot reach the PSI server at {self.url}: {exc}") from None
        self.received += len(out)
        return out

    def post_json(self, path: str, data: dict[str, Any]) -> dict[str, Any]:
        return _load(self.post(path, _json(data)))


def join(settings: Settings, partner: Partner, contacts_path: Path, url: str, mode: Mode,
         *, timeout: float = 3600.0) -> PsiResult:
    """The joining (client) side over HTTP: run one session; record links if asked."""
    if mode not in MODES:
        raise PsiError(f"mode must be one of {', '.join(MODES)}")
    t0 = time.perf_counter()
    contacts = load_side(settings, partner, contacts_path, mode)
    http = _Http(url, timeout)
    secs: dict[str, float] = {"load": time.perf_counter() - t0}
    hello = http.post_json("/v1/session", {"mode": mode, "protocol": PROTOCOL})
    sid, salt, shards = str(hello["session"]), bytes.fromhex(hello["salt"]), int(hello["shards"])
    run = ClientRun(mode, salt, shards, contacts.items, new_key())
    http.post_json(f"/v1/session/{sid}/sizes", {"sizes": run.sizes()})
    with pool(shards) as ex:
        t = time.perf_counter()
        requests = run.requests(ex)
        secs["client_request"] = time.perf_counter() - t
        t = time.perf_counter()
        frames = unpack(http.post(f"/v1/session/{sid}/request", pack(requests),
                                  "application/octet-stream"))
        secs["server_setup_and_response"] = time.perf_counter() - t
        t = time.perf_counter()
        size, matched = run.finish(ex, frames[:shards], frames[shards:])
        secs["client_intersection"] = time.perf_counter() - t
    result = PsiResult(mode, partner, len(contacts.owners), contacts.users, size,
                       mode == "cardinality" and size < settings.privacy_k,
                       rejected=contacts.rejected)
    if mode == "intersection":
        t = time.perf_counter()
        body = http.post(f"/v1/session/{sid}/pairs",
                         pack_tokens([token(salt, i) for i in matched]),
                         "application/octet-stream")
        answers = unpack_keys(body, len(matched))
        result.links, result.ambiguous = client_links(settings, contacts, matched,
                                                      answers, partner, sid)
        secs["pairs_and_links"] = time.perf_counter() - t
    secs["total"] = time.perf_counter() - t0
    result.seconds = {k: round(v, 3) for k, v in secs.items()}
    result.bytes_sent, result.bytes_received = http.sent, http.received
    audit_run(settings, result, "client", sid)
    return result


# --- file mode -------------------------------------------------------------------------------

def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise PsiError(f"cannot read {path}: {exc.strerror}") from None


def file_request(settings: Settings, partner: Partner, contacts_path: Path, mode: Mode,
                 out_dir: Path, *, shards: int = 2) -> dict[str, Any]:
    """Client, step 1: ``request.bin`` (for the other side) and ``client-state.json``."""
    contacts = load_side(settings, partner, contacts_path, mode)
    salt, key = new_salt(), new_key()
    run = ClientRun(mode, salt, shards, contacts.items, key)
    with pool(shards) as ex:
        requests = run.requests(ex)
    header = _json({"protocol": PROTOCOL, "mode": mode, "salt": salt.hex(), "shards": shards,
                    "sizes": run.sizes()})
    _write_private(out_dir / "request.bin", pack([header, *requests]))
    state = {"protocol": PROTOCOL, "mode": mode, "partner": partner, "salt": salt.hex(),
             "shards": shards, "key": key.hex(), "contacts": str(contacts_path.resolve())}
    _write_private(out_dir / "client-state.json", _json(state))
    return {"request": str(out_dir / "request.bin"), "state": str(out_dir / "client-state.json"),
            "set_size": len(contacts.owners), "users": contacts.users,
            "rejected": contacts.rejected}


def _parse_request(path: Path) -> tuple[dict[str, Any], list[bytes]]:
    frames = unpack(_read(path))
    if not frames:
        raise PsiError(f"{path} is empty")
    header = _load(frames[0])
    if header.get("protocol") != PROTOCOL:
        raise PsiError(f"{path} is not a {PROTOCOL} request")
    return header, frames[1:]


def file_respond(settings: Settings, partner: Partner, contacts_path: Path, request: Path,
                 out_dir: Path) -> dict[str, Any]:
    """Server, step 2: ``setup.bin`` and ``response.bin`` for the client's request."""
    header, requests = _parse_request(request)
    mode: Mode = header["mode"]
    if mode not in MODES:
        raise PsiError(f"unknown mode {mode!r} in {request}")
    contacts = load_side(settings, partner, contacts_path, mode)
    shards = int(header["shards"])
    run = ServerRun(mode, bytes.fromhex(header["salt"]), shards, contacts.items, new_key())
    with pool(shards) as ex:
        run.start_setup(ex, [int(n) for n in header["sizes"]])
        setups, responses = run.respond(ex, requests)
    _write_private(out_dir / "setup.bin", pack(setups))
    _write_private(out_dir / "response.bin", pack(responses))
    result = PsiResult(mode, partner, len(contacts.owners), contacts.users, -1, True)
    audit_run(settings, result, "server", header["salt"][:16])
    return {"setup": str(out_dir / "setup.bin"), "response": str(out_dir / "response.bin"),
            "set_size": len(contacts.owners), "rejected": contacts.rejected}


def _state(path: Path) -> dict[str, Any]:
    data = _load(_read(path))
    if data.get("protocol") != PROTOCOL:
        raise PsiError(f"{path} is not a PSI client state file")
    return data


def file_finish(settings: Settings, state_path: Path, setup: Path,
                response: Path) -> PsiResult:
    """Client, step 3: the cardinality, or ``tokens.bin`` beside the state (intersection)."""
    st = _state(state_path)
    partner: Partner = st["partner"]
    mode: Mode = st["mode"]
    salt = bytes.fromhex(st["salt"])
    contacts = load_side(settings, partner, Path(st["contacts"]), mode)
    run = ClientRun(mode, salt, int(st["shards"]), contacts.items, bytes.fromhex(st["key"]))
    with pool(run.shards) as ex:
        size, matched = run.finish(ex, unpack(_read(setup)), unpack(_read(response)))
    result = PsiResult(mode, partner, len(contacts.owners), contacts.users, size,
                       mode == "cardinality" and size < settings.privacy_k,
                       rejected=contacts.rejected)
    if mode == "intersection":
        st["matched"] = matched
        _write_private(state_path, _json(st))
        _write_private(state_path.parent / "tokens.bin",
                       _TOKENS_MAGIC + pack_tokens([token(salt, i) for i in matched]))
    audit_run(settings, result, "client", st["salt"][:16])
    return result


def file_pairs(settings: Settings, partner: Partner, contacts_path: Path, request: Path,
               tokens: Path, out: Path) -> dict[str, Any]:
    """Server, step 4: ``pairs.bin`` (its keys for the client's matched tokens)."""
    header, _ = _parse_request(request)
    if header["mode"] != "intersection":
        raise PsiError("pairs exist only in intersection mode")
    contacts = load_side(settings, partner, contacts_path, "intersection")
    raw = _read(tokens)
    if not raw.startswith(_TOKENS_MAGIC):
        raise PsiError(f"{tokens} is not a token file of `crossplay psi finish`")
    answers = server_pairs(contacts, bytes.fromhex(header["salt"]),
                           unpack_tokens(raw[len(_TOKENS_MAGIC):]),
                           sum(int(n) for n in header["sizes"]))
    _write_private(out, _KEYS_MAGIC + pack_keys(answers))
    return {"pairs": str(out), "count": sum(a is not None for a in answers)}


def file_link(settings: Settings, state_path: Path, pairs_path: Path) -> dict[str, Any]:
    """Client, step 5: record the links (method psi)."""
    st = _state(state_path)
    if "matched" not in st:
        raise PsiError("run `crossplay psi finish` first")
    partner: Partner = st["partner"]
    contacts = load_side(settings, partner, Path(st["contacts"]), "intersection")
    raw = _read(pairs_path)
    if not raw.startswith(_KEYS_MAGIC):
        raise PsiError(f"{pairs_path} is not a pairs file of `crossplay psi pairs`")
    matched = list(st["matched"])
    answers = unpack_keys(raw[len(_KEYS_MAGIC):], len(matched))
    links, ambiguous = client_links(settings, contacts, matched, answers, partner,
                                    st["salt"][:16])
    return {"links": links, "ambiguous": ambiguous}


def print_ready(url: str) -> None:
    sys.stderr.write(f"PSI server listening on {url}\n")
    sys.stderr.flush()
