"""Hostile statements against `crossplay sql`: every one refused, nothing written, nothing leaked.

Each statement of the corpus runs through the CLI as a person would type it, unscoped and
as ``--as knowledge``: it must exit 2 with a message (never a traceback), leave every file
of the lake byte-identical (``_manifest.json`` included), create no file under the data
directory or the working directory (where DuckDB puts relative paths), and leave the
target paths outside untouched. A second test runs the same corpus straight on a sealed
connection, without the friendly statement check in front, to show that the engine's own
settings are what refuse it. Legitimate queries still work and give the same answers as
the unsealed views the rest of crossplay reads.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from crossplay.core.settings import Settings, load_settings
from crossplay.privacy.audit import entries
from crossplay.privacy.profiles import build_profiles, profile_path
from crossplay.warehouse.duck import connect
from tests.conftest import G_SECRET, K_SECRET, CliResult, CliRunner, LoadedWorld

#: (name, statement); placeholders are filled in from :class:`Target`
CORPUS: list[tuple[str, str]] = [
    # the issue's reproductions, and their relatives: writes through EXPLAIN ANALYZE
    ("issue_explain_analyze_copy_to_lake_file",
     "EXPLAIN ANALYZE COPY (SELECT * FROM read_parquet('{kfile}') LIMIT 0) TO '{kfile}' "
     "(FORMAT parquet)"),
    ("issue_explain_analyze_copy_to_manifest",
     "EXPLAIN ANALYZE COPY (SELECT * FROM read_parquet('{kfile}') LIMIT 0) TO '{manifest}' "
     "(FORMAT parquet)"),
    ("explain_analyze_copy_csv_to_manifest",
     "EXPLAIN ANALYZE COPY (SELECT 1 AS x) TO '{manifest}' (FORMAT csv)"),
    ("explain_analyze_copy_behind_a_comment",
     "/* plan */ EXPLAIN ANALYZE COPY (SELECT 1) TO '{kfile}' (FORMAT parquet)"),
    ("explain_copy", "EXPLAIN COPY events TO '{out}/e.csv'"),
    ("explain_analyze_insert", "EXPLAIN ANALYZE INSERT INTO events SELECT * FROM events"),
    ("explain_analyze_redefine_view",
     "EXPLAIN ANALYZE CREATE OR REPLACE VIEW events AS SELECT * FROM read_parquet("
     "'{lake}/events/**/*.parquet', hive_partitioning = true)"),
    ("explain_analyze_export", "EXPLAIN ANALYZE EXPORT DATABASE '{out}/exp'"),
    # COPY, directly and hidden inside a SELECT
    ("copy_view_over_lake_file", "COPY events TO '{kfile}' (FORMAT parquet)"),
    ("copy_to_outside", "COPY (SELECT 1) TO '{out}/x.csv'"),
    ("copy_to_relative_path", "COPY (SELECT 1) TO 'relative.csv'"),
    ("copy_from_file", "COPY events FROM '{out}/in.csv'"),
    ("copy_in_cte_to_manifest",
     "WITH w AS (COPY (SELECT 1) TO '{manifest}' (FORMAT csv)) SELECT * FROM w"),
    ("copy_in_cte_to_outside",
     "WITH w AS (COPY events TO '{out}/cte.parquet' (FORMAT parquet)) SELECT 1"),
    ("query_function_copy", "SELECT * FROM query('COPY (SELECT 1) TO ''{out}/q.csv''')"),
    # writes and DDL on the views
    ("create_table", "CREATE TABLE t AS SELECT * FROM events"),
    ("create_temp_table", "CREATE TEMP TABLE t AS SELECT 1"),
    ("redefine_view_over_other_partner",
     "CREATE OR REPLACE VIEW events AS SELECT * FROM read_parquet('{gfile}')"),
    ("create_macro", "CREATE MACRO m(x) AS x"),
    ("create_sequence", "CREATE SEQUENCE s"),
    ("drop_view", "DROP VIEW events"),
    ("alter_view", "ALTER VIEW events RENAME TO e2"),
    ("delete", "DELETE FROM events"),
    ("update", "UPDATE events SET value = 0"),
    ("insert", "INSERT INTO events SELECT * FROM events"),
    ("delete_in_cte", "WITH d AS (DELETE FROM events RETURNING *) SELECT count(*) FROM d"),
    ("insert_in_cte",
     "WITH d AS (INSERT INTO events SELECT * FROM events RETURNING *) SELECT count(*) FROM d"),
    # other databases, extensions, secrets
    ("attach_new_file", "ATTACH '{out}/x.duckdb' AS x"),
    ("attach_manifest", "ATTACH '{manifest}' AS m"),
    ("attach_memory", "ATTACH ':memory:' AS scratch"),
    ("detach", "DETACH memory"),
    ("install", "INSTALL httpfs"),
    ("force_install", "FORCE INSTALL parquet"),
    ("load", "LOAD httpfs"),
    ("create_secret", "CREATE SECRET s (TYPE s3, KEY_ID 'k', SECRET 'v')"),
    ("create_persistent_secret", "CREATE PERSISTENT SECRET p (TYPE s3, KEY_ID 'k', SECRET 'v')"),
    ("export_database", "EXPORT DATABASE '{out}/export'"),
    ("import_database", "IMPORT DATABASE '{out}'"),
    # reading files: the machine's, the partner secrets, the lake's own (the other partner)
    ("read_passwd", "SELECT * FROM read_csv('/etc/passwd', sep = ':')"),
    ("read_text_passwd", "SELECT * FROM read_text('/etc/passwd')"),
    ("read_partner_secret", "SELECT * FROM read_blob('{keys}/knowledge.key')"),
    ("read_text_keys_glob", "SELECT * FROM read_text('{keys}/*')"),
    ("glob_lake", "SELECT * FROM glob('{lake}/**')"),
    ("read_other_partner_file", "SELECT * FROM read_parquet('{gfile}')"),
    ("read_lake_glob",
     "SELECT DISTINCT partner FROM read_parquet('{lake}/events/**/*.parquet', "
     "hive_partitioning = true)"),
    ("replacement_scan_by_path", "SELECT * FROM '{gfile}'"),
    ("parquet_metadata", "SELECT * FROM parquet_metadata('{gfile}')"),
    ("parquet_schema", "SELECT * FROM parquet_schema('{kfile}')"),
    ("read_manifest_json", "SELECT * FROM read_json('{manifest}')"),
    ("sniff_csv", "SELECT * FROM sniff_csv('/etc/passwd')"),
    ("read_profiles_file", "SELECT * FROM read_parquet('{profiles}')"),
    ("summarize_file", "SUMMARIZE SELECT * FROM read_parquet('{gfile}')"),
    ("describe_file", "DESCRIBE SELECT * FROM read_csv('/etc/passwd')"),
    ("serialized_sql_reads_file",
     "SELECT * FROM json_execute_serialized_sql(json_serialize_sql("
     "'SELECT * FROM read_csv(''/etc/passwd'')'))"),
    ("http_read", "SELECT * FROM read_csv('https://example.com/x.csv')"),
    ("s3_read", "SELECT * FROM read_parquet('s3://bucket/x.parquet')"),
    ("python_variable_as_table", "SELECT * FROM settings"),
    ("environment_variable", "SELECT getenv('CROSSPLAY_KNOWLEDGE_SECRET')"),
    # settings, profiling and logging (which write files), pragmas
    ("enable_external_access", "SET enable_external_access = true"),
    ("allowed_directories", "SET allowed_directories = ['{lake}']"),
    ("unlock_configuration", "SET lock_configuration = false"),
    ("reset_lock", "RESET lock_configuration"),
    ("set_threads", "SET threads = 64"),
    ("set_global_memory", "SET GLOBAL memory_limit = '1TB'"),
    ("profile_output", "SET profile_output = '{out}/profile.json'"),
    ("log_query_path", "SET log_query_path = '{out}/queries.log'"),
    ("pragma_profiling", "PRAGMA enable_profiling = 'json'"),
    ("pragma_database_list", "PRAGMA database_list"),
    ("logging_to_file",
     "SELECT * FROM enable_logging(storage = 'file', storage_path = '{out}/logs')"),
    ("set_variable", "SET VARIABLE v = 1"),
    ("use_system", "USE system"),
    # statements that are not queries at all, and more than one statement
    ("call_checkpoint", "CALL checkpoint()"),
    ("checkpoint", "CHECKPOINT"),
    ("vacuum", "VACUUM"),
    ("begin", "BEGIN TRANSACTION"),
    ("prepare", "PREPARE p AS SELECT 1"),
    ("two_statements_copy", "SELECT 1; COPY (SELECT 1) TO '{out}/two.csv'"),
    ("two_statements_drop", "SELECT 1; DROP VIEW events"),
    ("not_sql", "SELEC * FROM events"),
]

#: refused only under a partner scope (unscoped, the operator may read joint data)
SCOPED_ONLY: list[tuple[str, str]] = [
    ("links", "SELECT * FROM links"),
    ("links_current", "SELECT * FROM links_current"),
    ("live_links", "SELECT * FROM __live_links"),
]

#: a sealed connection (without the statement check) may run these in its own in-memory
#: catalog: harmless, and gone with the connection; the others must fail in the engine
ENGINE_HARMLESS = {
    "explain_analyze_insert", "create_table", "create_temp_table", "create_macro",
    "create_sequence", "drop_view", "alter_view", "delete", "update", "insert",
    "delete_in_cte", "insert_in_cte", "attach_memory", "set_variable", "call_checkpoint",
    "checkpoint", "vacuum", "begin", "prepare", "pragma_database_list", "detach",
    "two_statements_drop",
}


@dataclass(frozen=True)
class Target:
    """A world's data directory prepared for attack: profiles built, a key file on disk."""

    data_dir: Path
    outside: Path
    kfile: Path
    gfile: Path

    @property
    def lake(self) -> Path:
        return self.data_dir / "lake"

    def settings(self) -> Settings:
        return load_settings(data_dir=self.data_dir, knowledge_secret=K_SECRET,
                             game_secret=G_SECRET)

    def fill(self, template: str) -> str:
        return template.format(
            lake=self.lake, manifest=self.lake / "_manifest.json", kfile=self.kfile,
            gfile=self.gfile, out=self.outside, keys=self.data_dir / "keys",
            profiles=profile_path(self.settings()))


@pytest.fixture(scope="module")
def target(loaded_world: LoadedWorld, tmp_path_factory: pytest.TempPathFactory) -> Target:
    root = tmp_path_factory.mktemp("hostile-sql")
    data_dir = root / "data"
    shutil.copytree(loaded_world.data_dir, data_dir)
    keys = data_dir / "keys"
    keys.mkdir(exist_ok=True)
    (keys / "knowledge.key").write_text("not-a-real-secret-but-readable-if-leaked\n")
    outside = root / "outside"
    outside.mkdir()
    lake = data_dir / "lake"
    files = json.loads((lake / "_manifest.json").read_text())["tables"]["events"]
    kfile = next(lake / f for f in files if "/partner=knowledge/" in f"/{f}")
    gfile = next(lake / f for f in files if "/partner=game/" in f"/{f}")
    t = Target(data_dir, outside, kfile, gfile)
    build_profiles(t.settings())
    assert profile_path(t.settings()).is_file()
    return t


def _hashes(root: Path, skip: Callable[[Path], bool] = lambda p: False) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not skip(p)}


def _is_opdb(path: Path) -> bool:  # the audit log lives here and grows with each attempt
    return path.name.startswith("crossplay.db")


@dataclass(frozen=True)
class Snapshot:
    lake: dict[str, str]
    data: set[str]
    outside: set[str]
    cwd: set[str]

    @classmethod
    def take(cls, t: Target, cwd: Path) -> Snapshot:
        return cls(_hashes(t.lake), set(_hashes(t.data_dir, _is_opdb)), set(_hashes(t.outside)),
                   set(_hashes(cwd)))


@pytest.fixture
def attack(target: Target, cli: CliRunner, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """Run ``crossplay sql`` on the target and check nothing changed; returns the result."""
    monkeypatch.chdir(tmp_path)  # where DuckDB would put relative paths and .tmp spills

    def run(statement: str, *scope: str) -> CliResult:
        before = Snapshot.take(target, tmp_path)
        res = cli("--data-dir", target.data_dir, "sql", *scope, statement, data=False)
        after = Snapshot.take(target, tmp_path)
        assert after.lake == before.lake, "the lake changed"
        assert after == before, "a file was created or removed"
        return res

    return run


def _refused(res: CliResult) -> None:
    assert res.code == 2, res.out
    assert res.err.startswith("error ("), res.err
    assert "Traceback" not in res.err + res.out


@pytest.mark.parametrize("scope", [(), ("--as", "knowledge")], ids=["operator", "as-knowledge"])
@pytest.mark.parametrize("template", [t for _, t in CORPUS], ids=[n for n, _ in CORPUS])
def test_hostile_statement_is_refused_and_the_lake_is_untouched(
        attack: Callable[..., CliResult], target: Target, template: str,
        scope: tuple[str, ...]) -> None:
    _refused(attack(target.fill(template), *scope))


@pytest.mark.parametrize("template", [t for _, t in SCOPED_ONLY], ids=[n for n, _ in SCOPED_ONLY])
def test_joint_tables_are_refused_under_a_scope(attack: Callable[..., CliResult],
                                                template: str) -> None:
    _refused(attack(template, "--as", "knowledge"))


def test_the_issue_reproduction_gives_a_clear_refusal_in_both_languages(
        attack: Callable[..., CliResult], target: Target, cli: CliRunner) -> None:
    statement = target.fill(CORPUS[0][1])
    res = attack(statement, "--as", "knowledge")
    assert "(read_only)" in res.err_flat and "is read-only" in res.err_flat
    zh = cli("--lang", "zh-CN", "--data-dir", target.data_dir, "sql", "--as", "knowledge",
             statement, data=False)
    assert zh.code == 2 and "只读" in zh.err_flat
    copy_in_cte = attack(target.fill("WITH w AS (COPY (SELECT 1) TO '{manifest}' (FORMAT csv)) "
                                     "SELECT * FROM w"))
    assert "(sql_file_access)" in copy_in_cte.err_flat
    assert "disabled by configuration" in copy_in_cte.err_flat
    locked = cli("--lang", "zh-CN", "--data-dir", target.data_dir, "sql", "--as", "knowledge",
                 "SELECT * FROM enable_logging(storage = 'file')", data=False)
    assert locked.code == 2 and "(sql_settings_locked)" in locked.err_flat
    assert "不能在查询中修改设置" in locked.err_flat


def test_refusals_are_audited(attack: Callable[..., CliResult], target: Target) -> None:
    attack(target.fill("COPY (SELECT 1) TO '{out}/audited.csv'"), "--as", "knowledge")
    last = entries(target.settings(), action="sql", limit=1)[-1]
    assert last.actor == "partner:knowledge"
    assert last.details["refused"] == "read_only"


@pytest.mark.parametrize("scope", [None, "knowledge"], ids=["operator", "as-knowledge"])
@pytest.mark.parametrize("name,template", CORPUS, ids=[n for n, _ in CORPUS])
def test_the_engine_refuses_without_the_statement_check(
        target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str,
        template: str, scope: str | None) -> None:
    """Straight on a sealed connection: what the engine itself allows and refuses."""
    monkeypatch.chdir(tmp_path)
    settings = target.settings()
    before = Snapshot.take(target, tmp_path)
    con = connect(settings, scope=scope, sealed=True)  # type: ignore[arg-type]
    try:
        statements = duckdb.extract_statements(target.fill(template))
        for statement in statements:
            con.execute(statement)
    except duckdb.Error:
        pass  # refused by the engine (or, for "not_sql", by its parser)
    else:
        assert name in ENGINE_HARMLESS, f"the engine ran {name!r}"
    finally:
        con.close()
    assert Snapshot.take(target, tmp_path) == before
    fresh = connect(settings, scope=scope, sealed=True)  # type: ignore[arg-type]
    try:  # nothing carried over to the next connection
        assert fresh.execute("SELECT count(*) FROM events").fetchone()[0] > 0  # type: ignore[index]
        assert fresh.execute("SELECT count(*) FROM duckdb_tables()").fetchone() == (0,)
        partners = {r[0] for r in fresh.execute("SELECT DISTINCT partner FROM events").fetchall()}
        assert partners == ({"knowledge"} if scope else {"knowledge", "game"})
    finally:
        fresh.close()


def test_scoped_sources_hold_only_the_partners_rows(attack: Callable[..., CliResult]) -> None:
    """Even the Arrow datasets behind the views, named directly, hold one partner."""
    seen: dict[str, set[str]] = {}
    for source in ("__lake_events", "__lake_items", "__lake_consents", "__lake_quarantine",
                   "__live_consents"):
        res = attack(f"SELECT DISTINCT partner FROM {source}", "--as", "knowledge", "--json")
        assert res.code == 0, res.err
        seen[source] = {r["partner"] for r in res.json()}
    assert seen["__lake_events"] == seen["__lake_items"] == {"knowledge"}
    assert all(p <= {"knowledge"} for p in seen.values()), seen
    cols = attack("SELECT * FROM __joint_profiles LIMIT 1", "--as", "knowledge", "--json")
    assert cols.code == 0 and cols.json()
    assert "g_user_key" not in cols.json()[0] and "k_user_key" in cols.json()[0]


LEGITIMATE = [
    "SELECT partner, event_type, count(*) AS n, count(DISTINCT user_key) AS users, "
    "sum(CAST(value AS DECIMAL(18, 3))) AS value FROM events GROUP BY ALL ORDER BY ALL",
    "WITH buyers AS (SELECT DISTINCT partner, user_key FROM events "
    "WHERE event_type = 'purchase') SELECT partner, count(*) AS n FROM buyers GROUP BY 1 "
    "ORDER BY 1",
    "SELECT e.partner, i.category, count(*) AS n FROM events e JOIN items_current i "
    "ON i.partner = e.partner AND i.item_id = e.item_id GROUP BY ALL ORDER BY ALL",
    "SELECT user_key, n, rank() OVER (PARTITION BY partner ORDER BY n DESC, user_key) AS r "
    "FROM (SELECT partner, user_key, count(*) AS n FROM events GROUP BY ALL) "
    "QUALIFY r <= 3 ORDER BY user_key",
    "FROM events SELECT date, count(*) AS n WHERE date <= DATE '2026-09-10' GROUP BY 1 "
    "ORDER BY 1",
    "SELECT partner, purpose, granted, count(*) AS n FROM consents_current GROUP BY ALL "
    "ORDER BY ALL",
    "SELECT reason_code, count(*) AS n FROM quarantine GROUP BY 1 ORDER BY 1",
    "SELECT count(*) AS n, count(revoked_at) AS revoked FROM links_current",
    "SELECT item_id, list_sort(tags) AS tags FROM items WHERE len(tags) > 0 "
    "ORDER BY item_id, record_id LIMIT 5",
    "SELECT count(*) AS n FROM joint_profiles",
]


@pytest.mark.parametrize("statement", LEGITIMATE)
def test_legitimate_queries_match_the_unsealed_views(attack: Callable[..., CliResult],
                                                     target: Target, statement: str) -> None:
    con = connect(target.settings())
    try:
        rel = con.execute(statement)
        cols = [d[0] for d in rel.description or []]
        expected = json.loads(json.dumps([dict(zip(cols, r, strict=True))
                                          for r in rel.fetchall()], default=str))
    finally:
        con.close()
    res = attack(statement, "--json")
    assert res.code == 0, res.err
    assert res.json() == expected and expected


@pytest.mark.parametrize("statement", [
    "EXPLAIN SELECT count(*) FROM events",
    "EXPLAIN ANALYZE SELECT event_type, count(*) FROM events GROUP BY 1",
    "/* the plan */ EXPLAIN SELECT * FROM items_current",
    "DESCRIBE events", "SUMMARIZE SELECT value FROM events", "SHOW TABLES",
    "SELECT 1 AS a;",
])
def test_plans_descriptions_and_trailing_semicolons_work(attack: Callable[..., CliResult],
                                                         statement: str) -> None:
    for scope in ((), ("--as", "game")):
        res = attack(statement, *scope)
        assert res.code == 0, res.err
        assert res.out.strip()


def test_text_that_is_not_utf8_is_refused(attack: Callable[..., CliResult]) -> None:
    # what a shell passes for invalid bytes in an argument (surrogate escapes)
    _refused(attack("SELECT '\udcff' AS x"))
