"""Randomised data from elsewhere for uplift: one row per person in CSV / Parquet / JSONL.

The shape of the public uplift data sets (Hillstrom's e-mail campaign, Criteo, X5): an arm
column, an outcome, numeric features, categorical features and, in some, the authors'
train/test split. What is read:

- the rows of the two arms compared (other arms — Hillstrom's second e-mail — are left out
  and counted); an empty or NaN arm is refused, not dropped;
- numeric features (``--features``) as in ``experiment analyze`` (numbers, true/false);
- categorical features (``--categorical``), **one-hot encoded**: one 0/1 column per level
  (``channel=Web``), levels in sorted order, an empty cell a level of its own, at most
  ``max_levels`` levels a column (an id or free text is not a category). Why one-hot rather
  than LightGBM's native categories: one encoding serves every base learner (LightGBM,
  scikit-learn's gradient boosting and the linear models, which need it), the libraries
  crossplay is compared with (scikit-uplift's and causalml's Hillstrom tutorials) feed their
  learners ``pandas.get_dummies`` columns, so both sides see the same inputs; and at the
  low cardinalities of such data (Hillstrom: 7, 3 and 3 levels) LightGBM's native handling
  would itself split one level against the rest (``max_cat_to_onehot = 4``) or learn
  many-vs-many splits on few people per level, which overfit with outcomes this rare;
- a split column (``--split-col``) whose every row says ``train`` or ``test``: the model
  is fitted on exactly the train rows and judged on exactly the test rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt

from crossplay.ingest.sqlbase import ident, lit
from crossplay.measure.errors import MeasureError
from crossplay.measure.fileinput import checked_values, open_file, value_sql

#: the values a split column may hold
SPLIT_VALUES = ("train", "test")
#: the most levels a categorical feature may have (``--max-levels``)
MAX_LEVELS = 100
_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE",
            "DECIMAL", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT")


@dataclass(frozen=True)
class UpliftFileSpec:
    """Which columns of the file mean what."""

    treatment_col: str
    treatment: str
    control: str
    outcome: str
    features: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    id_col: str | None = None
    true_effect_col: str | None = None
    split_col: str | None = None
    max_levels: int = MAX_LEVELS


@dataclass(frozen=True)
class UpliftFileData:
    X: npt.NDArray[np.float64]
    treated: npt.NDArray[np.bool_]
    y: npt.NDArray[np.float64]
    ids: list[Any]
    true_effect: npt.NDArray[np.float64] | None
    #: the model's columns: numeric features, then ``column=level`` per one-hot level
    features: list[str]
    #: the file's test rows (``split_col``), else ``None``
    test: npt.NDArray[np.bool_] | None
    #: rows of arms other than the two compared, left out
    other_arm_rows: int
    #: the levels of each categorical feature, in column order
    levels: dict[str, list[str]]


def _missing(role: str, col: str, columns: dict[str, str]) -> MeasureError:
    return MeasureError(f"{role} column {col!r} is not in the file; columns: "
                        f"{', '.join(columns)}", code="measure_column_missing",
                        params={"role": role, "column": col, "columns": ", ".join(columns)})


def _arm_condition(columns: dict[str, str], col: str, value: str) -> str:
    """Rows whose arm is ``value``: as text, or as a number in a numeric column (so
    ``--treatment 1`` finds ``1.0``)."""
    as_text = f"CAST({ident(col)} AS VARCHAR) = {lit(value)}"
    if columns[col].upper().startswith(_NUMERIC):
        try:
            number = float(value)
        except ValueError:
            return as_text
        if np.isfinite(number):
            return f"({as_text} OR TRY_CAST({ident(col)} AS DOUBLE) = {number!r})"
    return as_text


def _check_columns(spec: UpliftFileSpec, cols: dict[str, str]) -> None:
    if not spec.features and not spec.categorical:
        raise MeasureError("name at least one feature with --features or --categorical",
                           code="uplift_no_features")
    if spec.treatment_col not in cols:
        raise MeasureError(f"treatment column {spec.treatment_col!r} is not in the file; "
                           f"columns: {', '.join(cols)}", code="uplift_treatment_column",
                           params={"column": spec.treatment_col, "columns": ", ".join(cols)})
    seen: set[str] = set()
    for c in (*spec.features, *spec.categorical):
        if c in seen:
            raise MeasureError(f"feature column {c!r} is named twice (in --features and "
                               "--categorical together): name it once",
                               code="uplift_feature_twice", params={"column": c})
        seen.add(c)
    for c in spec.categorical:
        if c not in cols:
            raise _missing("categorical feature", c, cols)
    if spec.split_col is not None and spec.split_col not in cols:
        raise MeasureError(f"split column {spec.split_col!r} is not in the file; columns: "
                           f"{', '.join(cols)}", code="uplift_split_column",
                           params={"column": spec.split_col, "columns": ", ".join(cols)})
    if spec.id_col and spec.id_col not in cols:
        raise MeasureError(f"id column {spec.id_col!r} is not in the file",
                           code="uplift_id_column", params={"column": spec.id_col})


def _check_treatment(con: duckdb.DuckDBPyConnection, cols: dict[str, str], col: str) -> None:
    """No empty or NaN arm: such rows would silently fall out of both arms."""
    c = ident(col)
    typ = cols[col].upper()
    nan = (f" OR isnan(CAST({c} AS DOUBLE))" if typ.startswith(("FLOAT", "DOUBLE"))
           else f" OR lower(trim(CAST({c} AS VARCHAR))) IN ('', 'nan')")
    n = int(con.sql(f"SELECT count(*) FROM data WHERE {c} IS NULL{nan}").fetchall()[0][0])
    if n:
        raise MeasureError(f"treatment column {col!r} has {n:,} empty or NaN value(s): fill "
                           "them or remove those rows", code="uplift_treatment_empty",
                           params={"column": col, "n": n})


def _check_text_features(con: duckdb.DuckDBPyConnection, cols: dict[str, str],
                         features: tuple[str, ...], where: str) -> None:
    """A numeric feature holding words is most likely a category: say so."""
    for f in features:
        if f not in cols or cols[f].upper() != "VARCHAR":
            continue
        value = value_sql(cols, f, "feature")
        rows = con.sql(f"SELECT CAST({ident(f)} AS VARCHAR) FROM data WHERE ({where}) AND "
                       f"{ident(f)} IS NOT NULL AND ({value}) IS NULL LIMIT 1").fetchall()
        if rows:
            text = str(rows[0][0])
            raise MeasureError(f"feature column {f!r} holds text such as {text!r}: name it "
                               "with --categorical to one-hot encode it, or give numbers",
                               code="uplift_feature_text", params={"column": f, "value": text})


def _split(con: duckdb.DuckDBPyConnection, col: str, where: str) -> str:
    """SQL for "this row is a test row", after checking every row says train or test."""
    c = f"CAST({ident(col)} AS VARCHAR)"
    ok = ", ".join(lit(v) for v in SPLIT_VALUES)
    bad = f"({c} IS NULL OR {c} NOT IN ({ok}))"
    n = int(con.sql(f"SELECT count(*) FROM data WHERE ({where}) AND {bad}").fetchall()[0][0])
    if n:
        seen = [("(empty)" if r[0] is None else repr(r[0])) for r in con.sql(
            f"SELECT DISTINCT {c} FROM data WHERE ({where}) AND {bad} ORDER BY 1 NULLS FIRST "
            "LIMIT 5").fetchall()]
        values = ", ".join(seen)
        raise MeasureError(f"split column {col!r} must say train or test in every row: "
                           f"{n:,} rows hold other values ({values})",
                           code="uplift_split_values",
                           params={"column": col, "n": n, "values": values})
    return f"{c} = 'test'"


def _levels(con: duckdb.DuckDBPyConnection, col: str, where: str, max_levels: int
            ) -> list[str | None]:
    c = f"CAST({ident(col)} AS VARCHAR)"
    n = int(con.sql(f"SELECT count(DISTINCT coalesce({c}, chr(0))) FROM data "
                    f"WHERE {where}").fetchall()[0][0])
    if n > max_levels:
        raise MeasureError(f"categorical column {col!r} has {n:,} levels, more than "
                           f"--max-levels {max_levels}: an id or free text is not a category; "
                           "leave it out, group rare levels, or raise --max-levels",
                           code="uplift_categorical_levels",
                           params={"column": col, "levels": n, "max": max_levels})
    return [r[0] for r in con.sql(f"SELECT DISTINCT {c} FROM data WHERE {where} "
                                  "ORDER BY 1 NULLS LAST").fetchall()]


def read_uplift_file(path: Path, spec: UpliftFileSpec) -> UpliftFileData:
    """The rows of the two arms of ``spec``, encoded for the learners (module doc)."""
    con = duckdb.connect()
    try:
        cols = open_file(con, path)
        _check_columns(spec, cols)
        what = {f: "feature" for f in spec.features}
        what.setdefault(spec.outcome, "outcome")
        if spec.true_effect_col:
            what.setdefault(spec.true_effect_col, "true effect")
        for c, role in what.items():
            value_sql(cols, c, role)  # a missing or non-numeric column: refused first
        _check_treatment(con, cols, spec.treatment_col)
        is_t = _arm_condition(cols, spec.treatment_col, spec.treatment)
        is_c = _arm_condition(cols, spec.treatment_col, spec.control)
        arm = f"CAST({ident(spec.treatment_col)} AS VARCHAR)"
        arms = dict(con.sql(f"SELECT {arm}, count(*) FROM data GROUP BY 1").fetchall())
        for v, cond in ((spec.treatment, is_t), (spec.control, is_c)):
            if not con.sql(f"SELECT count(*) FROM data WHERE {cond}").fetchall()[0][0]:
                raise MeasureError(f"no rows with {spec.treatment_col} = {v!r}; values seen: "
                                   f"{', '.join(map(str, arms))}", code="uplift_arm_missing",
                                   params={"column": spec.treatment_col, "value": v,
                                           "seen": ", ".join(map(str, arms))})
        where = f"({is_t}) OR ({is_c})"
        _check_text_features(con, cols, spec.features, where)
        test_sql = _split(con, spec.split_col, where) if spec.split_col else "false"
        levels = {c: _levels(con, c, where, spec.max_levels) for c in spec.categorical}
        used = [*spec.features, spec.outcome,
                *([spec.true_effect_col] if spec.true_effect_col else [])]
        used = list(dict.fromkeys(used))
        num = checked_values(con, cols, what, where=where)
        sel = ", ".join(f"{num[c]} AS {ident(c)}" for c in used)
        cat = "".join(f", CAST({ident(c)} AS VARCHAR) AS {ident('__cat_' + c)}"
                      for c in spec.categorical)
        idsel = f", CAST({ident(spec.id_col)} AS VARCHAR) AS __id" if spec.id_col else ""
        df = con.sql(f"SELECT ({is_t}) AS __t, ({test_sql}) AS __test, {sel}{cat}{idsel} "
                     f"FROM data WHERE {where}").df()
        total = int(con.sql("SELECT count(*) FROM data").fetchall()[0][0])
    finally:
        con.close()
    blocks = [df[list(spec.features)].to_numpy(np.float64)] if spec.features else []
    names = list(spec.features)
    for c, lv in levels.items():
        column = df["__cat_" + c]
        empty = column.isna().to_numpy(bool)
        values = column.to_numpy(dtype=object)
        for level in lv:
            hit = empty if level is None else (values == level) & ~empty
            blocks.append(np.asarray(hit, dtype=np.float64)[:, None])
            names.append(f"{c}={'(empty)' if level is None else level}")
    X = np.hstack(blocks) if blocks else np.empty((len(df), 0))
    ids = df["__id"].tolist() if spec.id_col else list(range(len(df)))
    te = (df[spec.true_effect_col].to_numpy(np.float64) if spec.true_effect_col else None)
    return UpliftFileData(
        X, df["__t"].to_numpy(bool), df[spec.outcome].to_numpy(np.float64), ids, te, names,
        df["__test"].to_numpy(bool) if spec.split_col else None, total - len(df),
        {c: ["(empty)" if v is None else v for v in lv] for c, lv in levels.items()})


def check_predictions_path(path: Path) -> str:
    """The suffix of a predictions file (.parquet or .csv), checked before any fitting."""
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise MeasureError(f"write predictions to a .parquet or .csv file, not {path.name!r}",
                           code="uplift_predictions_type", params={"name": path.name})
    return suffix


def write_predictions(path: Path, ids: list[Any], treated: npt.NDArray[np.bool_],
                      outcome: npt.NDArray[np.float64], uplift: npt.NDArray[np.float64]
                      ) -> Path:
    """The hold-out's rows with their predicted uplift (``id, treated, outcome, uplift``),
    as Parquet or CSV by the suffix: what another library's Qini / AUUC functions take."""
    import pyarrow as pa

    suffix = check_predictions_path(path)
    table = pa.table({"id": pa.array([str(i) for i in ids]),
                      "treated": pa.array(np.asarray(treated, dtype=bool)),
                      "outcome": pa.array(np.asarray(outcome, dtype=np.float64)),
                      "uplift": pa.array(np.asarray(uplift, dtype=np.float64))})
    if suffix == ".parquet":
        from crossplay.core.derived import write_parquet

        write_parquet(table, path)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        table.to_pandas().to_csv(path, index=False)
    return path
