"""The world looks like the domain: funnels, tails, rhythms, rates (DOMAIN.md figures).

Bounds are wide enough for a 2,000-person world yet far from what a broken generator
would give (e.g. completion equal to enrolment, flat hours, everyone gifting).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .conftest import World

FIRST_DAY = (dt.date(2026, 9, 1) - dt.date(1970, 1, 1)).days  # local epoch day


def _count(table: pa.Table, column: str, value: str) -> int:
    return int(pc.sum(pc.equal(table[column], value)).as_py())


def test_course_completion_is_far_below_enrolment(k_events: pa.Table) -> None:
    enrolled = _count(k_events, "behavior", "enroll")
    completed = _count(k_events, "behavior", "course_done")
    assert enrolled > 500
    assert 0.04 <= completed / enrolled <= 0.16
    watched = _count(k_events, "behavior", "study")
    assert watched > 2 * enrolled  # lessons are watched, mostly the first few


def test_paid_conversion_is_low_and_some_purchases_are_refunded(
    world: World, k_events: pa.Table, truth: pa.Table
) -> None:
    buys = k_events.filter(pc.and_(pc.equal(k_events["behavior"], "buy"),
                                   pc.not_equal(k_events["item_kind"], "vip")))
    users = int(pc.sum(truth["uses_knowledge"]).as_py())
    buyers = len(set(buys["uid"].to_pylist()))
    assert 0.01 <= buyers / users <= 0.09
    refunds = _count(k_events, "behavior", "refund")
    assert 0 < refunds <= 0.25 * buys.num_rows
    ratings = k_events.filter(pc.equal(k_events["behavior"], "rate"))["val"].to_pylist()
    clean = [int(v) for v in ratings if v and not v.startswith("-")]
    assert set(clean) <= {1, 2, 3, 4, 5} and np.mean(clean) > 3.3


def test_activity_is_heavy_tailed(k_events: pa.Table, g_events: pa.Table, streams: pa.Table,
                                  truth: pa.Table) -> None:
    person_of = dict(zip(truth["k_uid"].to_pylist(), truth["person"].to_pylist(), strict=True))
    person_of |= dict(zip(truth["g_uid"].to_pylist(), truth["person"].to_pylist(), strict=True))
    person_of.pop(None, None)
    counts: Counter[int] = Counter()
    for column in (k_events["uid"], g_events["player"], streams["viewer"]):
        counts.update(person_of[u] for u in column.to_pylist() if u)
    per = np.sort(np.array(list(counts.values())))[::-1]
    top = per[: truth.num_rows // 10].sum() / per.sum()
    assert top >= 0.35
    assert per.max() > 20 * np.median(per)


def _local_hour_seconds(streams: pa.Table) -> np.ndarray:
    views = streams.filter(pc.equal(streams["kind"], "view"))
    hours = np.zeros(24)
    for t, sec in zip(views["time"].to_pylist(), views["num"].to_pylist(), strict=True):
        if t[11:13].isdigit() and int(t[11:13]) < 24 and sec and sec > 0:
            hours[int(t[11:13])] += sec
    return np.asarray(hours / hours.sum())


def test_stream_watching_peaks_in_the_evening(streams: pa.Table) -> None:
    share = _local_hour_seconds(streams)
    assert int(np.argmax(share)) in (20, 21, 22, 23)
    assert share[20:24].sum() >= 0.35
    assert share[3:7].sum() < 0.05


def test_learning_is_an_evening_and_weekend_habit(k_events: pa.Table) -> None:
    views = k_events.filter(pc.equal(k_events["behavior"], "view"))["event_time"].to_pylist()
    days = Counter(v[:10] for v in views if v[:4] == "2026")
    weekend: list[int] = []
    weekday: list[int] = []
    for day, n in days.items():
        try:
            date = dt.date.fromisoformat(day)
        except ValueError:
            continue
        (weekend if date.weekday() >= 5 else weekday).append(n)
    assert np.mean(weekend) > 1.1 * np.mean(weekday)
    hours = Counter(int(v[11:13]) for v in views if v[11:13].isdigit())
    evening = sum(hours[h] for h in range(19, 24)) / sum(hours.values())
    assert evening > 0.35


def test_a_few_viewers_gift(streams: pa.Table) -> None:
    viewers = set(streams.filter(pc.equal(streams["kind"], "view"))["viewer"].to_pylist())
    gifters = set(streams.filter(pc.equal(streams["kind"], "gift"))["viewer"].to_pylist())
    viewers.discard(None)
    gifters.discard(None)
    assert 0.01 <= len(gifters & viewers) / len(viewers) <= 0.05


def test_new_players_mostly_do_not_come_back(g_events: pa.Table, truth: pa.Table) -> None:
    new = set(truth.filter(pc.and_(truth["new_game"], truth["plays_games"]))["g_uid"]
              .to_pylist())
    sessions = g_events.filter(pc.and_(pc.equal(g_events["act"], "session_end"),
                                       pc.is_valid(g_events["ts_ms"])))
    day = (sessions["ts_ms"].to_numpy() // 1000 + 8 * 3600) // 86_400
    played: dict[str, set[int]] = {}
    for player, d in zip(sessions["player"].to_pylist(), day.tolist(), strict=True):
        if player in new:
            played.setdefault(player, set()).add(d)
    first = {p: min(ds) for p, ds in played.items()}
    last_day = FIRST_DAY + 29
    d1 = [first[p] + 1 in ds for p, ds in played.items() if first[p] < last_day - 1]
    assert len(d1) > 100
    assert 0.3 <= float(np.mean(d1)) <= 0.6


def test_some_dual_users_bind_accounts(world: World, truth: pa.Table) -> None:
    dual = truth.filter(truth["dual"])
    bound = int(pc.sum(pc.is_valid(dual["bound_at"])).as_py())
    assert 0.2 <= dual.num_rows / truth.num_rows <= 0.5
    assert 0.1 <= bound / dual.num_rows <= 0.5  # tens of percent, not 90 %
    ops = (world.root / "game/bindings.csv").read_text("utf-8").splitlines()[1:]
    assert sum(",UNBIND," in op for op in ops) > 0


def test_consent_is_partial_and_history_matters(world: World) -> None:
    path = world.root / "knowledge/consents.csv"
    rows = [line.split(",") for line in path.read_text("utf-8").splitlines()[1:]]
    latest: dict[tuple[str, str], tuple[str, str]] = {}
    changed = 0
    for uid, scope, agreed, at, _ in rows:
        key = (uid, scope)
        if key in latest:
            changed += 1
            assert at > latest[key][1]
        latest[key] = (agreed, at)
    granted = Counter(scope for (_, scope), (agreed, _) in latest.items() if agreed == "Y")
    total = Counter(scope for (_, scope) in latest)
    assert changed > 0
    for scope in ("link", "personalize", "marketing"):
        assert 0.15 < granted[scope] / total[scope] < 0.95
    assert granted["personalize"] > granted["marketing"]
