"""The API load benchmark's harness runs end to end (so it cannot rot between runs):
``crossplay serve`` as a subprocess on the test world, wrk with the bench's Lua script,
a tiny midnight spike of check-ins on the test's PostgreSQL database, the ledger check
after it, the table and the JSON. Figures mean nothing here; the accounting does."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import G_SECRET, K_SECRET, LoadedWorld

ROOT = Path(__file__).resolve().parents[2]

# `./dev test` installs wrk; outside it (a bare pytest) the test is skipped, never in CI
pytestmark = pytest.mark.skipif(
    shutil.which("wrk") is None and not os.environ.get("CI"),
    reason="!!! wrk is not installed: the API bench smoke test is SKIPPED "
           "(`./dev test` and `./dev bench api` install it; Debian: apt-get install wrk)")


def _bench() -> ModuleType:
    """benchmarks/api_bench.py (benchmarks/ is not a package)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        return importlib.import_module("api_bench")
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


def _prepared(world: LoadedWorld, to: Path) -> Path:
    """The test world as the bench prepares one: key files, users and linked users."""
    bench = _bench()
    shutil.copytree(world.data_dir, to)
    keys = to / "keys"
    keys.mkdir(exist_ok=True)
    for partner, secret in (("knowledge", K_SECRET), ("game", G_SECRET)):
        (keys / f"{partner}.key").write_text(secret + "\n", encoding="ascii")
        (keys / f"{partner}.key").chmod(0o600)
    assert bench.write_users(world.world_dir, to / "users.txt") > 0
    assert bench.write_linked(world.world_dir, to / "linked.txt") > 0
    return to


def test_a_tiny_spike_is_measured_and_every_award_accounted_for(
        loaded_world: LoadedWorld, tmp_path: Path, pg_url: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    bench = _bench()
    prepared = _prepared(loaded_world, tmp_path / "prepared")
    out = tmp_path / "api.json"
    code = bench.main(["--prepared", str(prepared), "--scenarios", "spike", "--db-url", pg_url,
                       "--duration", "1", "--spike-duration", "1", "--checkin-workers", "1",
                       "--checkin-connections", "4", "--steady-rate", "20",
                       "--steady-connections", "4", "--spike-connections", "16",
                       "--tmp", str(tmp_path), "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    doc = json.loads(out.read_text(encoding="utf-8"))
    (cell,) = doc["cells"]
    assert "skipped" not in cell, cell.get("skipped")
    base, steady, spike = cell["baseline"], cell["steady"], cell["run"]
    assert base["requests"] > 0 and base["statuses"] == {"200": base["requests"]}
    assert steady["offered_rate"] == 20 and spike["offered_rate"] == 200
    for run in (steady, spike):
        assert run["sent"] > 0 and run["status_5xx"] == 0
        assert run["sent"] == run["requests"] + run["unanswered"]
        assert 0 <= run["cpu"]["wrk_share"] <= 1 and run["cpu"]["server_s"] > 0
    led = cell["ledger"]
    assert led["violations"] == [] and led["5xx"] == 0
    assert led["acknowledged"] == steady["ok"] + spike["ok"]
    # every point a 2xx answer says it wrote is in the ledger; points beyond those come
    # only from requests that got no answer (still in flight when wrk stopped)
    assert led["points_lost"] == 0
    assert led["points_stored"] >= led["points_acknowledged"]
    if led["unanswered_requests"] == 0:
        assert led["points_stored"] == led["points_acknowledged"]
    assert doc["met"] == {"spike@1": True}
    assert "x healthz" in printed and "spike" in printed


def test_cpu_of_a_process_tree_is_read_from_proc() -> None:
    import os

    bench = _bench()
    mine = bench.proc_cpu_s(os.getpid())
    assert mine > 0
    assert os.getpid() in bench.descendants(os.getppid())
    assert bench.proc_cpu_s(2**22 + 7) == 0.0  # gone: nothing
