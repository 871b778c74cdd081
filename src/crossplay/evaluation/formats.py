"""Benchmark formats -> one canonical table of rows.

Every importer returns a ``Ratings`` frame with one row per line of the input files, in
file order: ``user``, ``item`` (the file's ids as text), ``rating`` (float64, NaN when
absent), ``timestamp`` (nullable Int64), ``domain`` (``main`` for single-domain data)
and ``split`` (``train`` / ``valid`` / ``test`` for files that ship a split, ``""``
otherwise). Nothing is deduplicated or filtered: the protocols decide (docs/evaluation.md).

- ``movielens``: a MovieLens folder or file — ``u.data`` (100K), ``ratings.dat`` (1M, 10M),
  ``ratings.csv`` (20M, 25M, 32M, latest); with ``fold="u1"`` … ``"u5"``, ``"ua"``,
  ``"ub"`` the 100K folder's own ``<fold>.base`` / ``<fold>.test`` become the split;
- ``uir``: one ``user item [rating] [timestamp]`` file, or a folder holding ``train*``,
  ``valid*`` (or ``val*`` / ``dev*``) and ``test*`` files of one domain;
- ``cdr-folder``: a cross-domain folder, either ``<root>/<domain>/{train,valid,test}.*``
  or ``<root>/<domain>{_,.,-}{train,valid,test}.*``; user ids are shared across domains.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal, get_args

import pandas as pd

from crossplay.core.errors import ConfigError, SourceError
from crossplay.evaluation.readers import read_interactions

Format = Literal["movielens", "uir", "cdr-folder"]
FORMATS: tuple[Format, ...] = get_args(Format)
SPLITS = ("train", "valid", "test")
COLUMNS = ("user", "item", "rating", "timestamp", "domain", "split")
SINGLE_DOMAIN = "main"
_SPLIT_WORDS = {"train": "train", "training": "train", "valid": "valid",
                "validation": "valid", "val": "valid", "dev": "valid", "test": "test",
                "testing": "test"}
_ML_FILES = ("u.data", "ratings.dat", "ratings.csv")
_ML_FOLDS = ("u1", "u2", "u3", "u4", "u5", "ua", "ub")
_DOMAIN_RE = re.compile(r"^[\w][\w.\-]*$")


def _frame(parts: list[pd.DataFrame]) -> pd.DataFrame:
    out = pd.concat(parts, ignore_index=True)
    out["timestamp"] = out["timestamp"].astype("Int64")
    out["rating"] = out["rating"].astype("float64")
    return out[list(COLUMNS)]


def _tag(frame: pd.DataFrame, domain: str, split: str) -> pd.DataFrame:
    return frame.assign(domain=domain, split=split)


def import_movielens(path: Path, fold: str | None = None,
                     header: bool | None = None) -> pd.DataFrame:
    """Read a MovieLens release (see the module docstring)."""
    if fold is not None:
        if fold not in _ML_FOLDS:
            raise ConfigError(f"fold must be one of {', '.join(_ML_FOLDS)} (the 100K "
                              "folder's u1.base/u1.test … ub.base/ub.test)",
                              code="bench_fold", params={"folds": ", ".join(_ML_FOLDS)})
        if not path.is_dir():
            raise SourceError(f"{path}: a fold needs the MovieLens 100K folder",
                              code="bench_fold_folder", params={"path": str(path)})
        base, test = path / f"{fold}.base", path / f"{fold}.test"
        for f in (base, test):
            if not f.is_file():
                raise SourceError(f"{f} is missing: is this the ml-100k folder?",
                                  code="bench_fold_file", params={"path": str(f)})
        parts = [_tag(read_interactions(base, header), SINGLE_DOMAIN, "train"),
                 _tag(read_interactions(test, header), SINGLE_DOMAIN, "test")]
        return _check_movielens(_frame(parts), path)
    if path.is_dir():
        found = [path / n for n in _ML_FILES if (path / n).is_file()]
        if not found:
            raise SourceError(f"{path} holds none of {', '.join(_ML_FILES)}: point at a "
                              "MovieLens folder or one of these files",
                              code="bench_no_movielens",
                              params={"path": str(path), "files": ", ".join(_ML_FILES)})
        path = found[0]
    elif not path.is_file():
        raise SourceError(f"{path} does not exist", code="bench_path",
                          params={"path": str(path)})
    frame = _frame([_tag(read_interactions(path, header), SINGLE_DOMAIN, "")])
    return _check_movielens(frame, path)


def _check_movielens(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    if frame["rating"].isna().all() or frame["timestamp"].isna().all():
        raise SourceError(f"{path}: MovieLens ratings have user, item, rating and "
                          "timestamp; use --format uir for other files",
                          code="bench_movielens_fields", params={"path": str(path)})
    return frame


def _split_of(stem: str) -> tuple[str, str] | None:
    """``("books", "train")`` from ``books_train`` / ``books.train`` / ``train``."""
    low = stem.lower()
    if low in _SPLIT_WORDS:
        return "", _SPLIT_WORDS[low]
    m = re.match(r"^(.+?)[_.\-](train|training|valid|validation|val|dev|test|testing)$",
                 stem, flags=re.IGNORECASE)
    if m:
        return m.group(1), _SPLIT_WORDS[m.group(2).lower()]
    return None


def _data_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".")
                  and p.suffix.lower() not in (".md", ".json", ".yaml", ".yml", ".zip",
                                               ".gz", ".pdf"))


def _stem(p: Path) -> str:
    name = p.name
    for suffix in (".inter", ".txt", ".tsv", ".csv", ".dat", ".data"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return p.stem


def import_uir(path: Path, header: bool | None = None) -> pd.DataFrame:
    """One generic file, or a folder of train / valid / test files of one domain."""
    if path.is_file():
        return _frame([_tag(read_interactions(path, header), SINGLE_DOMAIN, "")])
    if not path.is_dir():
        raise SourceError(f"{path} does not exist", code="bench_path",
                          params={"path": str(path)})
    parts = []
    for f in _data_files(path):
        hit = _split_of(_stem(f))
        if hit is not None and hit[0] == "":
            parts.append(_tag(read_interactions(f, header), SINGLE_DOMAIN, hit[1]))
    if not parts:
        raise SourceError(f"{path} holds no train / valid / test files: give one file, "
                          "or name the split files train.*, valid.*, test.*",
                          code="bench_no_splits", params={"path": str(path)})
    return _check_split_set(_frame(parts), path)


def import_cdr_folder(path: Path, header: bool | None = None) -> pd.DataFrame:
    """A cross-domain folder (see the module docstring); at least two domains."""
    if not path.is_dir():
        raise SourceError(f"{path} is not a folder", code="bench_not_folder",
                          params={"path": str(path)})
    found: list[tuple[str, str, Path]] = []
    for sub in sorted(p for p in path.iterdir() if p.is_dir()
                      and not p.name.startswith(".")):
        for f in _data_files(sub):
            hit = _split_of(_stem(f))
            if hit is not None:
                found.append((hit[0] or sub.name, hit[1], f))
    for f in _data_files(path):
        hit = _split_of(_stem(f))
        if hit is not None and hit[0]:
            found.append((hit[0], hit[1], f))
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
            raise SourceError(f"{path}: two {split} files for domain {domain!r} "
                              f"(one is {f.name})", code="bench_split_twice",
                              params={"path": str(path), "split": split, "domain": domain,
                                      "file": f.name})
        seen.add((domain, split))
        parts.append(_tag(read_interactions(f, header), domain, split))
    frame = _frame(parts)
    for d in domains:
        _check_split_set(frame[frame["domain"] == d], path / d)
    return frame


def _check_split_set(frame: pd.DataFrame, where: Path) -> pd.DataFrame:
    have = set(frame["split"].unique())
    for need in ("train", "test"):
        if need not in have:
            raise SourceError(f"{where}: no {need} file (found {', '.join(sorted(have))})",
                              code="bench_split_missing",
                              params={"path": str(where), "need": need,
                                      "found": ", ".join(sorted(have))})
    return frame


def import_path(path: Path, fmt: str, *, fold: str | None = None,
                header: bool | None = None) -> pd.DataFrame:
    """Dispatch on ``fmt`` (``movielens``, ``uir`` or ``cdr-folder``)."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown format {fmt!r}: use {', '.join(FORMATS)}",
                          code="bench_format", params={"fmt": fmt, "formats": ", ".join(FORMATS)})
    if fold is not None and fmt != "movielens":
        raise ConfigError("--fold applies to --format movielens only",
                          code="bench_fold_format")
    if fmt == "movielens":
        return import_movielens(path, fold, header)
    if fmt == "uir":
        return import_uir(path, header)
    return import_cdr_folder(path, header)
