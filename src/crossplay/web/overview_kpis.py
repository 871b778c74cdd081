"""The overview page's figures: the seeds' KPIs per period and per bucket, and campaign ROI.

Everything comes from :mod:`crossplay.measure.kpi` (what ``crossplay kpi`` prints) and
:mod:`crossplay.measure.retention` (what ``crossplay retention`` prints); this module only
chooses the periods and sums the service's day cohorts over them:

- ``C_k`` of a window ``[start, end)`` is :func:`~crossplay.measure.kpi.paid_conversion`
  for that window (UTC days, as ``crossplay kpi --start --end``).
- ``R_k`` / ``R_g`` of a window: the service's D7 retention (day cohorts, cohorts under k
  left out) over the people whose *day 7* — their first local day + 7 — falls in the
  window. Summed over every cohort it is :func:`~crossplay.measure.kpi.d7_retention`
  exactly; by day 7 rather than by first day, so the latest period has a value (a cohort
  of the last 7 days has no day 7 in the data yet).
- ``I`` of a window: :func:`~crossplay.measure.kpi.interaction_index` of the three.

Intervals are the service's: Wilson for the proportions, the delta method for ``I``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from crossplay.core.errors import CrossplayError
from crossplay.core.settings import Settings
from crossplay.core.types import Partner, Platform
from crossplay.lake import Lake
from crossplay.measure.errors import MeasureError
from crossplay.measure.kpi import (
    Kpi,
    Roi,
    campaign_roi,
    interaction_index,
    paid_conversion,
    wilson,
)
from crossplay.measure.retention import Retention, retention

KpiKey = Literal["C_k", "R_k", "R_g", "I"]
Grain = Literal["day", "week"]
#: the KPIs one partner's data give; ``I`` needs both partners
PARTNER_KPIS: dict[Partner | None, tuple[KpiKey, ...]] = {
    None: ("C_k", "R_k", "R_g", "I"),
    "knowledge": ("C_k", "R_k"),
    "game": ("R_g",),
}
#: ranges up to this many days are shown day by day when the grain is left to the page
AUTO_DAILY_DAYS = 14
DEFAULT_PERIOD_DAYS = 7
_RETENTION_DAY = 7
_DATE_PART = re.compile(r"/date=(\d{4}-\d{2}-\d{2})/")


@dataclass(frozen=True)
class Window:
    """Days ``[start, end)``."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def before(self) -> Window:
        """The window of the same length just before this one."""
        return Window(self.start - dt.timedelta(days=self.days), self.start)


def data_days(settings: Settings, partner: Partner | None) -> Window | None:
    """The UTC days the events of ``partner`` (``None``: both) span; ``None`` when empty.

    Read from the lake's ``date`` partitions (the UTC date of ``ts``, docs/data-model.md):
    no file is opened."""
    days = {dt.date.fromisoformat(m.group(1)) for f in Lake(settings.lake_dir).files(
        "events", partner=partner) if (m := _DATE_PART.search(f.as_posix()))}
    if not days:
        return None
    return Window(min(days), max(days) + dt.timedelta(days=1))


def periods(data: Window, start: dt.date | None, end: dt.date | None
            ) -> tuple[Window, Window, Window]:
    """(the range shown, the period of the tiles, the previous period).

    The range is the filter's, its open ends filled from the data. The tiles' period is
    the whole filtered range when the filter sets a date, else the last
    :data:`DEFAULT_PERIOD_DAYS` days of the data; the previous period has the same length.
    """
    shown = Window(start or data.start, end or data.end)
    if start is None and end is None:
        current = Window(max(shown.start, shown.end - dt.timedelta(days=DEFAULT_PERIOD_DAYS)),
                         shown.end)
    else:
        current = shown
    return shown, current, current.before()


def choose_grain(shown: Window, asked: str | None) -> Grain:
    """``day`` or ``week`` as asked; left to the page: days for short ranges."""
    if asked == "day":
        return "day"
    if asked == "week":
        return "week"
    return "day" if shown.days <= AUTO_DAILY_DAYS else "week"


def buckets(shown: Window, grain: Grain) -> list[Window]:
    """The range cut into days, or into 7-day weeks counted back from its end (so the last
    week is the tiles' default period; the first may be shorter)."""
    step = 1 if grain == "day" else 7
    out: list[Window] = []
    end = shown.end
    while end > shown.start:
        start = max(shown.start, end - dt.timedelta(days=step))
        out.append(Window(start, end))
        end = start
    return out[::-1]


def _proportion(key: str, x: int, n: int, definition: str) -> Kpi:
    if n == 0:
        return Kpi(key, None, None, None, x, n, definition)
    lo, hi = wilson(x, n)
    return Kpi(key, x / n, lo, hi, x, n, definition)


def retention_in(r: Retention, window: Window | None) -> Kpi:
    """D7 retention of the people whose day 7 falls in ``window`` (``None``: all), summed
    over the service's day cohorts as :func:`crossplay.measure.kpi.d7_retention` does."""
    key = "R_k" if r.platform == "knowledge" else "R_g"
    x = n = 0
    for c in r.cohorts:
        if c.retained[0] is None:
            continue
        if window is not None:
            day7 = dt.date.fromisoformat(c.cohort) + dt.timedelta(days=_RETENTION_DAY)
            if not window.start <= day7 < window.end:
                continue
        x += c.retained[0]
        n += c.size
    return _proportion(key, x, n, f"D7 retention on the {r.platform} platform")


@dataclass(frozen=True)
class KpiFigures:
    """Each KPI of the partner(s) for the tiles' period, the previous one and each bucket."""

    keys: tuple[KpiKey, ...]
    current: dict[str, Kpi]
    previous: dict[str, Kpi]
    series: list[tuple[Window, dict[str, Kpi]]]


def kpi_figures(settings: Settings, partner: Partner | None, current: Window,
                previous: Window, series: Sequence[Window]) -> KpiFigures:
    keys = PARTNER_KPIS[partner]
    ck_cache: dict[Window, Kpi] = {}

    def ck(w: Window) -> Kpi:
        if w not in ck_cache:
            ck_cache[w] = paid_conversion(settings, w.start, w.end)
        return ck_cache[w]

    platforms: tuple[tuple[KpiKey, Platform], ...] = (("R_k", "knowledge"), ("R_g", "game"))
    rets = {key: retention(settings, platform=platform, grain="day", days=[_RETENTION_DAY])
            for key, platform in platforms if key in keys}

    def at(w: Window) -> dict[str, Kpi]:
        out: dict[str, Kpi] = {}
        if "C_k" in keys:
            out["C_k"] = ck(w)
        for key, r in rets.items():
            out[key] = retention_in(r, w)
        if "I" in keys:
            out["I"] = interaction_index(out["C_k"], out["R_k"], out["R_g"])
        return out

    return KpiFigures(keys, at(current), at(previous), [(w, at(w)) for w in series])


# --- ROI ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class RoiRow:
    """One campaign's ROI as ``crossplay kpi --campaign KEY [--cost YUAN]`` gives it.

    ``roi`` is ``None`` when the cost is unknown (``error`` says why); the incremental
    revenue does not depend on the cost and is shown all the same (``incremental``).
    """

    campaign: str
    name: str
    partner: Partner
    roi: Roi | None
    incremental: Roi | None
    error: CrossplayError | None


def roi_campaigns(settings: Settings, partner: Partner | None) -> list[tuple[str, str, Partner]]:
    """(key, name, partner) of the experiments ROI can be read from: one treatment, the
    holdout as control and a ``revenue`` metric (what :func:`campaign_roi` needs)."""
    from crossplay.measure.registry import list_experiments

    return [(e.key, e.name, e.partner) for e in list_experiments(settings)
            if len(e.variants) == 2 and (partner is None or e.partner == partner)
            and any(m.key == "revenue" and m.kind == "revenue" for m in e.metrics)]


def roi_row(settings: Settings, key: str, name: str, partner: Partner,
            cost: float | None) -> RoiRow:
    """The campaign's ROI with ``cost`` (``None``: the ledger's)."""
    try:
        return RoiRow(key, name, partner, campaign_roi(settings, key, cost), None, None)
    except CrossplayError as exc:
        if not (isinstance(exc, MeasureError) and exc.code == "roi_no_ledger_cost"):
            return RoiRow(key, name, partner, None, None, exc)
        missing_cost = exc
    # the incremental revenue and its interval do not depend on the cost: read them with
    # a unit cost and show no ROI
    try:
        return RoiRow(key, name, partner, None, campaign_roi(settings, key, 1.0), missing_cost)
    except CrossplayError as exc:
        return RoiRow(key, name, partner, None, None, exc)
