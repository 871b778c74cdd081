"""Private set intersection between the two partners (openmined-psi, ECDH-PSI).

Roles: the *server* side (``crossplay psi serve`` / ``psi respond``) and the *client* side
(``crossplay psi join`` / ``psi request``) each hold only their own contact list. ``H`` is
the library's hash to the P-256 curve, ``c`` and ``s`` the two sides' secret scalars (fresh
per run), ``tag(P) = SHA-256("crossplay-psi-tag" || P)[:12]``.

One run, for S shards (S = worker processes per side, default 2)::

    client -> server   mode, its partner                     (session: salt, S)
    client -> server   per-shard set sizes                    (bounded by the server)
    server             cardinality:  setup_i = GCS filter of H(x)^s   (library)
                       intersection: setup_i = sorted tag(H(x)^s)
    client -> server   request_i = H(y)^c, one per client item of shard i
    server -> client   setup_i, response_i = (H(y)^c)^s, in request order
    client             cardinality:  the intersection size (library)
                       intersection: unblinds (^c^-1) to H(y)^s; matched = items whose
                       tag is in setup_i
    [intersection mode]
    client -> server   tag(H(y)^s) of its matched items
    server -> client   for each tag, in order, its 16-byte user_key (or zeros)

Pairing answers exist only for tags of ``H(y)^s``, and only the server can raise a point
to ``s``: a client obtains such a tag only for a point it sent in *this* run's request,
which the server answered once, for at most the announced (and bounded) number of items.
Tags of guessed contacts computed without the server's help match nothing.

Items are split into shards by ``SHA-256(salt || item)[0] mod S`` on both sides (equal
items land in equal shards), so each shard is an independent PSI and both sides run
their shards in a process pool: the library runs each phase on one core. Sharding shows
the other side only how many items fall in each shard.

What each side learns: in ``cardinality`` mode the client learns the size of the
intersection and the server learns nothing but the client's set size; in
``intersection`` mode (sets restricted to users who granted ``linking``) both learn which
of their own contacts are in the intersection, and the client learns the server's
pseudonymous key for each matched contact — the link. Contacts never leave a side in
clear: only curve points, a filter or tags of points, and tags of common items travel.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import multiprocessing
import struct
from collections.abc import Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

from crossplay.core.errors import CrossplayError

Mode = Literal["cardinality", "intersection"]
MODES: tuple[Mode, ...] = ("cardinality", "intersection")
#: false-positive probability of a whole run (split across the shards)
FPR = 1e-9
PROTOCOL = "crossplay-psi/2"


class PsiError(CrossplayError):
    code = "psi_error"


def json_object(body: bytes) -> dict[str, Any]:
    """A PSI control message (a JSON object), or a :class:`PsiError` saying why not."""
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise PsiError("the body is not JSON", code="psi_body_not_json") from None
    if not isinstance(data, dict):
        raise PsiError("the body must be a JSON object", code="psi_body_not_object")
    return data


def _lib() -> Any:
    import private_set_intersection.python as psi

    return psi


def shard_of(salt: bytes, item: str, shards: int) -> int:
    return hashlib.sha256(salt + item.encode("utf-8")).digest()[0] % shards


def split(salt: bytes, items: Sequence[str], shards: int) -> list[list[str]]:
    out: list[list[str]] = [[] for _ in range(shards)]
    for item in items:
        out[shard_of(salt, item, shards)].append(item)
    return out


TAG_BYTES = 12  # 96 bits: a false match among 10^6 x 10^6 items has odds ~1e-17
KEY_BYTES = 16
#: order of the P-256 group the library works in (keys are scalars in [1, ORDER))
ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def tag(point: bytes) -> bytes:
    """The tag of a curve point ``H(x)^s`` (what intersection mode compares and pairs)."""
    return hashlib.sha256(b"crossplay-psi-tag\x00" + point).digest()[:TAG_BYTES]


def pack_tags(tags: Sequence[bytes]) -> bytes:
    return b"".join(tags)


def unpack_tags(body: bytes) -> list[bytes]:
    if len(body) % TAG_BYTES:
        raise PsiError(f"malformed tag list: {len(body)} bytes is not a multiple of "
                       f"{TAG_BYTES}", code="psi_bad_tags",
                       params={"size": len(body), "tag_bytes": TAG_BYTES})
    return [body[i:i + TAG_BYTES] for i in range(0, len(body), TAG_BYTES)]


def derived_key(secret: bytes, context: bytes) -> bytes:
    """A PSI key (scalar in [1, ORDER)) derived from a side's secret and a run's context."""
    digest = hmac.new(secret, b"crossplay-psi-key\x00" + context, hashlib.sha512).digest()
    return (int.from_bytes(digest, "big") % (ORDER - 1) + 1).to_bytes(32, "big")


def pack_keys(keys: Sequence[str | None]) -> bytes:
    """User keys (32 hex characters) as 16 bytes each; a missing key is 16 zero bytes."""
    return b"".join(bytes.fromhex(k) if k else bytes(KEY_BYTES) for k in keys)


def unpack_keys(body: bytes, n: int) -> list[str | None]:
    if len(body) != n * KEY_BYTES:
        got = len(body) / KEY_BYTES
        raise PsiError(f"expected {n} keys in the answer, got {got:g}", code="psi_bad_keys",
                       params={"expected": n, "got": got})
    out: list[str | None] = []
    for i in range(0, len(body), KEY_BYTES):
        chunk = body[i:i + KEY_BYTES]
        out.append(None if chunk == bytes(KEY_BYTES) else chunk.hex())
    return out


# --- framing: a list of byte strings in one body ------------------------------------------

def pack(parts: Sequence[bytes]) -> bytes:
    out = [struct.pack(">I", len(parts))]
    for p in parts:
        out.append(struct.pack(">I", len(p)))
        out.append(p)
    return b"".join(out)


def unpack(body: bytes) -> list[bytes]:
    try:
        (n,), pos = struct.unpack_from(">I", body, 0), 4
        parts = []
        for _ in range(n):
            (size,) = struct.unpack_from(">I", body, pos)
            pos += 4
            if pos + size > len(body):
                raise PsiError("truncated PSI message", code="psi_truncated")
            parts.append(body[pos:pos + size])
            pos += size
    except struct.error:
        raise PsiError("malformed PSI message", code="psi_malformed") from None
    if pos != len(body):
        raise PsiError("malformed PSI message (trailing bytes)", code="psi_trailing_bytes")
    return parts


# --- the phases (each runs in a worker process) -------------------------------------------

def server_setup(key: bytes, fpr: float, n_client: int, items: list[str]) -> bytes:
    """Cardinality mode: the library's GCS filter of ``H(x)^s``."""
    psi = _lib()
    server = psi.server.CreateFromKey(key, False)
    setup = server.CreateSetupMessage(fpr, max(n_client, 1), items, psi.DataStructure.GCS)
    return bytes(setup.SerializeToString())


def server_tags(key: bytes, items: list[str]) -> tuple[bytes, bytes]:
    """Intersection mode: ``tag(H(x)^s)`` of the server's items, (in item order, sorted).

    The sorted copy is the setup sent to the client (it hides the order); the ordered
    copy stays on the server to answer the pairing step.
    """
    if not items:
        return b"", b""
    psi = _lib()
    points = psi.client.CreateFromKey(key, True).CreateRequest(items).encrypted_elements
    tags = [tag(bytes(p)) for p in points]
    return b"".join(tags), b"".join(sorted(tags))


def server_process(key: bytes, reveal: bool, request: bytes) -> tuple[bytes, int]:
    """(response, number of client elements in the request)."""
    psi = _lib()
    server = psi.server.CreateFromKey(key, reveal)
    req = psi.Request()
    req.ParseFromString(request)
    if bool(req.reveal_intersection) != reveal:
        raise PsiError("the request was made for the other mode", code="psi_other_mode")
    n = len(req.encrypted_elements)
    return bytes(server.ProcessRequest(req).SerializeToString()), n


def client_request(key: bytes, reveal: bool, items: list[str]) -> bytes:
    psi = _lib()
    client = psi.client.CreateFromKey(key, reveal)
    return bytes(client.CreateRequest(items).SerializeToString())


def client_size(key: bytes, setup: bytes, response: bytes) -> int:
    """Cardinality mode: the size of the intersection of one shard (library)."""
    psi = _lib()
    client = psi.client.CreateFromKey(key, False)
    s, r = psi.ServerSetup(), psi.Response()
    try:
        s.ParseFromString(setup)
        r.ParseFromString(response)
        return int(client.GetIntersectionSize(s, r))
    except Exception as exc:  # protobuf's DecodeError has no stable import path
        raise PsiError(f"malformed PSI setup or response: {exc}",
                       code="psi_bad_setup_response", params={"detail": str(exc)}) from None


def client_match(key: bytes, setup: bytes, response: bytes,
                 n: int) -> tuple[list[int], bytes]:
    """Intersection mode, one shard: (indices of matched items, their tags).

    Unblinds the server's ``(H(y)^c)^s`` with ``c^-1`` (the library's own re-encryption
    with the inverse scalar) and looks each ``tag(H(y)^s)`` up among the setup's tags.
    """
    psi = _lib()
    r = psi.Response()
    try:
        r.ParseFromString(response)
    except Exception as exc:
        raise PsiError(f"malformed PSI response: {exc}", code="psi_bad_response",
                       params={"detail": str(exc)}) from None
    if len(r.encrypted_elements) != n:
        raise PsiError(f"the response answers {len(r.encrypted_elements)} items, not the "
                       f"{n} sent", code="psi_response_count",
                       params={"answered": len(r.encrypted_elements), "sent": n})
    if len(setup) % TAG_BYTES:
        raise PsiError("malformed PSI setup", code="psi_bad_setup")
    if n == 0:
        return [], b""
    req = psi.Request()
    req.reveal_intersection = True
    req.encrypted_elements.extend(r.encrypted_elements)
    inverse = pow(int.from_bytes(key, "big"), -1, ORDER).to_bytes(32, "big")
    try:
        points = psi.server.CreateFromKey(inverse, True).ProcessRequest(req).encrypted_elements
    except RuntimeError as exc:
        raise PsiError(f"malformed PSI response: {exc}", code="psi_bad_response",
                       params={"detail": str(exc)}) from None
    held = {setup[i:i + TAG_BYTES] for i in range(0, len(setup), TAG_BYTES)}
    matched: list[int] = []
    tags: list[bytes] = []
    for i, point in enumerate(points):
        t = tag(bytes(point))
        if t in held:
            matched.append(i)
            tags.append(t)
    return matched, b"".join(tags)


def new_key() -> bytes:
    psi = _lib()
    return bytes(psi.client.CreateWithNewKey(True).GetPrivateKeyBytes())


def pool(workers: int) -> Executor:
    """Worker processes, started at once.

    Forked when this process runs a single thread (fast: no re-import of the CLI), else
    from a fork server (safe beside threads). Create the pool before starting threads.
    """
    import threading

    method = "fork" if threading.active_count() == 1 else "forkserver"
    ex = ProcessPoolExecutor(max_workers=workers,
                             mp_context=multiprocessing.get_context(method))
    for f in [ex.submit(_warm) for _ in range(workers)]:
        f.result()
    return ex


def _warm() -> int:
    _lib()
    return 0


# --- the two sides -------------------------------------------------------------------------

@dataclass
class _Run:
    """What both sides of one run hold: their items split into ``shards`` by ``salt``."""

    mode: Mode
    salt: bytes
    shards: int
    items: list[str]
    key: bytes

    def __post_init__(self) -> None:
        self.parts = split(self.salt, self.items, self.shards)

    @property
    def reveal(self) -> bool:
        return self.mode == "intersection"


@dataclass(frozen=True)
class ClientOutcome:
    """What the client learnt: the size and, in intersection mode, the matched items with
    the tags that ask the server for their keys (in the same order)."""

    size: int
    matched: list[str]
    tags: list[bytes]


@dataclass
class ClientRun(_Run):
    """The client side of one run: shards its items, makes requests, reads responses."""

    def sizes(self) -> list[int]:
        return [len(p) for p in self.parts]

    def requests(self, ex: Executor) -> list[bytes]:
        futs = [ex.submit(client_request, self.key, self.reveal, p) for p in self.parts]
        return [f.result() for f in futs]

    def finish(self, ex: Executor, setups: list[bytes],
               responses: list[bytes]) -> ClientOutcome:
        if len(setups) != self.shards or len(responses) != self.shards:
            raise PsiError(f"expected {self.shards} setups and responses, got "
                           f"{len(setups)} and {len(responses)}", code="psi_shard_count",
                           params={"shards": self.shards, "setups": len(setups),
                                   "responses": len(responses)})
        if not self.reveal:
            sizes = [ex.submit(client_size, self.key, s, r)
                     for s, r in zip(setups, responses, strict=True)]
            return ClientOutcome(sum(f.result() for f in sizes), [], [])
        futs = [ex.submit(client_match, self.key, s, r, len(p))
                for s, r, p in zip(setups, responses, self.parts, strict=True)]
        matched: list[str] = []
        tags: list[bytes] = []
        for part, fut in zip(self.parts, futs, strict=True):
            idx, shard_tags = fut.result()
            matched += [part[i] for i in idx]
            tags += unpack_tags(shard_tags)
        return ClientOutcome(len(matched), matched, tags)


@dataclass
class ServerRun(_Run):
    """The server side of one run (its key ``s`` is used for this run only)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self._setups: list[Future[bytes]] = []
        self._tags: list[Future[tuple[bytes, bytes]]] = []
        self.client_sizes: list[int] = []

    def start_setup(self, ex: Executor, client_sizes: list[int]) -> None:
        if (len(client_sizes) != self.shards
                or any(not isinstance(n, int) or n < 0 for n in client_sizes)):
            raise PsiError(f"expected {self.shards} non-negative shard sizes",
                           code="psi_shard_sizes", params={"shards": self.shards})
        if self._setups or self._tags:
            raise PsiError("the setup of this run has already started",
                           code="psi_setup_started")
        self.client_sizes = list(client_sizes)
        if self.reveal:
            self._tags = [ex.submit(server_tags, self.key, p) for p in self.parts]
        else:
            self._setups = [ex.submit(server_setup, self.key, FPR / self.shards, n, p)
                            for n, p in zip(client_sizes, self.parts, strict=True)]

    def respond(self, ex: Executor, requests: list[bytes]) -> tuple[list[bytes], list[bytes]]:
        if not (self._setups or self._tags):
            raise PsiError("the setup has not started: send the shard sizes first",
                           code="psi_setup_not_started")
        if len(requests) != self.shards:
            raise PsiError(f"expected {self.shards} requests, got {len(requests)}",
                           code="psi_request_count",
                           params={"shards": self.shards, "got": len(requests)})
        futs = [ex.submit(server_process, self.key, self.reveal, r) for r in requests]
        try:
            done = [f.result() for f in futs]
        except PsiError:
            raise
        except Exception as exc:
            raise PsiError(f"malformed PSI request: {exc}", code="psi_bad_request",
                           params={"detail": str(exc)}) from None
        if [n for _, n in done] != self.client_sizes:
            raise PsiError("the requests do not have the announced sizes",
                           code="psi_request_sizes")
        setups = ([f.result()[1] for f in self._tags] if self.reveal
                  else [f.result() for f in self._setups])
        return setups, [r for r, _ in done]

    def items_for(self, tags: list[bytes]) -> list[str | None]:
        """For each tag, in order, the server's item whose ``tag(H(x)^s)`` it is, or None."""
        if not self._tags:
            raise PsiError("no pairing in this run: it is not an intersection run, or "
                           "its setup never started", code="psi_no_pairing")
        wanted = set(tags)
        found: dict[bytes, str] = {}
        for part, fut in zip(self.parts, self._tags, strict=True):
            ordered = fut.result()[0]
            for j, item in enumerate(part):
                t = ordered[j * TAG_BYTES:(j + 1) * TAG_BYTES]
                if t in wanted:
                    found[t] = item
        return [found.get(t) for t in tags]
