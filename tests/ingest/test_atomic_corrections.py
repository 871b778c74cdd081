"""An ingest with --corrections replace rewrites committed files: a crash at any point
leaves the lake as it was (old rows, old files), and the next run replaces every row once."""

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
from tests.ingest.helpers import events_csv, mapping

GAME_MAPPING = Mapping(columns={"event_id": "eid", "user_id": "uid", "event_type": "act",
                                "ts": "ts", "value": "qty"})


def _parquet(path: Path, rows: int, value_offset: int) -> Path:
    """Game events over ~17 days (one lake file per day); qty shifted by value_offset."""
    duckdb.execute(f"""
        COPY (SELECT 'e' || i AS eid, 'u' || (i % 50000) AS uid,
                     (['session', 'level_clear', 'watch', 'gift'])[1 + i % 4] AS act,
                     (1757000000000 + i * 1000)::BIGINT AS ts,
                     (i % 600 + {value_offset})::DOUBLE AS qty
              FROM range({rows}) t(i))
        TO '{path}' (FORMAT parquet)""")
    return path


def _snapshot(lake: Lake) -> tuple[str, list[str], int, float]:
    manifest = lake.manifest_path.read_text()
    files = sorted(str(p) for p in lake.files("events"))
    n, total = duckdb.execute(
        f"SELECT count(*), sum(value) FROM read_parquet({files})").fetchall()[0]
    assert all(Path(f).exists() for f in files)
    return manifest, files, int(n), float(total)


def test_a_crash_before_the_publish_keeps_the_old_rows(
        settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = Lake(settings.lake_dir)
    km = load_mapping(mapping(tmp_path / "m.yaml"))
    a = events_csv(tmp_path / "a.csv", "1,K1,study,C1,2026-09-01 20:00:00,1000,ios",
                   "2,K2,study,C1,2026-09-02 20:00:00,2000,ios")
    ingest(settings, [a], partner="knowledge", kind="events", mapping=km)
    before = _snapshot(lake)
    b = events_csv(tmp_path / "b.csv", "1,K1,study,C1,2026-09-01 20:00:00,5000,ios")
    real_replace = os.replace

    def crash_on_manifest(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if str(dst).endswith("_manifest.json"):
            raise KeyboardInterrupt("power cut")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash_on_manifest)
    with pytest.raises(KeyboardInterrupt):
        ingest(settings, [b], partner="knowledge", kind="events", mapping=km,
               corrections="replace")
    monkeypatch.setattr(os, "replace", real_replace)
    assert _snapshot(lake) == before, "the old file is still listed, present and whole"
    s = ingest(settings, [b], partner="knowledge", kind="events", mapping=km,
               corrections="replace")
    assert (s.accepted, s.corrected) == (1, 1)
    after = _snapshot(lake)
    assert (after[2], after[3]) == (2, 7.0)
    stray = [p for p in (settings.lake_dir / "events").rglob("*.parquet")
             if str(p) not in after[1]]
    assert not stray, "the dead run's rewrite was removed"


@pytest.mark.slow
def test_kill_9_during_a_replacing_run_leaves_the_lake_unchanged(
        settings: Settings, tmp_path: Path) -> None:
    rows = 600_000
    lake = Lake(settings.lake_dir)
    ingest(settings, [_parquet(tmp_path / "first.parquet", rows, 0)], partner="game",
           kind="events", mapping=GAME_MAPPING)
    before = _snapshot(lake)
    assert before[2] == rows and len(before[1]) > 10
    fixed = _parquet(tmp_path / "fixed.parquet", rows, 1)  # every value corrected
    m = tmp_path / "m.yaml"
    m.write_text(GAME_MAPPING.model_dump_json(exclude={"origin"}))
    code = "from crossplay.cli.app import main; main()"
    killed = 0
    for delay in (0.0, 1.0, 2.5):
        proc = subprocess.Popen(
            [sys.executable, "-c", code, "--data-dir", str(settings.data_dir), "ingest",
             str(fixed), "--partner", "game", "--kind", "events", "--mapping", str(m),
             "--corrections", "replace", "--json"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ})
        deadline = time.monotonic() + 60
        while not (lake.staging_root.exists() and any(lake.staging_root.iterdir())):
            assert proc.poll() is None, "the ingest process ended on its own"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            killed += 1
            assert _snapshot(lake) == before, f"killed {delay} s into the run"
        else:  # finished first: nothing more to prove with later kills
            break
    assert killed, "no run could be killed"
    if _snapshot(lake) == before:
        s = ingest(settings, [fixed], partner="game", kind="events", mapping=GAME_MAPPING,
                   corrections="replace")
        assert (s.accepted, s.corrected, s.already_ingested) == (rows, rows, 0)
    _m, files, n, total = _snapshot(lake)
    assert (n, total) == (rows, before[3] + rows), "every row replaced exactly once"
    listed = set(files)
    assert not [p for p in (settings.lake_dir / "events").rglob("*.parquet")
                if str(p) not in listed]
