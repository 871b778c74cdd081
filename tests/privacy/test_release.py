"""Aggregate release: no group under k leaks, not even by differencing; DP budget."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossplay.core import clock
from crossplay.privacy.aggregates import QUERIES
from crossplay.privacy.audit import entries
from crossplay.privacy.keys import native_key
from crossplay.privacy.release import BudgetError, hidden_cells, release, spent, suppress
from crossplay.warehouse.duck import connect
from tests.conftest import CliRunner, LoadedWorld

K = 10


def _truth(world: LoadedWorld, name: str) -> dict[tuple[str, ...], float]:
    q = QUERIES[name]
    con = connect(world.settings())
    try:
        rows = con.sql(f"SELECT {', '.join(q.dims)}, sum(people) FROM ({q.sql}) "
                       "GROUP BY ALL").fetchall()
    finally:
        con.close()
    return {tuple(r[:-1]): float(r[-1]) for r in rows}


def test_worked_example_of_the_differencing_attack() -> None:
    # row A: 50 + 3 + 40 = 93 people. If only the 3 were hidden, a partner holding the
    # row total (the 1-D marginal release) would compute 93 - 50 - 40 = 3.
    cells = {("A", "x"): 50.0, ("A", "y"): 3.0, ("A", "z"): 40.0,
             ("B", "x"): 60.0, ("B", "y"): 30.0, ("B", "z"): 45.0}
    hidden = suppress(cells, K, 2)
    assert ("A", "y") in hidden
    for line in (["A"], ["B"]):
        total = sum(v for k, v in cells.items() if k[0] in line)
        shown = sum(v for k, v in cells.items() if k[0] in line and k not in hidden)
        assert total - shown == 0 or total - shown >= K
    for col in ("x", "y", "z"):
        total = sum(v for k, v in cells.items() if k[1] == col)
        shown = sum(v for k, v in cells.items() if k[1] == col and k not in hidden)
        assert total - shown == 0 or total - shown >= K


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.tuples(st.sampled_from("abcde"), st.sampled_from("vwxyz")),
                       st.integers(0, 40), min_size=1))
def test_suppression_invariants(cells: dict[tuple[str, str], int]) -> None:
    vals = {k: float(v) for k, v in cells.items()}
    hidden = suppress(vals, K, 2)
    assert all(k in hidden for k, v in vals.items() if v < K)  # primary
    # every row and column: hidden mass is 0 or >= k, or the whole line is hidden (then
    # its total is itself < k and suppressed in the marginal release)
    for axis in (0, 1):
        for value in {k[axis] for k in vals}:
            line = [k for k in vals if k[axis] == value]
            mass = sum(vals[k] for k in line if k in hidden)
            assert mass == 0 or mass >= K or all(k in hidden for k in line)


def test_small_groups_never_leak_on_the_world(loaded_world: LoadedWorld) -> None:
    s = loaded_world.settings()
    pair = release(s, "overlap_by_category_pair", for_partner="game")
    marginal = release(s, "overlap_by_knowledge_category", for_partner="game")
    truth = _truth(loaded_world, "overlap_by_category_pair")
    assert any(0 < v < K for v in truth.values()), "the world has small groups to protect"
    for r in pair.rows:
        key = (r["knowledge_category"], r["game_category"])
        if not r["suppressed"]:
            assert r["people"] >= K and r["people"] == truth.get(key, 0)
        elif 0 < truth.get(key, 0) < K:
            assert r["people"] is None
    # differencing: marginal row total minus the released cells of that row
    for m in marginal.rows:
        if m["suppressed"]:
            continue
        shown = sum(r["people"] for r in pair.rows
                    if r["knowledge_category"] == m["knowledge_category"]
                    and not r["suppressed"])
        assert m["people"] - shown == 0 or m["people"] - shown >= K
    # and the overall linked count (e.g. from PSI) minus the released marginal
    total = sum(truth.values())
    shown = sum(m["people"] for m in marginal.rows if not m["suppressed"])
    assert total - shown == 0 or total - shown >= K


def test_budget_is_recorded_and_never_overspent(fresh_world: LoadedWorld,
                                                op_db_url: str) -> None:
    s = fresh_world.settings(db_url=op_db_url, privacy_epsilon_budget=1.0)
    first = release(s, "conversion_by_segment", for_partner="knowledge", epsilon=0.6)
    assert first.budget_left == pytest.approx(0.4)
    with pytest.raises(BudgetError, match="spent"):
        release(s, "conversion_by_segment", for_partner="knowledge", epsilon=0.6)
    assert spent(s, "knowledge") == pytest.approx(0.6)
    assert spent(s, "game") == 0.0  # budgets are per partner
    # concurrent spenders cannot overspend together
    ok: list[float] = []
    errors: list[BaseException] = []

    def go() -> None:
        try:
            ok.append(release(s, "overlap_by_knowledge_category", for_partner="game",
                              epsilon=0.3).epsilon or 0)
        except BudgetError:
            pass
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(ok) == 3 and spent(s, "game") <= 1.0 + 1e-9
    assert [e.details["epsilon"] for e in entries(s, action="release")].count(0.3) == 3


def test_noise_is_applied_on_the_whole_domain(fresh_world: LoadedWorld) -> None:
    s = fresh_world.settings(privacy_epsilon_budget=100.0)
    exact = release(s, "conversion_by_segment", for_partner="game")
    noisy = release(s, "conversion_by_segment", for_partner="game", epsilon=2.0)
    assert [r["segment"] for r in noisy.rows] == [r["segment"] for r in exact.rows]
    diffs = [abs(a["people"] - b["people"]) for a, b in zip(exact.rows, noisy.rows,
                                                             strict=True)
             if not a["suppressed"] and not b["suppressed"]]
    assert diffs and max(diffs) < 30  # scale 1.5: noisy but close
    sharp = release(s, "conversion_by_segment", for_partner="game", epsilon=90.0)
    assert all(abs(a["people"] - b["people"]) <= 2 for a, b in zip(exact.rows, sharp.rows,
                                                                    strict=True)
               if not a["suppressed"] and not b["suppressed"])


def test_cli(cli: CliRunner, loaded_world: LoadedWorld) -> None:
    base = ("--data-dir", str(loaded_world.data_dir))
    res = cli(*base, "release", "overlap_by_category_pair", "--for", "knowledge",
              data=False)
    assert res.code == 0 and "suppressed" in res.out
    zh = cli(*base, "--lang", "zh-CN", "release", "conversion_by_segment", "--for",
             "game", data=False)
    assert zh.code == 0 and "发布" in zh.out
    bad = cli(*base, "release", "everyone_raw", "--for", "game", data=False)
    assert bad.code == 2 and "no aggregate named" in bad.err_flat
    bad = cli(*base, "release", "conversion_by_segment", "--for", "game", "--epsilon", "-1",
              data=False)
    assert bad.code == 2
    listed = cli(*base, "releases", "--json", data=False)
    assert {q["name"] for q in listed.json()} == set(QUERIES)


# --- cells derived from fewer than k people -------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.tuples(st.sampled_from("abcd"), st.sampled_from("xyz")),
                       st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=1))
def test_inner_counts_and_sums_never_rest_on_fewer_than_k(
        cells: dict[tuple[str, str], tuple[int, int]]) -> None:
    q = QUERIES["conversion_by_segment"]
    values = {key: [float(p + b), float(b), 100.0 * b] for key, (p, b) in cells.items()}
    hidden = hidden_cells(values, q.metrics, K, 2)
    for key, (people, buyers) in {k: (v[0], v[1]) for k, v in values.items()}.items():
        if key not in hidden["buyers"]:
            assert key not in hidden["people"]
            assert buyers >= K and people - buyers >= K  # zeros included
        assert (key in hidden["spend"]) == (key in hidden["buyers"])
    # every line hides 0 or >= k buyers (and non-buyers), or all of it
    for axis in (0, 1):
        for value in {k[axis] for k in values}:
            line = [k for k in values if k[axis] == value]
            if all(k in hidden["buyers"] for k in line):
                continue
            mass = sum(values[k][1] for k in line if k in hidden["buyers"])
            rest = sum(values[k][0] - values[k][1] for k in line if k in hidden["buyers"])
            assert mass == 0 or mass >= K
            assert rest == 0 or rest >= K


# --- ε is checked before anything is spent, and refunded if the noise fails ----------------
@pytest.mark.parametrize("eps", ["1e-320", "0", "-1", "nan", "inf", "-inf", "1e300", "3.5"])
def test_bad_epsilon_is_refused_before_spending(cli: CliRunner, fresh_world: LoadedWorld,
                                                eps: str) -> None:
    res = cli("--data-dir", str(fresh_world.data_dir), "release", "conversion_by_segment",
              "--for", "game", f"--epsilon={eps}", data=False)
    assert res.code == 2 and "Traceback" not in res.err
    assert "bad_epsilon" in res.err and "nothing was spent" in res.err_flat
    assert spent(fresh_world.settings(), "game") == 0.0


def test_a_failed_noisy_release_gives_the_budget_back(
        cli: CliRunner, fresh_world: LoadedWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    import opendp.prelude as dp

    def broken(*_a: object, **_k: object) -> None:
        raise dp.OpenDPException("FailedFunction", "scale overflow")

    monkeypatch.setattr(dp.m, "make_laplace", broken)
    res = cli("--data-dir", str(fresh_world.data_dir), "release", "conversion_by_segment",
              "--for", "game", "--epsilon", "0.5", data=False)
    assert res.code == 2 and "release_noise" in res.err and "Traceback" not in res.err
    s = fresh_world.settings()
    assert spent(s, "game") == 0.0
    monkeypatch.setattr("crossplay.privacy.release._laplace", lambda *_a: 1 / 0)
    with pytest.raises(ZeroDivisionError):  # any failure, not only OpenDP's
        release(s, "conversion_by_segment", for_partner="game", epsilon=0.5)
    assert spent(s, "game") == 0.0
    monkeypatch.undo()
    ok = cli("--data-dir", str(fresh_world.data_dir), "release", "conversion_by_segment",
             "--for", "game", "--epsilon", "0.5", "--json", data=False)
    assert ok.code == 0 and ok.json()["budget_left"] == pytest.approx(2.5)


# --- exact tables are frozen per period ------------------------------------------------------
def test_erasing_a_counted_person_withdraws_the_periods_table(
        cli: CliRunner, fresh_world: LoadedWorld) -> None:
    from tests.privacy.test_consent_links import _truth_people

    s = fresh_world.settings()
    base = ("--data-dir", str(fresh_world.data_dir))
    with clock.frozen("2031-02-10T12:00:00Z"):
        first = cli(*base, "release", "conversion_by_segment", "--for", "game", "--json",
                    data=False)
        assert first.code == 0 and first.json()["period"] == "2031-02"
        again = cli(*base, "release", "conversion_by_segment", "--for", "knowledge",
                    "--json", data=False)
        assert again.json()["rows"] == first.json()["rows"]  # one table for everyone
        con = connect(s)
        try:
            members = {r[0] for r in con.sql(
                "SELECT g_user_key FROM links_current WHERE revoked_at IS NULL").fetchall()}
        finally:
            con.close()
        g_uid = next(str(p["g_uid"]) for p in _truth_people(fresh_world)
                     if p.get("g_uid") and native_key(s, "game", str(p["g_uid"])) in members)
        assert cli(*base, "forget", "--partner", "game", "--user", g_uid, data=False).code == 0
        gone = cli(*base, "release", "conversion_by_segment", "--for", "game", data=False)
        assert gone.code == 2 and "release_withheld" in gone.err and "erased" in gone.err_flat
    assert any(e.details.get("withheld") == "release_withheld"
               for e in entries(s, action="release"))


@pytest.mark.slow
def test_key_rotation_keeps_the_periods_table(cli: CliRunner,
                                              fresh_world: LoadedWorld) -> None:
    base = ("--data-dir", str(fresh_world.data_dir))
    with clock.frozen("2031-02-10T12:00:00Z"):
        first = cli(*base, "release", "overlap_by_category_pair", "--for", "game", "--json",
                    data=False)
        assert first.code == 0
        assert cli(*base, "keys", "rotate", "--partner", "game", data=False).code == 0
        again = cli(*base, "release", "overlap_by_category_pair", "--for", "game", "--json",
                    data=False)
        assert again.code == 0, again.err  # members were re-keyed with everything else
        assert again.json()["rows"] == first.json()["rows"]


def test_concurrent_first_requests_share_one_frozen_table(fresh_world: LoadedWorld,
                                                          op_db_url: str) -> None:
    from sqlalchemy import select as sa_select

    from crossplay.privacy.tables import release_snapshots

    s = fresh_world.settings(db_url=op_db_url)
    got: list[list[dict[str, object]]] = []
    errors: list[BaseException] = []

    def go(partner: str) -> None:
        try:
            got.append(release(s, "overlap_by_category_pair",
                               for_partner=partner).rows)  # type: ignore[arg-type]
        except BaseException as exc:
            errors.append(exc)

    with clock.frozen("2031-02-10T12:00:00Z"):
        threads = [threading.Thread(target=go, args=(("game", "knowledge")[i % 2],))
                   for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors and len(got) == 8 and all(rows == got[0] for rows in got)
    from crossplay.privacy.audit import engine_for

    with engine_for(s).connect() as conn:
        snaps = conn.execute(sa_select(release_snapshots)).all()
    assert [(r.query, r.period, r.status) for r in snaps] == [
        ("overlap_by_category_pair", "2031-02", "released")]
