"""Baskets from a file, for ``crossplay rules mine --from-file``.

Two shapes, the ones public basket data sets ship in:

- ``baskets``: one basket per line, items separated by a delimiter (R arules'
  ``format = "basket"``: ``groceries.csv`` with commas, the FIMI repository's ``retail.dat``
  with spaces);
- ``pairs``: one (transaction, item) pair per row (arules' ``format = "single"``), two
  columns, or any columns of a wider file chosen by name (with ``header``) or by 1-based
  position; several transaction columns together make the transaction id (e.g. a member
  and a date).

``auto`` reads the file as pairs when every row has exactly two fields, the first column
repeats (several rows per transaction) and no value appears in both columns; otherwise as
baskets. The delimiter, when not given, is a tab if a line holds one, else a comma, else a
semicolon, else runs of whitespace. Items keep their exact text (``"a, b"`` with a comma
delimiter holds the items ``a`` and `` b``); empty fields (a trailing delimiter) and blank
lines are skipped and counted; duplicates inside a basket count once. Files are UTF-8
(a BOM is skipped); ``.gz`` files are read decompressed.

Nothing here reads the lake: the file is the user's own data, so no consent rule and no k
floor applies (docs/mining.md).
"""

from __future__ import annotations

import csv
import gzip
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal, get_args

import numpy as np

from crossplay.mining.fpm import Baskets, MiningError, baskets_from_pairs

BasketFormat = Literal["auto", "baskets", "pairs"]
FORMATS: tuple[str, ...] = get_args(BasketFormat)

#: delimiter names a shell can type -> the delimiter (``None``: runs of whitespace)
DELIMITERS: dict[str, str | None] = {
    "tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": None,
    "whitespace": None,
}
_SNIFF_LINES = 1000


@dataclass(frozen=True)
class BasketFileOptions:
    """How to read a basket file (see the module doc).

    ``transaction_cols`` and ``item_col`` are column names (with ``header``) or 1-based
    positions; giving them means ``pairs``.
    """

    format: BasketFormat = "auto"
    delimiter: str | None = None
    header: bool = False
    transaction_cols: tuple[str, ...] = ()
    item_col: str | None = None


@dataclass(frozen=True)
class FileBaskets:
    """The baskets of a file; ``items[i]`` is the text of item id ``i`` (sorted)."""

    baskets: Baskets
    items: list[str]
    format: Literal["baskets", "pairs"]
    format_detected: bool
    delimiter: str  # its name: tab, comma, semicolon, whitespace or the character
    rows: int  # data rows read (blank lines excluded)
    blank_lines: int
    empty_fields: int


def check_format(value: str) -> BasketFormat:
    if value not in FORMATS:
        raise MiningError(f"unknown basket file format {value!r}; use one of "
                          f"{', '.join(FORMATS)}", code="mining_file_format",
                          params={"format": value, "formats": ", ".join(FORMATS)})
    return value  # type: ignore[return-value]


def _delimiter(value: str) -> str | None:
    if value in DELIMITERS:
        return DELIMITERS[value]
    if len(value) == 1 and value not in "\r\n\"":
        return None if value == " " else value
    raise MiningError(f"--delimiter {value!r}: give one character or one of "
                      f"{', '.join(DELIMITERS)}", code="mining_file_delimiter",
                      params={"delimiter": value, "names": ", ".join(DELIMITERS)})


def _delimiter_name(delim: str | None) -> str:
    return {None: "whitespace", "\t": "tab", ",": "comma", ";": "semicolon"}.get(
        delim, delim or "whitespace")


def _open(path: Path) -> IO[str]:
    if not path.is_file():
        raise MiningError(f"file {path} does not exist", code="mining_file_missing",
                          params={"path": str(path)})
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def _sniff(path: Path) -> str | None:
    lines: list[str] = []
    try:
        with _open(path) as fh:
            for line in fh:
                lines.append(line)
                if len(lines) >= _SNIFF_LINES:
                    break
    except UnicodeDecodeError:
        pass  # the full read reports it, with the byte
    seen = "".join(lines)
    for delim in ("\t", ",", ";"):
        if delim in seen:
            return delim
    return None


def _rows(fh: IO[str], delim: str | None) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of every line, blank lines as ``[]``."""
    if delim is None:
        for n, line in enumerate(fh, 1):
            yield n, line.split()
        return
    reader = csv.reader(fh, delimiter=delim, strict=True)
    for fields in reader:
        yield reader.line_num, fields


@dataclass
class _Parsed:
    codes: array[int]  # every kept field, as an index into names (first seen first)
    lengths: array[int]  # kept fields per data row
    first_lines: list[int]  # line number of each data row
    names: dict[str, int]
    blank: int
    empty: int
    header: list[str] | None


def _parse(path: Path, delim: str | None, header: bool, keep: list[int] | None) -> _Parsed:
    """Every non-blank row's fields (``keep``: only these 0-based columns, in that order,
    each required and non-empty)."""
    names: dict[str, int] = {}
    codes: array[int] = array("q")
    lengths: array[int] = array("q")
    lines: list[int] = []
    blank = empty = 0
    head: list[str] | None = None
    try:
        with _open(path) as fh:
            for line_no, fields in _rows(fh, delim):
                if not fields or all(not f.strip() for f in fields):
                    blank += 1
                    continue
                if header and head is None:
                    head = fields
                    continue
                if keep is not None:
                    if len(fields) <= max(keep):
                        raise MiningError(
                            f"line {line_no} has {len(fields)} field(s), fewer than the "
                            f"{max(keep) + 1} the chosen columns need",
                            code="mining_file_short_row",
                            params={"line": line_no, "fields": len(fields),
                                    "need": max(keep) + 1})
                    fields = [fields[k] for k in keep]
                    if any(f == "" for f in fields):
                        raise MiningError(
                            f"line {line_no} has an empty transaction id or item: fill it "
                            "or remove the row", code="mining_file_empty_field",
                            params={"line": line_no})
                n = 0
                for f in fields:
                    if f == "":
                        empty += 1
                        continue
                    codes.append(names.setdefault(f, len(names)))
                    n += 1
                lengths.append(n)
                lines.append(line_no)
    except UnicodeDecodeError as exc:
        raise MiningError(f"{path} is not UTF-8 text (byte {exc.start}): save it as UTF-8",
                          code="mining_file_encoding",
                          params={"path": str(path), "byte": exc.start}) from None
    except csv.Error as exc:
        detail = str(exc)
        raise MiningError(f"{path} is not readable as delimited text: {detail}",
                          code="mining_file_unreadable",
                          params={"path": str(path), "detail": detail}) from None
    return _Parsed(codes, lengths, lines, names, blank, empty, head)


def _column(spec: str, head: list[str] | None) -> int:
    """0-based index of a column given by name (in the header) or 1-based position."""
    if head is not None and spec in head:
        return head.index(spec)
    if spec.isdigit() and int(spec) >= 1:
        return int(spec) - 1
    if head is None:
        raise MiningError(f"column {spec!r}: without --header give columns by 1-based "
                          "position", code="mining_file_column_position",
                          params={"column": spec})
    raise MiningError(f"column {spec!r} is not in the header; columns: {', '.join(head)}",
                      code="mining_file_column", params={"column": spec,
                                                         "columns": ", ".join(head)})


def _header(path: Path, delim: str | None) -> list[str]:
    try:
        with _open(path) as fh:
            for _, fields in _rows(fh, delim):
                if fields and any(f.strip() for f in fields):
                    return fields
    except (UnicodeDecodeError, csv.Error):
        pass  # the full read reports it, with the line
    return []


def _sorted_codes(names: dict[str, int]) -> tuple[list[str], np.ndarray]:
    """Item texts sorted, and old code -> sorted code."""
    texts = list(names)
    order = sorted(range(len(texts)), key=texts.__getitem__)
    remap = np.empty(len(texts), dtype=np.int64)
    remap[np.asarray(order, dtype=np.int64)] = np.arange(len(texts), dtype=np.int64)
    return [texts[i] for i in order], remap


def read_basket_file(path: Path, options: BasketFileOptions | None = None) -> FileBaskets:
    """Read ``path`` as baskets (see the module doc)."""
    opts = options or BasketFileOptions()
    fmt = check_format(opts.format)
    delim = _delimiter(opts.delimiter) if opts.delimiter is not None else _sniff(path)
    chosen = bool(opts.transaction_cols) or opts.item_col is not None
    if chosen and fmt == "baskets":
        raise MiningError("--transaction-col and --item-col choose the columns of "
                          "transaction/item pairs: they do not apply to --format baskets",
                          code="mining_file_columns_baskets")
    if chosen and (not opts.transaction_cols or opts.item_col is None):
        raise MiningError("give both --transaction-col and --item-col",
                          code="mining_file_columns_both")
    keep: list[int] | None = None
    if chosen:
        fmt = "pairs"
        head = _header(path, delim) if opts.header else None
        keep = [_column(c, head) for c in opts.transaction_cols]
        keep.append(_column(opts.item_col or "", head))
    parsed = _parse(path, delim, opts.header, keep)
    lengths = np.frombuffer(parsed.lengths, dtype=np.int64) if parsed.lengths else \
        np.empty(0, np.int64)
    codes = np.frombuffer(parsed.codes, dtype=np.int64) if parsed.codes else \
        np.empty(0, np.int64)
    if lengths.size == 0 or codes.size == 0:
        raise MiningError(f"{path} holds no baskets", code="mining_file_empty",
                          params={"path": str(path)})
    detected = False
    if fmt == "auto":
        detected = True
        fmt = "baskets"
        if bool((lengths == 2).all()):
            first, second = codes[0::2], codes[1::2]
            if np.unique(first).size < first.size and not np.intersect1d(first,
                                                                          second).size:
                fmt = "pairs"
    if fmt == "pairs":
        width = len(opts.transaction_cols) + 1 if keep is not None else 2
        bad = np.flatnonzero(lengths != width)
        if bad.size:
            i = int(bad[0])
            raise MiningError(
                f"line {parsed.first_lines[i]} has {int(lengths[i])} field(s): transaction/"
                f"item pairs have {width} (choose columns with --transaction-col and "
                "--item-col, or read each line as a basket with --format baskets)",
                code="mining_file_pair_width",
                params={"line": parsed.first_lines[i], "fields": int(lengths[i]),
                        "width": width})
        rows = codes.reshape(-1, width)
        tx_key = rows[:, :-1]
        _, basket = np.unique(tx_key, axis=0, return_inverse=True)
        basket = np.asarray(basket, dtype=np.int64).reshape(-1)
        used = np.unique(rows[:, -1])
        texts = list(parsed.names)
        sub = {texts[int(c)]: int(c) for c in used}
        items, remap_sub = _sorted_codes(sub)
        # remap_sub is indexed by position in ``sub``; map the original codes to it
        pos = np.full(len(texts), -1, dtype=np.int64)
        pos[used] = np.arange(used.size, dtype=np.int64)
        item = remap_sub[pos[rows[:, -1]]]
        n_baskets = int(basket.max()) + 1
    else:
        items, remap = _sorted_codes(parsed.names)
        basket = np.repeat(np.arange(lengths.size, dtype=np.int64), lengths)
        item = remap[codes]
        # rows whose every field was empty are not baskets
        n_baskets = int(lengths.size)
        if (lengths == 0).any():
            nonempty = np.flatnonzero(lengths > 0)
            renumber = np.full(lengths.size, -1, dtype=np.int64)
            renumber[nonempty] = np.arange(nonempty.size, dtype=np.int64)
            basket = renumber[basket]
            n_baskets = int(nonempty.size)
    return FileBaskets(baskets_from_pairs(basket, item, n_baskets, len(items)), items,
                       fmt, detected, _delimiter_name(delim), int(lengths.size),
                       parsed.blank, parsed.empty)
