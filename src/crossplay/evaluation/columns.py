"""Which field of a log is what, and which rows to keep: ``--columns`` and ``--where``.

Pure parsing and resolution (docs/evaluation.md, "Choosing columns and rows"):

- ``--columns user=1,item=2,rating=4`` names the field of each role — ``user``, ``item``,
  ``rating`` (``value`` is the same role: the row's number, a rating or play hours...),
  ``timestamp`` — by a **1-based position** (digits only) or a **header name** (the text
  of the header field; when no field has exactly that text, the one whose name matches
  ignoring case and a RecBole ``:type`` suffix). Fields no role names are ignored.
- ``--where COLUMN=VALUE`` keeps the rows whose field equals ``VALUE`` exactly (the
  field's text as the file holds it); ``--where COLUMN!=VALUE`` drops them. Several
  ``=`` conditions on one column keep a row matching any of them; conditions on different
  columns must all hold.

Bad specifications raise a coded ``ConfigError`` (``SourceError`` when the file is at
fault) saying what to write instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from crossplay.core.errors import ConfigError, SourceError

ROLES: tuple[str, ...] = ("user", "item", "rating", "timestamp")
_ROLE_ALIASES = {"value": "rating"}
Op = Literal["=", "!="]


@dataclass(frozen=True)
class Condition:
    """One ``--where``: keep rows whose ``column`` equals (``=``) or differs from
    (``!=``) ``value``."""

    column: str
    op: Op
    value: str

    def text(self) -> str:
        return f"{self.column}{self.op}{self.value}"


def parse_columns(text: str | None) -> tuple[tuple[str, str], ...]:
    """``"user=1,item=title"`` -> ``(("user", "1"), ("item", "title"))``."""
    if text is None:
        return ()
    roles = ", ".join(ROLES)
    out: list[tuple[str, str]] = []
    for part in text.split(","):
        role, sep, col = part.partition("=")
        role, col = role.strip().lower(), col.strip()
        if not sep or not role or not col:
            raise ConfigError(f"--columns {text!r}: write ROLE=COLUMN pairs separated by "
                              f"commas, e.g. user=1,item=2,rating=4 (roles: {roles}; a "
                              "column is a 1-based position or a header name)",
                              code="bench_columns_spec", params={"text": text,
                                                                 "roles": roles})
        role = _ROLE_ALIASES.get(role, role)
        if role not in ROLES:
            raise ConfigError(f"--columns: unknown role {role!r}; use {roles} (value is "
                              "another name for rating)", code="bench_columns_role",
                              params={"role": role, "roles": roles})
        if any(r == role for r, _ in out):
            raise ConfigError(f"--columns names the {role} column twice",
                              code="bench_columns_twice", params={"role": role})
        out.append((role, col))
    have = {r for r, _ in out}
    for need in ("user", "item"):
        if need not in have:
            raise ConfigError(f"--columns must say which column holds the {need} (e.g. "
                              f"{need}=1)", code="bench_columns_need",
                              params={"role": need})
    return tuple(out)


def parse_where(values: Sequence[str] | None) -> tuple[Condition, ...]:
    """``["behaviour=play", "3!=0"]`` -> conditions (``!=`` is looked for first)."""
    out = []
    for v in values or ():
        for op in ("!=", "="):
            col, sep, value = v.partition(op)
            if sep:
                break
        col = col.strip()
        if not sep or not col:
            raise ConfigError(f"--where {v!r}: write COLUMN=VALUE (keep those rows) or "
                              "COLUMN!=VALUE (drop them), e.g. --where behaviour=play",
                              code="bench_where_spec", params={"value": v})
        out.append(Condition(col, "!=" if op == "!=" else "=", value))
    return tuple(out)


def is_position(ref: str) -> bool:
    return ref.isascii() and ref.isdigit()


def norm_name(name: str) -> str:
    """A header name compared loosely: quotes, spaces, case and ``:type`` removed."""
    return name.strip().strip('"').split(":", 1)[0].strip().lower()


def resolve(ref: str, names: Sequence[str] | None, n_fields: int, path: Path) -> int:
    """The 0-based field index ``ref`` (a 1-based position or a header name) denotes.

    ``names`` are the header's fields as written (``None`` without a header)."""
    if is_position(ref):
        pos = int(ref)
        if not 1 <= pos <= n_fields:
            raise SourceError(f"{path}: column {ref} does not exist: the first line has "
                              f"{n_fields} fields (positions count from 1)",
                              code="bench_column_position",
                              params={"path": str(path), "column": ref, "n": n_fields})
        return pos - 1
    if names is None:
        raise SourceError(f"{path}: column {ref!r} is a name, and the file is read without "
                          "a header: give its position (1, 2, ...) or drop --no-header",
                          code="bench_column_no_header",
                          params={"path": str(path), "column": ref})
    exact = [i for i, n in enumerate(names) if n == ref]
    loose = [i for i, n in enumerate(names) if norm_name(n) == norm_name(ref)]
    hit = exact or loose
    if len(hit) != 1:
        have = ", ".join(names)
        raise SourceError(f"{path}: no column {ref!r} in the header (columns: {have}); "
                          "name one of them or give a position (1, 2, ...)",
                          code="bench_column_unknown",
                          params={"path": str(path), "column": ref, "have": have})
    return hit[0]


def keep_mask(fields: Sequence[npt.NDArray[np.object_]], conditions: Sequence[Condition],
              indexes: Sequence[int], n: int) -> npt.NDArray[np.bool_]:
    """Rows to keep: ``fields[j]`` holds the text of condition ``j``'s field, whose index
    in the line is ``indexes[j]`` (``=`` conditions on one field are alternatives)."""
    keep = np.ones(n, dtype=bool)
    alternatives: dict[int, list[int]] = {}
    for j, c in enumerate(conditions):
        if c.op == "!=":
            keep &= np.asarray(fields[j] != c.value, dtype=bool)
        else:
            alternatives.setdefault(indexes[j], []).append(j)
    for js in alternatives.values():
        any_of = np.zeros(n, dtype=bool)
        for j in js:
            any_of |= np.asarray(fields[j] == conditions[j].value, dtype=bool)
        keep &= any_of
    return keep
