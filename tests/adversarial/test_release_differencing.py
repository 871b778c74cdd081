"""Differencing through consent, and cells derived from fewer than k people.

The attack (issue, item 5): the game partner takes an exact release, makes one of its own
linked users leave the population (refuses ``linking`` for them), takes the release
again and reads the difference — that user's course spend and main course category, which
are the knowledge partner's data. It re-binds and re-grants to put the user back, and
tries again (20 times). Exact tables are now frozen per period
(:mod:`crossplay.privacy.release_periods`): every exact release the attacker obtains must
equal the first one, a departure withdraws the period's table, and the next period's
table is withheld while fewer than k persons changed. Everything goes through the CLI;
time is set with the injectable clock, so nothing depends on today's date.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from crossplay.core import clock
from crossplay.core.settings import Settings
from crossplay.privacy.aggregates import QUERIES
from crossplay.privacy.links import bind
from crossplay.privacy.release import _per_person, _rows, _sums, hidden_cells
from tests.conftest import CliRunner, LoadedWorld

K = 10
QUERY_NAMES = ("overlap_by_knowledge_category", "conversion_by_segment")


@contextmanager
def at(instant: str) -> Iterator[None]:
    """Run the clock from ``instant`` on (at the real rate, so events stay ordered)."""
    start = clock.parse_instant(instant)
    with clock.use_clock(clock.OffsetClock(start - datetime.now(UTC))):
        yield


def _unfrozen(settings: Settings, name: str) -> list[dict[str, Any]]:
    """What an exact release recomputed on demand would show (the old behaviour)."""
    q = QUERIES[name]
    base, per = _per_person(settings, q)
    domain, values = _sums(q, base, per)
    return _rows(q, domain, values, hidden_cells(values, q.metrics, K, len(q.dims)))


def _moved(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """Categories released in both tables whose people count changed, and by how much."""
    return [(a["knowledge_category"], a["people"] - b["people"])
            for a, b in zip(old, new, strict=True)
            if a["people"] is not None and b["people"] is not None
            and a["people"] != b["people"]]


def _target(settings: Settings) -> tuple[str, str, str]:
    """A linked person whose main course category is released as a group of more than k
    (so it stays released without them, and an unprotected difference shows it):
    (knowledge key, game key, category). The first such person by id: the same every run."""
    q = QUERIES["overlap_by_knowledge_category"]
    _, per = _per_person(settings, q)
    shown = {r["knowledge_category"] for r in _unfrozen(settings, q.name)
             if not r["suppressed"] and r["knowledge_category"] != "(none)"
             and r["people"] > K}
    from crossplay.warehouse.duck import connect

    con = connect(settings)
    try:
        keys = dict(con.sql("SELECT person_id, k_user_key || ' ' || g_user_key "
                            "FROM links_current").fetchall())
    finally:
        con.close()
    for pid, cat in sorted(zip(per["person_id"].to_pylist(),
                               per["knowledge_category"].to_pylist(), strict=True)):
        if cat in shown:
            k, g = keys[pid].split()
            return k, g, cat
    raise AssertionError("the world has a linked person in a released category")


def test_toggling_a_users_consent_between_exact_releases_reveals_nothing(
        cli: CliRunner, fresh_world: LoadedWorld) -> None:
    s = fresh_world.settings()
    base = ("--data-dir", str(fresh_world.data_dir))

    def release(name: str, partner: str = "game") -> list[dict[str, Any]] | None:
        res = cli(*base, "release", name, "--for", partner, "--json", data=False)
        if res.code == 2:
            assert "release_withheld" in res.err and "Traceback" not in res.err
            return None
        assert res.code == 0, res.err
        rows: list[dict[str, Any]] = res.json()["rows"]
        return rows

    def consent(g_key: str, grant: bool) -> None:
        res = cli(*base, "consent", "set", "--partner", "game", "--user-key", g_key,
                  "--purpose", "linking", "--grant" if grant else "--refuse", data=False)
        assert res.code == 0, res.err

    k_key, g_key, category = _target(s)
    with at("2031-03-10T12:00:00Z"):
        # the attack is real: recomputed on demand, one refusal shows the category
        before = _unfrozen(s, "overlap_by_knowledge_category")
        population = _per_person(s, QUERIES[QUERY_NAMES[0]])[1].num_rows
        baseline = {n: release(n) for n in QUERY_NAMES}
        assert all(v is not None for v in baseline.values())
        assert release(QUERY_NAMES[0], "knowledge") == baseline[QUERY_NAMES[0]]
        got: list[tuple[str, list[dict[str, Any]] | None]] = []
        for attempt in range(20):
            if attempt % 2 == 0:
                consent(g_key, grant=False)          # the user leaves the population
                if attempt == 0:
                    after = _unfrozen(s, "overlap_by_knowledge_category")
                    assert _moved(before, after) == [(category, 1)], \
                        "an unprotected release would show the target's category"
            else:
                bind(s, k_key, g_key, actor="test")  # re-bound through the app ...
                consent(g_key, grant=True)           # ... and back in the population
            got += [(n, release(n)) for n in QUERY_NAMES]
        # everything the attacker obtained is the first table: no difference to read
        assert all(rows == baseline[n] for n, rows in got if rows is not None)
        assert any(rows is None for _, rows in got), "the departure withdrew the table"
        assert got[0][1] is None  # withdrawn at once, after the first refusal
    with at("2031-04-10T12:00:00Z"):
        # the target is back with the same row: the new period's table is the same
        assert {n: release(n) for n in QUERY_NAMES} == baseline
        consent(g_key, grant=False)
        assert release(QUERY_NAMES[0]) is None       # withdrawn again
    with at("2031-05-10T12:00:00Z"):
        # one person fewer than the last table handed out: withheld for the period
        assert [release(n) for n in QUERY_NAMES] == [None, None]
        noisy = cli(*base, "release", QUERY_NAMES[1], "--for", "game", "--epsilon", "1",
                    "--json", data=False)
        assert noisy.code == 0, noisy.err    # the budgeted release still answers
    with at("2031-06-10T12:00:00Z"):
        assert [release(n) for n in QUERY_NAMES] == [None, None]  # still one change
        from crossplay.warehouse.duck import connect

        con = connect(s)
        try:
            others = [r[0] for r in con.sql(
                "SELECT g_user_key FROM links_current WHERE revoked_at IS NULL "
                f"AND g_user_key <> '{g_key}' ORDER BY 1 LIMIT {K}").fetchall()]
        finally:
            con.close()
        for g in others:
            consent(g, grant=False)
    with at("2031-07-10T12:00:00Z"):
        # k + 1 persons left since the last table: released, and its difference is a
        # union of at least k people, not the target
        rows = release(QUERY_NAMES[0])
        assert rows is not None
        assert population - _per_person(s, QUERIES[QUERY_NAMES[0]])[1].num_rows == K + 1
        assert _moved(baseline[QUERY_NAMES[0]] or [], rows) != [(category, 1)]


def test_no_released_cell_comes_from_fewer_than_k(cli: CliRunner,
                                                  fresh_world: LoadedWorld) -> None:
    s = fresh_world.settings()
    q = QUERIES["conversion_by_segment"]
    _, per = _per_person(s, q)
    truth: dict[str, dict[str, float]] = {}
    for seg, b in zip(per["segment"].to_pylist(), per["buyers"].to_pylist(), strict=True):
        t = truth.setdefault(seg, {"people": 0, "buyers": 0})
        t["people"] += 1
        t["buyers"] += b
    # the world has the small inner groups the issue found (buyers 5, 2, 0)
    assert any(v["buyers"] < K for v in truth.values())
    res = cli("--data-dir", str(fresh_world.data_dir), "release", q.name, "--for", "game",
              "--json", data=False)
    assert res.code == 0, res.err
    rows = res.json()["rows"]
    for r in rows:
        t = truth.get(r["segment"], {"people": 0, "buyers": 0})
        for m in ("people", "buyers"):
            assert r[m] is None or r[m] >= K, f"{m} below k released: {r}"
        if r["buyers"] is not None:
            assert r["people"] - r["buyers"] >= K     # nor its complement
            assert r["buyers"] == t["buyers"]
        if r["spend"] is not None:
            assert r["buyers"] is not None            # a sum over < k buyers is withheld
    hidden = [truth.get(r["segment"], {"buyers": 0})["buyers"] for r in rows
              if r["buyers"] is None]
    # secondary: what a partner knowing the total buyers can subtract is 0 or >= k
    assert sum(hidden) == 0 or sum(hidden) >= K or len(hidden) == len(rows)
    text = cli("--data-dir", str(fresh_world.data_dir), "release", q.name, "--for", "game",
               data=False)
    assert text.code == 0 and "—" in text.out
