"""Uplift models (T-, X-, S-learner, class transformation) and their evaluation (Qini, AUUC,
uplift@k).

Models follow scikit-learn's conventions: ``__init__`` stores its arguments, ``fit(X, t, y)``
returns ``self``, learned state ends in ``_``, ``predict(X)`` returns the estimated
individual effect ``tau(x) = E[y | x, treated] - E[y | x, control]``.

- **T-learner**: one outcome model per arm; ``tau = mu1(x) - mu0(x)``.
- **X-learner** (Künzel et al. 2019): the T-learner's arm models impute individual effects
  ``D1 = y - mu0(x)`` for the treated and ``D0 = mu1(x) - y`` for the controls; two effect
  models are fitted to those and blended by the propensity ``g`` (the treated share):
  ``tau = g * tau0(x) + (1 - g) * tau1(x)``.
- **S-learner**: one outcome model over the features and the treatment flag;
  ``tau = mu(x, 1) - mu(x, 0)``. Trees find treatment interactions by splitting on the flag;
  the linear base gets the interactions ``x * t`` as extra columns (otherwise its effect
  would be one number for everyone: scikit-uplift's ``SoloModel(method=
  "treatment_interaction")``).
- **Class transformation** (Jaskowski & Jaroszewicz 2012; scikit-uplift's
  ``ClassTransformation``): for a 0/1 outcome, one classifier of ``z = 1`` when
  (treated and converted) or (control and not converted); ``tau = 2 P(z = 1 | x) - 1``.
  That identity needs half the people treated, so the rows are weighted to give both arms
  the same total weight (``0.5 / p`` treated, ``0.5 / (1 - p)`` control) — with a 50/50
  split the weights are all 1 and the model is scikit-uplift's. For other outcomes, the
  transformed outcome ``y (t - p) / (p (1 - p))`` (Athey & Imbens 2016; scikit-uplift's
  ``ClassTransformationReg`` with a constant propensity), whose mean given ``x`` is the
  effect, is fitted with a regressor.

Base learners: LightGBM (``base="lightgbm"``, shallow gradient-boosted trees — 4 leaves,
at least ``n / 15`` (20..200) people per leaf: outcomes are rare, so small leaves fit
noise) or scikit-learn's ``HistGradientBoosting`` with the same shape, or strongly
penalised linear models (logistic regression / ridge) over the standardised
``sign(x) log(1 + |x|)`` of the features (counts and seconds are heavy-tailed). Binary
outcomes use classifiers' probabilities for the arm models.

Evaluation on a hold-out: the Qini curve ``Q(k) = Y_t(k) - Y_c(k) * N_t(k) / N_c(k)``
(incremental outcomes among the top k by predicted uplift), AUUC as the area between the
Qini curve and the random-targeting line, normalised by the number of people, and
uplift@k (treated minus control outcome rate in the top k%).

Why written here: causalml (the usual home of these learners) pulls xgboost and a 470 MB
CUDA wheel, and scikit-uplift is not a dependency; the learners are a few lines over
LightGBM / scikit-learn, and the curve and its area are pinned against a brute-force
computation in ``tests/measure/test_uplift.py`` and judged on data with known effects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from crossplay.measure.errors import MeasureError

Base = Literal["lightgbm", "hgb", "linear"]
FloatArray = npt.NDArray[np.float64]


def _check(X: Any, t: Any, y: Any) -> tuple[FloatArray, npt.NDArray[np.bool_], FloatArray]:
    Xa = np.asarray(X, dtype=np.float64)
    ta = np.asarray(t).astype(bool)
    ya = np.asarray(y, dtype=np.float64)
    if Xa.ndim != 2 or len(Xa) != len(ta) or len(ta) != len(ya):
        raise MeasureError("uplift: X must be 2-D with one row per treatment and outcome value",
                           code="uplift_shape")
    if not np.isfinite(Xa).all() or not np.isfinite(ya).all():
        raise MeasureError("uplift: features and outcomes must be finite numbers",
                           code="uplift_not_finite")
    if ta.sum() < 5 or (~ta).sum() < 5:
        raise MeasureError("uplift: need at least 5 treated and 5 control people",
                           code="uplift_too_few")
    return Xa, ta, ya


def _binary(y: FloatArray) -> bool:
    return bool(np.isin(y, (0.0, 1.0)).all())


def _min_leaf(n_rows: int) -> int:
    """Rows per leaf: a fifteenth of the rows, 20..200. Outcomes are rare (a few percent
    convert), so a leaf needs hundreds of people before its rate means anything; tuned on
    the synthetic world's campaign (benchmarks/README.md, "uplift")."""
    return int(np.clip(n_rows // 15, 20, 200))


def _symlog(X: FloatArray) -> FloatArray:
    """``sign(x) * log(1 + |x|)``: activity counts and seconds are heavy-tailed."""
    return np.asarray(np.sign(X) * np.log1p(np.abs(X)), dtype=np.float64)


def _model(base: Base, binary: bool, random_state: int, n_rows: int) -> Any:
    if base == "lightgbm":
        import lightgbm as lgb

        params: dict[str, Any] = {"n_estimators": 150, "learning_rate": 0.03, "num_leaves": 4,
                                  "min_child_samples": _min_leaf(n_rows), "subsample": 0.8,
                                  "subsample_freq": 1, "colsample_bytree": 0.8,
                                  "reg_lambda": 5.0, "random_state": random_state,
                                  "n_jobs": 1, "verbose": -1}
        return lgb.LGBMClassifier(**params) if binary else lgb.LGBMRegressor(**params)
    if base == "hgb":
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

        kw: dict[str, Any] = {"max_iter": 150, "learning_rate": 0.03, "max_leaf_nodes": 4,
                              "min_samples_leaf": _min_leaf(n_rows), "l2_regularization": 5.0,
                              "random_state": random_state}
        return (HistGradientBoostingClassifier(**kw) if binary
                else HistGradientBoostingRegressor(**kw))
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    # strong shrinkage: with a few dozen conversions per arm, weak penalties fit noise
    return make_pipeline(FunctionTransformer(_symlog), StandardScaler(),
                         LogisticRegression(C=0.05, max_iter=2000) if binary
                         else Ridge(alpha=10.0))


def _fit_predict_fn(base: Base, random_state: int, X: FloatArray, y: FloatArray,
                    binary: bool) -> Any:
    if binary and len(np.unique(y)) < 2:
        const = float(y[0]) if len(y) else 0.0
        return lambda Z: np.full(len(Z), const)
    model = _model(base, binary, random_state, len(X))
    model.fit(X, y.astype(int) if binary else y)
    if binary:
        return lambda Z: model.predict_proba(Z)[:, 1]
    return lambda Z: np.asarray(model.predict(Z), dtype=np.float64)


class TLearner:
    """Two outcome models; the effect is the difference of their predictions."""

    def __init__(self, base: Base = "lightgbm", random_state: int = 0) -> None:
        self.base = base
        self.random_state = random_state

    def fit(self, X: Any, treatment: Any, y: Any) -> TLearner:
        Xa, t, ya = _check(X, treatment, y)
        self.binary_ = _binary(ya)
        self.mu0_ = _fit_predict_fn(self.base, self.random_state, Xa[~t], ya[~t],
                                    self.binary_)
        self.mu1_ = _fit_predict_fn(self.base, self.random_state + 1, Xa[t], ya[t],
                                    self.binary_)
        return self

    def predict(self, X: Any) -> FloatArray:
        if not hasattr(self, "mu0_"):
            raise MeasureError("this uplift model is not fitted yet: call fit first",
                               code="uplift_not_fitted")
        Xa = np.asarray(X, dtype=np.float64)
        return np.asarray(self.mu1_(Xa) - self.mu0_(Xa), dtype=np.float64)


def _fit_weighted_fn(base: Base, random_state: int, X: FloatArray, y: FloatArray,
                     weight: FloatArray, binary: bool) -> Any:
    """Like :func:`_fit_predict_fn`, with a weight per row (class transformation)."""
    if binary and len(np.unique(y)) < 2:
        const = float(y[0]) if len(y) else 0.0
        return lambda Z: np.full(len(Z), const)
    model = _model(base, binary, random_state, len(X))
    target = y.astype(int) if binary else y
    if base == "linear":  # a pipeline: the weight goes to its last step
        model.fit(X, target, **{f"{model.steps[-1][0]}__sample_weight": weight})
    else:
        model.fit(X, target, sample_weight=weight)
    if binary:
        return lambda Z: model.predict_proba(Z)[:, 1]
    return lambda Z: np.asarray(model.predict(Z), dtype=np.float64)


def _not_fitted() -> MeasureError:
    return MeasureError("this uplift model is not fitted yet: call fit first",
                        code="uplift_not_fitted")


class XLearner:
    """T-learner arm models, imputed effects, two effect models blended by propensity."""

    def __init__(self, base: Base = "lightgbm", random_state: int = 0) -> None:
        self.base = base
        self.random_state = random_state

    def fit(self, X: Any, treatment: Any, y: Any) -> XLearner:
        Xa, t, ya = _check(X, treatment, y)
        arms = TLearner(self.base, self.random_state).fit(Xa, t, ya)
        d1 = ya[t] - arms.mu0_(Xa[t])
        d0 = arms.mu1_(Xa[~t]) - ya[~t]
        self.tau1_ = _fit_predict_fn(self.base, self.random_state + 2, Xa[t], d1, False)
        self.tau0_ = _fit_predict_fn(self.base, self.random_state + 3, Xa[~t], d0, False)
        self.propensity_ = float(t.mean())
        return self

    def predict(self, X: Any) -> FloatArray:
        if not hasattr(self, "tau1_"):
            raise MeasureError("this uplift model is not fitted yet: call fit first",
                               code="uplift_not_fitted")
        Xa = np.asarray(X, dtype=np.float64)
        g = self.propensity_
        return np.asarray(g * self.tau0_(Xa) + (1 - g) * self.tau1_(Xa), dtype=np.float64)


class SLearner:
    """One outcome model over the features and the treatment flag (module doc)."""

    def __init__(self, base: Base = "lightgbm", random_state: int = 0) -> None:
        self.base = base
        self.random_state = random_state

    def _design(self, X: FloatArray, treated: bool | npt.NDArray[np.bool_]) -> FloatArray:
        flag = np.broadcast_to(np.asarray(treated, dtype=np.float64), (len(X),))[:, None]
        parts = [X, flag, X * flag] if self.base == "linear" else [X, flag]
        return np.hstack(parts)

    def fit(self, X: Any, treatment: Any, y: Any) -> SLearner:
        Xa, t, ya = _check(X, treatment, y)
        self.binary_ = _binary(ya)
        self.mu_ = _fit_predict_fn(self.base, self.random_state, self._design(Xa, t), ya,
                                   self.binary_)
        return self

    def predict(self, X: Any) -> FloatArray:
        if not hasattr(self, "mu_"):
            raise _not_fitted()
        Xa = np.asarray(X, dtype=np.float64)
        return np.asarray(self.mu_(self._design(Xa, True)) - self.mu_(self._design(Xa, False)),
                          dtype=np.float64)


class ClassTransformation:
    """One model of a transformed target whose mean given ``x`` is the effect (module doc)."""

    def __init__(self, base: Base = "lightgbm", random_state: int = 0) -> None:
        self.base = base
        self.random_state = random_state

    def fit(self, X: Any, treatment: Any, y: Any) -> ClassTransformation:
        Xa, t, ya = _check(X, treatment, y)
        self.binary_ = _binary(ya)
        p = float(t.mean())
        self.propensity_ = p
        if self.binary_:
            z = (ya == t.astype(np.float64)).astype(np.float64)
            weight = np.where(t, 0.5 / p, 0.5 / (1.0 - p))
            self.model_ = _fit_weighted_fn(self.base, self.random_state, Xa, z, weight, True)
        else:
            target = ya * (t.astype(np.float64) - p) / (p * (1.0 - p))
            self.model_ = _fit_predict_fn(self.base, self.random_state, Xa, target, False)
        return self

    def predict(self, X: Any) -> FloatArray:
        if not hasattr(self, "model_"):
            raise _not_fitted()
        raw = np.asarray(self.model_(np.asarray(X, dtype=np.float64)), dtype=np.float64)
        return np.asarray(2.0 * raw - 1.0 if self.binary_ else raw, dtype=np.float64)


@dataclass(frozen=True)
class QiniCurve:
    fraction: list[float]  # share of people targeted, 0..1
    qini: list[float]  # incremental outcomes among them
    random: list[float]  # the random-targeting line


def qini_curve(uplift: Any, treatment: Any, y: Any, points: int = 101) -> QiniCurve:
    """Qini curve over people ranked by predicted uplift (ties broken by input order)."""
    u = np.asarray(uplift, dtype=np.float64)
    t = np.asarray(treatment).astype(bool)
    ya = np.asarray(y, dtype=np.float64)
    order = np.argsort(-u, kind="stable")
    t, ya = t[order], ya[order]
    n_t = np.cumsum(t)
    n_c = np.cumsum(~t)
    y_t = np.cumsum(ya * t)
    y_c = np.cumsum(ya * ~t)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(n_c > 0, y_t - y_c * n_t / np.where(n_c > 0, n_c, 1), y_t)
    q = np.concatenate([[0.0], q])
    n = len(u)
    idx = np.unique(np.linspace(0, n, points).astype(int))
    total = q[-1]
    return QiniCurve([float(i / n) for i in idx], [float(q[i]) for i in idx],
                     [float(total * i / n) for i in idx])


def auuc(curve: QiniCurve) -> float:
    """Area between the Qini curve and random targeting (trapezoids over the fraction)."""
    f = np.asarray(curve.fraction)
    gap = np.asarray(curve.qini) - np.asarray(curve.random)
    return float(np.sum((gap[1:] + gap[:-1]) / 2 * np.diff(f)))


def uplift_at(uplift: Any, treatment: Any, y: Any, q: float) -> float:
    """Treated minus control outcome rate among the top ``q`` share by predicted uplift."""
    u = np.asarray(uplift, dtype=np.float64)
    t = np.asarray(treatment).astype(bool)
    ya = np.asarray(y, dtype=np.float64)
    k = max(1, round(q * len(u)))
    top = np.argsort(-u, kind="stable")[:k]
    tt, yy = t[top], ya[top]
    if tt.sum() == 0 or (~tt).sum() == 0:
        return float("nan")
    return float(yy[tt].mean() - yy[~tt].mean())


def top_share(scores: Any, q: float) -> npt.NDArray[np.bool_]:
    """Mask of the top ``q`` share by score (the targeting policy)."""
    if not 0 < q <= 1:
        raise MeasureError("the targeted share q must be in (0, 1]", code="uplift_q_share")
    s = np.asarray(scores, dtype=np.float64)
    k = max(1, round(q * len(s)))
    mask = np.zeros(len(s), dtype=bool)
    mask[np.argsort(-s, kind="stable")[:k]] = True
    return mask


Kind = Literal["t", "x", "s", "ct"]
#: the learners :func:`make_model` builds, by their ``--model`` name
MODELS: dict[str, type[TLearner | XLearner | SLearner | ClassTransformation]] = {
    "t": TLearner, "x": XLearner, "s": SLearner, "ct": ClassTransformation}
#: their names as the literature writes them (the same in every language)
LEARNER_NAMES = {"t": "T-learner", "x": "X-learner", "s": "S-learner",
                 "ct": "class transformation"}


def make_model(kind: Kind, base: Base = "lightgbm", random_state: int = 0
               ) -> TLearner | XLearner | SLearner | ClassTransformation:
    return MODELS[kind](base, random_state)
