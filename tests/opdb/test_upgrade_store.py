"""A store made by the first released schema, filled through the real commands, upgraded:
nothing is lost (row counts, ledger balances, the audit chain), on SQLite and PostgreSQL.

"The crossplay of revision 0001" is this crossplay with its head pinned at 0001: every
command creates and uses the store exactly as the first release did (its tables are
revision 0001's, see test_migrations.py). Two kinds of old store are upgraded: one that
records revision 0001 and one made before migrations existed (no version table at all).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from crossplay.campaigns import tables as ct
from crossplay.campaigns.document import sample_path
from crossplay.opdb import dispose_engines, get_engine
from crossplay.opdb import schema_version as sv
from crossplay.opdb.meta import load_tables
from tests.measure.test_experiments import DOC

pytestmark = pytest.mark.slow


def _fill(cli: Any, d: list[str], tmp_path: Path) -> None:
    """Consent, a campaign with balances, its expiry, releases, a key, an experiment."""
    def ok(*args: str | Path) -> Any:
        r = cli(*d, *args, data=False)
        assert r.code == 0, (args, r.err)
        return r

    ok("consent", "set", "--partner", "knowledge", "--purpose", "marketing", "--refuse",
       "--user", "k-upgrade-1")
    ok("consent", "set", "--partner", "game", "--purpose", "linking", "--grant",
       "--user", "g-upgrade-1")
    ok("campaign", "apply", sample_path())
    ok("campaign", "expire")
    ok("release", "overlap_by_category_pair", "--for", "game")
    ok("apikey", "create", "--partner", "game", "--scope", "ledger", "--name", "upgrade")
    doc = tmp_path / "exp.yaml"
    doc.write_text(DOC, encoding="utf-8")
    ok("experiment", "add", doc)


def _counts(engine: Engine, tables: set[str]) -> dict[str, int]:
    with engine.connect() as con:
        return {t: con.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in sorted(tables)}


def _balances(engine: Engine) -> dict[int, tuple[int, int]]:
    """Per account: the stored balance and the sum of its postings."""
    q = (select(ct.accounts.c.id, ct.accounts.c.balance,
                func.coalesce(func.sum(ct.postings.c.amount), 0))
         .select_from(ct.accounts.outerjoin(ct.postings,
                                            ct.postings.c.account_id == ct.accounts.c.id))
         .group_by(ct.accounts.c.id, ct.accounts.c.balance))
    with engine.connect() as con:
        return {int(a): (int(b), int(s)) for a, b, s in con.execute(q)}


@pytest.mark.parametrize("kind", ["revision_0001", "before_migrations"])
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_fill_with_0001_upgrade_lose_nothing(kind: str, backend: str, cli: Any,
                                             fresh_world: Any, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             request: pytest.FixtureRequest) -> None:
    # the sample campaign runs in September 2026; its points expire after 90 days
    monkeypatch.setenv("CROSSPLAY_NOW", "2027-01-15T00:00:00Z")
    if backend == "postgresql":
        url = request.getfixturevalue("pg_url")
        monkeypatch.setenv("CROSSPLAY_DB_URL", url)
    else:
        monkeypatch.delenv("CROSSPLAY_DB_URL", raising=False)
        url = f"sqlite:///{(fresh_world.data_dir / 'crossplay.db').resolve()}"
    d = ["--data-dir", str(fresh_world.data_dir)]

    # the first release: head pinned at 0001, filled through the real commands
    with monkeypatch.context() as old:
        old.setattr(sv, "head", lambda: sv.FIRST)
        _fill(cli, d, tmp_path)
        verified = cli(*d, "audit", "verify", "--json", data=False)
        assert verified.code == 0, verified.err
    engine = get_engine(url)
    if kind == "before_migrations":
        with engine.begin() as con:
            con.execute(text("DROP TABLE alembic_version"))
    first = set(sv.first_schema())
    counts, balances = _counts(engine, first), _balances(engine)
    assert counts["ledger_postings"] > 0 and counts["privacy_audit"] > 0
    assert counts["privacy_consents"] >= 2 and counts["access_api_keys"] == 1
    assert any(b for b, _ in balances.values())
    dispose_engines()  # a new crossplay process

    # this crossplay refuses the old store and names the command
    refused = cli(*d, "campaign", "status", "learn_and_play", data=False)
    code = "opdb_outdated" if kind == "revision_0001" else "opdb_unversioned"
    assert refused.code == 2 and f"({code})" in refused.err_flat
    assert "`crossplay db upgrade`" in refused.err_flat
    up = cli(*d, "db", "upgrade", "--json", data=False)
    assert up.code == 0, up.err
    assert up.json()["stamped"] is (kind == "before_migrations")
    assert up.json()["applied"] == ["0002"]

    # nothing lost: every row, every balance, the audit chain as it was
    engine = get_engine(url)
    assert _counts(engine, first) == counts
    assert _balances(engine) == balances
    assert all(stored == posted for stored, posted in balances.values())
    after = cli(*d, "audit", "verify", "--json", data=False)
    assert after.code == 0 and after.json() == verified.json()
    assert sv.current_state(engine).kind == "current"
    assert set(load_tables().tables) <= set(_counts(engine, set(load_tables().tables)))
    # and the upgraded store works: the commands run, the chain keeps verifying
    status = cli(*d, "campaign", "status", "learn_and_play", "--json", data=False)
    assert status.code == 0, status.err
    assert cli(*d, "campaign", "apply", sample_path(), data=False).code == 0
    assert _balances(engine) == balances  # apply is idempotent: nothing new to award
    assert cli(*d, "audit", "verify", data=False).code == 0
    dispose_engines()
