"""Ordered funnels over the lake, within one platform or across platforms.

A step is ``[platform:]event_type[/item_type]`` (``stream:watch``, ``course_view``,
``knowledge:purchase/course``). A unit enters at its *first* step-1 event in the period;
step ``i+1`` counts when the unit does it at or after its step-``i`` time and within
``within_days`` of entering (greedy: the earliest qualifying event each time, as product
analytics tools do). Steps on one partner count that partner's users; steps across the
two partners count linked persons — only those whose link is active and who granted
``linking`` and ``marketing`` on both sides (:mod:`crossplay.privacy.policy`), and the
joint read is written to the audit log. ``by`` splits by a field of the step-1 event
(platform, device, channel, item_type) or by the unit's segment from ``crossplay segments
fit`` (scope: the partner, or joint for cross-partner funnels). Segments smaller than ``k``
people at step 1 are not shown (they are counted in ``suppressed_segments``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from crossplay.core.settings import Settings
from crossplay.core.types import Partner, Platform
from crossplay.ingest.sqlbase import lit
from crossplay.measure.errors import MeasureError
from crossplay.privacy.policy import Purpose, linked_persons_sql
from crossplay.schema.tables import EVENT_TYPES
from crossplay.warehouse import connect

_PARTNER: dict[str, Partner] = {"knowledge": "knowledge", "game": "game", "stream": "game"}
BY_FIELDS = ("platform", "device", "channel", "item_type", "segment")


@dataclass(frozen=True)
class Step:
    platform: Platform
    event_type: str
    item_type: str | None = None

    @property
    def partner(self) -> Partner:
        return _PARTNER[self.platform]

    @property
    def label(self) -> str:
        return f"{self.platform}:{self.event_type}" + (f"/{self.item_type}"
                                                       if self.item_type else "")

    @classmethod
    def parse(cls, text: str) -> Step:
        plat, _, rest = text.rpartition(":")
        event, _, item = rest.partition("/")
        event = event.strip()
        platforms = [p for p, types in EVENT_TYPES.items() if p != "common" and event in types]
        if event in EVENT_TYPES.get("common", ()):
            platforms = ["knowledge", "game", "stream"]
        if not platforms:
            raise MeasureError(f"funnel step {text!r}: unknown event type {event!r}",
                               code="funnel_event", params={"step": text, "event": event})
        if plat:
            if plat not in _PARTNER:
                raise MeasureError(f"funnel step {text!r}: platform must be knowledge, game "
                                   "or stream", code="funnel_platform", params={"step": text})
            if plat not in platforms:
                raise MeasureError(f"funnel step {text!r}: {event} does not happen on {plat}",
                                   code="funnel_event_platform",
                                   params={"step": text, "event": event, "platform": plat})
            platforms = [plat]
        if len(platforms) > 1:
            raise MeasureError(f"funnel step {text!r}: {event} happens on "
                               f"{' and '.join(platforms)}; write e.g. {platforms[0]}:{event}",
                               code="funnel_ambiguous",
                               params={"step": text, "event": event,
                                       "platforms": " and ".join(platforms),
                                       "first": platforms[0]})
        return cls(platforms[0], event, item.strip() or None)  # type: ignore[arg-type]


@dataclass(frozen=True)
class FunnelRow:
    segment: str
    counts: list[int]
    conversion: list[float]  # of step 1
    step_conversion: list[float]  # of the previous step
    drop_off: list[int]


@dataclass(frozen=True)
class Funnel:
    steps: list[str]
    within_days: int
    unit: str  # user (one partner) or linked person
    by: str | None
    k: int
    rows: list[FunnelRow]
    suppressed_segments: int = 0
    notes: list[str] = field(default_factory=list)


def _seg_expr(by: str | None) -> str:
    if by is None or by == "segment":  # segment: joined after step 1 (see funnel_sql)
        return "'all'"
    if by == "platform":
        return "platform"
    if by == "item_type":
        return "coalesce(item_type, '(none)')"
    return f"coalesce(json_extract_string(properties, {lit('$.' + by)}), '(none)')"


def funnel_sql(steps: list[Step], within_days: int, by: str | None,
               start: dt.date | None, end: dt.date | None) -> tuple[str, bool]:
    joint = len({s.partner for s in steps}) > 1
    parts = []
    for i, s in enumerate(steps, start=1):
        cond = [f"e.partner = {lit(s.partner)}", f"e.platform = {lit(s.platform)}",
                f"e.event_type = {lit(s.event_type)}"]
        if s.item_type:
            cond.append(f"e.item_type = {lit(s.item_type)}")
        if start:
            cond.append(f"e.ts >= TIMESTAMPTZ {lit(start.isoformat() + ' 00:00:00+00')}")
        if end:
            cond.append(f"e.ts < TIMESTAMPTZ {lit(end.isoformat() + ' 00:00:00+00')}")
        if joint:
            col = "k_user_key" if s.partner == "knowledge" else "g_user_key"
            src = f"events e JOIN persons p ON p.{col} = e.user_key"
            unit = "p.person_id"
        else:
            src, unit = "events e", "e.user_key"
        parts.append(f"SELECT {unit} AS unit, e.ts, {i} AS step, {_seg_expr(by)} AS seg "
                     f"FROM {src} WHERE {' AND '.join(cond)}")
    ctes = [f"ev AS ({' UNION ALL '.join(parts)})",
            "s1 AS (SELECT unit, arg_min(seg, ts) AS seg, min(ts) AS t1, min(ts) AS t_last "
            "FROM ev WHERE step = 1 GROUP BY unit)"]
    if by == "segment":
        ctes[-1] = ("s1 AS (SELECT f.unit, coalesce('segment ' || CAST(sg.segment AS VARCHAR), "
                    "'(no segment)') AS seg, f.t1, f.t_last FROM (SELECT unit, min(ts) AS t1, "
                    "min(ts) AS t_last FROM ev WHERE step = 1 GROUP BY unit) f "
                    "LEFT JOIN segments sg ON sg.unit = f.unit)")
    for i in range(2, len(steps) + 1):
        prev = f"s{i - 1}"
        keep = ", ".join(["p.unit", "p.seg", "p.t1"] + [f"p.c{j}" for j in range(2, i)])
        ctes.append(
            f"s{i} AS (SELECT {keep}, min(ev.ts) AS t_last, min(ev.ts) IS NOT NULL AS c{i} "
            f"FROM {prev} p LEFT JOIN ev ON ev.unit = p.unit AND ev.step = {i} "
            f"AND p.t_last IS NOT NULL AND ev.ts >= p.t_last "
            f"AND ev.ts <= p.t1 + INTERVAL ({int(within_days)}) DAY GROUP BY {keep})")
    counts = ", ".join(["count(*)"] + [f"count(*) FILTER (WHERE c{i})"
                                      for i in range(2, len(steps) + 1)])
    sql = (f"WITH {', '.join(ctes)} SELECT seg, {counts} FROM s{len(steps)} "
           "GROUP BY seg ORDER BY count(*) DESC, seg")
    return sql, joint


def _row(seg: str, counts: list[int]) -> FunnelRow:
    first = counts[0]
    conv = [c / first if first else 0.0 for c in counts]
    step = [1.0] + [counts[i] / counts[i - 1] if counts[i - 1] else 0.0
                    for i in range(1, len(counts))]
    drop = [0] + [counts[i - 1] - counts[i] for i in range(1, len(counts))]
    return FunnelRow(seg, counts, conv, step, drop)


def funnel(settings: Settings, step_texts: list[str], *, within_days: int = 7,
           by: str | None = None, start: dt.date | None = None, end: dt.date | None = None,
           actor: str = "cli") -> Funnel:
    if len(step_texts) < 2:
        raise MeasureError("a funnel needs at least two steps", code="funnel_steps")
    if by is not None and by not in BY_FIELDS:
        raise MeasureError(f"--by: use one of {', '.join(BY_FIELDS)}", code="funnel_by",
                           params={"fields": ", ".join(BY_FIELDS)})
    if within_days < 1:
        raise MeasureError("--within must be at least 1 day", code="funnel_within")
    steps = [Step.parse(s) for s in step_texts]
    sql, joint = funnel_sql(steps, within_days, by, start, end)
    con = connect(settings, scope=None if joint else steps[0].partner)
    try:
        if joint:
            con.execute(f"CREATE TEMP VIEW persons AS {linked_persons_sql(Purpose.MARKETING)}")
        if by == "segment":
            _register_segments(con, settings, "joint" if joint else steps[0].partner)
        rows = con.sql(sql).fetchall()
    finally:
        con.close()
    k = settings.privacy_k
    shown = [r for r in rows if int(r[1]) >= k]
    out = [_row(str(r[0]), [int(v) for v in r[1:]]) for r in shown]
    if by is not None and shown:
        total = [sum(int(r[1 + i]) for r in shown) for i in range(len(steps))]
        out.append(_row("(all shown)", total))
    notes = []
    if joint:
        from crossplay.privacy.audit import record

        record(settings, "measure.funnel", actor=actor,
               details={"steps": [s.label for s in steps], "within_days": within_days,
                        "by": by, "purpose": Purpose.MARKETING.value})
        notes.append("cross-partner: linked persons with linking and marketing consent")
    return Funnel([s.label for s in steps], within_days, "person" if joint else "user", by, k,
                  out, len(rows) - len(shown), notes)


def _register_segments(con: Any, settings: Settings, scope: str) -> None:
    """The mining segments of ``scope`` as the table ``segments(unit, segment)``."""
    import pyarrow as pa

    from crossplay.mining.segment_job import load_assignments

    frame = load_assignments(settings, scope)
    unit = "person_id" if scope == "joint" else "user_key"
    if scope != "joint" and "partner" in frame.columns:
        frame = frame[frame["partner"] == scope]
    con.register("segments", pa.table({"unit": frame[unit].astype(str).tolist(),
                                       "segment": frame["segment"].astype(int).tolist()}))
