"""Data health: ingest runs, rows per source and day, the quarantine by reason with a few
pseudonymised sample rows (docs/dashboard/data.md).

Reads: :mod:`crossplay.web.data_health` (the manifest's runs as ``crossplay runs``, the
quarantine as ``crossplay quarantine list`` / ``show``, one aggregate over the events);
sample rows go through :mod:`crossplay.web.data_scrub`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import plotly.graph_objects as go

from crossplay.cli.i18n import Messages
from crossplay.core.types import PARTNER_PLATFORMS, PLATFORMS, Partner
from crossplay.lake.manifest import RunRecord
from crossplay.web import messages_data  # noqa: F401  (registers the texts)
from crossplay.web.data_health import (
    DayRows,
    file_name,
    ingest_runs,
    quarantine_counts,
    quarantine_samples,
    rows_per_day,
    run_started,
)
from crossplay.web.page import (
    Chart,
    Item,
    Note,
    Page,
    PageData,
    PageError,
    PageRequest,
    Section,
    Table,
    Tile,
)

#: sample rows shown per reason
SAMPLES_PER_REASON = 3


def _scope(req: PageRequest) -> tuple[Partner | None, str | None]:
    """(partner, platform) after checking them; the platform implies its partner."""
    f = req.filters
    partner = f.partner
    if req.viewer.partner is not None:
        if partner is not None and partner != req.viewer.partner:
            raise PageError(req.t("web.data.err.partner", partner=req.viewer.partner), 403)
        partner = req.viewer.partner
    platform = f.platform or None
    if platform is not None:
        if platform not in PLATFORMS:
            raise PageError(req.t("web.data.err.platform", platform=platform), 400)
        owner = next(p for p, pls in PARTNER_PLATFORMS.items() if platform in pls)
        if partner is not None and owner != partner:
            raise PageError(req.t("web.data.err.platform_partner", platform=platform,
                                  partner=partner), 400)
        partner = owner
    return partner, platform


def build(req: PageRequest) -> PageData:
    f = req.filters
    if f.start is not None and f.end is not None and f.start >= f.end:
        raise PageError(req.t("web.data.err.range", start=f.start, end=f.end), 400)
    partner, platform = _scope(req)
    runs = ingest_runs(req.settings, partner, f.start, f.end)
    if not runs and not ingest_runs(req.settings, partner, None, None):
        return PageData(sections=[], empty=req.t("web.data.empty"))
    days = rows_per_day(req.settings, partner, platform, f.start, f.end)
    counts = quarantine_counts(req.settings, partner, f.start, f.end)
    samples = quarantine_samples(req.settings, partner, f.start, f.end, SAMPLES_PER_REASON)

    def when(run: RunRecord) -> str:
        return run_started(run).strftime("%Y-%m-%d %H:%M:%S")

    read = sum(r.read for r in runs)
    quarantined = sum(r.quarantined for r in runs)
    tiles: list[Item] = [
        Tile(req.t("web.data.tile.runs"), f"{len(runs):,}",
             hint=req.t("web.data.tile.runs_hint", when=when(runs[0]),
                        partner=runs[0].partner, table=runs[0].table) if runs else None),
        Tile(req.t("web.data.tile.read"), f"{read:,}", hint=req.t(
            "web.data.tile.read_hint", accepted=sum(r.accepted for r in runs),
            dups=sum(r.duplicates for r in runs), already=sum(r.already_ingested for r in runs),
            quarantined=quarantined)),
        Tile(req.t("web.data.tile.quarantined"),
             req.t("web.data.tile.quarantined_value", n=quarantined,
                   share=quarantined / read if read else 0.0),
             hint=req.t("web.data.tile.quarantined_hint")),
        Tile(req.t("web.data.tile.events"), f"{sum(d.rows for d in days):,}",
             hint=req.t("web.data.tile.events_hint", days=len({d.day for d in days}),
                        sources=len({(d.platform, d.event_type) for d in days}))),
        Note(req.t("web.data.note.dates")),
    ]
    if platform is not None:
        tiles.append(Note(req.t("web.data.note.platform", partner=partner)))
    col = "web.data.col."
    run_rows = [[when(r), r.run_id, r.partner, r.table,
                 ", ".join(file_name(s) for s in r.sources), r.read, r.accepted, r.duplicates,
                 r.already_ingested, r.quarantined, r.seconds] for r in runs]
    runs_items: list[Item] = [
        Table("runs", req.t("web.data.tbl.runs"),
              [req.t(col + c) for c in ("when", "run", "partner", "kind", "files", "read",
                                        "accepted", "duplicates", "already", "quarantined",
                                        "seconds")], run_rows,
              note=req.t("web.data.note.runs_cli"))]
    if not runs:
        runs_items.insert(0, Note(req.t("web.data.note.no_runs")))
    return PageData(sections=[
        Section(req.t("web.data.sec.summary"), tiles),
        Section(req.t("web.data.sec.runs"), runs_items),
        Section(req.t("web.data.sec.rows"), _rows_items(req, days)),
        Section(req.t("web.data.sec.quarantine"), _quarantine_items(req, counts)),
        Section(req.t("web.data.sec.samples"), _sample_items(req, samples)),
    ])


def _rows_items(req: PageRequest, days: list[DayRows]) -> list[Item]:
    if not days:
        return [Note(req.t("web.data.note.no_rows"))]
    by_source: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for d in days:
        by_source[(d.platform, d.event_type)][d.day.isoformat()] = d.rows
    xs = sorted({d.day.isoformat() for d in days})
    fig = go.Figure()
    for (platform, event_type), per_day in sorted(by_source.items()):
        fig.add_trace(go.Bar(x=xs, y=[per_day.get(x, 0) for x in xs],
                             name=req.t("web.data.source", platform=platform,
                                        event_type=event_type)))
    title = req.t("web.data.chart.rows")
    fig.update_layout(barmode="stack", title={"text": title},
                      xaxis_title=req.t("web.data.axis.day"),
                      yaxis_title=req.t("web.data.axis.rows"), height=420,
                      margin={"l": 60, "r": 20, "t": 50, "b": 50})
    col = "web.data.col."
    return [
        Chart("rows_per_day", title, fig.to_plotly_json(), points=len(days)),
        Table("rows_per_day", req.t("web.data.tbl.rows"),
              [req.t(col + c) for c in ("day", "partner", "platform", "event_type", "rows")],
              [[d.day.isoformat(), d.partner, d.platform, d.event_type, d.rows]
               for d in days]),
    ]


def _reason_text(req: PageRequest, code: str) -> str:
    """A quarantine reason code in the request's language (the CLI's reason catalog)."""
    return Messages(req.lang).reason(code)


def _quarantine_items(req: PageRequest, counts: list[dict[str, Any]]) -> list[Item]:
    if not counts:
        return [Note(req.t("web.data.note.quarantine_empty"))]
    per_reason: dict[tuple[str, str], int] = defaultdict(int)
    for c in counts:
        per_reason[(c["partner"], c["reason_code"])] += int(c["rows"])
    codes = sorted({code for _, code in per_reason},
                   key=lambda code: -sum(n for (_, c), n in per_reason.items() if c == code))
    labels = [_reason_text(req, code) for code in codes]
    fig = go.Figure()
    for partner in sorted({p for p, _ in per_reason}):
        fig.add_trace(go.Bar(x=labels, y=[per_reason.get((partner, c), 0) for c in codes],
                             name=partner))
    title = req.t("web.data.chart.quarantine")
    fig.update_layout(barmode="stack", title={"text": title},
                      xaxis_title=req.t("web.data.axis.reason"),
                      yaxis_title=req.t("web.data.axis.rows"), height=360,
                      margin={"l": 60, "r": 20, "t": 50, "b": 80})
    col = "web.data.col."
    return [
        Chart("quarantine_by_reason", title, fig.to_plotly_json(), points=len(per_reason)),
        Table("quarantine", req.t("web.data.tbl.quarantine"),
              [req.t(col + c) for c in ("run", "partner", "table", "file", "reason", "code",
                                        "rows")],
              [[c["run_id"], c["partner"], c["table_name"], file_name(str(c["source"])),
                _reason_text(req, c["reason_code"]), c["reason_code"], int(c["rows"])]
               for c in counts], note=req.t("web.data.note.quarantine_cli")),
    ]


def _sample_items(req: PageRequest, samples: list[dict[str, Any]]) -> list[Item]:
    if not samples:
        return [Note(req.t("web.data.note.quarantine_empty"))]
    col = "web.data.col."
    return [
        Note(req.t("web.data.note.pseudonymised", n=SAMPLES_PER_REASON)),
        Table("quarantine_samples", req.t("web.data.tbl.samples"),
              [req.t(col + c) for c in ("reason", "code", "column", "partner", "run", "table",
                                        "file", "row", "raw")],
              [[_reason_text(req, s["reason_code"]), s["reason_code"], s["column_name"],
                s["partner"], s["run_id"], s["table_name"], s["source"], s["row_number"],
                s["raw"]] for s in samples]),
    ]


PAGE = Page(slug="data", title_key="web.nav.data", build=build,
            filters=("start", "end", "partner", "platform"), order=20, sources=("lake",))
