"""Reading interaction logs as benchmark papers and public data sets ship them.

One reader serves every format: MovieLens (``u.data`` tab-separated, ``ratings.dat``
with ``::``, ``ratings.csv`` with a header), generic TSV / CSV / space-separated files with
or without a header, RecBole atomic files (header names carry a ``:type`` suffix, e.g.
``user_id:token``) and logs of any width whose columns the caller chooses (the Steam-200k
shape ``user,"title",behaviour,value,0``, read with ``columns=user=1,item=2,rating=4`` and
``where=3=play``; see :mod:`crossplay.evaluation.columns`).

The layout (delimiter, header, which field is which) is :mod:`crossplay.evaluation.layout`'s.
Reading rules (docs/evaluation.md, "Formats"):

- ``where`` conditions are applied first; only the rows kept are checked;
- user and item ids are kept **exactly** as the file holds them (no spaces stripped:
  ``Dota 2`` and `` Dota 2`` are two items); numbers may carry surrounding spaces. A
  missing (empty or blank) id, a rating that is not a finite number, a timestamp that is
  not a 64-bit integer, or a line with the wrong number of fields raises ``SourceError``
  naming the file, line and problem — nothing is dropped silently.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from crossplay.core.errors import SourceError
from crossplay.evaluation.columns import Condition, keep_mask
from crossplay.evaluation.layout import (
    HEADER_NAMES,
    POSITIONAL,
    Layout,
    ReadOptions,
    is_number,
    sniff,
)

__all__ = ["HEADER_NAMES", "POSITIONAL", "FileRows", "FilterStats", "Layout", "ReadOptions",
           "read_file", "read_interactions", "sniff"]
_INT64_MAX = 2**63 - 1
_LINES = re.compile(r"\r\n|\n|\r")


@dataclass
class FilterStats:
    """What the ``where`` conditions did to one file (or, merged, to an import):
    ``read`` data rows, ``kept`` rows, rows equal to each condition's value
    (``matched``) and, for a condition that matched nothing, the most common values of
    its field (``common``, for the error message)."""

    read: int = 0
    kept: int = 0
    matched: list[int] = field(default_factory=list)
    common: list[str] = field(default_factory=list)

    def merge(self, other: FilterStats) -> FilterStats:
        if not self.read and not self.matched:  # the empty start
            return replace(other, matched=list(other.matched), common=list(other.common))
        return FilterStats(self.read + other.read, self.kept + other.kept,
                           [a + b for a, b in zip(self.matched, other.matched, strict=True)],
                           [a or b for a, b in zip(self.common, other.common, strict=True)])


@dataclass(frozen=True)
class FileRows:
    """One file's rows (``user``, ``item``, ``rating``, ``timestamp``) and its filter
    statistics."""

    frame: pd.DataFrame
    stats: FilterStats


def _stats(values: list[npt.NDArray[np.object_]], conditions: tuple[Condition, ...],
           n: int, kept: int) -> FilterStats:
    matched = [int(np.count_nonzero(v == c.value)) for v, c in zip(values, conditions,
                                                                    strict=True)]
    common = []
    for v, m in zip(values, matched, strict=True):
        if m:
            common.append("")
            continue
        top = Counter(v.tolist()).most_common(5)
        common.append(", ".join(repr(x) for x, _ in top))
    return FilterStats(n, kept, matched, common)


def _fast_read(path: Path, layout: Layout, options: ReadOptions | None = None
               ) -> FileRows | None:
    """Arrow's multi-threaded CSV reader for well-formed files; ``None`` whenever anything
    is off (then the line-by-line reader finds and names the problem)."""
    opts = options or ReadOptions()
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
    stats = FilterStats(table.num_rows, table.num_rows, [], [])
    if opts.where:
        values = [table[names[i]].to_numpy() for i in layout.where]
        keep = keep_mask(values, opts.where, layout.where, table.num_rows)
        stats = _stats(values, opts.where, table.num_rows, int(keep.sum()))
        table = table.filter(pa.array(keep))
    cols: dict[str, pa.Array] = {}
    for name, col in zip(names, layout.columns, strict=True):
        if col is not None:
            cols[col] = table[name].combine_chunks()
    n = table.num_rows
    try:
        for col in ("user", "item"):
            if n and pc.any(pc.equal(pc.utf8_trim_whitespace(cols[col]), "")).as_py():
                return None
        if "rating" in cols:
            rating = pc.cast(pc.utf8_trim_whitespace(cols["rating"]), pa.float64())
            if n and not pc.all(pc.is_finite(rating)).as_py():
                return None
            if opts.need_value and n and pc.any(pc.less(rating, 0.0)).as_py():
                return None
        elif opts.need_value and n:
            return None
        else:
            rating = pa.nulls(n, pa.float64())
        ts = (pc.cast(pc.utf8_trim_whitespace(cols["timestamp"]), pa.int64())
              if "timestamp" in cols else pa.nulls(n, pa.int64()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    frame = pd.DataFrame({
        "user": cols["user"].to_numpy(zero_copy_only=False),
        "item": cols["item"].to_numpy(zero_copy_only=False),
        "rating": rating.to_numpy(zero_copy_only=False).astype(np.float64),
        "timestamp": ts.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get),
    })
    return FileRows(frame, stats)


def read_interactions(path: Path, header: bool | None = None,
                      options: ReadOptions | None = None) -> pd.DataFrame:
    """Rows of one file: ``user``, ``item`` (str), ``rating`` (float64, NaN when the file
    has none), ``timestamp`` (nullable Int64, seconds or whatever integer the file holds)."""
    return read_file(path, header, options).frame


def read_file(path: Path, header: bool | None = None,
              options: ReadOptions | None = None) -> FileRows:
    """``read_interactions`` with what the ``where`` conditions did."""
    opts = options or ReadOptions()
    if header is not None:
        opts = replace(opts, header=header)
    layout = sniff(path, options=opts)
    fast = _fast_read(path, layout, opts)
    return fast if fast is not None else _checked_read(path, layout, opts)


def _checked_read(path: Path, layout: Layout, options: ReadOptions | None = None
                  ) -> FileRows:
    """Line-by-line reading that names the first bad line (and reads space-separated
    files, which Arrow's reader does not split)."""
    opts = options or ReadOptions()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not UTF-8 text (byte {exc.start}); convert it first",
                          code="bench_encoding_at",
                          params={"path": str(path), "byte": exc.start}) from exc
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror})", code="bench_read",
                          params={"path": str(path), "reason": exc.strerror}) from exc
    numbered = [(i + 1, ln) for i, ln in enumerate(_LINES.split(text))
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
                          keep_default_na=False, engine="c", skip_blank_lines=False,
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
    stats = FilterStats(len(raw), len(raw), [], [])
    if opts.where:
        values = [raw[i].to_numpy(dtype=object) for i in layout.where]
        keep = keep_mask(values, opts.where, layout.where, len(raw))
        stats = _stats(values, opts.where, len(raw), int(keep.sum()))
        raw, line_no = raw.loc[keep].reset_index(drop=True), line_no[keep]
    out: dict[str, pd.Series] = {}
    for pos, col in enumerate(layout.columns):
        if col is not None:
            out[col] = raw[pos]
    for col in ("user", "item"):
        empty = (out[col].str.strip() == "").to_numpy()
        if empty.any():
            line = int(line_no[np.argmax(empty)])
            raise SourceError(f"{path}:{line}: no {col} id", code="bench_row_no_id",
                              params={"path": str(path), "line": line, "column": col})
    frame = pd.DataFrame({"user": out["user"], "item": out["item"]})
    frame["rating"] = _ratings(out.get("rating"), path, line_no, opts.need_value)
    frame["timestamp"] = _timestamps(out.get("timestamp"), path, line_no)
    return FileRows(frame, stats)


def _parsed(col: pd.Series, path: Path, line_no: np.ndarray, name: str
            ) -> tuple[pd.Series, pd.Series]:
    """The column's text (stripped) and its numbers (NaN where empty; a number beyond
    float64 such as ``1e400`` is infinite, for the caller to refuse)."""
    s = col.reset_index(drop=True).str.strip()
    vals = pd.to_numeric(s.where(s != ""), errors="coerce")
    bad = (vals.isna() & (s != "")).to_numpy()
    if bad.any():  # pandas gives up on what Python's float reads: 1e400, inf
        f = vals.to_numpy(dtype=np.float64, copy=True)
        f[bad] = [float(x) if is_number(x) else np.nan for x in s[bad]]
        vals = pd.Series(f)
        bad = (vals.isna() & (s != "")).to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        line, value = int(line_no[i]), s.iloc[i]
        raise SourceError(f"{path}:{line}: {name} {value!r} is not a number",
                          code="bench_row_number",
                          params={"path": str(path), "line": line, "column": name,
                                  "value": value})
    return s, vals


def _ratings(col: pd.Series | None, path: Path, line_no: np.ndarray,
             need_value: str | None) -> pd.Series:
    n = len(line_no)
    if col is None:
        if need_value and n:
            line = int(line_no[0])
            raise SourceError(f"{path}:{line}: no value to weigh: --weight {need_value} "
                              "reads the rating column (choose it: --columns ...,rating=N)",
                              code="bench_row_no_value",
                              params={"path": str(path), "line": line,
                                      "weight": need_value})
        return pd.Series(np.full(n, np.nan), dtype="float64")
    s, vals = _parsed(col, path, line_no, "rating")
    f = vals.astype("float64").to_numpy()
    bad = ~np.isfinite(f) & (s != "").to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        line, value = int(line_no[i]), s.iloc[i]
        raise SourceError(f"{path}:{line}: rating {value!r} is not a finite number",
                          code="bench_row_finite",
                          params={"path": str(path), "line": line, "value": value})
    if need_value:
        missing = np.isnan(f)
        if missing.any():
            line = int(line_no[np.argmax(missing)])
            raise SourceError(f"{path}:{line}: no value to weigh: --weight {need_value} "
                              "reads the rating column (choose it: --columns ...,rating=N)",
                              code="bench_row_no_value",
                              params={"path": str(path), "line": line,
                                      "weight": need_value})
        negative = f < 0
        if negative.any():
            i = int(np.argmax(negative))
            line, value = int(line_no[i]), s.iloc[i]
            raise SourceError(f"{path}:{line}: value {value!r} is negative; --weight "
                              f"{need_value} needs values of 0 or more",
                              code="bench_row_negative",
                              params={"path": str(path), "line": line, "value": value,
                                      "weight": need_value})
    return pd.Series(f, dtype="float64")


def _timestamps(col: pd.Series | None, path: Path, line_no: np.ndarray) -> pd.Series:
    n = len(line_no)
    if col is None:
        return pd.Series(pd.array([pd.NA] * n, dtype="Int64"))
    s, vals = _parsed(col, path, line_no, "timestamp")
    if pd.api.types.is_integer_dtype(vals.dtype):
        ints = vals.to_numpy()
        big = ints > _INT64_MAX if ints.dtype == np.uint64 else np.zeros(n, dtype=bool)
        frac = np.zeros(n, dtype=bool)
    else:
        f = vals.astype("float64").to_numpy()
        with np.errstate(invalid="ignore"):
            big = ~np.isnan(f) & ~(np.abs(f) < 2.0**63)
            frac = ~np.isnan(f) & ~big & (f != np.round(f))
    if big.any():
        i = int(np.argmax(big))
        line, value = int(line_no[i]), s.iloc[i]
        raise SourceError(f"{path}:{line}: timestamp {value!r} does not fit a 64-bit "
                          "integer", code="bench_row_timestamp_range",
                          params={"path": str(path), "line": line, "value": value})
    if frac.any():
        i = int(np.argmax(frac))
        line, value = int(line_no[i]), s.iloc[i]
        raise SourceError(f"{path}:{line}: timestamp {value!r} is not an integer (seconds)",
                          code="bench_row_timestamp",
                          params={"path": str(path), "line": line, "value": value})
    if pd.api.types.is_integer_dtype(vals.dtype):
        return pd.Series(pd.array(vals.to_numpy().astype(np.int64), dtype="Int64"))
    return vals.round().astype("Int64")
