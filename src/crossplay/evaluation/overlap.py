"""Which user ids of a cross-domain set denote the same person in several domains.

A cross-domain folder holds one user id column per domain. Public sets differ in what an
equal id means: some share every id (the persons are the same), some only a part (e.g.
ids below N are the same persons, higher ids are different people in each domain), some
ship a map of pairs. ``--overlap`` says which (docs/evaluation.md, "Overlap"):

- ``all``: every id is one person in every domain where it occurs (declared);
- ``none``: no id is shared; every row's user is domain-local;
- ``below:N``: ids that are decimal integers (ASCII digits only) below ``N`` are shared,
  every other id is domain-local;
- ``map:FILE``: FILE lists the shared ids, one per line (every other id is
  domain-local), or holds pairs: a header line naming two domains of the set, then one
  ``id-in-first id-in-second`` pair per line (the person's id is the first domain's).

Without ``--overlap`` every equal id is merged as with ``all``, but *assumed*: the import
warns loudly and stores the warning, which ``bench run`` repeats.

A domain-local id is written ``<id>@<domain>`` in the imported rows (so the rows, the
written split and the fingerprint say who is who); a shared id keeps its text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from crossplay.core.errors import ConfigError, SourceError

OverlapKind = Literal["assumed", "all", "none", "below", "map"]
LOCAL_FORM = "{id}@{domain}"
_DIGITS = re.compile(r"^[0-9]+$")


@dataclass(frozen=True)
class Overlap:
    """A parsed ``--overlap`` (``assumed`` when none was given)."""

    kind: OverlapKind = "assumed"
    below: int = 0
    path: Path | None = None

    def text(self) -> str:
        if self.kind == "below":
            return f"below:{self.below}"
        if self.kind == "map":
            return f"map:{self.path}"
        return self.kind


def parse_overlap(text: str | None) -> Overlap:
    """``None`` -> assumed; ``all``, ``none``, ``below:N``, ``map:FILE``."""
    if text is None:
        return Overlap()
    t = text.strip()
    if t in ("all", "none"):
        return Overlap("all" if t == "all" else "none")
    kind, sep, arg = t.partition(":")
    if sep and kind == "below" and arg.strip().isascii() and arg.strip().isdigit():
        return Overlap("below", below=int(arg.strip()))
    if sep and kind == "map" and arg:
        path = Path(arg)
        if not path.is_file():
            raise SourceError(f"--overlap map:{arg}: no such file", code="bench_overlap_file",
                              params={"path": arg})
        return Overlap("map", path=path)
    raise ConfigError(f"--overlap {text!r}: use all, none, below:N (ids below N are shared) "
                      "or map:FILE (the shared ids, or pairs under a header naming two "
                      "domains)", code="bench_overlap_spec", params={"text": text})


def _map_lines(path: Path) -> list[list[str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not UTF-8 text (byte {exc.start}); convert it first",
                          code="bench_encoding_at",
                          params={"path": str(path), "byte": exc.start}) from exc
    lines = [ln for ln in re.split(r"\r\n|\n|\r", text) if ln.strip()]
    if not lines:
        raise SourceError(f"{path}: the file is empty", code="bench_empty",
                          params={"path": str(path)})
    first = lines[0]
    sep = "\t" if "\t" in first else "," if "," in first else None
    return [ln.split(sep) if sep else ln.split() for ln in lines]


@dataclass(frozen=True)
class _Map:
    shared: frozenset[str]
    #: (first domain, second domain, second-domain id -> first-domain id) for pairs
    pairs: tuple[str, str, dict[str, str]] | None


def _read_map(path: Path, domains: list[str]) -> _Map:
    rows = _map_lines(path)
    width = len(rows[0])
    if width == 1:
        return _Map(frozenset(r[0] for r in rows), None)
    have = ", ".join(domains)
    head = rows[0]
    if width != 2 or head[0] not in domains or head[1] not in domains or head[0] == head[1]:
        raise SourceError(f"{path}: an overlap map holds one id per line, or a header "
                          f"naming two domains of the set ({have}) and then pairs of ids",
                          code="bench_overlap_map_header",
                          params={"path": str(path), "domains": have})
    pairs: dict[str, str] = {}
    firsts: set[str] = set()
    for n, r in enumerate(rows[1:], start=2):
        if len(r) != 2 or not r[0] or not r[1]:
            raise SourceError(f"{path}:{n}: expected two ids", code="bench_overlap_map_row",
                              params={"path": str(path), "line": n})
        if r[1] in pairs or r[0] in firsts:
            raise SourceError(f"{path}:{n}: an id is paired twice",
                              code="bench_overlap_map_twice",
                              params={"path": str(path), "line": n})
        pairs[r[1]] = r[0]
        firsts.add(r[0])
    return _Map(frozenset(), (head[0], head[1], pairs))


def _several(rows: pd.DataFrame) -> int:
    """Distinct user ids with rows in two or more domains."""
    per = rows[["user", "domain"]].drop_duplicates()["user"]
    return int((per.value_counts() > 1).sum())


def apply_overlap(rows: pd.DataFrame, rule: Overlap, where: Path
                  ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The rows with domain-local users renamed ``<id>@<domain>``, and what was done."""
    equal = _several(rows)
    info: dict[str, Any] = {"rule": rule.text(), "assumed": rule.kind == "assumed",
                            "equal_ids_in_several_domains": equal}
    if rule.kind in ("assumed", "all"):
        info |= {"persons_in_several_domains": equal, "local_ids": 0}
        return rows, info
    users = rows["user"].to_numpy(dtype=object)
    doms = rows["domain"].to_numpy(dtype=object)
    if rule.kind == "none":
        shared = np.zeros(len(rows), dtype=bool)
    elif rule.kind == "below":
        uniq, inv = np.unique(users.astype(str), return_inverse=True)
        ok = np.array([bool(_DIGITS.match(u)) and int(u) < rule.below for u in uniq],
                      dtype=bool)
        shared = ok[inv.ravel()] if len(uniq) else np.zeros(0, dtype=bool)
    else:
        assert rule.path is not None
        m = _read_map(rule.path, sorted(set(doms.tolist())))
        if m.pairs is None:
            shared = np.isin(users, np.array(sorted(m.shared), dtype=object))
        else:
            first, second, pairs = m.pairs
            users = users.copy()
            in_second = doms == second
            mapped = np.array([u in pairs for u in users[in_second]], dtype=bool)
            idx = np.flatnonzero(in_second)[mapped]
            users[idx] = [pairs[u] for u in users[idx]]
            firsts = np.array(sorted(set(pairs.values())), dtype=object)
            shared = np.zeros(len(rows), dtype=bool)
            shared[idx] = True
            shared |= (doms == first) & np.isin(users, firsts)
    local = ~shared
    out = rows.copy()
    renamed = users.copy()
    renamed[local] = [LOCAL_FORM.format(id=u, domain=d)
                      for u, d in zip(users[local], doms[local], strict=True)]
    clash = set(renamed[local].tolist()) & set(renamed[shared].tolist())
    if clash:
        example = sorted(clash)[0]
        raise SourceError(f"{where}: the domain-local id {example!r} (written "
                          "<id>@<domain>) is also a shared id: rename that user, or use "
                          "another --overlap", code="bench_overlap_collision",
                          params={"path": str(where), "id": example})
    out["user"] = renamed
    info |= {"persons_in_several_domains": _several(out),
             "local_ids": int(pd.Series(renamed[local]).nunique())}
    return out, info


def overlap_warning(info: dict[str, Any], domains: list[str]) -> dict[str, Any] | None:
    """The loud warning of an assumed overlap (``None`` when nothing was assumed): the
    key of its message (``bench.warn.overlap_assumed``), params and English text."""
    n = int(info["equal_ids_in_several_domains"])
    if not info["assumed"] or n == 0:
        return None
    params = {"n": n, "domains": ", ".join(domains)}
    text = (f"user ids are ASSUMED to be the same person in every domain: {n:,} ids occur "
            f"in two or more of {params['domains']} and were merged. If only some of them "
            "are, import again with --overlap below:N, map:FILE or none (--overlap all "
            "declares that they all are).")
    return {"key": "bench.warn.overlap_assumed", "params": params, "text": text}
