"""Aggregate release: no group under k leaks, not even by differencing; DP budget."""

from __future__ import annotations

import math
import re
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
    monkeypatch.setattr("crossplay.privacy.release.draw", lambda *_a: 1 / 0)
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
    assert any(e.details.get("withheld") == "release_withheld_departed"
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


# --- noisy releases carry their noise ---------------------------------------------------------
def _cells(out: str) -> list[str]:
    """The body lines of the printed table (one per released cell of a noisy release)."""
    return [line for line in out.splitlines() if line.startswith("│")]


def test_a_noisy_release_prints_scale_and_intervals_in_both_languages(
        cli: CliRunner, fresh_world: LoadedWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSPLAY_PRIVACY_EPSILON_BUDGET", "100")
    base = ("--data-dir", str(fresh_world.data_dir))
    # ε = 3 over 3 metrics: counts b = 1 / 1 = 1, spend b = 500 / 1 = 500
    en = cli(*base, "release", "conversion_by_segment", "--for", "game", "--epsilon", "3",
             data=False)
    assert en.code == 0, en.err
    people = [line for line in _cells(en.out) if "│ people " in line]
    assert len(people) >= 3  # the segments hold 16 to 50 people: shown
    for line in people:
        assert "discrete Laplace, b = 1 " in line
        assert re.search(r"│ (\d+) +│ (\d+) – (\d+) +│", line)
    assert "Laplace, b = 500 " in en.out and "95% interval" in en.out
    assert "ε = 3 is split evenly over 3 metric(s) (ε = 1 each)" in en.out
    assert re.search(r"\d+ of \d+ released cells are mostly noise", en.out)
    assert "Noisy values below 0 are shown as 0" in en.out
    assert "This release spent ε = 3; privacy budget left for game: ε = 97.000 of 100" in en.out
    zh = cli(*base, "--lang", "zh-CN", "release", "conversion_by_segment", "--for", "game",
             "--epsilon", "3", data=False)
    assert zh.code == 0, zh.err
    assert len([line for line in _cells(zh.out) if "离散拉普拉斯, b = 1 " in line]) >= 3
    assert "拉普拉斯, b = 500 " in zh.out and "95% 区间" in zh.out and "人数" in zh.out
    assert re.search(r"已发布的 \d+ 个数值中有 \d+ 个主要是噪声", zh.out)
    assert "低于 0 的加噪值显示为 0" in zh.out
    assert "本次发布花费 ε = 3; game 剩余隐私预算: ε = 94.000 (共 100)" in zh.out
    for text in (en.out, zh.out):  # the machine names stay in --json only
        assert "discrete_laplace" not in text and "spend_per_buyer" not in text
    assert not re.search(r"[\u4e00-\u9fff]", en.out.replace("(none)", ""))
    listed = cli(*base, "--lang", "zh-CN", "releases", data=False)
    assert listed.code == 0 and "名称" in listed.out and "人均购课消费(元)" in listed.out


def test_the_json_of_a_noisy_release_carries_every_cells_noise(
        cli: CliRunner, fresh_world: LoadedWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSPLAY_PRIVACY_EPSILON_BUDGET", "10")
    res = cli("--data-dir", str(fresh_world.data_dir), "release", "conversion_by_segment",
              "--for", "knowledge", "--epsilon", "0.5", "--json", data=False)
    assert res.code == 0, res.err
    data = res.json()
    assert data["epsilon_spent"] == 0.5 and data["budget_left"] == pytest.approx(9.5)
    assert data["budget"] == 10 and data["derived"] == ["spend_per_buyer"]
    # ε / 3 = 1/6 per metric: counts b = 6, spend b = 500 * 6 = 3,000
    assert data["noise"]["people"]["mechanism"] == "discrete_laplace"
    assert data["noise"]["people"]["scale"] == pytest.approx(6.0)
    assert data["noise"]["people"]["half_width"] == 18  # ⌊OpenDP accuracy(6, 0.05)⌋
    assert data["noise"]["spend"]["mechanism"] == "laplace"
    assert data["noise"]["spend"]["scale"] == pytest.approx(3000.0)
    assert data["noise"]["spend"]["half_width"] == pytest.approx(3000 * math.log(20))
    assert data["noise"]["spend_per_buyer"]["mechanism"] == "derived"
    shown = 0
    for row in data["rows"]:
        for name in ("people", "buyers", "spend", "spend_per_buyer"):
            cell = row["noise"][name]
            assert set(cell) == {"value", "noise_scale", "ci_low", "ci_high", "mostly_noise"}
            assert cell["value"] == row[name]
            if cell["value"] is None:
                assert cell["ci_low"] is None and cell["mostly_noise"] is None
                continue
            shown += 1
            assert 0 <= cell["ci_low"] <= cell["value"] <= cell["ci_high"]
            assert cell["mostly_noise"] == (cell["ci_low"] <= 0 or (
                cell["ci_high"] - cell["ci_low"]) / 2 >= cell["value"])
            if name in ("people", "buyers"):
                assert isinstance(cell["value"], int) and cell["noise_scale"] == 6.0
    assert shown >= 2  # heavy and regular (50 and 39 people) are shown: 18 is their noise


def test_small_true_counts_are_flagged_mostly_noise(
        cli: CliRunner, fresh_world: LoadedWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    # ε = 0.05 on the 168 category pairs: b = 20, 95% half-width 59. Most pairs hold fewer
    # than k people; those the noise lifts above k are shown, and must say they are noise
    monkeypatch.setenv("CROSSPLAY_PRIVACY_EPSILON_BUDGET", "10")
    truth = _truth(fresh_world, "overlap_by_category_pair")
    res = cli("--data-dir", str(fresh_world.data_dir), "release", "overlap_by_category_pair",
              "--for", "game", "--epsilon", "0.05", "--json", data=False)
    assert res.code == 0, res.err
    small = [r["noise"]["people"] for r in res.json()["rows"] if r["people"] is not None
             and truth.get((r["knowledge_category"], r["game_category"]), 0) < K]
    assert len(small) >= 5, "the noise shows some pairs of fewer than k people"
    # each is flagged unless its noise passed the 95% bound (a few % each)
    assert sum(c["mostly_noise"] for c in small) >= len(small) / 2
    text = cli("--data-dir", str(fresh_world.data_dir), "release", "overlap_by_category_pair",
               "--for", "game", "--epsilon", "0.05", data=False)
    assert len([line for line in _cells(text.out) if "mostly noise" in line]) >= 5


def test_an_exact_release_says_which_periods_table_it_is(cli: CliRunner,
                                                         fresh_world: LoadedWorld) -> None:
    base = ("--data-dir", str(fresh_world.data_dir))
    with clock.frozen("2031-02-10T12:00:00Z"):
        en = cli(*base, "release", "conversion_by_segment", "--for", "game", data=False)
    with clock.frozen("2031-02-20T08:30:00Z"):  # later the same month: the same table
        zh = cli(*base, "--lang", "zh-CN", "release", "conversion_by_segment", "--for",
                 "knowledge", data=False)
    assert en.code == 0 and zh.code == 0, en.err + zh.err
    assert "Exact table of 2031-02, computed 2031-02-10 12:00 UTC" in en.out
    assert "2031-02 的精确表, 计算于 2031-02-10 12:00 (UTC)" in zh.out
    assert "course buyers" in en.out and "购课人数" in zh.out
    assert "Laplace" not in en.out and "interval" not in en.out  # exact: no noise to show


# --- every refusal of a release reads the same from the catalog, in both languages ----------
def test_every_release_error_has_its_catalog_entry(fresh_world: LoadedWorld,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import opendp.prelude as dp

    import crossplay.cli.commands_privacy  # noqa: F401  (registers the privacy errors)
    from crossplay.cli.i18n import MESSAGES
    from crossplay.core.errors import CrossplayError
    from crossplay.privacy.aggregates import Metric
    from crossplay.privacy.noise import Mechanism, draw, mechanism
    from crossplay.privacy.release import check_epsilon
    from crossplay.privacy.release_periods import withheld

    s = fresh_world.settings(privacy_epsilon_budget=1.0)

    def caught(action: object) -> CrossplayError:
        with pytest.raises(CrossplayError) as info:
            action()  # type: ignore[operator]
        return info.value

    def broken(*_a: object, **_k: object) -> None:
        raise dp.OpenDPException("FailedFunction", "scale overflow")

    release(s, "conversion_by_segment", for_partner="game", epsilon=0.6)
    errors = [
        caught(lambda: release(s, "everyone_raw", for_partner="game")),
        caught(lambda: release(s, "conversion_by_segment",
                               for_partner="nobody")),  # type: ignore[arg-type]
        caught(lambda: check_epsilon(s, float("nan"))),
        caught(lambda: release(s, "conversion_by_segment", for_partner="game", epsilon=0.6)),
        caught(lambda: hidden_cells({("a",): [20.0, 5.0]}, (
            Metric("people", "count"), Metric("x", "sum", over="nope")), K, 1)),
        caught(lambda: mechanism("count", 1.0, 1e-320)),
        caught(lambda: draw(Mechanism("laplace", 500.0, 0.1, 500.0), [1.0])),
        withheld("release_withheld_changes", query="q", period="2031-03", changed=3,
                 ref="2031-02", k=K),
        withheld("release_withheld_departed", query="q", period="2031-03", gone=1),
        withheld("release_withheld_period", query="q", period="2031-03"),
    ]
    with monkeypatch.context() as m:
        m.setattr(dp.m, "make_laplace", broken)
        errors.append(caught(lambda: draw(mechanism("count", 1.0, 1.0), [1.0])))
    codes = [e.code for e in errors]
    assert len(set(codes)) == len(codes), codes  # one code per message
    for exc in errors:
        entry = MESSAGES[f"err.{exc.code}"]
        assert entry["en"].format(**exc.params) == exc.message, exc.code
        zh = entry["zh-CN"].format(**exc.params)
        assert re.search(r"[\u4e00-\u9fff]", zh), exc.code


def test_every_query_is_described_in_both_languages() -> None:
    from crossplay.cli.release_view import MESSAGES as VIEW

    for q in QUERIES.values():
        assert VIEW[f"releases.about.{q.name}"]["en"] == q.about
        for name in (*q.dims, *(m.name for m in q.metrics), *(r.name for r in q.derived)):
            assert set(VIEW[f"release.col.{name}"]) == {"en", "zh-CN"}, name
