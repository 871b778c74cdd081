"""The append-only, hash-chained audit log (in the operational database).

Every joint read, release, export, key rotation, erasure and consent change calls
:func:`record`. Entry ``n`` stores ``hash_n = SHA-256(canonical(seq, ts, action, actor,
subject, details, hash_{n-1}))`` (the first entry chains to 64 zeros), so:

- editing any field of an entry changes its hash: :func:`verify` reports the entry;
- deleting an entry leaves a gap in ``seq`` and a ``prev_hash`` that no longer matches;
- reordering (swapping contents between rows) breaks both the seq and the chain.

Deleting the *newest* entries leaves a shorter, valid chain: that is only detectable
against a head (``seq``, ``hash``) kept elsewhere — ``crossplay audit verify --expect
SEQ:HASH`` checks it; publish the head (e.g. to the other partner) to make truncation
evident. Someone able to rewrite the whole table *and* recompute every hash is not
stopped by a hash chain alone; the published head is what stops them.

Concurrency: appending reads the head and inserts the next entry in one transaction that
holds the database's write lock (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction
advisory lock). ``seq`` is the primary key and ``prev_hash`` is unique, so even without
the lock two writers could never both extend the same head: the chain cannot fork.

Subjects and details must not hold a native id, phone or e-mail, nor a person's key
(erasure could not remove it from an append-only log): use :func:`person_subject`.
Detail keys that name a direct identifier are refused.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import IntegrityError

from crossplay.core import clock
from crossplay.core.errors import CrossplayError
from crossplay.core.settings import Settings
from crossplay.opdb import ensure_schema, get_engine
from crossplay.privacy.tables import audit_log

GENESIS = "0" * 64
_FORBIDDEN_DETAIL_KEYS = frozenset({"native_id", "user_id", "phone", "email", "contact",
                                    "contacts", "k_user_id", "g_user_id"})
_PG_LOCK_KEY = 0x63727370  # 'crsp'


class AuditError(CrossplayError):
    code = "audit_error"


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    ts: str
    action: str
    actor: str
    subject: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str


ProblemKind = Literal["missing", "missing_range", "unchained", "changed", "head_missing",
                      "head_differs"]

#: what each kind of problem says (English; the CLI's catalog has ``audit.problem.<kind>``
#: in every language, with the same fields)
PROBLEM_TEXTS: dict[ProblemKind, str] = {
    "missing": "entry {first} missing",
    "missing_range": "entry {first}..{last} missing",
    "unchained": "entry {seq}: does not follow the previous entry (deleted or reordered "
                 "entries)",
    "changed": "entry {seq}: content was changed (hash mismatch)",
    "head_missing": "the expected head {expected} is missing: the log ends at {head} (newest "
                    "entries deleted)",
    "head_differs": "entry {expected} differs from the expected head",
}


@dataclass(frozen=True)
class AuditProblem:
    """One break :func:`verify` found: its kind and the entry numbers its text quotes."""

    kind: ProblemKind
    values: dict[str, int]

    @property
    def text(self) -> str:
        return PROBLEM_TEXTS[self.kind].format(**self.values)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    issues: list[AuditProblem]

    @property
    def problems(self) -> list[str]:
        """The problems in English, as ``--json`` prints them."""
        return [p.text for p in self.issues]

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "entries": self.entries, "head_seq": self.head_seq,
                "head_hash": self.head_hash, "problems": self.problems}


def person_subject(partner: str, user_key: str) -> str:
    """The audit subject of a person: a one-way digest of the pseudonymous key.

    The log is append-only, so it must not keep a key that erasure has to remove; the
    digest lets the log show what happened to one person without holding the key.
    """
    digest = hashlib.sha256(f"crossplay-audit:{partner}:{user_key}".encode()).hexdigest()
    return f"{partner}:{digest[:24]}"


def entry_hash(seq: int, ts: str, action: str, actor: str, subject: str | None,
               details: str, prev_hash: str) -> str:
    """SHA-256 over the canonical JSON of an entry's fields and its predecessor's hash."""
    body = json.dumps([seq, ts, action, actor, subject, details, prev_hash],
                      ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def engine_for(settings: Settings | str) -> Engine:
    """The operational engine with the tables created (once per process, and safe when
    several processes use an empty database at once: :func:`crossplay.opdb.ensure_schema`)."""
    engine = get_engine(settings)
    ensure_schema(engine)
    return engine


def _check_details(details: dict[str, Any]) -> str:
    bad = sorted(k for k in details if k.lower() in _FORBIDDEN_DETAIL_KEYS)
    if bad:
        keys = ", ".join(bad)
        raise AuditError(f"audit details must not hold direct identifiers: {keys}; "
                         "pass pseudonymous keys or digests", code="audit_identifier",
                         params={"keys": keys})
    try:
        return json.dumps(details, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError) as exc:
        raise AuditError(f"audit details are not JSON-able: {exc}",
                         code="audit_details_json", params={"detail": str(exc)}) from None


def record(settings: Settings | str, action: str, *, actor: str, subject: str | None = None,
           details: dict[str, Any] | None = None) -> None:
    """Append one entry to the audit log (safe under concurrent writers)."""
    if not action or not actor:
        raise AuditError("an audit entry needs an action and an actor",
                         code="audit_entry_incomplete")
    details_text = _check_details(details or {})
    engine = engine_for(settings)
    for attempt in range(50):
        try:
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
                head = conn.execute(
                    select(audit_log.c.seq, audit_log.c.hash)
                    .order_by(audit_log.c.seq.desc()).limit(1)).all()
                seq, prev = (head[0][0] + 1, head[0][1]) if head else (1, GENESIS)
                ts = clock.now().isoformat(timespec="microseconds")
                digest = entry_hash(seq, ts, action, actor, subject, details_text, prev)
                conn.execute(audit_log.insert().values(
                    seq=seq, ts=ts, action=action, actor=actor, subject=subject,
                    details=details_text, prev_hash=prev, hash=digest))
            return
        except IntegrityError:  # another writer extended the same head first: retry
            time.sleep(0.001 * (attempt + 1))
    raise AuditError("could not append to the audit log after 50 attempts",
                     code="audit_append_failed")


def entries(settings: Settings | str, *, action: str | None = None,
            limit: int | None = None) -> list[AuditEntry]:
    """Entries in chain order (newest last); ``limit`` keeps the newest ones."""
    engine = engine_for(settings)
    q = select(audit_log).order_by(audit_log.c.seq.desc())
    if action:
        q = q.where(audit_log.c.action == action)
    if limit is not None:
        q = q.limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    return [AuditEntry(int(r.seq), r.ts, r.action, r.actor, r.subject,
                       json.loads(r.details), r.prev_hash, r.hash) for r in reversed(rows)]


def count(settings: Settings | str) -> int:
    engine = engine_for(settings)
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())


def verify(settings: Settings | str, *, expect: tuple[int, str] | None = None) -> VerifyResult:
    """Recompute the chain; report every edited, missing or reordered entry.

    ``expect`` is a head (seq, hash) recorded earlier: the chain must still contain it
    unchanged, which also detects deletion of the newest entries.
    """
    engine = engine_for(settings)
    problems: list[AuditProblem] = []
    prev = GENESIS
    expected_seq = 1
    n = 0
    head_seq, head_hash = 0, GENESIS
    seen: dict[int, str] = {}
    with engine.connect() as conn:
        rows = conn.execute(select(audit_log).order_by(audit_log.c.seq)).all()
    for r in rows:
        n += 1
        seq = int(r.seq)
        if seq != expected_seq:
            problems.append(AuditProblem("missing_range", {"first": expected_seq,
                                                           "last": seq - 1})
                            if seq - 1 > expected_seq
                            else AuditProblem("missing", {"first": expected_seq}))
        if r.prev_hash != prev:
            problems.append(AuditProblem("unchained", {"seq": seq}))
        actual = entry_hash(seq, r.ts, r.action, r.actor, r.subject, r.details, r.prev_hash)
        if actual != r.hash:
            problems.append(AuditProblem("changed", {"seq": seq}))
        prev = r.hash
        expected_seq = seq + 1
        head_seq, head_hash = seq, r.hash
        seen[seq] = r.hash
    if expect is not None:
        e_seq, e_hash = expect
        if e_seq > head_seq:
            problems.append(AuditProblem("head_missing", {"expected": e_seq,
                                                          "head": head_seq}))
        elif e_seq > 0 and seen.get(e_seq) != e_hash:
            problems.append(AuditProblem("head_differs", {"expected": e_seq}))
    return VerifyResult(not problems, n, head_seq, head_hash, problems)
