"""Schema revisions of the operational database (SQLite and the real PostgreSQL).

The tables declared on the metadata and the head revision agree (so no table or column is
added without a migration), revision 0001 is the schema crossplay created before migrations
existed, and every state a store can be in is created, refused or upgraded as documented.
"""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, inspect, text

from crossplay.core.errors import ConfigError
from crossplay.opdb import dispose_engines, ensure_schema, get_engine
from crossplay.opdb import schema_version as sv
from crossplay.opdb.meta import load_tables

#: tables added by revisions after 0001 (everything else is the first released schema)
LATER_TABLES = {"ops_job_runs"}


def _diff(url: str, metadata: MetaData) -> list[object]:
    with get_engine(url).connect() as con:
        ctx = MigrationContext.configure(con, opts={"compare_type": True,
                                                   "compare_server_default": True})
        return list(compare_metadata(ctx, metadata))


def test_the_head_revision_is_the_declared_metadata(op_db_url: str) -> None:
    """Add a table or a column without a revision and this fails: write one with
    ``python -m crossplay.opdb.new_revision "what it does"``."""
    ensure_schema(get_engine(op_db_url))
    assert _diff(op_db_url, load_tables()) == []


def test_revision_0001_is_the_schema_before_migrations(op_db_url: str) -> None:
    """0001 holds exactly what ``metadata.create_all`` made before this change: today's
    tables without those later revisions add."""
    sv.upgrade(get_engine(op_db_url), sv.FIRST)
    before = MetaData(naming_convention=load_tables().naming_convention)
    for name, table in load_tables().tables.items():
        if name not in LATER_TABLES:
            table.to_metadata(before)
    assert _diff(op_db_url, before) == []


def test_an_empty_database_is_created_at_head(op_db_url: str) -> None:
    engine = get_engine(op_db_url)
    assert sv.current_state(engine).kind == "empty"
    ensure_schema(engine)
    state = sv.current_state(engine)
    assert state == sv.SchemaState("current", sv.head(), sv.head())
    assert [r.revision for r in sv.history()][:2] == ["0001", "0002"]
    assert sv.upgrade(engine) == sv.UpgradeResult(sv.head(), sv.head(), False, [])


def _fresh_process() -> None:
    """What a new crossplay process sees (the per-process "schema ready" cache is gone)."""
    dispose_engines()


def test_an_older_revision_is_refused_until_db_upgrade(op_db_url: str) -> None:
    engine = get_engine(op_db_url)
    sv.upgrade(engine, "0001")
    _fresh_process()
    engine = get_engine(op_db_url)
    with pytest.raises(ConfigError, match=r"run `crossplay db upgrade`") as info:
        ensure_schema(engine)
    assert info.value.code == "opdb_outdated"
    assert info.value.params["current"] == "0001"
    done = sv.upgrade(engine)
    assert done == sv.UpgradeResult("0001", sv.head(), False, ["0002"])
    ensure_schema(engine)
    assert "ops_job_runs" in inspect(engine).get_table_names()


def test_a_newer_revision_is_always_refused(op_db_url: str) -> None:
    engine = get_engine(op_db_url)
    ensure_schema(engine)
    with engine.begin() as con:
        con.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    _fresh_process()
    engine = get_engine(op_db_url)
    for attempt in (ensure_schema, sv.upgrade):
        with pytest.raises(ConfigError, match="made by a newer crossplay") as info:
            attempt(engine)
        assert info.value.code == "opdb_too_new"
    assert sv.current_state(engine).kind == "ahead"


def _pre_migration_store(url: str) -> None:
    """A store as crossplay made it before migrations: revision 0001's tables, no version."""
    engine = get_engine(url)
    sv.upgrade(engine, "0001")
    with engine.begin() as con:
        con.execute(text("DROP TABLE alembic_version"))
    _fresh_process()


def test_a_store_made_before_migrations_is_stamped_then_upgraded(op_db_url: str) -> None:
    _pre_migration_store(op_db_url)
    engine = get_engine(op_db_url)
    assert sv.current_state(engine).kind == "unversioned"
    with pytest.raises(ConfigError, match="made before schema migrations") as info:
        ensure_schema(engine)
    assert info.value.code == "opdb_unversioned"
    done = sv.upgrade(engine)
    assert done == sv.UpgradeResult(None, sv.head(), True, ["0002"])
    ensure_schema(engine)


def test_a_store_that_is_not_0001_is_not_stamped(op_db_url: str) -> None:
    _pre_migration_store(op_db_url)
    engine = get_engine(op_db_url)
    with engine.begin() as con:
        con.execute(text("DROP TABLE web_operators"))
    with pytest.raises(ConfigError, match="table web_operators is missing") as info:
        sv.upgrade(engine)
    assert info.value.code == "opdb_unversioned_mismatch"
    assert sv.current_state(engine).kind == "unversioned"  # nothing was changed


def test_unknown_target_and_downgrade_are_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = get_engine(f"sqlite:///{tmp_path / 'ops.db'}")
    with pytest.raises(ConfigError, match="unknown schema revision 'nope'"):
        sv.upgrade(engine, "nope")
    sv.upgrade(engine)
    with pytest.raises(ConfigError, match="does not downgrade") as info:
        sv.upgrade(engine, "0001")
    assert info.value.code == "opdb_no_downgrade"
    dispose_engines()


def test_the_db_commands_in_both_languages(cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert "empty" in cli("db", "current").out
    assert cli("db", "upgrade", "--to", "0001").code == 0
    _fresh_process()
    refused = cli("audit", "verify")
    assert refused.code == 2 and "(opdb_outdated)" in refused.err_flat
    assert "run `crossplay db upgrade`" in refused.err_flat
    zh = cli("--lang", "zh-CN", "audit", "verify")
    assert "请运行 `crossplay db upgrade`" in zh.err_flat
    current = cli("db", "current", "--json").json()
    assert current["kind"] == "behind" and current["current"] == "0001"
    history = cli("--lang", "zh-CN", "db", "history")
    assert history.code == 0 and "第一个发布的结构" in history.out and "最新" in history.out
    up = cli("db", "upgrade")
    assert up.code == 0 and "from 0001 to 0002: ran 0002" in up.out
    assert cli("audit", "verify").code == 0
    assert "已处于" in cli("--lang", "zh-CN", "db", "upgrade").out
    dispose_engines()
