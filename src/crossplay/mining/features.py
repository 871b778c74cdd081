"""Per-unit behaviour features over both domains (the input of habits and segments).

One row per unit of the population (:mod:`crossplay.mining.population`) that has at least
one event of its own in the window (campaign exposures — pushes shown, experiment
assignments logged — are not behaviour and count nowhere). Columns (durations in hours,
money in yuan, per week where said):

- per domain ``k`` (knowledge), ``g`` (game sessions), ``s`` (stream watching):
  ``{d}_days`` active days, ``{d}_events``, ``{d}_recency`` days since the last event
  (window length when none), ``{d}_hours_week`` time spent per week,
  ``{d}_night`` share of that time between 22:00 and 04:00 local, ``{d}_evening`` share
  between 18:00 and 22:00;
- money: ``k_spend`` course purchases, ``g_spend`` game purchases, ``s_spend`` gifts and
  subscriptions; counts ``k_purchases``, ``g_purchases``, ``s_gifts``;
- knowledge: ``k_enrolls``, ``k_completes``, ``k_checkins``; game ``g_checkins``,
  ``g_clears``; stream ``s_chats``, ``s_follows``;
- social (game side edges): ``soc_friends``, ``soc_teams``, ``soc_invites``,
  ``soc_gifts_to_users``;
- category shares: ``kc:<course category>`` (share of the unit's course events),
  ``gc:<genre>`` (share of session hours), ``sc:<stream category>`` (share of watch hours).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from crossplay.ingest.sqlbase import lit
from crossplay.mining.population import Scope, population_sql, unit_events_sql, window_bounds

DOMAINS = ("k", "g", "s")
_PLATFORM = {"k": "knowledge", "g": "game", "s": "stream"}
#: event types whose ``value`` is time spent (seconds), per domain
_TIME_EVENT = {"k": "lesson_watch", "g": "session", "s": "watch"}
_COURSE_EVENTS = ("course_view", "enroll", "lesson_watch", "purchase", "course_complete")
#: events that are not the unit's own behaviour: left out of every feature
NOT_BEHAVIOUR = "campaign_exposure"


@dataclass(frozen=True)
class FeatureFrame:
    """Features (index: unit id) and the window they cover."""

    frame: pd.DataFrame
    scope: Scope
    days: float

    @property
    def categories(self) -> list[str]:
        return [c for c in self.frame.columns if c[:3] in ("kc:", "gc:", "sc:")]


def _domain_sql(events: str, d: str, tz: str, end: str, days: float) -> str:
    plat = _PLATFORM[d]
    t = _TIME_EVENT[d]
    local_hour = f"hour(ts AT TIME ZONE {lit(tz)})"
    secs = f"CASE WHEN event_type = {lit(t)} THEN coalesce(value, 0) ELSE 0 END"
    return f"""
      SELECT unit,
        count(DISTINCT CAST(ts AT TIME ZONE {lit(tz)} AS DATE)) AS {d}_days,
        count(*) AS {d}_events,
        date_diff('second', max(ts), {end}) / 86400.0 AS {d}_recency,
        sum({secs}) / 3600.0 / {days / 7.0} AS {d}_hours_week,
        coalesce(sum({secs}) FILTER (WHERE {local_hour} >= 22 OR {local_hour} < 4)
                 / nullif(sum({secs}), 0), 0) AS {d}_night,
        coalesce(sum({secs}) FILTER (WHERE {local_hour} >= 18 AND {local_hour} < 22)
                 / nullif(sum({secs}), 0), 0) AS {d}_evening
      FROM ({events}) WHERE platform = {lit(plat)} GROUP BY unit"""


def _counts_sql(events: str) -> str:
    def c(platform: str, etype: str) -> str:
        return f"count(*) FILTER (WHERE platform = {lit(platform)} AND event_type = {lit(etype)})"

    def s(platform: str, etypes: tuple[str, ...]) -> str:
        inner = ", ".join(lit(e) for e in etypes)
        return (f"coalesce(sum(value) FILTER (WHERE platform = {lit(platform)} "
                f"AND event_type IN ({inner})), 0)")

    return f"""
      SELECT unit,
        {c('knowledge', 'purchase')} AS k_purchases, {s('knowledge', ('purchase',))} AS k_spend,
        {c('knowledge', 'enroll')} AS k_enrolls, {c('knowledge', 'course_complete')}
            AS k_completes,
        {c('knowledge', 'checkin')} AS k_checkins,
        {c('game', 'purchase')} AS g_purchases, {s('game', ('purchase',))} AS g_spend,
        {c('game', 'checkin')} AS g_checkins, {c('game', 'level_clear')} AS g_clears,
        {c('stream', 'gift')} AS s_gifts, {s('stream', ('gift', 'subscribe'))} AS s_spend,
        {c('stream', 'chat')} AS s_chats, {c('stream', 'follow')} AS s_follows
      FROM ({events}) GROUP BY unit"""


def _category_sql(events: str) -> str:
    courses = ", ".join(lit(e) for e in _COURSE_EVENTS)
    return f"""
      WITH ev AS (SELECT * FROM ({events})),
      it AS (SELECT partner, item_id, category FROM items_current),
      raw AS (
        SELECT ev.unit, 'kc:' || it.category AS cat, count(*)::DOUBLE AS w
        FROM ev JOIN it ON ev.partner = it.partner AND ev.item_id = it.item_id
        WHERE ev.platform = 'knowledge' AND ev.event_type IN ({courses})
          AND it.category IS NOT NULL AND it.category <> '会员'
        GROUP BY ALL
        UNION ALL
        SELECT ev.unit, 'gc:' || it.category, sum(coalesce(ev.value, 0))
        FROM ev JOIN it ON ev.partner = it.partner AND ev.item_id = it.item_id
        WHERE ev.platform = 'game' AND ev.event_type = 'session' AND it.category IS NOT NULL
        GROUP BY ALL
        UNION ALL
        SELECT ev.unit, 'sc:' || it.category, sum(coalesce(ev.value, 0))
        FROM ev JOIN it ON ev.partner = it.partner AND ev.item_id = it.item_id
        WHERE ev.platform = 'stream' AND ev.event_type = 'watch' AND it.category IS NOT NULL
        GROUP BY ALL)
      SELECT unit, cat, w / sum(w) OVER (PARTITION BY unit, left(cat, 3)) AS share
      FROM raw WHERE w > 0"""


def _social_sql(scope: Scope) -> str:
    pop = population_sql(scope)
    return f"""
      SELECT p.unit,
        count(*) FILTER (WHERE kind = 'friend') AS soc_friends,
        count(*) FILTER (WHERE kind = 'team') AS soc_teams,
        count(*) FILTER (WHERE kind = 'invite') AS soc_invites,
        count(*) FILTER (WHERE kind = 'gift' AND dst_type = 'user') AS soc_gifts_to_users
      FROM social_edges e JOIN ({pop}) p
        ON e.partner = p.partner AND e.src_user_key = p.user_key
      GROUP BY p.unit"""


def unit_features(con: duckdb.DuckDBPyConnection, scope: Scope, *, timezone: str,
                  window_days: int | None = None, end: str | None = None) -> FeatureFrame:
    """Features of every unit of ``scope`` active in the window (see the module doc);
    ``end`` (an SQL timestamp) moves the window's end back in time (churn snapshots)."""
    start, end = window_bounds(con, window_days, end)
    span = con.sql(f"SELECT date_diff('second', {start}, {end}) / 86400.0").fetchall()[0][0]
    days = max(float(span), 1.0)
    # a campaign exposure is something shown to a person, not something they did (and the
    # experiment log adds one for every assigned person, holdout included)
    events = (f"SELECT * FROM ({unit_events_sql(scope, start, end)}) "
              f"WHERE event_type <> {lit(NOT_BEHAVIOUR)}")
    frame = con.sql(_counts_sql(events)).df().set_index("unit")
    for d in DOMAINS:
        part = con.sql(_domain_sql(events, d, timezone, end, days)).df().set_index("unit")
        frame = frame.join(part, how="left")
        frame[f"{d}_recency"] = frame[f"{d}_recency"].fillna(days)
    cats = con.sql(_category_sql(events)).df()
    if not cats.empty:
        wide = cats.pivot_table(index="unit", columns="cat", values="share", aggfunc="sum")
        frame = frame.join(wide.reindex(columns=sorted(wide.columns)), how="left")
    social = con.sql(_social_sql(scope)).df().set_index("unit")
    frame = frame.join(social, how="left")
    # rounded: DuckDB's parallel sums add fractional values (yuan, seconds) in a varying
    # order, and a last-bit difference can tip k-means or a habit bin: the same lake must
    # give the same segments and rules (docs/mining.md)
    frame = frame.fillna(0.0).astype(np.float64).round(6).sort_index()
    frame.index.name = "unit"
    return FeatureFrame(frame=frame, scope=scope, days=days)
