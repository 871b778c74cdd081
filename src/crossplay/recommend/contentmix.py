"""Content mix: the α / β slate policy and the conversion-value loss of the seed documents.

Symbols (per person ``u``; docs/content-mix.md says how each is measured in crossplay):

- ``C^K_u`` knowledge content consumed (interaction strength of enrolments, lessons,
  completions, purchases, ratings on the knowledge platform);
- ``T^K_u`` time on the knowledge platform (hours of lessons watched);
- ``T^G_u`` time on the game / streaming platform (hours of sessions and stream watching);
- ``F_u`` conversion value (yuan paid on either platform, refunds subtracted);
- ``α_u = C^K_u / (C^K_u + T^K_u + T^G_u)`` (knowledge share),
  ``β_u = T^G_u / (C^K_u + T^K_u + T^G_u)`` (game / stream share);
- the loss ``L(θ) = Σ_u ω_u (θ_C C^K_u + θ_K T^K_u + θ_G T^G_u − F_u)^2 + λ |θ − θ_0|^2``.

The seed's loss has the three terms in one unit; crossplay's terms come in different
units (strength, hours), so each gets a coefficient θ that puts it in yuan of conversion
value, and θ is what is fitted (closed-form ridge, or projected gradient descent with
θ ≥ 0). With θ = (1, 1, 1) the fitted shares reduce to the seed's α and β exactly. Per
segment, θ_s is shrunk towards the global fit θ_0, and the segment's shares are

``α_s = θ_C ΣC^K / D_s``, ``β_s = θ_G ΣT^G / D_s``, ``D_s = θ_C ΣC^K + θ_K ΣT^K + θ_G ΣT^G``

(the share of the segment's conversion value that each term explains). A blended slate of
N items takes ``round(N α_s / (α_s + β_s))`` knowledge items and the rest from the game
side (``T^K`` is time inside knowledge content: it enters the normaliser, not the slate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from crossplay.core.errors import ConfigError

FloatArray = npt.NDArray[np.float64]
TERMS = ("C_K", "T_K", "T_G")


def raw_shares(C_K: FloatArray, T_K: FloatArray, T_G: FloatArray
               ) -> tuple[FloatArray, FloatArray]:
    """The seed's α_u and β_u (0 for a person with no activity)."""
    total = C_K + T_K + T_G
    safe = np.where(total > 0, total, 1.0)
    return np.where(total > 0, C_K / safe, 0.0), np.where(total > 0, T_G / safe, 0.0)


def loss(theta: FloatArray, X: FloatArray, F: FloatArray, w: FloatArray,
         l2: float = 0.0, prior: FloatArray | None = None) -> float:
    """``Σ ω (Xθ − F)^2 + λ |θ − θ_0|^2``."""
    p = np.zeros_like(theta) if prior is None else prior
    r = X @ theta - F
    return float(np.sum(w * r * r) + l2 * np.sum((theta - p) ** 2))


def fit_ridge(X: FloatArray, F: FloatArray, w: FloatArray, l2: float = 0.0,
              prior: FloatArray | None = None) -> FloatArray:
    """The unconstrained minimiser: ``(XᵀWX + λI)⁻¹ (XᵀWF + λθ_0)``."""
    p = np.zeros(X.shape[1]) if prior is None else prior
    A = X.T @ (X * w[:, None]) + l2 * np.eye(X.shape[1])
    b = X.T @ (w * F) + l2 * p
    try:
        return np.asarray(np.linalg.solve(A, b), np.float64)
    except np.linalg.LinAlgError:
        return np.asarray(np.linalg.lstsq(A, b, rcond=None)[0], np.float64)


def fit_gradient(X: FloatArray, F: FloatArray, w: FloatArray, l2: float = 0.0,
                 prior: FloatArray | None = None, *, nonnegative: bool = True,
                 iterations: int = 20_000, tol: float = 1e-12) -> FloatArray:
    """Projected gradient descent on the loss (step 1/L, L the gradient's Lipschitz
    constant); with ``nonnegative`` every θ stays ≥ 0 (a negative yuan-per-hour would
    make a share negative)."""
    p = np.zeros(X.shape[1]) if prior is None else prior
    scale = np.maximum(np.sqrt(np.sum(w[:, None] * X * X, axis=0)), 1e-12)
    Xs = X / scale  # precondition: each column to unit weighted norm
    A = Xs.T @ (Xs * w[:, None]) + l2 * np.diag(1.0 / scale**2)
    b = Xs.T @ (w * F) + l2 * p / scale
    L = 2.0 * float(np.linalg.eigvalsh(A).max()) or 1.0
    z = np.zeros(X.shape[1])
    for _ in range(iterations):
        grad = 2.0 * (A @ z - b)
        z_new = z - grad / L
        if nonnegative:
            z_new = np.maximum(z_new, 0.0)
        if np.max(np.abs(z_new - z)) < tol:
            z = z_new
            break
        z = z_new
    return np.asarray(z / scale, np.float64)


@dataclass(frozen=True)
class MixFit:
    """Global θ and per-segment θ, α, β with the data they rest on."""

    theta: FloatArray
    segments: pd.DataFrame  # segment, persons, theta_C_K, theta_T_K, theta_T_G, alpha, beta,
    #                         raw_alpha, raw_beta, loss

    def shares(self, segment: str) -> tuple[float, float]:
        row = self.segments[self.segments["segment"] == segment]
        if row.empty:
            row = self.segments[self.segments["segment"] == "all"]
        return float(row["alpha"].iloc[0]), float(row["beta"].iloc[0])

    def raw_shares(self, segment: str) -> tuple[float, float]:
        """The seed's unfitted α, β of the segment (θ = 1)."""
        row = self.segments[self.segments["segment"] == segment]
        if row.empty:
            row = self.segments[self.segments["segment"] == "all"]
        return float(row["raw_alpha"].iloc[0]), float(row["raw_beta"].iloc[0])


def segment_of(C_K: FloatArray, T_K: FloatArray, T_G: FloatArray,
               threshold: float = 0.6) -> npt.NDArray[np.str_]:
    """``knowledge`` / ``game`` when that side holds more than ``threshold`` of the
    person's (raw) activity, ``mixed`` otherwise."""
    k = C_K + T_K
    total = k + T_G
    share = np.where(total > 0, k / np.where(total > 0, total, 1.0), 0.5)
    return np.where(share > threshold, "knowledge",
                    np.where(share < 1 - threshold, "game", "mixed")).astype(str)


def fit_mix(frame: pd.DataFrame, *, l2: float = 1.0, method: Literal["ridge", "gd"] = "gd",
            min_persons: int = 30) -> MixFit:
    """Fit θ globally and per segment on a frame with ``C_K``, ``T_K``, ``T_G``, ``F``,
    optional ``weight`` (ω, default 1) and ``segment``."""
    missing = [c for c in (*TERMS, "F") if c not in frame]
    if missing:
        raise ConfigError(f"content mix needs columns {', '.join(missing)}",
                          code="mix_columns", params={"columns": ", ".join(missing)})
    if len(frame) < 3:
        raise ConfigError("content mix needs at least three persons", code="mix_data")
    X = frame[list(TERMS)].to_numpy(np.float64)
    F = frame["F"].to_numpy(np.float64)
    w = frame["weight"].to_numpy(np.float64) if "weight" in frame else np.ones(len(frame))
    if (X < 0).any() or (w < 0).any():
        raise ConfigError("activity and weights must not be negative",
                          code="mix_data_negative")
    fit = fit_gradient if method == "gd" else fit_ridge
    theta = fit(X, F, w, l2)
    seg = (frame["segment"].astype(str).to_numpy() if "segment" in frame
           else np.full(len(frame), "all"))
    rows = []
    names = sorted({str(x) for x in seg} - {"all"})
    for name in ["all", *names]:
        m = np.ones(len(frame), bool) if name == "all" else seg == name
        if name != "all" and m.sum() < min_persons:
            th = theta  # too few persons: the global θ
        elif name == "all":
            th = theta
        else:
            th = fit(X[m], F[m], w[m], l2 * max(1.0, m.sum() / 10), theta)
        sums = X[m].sum(axis=0)
        contrib = np.maximum(th, 0.0) * sums
        d = contrib.sum()
        ra, rb = raw_shares(*sums)
        rows.append({"segment": name, "persons": int(m.sum()),
                     "theta_C_K": th[0], "theta_T_K": th[1], "theta_T_G": th[2],
                     "alpha": float(contrib[0] / d) if d > 0 else float(ra),
                     "beta": float(contrib[2] / d) if d > 0 else float(rb),
                     "raw_alpha": float(ra), "raw_beta": float(rb),
                     "loss": loss(th, X[m], F[m], w[m])})
    return MixFit(theta=theta, segments=pd.DataFrame(rows))


def slate_counts(alpha: float, beta: float, n: int) -> tuple[int, int]:
    """(knowledge items, game-side items) of an ``n``-item slate."""
    total = alpha + beta
    k = round(n * alpha / total) if total > 0 else n // 2
    return k, n - k


def blend(knowledge: list[int], game_side: list[int], n_knowledge: int,
          n: int) -> list[int]:
    """Interleave the two ranked lists into one slate with ``n_knowledge`` knowledge items
    (fewer when the knowledge list runs out; the game side fills up, and vice versa)."""
    k = min(n_knowledge, len(knowledge))
    g = min(n - k, len(game_side))
    k = min(len(knowledge), n - g)
    out: list[int] = []
    ki = gi = 0
    while len(out) < k + g:
        # keep the slate's running knowledge share close to the target share
        want_k = ki < k and (gi >= g or ki * (k + g) <= len(out) * k)
        if want_k:
            out.append(knowledge[ki])
            ki += 1
        else:
            out.append(game_side[gi])
            gi += 1
    return out


# --- which policy to apply: the held-out verdict ---------------------------------------------

Policy = Literal["fitted", "raw", "fixed_50_50"]
POLICIES: tuple[Policy, ...] = ("fitted", "raw", "fixed_50_50")
Reason = Literal["fitted_better", "raw_better", "fitted_worse", "tie", "no_holdout"]
#: two-sided 95 % normal quantile: a difference counts when its interval excludes 0
Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Paired:
    """A candidate policy against a baseline, paired per person: the mean per-person
    difference and its standard error (sample s.d. / √n)."""

    persons: int
    candidate: float
    baseline: float
    difference: float
    standard_error: float

    @property
    def z(self) -> float:
        if self.standard_error > 0:
            return self.difference / self.standard_error
        return 0.0 if self.difference == 0 else float(np.sign(self.difference)) * np.inf

    @property
    def p_value(self) -> float:
        """Two-sided, normal approximation."""
        return float(math.erfc(abs(self.z) / math.sqrt(2.0)))

    @property
    def better(self) -> bool:
        """Significantly better than the baseline (95 % interval above 0)."""
        return self.persons >= 2 and self.difference - Z_95 * self.standard_error > 0

    @property
    def worse(self) -> bool:
        return self.persons >= 2 and self.difference + Z_95 * self.standard_error < 0

    def as_dict(self) -> dict[str, Any]:
        return {"persons": self.persons, "candidate": round(self.candidate, 6),
                "baseline": round(self.baseline, 6), "difference": round(self.difference, 6),
                "standard_error": round(self.standard_error, 6),
                "p_value": float(f"{self.p_value:.4g}"), "significantly_better": self.better,
                "significantly_worse": self.worse}


def paired(candidate: FloatArray, baseline: FloatArray) -> Paired:
    """Compare two per-person score arrays of equal length."""
    c = np.asarray(candidate, np.float64)
    b = np.asarray(baseline, np.float64)
    if c.shape != b.shape:
        raise ConfigError("a paired comparison needs one score per person for both "
                          "policies", code="mix_data_paired")
    d = c - b
    se = float(d.std(ddof=1) / math.sqrt(d.size)) if d.size > 1 else 0.0
    return Paired(persons=int(d.size), candidate=float(c.mean()) if c.size else 0.0,
                  baseline=float(b.mean()) if b.size else 0.0,
                  difference=float(d.mean()) if d.size else 0.0, standard_error=se)


@dataclass(frozen=True)
class Verdict:
    """The policy to apply and why.

    ``versus`` holds the fitted and the raw mix against 50/50 (held-out, paired per
    person); ``best`` is the policy with the highest held-out mean (50/50 included);
    ``segment_policy`` is what each segment gets: the chosen policy, or 50/50 where the
    chosen mix is significantly worse than 50/50 inside that segment (``segment_versus``
    holds those per-segment comparisons).
    """

    chosen: Policy
    reason: Reason
    best: Policy
    versus: dict[Policy, Paired]
    segment_policy: dict[str, Policy]
    segment_versus: dict[str, Paired]

    def as_dict(self) -> dict[str, Any]:
        return {"chosen": self.chosen, "reason": self.reason, "best": self.best,
                "versus_50_50": {k: v.as_dict() for k, v in self.versus.items()},
                "segment_policy": dict(self.segment_policy),
                "segment_versus_50_50": {k: v.as_dict()
                                         for k, v in self.segment_versus.items()}}


def choose_policy(values: dict[Policy, FloatArray], segments: npt.NDArray[np.str_],
                  *, min_persons: int = 20) -> Verdict:
    """Pick the policy to apply from per-person held-out scores of the three policies.

    A mix is applied only when it beats the 50/50 slate significantly (its paired 95 %
    interval lies above 0); when both mixes do, the higher mean wins (the fitted one on a
    tie). Otherwise 50/50 is applied: because the fitted mix is significantly worse
    (``fitted_worse``), because nothing differs significantly (``tie``), or because fewer
    than ``min_persons`` persons have held-out behaviour (``no_holdout``). Inside a
    segment where the chosen mix is significantly worse than 50/50, that segment gets
    50/50 (a degenerate share, α or β = 0, that held-out data refute is not applied).
    """
    base = np.asarray(values["fixed_50_50"], np.float64)
    seg = np.asarray(segments).astype(str)
    if seg.shape != base.shape:
        raise ConfigError("one segment per person is needed", code="mix_data_segments")
    versus: dict[Policy, Paired] = {p: paired(values[p], base) for p in ("fitted", "raw")}
    means = {p: float(np.mean(values[p])) if base.size else 0.0 for p in POLICIES}
    best = max(POLICIES, key=lambda p: (means[p], -POLICIES.index(p)))
    names = sorted(set(seg.tolist()))
    if base.size < min_persons:
        return Verdict("fixed_50_50", "no_holdout", best, versus,
                       {s: "fixed_50_50" for s in names}, {})
    winners: list[Policy] = [p for p in versus if versus[p].better]
    if not winners:
        reason: Reason = "fitted_worse" if versus["fitted"].worse else "tie"
        return Verdict("fixed_50_50", reason, best, versus,
                       {s: "fixed_50_50" for s in names}, {})
    chosen: Policy = max(winners, key=lambda p: (versus[p].difference,
                                                 -POLICIES.index(p)))
    seg_vs = {s: paired(values[chosen][seg == s], base[seg == s]) for s in names}
    seg_pol: dict[str, Policy] = {s: "fixed_50_50" if seg_vs[s].worse else chosen
                                  for s in names}
    return Verdict(chosen, "fitted_better" if chosen == "fitted" else "raw_better", best,
                   versus, seg_pol, seg_vs)


def policy_shares(fit: MixFit, policy: Policy, segment: str) -> tuple[float, float]:
    """(α, β) of a segment under a policy (50/50 is (0.5, 0.5))."""
    if policy == "fitted":
        return fit.shares(segment)
    if policy == "raw":
        return fit.raw_shares(segment)
    return 0.5, 0.5


def knowledge_items(fit: MixFit, policy: Policy, segment: str, n: int) -> int:
    """Knowledge items in an ``n``-item slate of a segment under a policy (the 50/50
    slate takes ``n // 2``)."""
    if policy == "fixed_50_50":
        return n // 2
    return slate_counts(*policy_shares(fit, policy, segment), n)[0]


# --- degenerate shares: what an α or β of 0 means ---------------------------------------------

Side = Literal["knowledge", "game"]
NoteCause = Literal["theta_zero", "no_activity", "both_zero"]


@dataclass(frozen=True)
class ShareNote:
    """A segment whose fitted slate holds no items of one side (or falls back to 50/50
    because neither side explains spend), and why."""

    segment: str
    side: Side | None  # None with ``both_zero``
    cause: NoteCause

    def as_dict(self) -> dict[str, Any]:
        return {"segment": self.segment, "side": self.side, "cause": self.cause}


def share_notes(fit: MixFit) -> list[ShareNote]:
    """One note per segment side whose fitted share is 0: ``no_activity`` when the
    segment had none of that side's activity, ``theta_zero`` when it had some but its θ
    is 0 (that activity adds no explanation of spend beyond the other terms), and
    ``both_zero`` when α = β = 0 (only lesson hours explain spend: the slate is 50/50)."""
    notes: list[ShareNote] = []
    for row in fit.segments.to_dict("records"):
        seg = str(row["segment"])
        a, b = float(row["alpha"]), float(row["beta"])
        if a <= 0 and b <= 0:
            notes.append(ShareNote(seg, None, "both_zero"))
            continue
        sides: tuple[tuple[Side, float, float], ...] = (
            ("knowledge", a, float(row["raw_alpha"])), ("game", b, float(row["raw_beta"])))
        for side, share, raw in sides:
            if share <= 0:
                notes.append(ShareNote(seg, side,
                                       "no_activity" if raw <= 0 else "theta_zero"))
    return notes
