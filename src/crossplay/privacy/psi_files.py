"""PSI over files, for partners who can only exchange files::

    client: psi request  -> request.bin + a private state file
    server: psi respond  -> setup.bin + response.bin
    client: psi finish   -> the cardinality, or tags.bin (intersection mode)
    server: psi pairs    -> pairs.bin
    client: psi link     -> links recorded in the operational database

The server keeps no state between ``respond`` and ``pairs``: its key for a run is derived
from its current partner secret and the SHA-256 of ``request.bin``
(:func:`crossplay.privacy.psi.derived_key`), so ``pairs`` recomputes the same tags and
answers only tags of points it raised to that key when it answered that very request.
Both steps apply the same size bounds as ``psi serve`` and refuse a request made by the
serving partner itself. Messages are the HTTP mode's, framed into files.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crossplay.core.secrets import secret_chain
from crossplay.core.settings import Settings
from crossplay.core.types import PARTNERS, Partner
from crossplay.privacy.contacts import ContactSet
from crossplay.privacy.psi import (
    MODES,
    PROTOCOL,
    ClientRun,
    Mode,
    PsiError,
    ServerRun,
    derived_key,
    new_key,
    pack,
    pack_keys,
    pack_tags,
    pool,
    unpack,
    unpack_keys,
    unpack_tags,
)
from crossplay.privacy.psi_service import check_sizes, client_limit
from crossplay.privacy.psi_sides import (
    PsiResult,
    audit_client,
    audit_server,
    client_links,
    load_side,
    new_salt,
    server_pairs,
)

_TAGS_MAGIC = b"CPSI-TAGS/2\n"
_KEYS_MAGIC = b"CPSI-KEYS/2\n"
MAX_SHARDS = 16


def _json(data: Any) -> bytes:
    return json.dumps(data).encode("utf-8")


def _load(body: bytes, path: Path, *, header: bool) -> dict[str, Any]:
    """The JSON object of file ``path`` (or of its ``header`` frame)."""
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        if header:
            raise PsiError(f"the header of {path} is not JSON", code="psi_file_header_not_json",
                           params={"path": str(path)}) from None
        raise PsiError(f"{path} is not JSON", code="psi_file_not_json",
                       params={"path": str(path)}) from None
    if not isinstance(data, dict):
        if header:
            raise PsiError(f"the header of {path} must be a JSON object",
                           code="psi_file_header_not_object", params={"path": str(path)})
        raise PsiError(f"{path} must be a JSON object", code="psi_file_not_object",
                       params={"path": str(path)})
    return data


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise PsiError(f"cannot read {path}: No such file or directory",
                       code="psi_file_missing", params={"path": str(path)}) from None
    except OSError as exc:
        raise PsiError(f"cannot read {path}: {exc.strerror}", code="psi_file_unreadable",
                       params={"path": str(path), "reason": exc.strerror}) from None


def _run_id(request_bytes: bytes) -> str:
    return hashlib.sha256(request_bytes).hexdigest()[:16]


def file_request(settings: Settings, partner: Partner, contacts_path: Path, mode: Mode,
                 out_dir: Path, *, shards: int = 2) -> dict[str, Any]:
    """Client, step 1: ``request.bin`` (for the other side) and ``client-state.json``."""
    contacts = load_side(settings, partner, contacts_path, mode)
    salt, key = new_salt(), new_key()
    run = ClientRun(mode, salt, shards, contacts.items, key)
    with pool(shards) as ex:
        requests = run.requests(ex)
    header = _json({"protocol": PROTOCOL, "mode": mode, "partner": partner,
                    "salt": salt.hex(), "shards": shards, "sizes": run.sizes()})
    body = pack([header, *requests])
    _write_private(out_dir / "request.bin", body)
    state = {"protocol": PROTOCOL, "mode": mode, "partner": partner, "salt": salt.hex(),
             "shards": shards, "key": key.hex(), "run": _run_id(body),
             "contacts": str(contacts_path.resolve())}
    _write_private(out_dir / "client-state.json", _json(state))
    return {"request": str(out_dir / "request.bin"), "state": str(out_dir / "client-state.json"),
            "set_size": len(contacts.owners), "users": contacts.users,
            "rejected": contacts.rejected}


def _parse_request(path: Path, partner: Partner) -> tuple[dict[str, Any], list[bytes], bytes]:
    """(header, per-shard requests, the file's bytes) of a request for ``partner``."""
    raw = _read(path)
    frames = unpack(raw)
    if not frames:
        raise PsiError(f"{path} is empty", code="psi_file_empty", params={"path": str(path)})
    header = _load(frames[0], path, header=True)
    if header.get("protocol") != PROTOCOL:
        raise PsiError(f"{path} is not a {PROTOCOL} request: the other side must update "
                       "crossplay", code="psi_file_protocol",
                       params={"path": str(path), "protocol": PROTOCOL})
    mode = header.get("mode")
    if mode not in MODES:
        raise PsiError(f"unknown mode {mode!r} in {path}", code="psi_file_mode",
                       params={"mode": mode, "path": str(path)})
    shards, salt = header.get("shards"), header.get("salt")
    if not isinstance(shards, int) or isinstance(shards, bool) or not 1 <= shards <= MAX_SHARDS:
        raise PsiError(f"{path}: shards must be an integer from 1 to {MAX_SHARDS}",
                       code="psi_file_shards", params={"path": str(path),
                                                       "max_shards": MAX_SHARDS})
    if not isinstance(salt, str) or len(salt) != 32 or any(
            c not in "0123456789abcdef" for c in salt):
        raise PsiError(f"{path}: malformed salt", code="psi_file_salt",
                       params={"path": str(path)})
    client = header.get("partner")
    if client not in PARTNERS:
        raise PsiError(f"{path} does not say which partner made it",
                       code="psi_file_no_partner", params={"path": str(path)})
    if client == partner:
        raise PsiError(f"{path} was made by {client}, the partner this side is: PSI runs "
                       "between the two partners", code="psi_file_same_partner",
                       params={"path": str(path), "partner": client})
    return header, frames[1:], raw


@dataclass(frozen=True)
class _Served:
    """The server's view of one file-mode run."""

    header: dict[str, Any]
    requests: list[bytes]
    run: ServerRun
    contacts: ContactSet
    run_id: str

    @property
    def sizes(self) -> list[int]:
        return [int(n) for n in self.header["sizes"]]


def _server_run(settings: Settings, partner: Partner, contacts_path: Path,
                request: Path, mode: Mode | None = None) -> _Served:
    header, requests, raw = _parse_request(request, partner)
    chosen: Mode = header["mode"]
    if mode is not None and chosen != mode:
        raise PsiError(f"{request} is a {chosen} request; this step needs {mode}",
                       code="psi_file_wrong_mode",
                       params={"path": str(request), "mode": chosen, "needed": mode})
    contacts = load_side(settings, partner, contacts_path, chosen)
    shards = int(header["shards"])
    check_sizes(header.get("sizes"), shards, client_limit(settings, len(contacts.owners)),
                len(contacts.owners))
    key = derived_key(secret_chain(settings, partner)[-1], b"psi-file\x00" + raw)
    run = ServerRun(chosen, bytes.fromhex(header["salt"]), shards, contacts.items, key)
    return _Served(header, requests, run, contacts, _run_id(raw))


def file_respond(settings: Settings, partner: Partner, contacts_path: Path, request: Path,
                 out_dir: Path) -> dict[str, Any]:
    """Server, step 2: ``setup.bin`` and ``response.bin`` for the client's request."""
    sv = _server_run(settings, partner, contacts_path, request)
    with pool(sv.run.shards) as ex:
        sv.run.start_setup(ex, sv.sizes)
        setups, responses = sv.run.respond(ex, sv.requests)
    _write_private(out_dir / "setup.bin", pack(setups))
    _write_private(out_dir / "response.bin", pack(responses))
    set_size = len(sv.contacts.owners)
    audit_server(settings, sv.run.mode, partner, step="response", session=sv.run_id,
                 caller=str(sv.header["partner"]), key_id=None, set_size=set_size,
                 elements=sum(sv.sizes))
    return {"setup": str(out_dir / "setup.bin"), "response": str(out_dir / "response.bin"),
            "set_size": set_size, "run": sv.run_id, "rejected": sv.contacts.rejected}


def _state(path: Path) -> dict[str, Any]:
    data = _load(_read(path), path, header=False)
    if data.get("protocol") != PROTOCOL or data.get("partner") not in PARTNERS:
        raise PsiError(f"{path} is not a {PROTOCOL} client state file", code="psi_state_file",
                       params={"path": str(path), "protocol": PROTOCOL})
    return data


def file_finish(settings: Settings, state_path: Path, setup: Path,
                response: Path) -> PsiResult:
    """Client, step 3: the cardinality, or ``tags.bin`` beside the state (intersection)."""
    st = _state(state_path)
    partner: Partner = st["partner"]
    mode: Mode = st["mode"]
    salt = bytes.fromhex(st["salt"])
    contacts = load_side(settings, partner, Path(st["contacts"]), mode)
    run = ClientRun(mode, salt, int(st["shards"]), contacts.items, bytes.fromhex(st["key"]))
    with pool(run.shards) as ex:
        outcome = run.finish(ex, unpack(_read(setup)), unpack(_read(response)))
    result = PsiResult(mode, partner, len(contacts.owners), contacts.users, outcome.size,
                       mode == "cardinality" and outcome.size < settings.privacy_k,
                       session=str(st.get("run", "")), rejected=contacts.rejected)
    if mode == "intersection":
        st["matched"] = outcome.matched
        _write_private(state_path, _json(st))
        _write_private(state_path.parent / "tags.bin",
                       _TAGS_MAGIC + pack_tags(outcome.tags))
    audit_client(settings, result)
    return result


def file_pairs(settings: Settings, partner: Partner, contacts_path: Path, request: Path,
               tags: Path, out: Path) -> dict[str, Any]:
    """Server, step 4: ``pairs.bin`` (its keys for the client's tags of this request)."""
    sv = _server_run(settings, partner, contacts_path, request, "intersection")
    raw = _read(tags)
    if not raw.startswith(_TAGS_MAGIC):
        raise PsiError(f"{tags} is not a tag file of `crossplay psi finish` ({PROTOCOL})",
                       code="psi_tags_file", params={"path": str(tags), "protocol": PROTOCOL})
    asked = unpack_tags(raw[len(_TAGS_MAGIC):])
    elements = sum(sv.sizes)
    if len(asked) > elements:
        raise PsiError(f"{len(asked):,} tags for a request of {elements:,} items: refused",
                       code="psi_too_many_tags", params={"tags": len(asked), "items": elements})
    with pool(sv.run.shards) as ex:
        sv.run.start_setup(ex, sv.sizes)
        answers = server_pairs(sv.contacts, sv.run.items_for(asked))
    handed = sum(a is not None for a in answers)
    _write_private(out, _KEYS_MAGIC + pack([
        _json({"protocol": PROTOCOL, "partner": partner, "run": sv.run_id}),
        pack_keys(answers)]))
    audit_server(settings, "intersection", partner, step="pairs", session=sv.run_id,
                 caller=str(sv.header["partner"]), key_id=None,
                 set_size=len(sv.contacts.owners), elements=elements, tags=len(asked),
                 pairs=handed)
    return {"pairs": str(out), "count": handed}


def file_link(settings: Settings, state_path: Path, pairs_path: Path) -> dict[str, Any]:
    """Client, step 5: record the new links (method psi)."""
    st = _state(state_path)
    if "matched" not in st:
        raise PsiError("run `crossplay psi finish` first", code="psi_finish_first")
    partner: Partner = st["partner"]
    contacts = load_side(settings, partner, Path(st["contacts"]), "intersection")
    raw = _read(pairs_path)
    if not raw.startswith(_KEYS_MAGIC):
        raise PsiError(f"{pairs_path} is not a pairs file of `crossplay psi pairs` "
                       f"({PROTOCOL})", code="psi_pairs_file",
                       params={"path": str(pairs_path), "protocol": PROTOCOL})
    frames = unpack(raw[len(_KEYS_MAGIC):])
    if len(frames) != 2:
        raise PsiError(f"{pairs_path} is malformed", code="psi_pairs_malformed",
                       params={"path": str(pairs_path)})
    header = _load(frames[0], pairs_path, header=True)
    if header.get("run") != st.get("run"):
        raise PsiError(f"{pairs_path} answers another request than this state's",
                       code="psi_pairs_other_run", params={"path": str(pairs_path)})
    server = header.get("partner")
    if server not in PARTNERS:
        raise PsiError(f"{pairs_path} does not say which partner made it",
                       code="psi_file_no_partner", params={"path": str(pairs_path)})
    matched = list(st["matched"])
    answers = unpack_keys(frames[1], len(matched))
    done, ambiguous = client_links(settings, contacts, matched, answers, partner, server,
                                   str(st.get("run", "")))
    return {"links": done.added, "already_linked": done.existing, "refused": done.refused,
            "ambiguous": ambiguous, "pairs_received": sum(a is not None for a in answers)}
