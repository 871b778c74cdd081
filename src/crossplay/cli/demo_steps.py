"""The later steps of ``crossplay demo``: each feature adds one after the lake is loaded.

A step is ``(name, message key of its title, function)``; the function receives the CLI
state and whether the output is JSON, prints its part (when not JSON) and returns a
JSON-able summary that ``crossplay demo --json`` includes under ``name``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crossplay.cli.state import State

DemoStep = Callable[[State, bool], dict[str, Any]]


def steps() -> list[tuple[str, str, DemoStep]]:
    """The steps in the order the demo runs them (imported lazily: the CLI starts fast)."""
    out: list[tuple[str, str, DemoStep]] = []
    # the loop of DESIGN.md: identity & consent -> models -> actions -> measurement
    from crossplay.cli import (
        commands_bench,
        commands_campaign,
        commands_measure,
        commands_mining,
        commands_privacy,
        commands_recommend,
    )

    out.append(("privacy", "demo.privacy", commands_privacy.demo_step))
    out.append(("mining", "mining.demo.rules", commands_mining.demo_step))
    out.append(("recommend", "demo.recommend", commands_recommend.demo_step))
    out.append(("campaign", "demo.campaign", commands_campaign.demo_step))
    out.append(("measure", "m.demo.title", commands_measure.demo_step))
    out.append(("bench", "demo.bench", commands_bench.demo_step))
    return out
