"""A damaged lake manifest gives every command a clear error, never a traceback, and recovers.

Each case damages ``_manifest.json`` of a small two-run lake (truncated, empty, not JSON,
binary, the wrong shape, paths outside their table, a missing manifest or a missing file)
and then runs ``stats``, ``sql`` and ``ingest`` through the CLI: exit 2, a stable code, a
message that says what to do, and no file of the lake deleted (a writer that took a broken
manifest for an empty lake would remove every file as left over). ``crossplay lake
recover`` then restores the backup copy, and the lake answers as before the damage.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from crossplay.core.settings import load_settings
from crossplay.ingest.mapping import load_mapping
from crossplay.ingest.pipeline import ingest
from tests.conftest import G_SECRET, K_SECRET, CliResult, CliRunner
from tests.ingest.helpers import events_csv, mapping

ROWS_A = ["1,K1,study,C1,2026-09-01 20:00:00,60000,ios", "2,K1,buy,C1,2026-09-02 21:00:00,9900,ios"]
ROWS_B = ["3,K2,study,C2,2026-09-03 22:00:00,1000,android",
          "4,K3,view,C3,2026-09-04 10:00:00,1,ios", "5,K3,fly,C3,2026-09-04 10:00:00,1,ios"]
EXPECTED_EVENTS = 4


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory whose lake committed two runs (so it has a backup copy)."""
    root = tmp_path_factory.mktemp("corrupt-lake")
    settings = load_settings(data_dir=root / "data", knowledge_secret=K_SECRET,
                             game_secret=G_SECRET)
    m = load_mapping(mapping(root / "m.yaml"))
    for name, rows in (("a.csv", ROWS_A), ("b.csv", ROWS_B)):
        ingest(settings, [events_csv(root / name, *rows)], partner="knowledge",
               kind="events", mapping=m)
    return root


@pytest.fixture
def lake_dir(template: Path, data_dir: Path) -> Path:
    shutil.copytree(template / "data", data_dir)
    return data_dir / "lake"


def _manifest(lake: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((lake / "_manifest.json").read_text())  # type: ignore[no-any-return]


def _write(lake: Path, data: object) -> None:
    text = data if isinstance(data, str | bytes) else json.dumps(data)
    path = lake / "_manifest.json"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)


def _with(change: Callable[[dict], None]) -> Callable[[Path], None]:  # type: ignore[type-arg]
    def damage(lake: Path) -> None:
        m = _manifest(lake)
        change(m)
        _write(lake, m)
    return damage


def _first_event_file(lake: Path) -> Path:
    return lake / _manifest(lake)["tables"]["events"][0]


DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "truncated": (lambda lake: _write(lake, (lake / "_manifest.json").read_bytes()[:200]),
                  "lake_manifest_corrupt"),
    "empty": (lambda lake: _write(lake, b""), "lake_manifest_corrupt"),
    "not_json": (lambda lake: _write(lake, "event_id,user_id\n1,2\n"), "lake_manifest_corrupt"),
    "binary": (lambda lake: _write(lake, bytes(range(256)) * 4), "lake_manifest_corrupt"),
    "parquet_bytes": (lambda lake: _write(lake, _first_event_file(lake).read_bytes()),
                      "lake_manifest_corrupt"),
    "json_array": (lambda lake: _write(lake, [1, 2, 3]), "lake_manifest_corrupt"),
    "deeply_nested": (lambda lake: _write(lake, "[" * 100_000 + "]" * 100_000),
                      "lake_manifest_corrupt"),
    "tables_not_a_map": (_with(lambda m: m.update(tables=["events"])), "lake_manifest_corrupt"),
    "files_not_a_list": (_with(lambda m: m["tables"].update(events="events/x.parquet")),
                         "lake_manifest_corrupt"),
    "path_escapes_the_lake": (_with(lambda m: m["tables"]["events"].append(
        "events/../../../../etc/passwd")), "lake_manifest_corrupt"),
    "absolute_path": (_with(lambda m: m["tables"]["events"].append("/etc/passwd")),
                      "lake_manifest_corrupt"),
    "file_of_another_table": (_with(lambda m: m["tables"]["events"].append(
        m["tables"]["quarantine"][0])), "lake_manifest_corrupt"),
    "version_not_a_number": (_with(lambda m: m.update(schema_version="1")),
                             "lake_manifest_corrupt"),
    "run_record_incomplete": (_with(lambda m: m["runs"][0].pop("accepted")),
                              "lake_manifest_corrupt"),
    "run_record_wrong_type": (_with(lambda m: m["runs"][0].update(read="many")),
                              "lake_manifest_corrupt"),
    "manifest_deleted": (lambda lake: (lake / "_manifest.json").unlink(),
                         "lake_manifest_missing"),
    "listed_file_deleted": (lambda lake: _first_event_file(lake).unlink(), "lake_file_missing"),
}


def _refused(res: CliResult, code: str) -> None:
    assert res.code == 2, res.out
    assert f"({code})" in res.err_flat, res.err
    assert "Traceback" not in res.err + res.out
    assert "crossplay lake recover" in res.err_flat or "backup" in res.err_flat


def _parquet(lake: Path) -> set[Path]:
    return set(lake.rglob("*.parquet"))


@pytest.mark.parametrize("name", list(DAMAGE))
def test_every_command_refuses_a_damaged_manifest_clearly(
        cli: CliRunner, lake_dir: Path, tmp_path: Path, name: str) -> None:
    damage, code = DAMAGE[name]
    damage(lake_dir)
    files = _parquet(lake_dir)
    _refused(cli("stats"), code)
    _refused(cli("sql", "SELECT count(*) FROM events"), code)
    _refused(cli("sql", "--as", "knowledge", "SELECT count(*) FROM events"), code)
    _refused(cli("quarantine", "list"), code)
    src = events_csv(tmp_path / "c.csv", "6,K4,study,C4,2026-09-05 20:00:00,1,ios")
    _refused(cli("ingest", src, "--partner", "knowledge", "--kind", "events", "--mapping",
                 mapping(tmp_path / "m.yaml")), code)
    assert _parquet(lake_dir) == files, "a writer deleted committed files"
    zh = cli("--lang", "zh-CN", "stats")
    assert zh.code == 2 and f"({code})" in zh.err_flat and "crossplay lake recover" in zh.err_flat
    assert "数据湖" in zh.err_flat


@pytest.mark.parametrize("name", [n for n, (_, c) in DAMAGE.items() if c != "lake_file_missing"])
def test_recover_restores_the_backup_and_nothing_is_lost(cli: CliRunner, lake_dir: Path,
                                                         name: str) -> None:
    before = cli("sql", "SELECT event_id FROM events ORDER BY 1", "--json").json()
    DAMAGE[name][0](lake_dir)
    res = cli("lake", "recover", "--json")
    assert res.code == 0, res.err
    done = res.json()
    assert done["action"] == "backup" and done["runs"] == 2
    if (lake_dir / "_manifest.json").exists() and name != "manifest_deleted":
        assert (lake_dir / done["kept_aside"]).is_file()
    assert cli("sql", "SELECT event_id FROM events ORDER BY 1", "--json").json() == before
    assert cli("stats", "--json").json()["tables"]["events"] == EXPECTED_EVENTS
    again = cli("lake", "recover", "--json").json()
    assert again["action"] == "none"


def test_a_missing_file_is_dropped_on_request_and_reingest_puts_rows_back(
        cli: CliRunner, lake_dir: Path, tmp_path: Path) -> None:
    gone = _first_event_file(lake_dir)
    rel = gone.relative_to(lake_dir).as_posix()
    gone.unlink()
    res = cli("lake", "recover")  # the backup lists the same file: not a way out
    assert res.code == 2 and "(lake_files_unrecoverable)" in res.err_flat
    assert "--drop-missing" in res.err_flat
    res = cli("lake", "recover", "--drop-missing", "--json")
    assert res.code == 0, res.err
    assert res.json()["action"] == "dropped" and res.json()["dropped"] == [rel]
    left = cli("stats", "--json").json()["tables"]["events"]
    assert left < EXPECTED_EVENTS
    m = mapping(tmp_path / "m.yaml")
    for name, rows in (("a.csv", ROWS_A), ("b.csv", ROWS_B)):
        done = cli("ingest", events_csv(tmp_path / name, *rows), "--partner", "knowledge",
                   "--kind", "events", "--mapping", m, "--json")
        assert done.code == 0, done.err
    assert cli("stats", "--json").json()["tables"]["events"] == EXPECTED_EVENTS


def test_without_a_backup_the_message_says_to_restore_or_reingest(cli: CliRunner,
                                                                  lake_dir: Path) -> None:
    (lake_dir / "_manifest.backup.json").unlink()  # a lake written before backups existed
    _write(lake_dir, "{")
    res = cli("stats")
    assert res.code == 2 and "(lake_manifest_lost)" in res.err_flat
    assert "ingest every export again" in res.err_flat
    res = cli("lake", "recover")
    assert res.code == 2 and "(lake_unrecoverable)" in res.err_flat
    zh = cli("--lang", "zh-CN", "lake", "recover")
    assert zh.code == 2 and "备份副本" in zh.err_flat


def test_a_damaged_backup_is_harmless_and_the_next_commit_rewrites_it(
        cli: CliRunner, lake_dir: Path, tmp_path: Path) -> None:
    (lake_dir / "_manifest.backup.json").write_text("garbage")
    assert cli("stats", "--json").json()["tables"]["events"] == EXPECTED_EVENTS
    res = cli("ingest", events_csv(tmp_path / "c.csv", "6,K4,study,C4,2026-09-05 20:00:00,1,ios"),
              "--partner", "knowledge", "--kind", "events", "--mapping",
              mapping(tmp_path / "m.yaml"), "--json")
    assert res.code == 0, res.err
    backup = (lake_dir / "_manifest.backup.json").read_bytes()
    assert backup == (lake_dir / "_manifest.json").read_bytes()


def test_an_erasure_leaves_no_backup_listing_the_files_it_removed(cli: CliRunner,
                                                                 lake_dir: Path) -> None:
    before = set(_manifest(lake_dir)["tables"]["events"])
    res = cli("forget", "--partner", "knowledge", "--user", "K1")
    assert res.code == 0, res.err
    manifest = (lake_dir / "_manifest.json").read_bytes()
    assert (lake_dir / "_manifest.backup.json").read_bytes() == manifest
    listed = set(json.loads(manifest)["tables"]["events"])
    assert listed != before
    assert all((lake_dir / r).is_file() for r in listed)
    assert not any((lake_dir / r).exists() for r in before - listed)
