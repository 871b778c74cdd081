"""The mining package's public surface, and that importing the CLI stays light."""

from __future__ import annotations

import subprocess
import sys

import crossplay.mining as mining


def test_all_names_resolve() -> None:
    for name in mining.__all__:
        assert getattr(mining, name) is not None, name
    assert "mine_rules" in mining.__all__ and "rank_social" in mining.__all__


def test_cli_import_does_not_load_models() -> None:
    code = ("import sys, crossplay.cli.commands_mining; "
            "print(any(m in sys.modules for m in ('sklearn', 'lightgbm', 'igraph')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"
