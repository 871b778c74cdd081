"""`crossplay keys rotate`: every stored key re-keyed, no row lost, later ingests agree."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crossplay.core.derived import derived_dir, write_parquet
from crossplay.core.secrets import key_version
from crossplay.core.settings import Settings
from crossplay.privacy.audit import entries, verify
from crossplay.privacy.consent import update_consent
from crossplay.privacy.keys import native_key
from crossplay.privacy.policy import linked_persons_sql
from crossplay.warehouse.duck import connect
from tests.conftest import CliRunner, LoadedWorld
from tests.ingest.helpers import events_csv, mapping
from tests.privacy.test_consent_links import _truth_people
from tests.privacy.test_erasure import _everywhere

TABLES = ("events", "items", "social_edges", "consents", "links", "quarantine")


def _counts(settings: Settings) -> dict[str, int]:
    con = connect(settings)
    try:
        out = {t: con.sql(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in TABLES}
        out["linked"] = con.sql(f"SELECT count(*) FROM ({linked_persons_sql()})"
                                ).fetchall()[0][0]
        out["k_users"] = con.sql("SELECT count(DISTINCT user_key) FROM events "
                                 "WHERE partner = 'knowledge'").fetchall()[0][0]
        return out
    finally:
        con.close()


@pytest.mark.slow
def test_rotate_rekeys_everything_without_losing_a_row(cli: CliRunner, op_db_url: str,
    monkeypatch: pytest.MonkeyPatch,
                                                       fresh_world: LoadedWorld,
                                                       tmp_path: Path) -> None:
    monkeypatch.setenv("CROSSPLAY_DB_URL", op_db_url)  # the CLI and the API alike
    s = fresh_world.settings(db_url=op_db_url)
    person = next(p for p in _truth_people(fresh_world)
                  if p["bound_at"] is not None and p["unbound_at"] is None)
    uid = str(person["k_uid"])
    old = native_key(s, "knowledge", uid)
    g = native_key(s, "game", str(person["g_uid"]))
    update_consent(s, partner="knowledge", user_key=old, purpose="marketing", granted=True)
    con = connect(s)
    try:
        pid = con.sql(f"SELECT person_id FROM links_current WHERE k_user_key = '{old}'"
                      ).fetchall()[0][0]
        n_old = con.sql(f"SELECT count(*) FROM events WHERE user_key = '{old}'").fetchall()
    finally:
        con.close()
    out = derived_dir(s, "profiles") / "p.parquet"
    write_parquet(pa.table({"partner": ["knowledge", "game"], "user_key": [old, g],
                            "person_id": [pid, pid]}), out)
    before = _counts(s)
    res = cli("--data-dir", str(fresh_world.data_dir), "keys", "rotate", "--partner",
              "knowledge", "--json", data=False)
    assert res.code == 0, res.err
    assert res.json()["version"] == 2 and key_version(s, "knowledge") == 2
    assert _counts(s) == before  # no row lost, nobody merged or split
    new = native_key(s, "knowledge", uid)
    assert new != old
    assert _everywhere(fresh_world.data_dir, [old, pid], s) == []
    con = connect(s)
    try:
        assert con.sql(f"SELECT count(*) FROM events WHERE user_key = '{new}'"
                       ).fetchall() == n_old
        new_pid = con.sql(f"SELECT person_id FROM links_current WHERE k_user_key = '{new}'"
                          ).fetchall()[0][0]
        assert con.sql(f"SELECT granted FROM consents_current WHERE user_key = '{new}' AND "
                       "purpose = 'marketing'").fetchall() == [(True,)]
    finally:
        con.close()
    t = pq.read_table(out).to_pylist()
    assert t[0]["user_key"] == new and t[1]["user_key"] == g  # game rows untouched
    assert {r["person_id"] for r in t} == {new_pid}
    # a later ingest with the native id lands on the same, current key
    src = events_csv(tmp_path / "later.csv", f"later-1,{uid},study,C1,2026-10-20 20:00:00,"
                                             "60000,ios")
    ing = cli("--data-dir", str(fresh_world.data_dir), "ingest", src, "--partner",
              "knowledge", "--kind", "events", "--mapping", mapping(tmp_path / "m.yaml"),
              data=False)
    assert ing.code == 0, ing.err
    con = connect(s)
    try:
        assert con.sql(f"SELECT count(*) FROM events WHERE user_key = '{new}'"
                       ).fetchall()[0][0] == n_old[0][0] + 1
    finally:
        con.close()
    assert verify(s).ok and entries(s, action="key_rotation")[0].details["version"] == 2
    # a second rotation chains on
    assert cli("--data-dir", str(fresh_world.data_dir), "keys", "rotate", "--partner",
               "knowledge", "--json", data=False).json()["version"] == 3
    assert _counts(s)["events"] == before["events"] + 1


def test_a_lost_key_version_is_refused(settings: Settings) -> None:
    import pytest

    from crossplay.core.errors import ConfigError
    from crossplay.core.secrets import rotated_key_file, secret_chain, write_rotated_secret

    write_rotated_secret(settings, "game", 2)
    write_rotated_secret(settings, "game", 3)
    assert len(secret_chain(settings, "game")) == 3
    rotated_key_file(settings, "game", 3).unlink()  # the newest key file is lost
    with pytest.raises(ConfigError, match="version 3"):
        secret_chain(settings, "game")
    rotated_key_file(settings, "game", 2).unlink()
    write_rotated_secret(settings, "game", 3)  # a gap
    with pytest.raises(ConfigError, match="version 2"):
        secret_chain(settings, "game")
