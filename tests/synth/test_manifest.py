"""The manifest tells the truth about the files: rows, broken rows, duplicates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import yaml

from crossplay.core.types import KIND_TABLE
from crossplay.synth.dirty import REASONS

from .conftest import STREAM_SCHEMA, World, read_csv_text, read_jsonl

REASON_KEYS = set(REASONS)


def _rows_in(path: Path) -> int:
    if path.suffix == ".parquet":
        return int(pq.ParquetFile(path).metadata.num_rows)
    lines = path.read_bytes().count(b"\n")
    return lines - 1 if path.suffix == ".csv" else lines


def test_every_written_file_is_listed_with_its_true_row_count(world: World) -> None:
    files = world.manifest["files"]
    on_disk = {str(p.relative_to(world.root)) for p in world.root.rglob("*")
               if p.is_file() and p.parts[len(world.root.parts)] in ("knowledge", "game")}
    assert set(files) == on_disk
    for rel, entry in files.items():
        assert entry["rows"] == _rows_in(world.root / rel), rel
        assert set(entry["dirty"]) == REASON_KEYS


def test_sources_cover_files_and_add_up(world: World) -> None:
    m = world.manifest
    names = [s["name"] for s in m["sources"]]
    assert len(names) == len(set(names)) == 10
    listed = [f for s in m["sources"] for f in s["files"]]
    assert sorted(listed) == sorted(m["files"])
    expected: dict[str, dict[str, int]] = {}
    for s in m["sources"]:
        assert s["table"] == KIND_TABLE[s["kind"]]
        assert sorted(str(p.relative_to(world.root)) for p in world.root.glob(s["glob"])) \
            == s["files"]
        assert (world.root / s["mapping"]).is_file()
        assert s["expected_accepted"] == s["rows"] - s["dirty_rows"] - s["duplicates"]
        assert s["rows"] == sum(m["files"][f]["rows"] for f in s["files"])
        per = expected.setdefault(s["partner"], {})
        per[s["table"]] = per.get(s["table"], 0) + s["expected_accepted"]
        if s["kind"] != "events":
            assert s["dirty_rows"] == s["duplicates"] == 0
    assert m["expected_accepted"] == expected
    assert set(expected["game"]) == {"events", "items", "social_edges", "consents", "links"}
    assert set(expected["knowledge"]) == {"events", "items", "consents"}


def _codes(world: World, name: str) -> set[str]:
    doc = yaml.safe_load((world.root / f"mappings/{name}.yaml").read_text("utf-8"))
    return set(doc["values"]["event_type"])


def _check(world: World, source: str, table: pa.Table, *, user: str, code: str, ts_bad: pa.Array,
           value: str, event_id: str) -> None:
    entry = world.manifest["files"]
    files = [f for f, e in entry.items() if e["source"] == source]
    dirty = {r: sum(entry[f]["dirty"][r] for f in files) for r in REASONS}
    dups = sum(entry[f]["duplicates"] for f in files)
    users = table[user]
    missing = pc.fill_null(pc.equal(users, ""), True) if users.null_count else pc.equal(users, "")
    known = pa.array(sorted(_codes(world, source)))
    unknown = pc.invert(pc.is_in(table[code], value_set=known))
    negative = pc.fill_null(pc.less(table[value], 0), False)
    assert dirty["missing_user"] == pc.sum(missing).as_py()
    assert dirty["unknown_event_type"] == pc.sum(unknown).as_py()
    assert dirty["negative_value"] == pc.sum(negative).as_py()
    assert dirty["bad_timestamp"] == pc.sum(ts_bad).as_py()
    assert sum(dirty.values()) > 0 and dups > 0
    ids = table[event_id].to_numpy(zero_copy_only=False)
    assert ids.size - np.unique(ids).size == dups


@pytest.mark.parametrize("source", ["knowledge-events", "game-events", "game-streams"])
def test_broken_and_duplicate_rows_match_the_manifest(world: World, source: str) -> None:
    if source == "knowledge-events":
        t = world.knowledge_events()
        parsed = pc.strptime(t["event_time"], format="%Y-%m-%d %H:%M:%S", unit="s",
                             error_is_null=True)
        vals = pc.cast(pc.if_else(pc.equal(t["val"], ""), None, t["val"]), pa.int64())
        t = t.set_column(t.schema.get_field_index("val"), "val", vals)
        _check(world, source, t, user="uid", code="behavior", ts_bad=pc.is_null(parsed),
               value="val", event_id="log_id")
    elif source == "game-events":
        t = world.game_events()
        _check(world, source, t, user="player", code="act", ts_bad=pc.is_null(t["ts_ms"]),
               value="qty", event_id="eid")
    else:
        t = world.streams()
        text = pc.replace_substring(t["time"], "+08:00", "")
        parsed = pc.strptime(text, format="%Y-%m-%dT%H:%M:%S", unit="s", error_is_null=True)
        _check(world, source, t, user="viewer", code="kind", ts_bad=pc.is_null(parsed),
               value="num", event_id="msg_id")


def test_duplicates_are_exact_copies(world: World) -> None:
    t = read_jsonl(world.root / "game/streams/part-00000.jsonl", STREAM_SCHEMA)
    ids = t["msg_id"].to_numpy(zero_copy_only=False)
    same = np.flatnonzero(ids[1:] == ids[:-1])
    assert same.size > 0
    for i in same[:20].tolist():
        assert t.slice(i, 1).to_pylist() == t.slice(i + 1, 1).to_pylist()


def test_event_ids_are_unique_per_partner_apart_from_duplicates(world: World) -> None:
    g = world.game_events()["eid"].to_numpy()
    s = world.streams()["msg_id"].to_numpy(zero_copy_only=False)
    game_ids = set(map(str, g.tolist())) | set(s.tolist())
    dups = sum(e["duplicates"] for e in world.manifest["files"].values()
               if e["source"] in ("game-events", "game-streams"))
    assert len(game_ids) == g.size + s.size - dups
    k = read_csv_text(world.root / "knowledge/events/part-00001.csv")["log_id"]
    first = int(k[0].as_py())
    assert first > int(read_csv_text(world.root / "knowledge/events/part-00000.csv")
                       ["log_id"][-1].as_py())
