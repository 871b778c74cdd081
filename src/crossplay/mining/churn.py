"""Churn: who stops being active, why (in words), and retention curves by segment.

- Churn: no event on either platform for ``days`` days (default 7).
- Snapshots: features at a cutoff ``c`` use only events before ``c``
  (:func:`crossplay.mining.features.unit_features` with ``end=c``); the label is "no event
  in [c, c + days)". Units count when they had an event in the ``days`` before ``c``.
- Time-based hold-out: train on the snapshot at ``end - 2·days``, evaluate (AUC, Brier,
  calibration by decile) on the later snapshot at ``end - days`` — the model never sees the
  period it is judged on. The final model is refitted on both snapshots; ``score`` applies
  it at ``end`` (who will be inactive for the next ``days`` days).
- Model: LightGBM (``num_threads=1``, ``verbose=-1``) inside scikit-learn's
  ``CalibratedClassifierCV`` (isotonic, 3 folds), so probabilities are calibrated.
- Drivers: permutation importance on the hold-out (``sklearn.inspection``, AUC drop), in
  words (:mod:`crossplay.mining.churn_words`) with the direction of each feature's effect
  (Spearman correlation of the feature with the predicted probability).
- Kaplan–Meier (lifelines): time from a unit's first event to its last, censored when it
  is still active at the end, by segment.

Known limit: social-edge counts in the features are not cut at the snapshot (edges carry
a time but the feature frame counts them all); the hold-out AUC includes that leak's
effect, which is small as relations change slowly.
"""

from __future__ import annotations

import datetime as dt
import pickle
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import lightgbm as lgb
import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.calibration import CalibratedClassifierCV
from sklearn.inspection import permutation_importance
from sklearn.metrics import brier_score_loss, roc_auc_score

from crossplay.core.derived import write_bytes
from crossplay.core.errors import NotFoundError
from crossplay.ingest.sqlbase import lit
from crossplay.mining.features import unit_features
from crossplay.mining.fpm import MiningError
from crossplay.mining.population import Scope, population_sql

MODEL_VERSION = 1


def _end(con: duckdb.DuckDBPyConnection) -> dt.datetime:
    hi = con.sql("SELECT max(ts) FROM events").fetchall()[0][0]
    if hi is None:
        raise MiningError("the lake has no events: ingest data or run `crossplay demo` first",
                          code="mining_no_data", params={})
    return hi  # type: ignore[no-any-return]


def _ts(t: dt.datetime) -> str:
    return f"TIMESTAMPTZ {lit(t.isoformat())}"


def snapshot(con: duckdb.DuckDBPyConnection, scope: Scope, cutoff: dt.datetime, days: int,
             timezone: str, labelled: bool = True) -> tuple[pd.DataFrame, pd.Series | None]:
    """Features before ``cutoff`` of units active in the ``days`` before it, and (when
    ``labelled``) whether each stayed inactive for ``days`` after it."""
    feats = unit_features(con, scope, timezone=timezone, end=_ts(cutoff))
    frame = feats.frame
    recent = frame[[c for c in ("k_recency", "g_recency", "s_recency")
                    if c in frame.columns]].min(axis=1) < days
    frame = frame[recent]
    if not labelled:
        return frame, None
    after = con.sql(f"""
        SELECT DISTINCT p.unit FROM events e JOIN ({population_sql(scope)}) p
          ON e.partner = p.partner AND e.user_key = p.user_key
        WHERE e.ts > {_ts(cutoff)} AND e.ts < {_ts(cutoff + dt.timedelta(days=days))}
        """).fetchall()
    active = {str(r[0]) for r in after}
    y = pd.Series([u not in active for u in frame.index], index=frame.index, name="churned")
    return frame, y


def _model(seed: int) -> CalibratedClassifierCV:
    base = lgb.LGBMClassifier(n_estimators=200, learning_rate=0.05, num_leaves=15,
                              min_child_samples=20, subsample=0.8, subsample_freq=1,
                              colsample_bytree=0.8, num_threads=1, verbose=-1,
                              random_state=seed)
    return CalibratedClassifierCV(base, method="isotonic", cv=3)


@dataclass
class ChurnModel:
    features: list[str]
    model: CalibratedClassifierCV
    days: int
    scope: str
    metrics: dict[str, Any]
    drivers: list[dict[str, Any]]
    version: int = MODEL_VERSION

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        x = frame.reindex(columns=self.features, fill_value=0.0).to_numpy(np.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # sklearn feature-name notices
            return np.asarray(self.model.predict_proba(x)[:, 1], dtype=np.float64)


def _calibration(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    order = np.argsort(p)
    out = []
    for chunk in np.array_split(order, bins):
        if chunk.size:
            out.append({"predicted": round(float(p[chunk].mean()), 4),
                        "observed": round(float(y[chunk].mean()), 4), "n": int(chunk.size)})
    return out


def fit_churn(con: duckdb.DuckDBPyConnection, scope: Scope, *, days: int = 7,
              timezone: str = "Asia/Shanghai", seed: int = 0) -> ChurnModel:
    if days < 1:
        raise MiningError(f"--days must be at least 1, got {days}", code="mining_churn_days",
                          params={"days": days})
    end = _end(con)
    start = con.sql("SELECT min(ts) FROM events").fetchall()[0][0]
    if (end - start).days < 3 * days:
        raise MiningError(f"churn by {days} days needs at least {3 * days} days of events "
                          f"(have {(end - start).days}): lower --days", code="mining_churn_span",
                          params={"days": days, "need": 3 * days, "have": (end - start).days})
    train_x, train_y = snapshot(con, scope, end - dt.timedelta(days=2 * days), days, timezone)
    test_x, test_y = snapshot(con, scope, end - dt.timedelta(days=days), days, timezone)
    assert train_y is not None and test_y is not None
    for name, name_zh, y in (("training", "训练", train_y), ("hold-out", "留出验证", test_y)):
        if y.nunique() < 2 or min(y.sum(), (~y).sum()) < 10:
            raise MiningError(f"the {name} snapshot has too few churned or retained people "
                              f"({int(y.sum())} of {len(y)}): more data or another --days",
                              code="mining_churn_too_few",
                              params={"name": name, "name_zh": name_zh,
                                      "churned": int(y.sum()), "n": len(y)})
    features = sorted(set(train_x.columns) | set(test_x.columns))
    xtr = train_x.reindex(columns=features, fill_value=0.0).to_numpy(np.float64)
    xte = test_x.reindex(columns=features, fill_value=0.0).to_numpy(np.float64)
    model = _model(seed).fit(xtr, train_y.to_numpy())
    p = model.predict_proba(xte)[:, 1]
    yte = test_y.to_numpy().astype(np.int64)
    metrics = {
        "auc_holdout": round(float(roc_auc_score(yte, p)), 4),
        "brier_holdout": round(float(brier_score_loss(yte, p)), 4),
        "base_rate_holdout": round(float(yte.mean()), 4),
        "train_units": len(train_y), "holdout_units": len(test_y),
        "train_cutoff": (end - dt.timedelta(days=2 * days)).isoformat(),
        "holdout_cutoff": (end - dt.timedelta(days=days)).isoformat(),
        "calibration": _calibration(yte, p),
    }
    imp = permutation_importance(model, xte, yte, scoring="roc_auc", n_repeats=3,
                                 random_state=seed)
    drivers = []
    for j in np.argsort(-imp.importances_mean)[:6].tolist():
        if imp.importances_mean[j] <= 0:
            continue
        rho = spearmanr(xte[:, j], p).statistic
        drivers.append({"feature": features[j],
                        "importance": round(float(imp.importances_mean[j]), 4),
                        "direction": "up" if float(np.nan_to_num(rho)) > 0 else "down"})
    final = _model(seed).fit(np.vstack([xtr, xte]),
                             np.concatenate([train_y.to_numpy(), test_y.to_numpy()]))
    return ChurnModel(features, final, days, scope, metrics, drivers)


def score_churn(con: duckdb.DuckDBPyConnection, model: ChurnModel,
                timezone: str) -> pd.Series:
    frame, _ = snapshot(con, model.scope, _end(con), model.days, timezone,  # type: ignore[arg-type]
                        labelled=False)
    return pd.Series(model.predict(frame), index=frame.index, name="churn_probability")


def save_model(model: ChurnModel, path: Path) -> None:
    """Pickle (scikit-learn / LightGBM objects); ``version`` is checked on load."""
    write_bytes(pickle.dumps(model), path)


def load_model(path: Path) -> ChurnModel:
    if not path.exists():
        raise NotFoundError("no churn model: run `crossplay churn fit` first",
                            code="mining_no_churn_model", params={})
    model = pickle.loads(path.read_bytes())  # our own artifact in the data directory
    if not isinstance(model, ChurnModel) or model.version != MODEL_VERSION:
        raise MiningError("the stored churn model is from another version: run "
                          "`crossplay churn fit` again", code="mining_churn_model_version",
                          params={})
    return model


def kaplan_meier(con: duckdb.DuckDBPyConnection, scope: Scope, days: int,
                 groups: pd.Series | None) -> list[dict[str, Any]]:
    """Retention curves (share still active after t days) by group, lifelines KM."""
    from lifelines import KaplanMeierFitter

    end = _end(con)
    rows = con.sql(f"""
        SELECT p.unit, min(e.ts), max(e.ts) FROM events e JOIN ({population_sql(scope)}) p
          ON e.partner = p.partner AND e.user_key = p.user_key GROUP BY p.unit""").fetchall()
    frame = pd.DataFrame(rows, columns=["unit", "first", "last"]).set_index("unit")
    dur = (frame["last"] - frame["first"]).dt.total_seconds() / 86400.0
    event = (end - frame["last"]).dt.total_seconds() / 86400.0 >= days
    group = (groups.reindex(frame.index) if groups is not None
             else pd.Series("all", index=frame.index))
    out = []
    for g in sorted(group.dropna().unique().tolist(), key=str):
        m = (group == g).to_numpy()
        if m.sum() < 5:
            continue
        kmf = KaplanMeierFitter().fit(dur[m].clip(lower=0.0), event[m])
        at = [1, 7, 14, 28]
        surv = kmf.survival_function_at_times(at).to_numpy()
        out.append({"group": g if isinstance(g, str) else int(g), "n": int(m.sum()),
                    "churned": int(event[m].sum()),
                    "survival": {str(t): round(float(s), 4) for t, s in zip(at, surv,
                                                                            strict=True)},
                    "median_days": (None if not np.isfinite(kmf.median_survival_time_)
                                    else round(float(kmf.median_survival_time_), 2))})
    return out
