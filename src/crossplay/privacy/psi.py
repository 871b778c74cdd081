"""Private set intersection between the two partners (openmined-psi, ECDH-PSI).

Roles: the *server* side (``crossplay psi serve`` / ``psi respond``) and the *client* side
(``crossplay psi join`` / ``psi request``) each hold only their own contact list.

One run, for S shards (S = worker processes per side, default 2)::

    client -> server   mode                                   (session: salt, S)
    client -> server   per-shard set sizes
    server             setup_i = Setup(server shard i)        (GCS filter of H(x)^s)
    client -> server   request_i = Request(client shard i)    (H(y)^c, shuffled)
    server -> client   setup_i, response_i = (H(y)^c)^s
    client             intersection_i (indices) or its size
    [intersection mode]
    client -> server   8-byte tokens SHA-256(salt || item) of its matched items only
    server -> client   for each token, in order, its 16-byte user_key (or zeros)

Items are split into shards by ``SHA-256(salt || item)[0] mod S`` on both sides (equal
items land in equal shards), so each shard is an independent PSI and both sides run
their shards in a process pool: the library runs each phase on one core. Sharding shows
the other side only how many items fall in each shard.

What each side learns: in ``cardinality`` mode the client learns the size of the
intersection and the server learns nothing but the client's set size; in
``intersection`` mode (sets restricted to users who granted ``linking``) both learn which
of their own contacts are in the intersection, and the client learns the server's
pseudonymous key for each matched contact — the link. Contacts never leave a side in
clear: only curve points, a GCS filter and tokens of already-common items travel.
"""

from __future__ import annotations

import hashlib
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
PROTOCOL = "crossplay-psi/1"


class PsiError(CrossplayError):
    code = "psi_error"


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


TOKEN_BYTES = 8  # 64 bits: a collision among 10^6 common items has odds ~3e-8
KEY_BYTES = 16


def token(salt: bytes, item: str) -> bytes:
    """The pairing token of a matched item (both sides compute it for common items only)."""
    return hashlib.sha256(b"tok\x00" + salt + item.encode("utf-8")).digest()[:TOKEN_BYTES]


def pack_tokens(tokens: Sequence[bytes]) -> bytes:
    return b"".join(tokens)


def unpack_tokens(body: bytes) -> list[bytes]:
    if len(body) % TOKEN_BYTES:
        raise PsiError("malformed token list")
    return [body[i:i + TOKEN_BYTES] for i in range(0, len(body), TOKEN_BYTES)]


def pack_keys(keys: Sequence[str | None]) -> bytes:
    """User keys (32 hex characters) as 16 bytes each; a missing key is 16 zero bytes."""
    return b"".join(bytes.fromhex(k) if k else bytes(KEY_BYTES) for k in keys)


def unpack_keys(body: bytes, n: int) -> list[str | None]:
    if len(body) != n * KEY_BYTES:
        raise PsiError(f"expected {n} keys in the answer, got {len(body) / KEY_BYTES:g}")
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
                raise PsiError("truncated PSI message")
            parts.append(body[pos:pos + size])
            pos += size
    except struct.error:
        raise PsiError("malformed PSI message") from None
    if pos != len(body):
        raise PsiError("malformed PSI message (trailing bytes)")
    return parts


# --- the phases (each runs in a worker process) -------------------------------------------

def server_setup(key: bytes, reveal: bool, fpr: float, n_client: int,
                 items: list[str]) -> bytes:
    psi = _lib()
    server = psi.server.CreateFromKey(key, reveal)
    setup = server.CreateSetupMessage(fpr, max(n_client, 1), items, psi.DataStructure.GCS)
    return bytes(setup.SerializeToString())


def server_process(key: bytes, reveal: bool, request: bytes) -> tuple[bytes, int]:
    """(response, number of client elements in the request)."""
    psi = _lib()
    server = psi.server.CreateFromKey(key, reveal)
    req = psi.Request()
    req.ParseFromString(request)
    n = len(req.encrypted_elements)
    return bytes(server.ProcessRequest(req).SerializeToString()), n


def client_request(key: bytes, reveal: bool, items: list[str]) -> bytes:
    psi = _lib()
    client = psi.client.CreateFromKey(key, reveal)
    return bytes(client.CreateRequest(items).SerializeToString())


def client_intersect(key: bytes, reveal: bool, setup: bytes,
                     response: bytes) -> list[int] | int:
    psi = _lib()
    client = psi.client.CreateFromKey(key, reveal)
    s, r = psi.ServerSetup(), psi.Response()
    try:
        s.ParseFromString(setup)
        r.ParseFromString(response)
    except Exception as exc:  # protobuf's DecodeError has no stable import path
        raise PsiError(f"malformed PSI setup or response: {exc}") from None
    if reveal:
        return [int(i) for i in client.GetIntersection(s, r)]
    return int(client.GetIntersectionSize(s, r))


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


@dataclass
class ClientRun(_Run):
    """The client side of one run: shards its items, makes requests, reads responses."""

    def sizes(self) -> list[int]:
        return [len(p) for p in self.parts]

    def requests(self, ex: Executor) -> list[bytes]:
        futs = [ex.submit(client_request, self.key, self.reveal, p) for p in self.parts]
        return [f.result() for f in futs]

    def finish(self, ex: Executor, setups: list[bytes],
               responses: list[bytes]) -> tuple[int, list[str]]:
        """(intersection size, matched items — empty in cardinality mode)."""
        if len(setups) != self.shards or len(responses) != self.shards:
            raise PsiError(f"expected {self.shards} setups and responses, got "
                           f"{len(setups)} and {len(responses)}")
        futs = [ex.submit(client_intersect, self.key, self.reveal, s, r)
                for s, r in zip(setups, responses, strict=True)]
        matched: list[str] = []
        size = 0
        for part, fut in zip(self.parts, futs, strict=True):
            got = fut.result()
            if isinstance(got, int):
                size += got
            else:
                size += len(got)
                matched += [part[i] for i in got if 0 <= i < len(part)]
        return size, matched


@dataclass
class ServerRun(_Run):
    """The server side of one run."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self._setups: list[Future[bytes]] = []
        self.client_sizes: list[int] = []

    def start_setup(self, ex: Executor, client_sizes: list[int]) -> None:
        if len(client_sizes) != self.shards or any(n < 0 for n in client_sizes):
            raise PsiError(f"expected {self.shards} non-negative shard sizes")
        self.client_sizes = list(client_sizes)
        self._setups = [ex.submit(server_setup, self.key, self.reveal, FPR / self.shards,
                                  n, p)
                        for n, p in zip(client_sizes, self.parts, strict=True)]

    def respond(self, ex: Executor, requests: list[bytes]) -> tuple[list[bytes], list[bytes]]:
        if not self._setups:
            raise PsiError("the setup has not started: send the shard sizes first")
        if len(requests) != self.shards:
            raise PsiError(f"expected {self.shards} requests, got {len(requests)}")
        futs = [ex.submit(server_process, self.key, self.reveal, r) for r in requests]
        try:
            done = [f.result() for f in futs]
        except Exception as exc:
            raise PsiError(f"malformed PSI request: {exc}") from None
        if [n for _, n in done] != self.client_sizes:
            raise PsiError("the requests do not have the announced sizes")
        return [f.result() for f in self._setups], [r for r, _ in done]
