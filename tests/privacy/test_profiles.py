"""Joint profiles: only consented linked persons, incremental equals full, scoped view."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from crossplay.privacy.consent import update_consent
from crossplay.privacy.policy import Purpose, linked_persons_sql
from crossplay.privacy.profiles import build_profiles
from crossplay.warehouse.duck import connect
from tests.conftest import CliRunner, LoadedWorld
from tests.ingest.helpers import events_csv, mapping


def test_profiles_are_consented_linked_persons_and_update_incrementally(
        cli: CliRunner, fresh_world: LoadedWorld, tmp_path: Path) -> None:
    s = fresh_world.settings()
    base = ("--data-dir", str(fresh_world.data_dir))
    res = cli(*base, "profiles", "build", "--json", data=False)
    assert res.code == 0, res.err
    first = res.json()
    assert first["full"] and first["persons"] > 0
    con = connect(s)
    try:
        allowed = {r[0] for r in con.sql(
            f"SELECT person_id FROM ({linked_persons_sql(Purpose.PERSONALISATION)})"
        ).fetchall()}
        linked = con.sql(f"SELECT count(DISTINCT person_id) FROM ({linked_persons_sql()})"
                         ).fetchall()[0][0]
        prof = con.sql("SELECT person_id, k_user_key, k_events FROM joint_profiles").fetchall()
        truth = con.sql(f"SELECT count(*) FROM events WHERE user_key = '{prof[0][1]}'"
                        ).fetchall()[0][0]
    finally:
        con.close()
    assert {p[0] for p in prof} == allowed and len(allowed) < linked  # consent filters
    assert truth == prof[0][2]
    # a new ingest: the next build reads only the new file and equals a full rebuild
    uid_key = prof[0][1]
    src = events_csv(tmp_path / "new.csv", "n-1,NEWUSER,study,C1,2026-10-20 20:00:00,60000,ios")
    assert cli(*base, "ingest", src, "--partner", "knowledge", "--kind", "events",
               "--mapping", mapping(tmp_path / "m.yaml"), data=False).code == 0
    # and a consent change: one person refuses personalisation
    update_consent(s, partner="knowledge", user_key=uid_key, purpose="personalisation",
                   granted=False)
    inc = build_profiles(s)
    assert not inc.full and inc.new_files == 1
    incremental = pq.read_table(inc.path)
    full = pq.read_table(build_profiles(s, full=True).path)
    assert incremental.schema == full.schema
    for name in full.column_names:
        a, b = incremental.column(name).to_pylist(), full.column(name).to_pylist()
        if name.endswith(("_spend", "_seconds")):  # float sums: summation order differs
            assert all(abs(x - y) < 1e-6 for x, y in zip(a, b, strict=True)), name
        else:
            assert a == b, name
    assert uid_key not in incremental.column("k_user_key").to_pylist()
    # under a partner scope: the profile without the other partner's key
    res = cli(*base, "sql", "--as", "knowledge", "SELECT * FROM joint_profiles LIMIT 1",
              "--json", data=False)
    assert res.code == 0 and "g_user_key" not in res.json()[0]
    res = cli(*base, "sql", "--as", "knowledge", "SELECT * FROM read_parquet('"
              f"{fresh_world.data_dir.resolve()}/derived/profiles/user_stats.parquet')",
              data=False)
    assert res.code == 2
    res = cli(*base, "sql", "SELECT count(*) AS n FROM joint_profiles", "--json", data=False)
    assert res.code == 0 and res.json()[0]["n"] == full.num_rows
