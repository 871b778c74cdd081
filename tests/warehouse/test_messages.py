"""Every refusal of the SQL surface and of a damaged lake reads the same from the catalog.

The CLI prints a CrossplayError in zh-CN from its catalog entry ``err.<code>`` and the
error's params; the English entry must say exactly what the raised message says, and
every code these modules raise must have an entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from crossplay.cli.i18n import MESSAGES
from crossplay.core.errors import CrossplayError
from crossplay.core.settings import Settings
from crossplay.lake import Lake
from crossplay.warehouse import query
from crossplay.warehouse.duck import connect
from tests.conftest import CliRunner
from tests.ingest.helpers import events_csv, mapping

SOURCES = ["warehouse/readonly.py", "warehouse/duck.py", "lake/store.py"]
SRC = Path(__file__).resolve().parents[2] / "src" / "crossplay"


def test_every_code_raised_has_a_catalog_entry_in_both_languages() -> None:
    codes: set[str] = set()
    for rel in SOURCES:
        text = (SRC / rel).read_text(encoding="utf-8")
        codes |= set(re.findall(r'code="([a-z_]+)"', text))
        codes |= set(re.findall(r'"(lake_[a-z_]+)" if ', text))  # a chosen code
    assert {"read_only", "sql_file_access", "lake_manifest_corrupt"} <= codes
    for code in codes:
        assert set(MESSAGES[f"err.{code}"]) == {"en", "zh-CN"}, code


def _raise(action: Callable[[], object]) -> CrossplayError:
    with pytest.raises(CrossplayError) as info:
        action()
    return info.value


@pytest.fixture
def lake(cli: CliRunner, tmp_path: Path, settings: Settings) -> Lake:
    for name, row in (("a.csv", "1,K1,study,C1,2026-09-01 20:00:00,1,ios"),
                      ("b.csv", "2,K2,study,C1,2026-09-02 20:00:00,1,ios")):
        res = cli("ingest", events_csv(tmp_path / name, row), "--partner", "knowledge",
                  "--kind", "events", "--mapping", mapping(tmp_path / "m.yaml"))
        assert res.code == 0, res.err
    return Lake(settings.lake_dir)


def test_english_catalog_entries_match_the_raised_messages(settings: Settings,
                                                          lake: Lake) -> None:
    errors = [_raise(lambda s=s: query(settings, s)) for s in (  # type: ignore[misc]
        "SELEC 1", "SELECT 1; SELECT 2", "COPY events TO 'x.csv'",
        "SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM enable_logging()",
        "SELECT * FROM no_such_table", "EXPLAIN ANALYZE COPY events TO 'x.csv'")]
    errors.append(_raise(lambda: connect(settings, scope="nobody")))  # type: ignore[arg-type]
    good = lake.manifest_path.read_bytes()
    for text, _ in ((b"{", "lake_manifest_corrupt"),
                    (b'{"schema_version": 99}', "lake_too_new")):
        lake.manifest_path.write_bytes(text)
        errors.append(_raise(lake.read_manifest))
    lake.manifest_path.unlink()
    errors.append(_raise(lake.read_manifest))                  # missing beside a backup
    lake.manifest_path.mkdir()
    errors.append(_raise(lake.read_manifest))                  # unreadable
    lake.manifest_path.rmdir()
    lake.backup_path.unlink()
    lake.manifest_path.write_bytes(b"[")
    errors.append(_raise(lake.read_manifest))                  # lost: no backup
    errors.append(_raise(lake.recover))                        # unrecoverable
    lake.manifest_path.write_bytes(good)
    lake.files("events")[0].unlink()
    errors.append(_raise(lambda: lake.files("events")))        # a listed file is missing
    errors.append(_raise(lake.recover))                        # backup gone: drop-missing
    seen = {e.code for e in errors}
    assert seen == {"sql_unparsable", "sql_statements", "read_only", "sql_file_access",
                    "sql_settings_locked", "query_failed", "bad_scope",
                    "lake_manifest_corrupt", "lake_too_new", "lake_manifest_missing",
                    "lake_manifest_unreadable", "lake_manifest_lost", "lake_unrecoverable",
                    "lake_file_missing", "lake_files_unrecoverable"}
    for e in errors:
        entry = MESSAGES[f"err.{e.code}"]
        assert entry["en"].format(**e.params) == e.message, e.code
        zh = entry["zh-CN"].format(**e.params)
        assert zh != e.message and re.search(r"[\u4e00-\u9fff]", zh), e.code
