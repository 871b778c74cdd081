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


def canonical_lines(rows: pd.DataFrame) -> list[str]:
    """The rows as canonical lines, sorted (see the module docstring)."""
    rating = rows["rating"].to_numpy(dtype=np.float64)
    r_txt = np.where(np.isnan(rating), "", np.char.mod("%.6f", np.nan_to_num(rating)))
    ts = rows["timestamp"]
    t_txt = ts.astype("string").fillna("").to_numpy(dtype=object)
    lines = (rows["domain"].astype(str).to_numpy(dtype=object) + "\t"
             + rows["user"].astype(str).to_numpy(dtype=object) + "\t"
             + rows["item"].astype(str).to_numpy(dtype=object) + "\t"
             + r_txt.astype(object) + "\t" + t_txt)
    return sorted((str(x) for x in lines), key=lambda s: s.encode("utf-8"))


def digest(rows: pd.DataFrame) -> str:
    h = hashlib.sha256()
    for line in canonical_lines(rows):
        h.update(line.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


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
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for line in canonical_lines(rows):
            fh.write(line + "\n")
    return path
