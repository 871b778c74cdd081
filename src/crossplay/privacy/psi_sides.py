"""What each PSI side does with its own data: choose its set, pair tokens, record links."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.privacy.audit import record
from crossplay.privacy.contacts import ContactSet, read_contacts
from crossplay.privacy.policy import Purpose, granted_sql
from crossplay.privacy.psi import Mode, PsiError, token


def load_side(settings: Settings, partner: Partner, contacts: Path, mode: Mode) -> ContactSet:
    """The side's contact set; in intersection mode only users who granted ``linking``."""
    found = read_contacts(settings, partner, contacts)
    if mode == "cardinality":
        return found
    from crossplay.warehouse.duck import connect

    con = connect(settings, scope=partner)
    try:
        keys = {r[0] for r in con.sql(
            f"SELECT user_key FROM ({granted_sql(Purpose.LINKING)}) "
            f"WHERE partner = '{partner}'").fetchall()}
    finally:
        con.close()
    return found.restrict(keys)


def server_pairs(contacts: ContactSet, salt: bytes, tokens: list[bytes],
                 limit: int) -> list[str | None]:
    """For each token, in order, the server's user_key of that item (one owner) or None."""
    if len(tokens) > limit:
        raise PsiError(f"{len(tokens)} tokens for a request of {limit} items: refused")
    wanted = set(tokens)
    found: dict[bytes, str] = {}
    for item, keys in contacts.owners.items():
        t = token(salt, item)
        if t in wanted and len(keys) == 1:
            found[t] = keys[0]
    return [found.get(t) for t in tokens]


@dataclass
class PsiResult:
    mode: Mode
    partner: str
    set_size: int
    users: int
    intersection: int
    suppressed: bool
    links: int = 0
    ambiguous: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    bytes_sent: int = 0
    bytes_received: int = 0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.suppressed:
            data["intersection"] = None
        return data


def client_links(settings: Settings, contacts: ContactSet, matched: list[str],
                 answers: list[str | None], client: Partner,
                 run_id: str) -> tuple[int, int]:
    """Record links (method psi) from the server's answers (one per matched item, in
    order); returns (links, ambiguous: a contact shared by several users on a side)."""
    from crossplay.privacy.links import add_links

    if len(answers) != len(matched):
        raise PsiError("the answer does not match the tokens sent")
    found: set[tuple[str, str]] = set()
    ambiguous = 0
    for item, other in zip(matched, answers, strict=True):
        mine = contacts.owners.get(item, [])
        if other is None or len(mine) != 1:
            ambiguous += 1
            continue
        found.add((mine[0], other) if client == "knowledge" else (other, mine[0]))
    add_links(settings, sorted(found), method="psi", source=f"psi:{run_id}",
              actor=f"psi:{client}")
    return len(found), ambiguous


def audit_run(settings: Settings, result: PsiResult, role: str, run_id: str) -> None:
    record(settings, f"psi_{result.mode}", actor=f"psi:{result.partner}",
           details={"role": role, "run": run_id, "set_size": result.set_size,
                    "intersection": None if result.suppressed else result.intersection,
                    "links": result.links})


def new_salt() -> bytes:
    return secrets.token_bytes(16)
