"""docs/evaluation.md states what the code does: protocols, grids, the fingerprint recipe."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from crossplay.evaluation.protocols import PROTOCOLS
from crossplay.evaluation.runner import BENCH_MODELS
from crossplay.evaluation.tuning import GRIDS
from tests.conftest import CliRunner
from tests.evaluation.test_cli_bench import movielens_like

DOC = Path(__file__).resolve().parents[2] / "docs" / "evaluation.md"


def test_every_protocol_model_and_grid_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for p in PROTOCOLS:
        assert f"### `{p}`" in text, p
    for m in BENCH_MODELS:
        assert f"| `{m}` |" in text, m
    for model, grid in GRIDS.items():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{model}` |"))
        for values in grid.values():
            for v in values:
                shown = f"{v:g}" if isinstance(v, float) else str(v)
                assert shown in row, (model, v)


def test_the_documented_shell_recipe_gives_the_run_fingerprint(cli: CliRunner,
                                                               tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    recipe = re.search(r"```\n(digest\(\).*?)```", text, re.S)
    assert recipe is not None
    movielens_like(tmp_path / "ml")
    cli("bench", "import", tmp_path / "ml", "--format", "movielens", "--name", "ml")
    out = cli("bench", "run", "ml", "--protocol", "loo", "--models", "popularity",
              "--json", "--write-split", tmp_path / "split").json()
    script = recipe.group(1).replace("DIR", str(tmp_path / "split"))
    got = subprocess.run(["bash", "-c", script], check=True, capture_output=True,
                         text=True).stdout.split()[0]
    assert got == out["fingerprint"]["split"]
