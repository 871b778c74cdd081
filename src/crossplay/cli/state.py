"""What every command receives in ``ctx.obj``."""

from __future__ import annotations

from dataclasses import dataclass

import typer

from crossplay.cli.i18n import Messages
from crossplay.core.settings import Settings


@dataclass(frozen=True)
class State:
    settings: Settings
    msg: Messages


def state(ctx: typer.Context) -> State:
    obj = ctx.obj
    assert isinstance(obj, State)
    return obj
