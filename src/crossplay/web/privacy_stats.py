"""The privacy page's figures that no privacy service offers yet, read from the stores.

Each function reads one store and returns plain frozen rows (no person-level data):

- :func:`consent_rates`: the consent registry's current decisions (``consents_current``,
  :mod:`crossplay.privacy.consent`) per partner and purpose, over the partner's known
  users (events or consent decisions, as :func:`crossplay.privacy.policy.allowed_sql`
  takes its candidates);
- :func:`link_counts`: account links (``links_current``, :mod:`crossplay.privacy.links`)
  by method, active or revoked, and the persons usable across partners per purpose
  (:func:`crossplay.privacy.policy.linked_persons_sql`);
- :func:`snapshots`: the exact release tables frozen per query and period
  (``privacy_release_snapshots``, :mod:`crossplay.privacy.release_periods`);
- :func:`budget_by_period`: the differential-privacy spending (``privacy_budget``,
  :mod:`crossplay.privacy.release`) per partner and release period;
- :func:`audit_counts`: audit entries (``privacy_audit``) per UTC day and action.

They hold no rule of their own: consent, link and release logic stays in
:mod:`crossplay.privacy`; these only count what it stored.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select

from crossplay.core.settings import Settings
from crossplay.core.types import PARTNERS, Partner
from crossplay.ingest.sqlbase import lit
from crossplay.privacy.policy import Purpose, linked_persons_sql
from crossplay.privacy.release_periods import period_of
from crossplay.privacy.tables import audit_log, budget_spend, release_snapshots


@dataclass(frozen=True)
class ConsentRate:
    """One partner's users and their current decisions on one purpose."""

    partner: str
    purpose: str
    users: int  # users the partner's data know (events or consent decisions)
    granted: int
    refused: int

    @property
    def undecided(self) -> int:
        return max(0, self.users - self.granted - self.refused)


def consent_rates(settings: Settings, partner: Partner | None = None) -> list[ConsentRate]:
    """Per partner (only ``partner`` when given) and purpose: users, grants, refusals."""
    from crossplay.warehouse.duck import connect

    purposes = " UNION ALL ".join(f"SELECT {lit(p.value)} AS purpose" for p in Purpose)
    partners = [partner] if partner else list(PARTNERS)
    sql = f"""
        WITH known AS (SELECT DISTINCT partner, user_key FROM events
                       UNION SELECT DISTINCT partner, user_key FROM consents),
             n AS (SELECT partner, count(*) AS users FROM known GROUP BY partner),
             c AS (SELECT partner, purpose, count(*) FILTER (WHERE granted) AS g,
                          count(*) FILTER (WHERE NOT granted) AS r
                   FROM consents_current GROUP BY partner, purpose)
        SELECT n.partner, p.purpose, n.users, coalesce(c.g, 0), coalesce(c.r, 0)
        FROM n CROSS JOIN ({purposes}) p
        LEFT JOIN c ON c.partner = n.partner AND c.purpose = p.purpose
        WHERE n.partner IN ({', '.join(lit(x) for x in partners)})"""
    con = connect(settings, scope=partner)
    try:
        rows = con.sql(sql).fetchall()
    finally:
        con.close()
    order = {p.value: i for i, p in enumerate(Purpose)}
    out = [ConsentRate(str(r[0]), str(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows]
    rank: dict[str, int] = {p: i for i, p in enumerate(PARTNERS)}
    return sorted(out, key=lambda c: (rank.get(c.partner, 9), order[c.purpose]))


@dataclass(frozen=True)
class LinkCount:
    method: str
    active: int
    revoked: int

    @property
    def links(self) -> int:
        return self.active + self.revoked


@dataclass(frozen=True)
class LinkSummary:
    by_method: list[LinkCount]  # links made in the window, by method
    active_now: int  # active links now, whenever made
    #: persons usable across partners now: ``linking`` on both sides, then each purpose
    usable: dict[str, int]


def _ts(day: dt.date) -> str:
    return f"TIMESTAMPTZ {lit(day.isoformat() + ' 00:00:00+00')}"


def link_counts(settings: Settings, start: dt.date | None = None,
                end: dt.date | None = None) -> LinkSummary:
    """Links by method (made in ``[start, end)`` when given) and usable persons now."""
    from crossplay.warehouse.duck import connect

    where = ["true"]
    if start:
        where.append(f"linked_at >= {_ts(start)}")
    if end:
        where.append(f"linked_at < {_ts(end)}")
    con = connect(settings)
    try:
        rows = con.sql(f"""
            SELECT method, count(*) FILTER (WHERE revoked_at IS NULL),
                   count(*) FILTER (WHERE revoked_at IS NOT NULL)
            FROM links_current WHERE {' AND '.join(where)} GROUP BY method ORDER BY method
            """).fetchall()
        active = int(con.sql("SELECT count(*) FROM links_current WHERE revoked_at IS NULL"
                             ).fetchall()[0][0])
        usable = {p.value: int(con.sql(f"SELECT count(DISTINCT person_id) FROM "
                                       f"({linked_persons_sql(p)})").fetchall()[0][0])
                  for p in Purpose}
    finally:
        con.close()
    return LinkSummary([LinkCount(str(r[0]), int(r[1]), int(r[2])) for r in rows], active,
                       usable)


@dataclass(frozen=True)
class Snapshot:
    """One exact release table as stored for its query and period."""

    query: str
    period: str
    status: str  # released | withdrawn | withheld
    created_at: dt.datetime
    members: int
    rows: list[dict[str, Any]] | None  # the frozen table while it is served
    reason: dict[str, Any] | None  # a refusal: {"code": ..., "params": {...}}

    @property
    def groups(self) -> int:
        return len(self.rows or [])

    @property
    def suppressed(self) -> int:
        return sum(bool(r.get("suppressed")) for r in self.rows or [])


def _months(start: dt.date | None, end: dt.date | None) -> tuple[str | None, str | None]:
    """The first and last release period (month) that overlap ``[start, end)``."""
    first = period_of(dt.datetime(start.year, start.month, 1)) if start else None
    last = None
    if end:
        day = end - dt.timedelta(days=1)
        last = period_of(dt.datetime(day.year, day.month, 1))
    return first, last


def snapshots(engine: Engine, start: dt.date | None = None,
              end: dt.date | None = None) -> list[Snapshot]:
    """Every stored exact release whose period overlaps ``[start, end)``, newest first."""
    t = release_snapshots
    first, last = _months(start, end)
    q = select(t).order_by(t.c.period.desc(), t.c.query)
    if first:
        q = q.where(t.c.period >= first)
    if last:
        q = q.where(t.c.period <= last)
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    out = []
    for r in rows:
        try:
            reason = json.loads(r.reason) if r.reason else None
        except ValueError:  # an older plain-text reason
            reason = {"code": "release_withheld_period",
                      "params": {"query": r.query, "period": r.period}}
        created = r.created_at
        if created.tzinfo is None:  # SQLite keeps no offset: stored as UTC
            created = created.replace(tzinfo=dt.UTC)
        out.append(Snapshot(r.query, r.period, r.status, created, int(r.members),
                            json.loads(r.rows) if r.rows else None,
                            reason if isinstance(reason, dict) else None))
    return out


@dataclass(frozen=True)
class PeriodSpend:
    partner: str
    period: str
    epsilon: float
    releases: int


def budget_by_period(engine: Engine, partner: Partner | None = None,
                     start: dt.date | None = None,
                     end: dt.date | None = None) -> list[PeriodSpend]:
    """ε spent per partner and release period (noisy releases made in ``[start, end)``)."""
    t = budget_spend
    q = select(t.c.partner, t.c.epsilon, t.c.ts)
    if partner:
        q = q.where(t.c.partner == partner)
    if start:
        q = q.where(t.c.ts >= dt.datetime.combine(start, dt.time(), dt.UTC))
    if end:
        q = q.where(t.c.ts < dt.datetime.combine(end, dt.time(), dt.UTC))
    totals: dict[tuple[str, str], list[float]] = {}
    with engine.connect() as conn:
        for who, eps, ts in conn.execute(q):  # one row per noisy release: few
            cell = totals.setdefault((str(who), period_of(ts)), [0.0, 0])
            cell[0] += float(eps)
            cell[1] += 1
    return [PeriodSpend(p, per, round(v[0], 6), int(v[1]))
            for (p, per), v in sorted(totals.items(), key=lambda kv: (kv[0][0], kv[0][1]))]


@dataclass(frozen=True)
class AuditCount:
    day: str  # UTC day, YYYY-MM-DD
    action: str
    entries: int


def audit_counts(engine: Engine, start: dt.date | None = None,
                 end: dt.date | None = None) -> list[AuditCount]:
    """Audit entries per UTC day and action (entries written in ``[start, end)``)."""
    t = audit_log
    day = func.substr(t.c.ts, 1, 10)
    q = select(day.label("day"), t.c.action, func.count().label("n")).group_by(day, t.c.action)
    if start:
        q = q.where(day >= start.isoformat())
    if end:
        q = q.where(day < end.isoformat())
    with engine.connect() as conn:
        rows = conn.execute(q.order_by(day, t.c.action)).all()
    return [AuditCount(str(r.day), str(r.action), int(r.n)) for r in rows]
