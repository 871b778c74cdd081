"""The noise a release prints: scales, 95 % intervals, the mostly-noise flag, derived cells.

Known answers first (worked by hand from the Laplace tails; OpenDP's accuracy functions
give the same numbers), then the statistical check the intervals exist for: over 400
noisy releases of a small known table, the printed intervals hold the true value about
95 % of the time. OpenDP draws its noise from a cryptographic generator that cannot be
seeded (on purpose), so the check is a band of five standard errors around the exact
coverage of each mechanism: it fails by chance with probability below 1e-5, and fails
for certain if an interval is a third too narrow or uses the wrong scale.
"""

from __future__ import annotations

import math
import time

import pytest

from crossplay.privacy.aggregates import QUERIES
from crossplay.privacy.noise import (
    Mechanism,
    draw,
    interval,
    is_mostly_noise,
    mechanism,
    noisy_cell,
    ratio_cell,
)
from crossplay.privacy.release import noisy_rows

K = 10


def test_scales_and_half_widths() -> None:
    count = mechanism("count", 1.0, 1 / 6)
    assert count == Mechanism("discrete_laplace", 1.0, 1 / 6, 6.0)
    # P(|X| >= n) = 2 t^n / (1 + t), t = e^(-1/b): 4.56 % for n = 19, 6.2 % for n = 18
    assert count.half_width() == 18
    t = math.exp(-1 / 6)
    assert 2 * t ** 19 / (1 + t) <= 0.05 < 2 * t ** 18 / (1 + t)
    spend = mechanism("sum", 500.0, 1 / 6)
    assert spend.kind == "laplace" and spend.scale == pytest.approx(3000.0)
    assert spend.half_width() == pytest.approx(3000 * math.log(20))  # e^(-h/b) = 5 %
    assert spend.half_width(0.025) == pytest.approx(3000 * math.log(40))


def test_the_issues_cell_is_mostly_noise() -> None:
    # "0 buyers, ¥4,056": a noisy spend of 4,056.12 with b = 3,000 is within noise of 0
    spend = noisy_cell(mechanism("sum", 500.0, 1 / 6), 4056.12)
    assert spend.value == 4056.12 and spend.noise_scale == 3000.0
    assert (spend.ci_low, spend.ci_high) == (0.0, 13043.32)  # 4056.12 + 8987.196..., up
    assert spend.mostly_noise
    # a negative noisy count prints as 0, its interval starts at 0
    buyers = noisy_cell(mechanism("count", 1.0, 1 / 6), -4.0)
    assert (buyers.value, buyers.ci_low, buyers.ci_high, buyers.mostly_noise) == (
        0.0, 0.0, 14.0, True)
    assert buyers.as_dict() == {"value": 0, "noise_scale": 6.0, "ci_low": 0, "ci_high": 14,
                                "mostly_noise": True}
    people = noisy_cell(mechanism("count", 1.0, 1 / 6), 120.0)
    assert (people.ci_low, people.ci_high, people.mostly_noise) == (102.0, 138.0, False)
    # reaching 0 or wider on each side than the value: noise could explain it
    assert is_mostly_noise(30, 0, 50) and is_mostly_noise(30, 1, 61)
    assert not is_mostly_noise(30, 1, 59)


def test_a_derived_cell_propagates_both_intervals() -> None:
    spend = mechanism("sum", 500.0, 1.0)      # b = 500
    buyers = mechanism("count", 1.0, 1.0)     # b = 1
    # 97.5 % intervals: spend 20,000 ± 500 ln 40 = [18155.56, 21844.44]; buyers 100 ± 4
    assert buyers.half_width(0.025) == 4
    cell = ratio_cell((spend, 20000.0), (buyers, 100.0), 200.0, 500.0)
    assert (cell.ci_low, cell.ci_high) == (174.57, 227.55)  # 18155.56/104, 21844.44/96
    assert cell.noise_scale is None and not cell.mostly_noise
    # a denominator that may be 0: the ratio is only known to lie in [0, bound]
    wide = ratio_cell((spend, 900.0), (buyers, 3.0), 300.0, 500.0)
    assert (wide.ci_low, wide.ci_high, wide.mostly_noise) == (0.0, 500.0, True)


def test_a_measurement_that_would_overspend_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from crossplay.core.errors import CrossplayError

    lying = Mechanism("laplace", 500.0, 0.1, 500.0)  # b = 500 spends ε = 1, not 0.1
    with pytest.raises(CrossplayError, match="does not meet the requested ε"):
        draw(lying, [1.0])
    assert interval(Mechanism("discrete_laplace", 1.0, 1.0, 1.0), -10.0).high == 0.0


# --- coverage over repeated releases --------------------------------------------------------
#: a small known table of conversion_by_segment: people, buyers, spend (every cell far from
#: k and from 0, so nothing is suppressed and nothing is clipped)
TABLE: dict[tuple[str, ...], list[float]] = {
    ("heavy",): [300.0, 120.0, 21600.0],
    ("light",): [200.0, 90.0, 9000.0],
    ("none",): [150.0, 80.0, 6400.0],
    ("regular",): [250.0, 100.0, 16000.0],
}
RUNS = 400


def _coverage_band(p: float, n: int) -> tuple[float, float]:
    se = math.sqrt(p * (1 - p) / n)
    return p - 5 * se, p + 5 * se


def test_printed_intervals_cover_the_truth_95_percent_of_the_time() -> None:
    q = QUERIES["conversion_by_segment"]
    domain = list(TABLE)
    hits: dict[str, list[bool]] = {"count": [], "spend": [], "ratio": []}
    flagged = 0
    start = time.perf_counter()
    for _ in range(RUNS):  # ε = 0.5: counts b = 6, spend b = 3,000
        rows, mechs = noisy_rows(q, domain, TABLE, 0.5, K)
        for row in rows:
            people, buyers, spend = TABLE[(row["segment"],)]
            truth = {"people": people, "buyers": buyers, "spend": spend,
                     "spend_per_buyer": spend / buyers}
            for name, true in truth.items():
                cell = row["noise"][name]
                assert cell["value"] is not None, "a cell of the known table was withheld"
                kind = {"people": "count", "buyers": "count"}.get(name, (
                    "spend" if name == "spend" else "ratio"))
                flagged += kind == "count" and cell["mostly_noise"]
                hits[kind].append(cell["ci_low"] <= true <= cell["ci_high"])
    elapsed = time.perf_counter() - start
    assert mechs["people"].scale == 6.0 and mechs["spend"].scale == pytest.approx(3000.0)
    # discrete Laplace, b = 6, half-width 18: exact coverage 1 - 2 t^19 / (1 + t)
    t = math.exp(-1 / 6)
    exact = 1 - 2 * t ** 19 / (1 + t)
    assert exact == pytest.approx(0.9544, abs=1e-4)
    low, high = _coverage_band(exact, len(hits["count"]))
    assert low <= sum(hits["count"]) / len(hits["count"]) <= high
    low, high = _coverage_band(0.95, len(hits["spend"]))  # Laplace: exactly 95 %
    assert low <= sum(hits["spend"]) / len(hits["spend"]) <= high
    low, _ = _coverage_band(0.95, len(hits["ratio"]))     # Bonferroni: at least 95 %
    assert sum(hits["ratio"]) / len(hits["ratio"]) >= low
    assert flagged == 0  # no count of this table is within noise of 0 (80 and more)
    assert elapsed < 10, f"{RUNS} releases took {elapsed:.1f} s"


def test_a_small_true_count_is_flagged_and_a_large_one_is_not() -> None:
    b6 = mechanism("count", 1.0, 1 / 6)
    small = [noisy_cell(b6, v) for v in draw(b6, [2.0] * RUNS)]
    large = [noisy_cell(b6, v) for v in draw(b6, [300.0] * RUNS)]
    # a count of 2 is flagged unless its noise exceeds 16 (P = t^17 / (1 + t) ≈ 3.2 %)
    assert sum(c.mostly_noise for c in small) >= 0.9 * RUNS
    assert not any(c.mostly_noise for c in large)
    assert all(c.value >= 0 and c.ci_low >= 0 for c in small)  # never printed negative
