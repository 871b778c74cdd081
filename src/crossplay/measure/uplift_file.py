"""Randomised data from elsewhere for uplift: one row per person in CSV / Parquet / JSONL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from crossplay.ingest.sqlbase import ident, lit
from crossplay.measure.errors import MeasureError
from crossplay.measure.fileinput import checked_values, open_file, value_sql


def read_uplift_file(path: Path, *, treatment_col: str, treatment: str, control: str,
                     outcome: str, features: list[str], id_col: str | None = None,
                     true_effect_col: str | None = None) -> tuple[Any, Any, Any, list[Any], Any]:
    """``X, treated, y, ids, true effects (or None)`` for the rows in either arm."""
    if not features:
        raise MeasureError("--features: name at least one feature column",
                           code="uplift_no_features")
    con = duckdb.connect()
    try:
        cols = open_file(con, path)
        if treatment_col not in cols:
            raise MeasureError(f"treatment column {treatment_col!r} is not in the file; "
                               f"columns: {', '.join(cols)}", code="uplift_treatment_column",
                               params={"column": treatment_col, "columns": ", ".join(cols)})
        what = {f: "feature" for f in features}
        what.setdefault(outcome, "outcome")
        if true_effect_col:
            what.setdefault(true_effect_col, "true effect")
        for c, role in what.items():
            value_sql(cols, c, role)  # a missing or non-numeric column: refused first
        if id_col and id_col not in cols:
            raise MeasureError(f"id column {id_col!r} is not in the file",
                               code="uplift_id_column", params={"column": id_col})
        arm = f"CAST({ident(treatment_col)} AS VARCHAR)"
        arms = dict(con.sql(f"SELECT {arm}, count(*) FROM data GROUP BY 1").fetchall())
        for v in (treatment, control):
            if v not in arms:
                raise MeasureError(f"no rows with {treatment_col} = {v!r}; values seen: "
                                   f"{', '.join(map(str, arms))}", code="uplift_arm_missing",
                                   params={"column": treatment_col, "value": v,
                                           "seen": ", ".join(map(str, arms))})
        used = [*features, outcome, *([true_effect_col] if true_effect_col else [])]
        num = checked_values(con, cols, what,
                             where=f"{arm} IN ({lit(treatment)}, {lit(control)})")
        sel = ", ".join(f"{num[c]} AS {ident(c)}" for c in used)
        idsel = f", CAST({ident(id_col)} AS VARCHAR) AS __id" if id_col else ""
        df = con.sql(f"SELECT {arm} = {lit(treatment)} AS __t, {sel}{idsel} FROM data "
                     f"WHERE {arm} IN ({lit(treatment)}, {lit(control)})").df()
    finally:
        con.close()
    ids = df["__id"].tolist() if id_col else list(range(len(df)))
    te = df[true_effect_col].to_numpy(np.float64) if true_effect_col else None
    return (df[features].to_numpy(np.float64), df["__t"].to_numpy(bool),
            df[outcome].to_numpy(np.float64), ids, te)
