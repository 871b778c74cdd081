"""The dashboard's tests: one small world on which the whole demo has run.

``dash_world`` is READ-ONLY and shared by the session (each xdist worker builds its own,
~20 s): ``crossplay demo --people 2000 --no-serve`` in a temporary data directory, so every
page has what the demo computes (links, releases, rules, segments, a trained recommender,
the sample campaign on the ledger, the planted experiment). Tests that write use
``dash_world_copy``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crossplay.core.settings import Settings, load_settings


@dataclass(frozen=True)
class DashWorld:
    data_dir: Path

    def settings(self, **overrides: Any) -> Settings:
        return load_settings(data_dir=self.data_dir, **overrides)


def _crossplay() -> str:
    exe = Path(sys.executable).parent / "crossplay"
    return str(exe) if exe.exists() else "crossplay"


@pytest.fixture(autouse=True)
def _demo_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo world's secrets are its key files: not the suite's test secrets."""
    monkeypatch.delenv("CROSSPLAY_KNOWLEDGE_SECRET", raising=False)
    monkeypatch.delenv("CROSSPLAY_GAME_SECRET", raising=False)


@pytest.fixture(scope="session")
def dash_world(tmp_path_factory: pytest.TempPathFactory) -> DashWorld:
    data_dir = tmp_path_factory.mktemp("dash-world") / "data"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CROSSPLAY_") or k == "CROSSPLAY_NOW"}
    env.update(CROSSPLAY_LANG="en", OPENBLAS_NUM_THREADS="1")
    done = subprocess.run([_crossplay(), "--data-dir", str(data_dir), "demo", "--people", "2000",
                           "--no-serve", "--json"], env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return DashWorld(data_dir)


@pytest.fixture
def dash_world_copy(dash_world: DashWorld, tmp_path: Path) -> DashWorld:
    data_dir = tmp_path / "dash-data"
    shutil.copytree(dash_world.data_dir, data_dir)
    return DashWorld(data_dir)
