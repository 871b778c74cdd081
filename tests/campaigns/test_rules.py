"""The rule engine: local days and DST, same-day combinations, check-ins and streaks,
late and out-of-order events, refunds — all idempotent by key."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from crossplay.campaigns.document import Campaign
from crossplay.campaigns.limits import settle
from crossplay.campaigns.rules import Event, evaluate, local_day

H = 3_600_000_000


def campaign(**over: Any) -> Campaign:
    doc: dict[str, Any] = {
        "id": "t", "version": 1, "name": {"en": "T", "zh-CN": "测试"},
        "start": "2026-03-01", "end": "2026-11-30", "timezone": "Asia/Shanghai",
        "currencies": {"CPP": {"name": "points"}}, "point_value_yuan": "0.01",
        "budget": 100000,
        "rules": [
            {"id": "done", "kind": "event",
             "when": {"platform": "knowledge", "event_type": "course_complete"}, "points": 100},
            {"id": "buy", "kind": "event",
             "when": {"platform": "knowledge", "event_type": "purchase"}, "per_value": "1",
             "reversed_by": "refund"},
            {"id": "combo", "kind": "same_day", "points": 30, "all": [
                {"platform": "knowledge", "event_type": "lesson_watch",
                 "min_total_value": 600},
                {"platform": "game", "event_type": "session"}]}],
        "checkins": {"single_points": 1, "dual_points": 10,
                     "streak_bonus": {3: 20, 7: 60}},
        "messages": {"earned": {"en": "{balance}", "zh-CN": "{balance}"}},
    }
    doc.update(over)
    return Campaign.model_validate(doc)


def at(zone: str, y: int, m: int, d: int, hh: int = 12, mm: int = 0, ss: int = 0) -> int:
    local = dt.datetime(y, m, d, hh, mm, ss, tzinfo=ZoneInfo(zone))
    return int(local.timestamp() * 1_000_000)


_n = iter(range(1, 10**9))


def ev(platform: str, etype: str, ts: int, person: str = "P", value: float | None = None,
       item: str | None = None, ingested: int | None = None) -> Event:
    partner = "knowledge" if platform == "knowledge" else "game"
    return Event(person, partner, f"e{next(_n)}", platform, etype, item, ts,
                 None if value is None else Decimal(str(value)), ingested)


def keys(c: Campaign, events: list[Event]) -> list[str]:
    return sorted(a.key for a in evaluate(c, events).awards)


def test_shanghai_midnight_splits_days() -> None:
    c = campaign(checkins={"dual_points": 10})
    tz = "Asia/Shanghai"
    # 23:59:59 on the 9th and 00:00:00 on the 10th local are different days
    events = [ev("knowledge", "checkin", at(tz, 2026, 9, 9, 23, 59, 59)),
              ev("game", "checkin", at(tz, 2026, 9, 10, 0, 0, 0))]
    assert keys(c, events) == []
    events.append(ev("game", "checkin", at(tz, 2026, 9, 9, 23, 59, 58)))
    assert keys(c, events) == ["t:dual_checkin:P:2026-09-09"]
    # the same instants are 15:59 and 16:00 UTC
    assert local_day(at(tz, 2026, 9, 10), ZoneInfo(tz)) == dt.date(2026, 9, 10)
    assert local_day(at("UTC", 2026, 9, 9, 16, 0, 0), ZoneInfo(tz)) == dt.date(2026, 9, 10)


def test_dst_days_in_berlin_and_new_york() -> None:
    for tz, spring, autumn in (("Europe/Berlin", (3, 29), (10, 25)),
                               ("America/New_York", (3, 8), (11, 1))):
        c = campaign(timezone=tz, checkins={"dual_points": 10})
        for month, day in (spring, autumn):
            # the DST day has 23 or 25 hours: 00:30 and 23:30 local are still the same day
            early = at(tz, 2026, month, day, 0, 30)
            late = at(tz, 2026, month, day, 23, 30)
            hours = (late - early) / H
            assert hours == (22 if (month, day) == spring else 24)
            got = keys(c, [ev("knowledge", "checkin", early), ev("game", "checkin", late)])
            assert got == [f"t:dual_checkin:P:2026-{month:02d}-{day:02d}"]
            # and a minute past local midnight is the next day
            nxt = at(tz, 2026, month, day + 1, 0, 0, 30)
            assert keys(c, [ev("knowledge", "checkin", early),
                            ev("game", "checkin", nxt)]) == []


def _streak_events(days: list[int]) -> list[Event]:
    tz = "Asia/Shanghai"
    out = []
    for d in days:
        out += [ev("knowledge", "checkin", at(tz, 2026, 9, d, 8)),
                ev("game", "checkin", at(tz, 2026, 9, d, 21))]
    return out


def _bonuses(c: Campaign, days: list[int]) -> list[str]:
    return [a.key for a in evaluate(c, _streak_events(days)).awards
            if a.rule_id.startswith("streak")]


def test_streak_bonuses_grace_days_and_makeup_cards() -> None:
    plain = campaign(checkins={"dual_points": 1, "streak_bonus": {3: 20, 7: 60}})
    assert _bonuses(plain, [1, 2, 3, 4]) == ["t:streak3:P:2026-09-03"]
    assert _bonuses(plain, [1, 2, 4, 5, 6]) == ["t:streak3:P:2026-09-06"]  # day 3 missed
    assert _bonuses(plain, list(range(1, 8))) == ["t:streak3:P:2026-09-03",
                                                   "t:streak7:P:2026-09-07"]
    grace = campaign(checkins={"dual_points": 1, "streak_bonus": {3: 20}, "grace_days": 1})
    assert _bonuses(grace, [1, 2, 4]) == ["t:streak3:P:2026-09-04"]  # gap kept, not counted
    assert _bonuses(grace, [1, 2, 5]) == []  # two missed days break it
    card = campaign(checkins={"dual_points": 1, "streak_bonus": {3: 20}, "makeup_cards": 1})
    ev_card = evaluate(card, _streak_events([1, 3, 5]))
    assert [a.key for a in ev_card.awards if a.rule_id == "streak_3"] == [
        "t:streak3:P:2026-09-03"]  # the card filled day 2 (and counts); day 4 breaks it
    assert sorted((c.day.day, c.source) for c in ev_card.checkins if c.source == "makeup") == [
        (2, "makeup"), (2, "makeup")]
    assert ev_card.streaks["P"] == (1, dt.date(2026, 9, 5), 3)


def test_same_day_combination_across_platforms() -> None:
    c = campaign()
    tz = "Asia/Shanghai"
    day = [ev("knowledge", "lesson_watch", at(tz, 2026, 9, 3, 9), value=400),
           ev("game", "session", at(tz, 2026, 9, 3, 10)),
           ev("knowledge", "lesson_watch", at(tz, 2026, 9, 3, 22), value=300)]
    awards = [a for a in evaluate(c, day).awards if a.rule_id == "combo"]
    assert [(a.key, a.amount, a.ts) for a in awards] == [
        ("t:combo:P:2026-09-03", 30, at(tz, 2026, 9, 3, 22))]  # satisfied at the 2nd watch
    # watching on one day and playing on the next is no combination
    split = [ev("knowledge", "lesson_watch", at(tz, 2026, 9, 3, 23, 50), value=900),
             ev("game", "session", at(tz, 2026, 9, 4, 0, 10))]
    assert [a for a in evaluate(c, split).awards if a.rule_id == "combo"] == []


def test_refund_claws_back_the_purchase_of_the_same_item() -> None:
    c = campaign()
    tz = "Asia/Shanghai"
    buy_a = ev("knowledge", "purchase", at(tz, 2026, 9, 3), value=99.0, item="A")
    buy_b = ev("knowledge", "purchase", at(tz, 2026, 9, 4), value=49.9, item="B")
    refund = ev("knowledge", "refund", at(tz, 2026, 9, 5), value=99.0, item="A")
    e = evaluate(c, [refund, buy_b, buy_a])
    assert sorted(a.amount for a in e.awards) == [49, 99]
    assert [(r.original_key, r.key) for r in e.reversals] == [
        (f"t:buy:knowledge:{buy_a.event_id}", f"t:buy:reverse:knowledge:{refund.event_id}")]
    s = settle(e.actions(), c.limits, c.budget)
    assert sum(s.issued.values()) - sum(s.reversed.values()) == 49


def test_late_events_follow_the_policy() -> None:
    tz = "Asia/Shanghai"
    ts = at(tz, 2026, 9, 3)
    late = ev("knowledge", "course_complete", ts, ingested=ts + 72 * H)
    on_time = ev("knowledge", "course_complete", ts, ingested=ts + 2 * H)
    strict = campaign(late_events={"policy": "reject", "max_delay_hours": 48})
    e = evaluate(strict, [late, on_time])
    assert (len(e.awards), e.late_rejected) == (1, 1)
    assert len(evaluate(campaign(), [late, on_time]).awards) == 2


_EVENT = st.tuples(st.sampled_from([("knowledge", "checkin"), ("game", "checkin"),
                                    ("knowledge", "lesson_watch"), ("game", "session"),
                                    ("knowledge", "course_complete")]),
                   st.integers(0, 20 * 24 * 60), st.sampled_from(["P", "Q"]))


@settings(max_examples=60, deadline=None)
@given(st.lists(_EVENT, max_size=40), st.randoms())
def test_order_and_replays_do_not_change_the_awards(raw: list[Any], rnd: Any) -> None:
    c = campaign()
    base = at("Asia/Shanghai", 2026, 9, 1, 0)
    events = [Event(p, "knowledge" if pl == "knowledge" else "game", f"x{i}", pl, et, None,
                    base + minute * 60_000_000, Decimal(700))
              for i, ((pl, et), minute, p) in enumerate(raw)]
    first = evaluate(c, events)
    shuffled = list(events)
    rnd.shuffle(shuffled)
    again = evaluate(c, shuffled + events[: len(events) // 2])  # out of order, half replayed
    assert sorted(first.awards, key=lambda a: a.key) == sorted(
        {a.key: a for a in again.awards}.values(), key=lambda a: a.key)
    assert len({a.key for a in first.awards}) == len(first.awards)
