"""Contact lists for private set intersection: read, normalise, pseudonymise the owner.

A contact file is a partner's own CSV (UTF-8, header row) with a user id column and a
``phone`` and/or ``email`` column; crossplay reads it for one PSI run and never stores it.
Normalisation makes both partners' spellings of the same contact equal:

- phone numbers: parsed with ``phonenumbers`` (default region CN, i.e. +86 when the
  number has no country code) and written in E.164 (``+8613800138000``); numbers that do
  not parse or are not valid numbers are rejected;
- e-mail addresses: trimmed and lower-cased; without exactly one ``@`` and a dot in the
  domain they are rejected.

Items are ``tel:<E.164>`` and ``mail:<address>``. Rejected values are counted (and the
CLI reports them), never silently dropped. Native ids become ``user_key`` at once.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import phonenumbers

from crossplay.core.errors import SourceError
from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.privacy.keys import native_keys

DEFAULT_REGION = "CN"
_ID_COLUMNS = ("user_id", "uid", "id", "native_id")


def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str | None:
    """E.164 form of a phone number, or None when it is not a valid number."""
    text = raw.strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str) -> str | None:
    """Trimmed, lower-cased address, or None when it does not look like one."""
    text = raw.strip().lower()
    local, at, domain = text.partition("@")
    if not at or not local or "@" in domain or "." not in domain or " " in text:
        return None
    return text


@dataclass
class ContactSet:
    """Normalised contact items and the pseudonymous keys of the users holding each."""

    owners: dict[str, list[str]] = field(default_factory=dict)  # item -> user_keys
    users: int = 0
    rejected: dict[str, int] = field(default_factory=dict)

    @property
    def items(self) -> list[str]:
        return list(self.owners)

    def restrict(self, allowed_keys: set[str]) -> ContactSet:
        """Only the users in ``allowed_keys`` (e.g. those who granted linking)."""
        out = ContactSet(rejected=dict(self.rejected))
        kept: set[str] = set()
        for item, keys in self.owners.items():
            mine = [k for k in keys if k in allowed_keys]
            if mine:
                out.owners[item] = mine
                kept.update(mine)
        out.users = len(kept)
        return out


def parse_contacts(rows: list[dict[str, str]], keys: list[str],
                   region: str = DEFAULT_REGION) -> ContactSet:
    """Normalise rows (already paired with their owners' keys) into a :class:`ContactSet`."""
    owners: dict[str, set[str]] = defaultdict(set)
    rejected: dict[str, int] = defaultdict(int)
    users: set[str] = set()
    for row, key in zip(rows, keys, strict=True):
        phone, email = row.get("phone") or "", row.get("email") or ""
        got = False
        if phone.strip():
            norm = normalise_phone(phone, region)
            if norm is None:
                rejected["bad_phone"] += 1
            else:
                owners[f"tel:{norm}"].add(key)
                got = True
        if email.strip():
            norm = normalise_email(email)
            if norm is None:
                rejected["bad_email"] += 1
            else:
                owners[f"mail:{norm}"].add(key)
                got = True
        if not phone.strip() and not email.strip():
            rejected["no_contact"] += 1
        if got:
            users.add(key)
    return ContactSet({i: sorted(k) for i, k in owners.items()}, len(users), dict(rejected))


def read_contacts(settings: Settings, partner: Partner, path: Path,
                  region: str = DEFAULT_REGION) -> ContactSet:
    """Read a partner's contact CSV; ids are pseudonymised with its current key."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in reader.fieldnames or []]
            reader.fieldnames = header
            id_col = next((c for c in _ID_COLUMNS if c in header), None)
            if id_col is None or not ({"phone", "email"} & set(header)):
                ids = ", ".join(_ID_COLUMNS)
                if not header:
                    raise SourceError(
                        f"{path}: a contact file needs a user id column (one of {ids}) and a "
                        f"phone and/or email column; found no header",
                        code="psi_contacts_no_header",
                        params={"path": str(path), "id_columns": ids})
                found = ", ".join(header)
                raise SourceError(
                    f"{path}: a contact file needs a user id column (one of {ids}) and a "
                    f"phone and/or email column; found {found}", code="psi_contacts_columns",
                    params={"path": str(path), "id_columns": ids, "found": found})
            rows = list(reader)
    except FileNotFoundError:
        raise SourceError(f"cannot read the contact file {path}: No such file or directory",
                          code="psi_contacts_missing", params={"path": str(path)}) from None
    except OSError as exc:
        raise SourceError(f"cannot read the contact file {path}: {exc.strerror}",
                          code="psi_contacts_unreadable",
                          params={"path": str(path), "reason": exc.strerror}) from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise SourceError(f"{path} is not a UTF-8 CSV file: {exc}", code="psi_contacts_encoding",
                          params={"path": str(path), "detail": str(exc)}) from None
    blank = [r for r in rows if not (r.get(id_col) or "").strip()]
    rows = [r for r in rows if (r.get(id_col) or "").strip()]
    keys = native_keys(settings, partner, [r[id_col] for r in rows])
    out = parse_contacts(rows, keys, region)
    if blank:
        out.rejected["no_user_id"] = len(blank)
    return out
