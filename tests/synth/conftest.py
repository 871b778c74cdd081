"""One small synthetic world shared by the synth tests, and readers for its exports."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.json as pjson
import pyarrow.parquet as pq
import pytest

from crossplay.synth import GenerationReport, WorldConfig, generate_world

#: two chunks, so chunk boundaries are exercised everywhere
CONFIG = WorldConfig(people=2000, days=30, seed=11, chunk_people=1000)

STREAM_SCHEMA = pa.schema([
    ("msg_id", pa.string()), ("viewer", pa.string()), ("kind", pa.string()),
    ("anchor_id", pa.string()), ("room_id", pa.string()), ("time", pa.string()),
    ("num", pa.int64()), ("cur", pa.string()), ("text", pa.string()),
    ("gift_name", pa.string()), ("client", pa.string()),
])
SOCIAL_SCHEMA = pa.schema([
    ("from", pa.string()), ("to", pa.string()), ("to_type", pa.string()),
    ("rel", pa.string()), ("w", pa.float64()), ("ts", pa.int64()),
])
CONSENT_SCHEMA = pa.schema([
    ("player", pa.string()), ("consent_type", pa.string()), ("granted", pa.bool_()),
    ("at", pa.string()), ("via", pa.string()),
])


def read_csv_text(path: Path, encoding: str = "utf-8") -> pa.Table:
    """A CSV with every column as text (empty stays empty)."""
    header = path.read_bytes().split(b"\n", 1)[0].decode(encoding).split(",")
    return pcsv.read_csv(
        path, read_options=pcsv.ReadOptions(encoding=encoding),
        convert_options=pcsv.ConvertOptions(
            column_types={c: pa.string() for c in header}, strings_can_be_null=False),
    )


def read_jsonl(path: Path, schema: pa.Schema) -> pa.Table:
    return pjson.read_json(path, parse_options=pjson.ParseOptions(
        explicit_schema=schema, unexpected_field_behavior="error"))


def concat(tables: list[pa.Table]) -> pa.Table:
    return pa.concat_tables(tables)


@dataclass(frozen=True)
class World:
    root: Path
    report: GenerationReport
    progress: list[tuple[int, int]]

    @property
    def manifest(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.root / "manifest.json").read_text("utf-8"))
        return data

    def knowledge_events(self) -> pa.Table:
        return concat([read_csv_text(p) for p in sorted(self.root.glob(
            "knowledge/events/part-*.csv"))])

    def game_events(self) -> pa.Table:
        return concat([pq.read_table(p) for p in sorted(self.root.glob(
            "game/events/part-*.parquet"))])

    def streams(self) -> pa.Table:
        return concat([read_jsonl(p, STREAM_SCHEMA) for p in sorted(self.root.glob(
            "game/streams/part-*.jsonl"))])

    def truth(self) -> pa.Table:
        return concat([pq.read_table(p) for p in sorted(self.root.glob(
            "ground_truth/people/part-*.parquet"))])

    def courses(self) -> pa.Table:
        return read_csv_text(self.root / "knowledge/items/courses.csv", "gb18030")

    def games(self) -> pa.Table:
        return pjson.read_json(self.root / "game/items/games.jsonl")

    def social(self) -> pa.Table:
        return read_jsonl(self.root / "game/social.jsonl", SOCIAL_SCHEMA)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("synth") / "world"
    calls: list[tuple[int, int]] = []
    report = generate_world(CONFIG, root, progress=lambda done, total: calls.append(
        (done, total)))
    return World(root, report, calls)


@pytest.fixture(scope="session")
def k_events(world: World) -> pa.Table:
    return world.knowledge_events()


@pytest.fixture(scope="session")
def g_events(world: World) -> pa.Table:
    return world.game_events()


@pytest.fixture(scope="session")
def streams(world: World) -> pa.Table:
    return world.streams()


@pytest.fixture(scope="session")
def truth(world: World) -> pa.Table:
    return world.truth()
