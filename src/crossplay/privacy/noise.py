"""The noise of a differentially private release: mechanisms, 95 % intervals, noisy cells.

Pure functions over OpenDP (no I/O). Each metric of a noisy release is one OpenDP
measurement (:class:`Mechanism`) over the vector of its groups:

- a **count** (sensitivity 1) gets OpenDP's *discrete* Laplace noise on integers
  (``make_laplace`` over ``i64``): the noisy count is a whole number;
- a **sum** (sensitivity = the per-person bound) gets OpenDP's Laplace noise on floats.

The scale ``b`` is the one the measurement is built with (sensitivity ÷ the metric's ε
share), and the measurement's own privacy map is checked to give at most that ε share
for that sensitivity before any noise is drawn.

**95 % intervals** (two-sided) are computed from the *raw* noisy value ``r``, before the
release rounds or clips it:

- discrete Laplace: ``r ± h``, ``h = ⌊discrete_laplacian_scale_to_accuracy(b, 0.05)⌋``
  (OpenDP): ``P(|noise| ≥ h + 1) ≤ 5 %`` — slightly less, the noise being whole numbers;
- Laplace: ``r ± b·ln(1/0.05)`` (OpenDP ``laplacian_scale_to_accuracy``): ``P(|noise| >
  b·ln 20) = e^(−ln 20) = 5 %`` exactly;
- both are then cut at 0 (a count, or a sum of values clamped to ``[0, bound]``, is never
  negative) and rounded outward; neither step can lose the true value.

A **derived cell** (:class:`crossplay.privacy.aggregates.Ratio`, e.g. spend per buyer =
noisy spend ÷ noisy buyers) has no noise of its own; its interval propagates its parts'
conservatively (Bonferroni): with the 97.5 % intervals ``[n₋, n₊]`` of the numerator and
``[d₋, d₊]`` of the denominator, both hold together with probability ≥ 95 %, and then the
true ratio lies in ``[n₋ / d₊, n₊ / d₋]``; it is cut to ``[0, bound]`` (``bound`` when
``d₋ = 0``).

**Post-processing** of what is printed (no extra ε): a noisy value below 0 is shown as 0,
a noisy count is a whole number, a ratio is cut to ``[0, bound]``.

A cell is **mostly noise** (:func:`is_mostly_noise`) when its 95 % interval reaches 0 or
its half-width is at least the value: the noise alone could explain what is printed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from crossplay.core.errors import CrossplayError

MechanismKind = Literal["discrete_laplace", "laplace"]
#: the level of every interval a release prints
CONFIDENCE = 0.95
ALPHA = 1.0 - CONFIDENCE


@dataclass(frozen=True)
class Mechanism:
    """The noise of one metric: OpenDP mechanism, sensitivity, ε share and scale ``b``."""

    kind: MechanismKind
    sensitivity: float
    epsilon: float
    scale: float

    def half_width(self, alpha: float = ALPHA) -> float:
        """Half-width of the two-sided ``1 - alpha`` interval around a raw noisy value."""
        import opendp.prelude as dp

        if self.kind == "discrete_laplace":
            return float(math.floor(dp.discrete_laplacian_scale_to_accuracy(self.scale, alpha)))
        return float(dp.laplacian_scale_to_accuracy(self.scale, alpha))

    def as_dict(self) -> dict[str, Any]:
        return {"mechanism": self.kind, "sensitivity": self.sensitivity,
                "epsilon": self.epsilon, "scale": self.scale, "confidence": CONFIDENCE,
                "half_width": self.half_width()}


def mechanism(kind: Literal["count", "sum"], sensitivity: float,
              epsilon: float) -> Mechanism:
    """The mechanism of a metric of ``kind`` spending ``epsilon`` (scale = sensitivity / ε)."""
    scale = sensitivity / epsilon if epsilon > 0 else math.inf
    if not (math.isfinite(scale) and scale > 0):
        raise CrossplayError(f"ε={epsilon!r} gives no finite noise scale: no budget was "
                             "spent; use e.g. --epsilon 0.5", code="bad_noise_scale",
                             params={"epsilon": epsilon})
    return Mechanism("discrete_laplace" if kind == "count" else "laplace",
                     sensitivity, epsilon, scale)


def draw(mech: Mechanism, values: list[float]) -> list[float]:
    """The raw noisy values (OpenDP), after checking the measurement's privacy map."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    try:
        if mech.kind == "discrete_laplace":
            meas = dp.m.make_laplace(dp.vector_domain(dp.atom_domain(T="i64")),
                                     dp.l1_distance(T="i64"), scale=mech.scale)
            d_in: Any = int(mech.sensitivity)
            data: list[Any] = [round(v) for v in values]
        else:
            meas = dp.m.make_laplace(dp.vector_domain(dp.atom_domain(T=float, nan=False)),
                                     dp.l1_distance(T=float), scale=mech.scale)
            d_in = float(mech.sensitivity)
            data = [float(v) for v in values]
        if float(meas.map(d_in)) > mech.epsilon * (1 + 1e-9):  # type: ignore[no-untyped-call]
            raise CrossplayError("the Laplace mechanism does not meet the requested ε: no "
                                 "budget was spent; try another ε",
                                 code="release_noise_overspend")
        return [float(v) for v in meas(data)]
    except dp.OpenDPException as exc:
        raise CrossplayError(f"OpenDP could not add the noise ({exc.variant}): "
                             "no budget was spent; try another ε",
                             code="release_noise", params={"variant": exc.variant}) from None


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def interval(mech: Mechanism, raw: float, alpha: float = ALPHA) -> Interval:
    """The ``1 - alpha`` interval for the true value behind ``raw``, cut at 0."""
    h = mech.half_width(alpha)
    if mech.kind == "discrete_laplace":
        return Interval(max(0.0, raw - h), max(0.0, raw + h))
    return Interval(max(0.0, _floor2(raw - h)), max(0.0, _ceil2(raw + h)))


def shown_value(mech: Mechanism, raw: float) -> float:
    """What the release prints for ``raw``: never negative; a count whole, a sum to cents."""
    if mech.kind == "discrete_laplace":
        return float(max(0, round(raw)))
    return round(max(0.0, raw), 2)


def is_mostly_noise(value: float, low: float, high: float) -> bool:
    """The 95 % interval reaches 0, or its half-width is at least the value."""
    return low <= 0 or (high - low) / 2 >= value


@dataclass(frozen=True)
class NoisyCell:
    """One released cell: the printed value, its noise scale and its 95 % interval."""

    value: float
    noise_scale: float | None  # None for a derived cell (its parts carry the noise)
    ci_low: float
    ci_high: float
    mostly_noise: bool
    whole: bool = False  # a count: value and bounds are whole numbers

    def as_dict(self) -> dict[str, Any]:
        def num(x: float) -> float | int:
            return int(x) if self.whole else x

        return {"value": num(self.value), "noise_scale": self.noise_scale,
                "ci_low": num(self.ci_low), "ci_high": num(self.ci_high),
                "mostly_noise": self.mostly_noise}


def noisy_cell(mech: Mechanism, raw: float) -> NoisyCell:
    value = shown_value(mech, raw)
    ci = interval(mech, raw)
    return NoisyCell(value, mech.scale, ci.low, ci.high,
                     is_mostly_noise(value, ci.low, ci.high),
                     whole=mech.kind == "discrete_laplace")


def ratio_value(num: float, den: float, bound: float) -> float:
    """A derived ratio as printed: ``num / den`` cut to ``[0, bound]``, to cents."""
    return round(min(bound, max(0.0, num / den)), 2) if den > 0 else 0.0


def ratio_cell(num: tuple[Mechanism, float], den: tuple[Mechanism, float],
               value: float, bound: float) -> NoisyCell:
    """The cell ``num / den`` (each a mechanism and its raw noisy value), printed as
    ``value``, with the Bonferroni interval of the module docstring."""
    n = interval(num[0], num[1], ALPHA / 2)
    d = interval(den[0], den[1], ALPHA / 2)
    low = min(bound, n.low / d.high) if d.high > 0 else 0.0
    high = min(bound, n.high / d.low) if d.low > 0 else bound
    low, high = _floor2(low), _ceil2(high)
    return NoisyCell(value, None, low, high, is_mostly_noise(value, low, high))


def _floor2(x: float) -> float:
    return math.floor(x * 100) / 100


def _ceil2(x: float) -> float:
    return math.ceil(x * 100) / 100
