"""Cohort retention: of the people whose first activity fell in a period, who came back?

A person's cohort is the day / week / month of their first event on the platform (local
calendar of ``settings.timezone``); they are *retained on day n* when they have any event
on the platform exactly n local days after that first day. A cell whose day n lies past
the last day of data is not observable and is left empty (None), never counted as churn.
One partner's own users; cohorts smaller than ``k`` are not shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from crossplay.core.settings import Settings
from crossplay.core.types import Partner, Platform
from crossplay.ingest.sqlbase import lit
from crossplay.measure.errors import MeasureError
from crossplay.warehouse import connect

Grain = Literal["day", "week", "month"]
_PARTNER: dict[str, Partner] = {"knowledge": "knowledge", "game": "game", "stream": "game"}


@dataclass(frozen=True)
class CohortRow:
    cohort: str
    size: int
    retained: list[int | None]
    rate: list[float | None]


@dataclass(frozen=True)
class Retention:
    platform: Platform
    grain: Grain
    days: list[int]
    k: int
    cohorts: list[CohortRow]
    overall: list[float | None]  # people-weighted over observable cohorts
    suppressed_cohorts: int


def parse_days(text: str) -> list[int]:
    try:
        days = sorted({int(x) for x in text.split(",") if x.strip()})
    except ValueError:
        raise MeasureError(f"--days: write whole days separated by commas (got {text!r})",
                           code="retention_days", params={"text": text}) from None
    if not days or days[0] < 1:
        raise MeasureError("--days: give days >= 1, e.g. 1,7,30", code="retention_day_min")
    return days


def retention(settings: Settings, *, platform: Platform, grain: Grain = "week",
              days: list[int] | None = None) -> Retention:
    days = days or [1, 7, 30]
    if platform not in _PARTNER:
        raise MeasureError("--platform: use knowledge, game or stream",
                           code="retention_platform")
    if grain not in ("day", "week", "month"):
        raise MeasureError("--cohort: use day, week or month", code="retention_cohort")
    tz = lit(settings.timezone)
    partner = _PARTNER[platform]
    cols = ", ".join(
        f"count(DISTINCT a.user_key) FILTER (WHERE a.d = f.d0 + {n}) AS r{n}, "
        f"bool_and(f.d0 + {n} <= (SELECT max(d) FROM act)) AS o{n}" for n in days)
    sql = f"""
        WITH act AS (SELECT DISTINCT user_key, CAST(timezone({tz}, ts) AS DATE) AS d
                     FROM events WHERE partner = {lit(partner)} AND platform = {lit(platform)}),
             f AS (SELECT user_key, min(d) AS d0 FROM act GROUP BY user_key)
        SELECT CAST(date_trunc({lit(grain)}, f.d0) AS DATE) AS cohort,
               count(DISTINCT f.user_key) AS size, {cols}
        FROM f LEFT JOIN act a ON a.user_key = f.user_key AND a.d > f.d0
        GROUP BY 1 ORDER BY 1"""
    con = connect(settings, scope=partner)
    try:
        rows = con.sql(sql).fetchall()
    finally:
        con.close()
    k = settings.privacy_k
    cohorts: list[CohortRow] = []
    sums = [[0, 0] for _ in days]
    for r in rows:
        size = int(r[1])
        if size < k:
            continue
        ret: list[int | None] = []
        rate: list[float | None] = []
        for j, _ in enumerate(days):
            n_ret, observable = int(r[2 + 2 * j]), bool(r[3 + 2 * j])
            # a cohort is observable at day n only when its *last* member's day n is
            ret.append(n_ret if observable else None)
            rate.append(n_ret / size if observable else None)
            if observable:
                sums[j][0] += n_ret
                sums[j][1] += size
        cohorts.append(CohortRow(str(r[0]), size, ret, rate))
    overall = [s[0] / s[1] if s[1] else None for s in sums]
    return Retention(platform, grain, days, k, cohorts, overall,
                     sum(1 for r in rows if int(r[1]) < k))
