"""Split fingerprints: prove two runs (or two tools) evaluated the same rows.

Each row is written as one UTF-8 line of five tab-separated fields::

    domain <TAB> user <TAB> item <TAB> rating <TAB> timestamp

``rating`` with six decimals (``printf "%.6f"``, so ``4`` -> ``4.000000``), empty when the
row has none; ``timestamp`` as a decimal integer, empty when none. The lines of a part
(train or test) are sorted by their bytes (``LC_ALL=C sort``), each ends with ``\\n``, and
the part's digest is the SHA-256 of that text. A duplicated row counts twice. The split
fingerprint is the SHA-256 of ``"train <train digest>\\ntest <test digest>\\n"``.

Shell equivalent for two canonical files: ``LC_ALL=C sort train.tsv | sha256sum``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def _sorted_lines(rows: pd.DataFrame) -> pa.Array:
    """The canonical lines (no newline) as an Arrow string array sorted by bytes."""
    n = len(rows)
    rating = rows["rating"].to_numpy(dtype=np.float64)
    uniq, inv = np.unique(rating, return_inverse=True)  # few distinct ratings: format once
    texts = pa.array(["" if np.isnan(v) else f"{v:.6f}" for v in uniq], pa.string())
    r_txt = texts.take(pa.array(inv.ravel(), pa.int64())) if n else pa.array([], pa.string())
    ts = pa.array(rows["timestamp"].astype("Int64"), pa.int64())
    t_txt = pc.fill_null(pc.cast(ts, pa.string()), "")

    def col(name: str) -> pa.Array:
        return pa.array(rows[name].astype(str).to_numpy(dtype=object), pa.string())

    lines = pc.binary_join_element_wise(col("domain"), col("user"), col("item"), r_txt,
                                        t_txt, "\t")
    return lines.take(pc.sort_indices(lines))  # Arrow orders strings by their bytes


def _text(rows: pd.DataFrame) -> bytes:
    """All canonical lines, sorted, each ending in a newline."""
    lines = _sorted_lines(rows)
    if len(lines) == 0:
        return b""
    joined = pc.binary_join(pa.ListArray.from_arrays(pa.array([0, len(lines)], pa.int32()),
                                                     lines), "\n")
    return str(joined[0].as_py()).encode("utf-8") + b"\n"


def canonical_lines(rows: pd.DataFrame) -> list[str]:
    """The rows as canonical lines, sorted (see the module docstring)."""
    return [str(x) for x in _sorted_lines(rows).to_pylist()]


def digest(rows: pd.DataFrame) -> str:
    return hashlib.sha256(_text(rows)).hexdigest()


@dataclass(frozen=True)
class Fingerprint:
    train: str
    test: str
    train_rows: int
    test_rows: int

    @property
    def split(self) -> str:
        text = f"train {self.train}\ntest {self.test}\n"
        return hashlib.sha256(text.encode("ascii")).hexdigest()

    def as_dict(self) -> dict[str, str | int]:
        return {"split": self.split, "train": self.train, "test": self.test,
                "train_rows": self.train_rows, "test_rows": self.test_rows}


def fingerprint(train: pd.DataFrame, test: pd.DataFrame) -> Fingerprint:
    return Fingerprint(digest(train), digest(test), len(train), len(test))


def write_canonical(rows: pd.DataFrame, path: Path) -> Path:
    """Write the canonical lines (for another tool to train / test on the same rows)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_text(rows))
    return path
