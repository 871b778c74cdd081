"""A crash at any point of an ingest run leaves the lake as it was before that run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from crossplay.core.settings import Settings
from crossplay.ingest.mapping import Mapping, load_mapping
from crossplay.ingest.pipeline import ingest
from crossplay.lake import Lake
from tests.conftest import CliRunner
from tests.ingest.helpers import events_csv, mapping

GAME_MAPPING = Mapping(columns={"event_id": "eid", "user_id": "uid", "event_type": "act",
                                "ts": "ts", "value": "qty"})


def _big_parquet(path: Path, rows: int, offset: int = 0) -> Path:
    duckdb.execute(f"""
        COPY (SELECT 'e' || (i + {offset}) AS eid, 'u' || (i % 50000) AS uid,
                     (['session', 'level_clear', 'watch', 'gift'])[1 + i % 4] AS act,
                     (1757000000000 + i * 10)::BIGINT AS ts, (i % 600)::DOUBLE AS qty
              FROM range({rows}) t(i))
        TO '{path}' (FORMAT parquet)""")
    return path


def _snapshot(lake: Lake) -> tuple[str, int]:
    manifest = lake.manifest_path.read_text() if lake.manifest_path.exists() else ""
    files = lake.files("events")
    n = 0
    if files:
        n = int(duckdb.execute(
            f"SELECT count(*) FROM read_parquet({[str(f) for f in files]})").fetchall()[0][0])
    return manifest, n


def _start(data_dir: Path, src: Path, m: Path) -> subprocess.Popen[bytes]:
    code = "from crossplay.cli.app import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "--data-dir", str(data_dir), "ingest", str(src),
         "--partner", "game", "--kind", "events", "--mapping", str(m), "--json"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ})


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.0, 0.4, 1.2])
def test_kill_9_mid_ingest_leaves_lake_unchanged(
    settings: Settings, tmp_path: Path, delay: float
) -> None:
    lake = Lake(settings.lake_dir)
    ingest(settings, [_big_parquet(tmp_path / "first.parquet", 1000)], partner="game",
           kind="events", mapping=GAME_MAPPING)
    before = _snapshot(lake)
    assert before[1] == 1000
    src = _big_parquet(tmp_path / "big.parquet", 1_500_000, offset=10_000)
    m = tmp_path / "m.yaml"
    m.write_text(GAME_MAPPING.model_dump_json(exclude={"origin"}))
    proc = _start(settings.data_dir, src, m)
    deadline = time.monotonic() + 60
    while not (lake.staging_root.exists() and any(lake.staging_root.iterdir())):
        assert proc.poll() is None, "the ingest process died on its own"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(delay)
    if proc.poll() is not None:
        pytest.skip("the run finished before it could be killed; nothing to prove")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert _snapshot(lake) == before
    summary = ingest(settings, [src], partner="game", kind="events", mapping=GAME_MAPPING)
    assert summary.accepted == 1_500_000
    assert _snapshot(lake)[1] == 1_501_000
    assert not any(lake.staging_root.iterdir()), "the dead run's staging was removed"


def test_crash_between_moving_files_and_publishing_manifest(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = Lake(settings.lake_dir)
    km = load_mapping(mapping(tmp_path / "m.yaml"))
    a = events_csv(tmp_path / "a.csv", "1,K1,study,C1,2026-09-01 20:00:00,1,ios")
    ingest(settings, [a], partner="knowledge", kind="events", mapping=km)
    before = _snapshot(lake)
    b = events_csv(tmp_path / "b.csv", "2,K2,study,C1,2026-09-02 20:00:00,1,ios")
    real_replace = os.replace

    def crash_on_manifest(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if str(dst).endswith("_manifest.json"):
            raise KeyboardInterrupt("power cut")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash_on_manifest)
    with pytest.raises(KeyboardInterrupt):
        ingest(settings, [b], partner="knowledge", kind="events", mapping=km)
    monkeypatch.setattr(os, "replace", real_replace)
    assert _snapshot(lake) == before
    stray = [p for p in (settings.lake_dir / "events").rglob("*.parquet")
             if p not in set(lake.files("events"))]
    assert stray, "the moved file exists but is not published"
    s = ingest(settings, [b], partner="knowledge", kind="events", mapping=km)
    assert s.accepted == 1
    assert _snapshot(lake)[1] == 2
    assert all(p.exists() for p in lake.files("events"))
    assert not any(p.exists() for p in stray)


def test_cli_reports_counts_after_recovery(cli: CliRunner, tmp_path: Path) -> None:
    src = events_csv(tmp_path / "a.csv", "1,K1,study,C1,2026-09-01 20:00:00,1,ios")
    m = mapping(tmp_path / "m.yaml")
    res = cli("ingest", src, "--partner", "knowledge", "--kind", "events", "--mapping", m)
    assert res.code == 0
    assert cli("stats", "--json").json()["tables"]["events"] == 1
