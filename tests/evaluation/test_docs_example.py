"""docs/evaluation.md's example numbers come from the code: the documented commands are run
on the documented data (the generator's world, the documented seed) and every number the
doc prints is compared with what the code prints, to the printed precision.

Not compared: `fit s` and `fit peak MB` (wall time and memory of this machine). The
20,000-person table takes minutes and is marked slow (it still runs in CI).
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from crossplay.evaluation.tables import markdown
from tests.conftest import CliRunner

DOC = Path(__file__).resolve().parents[2] / "docs" / "evaluation.md"
#: columns that measure this machine, not the code
MACHINE_COLUMNS = ("fit s", "fit peak MB")


def _section(text: str, people: int) -> str:
    """The doc's example section for a world of ``people`` (from its commands block to the
    next block of commands or the end)."""
    start = text.index("## Example: a table on the generator's data")
    parts = re.split(r"(?=^```\n# example: )", text[start:], flags=re.M)
    for part in parts:
        if part.startswith(f"```\n# example: {people:,} people"):
            return part
    raise AssertionError(f"no example block for {people:,} people in {DOC}")


def _commands(section: str) -> list[list[str]]:
    block = section.split("```\n", 2)[1]
    lines = block.replace("\\\n", " ").splitlines()
    return [shlex.split(line)[1:] for line in lines if line.startswith("crossplay ")]


def _table(text: str) -> dict[str, dict[str, str]]:
    """The first Markdown table in ``text``: model -> column -> cell (spaces collapsed)."""
    lines = [ln for ln in text.splitlines() if ln.startswith("|")]
    head = [c.strip() for c in lines[0].strip("|").split("|")]
    out = {}
    for ln in lines[2:]:
        if not ln.startswith("| "):
            break
        cells = [re.sub(r"\s+", " ", c.strip()) for c in ln.strip().strip("|").split("|")]
        out[cells[0]] = dict(zip(head, cells, strict=True))
    return out


def _number(text: str, pattern: str) -> int:
    m = re.search(pattern, text, re.S)
    assert m is not None, f"docs/evaluation.md no longer says {pattern!r}"
    return int(m.group(1).replace(",", ""))


def _run_example(cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                 section: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Run the section's commands as a user would; returns the printed table, the saved
    run and the imported benchmark's listing."""
    monkeypatch.chdir(tmp_path)
    commands = _commands(section)
    assert [c[:2] for c in commands] == [["bench", "generate"], ["bench", "import"],
                                         ["bench", "run"]]
    printed = ""
    for args in commands:
        res = cli(*args)
        assert res.code == 0, (args, res.err)
        printed = res.out
    name = commands[2][2]
    [bench] = [b for b in cli("bench", "list", "--json").json() if b["name"] == name]
    [saved] = sorted((tmp_path / "data" / "derived" / "benchmarks" / name / "runs").glob(
        "run-*.json"))
    result = json.loads(saved.read_text(encoding="utf-8"))
    assert printed.strip() == markdown(result).strip(), "the table printed is the saved run"
    return printed, result, bench


def _check(section: str, printed: str, result: dict[str, Any], bench: dict[str, Any]) -> None:
    doc_table, got_table = _table(section), _table(printed)
    assert list(doc_table) == list(got_table), "the same models, in the same order"
    for model, cells in doc_table.items():
        for column, cell in cells.items():
            if column not in MACHINE_COLUMNS:
                assert got_table[model][column] == cell, (model, column)
    splits = bench["by_domain_split"]
    assert _number(section, r"\(([\d,]+)\s+rows,\s+[\d,]+\s+users;") == bench["rows"]
    assert _number(section, r"rows,\s+([\d,]+)\s+users;") == bench["users"]
    for domain in ("knowledge", "game", "stream"):
        m = re.search(domain + r"\s+([\d,]+)/([\d,]+)/([\d,]+)", section)
        assert m is not None, domain
        doc = [int(g.replace(",", "")) for g in m.groups()]
        assert doc == [splits[domain][s] for s in ("train", "valid", "test")], domain
    params = result["protocol_params"]
    assert _number(section, r"([\d,]+)\s+overlap\s+users") == params["overlap_users"]
    assert _number(section, r"([\d,]+)\s+cold\s+users") == params["cold_users"]
    assert _number(section, r"([\d,]+)\s+candidate") == result["candidates"]
    fp = result["fingerprint"]
    m = re.search(r"fingerprint\s+`([0-9a-f]{64})`", section)
    assert m is not None and m.group(1) == fp["split"]
    assert _number(section, r"\(train\s+([\d,]+)\s+rows") == fp["train_rows"]
    assert _number(section, r"test\s+([\d,]+)\s+rows\)") == fp["test_rows"]
    assert _number(section, r"([\d,]+)\s+relevant\s+test\s+pairs?\s+(?:is|are)\s+knowledge") \
        == result["test_pairs_on_untrained_items"]


def test_the_2000_person_example_regenerates(cli: CliRunner, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    section = _section(DOC.read_text(encoding="utf-8"), 2000)
    printed, result, bench = _run_example(cli, tmp_path, monkeypatch, section)
    _check(section, printed, result, bench)
    # the comparison is not vacuous: one digit changed in the doc is caught
    table = _table(section)
    model = next(iter(table))
    cell = table[model]["NDCG@10"]
    wrong_cell = section.replace(cell, cell[:-1] + str((int(cell[-1]) + 1) % 10), 1)
    with pytest.raises(AssertionError):
        _check(wrong_cell, printed, result, bench)
    users = f"{result['protocol_params']['cold_users']:,} cold users"
    wrong_count = section.replace(users, users.replace(users[0], str(int(users[0]) % 9 + 1), 1))
    with pytest.raises(AssertionError):
        _check(wrong_count, printed, result, bench)


@pytest.mark.slow
def test_the_20000_person_example_regenerates(cli: CliRunner, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    section = _section(DOC.read_text(encoding="utf-8"), 20000)
    _check(section, *_run_example(cli, tmp_path, monkeypatch, section))
