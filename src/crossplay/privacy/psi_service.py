"""The serving side's sessions (``psi serve``) and the joining side (``psi join``).

One session is one run of the protocol (:mod:`crossplay.privacy.psi`) for one caller, in
strict order::

    open      POST /v1/session              {"mode", "protocol", "partner"}
    sized     POST /v1/session/<id>/sizes   {"sizes": [...]}
    answered  POST /v1/session/<id>/request frames(requests) -> frames(setups + responses)
    done      POST /v1/session/<id>/pairs   tags -> keys        (intersection mode only)

Every call carries a partner API key with scope ``psi`` (:mod:`crossplay.access.apikeys`);
the transport (:mod:`crossplay.privacy.psi_http`) authenticates it before anything else,
and :meth:`PsiServer.admit` refuses a key of the serving partner itself. A session
belongs to the key that opened it (another key cannot see it), each step is allowed once
and only after the previous one, and any refused step ends the session. Sizes are bounded
by :func:`client_limit`; sessions per key by :class:`~crossplay.access.ratelimit.SessionLimiter`.
What the server hands out (re-blinded elements, pair answers) is audited per step.
"""

from __future__ import annotations

import math
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from crossplay.access.apikeys import ApiKey, Forbidden
from crossplay.access.http import Conflict
from crossplay.access.ratelimit import RateLimited, SessionLimiter
from crossplay.core.errors import ConfigError, NotFoundError
from crossplay.core.settings import Settings
from crossplay.core.types import PARTNERS, Partner
from crossplay.privacy.contacts import ContactSet
from crossplay.privacy.psi import (
    MODES,
    PROTOCOL,
    TAG_BYTES,
    ClientRun,
    Mode,
    PsiError,
    ServerRun,
    new_key,
    pack,
    pack_keys,
    pack_tags,
    pool,
    unpack,
    unpack_keys,
    unpack_tags,
)
from crossplay.privacy.psi_sides import (
    PsiResult,
    audit_client,
    audit_server,
    client_links,
    load_side,
    new_salt,
    server_pairs,
)

if TYPE_CHECKING:
    from crossplay.client.psi import PsiClient

Step = Literal["open", "sized", "answered", "done"]

#: environment variable holding the key ``psi join`` presents
API_KEY_ENV = "CROSSPLAY_PSI_API_KEY"
#: sessions held at once by one server, all keys together (memory bound)
MAX_SESSIONS = 16
#: JSON control messages are small
JSON_CAP = 64 * 1024
#: bytes per announced element a request may take (a compressed point and framing: ~35)
REQUEST_BYTES_PER_ITEM = 64
FRAME_SLACK = 4096


def client_limit(settings: Settings, server_items: int) -> int:
    """Most items a client may announce for one run against ``server_items`` items:
    ``psi_max_items``, and at most ``psi_max_size_ratio`` times the server's own."""
    return min(settings.psi_max_items, math.floor(settings.psi_max_size_ratio * server_items))


def check_sizes(sizes: Any, shards: int, limit: int, server_items: int) -> list[int]:
    """The announced per-shard sizes, or a :class:`PsiError` saying what is wrong."""
    if (not isinstance(sizes, list) or len(sizes) != shards
            or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0
                       for n in sizes)):
        raise PsiError(f"sizes must be a list of {shards} non-negative integers, one per "
                       "shard", code="psi_bad_sizes", params={"shards": shards})
    total = sum(sizes)
    if total > limit:
        raise PsiError(f"{total:,} items announced; this side accepts at most {limit:,} per "
                       f"run (psi_max_items, and psi_max_size_ratio x its own "
                       f"{server_items:,} items)", code="psi_too_many_items",
                       params={"total": total, "limit": limit, "server_items": server_items})
    return list(sizes)


@dataclass
class _Session:
    sid: str
    key_id: str
    caller: Partner
    run: ServerRun
    step: Step = "open"
    elements: int = 0
    touched: float = field(default_factory=time.monotonic)
    busy: threading.Lock = field(default_factory=threading.Lock)


class PsiServer:
    """The serving side: one contact set, sessions for authenticated other-partner keys."""

    def __init__(self, settings: Settings, partner: Partner, contacts: ContactSet, mode: Mode,
                 *, workers: int = 2, once: bool = False) -> None:
        if mode not in MODES:
            modes = ", ".join(MODES)
            raise PsiError(f"mode must be one of {modes}", code="psi_mode_unknown",
                           params={"modes": modes})
        self.settings, self.partner, self.contacts, self.mode = settings, partner, contacts, mode
        self.workers, self.once = workers, once
        self.max_items = client_limit(settings, len(contacts.owners))
        self.limiter = SessionLimiter(settings.psi_sessions_per_hour,
                                      settings.psi_open_sessions)
        self.sessions: dict[str, _Session] = {}
        self.lock = threading.Lock()
        self.finished = threading.Event()
        self.on_finished: Callable[[], None] = lambda: None
        self.executor = pool(workers)

    # --- admission -----------------------------------------------------------------------

    def admit(self, key: ApiKey) -> None:
        """Refuse a key of the serving partner itself (no game <-> game PSI)."""
        if key.partner == self.partner:
            raise Forbidden(f"API key {key.key_id} belongs to {key.partner}, the partner this "
                            f"server serves: PSI runs between the two partners, so use a key "
                            f"of the other partner", code="same_partner",
                            params={"key_id": key.key_id, "partner": key.partner})

    def body_cap(self, key: ApiKey, sid: str, step: str) -> int:
        """The most bytes the body of ``step`` of this session may hold."""
        if step in ("open", "sizes"):
            return JSON_CAP
        s = self._get(key, sid)
        if step == "request":
            self._expect(s, "sized")
            return sum(s.run.client_sizes) * REQUEST_BYTES_PER_ITEM + FRAME_SLACK
        self._expect(s, "answered")
        return s.elements * TAG_BYTES

    def abort(self, key: ApiKey, sid: str) -> None:
        """End a session whose step was refused before it ran (e.g. its body too large)."""
        with self.lock:
            s = self.sessions.get(sid)
        if s is not None and s.key_id == key.key_id:
            self._end(s, completed=False)

    @property
    def max_body(self) -> int:
        return self.max_items * REQUEST_BYTES_PER_ITEM + FRAME_SLACK

    # --- sessions ------------------------------------------------------------------------

    def _reap(self) -> None:
        idle = self.settings.psi_session_idle_s
        now = time.monotonic()
        with self.lock:  # a session whose step is running is not idle
            old = [s for s in self.sessions.values()
                   if now - s.touched > idle and not s.busy.locked()]
            for s in old:
                del self.sessions[s.sid]
        for s in old:
            self.limiter.release(s.key_id)

    def _get(self, key: ApiKey, sid: str) -> _Session:
        self._reap()
        with self.lock:
            s = self.sessions.get(sid)
        if s is None or s.key_id != key.key_id:
            raise NotFoundError("unknown, expired or finished PSI session: open a new one",
                                code="psi_no_session")
        s.touched = time.monotonic()
        return s

    def _end(self, s: _Session, *, completed: bool) -> None:
        with self.lock:
            held = self.sessions.pop(s.sid, None)
        if held is not None:
            self.limiter.release(s.key_id)
        s.step = "done"
        if completed and self.once:
            self.finished.set()
            self.on_finished()

    def open_session(self, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
        self.admit(key)
        if body.get("protocol") != PROTOCOL:
            got = body.get("protocol")
            raise PsiError(f"protocol {got!r} is not {PROTOCOL}: update crossplay on the "
                           "joining side", code="psi_protocol",
                           params={"got": got, "protocol": PROTOCOL})
        if body.get("mode") != self.mode:
            got = body.get("mode")
            raise PsiError(f"this side serves {self.mode} only, not {got!r}", code="psi_mode",
                           params={"mode": self.mode, "got": got})
        claimed = body.get("partner")
        if claimed not in PARTNERS:
            raise PsiError("say which partner is joining: partner must be knowledge or game",
                           code="psi_bad_partner")
        if claimed != key.partner:
            raise Forbidden(f"API key {key.key_id} belongs to {key.partner}, not {claimed}",
                            code="key_partner_mismatch",
                            params={"key_id": key.key_id, "partner": key.partner,
                                    "claimed": claimed})
        self._reap()
        with self.lock:
            if len(self.sessions) >= MAX_SESSIONS:
                raise RateLimited("this PSI server holds too many open sessions; try again "
                                  "in a minute", retry_after=60, code="psi_server_full")
        self.limiter.acquire(key.key_id)
        sid = secrets.token_hex(12)
        run = ServerRun(self.mode, new_salt(), self.workers, self.contacts.items, new_key())
        with self.lock:
            self.sessions[sid] = _Session(sid, key.key_id, key.partner, run)
        return {"session": sid, "salt": run.salt.hex(), "shards": self.workers,
                "partner": self.partner, "max_items": self.max_items}

    def _expect(self, s: _Session, expected: Step) -> None:
        """Refuse (and end the session) unless it is at step ``expected``."""
        if s.step != expected:
            self._end(s, completed=False)
            raise Conflict(f"out of order: this session is at step {s.step!r}; the protocol "
                           "is session, sizes, request, pairs — open a new session",
                           code="psi_out_of_order", params={"step": s.step})

    def _step(self, key: ApiKey, sid: str, expected: Step,
              work: Callable[[_Session], bytes]) -> bytes:
        """Run one step of a session: in order, once, one at a time; a refused step ends
        the session (a run cannot be retried piecemeal)."""
        s = self._get(key, sid)
        if not s.busy.acquire(blocking=False):
            raise Conflict("another step of this session is running", code="psi_busy")
        try:
            self._expect(s, expected)
            return work(s)
        except Exception:
            self._end(s, completed=False)
            raise
        finally:
            s.touched = time.monotonic()  # idle time counts from the end of a step
            s.busy.release()

    def sizes(self, key: ApiKey, sid: str, body: dict[str, Any]) -> dict[str, Any]:
        def work(s: _Session) -> bytes:
            sizes = check_sizes(body.get("sizes"), self.workers, self.max_items,
                                len(self.contacts.owners))
            s.run.start_setup(self.executor, sizes)
            s.step = "sized"
            return b""

        self._step(key, sid, "open", work)
        return {}

    def request(self, key: ApiKey, sid: str, body: bytes) -> bytes:
        def work(s: _Session) -> bytes:
            setups, responses = s.run.respond(self.executor, unpack(body))
            s.elements = sum(s.run.client_sizes)
            s.step = "answered"
            audit_server(self.settings, self.mode, self.partner, step="response",
                         session=s.sid, caller=s.caller, key_id=s.key_id,
                         set_size=len(self.contacts.owners), elements=s.elements)
            if self.mode == "cardinality":
                self._end(s, completed=True)
            return pack([*setups, *responses])

        return self._step(key, sid, "sized", work)

    def pairs(self, key: ApiKey, sid: str, body: bytes) -> bytes:
        if self.mode != "intersection":
            raise NotFoundError("pairs exist only in intersection mode", code="psi_no_pairs")

        def work(s: _Session) -> bytes:
            tags = unpack_tags(body)
            if len(tags) > s.elements:
                raise PsiError(f"{len(tags):,} tags for a request of {s.elements:,} items: "
                               "refused", code="psi_too_many_tags",
                               params={"tags": len(tags), "items": s.elements})
            answers = server_pairs(self.contacts, s.run.items_for(tags))
            handed = sum(a is not None for a in answers)
            audit_server(self.settings, self.mode, self.partner, step="pairs",
                         session=s.sid, caller=s.caller, key_id=s.key_id,
                         set_size=len(self.contacts.owners), elements=s.elements,
                         tags=len(tags), pairs=handed)
            self._end(s, completed=True)
            return pack_keys(answers)

        return self._step(key, sid, "answered", work)

    def close(self) -> None:
        self.executor.shutdown(cancel_futures=True)


# --- the joining side --------------------------------------------------------------------------

def client_api_key(path: Path | None) -> str:
    """The key ``psi join`` presents: the file's content, else ``$CROSSPLAY_PSI_API_KEY``."""
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read the API key file {path}: {exc}",
                              code="psi_key_file_unreadable",
                              params={"path": str(path), "detail": str(exc)}) from None
        if not text:
            raise ConfigError(f"the API key file {path} is empty", code="psi_key_file_empty",
                              params={"path": str(path)})
        return text
    text = os.environ.get(API_KEY_ENV, "").strip()
    if not text:
        raise ConfigError(
            f"psi join needs the API key the other partner created for you: put it in a "
            f"file (mode 0600) and pass --api-key-file FILE, or set {API_KEY_ENV}",
            code="missing_api_key", params={"var": API_KEY_ENV})
    return text


def join(settings: Settings, partner: Partner, contacts_path: Path, url: str, mode: Mode,
         api_key: str, *, timeout: float = 3600.0) -> PsiResult:
    """The joining (client) side over HTTP: run one session; record links if asked."""
    from crossplay.client.psi import PsiClient

    if mode not in MODES:
        modes = ", ".join(MODES)
        raise PsiError(f"mode must be one of {modes}", code="psi_mode_unknown",
                       params={"modes": modes})
    t0 = time.perf_counter()
    contacts = load_side(settings, partner, contacts_path, mode)
    load_s = time.perf_counter() - t0
    http = PsiClient(url, api_key, timeout)
    try:
        result = _run_join(settings, partner, contacts, url, mode, http)
    finally:
        http.close()
    result.seconds = {"load": round(load_s, 3), **result.seconds,
                      "total": round(time.perf_counter() - t0, 3)}
    audit_client(settings, result)
    return result


def _run_join(settings: Settings, partner: Partner, contacts: ContactSet, url: str,
              mode: Mode, http: PsiClient) -> PsiResult:
    secs: dict[str, float] = {}
    hello = http.post_json("/v1/session", {"mode": mode, "protocol": PROTOCOL,
                                           "partner": partner})
    server = hello.get("partner")
    if server not in PARTNERS:
        raise PsiError("the PSI server did not say which partner it serves",
                       code="psi_server_no_partner")
    if server == partner:
        raise PsiError(f"the server at {url} serves {server}, the same partner as this "
                       f"side: PSI links a knowledge user and a game user; join the other "
                       f"partner's server", code="psi_server_same_partner",
                       params={"url": url, "partner": server})
    sid, salt, shards = str(hello["session"]), bytes.fromhex(hello["salt"]), int(hello["shards"])
    run = ClientRun(mode, salt, shards, contacts.items, new_key())
    http.post_json(f"/v1/session/{sid}/sizes", {"sizes": run.sizes()})
    with pool(shards) as ex:
        t = time.perf_counter()
        requests = run.requests(ex)
        secs["client_request"] = time.perf_counter() - t
        t = time.perf_counter()
        frames = unpack(http.post(f"/v1/session/{sid}/request", pack(requests)))
        secs["server_setup_and_response"] = time.perf_counter() - t
        t = time.perf_counter()
        outcome = run.finish(ex, frames[:shards], frames[shards:])
        secs["client_intersection"] = time.perf_counter() - t
    result = PsiResult(mode, partner, len(contacts.owners), contacts.users, outcome.size,
                       mode == "cardinality" and outcome.size < settings.privacy_k,
                       session=sid, rejected=contacts.rejected)
    if mode == "intersection":
        t = time.perf_counter()
        answers = unpack_keys(http.post(f"/v1/session/{sid}/pairs", pack_tags(outcome.tags)),
                              len(outcome.tags))
        result.pairs_received = sum(a is not None for a in answers)
        done, result.ambiguous = client_links(settings, contacts, outcome.matched, answers,
                                              partner, server, sid)
        result.links, result.already_linked, result.refused = (done.added, done.existing,
                                                               done.refused)
        secs["pairs_and_links"] = time.perf_counter() - t
    result.seconds = {k: round(v, 3) for k, v in secs.items()}
    result.bytes_sent, result.bytes_received = http.sent, http.received
    return result

