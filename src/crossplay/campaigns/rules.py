"""The rule engine, as pure functions: events in, awards / reversals / check-ins out.

Every award carries an idempotency key derived from what earned it — the event
(``<campaign>:<rule>:<partner>:<event id>``) or the person and local day for same-day
combinations, check-ins and streak bonuses — so evaluating the same events again (a
replayed day, an overlapping batch, events arriving out of order) yields the same keys and
the ledger writes nothing twice. Days are local days in the campaign's time zone
(``zoneinfo``: correct across DST changes for zones that have them).

Late events: with ``late_events.policy: reject``, an event that reached crossplay more than
``max_delay_hours`` after it happened is left out (and counted); with ``accept`` it counts
like any other. Streak bonuses are keyed by the day the streak reached the milestone, so a
late check-in that joins two runs adds the longer run's new milestones without repeating
bonuses already given.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo

from crossplay.campaigns.document import Campaign, Condition, EventRule, SameDayRule

US_PER_HOUR = 3_600_000_000


@dataclass(frozen=True)
class Event:
    """One event of an eligible person (``person`` is the link's person_id)."""

    person: str
    partner: str
    event_id: str
    platform: str
    event_type: str
    item_id: str | None
    ts: int  # UTC microseconds
    value: Decimal | None = None
    ingested: int | None = None
    device: str | None = None


@dataclass(frozen=True)
class Award:
    key: str
    person: str
    rule_id: str
    day: dt.date
    amount: int
    ts: int
    device: str | None = None


@dataclass(frozen=True)
class Reversal:
    key: str
    original_key: str
    person: str
    rule_id: str
    day: dt.date
    ts: int


@dataclass(frozen=True)
class Checkin:
    person: str
    platform: str
    day: dt.date
    ts: int
    source: str  # event | makeup


@dataclass
class Evaluation:
    awards: list[Award] = field(default_factory=list)
    reversals: list[Reversal] = field(default_factory=list)
    checkins: list[Checkin] = field(default_factory=list)
    #: person -> (current streak at its last dual day, that day, best streak)
    streaks: dict[str, tuple[int, dt.date, int]] = field(default_factory=dict)
    late_rejected: int = 0
    outside_window: int = 0

    def actions(self) -> list[Award | Reversal]:
        """Awards and reversals in time order (ties: awards first, then by key)."""
        both: list[Award | Reversal] = [*self.awards, *self.reversals]
        return sorted(both, key=lambda a: (a.ts, isinstance(a, Reversal), a.key))


def local_day(ts_us: int, zone: ZoneInfo) -> dt.date:
    """The local calendar day of a UTC instant in ``zone`` (DST-aware)."""
    return dt.datetime.fromtimestamp(ts_us / 1_000_000, tz=dt.UTC).astimezone(zone).date()


def _matches(cond: Condition, e: Event) -> bool:
    return cond.platform == e.platform and cond.event_type == e.event_type


def evaluate(campaign: Campaign, events: Iterable[Event]) -> Evaluation:
    """Awards, reversals and check-ins the campaign gives for ``events`` (any order;
    an event id seen twice counts once)."""
    zone = campaign.zone
    ev = Evaluation()
    max_delay = campaign.late_events.max_delay_hours * US_PER_HOUR
    kept: list[tuple[dt.date, Event]] = []
    seen: set[tuple[str, str]] = set()
    for e in events:
        if (e.partner, e.event_id) in seen:  # a replayed event counts once
            continue
        seen.add((e.partner, e.event_id))
        if (campaign.late_events.policy == "reject" and e.ingested is not None
                and e.ingested - e.ts > max_delay):
            ev.late_rejected += 1
            continue
        day = local_day(e.ts, zone)
        if not campaign.start <= day <= campaign.end:
            ev.outside_window += 1
            continue
        kept.append((day, e))
    kept.sort(key=lambda de: (de[1].ts, de[1].partner, de[1].event_id))
    _event_rules(campaign, kept, ev)
    _same_day_rules(campaign, kept, ev)
    if campaign.checkins is not None:
        _checkins(campaign, kept, ev)
    return ev


def _event_rules(c: Campaign, kept: Sequence[tuple[dt.date, Event]], ev: Evaluation) -> None:
    for rule in c.rules:
        if not isinstance(rule, EventRule):
            continue
        # (person, item) -> keys of awards not yet reversed, oldest first
        open_awards: dict[tuple[str, str | None], list[str]] = defaultdict(list)
        for day, e in kept:
            if _matches(rule.when, e):
                value = e.value or Decimal(0)
                if rule.when.min_total_value is not None and value < rule.when.min_total_value:
                    continue
                amount = rule.points + int((rule.per_value * value)
                                           .to_integral_value(ROUND_FLOOR))
                if amount <= 0:
                    continue
                key = f"{c.id}:{rule.id}:{e.partner}:{e.event_id}"
                ev.awards.append(Award(key, e.person, rule.id, day, amount, e.ts, e.device))
                open_awards[(e.person, e.item_id)].append(key)
            elif (rule.reversed_by is not None and e.event_type == rule.reversed_by
                  and e.platform == rule.when.platform):
                keys = open_awards.get((e.person, e.item_id))
                if keys:
                    ev.reversals.append(Reversal(
                        f"{c.id}:{rule.id}:reverse:{e.partner}:{e.event_id}", keys.pop(),
                        e.person, rule.id, day, e.ts))


def _satisfied_at(cond: Condition, evs: Sequence[Event]) -> int | None:
    """When (ts) the day's events first satisfy ``cond``, or None."""
    count = 0
    total = Decimal(0)
    for e in evs:
        if not _matches(cond, e):
            continue
        count += 1
        total += e.value or Decimal(0)
        if count >= cond.min_count and (cond.min_total_value is None
                                        or total >= cond.min_total_value):
            return e.ts
    return None


def _same_day_rules(c: Campaign, kept: Sequence[tuple[dt.date, Event]],
                    ev: Evaluation) -> None:
    rules = [r for r in c.rules if isinstance(r, SameDayRule)]
    if not rules:
        return
    by_day: dict[tuple[str, dt.date], list[Event]] = defaultdict(list)
    for day, e in kept:
        by_day[(e.person, day)].append(e)
    for (person, day), evs in sorted(by_day.items()):
        for rule in rules:
            times = [_satisfied_at(cond, evs) for cond in rule.all]
            if all(ts is not None for ts in times):
                ts = max(x for x in times if x is not None)
                ev.awards.append(Award(f"{c.id}:{rule.id}:{person}:{day.isoformat()}",
                                       person, rule.id, day, rule.points, ts))


def _checkins(c: Campaign, kept: Sequence[tuple[dt.date, Event]], ev: Evaluation) -> None:
    cfg = c.checkins
    assert cfg is not None
    first: dict[tuple[str, str, dt.date], int] = {}
    for day, e in kept:
        if e.event_type == "checkin" and e.platform in cfg.platforms:
            first.setdefault((e.person, e.platform, day), e.ts)
    per_person: dict[str, dict[dt.date, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for (person, platform, day), ts in sorted(first.items()):
        ev.checkins.append(Checkin(person, platform, day, ts, "event"))
        per_person[person][day][platform] = ts
        if cfg.single_points:
            ev.awards.append(Award(f"{c.id}:checkin:{platform}:{person}:{day.isoformat()}",
                                   person, f"checkin_{platform}", day, cfg.single_points, ts))
    need = set(cfg.platforms)
    for person, days in sorted(per_person.items()):
        dual = sorted((d, max(p.values())) for d, p in days.items() if set(p) == need)
        if cfg.dual_points:
            for day, ts in dual:
                ev.awards.append(Award(f"{c.id}:dual_checkin:{person}:{day.isoformat()}",
                                       person, "dual_checkin", day, cfg.dual_points, ts))
        _streaks(c, person, dual, ev)


def _streaks(c: Campaign, person: str, dual: Sequence[tuple[dt.date, int]],
             ev: Evaluation) -> None:
    """Walk the person's dual check-in days: grace days keep a streak alive (without
    counting), make-up cards fill missed days (and count), anything longer resets it."""
    cfg = c.checkins
    assert cfg is not None
    cards = cfg.makeup_cards
    streak = best = 0
    prev: dt.date | None = None
    for day, ts in dual:
        before = streak
        if prev is None:
            streak = 1
        else:
            gap = (day - prev).days - 1
            if gap == 0 or gap <= cfg.grace_days:
                streak += 1
            elif gap <= cards:
                cards -= gap
                for k in range(1, gap + 1):
                    filled = prev + dt.timedelta(days=k)
                    for platform in cfg.platforms:
                        ev.checkins.append(Checkin(person, platform, filled, ts, "makeup"))
                streak += gap + 1
            else:
                streak = 1
        for milestone, bonus in sorted(cfg.streak_bonus.items()):
            if before < milestone <= streak:
                ev.awards.append(Award(f"{c.id}:streak{milestone}:{person}:{day.isoformat()}",
                                       person, f"streak_{milestone}", day, bonus, ts))
        best = max(best, streak)
        prev = day
    if prev is not None:
        ev.streaks[person] = (streak, prev, best)
