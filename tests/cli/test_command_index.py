"""The root command lists its commands without importing them, grouped by the loop."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from crossplay.cli.command_index import COMMANDS, MODULES, SECTIONS, module_group
from tests.conftest import CliRunner

HEAVY = ("scipy", "pandas", "pyarrow", "duckdb", "sklearn", "numpy", "sqlalchemy",
         "lightgbm", "implicit", "pydantic_settings")


@pytest.mark.parametrize("module", MODULES)
def test_the_index_lists_exactly_what_each_module_registers(module: str) -> None:
    group = module_group(module)
    listed = {e.name: e for e in COMMANDS if e.module == module}
    assert set(group.list_commands(None)) == set(listed)  # type: ignore[arg-type]
    for name, entry in listed.items():
        command = group.get_command(None, name)  # type: ignore[arg-type]
        assert command is not None
        assert command.get_short_help_str(300) == entry.help, name
        assert entry.section in SECTIONS


@pytest.mark.parametrize("argv", [["--help"], ["--version"], []])
def test_help_and_version_import_no_heavy_module(argv: list[str]) -> None:
    code = ("import sys, json\n"
            "from crossplay.cli.app import run\n"
            f"rc = run({argv!r})\n"
            f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) == []


def test_help_groups_commands_by_the_loop(cli: CliRunner) -> None:
    out = cli("--help").out
    positions = [out.index(title.split(" · ")[0]) for title in SECTIONS.values()]
    assert positions == sorted(positions)
    assert out.index("ingest") < out.index("consent") < out.index("rules") \
        < out.index("campaign") < out.index("experiment")


def test_a_command_still_runs_and_shows_its_own_help(cli: CliRunner) -> None:
    assert cli("stats").code == 0
    assert "--as" in cli("sql", "--help").out
    # a sub-command another module adds to this group (privacy's keys rotate)
    assert "rotate" in cli("keys", "--help").out
    assert "--partner" in cli("keys", "rotate", "--help").out
    assert cli("no-such-command").code == 2
