"""Caps and velocity limits, and ``settle``: a dry run of the ledger's award decisions.

The ledger enforces the same limits inside each award's transaction (reading the
``campaign_awards`` rows under the person's lock); :func:`settle` applies them in memory so
``campaign simulate`` reports exactly what ``campaign apply`` would issue, without writing.
Order: the daily cap trims an award to what is left of the person's day; the per-person
hourly and per-device daily velocity limits refuse it; then the budget: the first award the
budget cannot cover stops the campaign (status ``budget_exhausted``).

``settle`` starts from an empty campaign, or from a :class:`LedgerState` — what the ledger
already holds for the campaign (keys used, awards per person and day, budget left,
balances and debts) — and then answers what ``apply`` would issue *now*: an award whose
key is used is a replay (nothing new), caps and velocity count the awards already made,
an award first repays a recorded debt (that part costs the budget nothing), and a
reversal claws back what the person's balance covers.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right, insort
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from crossplay.campaigns.document import Limits
from crossplay.campaigns.rules import US_PER_HOUR, Award, Reversal


def limit_refusal(limits: Limits, *, day_total: int, hour_count: int,
                  device_count: int | None) -> str | None:
    """Why an award is refused by a velocity limit or a full daily cap (None: allowed)."""
    if limits.daily_cap is not None and day_total >= limits.daily_cap:
        return "daily_cap"
    if limits.per_person_per_hour is not None and hour_count >= limits.per_person_per_hour:
        return "person_velocity"
    if (limits.per_device_per_day is not None and device_count is not None
            and device_count >= limits.per_device_per_day):
        return "device_velocity"
    return None


def capped(limits: Limits, amount: int, day_total: int) -> int:
    """The part of ``amount`` the daily cap still allows."""
    if limits.daily_cap is None:
        return amount
    return max(0, min(amount, limits.daily_cap - day_total))


@dataclass
class Settlement:
    issued: dict[str, int] = field(default_factory=dict)  # award key -> points
    reversed: dict[str, int] = field(default_factory=dict)  # reversal key -> points
    refused: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # reason -> n
    by_day: dict[dt.date, int] = field(default_factory=lambda: defaultdict(int))
    budget_left: int = 0
    status: str = "active"
    not_run: int = 0
    already_done: int = 0  # actions whose key the ledger has already used


@dataclass(frozen=True)
class LedgerState:
    """What the ledger holds for one campaign (read by
    :func:`crossplay.campaigns.simulation.ledger_state`); the default is an empty campaign
    with ``budget_left`` points."""

    budget_left: int
    requested: dict[str, int] = field(default_factory=dict)  # used award key -> amount asked
    issued: dict[str, int] = field(default_factory=dict)  # award key -> points it issued
    reversed: frozenset[str] = frozenset()  # award keys already reversed
    reversals_done: frozenset[str] = frozenset()  # reversal keys already used
    day_total: dict[tuple[str, dt.date], int] = field(default_factory=dict)
    award_times: dict[str, list[int]] = field(default_factory=dict)  # person -> sorted ts
    device_day: dict[tuple[str, dt.date], int] = field(default_factory=dict)
    balance: dict[str, int] = field(default_factory=dict)  # person -> points held
    debt: dict[str, int] = field(default_factory=dict)  # person -> debt recorded


def settle(actions: Sequence[Award | Reversal], limits: Limits, budget: int,
           start: LedgerState | None = None) -> Settlement:
    """What the ledger would do with ``actions`` (time-ordered): on an empty campaign
    with ``budget`` points, or from the ledger's state ``start``."""
    st = start or LedgerState(budget_left=budget)
    out = Settlement(budget_left=st.budget_left)
    day_total: dict[tuple[str, dt.date], int] = defaultdict(int, st.day_total)
    hours: dict[str, list[int]] = defaultdict(list, {k: list(v) for k, v in
                                                     st.award_times.items()})
    device_day: dict[tuple[str, dt.date], int] = defaultdict(int, st.device_day)
    balance: dict[str, int] = defaultdict(int, st.balance)
    debt: dict[str, int] = defaultdict(int, st.debt)
    reversed_ = set(st.reversed)
    for n, a in enumerate(actions):
        if isinstance(a, Reversal):
            if a.key in st.reversals_done:
                out.already_done += 1
                continue
            amount = out.issued.get(a.original_key, st.issued.get(a.original_key))
            if amount is None or a.original_key in reversed_:
                out.refused["ledger_error"] += 1  # nothing (left) to reverse
                continue
            taken = min(amount, balance[a.person])
            balance[a.person] -= taken
            debt[a.person] += amount - taken
            reversed_.add(a.original_key)
            out.reversed[a.key] = taken
            out.budget_left += taken
            out.by_day[a.day] -= taken
            continue
        if a.key in st.requested:  # a replay: the ledger returns the first result
            if st.requested[a.key] == a.amount:
                out.already_done += 1
            else:
                out.refused["idempotency_conflict"] += 1
            continue
        times = hours[a.person]
        in_hour = bisect_right(times, a.ts) - bisect_right(times, a.ts - US_PER_HOUR)
        why = limit_refusal(limits, day_total=day_total[(a.person, a.day)],
                            hour_count=in_hour,
                            device_count=(device_day[(a.device, a.day)]
                                          if a.device is not None else None))
        if why is not None:
            out.refused[why] += 1
            continue
        amount = capped(limits, a.amount, day_total[(a.person, a.day)])
        repaid = min(debt[a.person], amount)  # repaid debt goes back to the budget
        if amount - repaid > out.budget_left:
            out.status = "budget_exhausted"
            out.refused["budget"] += 1
            out.not_run = len(actions) - n - 1
            break
        out.budget_left -= amount - repaid
        debt[a.person] -= repaid
        balance[a.person] += amount - repaid
        out.issued[a.key] = amount
        out.by_day[a.day] += amount
        day_total[(a.person, a.day)] += amount
        insort(times, a.ts)
        if a.device is not None:
            device_day[(a.device, a.day)] += 1
    return out
