"""The demo's A/B read-out judged against the planted effect (crossplay.measure.planted)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from statsmodels.stats.power import NormalIndPower

from crossplay.core.errors import NotFoundError
from crossplay.measure.planted import PlantedEffect, judge, planted_effect

# the 20,000-person demo world of seed 7: 27 extra purchases among 1,872 treated people
PLANTED = PlantedEffect(induced=27, treated=1872, people=20_000)


def test_planted_effect_reads_the_truth(tmp_path: Path) -> None:
    path = tmp_path / "ground_truth" / "truth.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"population": {"induced_realised": 27, "treated": 1872,
                                               "people": 20000}}), encoding="utf-8")
    assert planted_effect(tmp_path) == PLANTED
    assert PLANTED.lift == pytest.approx(27 / 1872)
    with pytest.raises(NotFoundError, match="no planted campaign"):
        planted_effect(tmp_path / "nowhere")


def test_a_significant_read_out_of_the_planted_sign_matches() -> None:
    check = judge(PLANTED, control_mean=0.0206, diff=0.0151, n_control=3594, n_variant=3724,
                  significant=True)
    assert check.outcome == "found" and check.power is None
    # significant the wrong way is not a match
    wrong = judge(PLANTED, control_mean=0.0206, diff=-0.0151, n_control=3594,
                  n_variant=3724, significant=True)
    assert wrong.outcome != "found"


def test_an_inconclusive_small_test_says_how_many_people_it_needs() -> None:
    p0, effect = 0.02749, 27 / 1872
    check = judge(PLANTED, control_mean=p0, diff=0.00456, n_control=1855, n_variant=1855,
                  significant=False)
    assert check.outcome == "underpowered"
    # statsmodels' NormalIndPower on equal arms, with the unpooled standard deviations of
    # the two rates (sd_a^2/n + sd_b^2/n = 2 sd^2/n)
    sd = math.sqrt((p0 * (1 - p0) + (p0 + effect) * (1 - p0 - effect)) / 2)
    reference = NormalIndPower()
    assert check.power == pytest.approx(reference.power(
        effect / sd, nobs1=1855, alpha=0.05, ratio=1.0), abs=1e-9)
    assert round(check.power, 2) == 0.67
    need = reference.solve_power(effect / sd, nobs1=None, alpha=0.05, power=0.8, ratio=1.0)
    assert check.needed_per_arm == math.ceil(need)
    assert check.needed_per_arm == 2524
    assert check.world_people == 28_000  # 20,000 x 2,524 / 1,855, rounded up to thousands


def test_a_powered_test_that_misses_says_so_and_degenerate_input_does_not_crash() -> None:
    missed = judge(PLANTED, control_mean=0.0275, diff=0.001, n_control=9000, n_variant=9000,
                   significant=False)
    assert missed.outcome == "missed" and missed.power is not None and missed.power > 0.8
    for control in (0.0, 1.0):
        check = judge(PLANTED, control_mean=control, diff=0.0, n_control=10, n_variant=10,
                      significant=False)
        assert check.outcome == "unsized" and check.needed_per_arm is None
    nothing = judge(PlantedEffect(0, 0, 100), control_mean=0.1, diff=0.0, n_control=50,
                    n_variant=50, significant=False)
    assert nothing.outcome == "unsized"
