"""The docs describe what the code does: every table, column, event type and reason."""

from __future__ import annotations

import re
from pathlib import Path

from crossplay.cli.i18n import MESSAGES, REASONS
from crossplay.schema import EVENT_TYPES, TABLES

ROOT = Path(__file__).resolve().parents[1]


def test_data_model_covers_the_schema() -> None:
    text = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    for name, spec in TABLES.items():
        assert f"## {name}" in text
        for col in spec.stored_columns:
            assert f"| {col} |" in text or f"{col}," in text, (name, col)
    for types in EVENT_TYPES.values():
        for t in types:
            assert t in text, t


def test_every_reason_code_is_documented_and_translated() -> None:
    text = (ROOT / "docs" / "ingestion.md").read_text(encoding="utf-8")
    codes = set()
    for path in (ROOT / "src" / "crossplay" / "ingest").glob("*.py"):
        codes |= set(re.findall(r'reason_sql\(\s*"([a-z_]+)"', path.read_text()))
        codes |= set(re.findall(r'SourceReject\([^)]*?"([a-z_]+)"', path.read_text(), re.S))
    codes |= {"conflicting_duplicate", "conflicts_with_lake"}
    assert len(codes) >= 15
    for code in codes:
        assert code in text, code
        assert code in REASONS, code


def test_messages_have_both_languages() -> None:
    for key, langs in {**MESSAGES, **REASONS}.items():
        assert set(langs) == {"en", "zh-CN"}, key
        assert all(v.strip() for v in langs.values()), key
