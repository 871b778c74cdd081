"""Lake compaction: fewer files, the same rows, atomically, and nothing the second time."""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from crossplay.core.settings import Settings, load_settings
from crossplay.lake import Lake
from crossplay.lake.compact import Compaction, compact, plan_groups
from crossplay.warehouse import query
from tests.conftest import G_SECRET, K_SECRET

#: every table's rows as the views show them (ordered: the comparison is exact)
VIEWS = ("events", "items_current", "social_edges", "consents", "links_current")


@pytest.fixture(scope="module")
def small_ingests(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three small worlds over the same days ingested into one lake: partitions with
    several files (overlapping ids are deduplicated by ingest, new ones add files)."""
    from crossplay.ingest.world import ingest_world
    from crossplay.synth import WorldConfig, generate_world

    root = tmp_path_factory.mktemp("small-ingests")
    settings = _settings(root / "data")
    for seed in (1, 2, 3):
        generate_world(WorldConfig(people=100, days=5, seed=seed), root / f"w{seed}")
        ingest_world(settings, root / f"w{seed}")
    return root / "data"


def _settings(data_dir: Path) -> Settings:
    return load_settings(data_dir=data_dir, knowledge_secret=K_SECRET, game_secret=G_SECRET)


@pytest.fixture
def lake_copy(small_ingests: Path, tmp_path: Path) -> Settings:
    import shutil

    shutil.copytree(small_ingests, tmp_path / "data")
    (tmp_path / "worlds").write_text(str(small_ingests.parent), encoding="utf-8")
    return _settings(tmp_path / "data")


def small_ingests_root(settings: Settings) -> Path:
    """Where the worlds of :func:`small_ingests` are (noted beside the copy)."""
    return Path((settings.data_dir.parent / "worlds").read_text(encoding="utf-8"))


def _rows(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for view in VIEWS:
        res = query(settings, f"SELECT * FROM {view} ORDER BY ALL")
        out[view] = [tuple(map(str, r)) for r in res.rows]
    return out


def _files_per_dir(lake: Lake) -> collections.Counter[str]:
    m = lake.read_manifest()
    return collections.Counter(r.rsplit("/", 1)[0] for t, rels in m.tables.items()
                               if t != "quarantine" for r in rels)


def test_plan_groups_merges_only_small_files_up_to_the_target() -> None:
    files = [("a", 10), ("b", 10), ("big", 100), ("c", 10), ("d", 10), ("e", 10)]
    assert plan_groups(files, small_bytes=50, target_bytes=25) == [["a", "b", "c"],
                                                                   ["d", "e"]]
    assert plan_groups([("a", 10), ("big", 100)], small_bytes=50, target_bytes=25) == []
    assert plan_groups([], small_bytes=50, target_bytes=25) == []


def test_compaction_keeps_every_row_and_a_second_run_changes_nothing(
        lake_copy: Settings, cli: Any) -> None:
    lake = Lake(lake_copy.lake_dir)
    before_files = _files_per_dir(lake)
    assert max(before_files.values()) > 1
    rows = _rows(lake_copy)
    quarantine = lake.read_manifest().tables.get("quarantine")
    done = compact(lake)
    assert done.partitions == sum(1 for n in before_files.values() if n > 1)
    assert done.files_before - done.files_after == sum(before_files.values()) - sum(
        _files_per_dir(lake).values())
    assert max(_files_per_dir(lake).values()) == 1
    assert _rows(lake_copy) == rows
    assert lake.read_manifest().tables.get("quarantine") == quarantine
    listed = {lake.root / r for rels in lake.read_manifest().tables.values() for r in rels}
    on_disk = {p for p in lake.root.rglob("*.parquet") if "_staging" not in p.parts}
    assert on_disk == listed  # the old files are gone, nothing half-written stays
    merged = next(p for p in listed if p.name.startswith("c"))
    assert pq.read_schema(merged).metadata[b"crossplay.schema_version"] == b"1"
    manifest = lake.manifest_path.read_bytes()
    assert compact(lake) == Compaction()
    assert lake.manifest_path.read_bytes() == manifest
    # ingest still finds every row it holds: the same exports again add nothing
    from crossplay.ingest.world import ingest_world

    again = ingest_world(lake_copy, small_ingests_root(lake_copy) / "w1")
    assert sum(s.accepted for _, s in again) == 0
    assert _rows(lake_copy) == rows
    d = ["--data-dir", str(lake_copy.data_dir)]
    assert "nothing to do" in cli(*d, "lake", "compact", data=False).out
    assert "无需操作" in cli(*d, "--lang", "zh-CN", "lake", "compact", data=False).out


def test_a_failure_half_way_leaves_the_lake_as_it_was(lake_copy: Settings,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import crossplay.lake.compact as mod

    lake = Lake(lake_copy.lake_dir)
    manifest = lake.manifest_path.read_bytes()
    rows = _rows(lake_copy)
    real = mod.pq.write_table
    calls = 0

    def breaks(*args: Any, **kw: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError("disk full (test)")
        real(*args, **kw)

    monkeypatch.setattr(mod.pq, "write_table", breaks)
    with pytest.raises(OSError, match="disk full"):
        compact(lake)
    monkeypatch.setattr(mod.pq, "write_table", real)
    assert lake.manifest_path.read_bytes() == manifest
    assert _rows(lake_copy) == rows
    assert not any(lake.staging_root.iterdir())
    assert compact(lake).partitions > 0 and _rows(lake_copy) == rows


def test_the_scheduled_job_and_the_command(lake_copy: Settings, cli: Any) -> None:
    from datetime import UTC, datetime

    from crossplay.opdb import dispose_engines, ensure_schema, get_engine
    from crossplay.ops.jobs import get_job
    from crossplay.ops.runner import run_job

    engine = get_engine(lake_copy)
    ensure_schema(engine)
    at = datetime(2031, 6, 15, tzinfo=UTC)
    first = run_job(lake_copy, engine, get_job("lake_compaction"), at)
    assert first.outcome == "ok" and first.detail["partitions"] > 0
    again = run_job(lake_copy, engine, get_job("lake_compaction"), at)
    assert again.outcome == "ok" and again.detail["partitions"] == 0
    dispose_engines()
