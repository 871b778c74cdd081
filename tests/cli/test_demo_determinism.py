"""``crossplay demo`` twice with the same seed prints the same story; another seed (and another
"today") prints another one, over a window that ends the day before the clock's today."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from crossplay.cli.app import run
from crossplay.cli.commands_world import demo_secret
from crossplay.core.secrets import key_file
from crossplay.core.settings import load_settings

PEOPLE = "1500"
#: table columns that hold wall-clock seconds or memory, not results
TIMING_COLUMNS = {"s", "fit_s", "fit s", "fit MB"}
#: sentences that quote a speed measured now
TIMING_TEXT = re.compile(r"pandas took [\d.]+x")


def mask(text: str, *roots: Path) -> list[str]:
    """The demo's stdout without what may differ between identical runs: absolute paths,
    timings (whole table columns) and table borders (their widths follow the cells)."""
    for root in roots:
        text = text.replace(str(root), "<DIR>")
    text = TIMING_TEXT.sub("pandas took <T>x", text)
    # the dashboard login's password is random on every run (never derived from the seed)
    text = re.sub(r"(with the password )\S+", r"\1<PASSWORD>", text)
    out: list[str] = []
    header: list[str] = []
    for line in text.splitlines():
        if line.startswith("┃"):
            header = [c.strip() for c in line.strip("┃").split("┃")]
            out.append(" | ".join(header))
        elif line.startswith("│"):
            cells = [c.strip() for c in line.strip("│").split("│")]
            out.append(" | ".join("<T>" if i < len(header) and header[i] in TIMING_COLUMNS
                                  else c for i, c in enumerate(cells)))
        elif not line.startswith(("┏", "┡", "└")):
            out.append(line.rstrip())
    return out


def demo(data_dir: Path, seed: int, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    code = run(["--data-dir", str(data_dir), "demo", "--people", PEOPLE, "--seed", str(seed)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def test_same_seed_same_story_another_seed_another(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # no configured secrets: the demo derives its demo-only keys from the seed
    monkeypatch.delenv("CROSSPLAY_KNOWLEDGE_SECRET")
    monkeypatch.delenv("CROSSPLAY_GAME_SECRET")
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    first = demo(a, 7, capsys)
    second = demo(b, 7, capsys)
    assert "Step 9/9" in first and "✓" not in first.split("Step 5/9")[0]
    assert mask(first, a, b) == mask(second, a, b)
    # what made them equal: keys derived from the seed (demo only), not random ones
    for partner in ("knowledge", "game"):
        key = key_file(load_settings(data_dir=a), partner).read_text("ascii").strip()
        assert key == demo_secret(partner, 7) != demo_secret(partner, 8)
        assert key_file(load_settings(data_dir=b), partner).read_text("ascii").strip() == key
    # the window ends yesterday (Asia/Shanghai) by the clock, whatever today is
    monkeypatch.setenv("CROSSPLAY_NOW", "2033-04-05T10:00:00Z")
    third = demo(c, 8, capsys)
    assert mask(third, a, c) != mask(first, a, c)
    assert "World: 1,500 people, 30 days, 2033-03-06 to 2033-04-04" in third
    manifest = json.loads((c / "world" / "manifest.json").read_text("utf-8"))
    assert manifest["window"] == {"start": "2033-03-06", "days": 30}
    assert "its window set to the world's, 2033-03-06 to 2033-04-04" in third
    # the sample campaign moved with the world: it awarded points over that window
    issued = re.search(r"([\d,]+) points issued", third)
    assert issued is not None and int(issued.group(1).replace(",", "")) > 0
    assert dt.date(2033, 4, 4) - dt.date(2033, 3, 6) == dt.timedelta(days=29)


def test_a_rerun_keeps_the_window_so_nothing_is_added(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSPLAY_NOW", "2031-06-15T17:00:00Z")
    args = ["--data-dir", str(tmp_path), "demo", "--people", "300", "--days", "7", "--json"]
    assert run(args) == 0
    first = json.loads(capsys.readouterr().out)
    monkeypatch.setenv("CROSSPLAY_NOW", "2031-06-20T17:00:00Z")  # five days later
    assert run(args[:-1]) == 0
    text = capsys.readouterr().out
    assert "2031-06-09 to 2031-06-15" in text and "Kept the window" in text
    assert run(args) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["world"]["expected_accepted"] == first["world"]["expected_accepted"]
    assert all(r["accepted"] == 0 for r in again["ingest"])
