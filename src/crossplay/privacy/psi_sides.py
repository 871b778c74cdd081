"""What each PSI side does with its own data: choose its set, pair tags, record links, audit."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.privacy.audit import record
from crossplay.privacy.contacts import ContactSet, read_contacts
from crossplay.privacy.links import PsiLinks
from crossplay.privacy.policy import Purpose, granted_sql
from crossplay.privacy.psi import Mode, PsiError


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


def server_pairs(contacts: ContactSet, items: list[str | None]) -> list[str | None]:
    """For each matched server item (or None), its owner's user_key when it has exactly one
    owner, else None (a contact shared by several users pairs with nobody)."""
    out: list[str | None] = []
    for item in items:
        keys = contacts.owners.get(item, []) if item is not None else []
        out.append(keys[0] if len(keys) == 1 else None)
    return out


@dataclass
class PsiResult:
    mode: Mode
    partner: str
    set_size: int
    users: int
    intersection: int
    suppressed: bool
    links: int = 0
    already_linked: int = 0
    refused: int = 0
    ambiguous: int = 0
    pairs_received: int = 0
    session: str = ""
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
                 answers: list[str | None], client: Partner, server: Partner,
                 run_id: str) -> tuple[PsiLinks, int]:
    """Record new links (method psi) from the server's answers (one per matched item, in
    order); returns (what was recorded, ambiguous: a contact shared by several users on a
    side, or answered with no key)."""
    from crossplay.privacy.links import add_psi_links

    if client == server:
        raise PsiError(f"both sides of this run are {client}: PSI links join a knowledge "
                       "user and a game user; nothing was recorded",
                       code="psi_links_same_partner", params={"partner": client})
    if len(answers) != len(matched):
        raise PsiError("the answer does not match the tags sent", code="psi_answer_mismatch")
    found: set[tuple[str, str]] = set()
    ambiguous = 0
    for item, other in zip(matched, answers, strict=True):
        mine = contacts.owners.get(item, [])
        if other is None or len(mine) != 1:
            ambiguous += 1
            continue
        found.add((mine[0], other) if client == "knowledge" else (other, mine[0]))
    done = add_psi_links(settings, sorted(found), source=f"psi:{run_id}",
                         actor=f"psi:{client}")
    return done, ambiguous


def audit_client(settings: Settings, result: PsiResult) -> None:
    """The client's audit entry: what it learnt and recorded in this run."""
    record(settings, f"psi_{result.mode}", actor=f"psi:{result.partner}",
           details={"role": "client", "session": result.session,
                    "set_size": result.set_size,
                    "intersection": None if result.suppressed else result.intersection,
                    "pairs_received": result.pairs_received, "links_added": result.links,
                    "already_linked": result.already_linked, "refused": result.refused,
                    "ambiguous": result.ambiguous})


def audit_server(settings: Settings, mode: Mode, partner: Partner, *, step: str,
                 session: str, caller: str, key_id: str | None, set_size: int,
                 elements: int, tags: int = 0, pairs: int = 0) -> None:
    """The server's audit entry for a step that handed something out: ``response`` (the
    re-blinded request of ``elements`` items) or ``pairs`` (``pairs`` keys for ``tags``)."""
    record(settings, f"psi_{mode}", actor=f"psi:{partner}",
           details={"role": "server", "step": step, "session": session, "caller": caller,
                    "key_id": key_id, "set_size": set_size, "client_elements": elements,
                    "tags_received": tags, "pairs_returned": pairs})


def new_salt() -> bytes:
    return secrets.token_bytes(16)
