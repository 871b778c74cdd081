"""What the data-health page reads: ingest runs, rows per source and day, the quarantine.

- Runs: the lake manifest's run records, as ``crossplay runs`` lists them.
- Rows per source and day: the lake's events counted per partner, platform, event type and
  day — the lake's ``date`` partition, the UTC day of ``ts`` (docs/data-model.md), so the
  count reads no timestamp and a date filter prunes files —, one aggregate query
  (``crossplay stats`` gives the same counts without the day).
- Quarantine: counted per run, partner, table, file and reason as ``crossplay quarantine
  list`` counts it, and a few rows per reason as ``crossplay quarantine show`` reads them
  (through :func:`crossplay.warehouse.query`, the same read-only surface), their raw text
  pseudonymised by :func:`crossplay.web.data_scrub.scrub_raw` before anything shows it.

``partner`` scopes every read: under a scope the other partner's rows do not exist in the
connection (:func:`crossplay.warehouse.connect`). Days are UTC days ``[start, end)``, as
``crossplay kpi --start --end`` counts them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.ingest.sqlbase import lit
from crossplay.lake import Lake
from crossplay.lake.manifest import RunRecord
from crossplay.warehouse import connect, query
from crossplay.web.data_scrub import scrub_raw


def file_name(path: str) -> str:
    """The file's name without its folders (which can name an operator's home)."""
    return PurePath(path.replace("\\", "/")).name or path


def run_started(run: RunRecord) -> dt.datetime:
    """When a run started (UTC)."""
    started = dt.datetime.fromisoformat(run.started_at)
    if started.tzinfo is None:
        started = started.replace(tzinfo=dt.UTC)
    return started.astimezone(dt.UTC)


def ingest_runs(settings: Settings, partner: Partner | None, start: dt.date | None,
                end: dt.date | None) -> list[RunRecord]:
    """The manifest's runs, newest first, of ``partner`` that started in ``[start, end)``."""
    runs = Lake(settings.lake_dir).read_manifest().runs
    out = []
    for r in reversed(runs):
        day = run_started(r).date()
        if ((partner is None or r.partner == partner) and (start is None or day >= start)
                and (end is None or day < end)):
            out.append(r)
    return out


@dataclass(frozen=True)
class DayRows:
    day: dt.date
    partner: str
    platform: str
    event_type: str
    rows: int


def _day_range(day: str, start: dt.date | None, end: dt.date | None) -> list[str]:
    cond = []
    if start is not None:
        cond.append(f"{day} >= DATE {lit(start.isoformat())}")
    if end is not None:
        cond.append(f"{day} < DATE {lit(end.isoformat())}")
    return cond


def rows_per_day(settings: Settings, partner: Partner | None, platform: str | None,
                 start: dt.date | None, end: dt.date | None) -> list[DayRows]:
    """Events per UTC day (the ``date`` partition) and source (partner, platform, type)."""
    cond = ["true", *_day_range("date", start, end)]
    if partner is not None:
        cond.append(f"partner = {lit(partner)}")
    if platform is not None:
        cond.append(f"platform = {lit(platform)}")
    con = connect(settings, scope=partner, live=False)
    try:
        rows = con.execute(
            "SELECT date AS day, partner, platform, event_type, count(*) FROM events "
            f"WHERE {' AND '.join(cond)} GROUP BY ALL ORDER BY 1, 2, 3, 4").fetchall()
    finally:
        con.close()
    return [DayRows(d, p, pl, et, int(n)) for d, p, pl, et, n in rows]


def _quarantine_where(settings: Settings, partner: Partner | None, start: dt.date | None,
                      end: dt.date | None) -> str:
    day = "CAST(quarantined_at AS DATE)"  # the connection's time zone is UTC
    cond = ["true", *_day_range(day, start, end)]
    if partner is not None:
        cond.append(f"partner = {lit(partner)}")
    return " AND ".join(cond)


def quarantine_counts(settings: Settings, partner: Partner | None, start: dt.date | None,
                      end: dt.date | None) -> list[dict[str, Any]]:
    """Rejected rows per run, partner, table, file and reason (``quarantine list``)."""
    res = query(settings, f"""
        SELECT run_id, partner, table_name, source, reason_code, count(*) AS rows
        FROM quarantine WHERE {_quarantine_where(settings, partner, start, end)}
        GROUP BY ALL ORDER BY run_id DESC, rows DESC, source, reason_code""", scope=partner)
    return [dict(zip(res.columns, r, strict=True)) for r in res.rows]


def quarantine_samples(settings: Settings, partner: Partner | None, start: dt.date | None,
                       end: dt.date | None, per_reason: int = 3) -> list[dict[str, Any]]:
    """Up to ``per_reason`` rejected rows per reason (and partner), newest run first, in the
    order of ``quarantine show``; ``raw`` pseudonymised, ``source`` the file's name only."""
    res = query(settings, f"""
        SELECT run_id, partner, table_name, source, row_number, reason_code, column_name,
               raw FROM (
          SELECT *, row_number() OVER (PARTITION BY partner, reason_code
                                       ORDER BY run_id DESC, source, row_number) AS _n
          FROM quarantine WHERE {_quarantine_where(settings, partner, start, end)})
        WHERE _n <= {int(per_reason)}
        ORDER BY reason_code, partner, run_id DESC, source, row_number""", scope=partner)
    out = []
    for r in res.rows:
        row = dict(zip(res.columns, r, strict=True))
        row["source"] = file_name(str(row["source"]))
        row["raw"] = scrub_raw(row["raw"])
        out.append(row)
    return out
