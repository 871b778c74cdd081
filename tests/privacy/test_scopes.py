"""`crossplay sql --as PARTNER`: a partner sees only its own rows, never the other's."""

from __future__ import annotations

import pytest

from crossplay.privacy.consent import update_consent
from tests.conftest import CliRunner, LoadedWorld


@pytest.fixture
def world_cli(cli: CliRunner, loaded_world: LoadedWorld) -> CliRunner:
    def run(*args: str) -> object:
        return cli("--data-dir", str(loaded_world.data_dir), *args, data=False)
    return run  # type: ignore[return-value]


@pytest.mark.parametrize("partner,other", [("knowledge", "game"), ("game", "knowledge")])
def test_own_rows_only(world_cli, partner: str, other: str) -> None:  # type: ignore[no-untyped-def]
    for table in ("events", "items", "consents", "consents_current", "quarantine"):
        res = world_cli("sql", "--as", partner, f"SELECT DISTINCT partner FROM {table}",
                        "--json")
        assert res.code == 0, res.err
        assert {r["partner"] for r in res.json()} <= {partner}
    res = world_cli("sql", "--as", partner, "SELECT count(*) AS n FROM events", "--json")
    assert res.json()[0]["n"] > 0
    unscoped = world_cli("sql", "SELECT DISTINCT partner FROM events", "--json")
    assert {r["partner"] for r in unscoped.json()} == {"knowledge", "game"}


@pytest.mark.parametrize("statement", [
    "SELECT * FROM links", "SELECT * FROM links_current",
    "SELECT * FROM __live_links",
])
def test_joint_tables_are_absent(world_cli, statement: str) -> None:  # type: ignore[no-untyped-def]
    res = world_cli("sql", "--as", "knowledge", statement)
    assert res.code == 2


def test_other_partners_files_are_unreadable(world_cli, loaded_world: LoadedWorld) -> None:  # type: ignore[no-untyped-def]
    lake = loaded_world.data_dir.resolve() / "lake"
    for path in (f"{lake}/events/partner=game/**/*.parquet", f"{lake}/**/*.parquet",
                 f"{lake}/links/**/*.parquet", f"{lake}/events/partner=knowledge/../"
                 "partner=game/**/*.parquet"):
        res = world_cli("sql", "--as", "knowledge",
                        f"SELECT DISTINCT partner FROM read_parquet('{path}', "
                        "hive_partitioning = true)", "--json")
        if res.code == 0:  # a glob may only match the partner's own files
            assert {r["partner"] for r in res.json()} <= {"knowledge"}
        else:
            assert res.code == 2


def test_live_consents_of_the_other_partner_are_hidden(cli: CliRunner,
                                                       fresh_world: LoadedWorld) -> None:
    s = fresh_world.settings()
    update_consent(s, partner="game", user_key="c" * 32, purpose="marketing", granted=True)
    base = ("--data-dir", str(fresh_world.data_dir))
    res = cli(*base, "sql", "--as", "knowledge", "SELECT count(*) AS n FROM consents "
              f"WHERE user_key = '{'c' * 32}'", "--json", data=False)
    assert res.json()[0]["n"] == 0
    res = cli(*base, "sql", "--as", "knowledge", "SELECT * FROM __live_consents "
              "WHERE partner = 'game'", "--json", data=False)
    assert res.code == 2 or res.json() == []
    res = cli(*base, "sql", "--as", "game", "SELECT count(*) AS n FROM consents "
              f"WHERE user_key = '{'c' * 32}'", "--json", data=False)
    assert res.json()[0]["n"] == 1
