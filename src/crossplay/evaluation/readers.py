"""Reading ``user item [rating] [timestamp]`` text files as benchmark papers ship them.

One reader serves every format: MovieLens (``u.data`` tab-separated, ``ratings.dat``
with ``::``, ``ratings.csv`` with a header), generic TSV / CSV / space-separated files with
or without a header, and RecBole atomic files (header names carry a ``:type`` suffix,
e.g. ``user_id:token``).

Rules (docs/evaluation.md, "Formats"):

- the delimiter is ``::`` if the first data line holds it, else a tab, else a comma, else
  runs of spaces;
- a header is present when the first line's fields are all column names this module knows
  (``user``, ``userId``, ``user_id:token``, ``item``, ``movieId``, ``rating``,
  ``timestamp``, ...) or, with three or more fields, when the third field is not a number;
  ``header=True`` / ``False`` overrides the guess;
- without a header, columns are positional: user, item, then rating, then timestamp;
- user and item ids are kept as the file's text (stripped); a missing id, a rating or a
  timestamp that is not a number, or a line with the wrong number of fields raises
  ``SourceError`` naming the file, line and problem — nothing is dropped silently.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from crossplay.core.errors import SourceError

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
class Layout:
    """How a file is laid out: ``delimiter`` (``"::"``, ``"\\t"``, ``","`` or ``" "`` for
    runs of spaces), whether line 1 is a header, and the canonical name of each field
    (``None`` for an ignored field)."""

    delimiter: str
    header: bool
    columns: tuple[str | None, ...]


def _norm(name: str) -> str:
    return name.strip().strip('"').split(":", 1)[0].strip().lower()


def _split(line: str, delimiter: str) -> list[str]:
    if delimiter == " ":
        return line.split()
    if delimiter == ",":
        return next(csv.reader([line]))
    return line.split(delimiter)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def sniff(path: Path, header: bool | None = None) -> Layout:
    """Guess the layout of ``path`` from its first non-empty line."""
    first = ""
    with _open(path) as fh:
        try:
            for line in fh:
                if line.strip():
                    first = line.rstrip("\r\n")
                    break
        except UnicodeDecodeError as exc:
            raise SourceError(f"{path}: not UTF-8 text; convert it first (e.g. iconv -f "
                              "GB18030 -t UTF-8)", code="bench_encoding",
                              params={"path": str(path)}) from exc
    if not first:
        raise SourceError(f"{path}: the file is empty", code="bench_empty",
                          params={"path": str(path)})
    if "::" in first:
        delim = "::"
    elif "\t" in first:
        delim = "\t"
    elif "," in first:
        delim = ","
    else:
        delim = " "
    fields = [f.strip() for f in _split(first, delim)]
    names = [_norm(f) for f in fields]
    known = all(n in _NAME_TO_COLUMN for n in names)
    if header is None:
        header = known or (len(fields) >= 3 and not _is_number(fields[2]))
    if header:
        cols = tuple(_NAME_TO_COLUMN.get(n) for n in names)
        missing = [c for c in ("user", "item") if c not in cols]
        if missing:
            raise SourceError(
                f"{path}:1: the header {first!r} names no {missing[0]} column; accepted "
                f"names: {', '.join(HEADER_NAMES[missing[0]][:6])} (or use --no-header "
                "for positional columns user item [rating] [timestamp])",
                code="bench_header",
                params={"path": str(path), "header": first, "column": missing[0],
                        "names": ", ".join(HEADER_NAMES[missing[0]][:6])})
        dup = [c for c in set(cols) if c is not None and cols.count(c) > 1]
        if dup:
            raise SourceError(f"{path}:1: two header columns mean {dup[0]}",
                              code="bench_header_twice",
                              params={"path": str(path), "column": dup[0]})
        return Layout(delim, True, cols)
    if len(fields) < 2:
        raise SourceError(f"{path}:1: one field per line; expected user item [rating] "
                          "[timestamp]", code="bench_one_field", params={"path": str(path)})
    if len(fields) > 4:
        raise SourceError(f"{path}:1: {len(fields)} fields without a header; positional "
                          "files hold user item [rating] [timestamp] — add a header line "
                          "naming the columns", code="bench_fields",
                          params={"path": str(path), "n": len(fields)})
    return Layout(delim, False, POSITIONAL[:len(fields)])


def _open(path: Path) -> io.TextIOWrapper:
    try:
        return open(path, encoding="utf-8-sig", errors="strict", newline="")
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror})", code="bench_read",
                          params={"path": str(path), "reason": exc.strerror}) from exc


def _fast_read(path: Path, layout: Layout) -> pd.DataFrame | None:
    """Arrow's multi-threaded CSV reader for well-formed files; ``None`` whenever anything
    is off (then the line-by-line reader finds and names the problem)."""
    if layout.delimiter == " ":
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        return None
    sep = layout.delimiter
    if sep == "::":
        if b"\t" in data:
            return None
        data, sep = data.replace(b"::", b"\t"), "\t"
    names = [f"f{i}" for i in range(len(layout.columns))]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(column_names=names,
                                           skip_rows=1 if layout.header else 0),
            parse_options=pacsv.ParseOptions(delimiter=sep,
                                             quote_char='"' if sep == "," else False,
                                             ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if table.num_rows == 0:
        return None
    cols: dict[str, pa.Array] = {}
    for name, col in zip(names, layout.columns, strict=True):
        if col is not None:
            cols[col] = pc.utf8_trim_whitespace(table[name]).combine_chunks()
    try:
        for col in ("user", "item"):
            if pc.any(pc.equal(cols[col], "")).as_py():
                return None
        rating = (pc.cast(cols["rating"], pa.float64()) if "rating" in cols
                  else pa.nulls(table.num_rows, pa.float64()))
        ts = (pc.cast(cols["timestamp"], pa.int64()) if "timestamp" in cols
              else pa.nulls(table.num_rows, pa.int64()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return pd.DataFrame({
        "user": cols["user"].to_numpy(zero_copy_only=False),
        "item": cols["item"].to_numpy(zero_copy_only=False),
        "rating": rating.to_numpy(zero_copy_only=False).astype(np.float64),
        "timestamp": ts.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get),
    })


def read_interactions(path: Path, header: bool | None = None) -> pd.DataFrame:
    """Rows of one file: ``user``, ``item`` (str), ``rating`` (float64, NaN when the file
    has none), ``timestamp`` (nullable Int64, seconds or whatever integer the file holds)."""
    layout = sniff(path, header)
    fast = _fast_read(path, layout)
    return fast if fast is not None else _checked_read(path, layout)


def _checked_read(path: Path, layout: Layout) -> pd.DataFrame:
    """Line-by-line reading that names the first bad line (and reads space-separated
    files, which Arrow's reader does not split)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not UTF-8 text (byte {exc.start}); convert it first",
                          code="bench_encoding_at",
                          params={"path": str(path), "byte": exc.start}) from exc
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror})", code="bench_read",
                          params={"path": str(path), "reason": exc.strerror}) from exc
    numbered = [(i + 1, ln) for i, ln in enumerate(text.splitlines())
                if ln.strip()][1 if layout.header else 0:]
    line_no = np.array([i for i, _ in numbered], dtype=np.int64)
    lines = pd.Series([ln for _, ln in numbered], dtype=object)
    n_fields = len(layout.columns)
    sep = layout.delimiter
    if sep == "::":
        lines = lines.str.replace("::", "\t", regex=False)
        sep = "\t"
    if len(lines) == 0:
        raise SourceError(f"{path}: no data rows", code="bench_no_rows",
                          params={"path": str(path)})
    if sep == " ":
        counts: np.ndarray = np.array([len(ln.split()) for ln in lines], dtype=np.int64)
    else:
        counts = (lines.str.count(sep) + 1).to_numpy()
        if sep == ",":  # quoted fields may hold commas: pandas checks those lines
            counts = np.where(lines.str.contains('"', regex=False).to_numpy(), n_fields,
                              counts)
    wrong = counts != n_fields
    if wrong.any():
        i = int(np.argmax(wrong))
        line, found = int(line_no[i]), int(counts[i])
        raise SourceError(f"{path}:{line}: {found} fields where the first line has "
                          f"{n_fields}", code="bench_row_fields",
                          params={"path": str(path), "line": line, "found": found,
                                  "n": n_fields})
    try:
        raw = pd.read_csv(io.StringIO("\n".join(lines.tolist())),
                          sep=r"\s+" if sep == " " else sep, header=None, dtype=str,
                          keep_default_na=False, engine="c",
                          quoting=csv.QUOTE_MINIMAL if sep == "," else csv.QUOTE_NONE)
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+)", str(exc))
        where = int(line_no[min(int(m.group(1)) - 1, len(line_no) - 1)]) if m else 0
        raise SourceError(f"{path}:{where}: wrong number of fields (expected {n_fields})",
                          code="bench_row_parse",
                          params={"path": str(path), "line": where, "n": n_fields}) from exc
    if raw.shape != (len(line_no), n_fields):
        raise SourceError(f"{path}: could not split the lines into {n_fields} fields "
                          "(unbalanced quotes?)", code="bench_row_split",
                          params={"path": str(path), "n": n_fields})
    out: dict[str, object] = {}
    for pos, col in enumerate(layout.columns):
        if col is not None:
            out[col] = raw[pos].str.strip()
    for col in ("user", "item"):
        empty = (out[col] == "").to_numpy()  # type: ignore[attr-defined]
        if empty.any():
            line = int(line_no[np.argmax(empty)])
            raise SourceError(f"{path}:{line}: no {col} id", code="bench_row_no_id",
                              params={"path": str(path), "line": line, "column": col})
    frame = pd.DataFrame({"user": out["user"], "item": out["item"]})
    frame["rating"] = _numbers(out.get("rating"), path, line_no, "rating", float)
    frame["timestamp"] = _numbers(out.get("timestamp"), path, line_no, "timestamp", int)
    return frame


def _numbers(col: object, path: Path, line_no: np.ndarray, name: str,
             kind: type) -> pd.Series:
    n = len(line_no)
    if col is None:
        if kind is float:
            return pd.Series(np.full(n, np.nan), dtype="float64")
        return pd.Series(pd.array([pd.NA] * n, dtype="Int64"))
    s = col if isinstance(col, pd.Series) else pd.Series(col)
    s = s.reset_index(drop=True)
    vals = pd.to_numeric(s.where(s != ""), errors="coerce")
    bad = (vals.isna() & (s != "")).to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        line, value = int(line_no[i]), s.iloc[i]
        raise SourceError(f"{path}:{line}: {name} {value!r} is not a number",
                          code="bench_row_number",
                          params={"path": str(path), "line": line, "column": name,
                                  "value": value})
    if kind is float:
        return vals.astype("float64")
    frac = (vals.notna() & (vals != vals.round())).to_numpy()
    if frac.any():
        i = int(np.argmax(frac))
        line, value = int(line_no[i]), s.iloc[i]
        raise SourceError(f"{path}:{line}: timestamp {value!r} is not an integer (seconds)",
                          code="bench_row_timestamp",
                          params={"path": str(path), "line": line, "value": value})
    return vals.round().astype("Int64")
