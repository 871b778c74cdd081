"""Audiences as an operator meets them: ``crossplay audience`` on a copy of the test world.

The world (tests/conftest.py: 2,000 people, 30 days) holds a few dozen linked persons who
granted marketing on both sides; k is 10. Nothing here depends on today's date: windows
end at the lake's newest event, and exclusions compare export-log times written by the
same clock.
"""

from __future__ import annotations

import csv
import hashlib
from datetime import timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from crossplay.core.clock import FixedClock, use_clock
from crossplay.core.errors import ConfigError
from crossplay.marketing import service, store
from crossplay.privacy.audit import entries
from crossplay.privacy.consent import update_consent
from crossplay.privacy.erasure import forget_key
from crossplay.privacy.policy import Purpose, linked_persons_sql
from crossplay.privacy.profiles import build_profiles
from crossplay.warehouse.duck import connect
from tests.conftest import CliRunner, LoadedWorld

EVERYONE = "knowledge.events >= 0"


@pytest.fixture
def world(fresh_world: LoadedWorld) -> LoadedWorld:
    build_profiles(fresh_world.settings())
    return fresh_world


def _lake_digest(data_dir: Path) -> str:
    h = hashlib.sha256()
    for p in sorted((data_dir / "lake").rglob("*")):
        if p.is_file():
            h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()


def _consented(world: LoadedWorld) -> dict[str, tuple[str, str]]:
    con = connect(world.settings())
    try:
        rows = con.sql(f"""SELECT person_id, k_user_key, g_user_key FROM joint_profiles
            WHERE person_id IN (SELECT person_id FROM
              ({linked_persons_sql(Purpose.MARKETING)}))""").fetchall()
    finally:
        con.close()
    return {r[0]: (r[1], r[2]) for r in rows}


def test_build_show_list_export_round_trip(cli: CliRunner, world: LoadedWorld,
                                           tmp_path: Path) -> None:
    base = ("--data-dir", str(world.data_dir))
    consented = _consented(world)
    assert len(consented) >= 20
    res = cli(*base, "audience", "size", "--where", EVERYONE, "--json", data=False)
    assert res.code == 0, res.err
    assert res.json()["size"] == len(consented)  # everyone consented, no one else
    res = cli(*base, "audience", "build", "全体", "--where", EVERYONE, "--json", data=False)
    assert res.code == 0, res.err and res.json()["version"] == 1
    res = cli(*base, "audience", "build", "全体", "--where", "game.hours_30d >= 0",
              "--json", data=False)
    assert res.json()["version"] == 2 and res.json()["versions"] == [1, 2]
    shown = cli(*base, "audience", "show", "全体", "--version", "1", "--json", data=False).json()
    assert shown["where"] == EVERYONE and shown["built_by"].startswith("cli")
    listed = cli(*base, "audience", "list", "--json", data=False).json()
    assert [(a["name"], a["version"]) for a in listed] == [("全体", 2)]
    text = cli(*base, "--lang", "zh-CN", "audience", "show", "全体", data=False)
    assert text.code == 0 and "创建者" in text.out
    audits = len(entries(world.settings(), action="marketing.audience_export"))
    for partner, fmt in (("knowledge", "csv"), ("game", "parquet")):
        out = tmp_path / f"{partner}.{fmt}"
        res = cli(*base, "audience", "export", "全体", "--partner", partner, "--format", fmt,
                  "--out", out, "--json", data=False)
        assert res.code == 0, res.err
        if fmt == "csv":
            with out.open(encoding="utf-8") as fh:
                rows = list(csv.DictReader(fh))
        else:
            rows = pq.read_table(out).to_pylist()
        side = 0 if partner == "knowledge" else 1
        assert {r["user_key"] for r in rows} == {v[side] for v in consented.values()}
        assert {r["partner"] for r in rows} == {partner}
        other = {v[1 - side] for v in consented.values()}
        assert not other & {r["user_key"] for r in rows}  # never the other partner's keys
    assert len(entries(world.settings(), action="marketing.audience_export")) == audits + 2


def test_sizes_below_k_are_never_shown_exactly(cli: CliRunner, world: LoadedWorld) -> None:
    base = ("--data-dir", str(world.data_dir))
    narrow = "knowledge.events >= 0 and game.spend > 1000000"
    res = cli(*base, "audience", "size", "--where", narrow, "--json", data=False)
    assert res.json()["size"] == "< 10" and res.json()["below_k"] is True
    res = cli(*base, "audience", "size", "--where", narrow, data=False)
    assert "< 10" in res.out
    res = cli(*base, "audience", "build", "窄", "--where", narrow, "--json", data=False)
    assert res.json()["size"] == "< 10"
    res = cli(*base, "audience", "export", "窄", "--partner", "game", "--out",
              str(world.data_dir / "x.csv"), data=False)
    assert res.code == 2 and "audience_export_below_k" in res.err
    assert not (world.data_dir / "x.csv").exists()
    assert entries(world.settings(), action="marketing.audience_export_refused")


def test_no_marketing_consent_means_never_in_a_size_or_an_export(world: LoadedWorld) -> None:
    s = world.settings()
    consented = _consented(world)
    service.build(s, "all", EVERYONE)
    _pid, (k_key, g_key) = sorted(consented.items())[0]
    # the game side refuses marketing after the build: the next size and export leave out
    # the person for both partners (a joint use needs both sides' grant)
    update_consent(s, partner="game", user_key=g_key, purpose="marketing", granted=False)
    assert service.estimate(s, EVERYONE).size.n == len(consented) - 1
    exp_k = service.export(s, "all", "knowledge")
    assert k_key not in exp_k.table.column("user_key").to_pylist()
    assert exp_k.table.num_rows == len(consented) - 1 and exp_k.no_consent == 1
    exp_g = service.export(s, "all", "game")
    assert g_key not in exp_g.table.column("user_key").to_pylist()


def test_injection_attempts_stay_data_against_the_real_warehouse(
        cli: CliRunner, world: LoadedWorld) -> None:
    base = ("--data-dir", str(world.data_dir))
    before = _lake_digest(world.data_dir)
    for where in ["knowledge.top_category == \"x' OR 1=1 --\"",
                  "knowledge.top_category == '\\'; DROP TABLE joint_profiles; --'",
                  "knowledge.top_category in ('a\") OR true --', '编程')"]:
        res = cli(*base, "audience", "size", "--where", where, "--json", data=False)
        assert res.code == 0, res.err
        assert res.json()["size"] == "< 10"
    res = cli(*base, "audience", "size", "--where", "k_user_key == 'x' or 1 == 1", data=False)
    assert res.code == 2 and "audience_unknown_field" in res.err
    assert _lake_digest(world.data_dir) == before
    assert service.estimate(world.settings(), EVERYONE).size.n == len(_consented(world))


def test_expression_errors_show_a_caret_in_both_languages(cli: CliRunner,
                                                          world: LoadedWorld) -> None:
    base = ("--data-dir", str(world.data_dir))
    for lang, words in (("en", "column 16"), ("zh-CN", "第 16 列")):
        res = cli(*base, "--lang", lang, "audience", "size", "--where",
                  "game.hours_30d > 'x'", data=False)
        assert res.code == 2 and "audience_type_mismatch" in res.err and words in res.err
        lines = res.err.splitlines()
        assert lines[0] == "  game.hours_30d > 'x'" and lines[1] == "  " + " " * 15 + "^"


def test_exclusions_recently_exported_and_frequency_cap(world: LoadedWorld) -> None:
    s = world.settings()
    n = len(_consented(world))
    service.build(s, "recent", EVERYONE, service.Exclusions(exclude_recent_days=7))
    service.build(s, "capped", EVERYONE, service.Exclusions(cap=2, cap_days=30))
    assert service.export(s, "recent", "knowledge").table.num_rows == n
    # the same partner again within 7 days: everyone was just reached
    with pytest.raises(ConfigError, match="fewer than 10"):
        service.export(s, "recent", "knowledge")
    # the other partner may still receive them the same day
    assert service.export(s, "recent", "game").table.num_rows == n
    # a new build leaves out anyone reached by either partner within 7 days
    assert service.estimate(s, EVERYONE, service.Exclusions(exclude_recent_days=7)).size.n == 0
    # eight days later they are back
    with use_clock(FixedClock(service.clock.now() + timedelta(days=8))):
        assert service.export(s, "recent", "knowledge").table.num_rows == n
    # frequency cap (built before any export): at most 2 exports per person per partner
    # within 30 days; a build would leave out whoever reached the cap with either partner
    assert service.estimate(s, EVERYONE, service.Exclusions(cap=2)).size.n == 0
    with use_clock(FixedClock(service.clock.now() + timedelta(days=9))):
        # knowledge already sent them twice (day 0, day 8) within the window: capped
        with pytest.raises(ConfigError, match="fewer than 10"):
            service.export(s, "capped", "knowledge")
        assert service.export(s, "capped", "game").table.num_rows == n  # game: once so far


def test_erasure_removes_the_person_from_saved_audiences_and_the_next_export(
        world: LoadedWorld) -> None:
    s = world.settings()
    consented = _consented(world)
    service.build(s, "all", EVERYONE)
    service.export(s, "all", "knowledge")  # the export log holds them too
    pid, (k_key, g_key) = sorted(consented.items())[0]
    forget_key(s, "knowledge", k_key)
    _, members = store.load_version(s, "all")
    assert pid not in members.column("person_id").to_pylist()
    assert k_key not in members.column("k_user_key").to_pylist()
    assert members.num_rows == len(consented) - 1
    assert pid not in store.export_log(s).column("person_id").to_pylist()
    assert service.show(s, "all")["size"] == len(consented) - 1
    for partner, key in (("knowledge", k_key), ("game", g_key)):
        exported = service.export(s, "all", partner).table.column("user_key").to_pylist()
        assert key not in exported


def test_names_and_versions_are_checked(world: LoadedWorld) -> None:
    s = world.settings()
    for bad in ("../x", ".hidden", "a/b", "", "x" * 65, "_x"):
        with pytest.raises(ConfigError) as info:
            service.build(s, bad, EVERYONE)
        assert info.value.code == "audience_bad_name"
    service.build(s, "ok-1", EVERYONE)
    with pytest.raises(Exception, match="no version 5"):
        service.show(s, "ok-1", 5)
    with pytest.raises(Exception, match="no audience named"):
        service.export(s, "nobody", "knowledge")
    with pytest.raises(ConfigError, match="unknown partner"):
        service.export(s, "ok-1", "joint")


def test_key_rotation_rekeys_saved_audiences_and_the_export_log(world: LoadedWorld) -> None:
    from crossplay.privacy.rotation import rotate

    s = world.settings()
    service.build(s, "all", EVERYONE, service.Exclusions(exclude_recent_days=7))
    old = set(service.export(s, "all", "game").table.column("user_key").to_pylist())
    rotate(s, "knowledge")
    build_profiles(s)
    fresh = _consented(world)
    _, members = store.load_version(s, "all")
    assert set(members.column("person_id").to_pylist()) == set(fresh)  # new person ids
    assert set(members.column("k_user_key").to_pylist()) == {v[0] for v in fresh.values()}
    assert set(store.export_log(s).column("person_id").to_pylist()) == set(fresh)
    # the export log still knows who game received: the recency exclusion holds
    with pytest.raises(ConfigError, match="fewer than 10"):
        service.export(s, "all", "game")
    got = set(service.export(s, "all", "knowledge").table.column("user_key").to_pylist())
    assert got == {v[0] for v in fresh.values()} and old == {v[1] for v in fresh.values()}


def test_campaign_exposures_count_as_recently_reached(world: LoadedWorld) -> None:
    s = world.settings()
    consented = _consented(world)
    con = connect(s)
    try:
        rows = con.sql("""SELECT l.person_id, e.ts FROM links_current l JOIN events e
              ON e.partner = 'knowledge' AND e.user_key = l.k_user_key
            WHERE e.event_type = 'campaign_exposure'""").fetchall()
    finally:
        con.close()
    shown = [(pid, ts) for pid, ts in rows if pid in consented]
    assert shown, "the test world shows a campaign to some consented persons"
    now = max(ts for _, ts in shown) + timedelta(hours=1)
    hit = {pid for pid, ts in shown if ts > now - timedelta(days=2)}
    ex = service.Exclusions(exclude_recent_days=2)
    with use_clock(FixedClock(now)):
        assert service.estimate(s, EVERYONE, ex).size.n == len(consented) - len(hit)
        service.build(s, "e", EVERYONE, ex)
        assert service.show(s, "e")["size"] == len(consented) - len(hit)
        # at export only the receiving partner's exposures and exports count: the game
        # partner showed them nothing, so everyone the build kept reaches it
        service.build(s, "f", EVERYONE, ex)
        assert service.export(s, "f", "game").table.num_rows == len(consented) - len(hit)


def test_a_failed_write_records_no_export(world: LoadedWorld, tmp_path: Path) -> None:
    s = world.settings()
    service.build(s, "all", EVERYONE, service.Exclusions(exclude_recent_days=7))
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(OSError):
        service.export_to_file(s, "all", "game", "csv", blocker / "out.csv")
    assert store.export_log(s).num_rows == 0
    assert not entries(s, action="marketing.audience_export")
    # nothing was sent, so the recency exclusion does not hold them back
    assert service.export_to_file(s, "all", "game", "csv", tmp_path / "g.csv").table.num_rows
