"""The demo's check of an A/B read-out against the effect the synthetic world planted.

The world's ground truth (``ground_truth/truth.json``, never read by the analysis) says how
many treated people made the campaign's extra purchase. :func:`judge` compares that planted
lift with the read-out of the primary metric: either the read-out found it (significant,
same sign), or it says how much power the test had and how many people per arm — and
roughly how large a world — it would need for 80 % power (:func:`crossplay.measure.power.plan`,
the same sizing as ``crossplay experiment plan``). Pure apart from :func:`planted_effect`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from crossplay.core.errors import NotFoundError
from crossplay.measure.power import PlanError, plan, power

TARGET_POWER = 0.8


@dataclass(frozen=True)
class PlantedEffect:
    """What the world planted: ``induced`` extra conversions among ``treated`` people."""

    induced: int
    treated: int
    people: int  # people in the whole world

    @property
    def lift(self) -> float:
        """The planted absolute lift of the conversion rate."""
        return self.induced / self.treated if self.treated else 0.0


@dataclass(frozen=True)
class PlantedCheck:
    """``found``: the read-out is significant with the planted sign. ``underpowered``: it
    is not, and the test was too small to expect it (``power`` < 80 %). ``missed``: it is
    not, though the test had the power. ``unsized``: it is not, and the control group has
    too few conversions (none, or all) to size a test."""

    outcome: Literal["found", "underpowered", "missed", "unsized"]
    planted: float
    observed: float
    power: float | None  # at the test's size, for the planted lift
    needed_per_arm: int | None  # for 80 % power
    world_people: int | None  # a world of about this many people has that many per arm


def planted_effect(world_dir: Path) -> PlantedEffect:
    """The planted campaign effect recorded in ``world_dir``'s ground truth."""
    path = world_dir / "ground_truth" / "truth.json"
    try:
        pop = json.loads(path.read_text(encoding="utf-8"))["population"]
        return PlantedEffect(int(pop["induced_realised"]), int(pop["treated"]),
                             int(pop["people"]))
    except (OSError, ValueError, KeyError, TypeError):
        raise NotFoundError(f"{path} holds no planted campaign: is {world_dir} a generated "
                            "world?", code="measure_no_planted",
                            params={"path": str(path), "world": str(world_dir)}) from None


def judge(planted: PlantedEffect, *, control_mean: float, diff: float, n_control: int,
          n_variant: int, significant: bool, alpha: float = 0.05) -> PlantedCheck:
    """Compare a conversion read-out (control rate, difference, arm sizes, significance)
    with the planted lift (see the module docstring)."""
    effect = planted.lift
    same_sign = diff * effect > 0
    if significant and same_sign:
        return PlantedCheck("found", effect, diff, None, None, None)
    p_b = control_mean + effect
    if effect == 0 or n_control < 1 or not 0 < control_mean < 1 or not 0 < p_b < 1:
        return PlantedCheck("unsized", effect, diff, None, None, None)
    sd_a = math.sqrt(control_mean * (1 - control_mean))
    sd_b = math.sqrt(p_b * (1 - p_b))
    ratio = n_variant / n_control if n_control else 1.0
    had = power(n_control, effect, sd_a, sd_b, alpha, ratio)
    try:
        need = plan(baseline=control_mean, mde=effect, relative=False, alpha=alpha,
                    target_power=TARGET_POWER).n_control
    except PlanError:
        return PlantedCheck("unsized", effect, diff, had, None, None)
    people = planted.people * need / n_control
    world = int(math.ceil(people / 1000.0) * 1000)
    outcome: Literal["underpowered", "missed"] = (
        "underpowered" if had < TARGET_POWER else "missed")
    return PlantedCheck(outcome, effect, diff, had, need, world)
