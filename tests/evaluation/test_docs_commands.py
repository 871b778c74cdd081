"""The `bench` commands docs/evaluation.md and docs/real-data.md print for real-data
shapes run as written, on small files of those shapes written here under the documented
names (steam-200k.csv, ml-latest-small/ratings.csv, ml-25m/ratings.csv, ml-1m/ratings.dat,
books-movies/)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import CliRunner, write

ROOT = Path(__file__).resolve().parents[2]


def bench_commands(doc: Path) -> list[list[str]]:
    """Every ``crossplay bench import|run`` line of the doc's code blocks (continuations
    joined), except the MovieLens-100K and generator examples, which other tests run."""
    blocks: list[str] = []
    inside = False
    for line in doc.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            inside = not inside
            blocks.append("")
        elif inside:
            blocks[-1] += line + "\n"
    out = []
    for block in blocks:
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("crossplay bench ") and not re.search(
                    r"ml-100k|ml100k|world\w*-cdr|world\d|run\.json|\bbench list", line):
                out.append(shlex.split(line)[1:])
    return out


def write_shapes(root: Path) -> None:
    rng = np.random.default_rng(0)
    steam = []
    for u in range(60):
        for g in rng.choice(25, 6, replace=False):
            title = f"Game {g}" if g != 3 else " Game 3"
            steam.append(f'{151603712 + u},"{title}",purchase,1.0,0')
            steam.append(f'{151603712 + u},"{title}",play,{rng.gamma(1.0, 30):.1f},0')
    write(root / "steam-200k.csv", "\n".join(steam) + "\n")
    ratings = ["userId,movieId,rating,timestamp"]
    dat = []
    for u in range(1, 41):
        for j, m in enumerate(rng.choice(50, 10, replace=False)):
            r = rng.integers(1, 11) / 2
            ratings.append(f"{u},{m + 1},{r},{964982703 + 60 * j}")
            dat.append(f"{u}::{m + 1}::{int(np.ceil(r))}::{978300760 + 60 * j}")
    write(root / "ml-latest-small" / "ratings.csv", "\n".join(ratings) + "\n")
    write(root / "ml-25m" / "ratings.csv", "\n".join(ratings) + "\n")
    write(root / "ml-1m" / "ratings.dat", "\n".join(dat) + "\n")
    for domain in ("books", "movies"):  # ids below 10000 shared, the others not
        lines = ["user,item,rating"]
        for u in range(9970, 10030):
            for i in rng.choice(20, 5, replace=False):
                lines.append(f"{u},{domain[0]}{i},{rng.integers(1, 6)}")
        write(root / "books-movies" / domain / "ratings.csv", "\n".join(lines) + "\n")


@pytest.mark.parametrize("doc", ["evaluation.md", "real-data.md"])
def test_documented_real_data_commands_run_as_written(cli: CliRunner, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      doc: str) -> None:
    write_shapes(tmp_path)
    monkeypatch.chdir(tmp_path)
    commands = bench_commands(ROOT / "docs" / doc)
    imports = [c for c in commands if c[1] == "import"]
    assert any("steam-200k.csv" in c for c in imports)
    assert any(any("books-movies" in a for a in c) for c in imports)
    assert any(any("ratings." in a for a in c) for c in imports)
    for args in commands:
        r = cli(*args)
        assert r.code == 0, (args, r.err)
        assert "WARNING" not in r.err, args  # the documented imports say their overlap
    listed = {b["name"]: b for b in cli("bench", "list", "--json").json()}
    assert listed["bm"]["overlap"]["persons_in_several_domains"] == 30
    assert listed["steam"]["filter"]["where"] == ["3=play"]
