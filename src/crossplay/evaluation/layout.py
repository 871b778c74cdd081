"""How a log file is laid out: its delimiter, whether line 1 is a header, which field is
which, from its first line and the caller's options (docs/evaluation.md, "Formats").

- the delimiter is ``::`` if the first data line holds it, else a tab, else a comma, else
  runs of spaces;
- a header is present when the first line's fields are all column names this module knows
  (``user``, ``userId``, ``user_id:token``, ``item``, ``movieId``, ``rating``,
  ``timestamp``, ...) or, with three or more fields, when the third field is not a number;
  with chosen columns (``--columns``), when one is chosen by name, or when a field chosen
  as rating or timestamp is not a number on line 1; ``header=True`` / ``False`` overrides
  the guess;
- without a header and without chosen columns, fields are positional: user, item, then
  rating, then timestamp.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from pathlib import Path

from crossplay.core.errors import SourceError
from crossplay.evaluation.columns import Condition, is_position, norm_name, resolve

#: canonical column -> accepted header names (compared lower-case, ``:type`` removed)
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "user": ("user", "user_id", "userid", "uid", "user_key", "reviewer_id",
             "reviewerid", "person", "person_id"),
    "item": ("item", "item_id", "itemid", "iid", "movie", "movie_id", "movieid",
             "book", "book_id", "bookid", "isbn", "asin", "product_id", "productid"),
    "rating": ("rating", "score", "rate", "stars", "overall", "value", "label"),
    "timestamp": ("timestamp", "time", "ts", "datetime", "unixreviewtime", "date",
                  "unix_time", "time_stamp"),
}
_NAME_TO_COLUMN = {n: col for col, names in HEADER_NAMES.items() for n in names}
POSITIONAL = ("user", "item", "rating", "timestamp")


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file beyond what ``sniff`` guesses: ``header`` forces the guess,
    ``columns`` are ``(role, column)`` pairs (``columns.parse_columns``), ``where`` the
    row filters, ``need_value`` the name of a weight transform that needs a number >= 0
    in the rating column of every kept row (``None``: no such need)."""

    header: bool | None = None
    columns: tuple[tuple[str, str], ...] = ()
    where: tuple[Condition, ...] = ()
    need_value: str | None = None


@dataclass(frozen=True)
class Layout:
    """How a file is laid out: ``delimiter`` (``"::"``, ``"\\t"``, ``","`` or ``" "`` for
    runs of spaces), whether line 1 is a header, the canonical name of each field
    (``None`` for an ignored field), the field index of each ``where`` condition and the
    header's fields as written (``None`` without a header)."""

    delimiter: str
    header: bool
    columns: tuple[str | None, ...]
    where: tuple[int, ...] = ()
    names: tuple[str, ...] | None = None



def _split(line: str, delimiter: str) -> list[str]:
    if delimiter == " ":
        return line.split()
    if delimiter == ",":
        return next(csv.reader([line]))
    return line.split(delimiter)


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _first_line(path: Path) -> str:
    with open_text(path) as fh:
        try:
            for line in fh:
                if line.strip():
                    return line.rstrip("\r\n")
        except UnicodeDecodeError as exc:
            raise SourceError(f"{path}: not UTF-8 text; convert it first (e.g. iconv -f "
                              "GB18030 -t UTF-8)", code="bench_encoding",
                              params={"path": str(path)}) from exc
    raise SourceError(f"{path}: the file is empty", code="bench_empty",
                      params={"path": str(path)})


def sniff(path: Path, header: bool | None = None,
          options: ReadOptions | None = None) -> Layout:
    """Guess the layout of ``path`` from its first non-empty line."""
    opts = options or ReadOptions()
    if header is not None:
        opts = replace(opts, header=header)
    first = _first_line(path)
    if "::" in first:
        delim = "::"
    elif "\t" in first:
        delim = "\t"
    elif "," in first:
        delim = ","
    else:
        delim = " "
    fields = _split(first, delim)
    stripped = [f.strip() for f in fields]
    known = all(norm_name(f) in _NAME_TO_COLUMN for f in fields)
    hdr = opts.header
    if hdr is None and (opts.columns or opts.where):
        refs = [c for _, c in opts.columns] + [c.column for c in opts.where]
        numeric = [int(c) - 1 for r, c in opts.columns
                   if r in ("rating", "timestamp") and is_position(c)]
        hdr = (any(not is_position(r) for r in refs) or known
               or any(0 <= p < len(fields) and not is_number(stripped[p])
                      for p in numeric))
        if not opts.columns and not hdr:  # filters by position on a positional file
            hdr = known or (len(fields) >= 3 and not is_number(stripped[2]))
    elif hdr is None:
        hdr = known or (len(fields) >= 3 and not is_number(stripped[2]))
    names = tuple(fields) if hdr else None
    if opts.columns:
        cols = _chosen(path, opts.columns, names, len(fields))
    elif hdr:
        cols = _named(path, first, fields)
    else:
        cols = _positional(path, fields)
    where = tuple(resolve(c.column, names, len(fields), path) for c in opts.where)
    return Layout(delim, hdr, cols, where, names)


def _chosen(path: Path, chosen: tuple[tuple[str, str], ...], names: tuple[str, ...] | None,
            n_fields: int) -> tuple[str | None, ...]:
    cols: list[str | None] = [None] * n_fields
    for role, ref in chosen:
        i = resolve(ref, names, n_fields, path)
        if cols[i] is not None:
            other = cols[i]
            raise SourceError(f"{path}: column {ref} is chosen as {other} and as {role}",
                              code="bench_column_shared",
                              params={"path": str(path), "column": ref, "first": other,
                                      "second": role})
        cols[i] = role
    return tuple(cols)


def _named(path: Path, first: str, fields: list[str]) -> tuple[str | None, ...]:
    cols = tuple(_NAME_TO_COLUMN.get(norm_name(f)) for f in fields)
    missing = [c for c in ("user", "item") if c not in cols]
    if missing:
        names = ", ".join(HEADER_NAMES[missing[0]][:6])
        raise SourceError(
            f"{path}:1: the header {first!r} names no {missing[0]} column; accepted "
            f"names: {names} (or choose the columns: --columns user=1,item=2,... by "
            "position or header name; --no-header reads line 1 as data: user item [rating] "
            "[timestamp])",
            code="bench_header",
            params={"path": str(path), "header": first, "column": missing[0],
                    "names": names})
    dup = [c for c in set(cols) if c is not None and cols.count(c) > 1]
    if dup:
        raise SourceError(f"{path}:1: two header columns mean {dup[0]}",
                          code="bench_header_twice",
                          params={"path": str(path), "column": dup[0]})
    return cols


def _positional(path: Path, fields: list[str]) -> tuple[str | None, ...]:
    if len(fields) < 2:
        raise SourceError(f"{path}:1: one field per line; expected user item [rating] "
                          "[timestamp]", code="bench_one_field", params={"path": str(path)})
    if len(fields) > 4:
        raise SourceError(f"{path}:1: {len(fields)} fields without a header; say which is "
                          "what with --columns, e.g. --columns user=1,item=2,rating=4 "
                          "(positional files hold user item [rating] [timestamp])",
                          code="bench_fields",
                          params={"path": str(path), "n": len(fields)})
    return POSITIONAL[:len(fields)]



def open_text(path: Path) -> io.TextIOWrapper:
    try:
        return open(path, encoding="utf-8-sig", errors="strict", newline="")
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror})", code="bench_read",
                          params={"path": str(path), "reason": exc.strerror}) from exc
