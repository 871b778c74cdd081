"""The lake's schema version and ``crossplay lake migrate``.

No lake change exists yet (version 1 is the only one), so the rewrite machinery is tested
with a step made here: a lake whose manifest says version 0, and an identity rewrite of its
event files from 0 to 1. What is checked is the protocol — files rewritten beside the old
ones, one manifest replacement publishing them with the new version, nothing lost, a failure
half-way leaving the lake as it was — not a change of columns.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crossplay.core.errors import ConfigError
from crossplay.lake import Lake
from crossplay.lake.migrate import STEPS, LakeStep, migrate, rewritten_name
from crossplay.schema import SCHEMA_VERSION


def _set_version(lake: Lake, version: int) -> None:
    for path in (lake.manifest_path, lake.backup_path):
        data = json.loads(path.read_text(encoding="utf-8"))
        data["schema_version"] = version
        path.write_text(json.dumps(data), encoding="utf-8")


def _events(lake: Lake) -> int:
    return sum(pq.read_metadata(p).num_rows for p in lake.files("events"))


def test_no_step_exists_yet_and_a_current_lake_is_left_alone(cli: Any, fresh_world: Any) -> None:
    assert STEPS == {} and SCHEMA_VERSION == 1
    lake = Lake(fresh_world.data_dir / "lake")
    before = lake.manifest_path.read_bytes()
    d = ["--data-dir", str(fresh_world.data_dir)]
    r = cli(*d, "lake", "migrate", data=False)
    assert r.code == 0 and "schema version 1, the newest" in r.out
    assert "无需迁移" in cli(*d, "--lang", "zh-CN", "lake", "migrate", data=False).out
    assert cli(*d, "lake", "migrate", "--json", data=False).json() == {
        "before": 1, "after": 1, "steps": [], "files": 0}
    assert lake.manifest_path.read_bytes() == before


def test_an_older_lake_is_refused_then_rewritten_atomically(cli: Any, fresh_world: Any) -> None:
    lake = Lake(fresh_world.data_dir / "lake")
    events = _events(lake)
    old_files = [p.relative_to(lake.root).as_posix() for p in lake.files("events")]
    _set_version(lake, 0)
    d = ["--data-dir", str(fresh_world.data_dir)]
    refused = cli(*d, "stats", data=False)
    assert refused.code == 2 and "(lake_outdated)" in refused.err_flat
    assert "run `crossplay lake migrate`" in refused.err_flat
    zh = cli(*d, "--lang", "zh-CN", "stats", data=False)
    assert "请运行 `crossplay lake migrate`" in zh.err_flat
    # this crossplay has no step from 0: it says so and changes nothing
    none = cli(*d, "lake", "migrate", data=False)
    assert none.code == 2 and "(lake_no_step)" in none.err_flat

    seen: list[int] = []

    def identity(table: str, rows: pa.Table) -> pa.Table:
        seen.append(rows.num_rows)
        return rows

    step = LakeStep(0, ("events",), identity, "identity rewrite (test)")
    done = migrate(lake, steps={0: step}, target=1)
    assert done.before == 0 and done.after == 1 and done.files == len(old_files)
    assert sum(seen) == events
    new_files = [p.relative_to(lake.root).as_posix() for p in lake.files("events")]
    assert new_files == [rewritten_name(r, 1) for r in old_files]
    assert not any((lake.root / r).exists() for r in old_files)
    meta = pq.read_schema(lake.files("events")[0]).metadata
    assert meta[b"crossplay.schema_version"] == b"1"
    assert not any(lake.staging_root.iterdir())
    assert _events(lake) == events
    assert json.loads(lake.backup_path.read_text())["schema_version"] == 1
    assert cli(*d, "stats", data=False).code == 0


def test_a_failure_half_way_leaves_the_lake_as_it_was(fresh_world: Any) -> None:
    lake = Lake(fresh_world.data_dir / "lake")
    _set_version(lake, 0)
    manifest = lake.manifest_path.read_bytes()
    calls = 0

    def breaks(table: str, rows: pa.Table) -> pa.Table:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError("disk full (test)")
        return rows

    with pytest.raises(OSError, match="disk full"):
        migrate(lake, steps={0: LakeStep(0, ("events",), breaks, "breaks")}, target=1)
    assert lake.manifest_path.read_bytes() == manifest
    listed = json.loads(manifest)["tables"]["events"]
    assert all((lake.root / r).is_file() for r in listed)
    # the next migration removes the half-written files and completes
    done = migrate(lake, steps={0: LakeStep(0, ("events",), lambda t, r: r, "again")},
                   target=1)
    assert done.files == len(listed)
    assert not list(lake.root.rglob("*.v1.v1.parquet"))


def test_a_newer_lake_is_refused(cli: Any, fresh_world: Any) -> None:
    lake = Lake(fresh_world.data_dir / "lake")
    _set_version(lake, SCHEMA_VERSION + 1)
    d = ["--data-dir", str(fresh_world.data_dir)]
    for args in (("lake", "migrate"), ("stats",)):
        r = cli(*d, *args, data=False)
        assert r.code == 2 and "(lake_too_new)" in r.err_flat
        assert "made by a newer crossplay" in r.err_flat
    with pytest.raises(ConfigError, match="newer crossplay"):
        migrate(lake)


def test_rewritten_names_stay_beside_the_old_file() -> None:
    assert rewritten_name("events/partner=k/r1-0.parquet", 2) == "events/partner=k/r1-0.v2.parquet"
    assert rewritten_name("events/partner=k/r1-0.v2.parquet", 3) == \
        "events/partner=k/r1-0.v3.parquet"


def test_steps_chain_in_one_publish(fresh_world: Any) -> None:
    lake = Lake(fresh_world.data_dir / "lake")
    old = [p.relative_to(lake.root).as_posix() for p in lake.files("items")]
    _set_version(lake, -1)

    def tag(version: int) -> LakeStep:
        return LakeStep(version, ("items",), lambda t, r: r, f"step {version}")

    done = migrate(lake, steps={-1: tag(-1), 0: tag(0)}, target=1)
    assert done.files == len(old) and len(done.steps) == 2
    assert [p.relative_to(lake.root).as_posix() for p in lake.files("items")] == \
        [rewritten_name(r, 1) for r in old]
    assert not list((fresh_world.data_dir / "lake").rglob("*.v0.parquet"))


