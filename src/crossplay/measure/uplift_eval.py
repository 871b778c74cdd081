"""Fit an uplift model on part of a randomised experiment, judge it on the rest.

The people are split (stratified by arm) into a training and a hold-out part — or the
caller gives the hold-out (a file's own train/test column), used exactly; the model is
fitted on the first and ranks the second. Reported on the hold-out: the Qini curve, AUUC,
uplift@q and the targeting policy "treat the top q% by predicted uplift" against random
targeting of the same number of people — the incremental outcomes each captures (for
the policy, the Qini value at q; for random targeting, q times the total). When the true
individual effects are known (simulations, the synthetic world), the same ratio is also
computed on them — true incremental conversions of the top q of the hold-out over q times
the hold-out's total — with the oracle's ratio (ranking by the true effect) as the ceiling.
The audience is then scored by a model refitted on everyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from crossplay.measure.errors import MeasureError
from crossplay.measure.uplift import (
    LEARNER_NAMES,
    Base,
    Kind,
    QiniCurve,
    auuc,
    make_model,
    qini_curve,
    top_share,
    uplift_at,
)


@dataclass(frozen=True)
class UpliftEvaluation:
    model: str
    base: str
    features: list[str]
    n_train: int
    n_holdout: int
    q: float
    auuc: float
    uplift_at_q: float
    policy_incremental: float
    random_incremental: float
    ratio_to_random: float | None
    qini: QiniCurve
    audience_size: int
    truth_ratio_to_random: float | None = None  # when true effects are known
    oracle_ratio_to_random: float | None = None  # the same for a ranking by the true effect
    notes: list[str] = field(default_factory=list)
    #: the notes as stable codes, in the same order (a face words them in its language)
    note_codes: list[str] = field(default_factory=list)
    #: how the hold-out was chosen: ``random`` (stratified by arm) or ``given`` (by the caller)
    split: str = "random"

    @property
    def learner(self) -> str:
        """The model's name as the literature writes it (``X-learner``)."""
        return LEARNER_NAMES.get(self.model, self.model)


@dataclass(frozen=True)
class UpliftRun:
    """An evaluation with its per-person arrays."""

    evaluation: UpliftEvaluation
    #: every person's predicted uplift by the model refitted on everyone
    scores: npt.NDArray[np.float64]
    #: which people are the hold-out
    holdout: npt.NDArray[np.bool_]
    #: the hold-out's predicted uplift by the model fitted on the training part
    holdout_uplift: npt.NDArray[np.float64]


def split(treatment: npt.NDArray[np.bool_], holdout: float, seed: int
          ) -> npt.NDArray[np.bool_]:
    """Mask of hold-out rows, ``holdout`` of each arm."""
    if not 0 < holdout < 1:
        raise MeasureError("--holdout must be a share in (0, 1)", code="uplift_holdout")
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(treatment), dtype=bool)
    for arm in (True, False):
        idx = np.flatnonzero(treatment == arm)
        k = round(holdout * len(idx))
        mask[rng.choice(idx, size=k, replace=False)] = True
    return mask


def check_holdout(treatment: npt.NDArray[np.bool_], holdout: npt.NDArray[np.bool_],
                  column: str = "") -> None:
    """A given hold-out must leave at least 5 treated and 5 control people in each part."""
    for part, mask in (("train", ~holdout), ("test", holdout)):
        treated, control = int(treatment[mask].sum()), int((~treatment[mask]).sum())
        if treated < 5 or control < 5:
            raise MeasureError(
                f"the {part} rows of split column {column!r} hold {treated:,} treated and "
                f"{control:,} control people: each part needs at least 5 of each",
                code="uplift_split_arms", params={"part": part, "column": column,
                                                  "treated": treated, "control": control})


def run(X: Any, treatment: Any, y: Any, *, features: list[str], model: Kind = "x",
        base: Base = "lightgbm", q: float = 0.3, holdout: float = 0.3, seed: int = 0,
        true_effect: Any = None, test: Any = None, split_column: str = "") -> UpliftRun:
    """The evaluation and its arrays. ``test``: the hold-out mask to use as it is (else a
    random ``holdout`` share of each arm); ``split_column`` names it in errors."""
    Xa = np.asarray(X, dtype=np.float64)
    t = np.asarray(treatment).astype(bool)
    ya = np.asarray(y, dtype=np.float64)
    if not 0 < q <= 1:
        raise MeasureError("--q must be a share in (0, 1]", code="uplift_q")
    if test is None:
        ho = split(t, holdout, seed)
    else:
        ho = np.asarray(test).astype(bool)
        check_holdout(t, ho, split_column)
    m = make_model(model, base, seed).fit(Xa[~ho], t[~ho], ya[~ho])
    u = m.predict(Xa[ho])
    curve = qini_curve(u, t[ho], ya[ho])
    k = max(1, round(q * int(ho.sum())))
    full = qini_curve(u, t[ho], ya[ho], points=int(ho.sum()) + 1)
    policy = full.qini[k]
    rand = full.qini[-1] * k / int(ho.sum())
    ratio = policy / rand if rand > 0 else None
    notes: dict[str, str] = {}
    if rand <= 0:
        notes["no_positive_effect"] = ("the hold-out shows no positive overall effect: the "
                                       "ratio to random targeting is undefined")
    everyone = make_model(model, base, seed).fit(Xa, t, ya).predict(Xa)
    truth_ratio = oracle_ratio = None
    if true_effect is not None:
        te = np.asarray(true_effect, dtype=np.float64)
        if te.shape != t.shape or not np.isfinite(te).all():
            raise MeasureError("true effects: one finite number per person",
                               code="uplift_true_effects")
        te_ho = te[ho]
        if te_ho.sum() > 0:  # true incremental outcomes: policy / random of the same size
            random_true = k / len(te_ho) * te_ho.sum()
            truth_ratio = float(te_ho[top_share(u, q)].sum() / random_true)
            oracle_ratio = float(te_ho[top_share(te_ho, q)].sum() / random_true)
        else:
            notes["truth_sums_to_zero"] = ("the true effects of the hold-out sum to zero: no "
                                           "truth ratio")
    ev = UpliftEvaluation(
        model, base, features, int((~ho).sum()), int(ho.sum()), q, auuc(curve),
        uplift_at(u, t[ho], ya[ho], q), float(policy), float(rand), ratio, curve,
        int(top_share(everyone, q).sum()), truth_ratio, oracle_ratio, list(notes.values()),
        list(notes), "random" if test is None else "given")
    return UpliftRun(ev, everyone, ho, np.asarray(u, dtype=np.float64))


def evaluate(X: Any, treatment: Any, y: Any, *, features: list[str], model: Kind = "x",
             base: Base = "lightgbm", q: float = 0.3, holdout: float = 0.3, seed: int = 0,
             true_effect: Any = None) -> tuple[UpliftEvaluation, npt.NDArray[np.float64]]:
    """The evaluation and every person's predicted uplift (model refitted on everyone)."""
    r = run(X, treatment, y, features=features, model=model, base=base, q=q,
            holdout=holdout, seed=seed, true_effect=true_effect)
    return r.evaluation, r.scores
