"""`crossplay forget`: after it, no row of the person remains anywhere."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import inspect, select

from crossplay.core.derived import derived_dir, write_parquet
from crossplay.opdb import metadata
from crossplay.privacy.audit import engine_for, entries, verify
from crossplay.privacy.consent import update_consent
from crossplay.privacy.erasure import load_table_modules
from crossplay.privacy.keys import native_key
from crossplay.privacy.links import add_links
from crossplay.warehouse.duck import connect
from tests.conftest import CliRunner, LoadedWorld
from tests.privacy.test_consent_links import _truth_people


def _everywhere(data_dir: Path, needles: list[str], settings: object) -> list[str]:
    """Where any needle still appears: every Parquet file, every operational table."""
    found = []
    for path in data_dir.rglob("*.parquet"):
        t = pq.read_table(path)
        for col in t.column_names:
            values = t.column(col).cast(pa.string()).to_pylist() if not pa.types.is_nested(
                t.schema.field(col).type) else [str(v) for v in t.column(col).to_pylist()]
            if any(v is not None and any(n in v for n in needles) for v in values):
                found.append(f"{path.relative_to(data_dir)}:{col}")
    load_table_modules()
    engine = engine_for(settings)  # type: ignore[arg-type]
    with engine.connect() as conn:
        existing = set(inspect(conn).get_table_names())
        for table in metadata.sorted_tables:
            if table.name in existing:
                for row in conn.execute(select(table)).all():
                    if any(n in str(tuple(row)) for n in needles):
                        found.append(f"db:{table.name}")
    return found


@pytest.mark.slow
def test_forget_removes_the_person_everywhere(cli: CliRunner, op_db_url: str,
    monkeypatch: pytest.MonkeyPatch, fresh_world: LoadedWorld) -> None:
    monkeypatch.setenv("CROSSPLAY_DB_URL", op_db_url)  # the CLI and the API alike
    s = fresh_world.settings(db_url=op_db_url)
    person = next(p for p in _truth_people(fresh_world)
                  if p["bound_at"] is not None and p["unbound_at"] is None)
    k_uid, g_uid = str(person["k_uid"]), str(person["g_uid"])
    k, g = native_key(s, "knowledge", k_uid), native_key(s, "game", g_uid)
    update_consent(s, partner="knowledge", user_key=k, purpose="marketing", granted=True)
    add_links(s, [(k, "e" * 32)], method="psi")
    con = connect(s)
    try:
        pid = con.sql(f"SELECT person_id FROM links_current WHERE k_user_key = '{k}' AND "
                      f"g_user_key = '{g}'").fetchall()[0][0]
        before = con.sql(f"SELECT count(*) FILTER (WHERE user_key <> '{k}'), "
                         f"count(*) FILTER (WHERE user_key = '{k}') FROM events").fetchall()[0]
        g_events = con.sql(f"SELECT count(*) FROM events WHERE user_key = '{g}'").fetchall()
    finally:
        con.close()
    assert before[1] > 0
    out = derived_dir(s, "profiles") / "profile.parquet"
    write_parquet(pa.table({"partner": ["knowledge", "knowledge"], "user_key": [k, "f" * 32],
                            "person_id": [pid, "0" * 16], "score": [1.0, 2.0]}), out)
    needles = [k, pid, k_uid]
    assert len(_everywhere(fresh_world.data_dir, needles, s)) >= 5

    res = cli("--data-dir", str(fresh_world.data_dir), "forget", "--partner", "knowledge",
              "--user", k_uid, "--json", data=False)
    assert res.code == 0, res.err
    report = res.json()
    assert report["lake_rows"]["events"] == before[1]

    assert _everywhere(fresh_world.data_dir, needles, s) == []
    con = connect(s)
    try:
        after = con.sql("SELECT count(*) FROM events").fetchall()[0][0]
        assert con.sql(f"SELECT count(*) FROM events WHERE user_key = '{g}'").fetchall() \
            == g_events  # the game account is another user's: kept, only unlinked
        assert con.sql(f"SELECT count(*) FROM links_current WHERE g_user_key = '{g}'"
                       ).fetchall()[0][0] == 0
    finally:
        con.close()
    assert after == before[0]  # nobody else lost a row
    assert pq.read_table(out).column("user_key").to_pylist() == ["f" * 32]
    assert verify(s).ok
    last = entries(s, action="erasure")[-1]
    assert k not in str(last.subject) and k_uid not in str(last.details)
    # the lake stays consistent and readable, and forgetting twice is harmless
    again = cli("--data-dir", str(fresh_world.data_dir), "forget", "--partner", "knowledge",
                "--user", k_uid, "--json", data=False)
    assert again.code == 0 and again.json()["lake_rows"] == {}


def test_forget_bad_input(cli: CliRunner) -> None:
    res = cli("forget", "--partner", "knowledge", "--user", "  ")
    assert res.code == 2 and "blank" in res.err_flat


def test_raw_text_matches_whole_tokens_only() -> None:
    from crossplay.privacy.erasure import _keep_mask

    t = pa.table({"raw": ["K10,a,b", "x,K1,y", '{"uid": "K1"}', None, "K1"]})
    keep = _keep_mask(t, pa.array(["f" * 32], pa.string()), ["K1"])
    assert keep is not None and keep.to_pylist() == [True, False, False, True, False]


def test_forget_of_an_id_with_no_data_says_no_data_is_held(
        cli: CliRunner, fresh_world: LoadedWorld) -> None:
    """An erasure request for someone the partner never sent is legitimate: it is answered
    "no data held" (exit 0, so a batch of requests is not broken), recorded in the audit
    log with ``found: false``, and changes nothing — never "Forgotten: 0" as if done."""
    s = fresh_world.settings()
    base = ("--data-dir", str(fresh_world.data_dir))
    manifest = (fresh_world.data_dir / "lake" / "_manifest.json").read_bytes()
    res = cli(*base, "forget", "--partner", "game", "--user", "NEVER-SEEN-42", data=False)
    assert res.code == 0, res.err
    flat = " ".join(res.out.split())
    assert flat.startswith("No data held for this game user id: nothing to erase")
    assert "recorded in the audit log, subject game:" in flat and "Forgotten" not in flat
    data = cli(*base, "forget", "--partner", "game", "--user", "NEVER-SEEN-42", "--json",
               data=False).json()
    assert data["found"] is False and data["person_ids"] == 0
    assert (data["lake_rows"], data["db_rows"], data["derived_rows"]) == ({}, {}, {})
    zh = cli(*base, "--lang", "zh-CN", "forget", "--partner", "game", "--user",
             "NEVER-SEEN-42", data=False)
    assert zh.code == 0 and "没有该 game 用户 ID 的任何数据" in zh.out
    assert (fresh_world.data_dir / "lake" / "_manifest.json").read_bytes() == manifest
    last = entries(s, action="erasure")[-1]
    assert last.details["found"] is False and "NEVER-SEEN-42" not in str(last.details)
    assert last.subject == data["subject"]
    # someone with data (a linked person, by the world's native id) is found and erased
    person = next(p for p in _truth_people(fresh_world)
                  if p["bound_at"] is not None and p["unbound_at"] is None)
    done = cli(*base, "forget", "--partner", "knowledge", "--user", str(person["k_uid"]),
               data=False)
    assert done.code == 0 and done.out.startswith("Forgotten: ")
    assert entries(s, action="erasure")[-1].details["found"] is True
