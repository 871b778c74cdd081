"""Cross-domain folders: which files are which domain's rows, and which sets a root holds.

A **set** holds two or more domains, each given as

- a subfolder ``<set>/<domain>/`` with split files ``train.*``, ``valid.*`` (or ``val.*``,
  ``dev.*``, ``validation.*``), ``test.*`` (a domain's own prefix is allowed:
  ``books/books_train.txt``);
- files ``<set>/<domain>_train.*`` (also ``<domain>.train.*``, ``<domain>-train.*``);
- a subfolder ``<set>/<domain>/`` holding **one unsplit file** (any name; with several
  files, the one RecBole ``*.inter`` file): the domain's rows carry no split, which the
  ``cold`` protocol needs no more than the others;
- failing all of these, files ``<set>/<domain>.<ext>`` directly in the set: one unsplit
  file per domain (``README*`` and ``LICENSE*`` are skipped).

A **root of pairs** holds subfolders that are each a set of two or more domains given by
domain subfolders or ``<domain>_<split>`` files (not the last, loose form):
each is imported as its own set, named by its folder (``bench import`` names it
``NAME-<folder>``, or only the one ``--pair`` selects, as ``NAME``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from crossplay.core.errors import SourceError
from crossplay.evaluation.formats import FileReader, frame, tag
from crossplay.evaluation.readers import ReadOptions

_SPLIT_WORDS = {"train": "train", "training": "train", "valid": "valid",
                "validation": "valid", "val": "valid", "dev": "valid", "test": "test",
                "testing": "test"}
_DOMAIN_RE = re.compile(r"^[\w][\w.\-]*$")
_NOT_DATA = (".md", ".json", ".yaml", ".yml", ".zip", ".gz", ".pdf", ".item", ".user",
             ".py", ".sh")


def split_of(stem: str) -> tuple[str, str] | None:
    """``("books", "train")`` from ``books_train`` / ``books.train`` / ``train``."""
    low = stem.lower()
    if low in _SPLIT_WORDS:
        return "", _SPLIT_WORDS[low]
    m = re.match(r"^(.+?)[_.\-](train|training|valid|validation|val|dev|test|testing)$",
                 stem, flags=re.IGNORECASE)
    if m:
        return m.group(1), _SPLIT_WORDS[m.group(2).lower()]
    return None


def data_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".")
                  and p.suffix.lower() not in _NOT_DATA)


def _subfolders(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def stem(p: Path) -> str:
    name = p.name
    for suffix in (".inter", ".txt", ".tsv", ".csv", ".dat", ".data"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return p.stem


def check_split_set(rows: pd.DataFrame, where: Path) -> pd.DataFrame:
    have = set(rows["split"].unique())
    for need in ("train", "test"):
        if need not in have:
            raise SourceError(f"{where}: no {need} file (found {', '.join(sorted(have))})",
                              code="bench_split_missing",
                              params={"path": str(where), "need": need,
                                      "found": ", ".join(sorted(have))})
    return rows


def _unsplit(folder: Path) -> Path | None:
    """The one unsplit file of a domain folder (``None`` without data files)."""
    files = data_files(folder)
    if len(files) > 1:
        inter = [f for f in files if f.name.lower().endswith(".inter")]
        if len(inter) != 1:
            names = ", ".join(f.name for f in files[:6])
            raise SourceError(f"{folder}: several files ({names}) and none named train / "
                              "valid / test: keep one ratings file per domain",
                              code="bench_domain_files",
                              params={"path": str(folder), "files": names})
        files = inter
    return files[0] if files else None


def _skipped(p: Path) -> bool:
    return p.name.lower().startswith(("readme", "license", "licence"))


def domain_files(folder: Path, loose: bool = True) -> list[tuple[str, str, Path]]:
    """``(domain, split, file)`` of every domain file of a set (split ``""``: unsplit);
    ``loose``: fall back to one unsplit file per domain directly in ``folder``."""
    found: list[tuple[str, str, Path]] = []
    for sub in _subfolders(folder):
        hits = [(split_of(stem(f)), f) for f in data_files(sub)]
        split = [(h, f) for h, f in hits if h is not None]
        if split:
            found += [(h[0] or sub.name, h[1], f) for h, f in split]
        elif (one := _unsplit(sub)) is not None:
            found.append((sub.name, "", one))
    for f in data_files(folder):
        hit = split_of(stem(f))
        if hit is not None and hit[0]:
            found.append((hit[0], hit[1], f))
    if not found and loose:
        found = [(stem(f), "", f) for f in data_files(folder)
                 if not _skipped(f) and split_of(stem(f)) is None]
    return found


def _is_pair_folder(folder: Path) -> bool:
    try:
        return len({d for d, _, _ in domain_files(folder, loose=False)}) >= 2
    except SourceError:
        return False


def read_set(path: Path, found: list[tuple[str, str, Path]], read: FileReader
             ) -> pd.DataFrame:
    """The rows of one set's domain files, checked (two or more domains, each split
    domain with train and test, one source per domain and split)."""
    domains = sorted({d for d, _, _ in found})
    if len(domains) < 2:
        raise SourceError(
            f"{path}: found {len(domains)} domain(s) ({', '.join(domains) or 'none'}); a "
            "cross-domain folder holds <domain>/train.txt … or <domain>_train.txt … for "
            "two or more domains", code="bench_domains",
            params={"path": str(path), "n": len(domains),
                    "domains": ", ".join(domains) or "none"})
    bad = [d for d in domains if not _DOMAIN_RE.match(d)]
    if bad:
        raise SourceError(f"{path}: {bad[0]!r} is not a usable domain name",
                          code="bench_domain_name", params={"path": str(path), "name": bad[0]})
    seen: set[tuple[str, str]] = set()
    parts = []
    for domain, split, f in found:
        if (domain, split) in seen:
            raise SourceError(f"{path}: two {split or 'unsplit'} files for domain "
                              f"{domain!r} (one is {f.name})", code="bench_split_twice",
                              params={"path": str(path), "split": split or "unsplit",
                                      "domain": domain, "file": f.name})
        if (split and (domain, "") in seen) or (
                not split and any(d == domain for d, _ in seen)):
            raise SourceError(f"{path}: domain {domain!r} has split files and an unsplit "
                              f"file ({f.name})", code="bench_domain_mixed",
                              params={"path": str(path), "domain": domain, "file": f.name})
        seen.add((domain, split))
        parts.append(tag(read(f), domain, split))
    rows = frame(parts)
    for d in domains:
        sub = rows[rows["domain"] == d]
        if (sub["split"] != "").any():
            check_split_set(sub, path / d)
    return rows


def import_cdr_sets(path: Path, options: ReadOptions, pair: str | None
                    ) -> Iterator[tuple[str, pd.DataFrame, FileReader, Path]]:
    """``(pair, rows, reader, folder)`` of each set ``path`` holds (see the module
    docstring); ``pair`` selects one set of a root of pairs."""
    if not path.is_dir():
        raise SourceError(f"{path} is not a folder", code="bench_not_folder",
                          params={"path": str(path)})
    pairs = [sub for sub in _subfolders(path) if _is_pair_folder(sub)]
    if not pairs:
        if pair is not None:
            raise SourceError(f"{path} is one set of domains, not a root of pairs: drop "
                              "--pair", code="bench_pair_single", params={"path": str(path)})
        read = FileReader(options)
        yield "", read_set(path, domain_files(path), read), read, path
        return
    names = [p.name for p in pairs]
    others = [sub.name for sub in _subfolders(path) if sub not in pairs
              and data_files(sub)] + [f.name for f in data_files(path)
                                      if split_of(stem(f)) is not None]
    if others:
        raise SourceError(f"{path} mixes folders of domain pairs ({', '.join(names)}) with "
                          f"other data ({', '.join(others[:5])}): keep one layout",
                          code="bench_pairs_mixed",
                          params={"path": str(path), "pairs": ", ".join(names),
                                  "others": ", ".join(others[:5])})
    if pair is not None and pair not in names:
        raise SourceError(f"{path}: no pair folder {pair!r} (pairs: {', '.join(names)})",
                          code="bench_pair_unknown",
                          params={"path": str(path), "pair": pair,
                                  "pairs": ", ".join(names)})
    for sub in pairs:
        if pair is None or sub.name == pair:
            read = FileReader(options)
            yield sub.name, read_set(sub, domain_files(sub, loose=False), read), read, sub
