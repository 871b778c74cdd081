"""Every mapping loads, fits its canonical table, and names real source columns."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from crossplay.ingest.mapping import load_mapping
from crossplay.schema import table_spec
from crossplay.synth.mappings import SOURCES

from .conftest import World

SOURCE_NAMES = [s.name for s in SOURCES]


def _columns(path: Path, encoding: str) -> set[str]:
    if path.suffix == ".parquet":
        return set(pq.read_schema(path).names)
    if path.suffix == ".csv":
        return set(path.read_bytes().split(b"\n", 1)[0].decode(encoding).split(","))
    with path.open(encoding="utf-8") as handle:
        return set(json.loads(handle.readline()))


@pytest.mark.parametrize("name", SOURCE_NAMES)
def test_mapping_loads_and_fits_its_table(world: World, name: str) -> None:
    source = next(s for s in world.manifest["sources"] if s["name"] == name)
    mapping = load_mapping(world.root / source["mapping"])
    mapping.check_against(table_spec(source["table"]))
    assert mapping.kind == source["kind"] and mapping.partner == source["partner"]
    spec = table_spec(source["table"])
    provided = set(mapping.columns) | set(mapping.constants)
    assert set(spec.required_fields) <= provided, name
    first = world.root / source["files"][0]
    columns = _columns(first, source["encoding"] if source["encoding"] != "binary" else "")
    assert set(mapping.columns.values()) <= columns
    assert set(mapping.properties) <= columns


@pytest.mark.parametrize("name", SOURCE_NAMES)
def test_mapped_values_are_canonical(world: World, name: str) -> None:
    source = next(s for s in world.manifest["sources"] if s["name"] == name)
    mapping = load_mapping(world.root / source["mapping"])
    spec = table_spec(source["table"])
    for field, values in mapping.values.items():
        f = spec.field(field)
        if f.kind == "enum":
            assert set(values.values()) <= set(f.enum), (name, field)
    for field, value in mapping.constants.items():
        f = spec.field(field)
        if f.kind == "enum":
            assert value in f.enum
    for rule in mapping.units.values():
        if not isinstance(rule, str | float | int):
            assert set(rule.by_event_type) <= set(spec.field("event_type").enum)


def test_mapping_files_are_commented_yaml(world: World) -> None:
    text = (world.root / "mappings/knowledge-events.yaml").read_text("utf-8")
    assert text.startswith("# knowledge-events")
    doc = yaml.safe_load(text)
    assert doc["units"]["value"] == {
        "default": "ms_to_s",
        "by_event_type": {"purchase": "cents_to_yuan", "refund": "cents_to_yuan",
                          "rating": "none"},
    }
    items = yaml.safe_load((world.root / "mappings/knowledge-items.yaml").read_text("utf-8"))
    assert items["encoding"] == "gb18030"
    assert items["values"]["item_type"]["课程"] == "course"
