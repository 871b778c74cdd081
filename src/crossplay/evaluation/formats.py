"""Benchmark formats -> one canonical table of rows per imported set.

Every importer returns a ``Ratings`` frame with one row per kept line of the input files,
in file order: ``user``, ``item`` (the file's ids, exactly as written), ``rating``
(float64, NaN when absent: a rating or the chosen value column), ``timestamp`` (nullable
Int64), ``domain`` (``main`` for single-domain data) and ``split`` (``train`` / ``valid``
/ ``test`` for files that ship a split, ``""`` otherwise). Nothing is deduplicated;
only ``--where`` filters rows (docs/evaluation.md).

- ``movielens``: a MovieLens folder or file — ``u.data`` (100K), ``ratings.dat`` (1M, 10M),
  ``ratings.csv`` (20M, 25M, 32M, latest); with ``fold="u1"`` … ``"u5"``, ``"ua"``,
  ``"ub"`` the 100K folder's own ``<fold>.base`` / ``<fold>.test`` become the split;
- ``uir``: one log file (any width, see ``columns``), or a folder holding ``train*``,
  ``valid*`` (or ``val*`` / ``dev*``) and ``test*`` files of one domain;
- ``cdr-folder``: a cross-domain folder (:mod:`crossplay.evaluation.cdr`): domains with
  split files or one unsplit file each, or a root of several domain pairs, each its own
  set; which equal user ids are one person is ``--overlap``'s
  (:mod:`crossplay.evaluation.overlap`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, get_args

import pandas as pd

from crossplay.core.errors import ConfigError, SourceError
from crossplay.evaluation.overlap import Overlap, apply_overlap, overlap_warning
from crossplay.evaluation.readers import FilterStats, ReadOptions, read_file

Format = Literal["movielens", "uir", "cdr-folder"]
FORMATS: tuple[Format, ...] = get_args(Format)
SPLITS = ("train", "valid", "test")
COLUMNS = ("user", "item", "rating", "timestamp", "domain", "split")
SINGLE_DOMAIN = "main"
_ML_FILES = ("u.data", "ratings.dat", "ratings.csv")
_ML_FOLDS = ("u1", "u2", "u3", "u4", "u5", "ua", "ub")


@dataclass(frozen=True)
class ImportOptions:
    """Everything ``bench import`` may say beyond the path and the format."""

    read: ReadOptions = field(default_factory=ReadOptions)
    fold: str | None = None
    overlap: Overlap = field(default_factory=Overlap)
    pair: str | None = None


@dataclass(frozen=True)
class ImportedSet:
    """One imported set: ``pair`` is the pair folder it came from (``""`` for a set that
    is the whole path), ``info`` what the import did (filter counts, overlap, warnings,
    ids with surrounding spaces) for ``meta.json``."""

    pair: str
    rows: pd.DataFrame
    info: dict[str, Any]


class FileReader:
    """Reads files with one set's options and sums what the filters did."""

    def __init__(self, options: ReadOptions) -> None:
        self.options = options
        self.stats = FilterStats()

    def __call__(self, path: Path) -> pd.DataFrame:
        got = read_file(path, options=self.options)
        self.stats = self.stats.merge(got.stats)
        return got.frame


def frame(parts: list[pd.DataFrame]) -> pd.DataFrame:
    out = pd.concat(parts, ignore_index=True)
    out["timestamp"] = out["timestamp"].astype("Int64")
    out["rating"] = out["rating"].astype("float64")
    out["user"] = out["user"].astype(object)
    out["item"] = out["item"].astype(object)
    return out[list(COLUMNS)]


def tag(rows: pd.DataFrame, domain: str, split: str) -> pd.DataFrame:
    return rows.assign(domain=domain, split=split)


def import_movielens(path: Path, fold: str | None, read: FileReader) -> pd.DataFrame:
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
        parts = [tag(read(base), SINGLE_DOMAIN, "train"),
                 tag(read(test), SINGLE_DOMAIN, "test")]
        return _check_movielens(frame(parts), path)
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
    return _check_movielens(frame([tag(read(path), SINGLE_DOMAIN, "")]), path)


def _check_movielens(rows: pd.DataFrame, path: Path) -> pd.DataFrame:
    if len(rows) and (rows["rating"].isna().all() or rows["timestamp"].isna().all()):
        raise SourceError(f"{path}: MovieLens ratings have user, item, rating and "
                          "timestamp; use --format uir for other files",
                          code="bench_movielens_fields", params={"path": str(path)})
    return rows


def import_uir(path: Path, read: FileReader) -> pd.DataFrame:
    """One generic file, or a folder of train / valid / test files of one domain."""
    from crossplay.evaluation.cdr import check_split_set, data_files, split_of, stem

    if path.is_file():
        return frame([tag(read(path), SINGLE_DOMAIN, "")])
    if not path.is_dir():
        raise SourceError(f"{path} does not exist", code="bench_path",
                          params={"path": str(path)})
    parts = []
    for f in data_files(path):
        hit = split_of(stem(f))
        if hit is not None and hit[0] == "":
            parts.append(tag(read(f), SINGLE_DOMAIN, hit[1]))
    if not parts:
        raise SourceError(f"{path} holds no train / valid / test files: give one file, "
                          "or name the split files train.*, valid.*, test.*",
                          code="bench_no_splits", params={"path": str(path)})
    return check_split_set(frame(parts), path)


def check_filters(stats: FilterStats, read: ReadOptions, path: Path) -> dict[str, Any]:
    """Refuse a ``--where`` that matched no row, or that kept none; the counts else."""
    for cond, matched, common in zip(read.where, stats.matched, stats.common,
                                     strict=True):
        if matched == 0:
            cond_text = cond.text()
            raise SourceError(f"--where {cond_text}: no row of {path} has {cond.value!r} in "
                              f"column {cond.column} (its most common values: {common})",
                              code="bench_where_nothing",
                              params={"condition": cond_text, "path": str(path),
                                      "value": cond.value, "column": cond.column,
                                      "common": common})
    if read.where and stats.kept == 0:
        raise SourceError(f"--where keeps no row of {path} ({stats.read} rows read)",
                          code="bench_where_empty",
                          params={"path": str(path), "read": stats.read})
    return {"read": stats.read, "kept": stats.kept, "dropped": stats.read - stats.kept,
            "where": [c.text() for c in read.where]}


def _spaces(rows: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per id column: distinct ids with surrounding spaces, and how many of those differ
    from another id only by the spaces (what stripping would have merged)."""
    out = {}
    for col in ("user", "item"):
        ids = pd.Series(rows[col].unique(), dtype=object).astype(str)
        spaced = ids != ids.str.strip()
        if spaced.any():
            shared = ids.str.strip().duplicated(keep=False)
            out[col] = {"with_spaces": int(spaced.sum()),
                        "would_merge": int((spaced & shared).sum())}
    return out


def _finish(pair: str, rows: pd.DataFrame, read: FileReader, path: Path,
            overlap: Overlap | None) -> ImportedSet:
    info: dict[str, Any] = {"warnings": []}
    if read.options.where:
        info["filter"] = check_filters(read.stats, read.options, path)
    if overlap is not None:
        rows, info["overlap"] = apply_overlap(rows, overlap, path)
        warning = overlap_warning(info["overlap"], sorted(rows["domain"].unique()))
        if warning is not None:
            info["warnings"].append(warning)
    spaces = _spaces(rows)
    if spaces:
        info["ids_with_spaces"] = spaces
    return ImportedSet(pair, rows, info)


def import_sets(path: Path, fmt: str, options: ImportOptions | None = None
                ) -> list[ImportedSet]:
    """Every set ``path`` holds in format ``fmt`` (one, except for a root of several
    cross-domain pairs without ``options.pair``)."""
    from crossplay.evaluation.cdr import import_cdr_sets

    opts = options or ImportOptions()
    if fmt not in FORMATS:
        raise ConfigError(f"unknown format {fmt!r}: use {', '.join(FORMATS)}",
                          code="bench_format", params={"fmt": fmt, "formats": ", ".join(FORMATS)})
    if opts.fold is not None and fmt != "movielens":
        raise ConfigError("--fold applies to --format movielens only",
                          code="bench_fold_format")
    if fmt != "cdr-folder" and (opts.overlap.kind != "assumed" or opts.pair is not None):
        raise ConfigError("--overlap and --pair apply to --format cdr-folder only",
                          code="bench_overlap_format")
    if fmt == "cdr-folder":
        return [_finish(pair, rows, read, where, opts.overlap)
                for pair, rows, read, where in import_cdr_sets(path, opts.read, opts.pair)]
    read = FileReader(opts.read)
    rows = (import_movielens(path, opts.fold, read) if fmt == "movielens"
            else import_uir(path, read))
    return [_finish("", rows, read, path, None)]


def import_path(path: Path, fmt: str, *, fold: str | None = None,
                header: bool | None = None, options: ImportOptions | None = None
                ) -> pd.DataFrame:
    """The rows of the one set ``path`` holds (``fmt``: ``movielens``, ``uir`` or
    ``cdr-folder``); a root of several pairs needs ``options.pair``."""
    opts = options or ImportOptions()
    if fold is not None:
        opts = replace(opts, fold=fold)
    if header is not None:
        opts = replace(opts, read=replace(opts.read, header=header))
    sets = import_sets(path, fmt, opts)
    if len(sets) > 1:
        names = ", ".join(s.pair for s in sets)
        raise ConfigError(f"{path} holds {len(sets)} domain pairs ({names}): choose one "
                          "with --pair", code="bench_pairs_choose",
                          params={"path": str(path), "n": len(sets), "pairs": names})
    return sets[0].rows
