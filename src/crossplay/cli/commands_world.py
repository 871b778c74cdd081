"""Commands that make and load the synthetic world: generate, demo."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    del app
