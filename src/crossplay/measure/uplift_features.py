"""Per-person features for uplift models, from the lake, before each person's exposure.

For the people of an experiment (its logged exposures), their own partner's events in the
``pre_days`` before the first exposure: activity counts by event type, active days,
learning seconds, purchases and revenue, the share of activity at night (22:00–04:00 local)
and on weekends, and the share of course views per catalog category. Only the partner's
own users' data for its own campaign — no cross-partner join.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.ingest.sqlbase import lit
from crossplay.measure.experiment import Experiment
from crossplay.measure.lakemetrics import create_person_table
from crossplay.warehouse import connect

_COUNTED = ("course_view", "enroll", "lesson_watch", "lesson_complete", "course_complete",
            "rating", "purchase", "refund", "checkin", "campaign_click", "session",
            "level_clear", "achievement", "watch", "chat", "gift", "follow")


@dataclass(frozen=True)
class UpliftData:
    user_keys: list[str]
    features: list[str]
    X: npt.NDArray[np.float64]
    treatment: npt.NDArray[np.bool_]
    y: npt.NDArray[np.float64]
    outcome: str


def campaign_data(settings: Settings, exp: Experiment, *, pre_days: int = 10,
                  outcome: str | None = None) -> UpliftData:
    """Features, treatment (not control) and the outcome metric of ``exp``'s people."""
    target = outcome or next(m.key for m in exp.metrics if m.role == "primary")
    tz = lit(settings.timezone)
    counts = ", ".join(f"count(*) FILTER (WHERE e.event_type = {lit(t)}) AS n_{t}"
                       for t in _COUNTED)
    con = connect(settings, scope=exp.partner)
    try:
        create_person_table(con, exp)
        cats = [r[0] for r in con.sql(
            f"SELECT DISTINCT category FROM items_current WHERE partner = {lit(exp.partner)} "
            "AND category IS NOT NULL ORDER BY 1").fetchall()]
        cat_cols = ", ".join(
            f"count(*) FILTER (WHERE e.event_type IN ('course_view', 'enroll', 'purchase') "
            f"AND i.category = {lit(c)}) / greatest(1, count(*) FILTER (WHERE e.event_type "
            f"IN ('course_view', 'enroll', 'purchase'))) AS cat_{j}"
            for j, c in enumerate(cats))
        sql = f"""
            SELECT p.user_key, p.variant, CAST(p.{_q(target)} AS DOUBLE) AS y,
                   count(e.ts) AS n_events,
                   count(DISTINCT CAST(timezone({tz}, e.ts) AS DATE)) AS active_days,
                   {counts},
                   coalesce(sum(e.value) FILTER (WHERE e.event_type = 'lesson_watch'), 0)
                     AS learn_seconds,
                   coalesce(sum(e.value) FILTER (WHERE e.event_type = 'purchase'), 0)
                     AS revenue,
                   coalesce(avg(CASE WHEN hour(timezone({tz}, e.ts)) >= 22
                                      OR hour(timezone({tz}, e.ts)) < 4 THEN 1 ELSE 0 END), 0)
                     AS night_share,
                   coalesce(avg(CASE WHEN dayofweek(timezone({tz}, e.ts)) IN (0, 6)
                                THEN 1 ELSE 0 END), 0) AS weekend_share
                   {', ' + cat_cols if cat_cols else ''}
            FROM per_person p
            LEFT JOIN events e ON e.user_key = p.user_key
                 AND e.partner = {lit(exp.partner)}
                 AND e.ts >= p.first_ts - INTERVAL ({int(pre_days)}) DAY AND e.ts < p.first_ts
            LEFT JOIN items_current i ON i.partner = e.partner AND i.item_id = e.item_id
            GROUP BY p.user_key, p.variant, p.{_q(target)}
            ORDER BY p.user_key"""
        table = con.sql(sql).df()
    finally:
        con.close()
    names = [c for c in table.columns if c not in ("user_key", "variant", "y")]
    return UpliftData(table.user_key.tolist(), names,
                      table[names].to_numpy(dtype=np.float64),
                      (table.variant != exp.control).to_numpy(),
                      table.y.to_numpy(dtype=np.float64), target)


def _q(name: str) -> str:
    from crossplay.ingest.sqlbase import ident

    return ident(name)


def marketing_allowed(settings: Settings, partner: Partner, keys: list[str]
                      ) -> npt.NDArray[np.bool_]:
    """Which of ``keys`` (the partner's users) may be reached for marketing now."""
    import pyarrow as pa

    from crossplay.privacy.policy import Purpose, allowed_sql

    con = connect(settings, scope=partner)
    try:
        con.register("__keys", pa.table({"user_key": keys}))
        ok = {r[0] for r in con.sql(allowed_sql(
            Purpose.MARKETING, partner, partner,
            "SELECT user_key FROM __keys")).fetchall()}
    finally:
        con.close()
    return np.array([k in ok for k in keys], dtype=bool)
