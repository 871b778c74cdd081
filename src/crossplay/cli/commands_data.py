"""Commands over the data spine: ingest, quarantine, sql, stats, runs, keys."""

from __future__ import annotations

import csv
import hashlib
import io
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from crossplay.cli.output import print_json, progress_bar, stdout, table
from crossplay.cli.state import state
from crossplay.core.secrets import init_secret
from crossplay.core.types import Kind, Partner
from crossplay.ingest.mapping import Mapping, load_mapping
from crossplay.ingest.pipeline import IngestSummary, ingest
from crossplay.ingest.sources import expand_sources
from crossplay.lake import Lake
from crossplay.warehouse import lake_stats, query

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
quarantine_app = typer.Typer(help="Rows that were rejected, with the reason.",
                             no_args_is_help=True)
keys_app = typer.Typer(help="Partner secrets used for pseudonymous keys.", no_args_is_help=True)


def ingest_cmd(
    ctx: typer.Context,
    paths: Annotated[list[str], typer.Argument(
        help="Files, directories or glob patterns (quote globs).", show_default=False)],
    partner: Annotated[Partner, typer.Option(help="Whose export this is.")],
    kind: Annotated[Kind, typer.Option(help="What the files hold.")],
    mapping: Annotated[Path | None, typer.Option(
        help="Mapping YAML: columns, values, constants, units, time zone.")] = None,
    encoding: Annotated[str | None, typer.Option(
        help="Text encoding of CSV files (auto, utf-8, gb18030, ...).")] = None,
    file_format: Annotated[str | None, typer.Option(
        "--format", help="csv, jsonl or parquet (default: from the file name).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Validate, pseudonymise, dedupe and load partner exports into the lake."""
    st = state(ctx)
    m = load_mapping(mapping) if mapping else Mapping()
    updates: dict[str, Any] = {}
    if encoding:
        updates["encoding"] = encoding
    if file_format:
        if file_format not in ("csv", "jsonl", "parquet"):
            raise typer.BadParameter("use csv, jsonl or parquet", param_hint="--format")
        updates["format"] = file_format
    if updates:
        m = m.model_copy(update=updates)
    files = [f for p in paths for f in expand_sources(p)]
    with progress_bar(st.msg("ingest.reading", n=len(files)),
                      enabled=not as_json and sys.stderr.isatty()) as update:
        summary = ingest(st.settings, files, partner=partner, kind=kind, mapping=m,
                         progress=update)
    if as_json:
        print_json(summary_dict(summary))
        return
    render_summary(ctx, summary)


def summary_dict(summary: IngestSummary) -> dict[str, Any]:
    data = asdict(summary)
    data["events_per_second"] = round(summary.events_per_second, 1)
    data["seconds"] = round(summary.seconds, 3)
    return data


def render_summary(ctx: typer.Context, s: IngestSummary) -> None:
    msg = state(ctx).msg
    out = stdout()
    out.print(table(
        msg("ingest.title", table=s.table, partner=s.partner),
        [msg("col.file"), msg("col.format"), msg("col.rows"), msg("col.quarantined"),
         msg("col.note")],
        [(f.path, f.format, f"{f.read:,}", f"{f.quarantined:,}", f.note) for f in s.files]))
    out.print(
        f"{msg('sum.read')}: {s.read:,}  {msg('sum.accepted')}: {s.accepted:,}  "
        f"{msg('sum.duplicates')}: {s.duplicates:,}  {msg('sum.already')}: "
        f"{s.already_ingested:,}  {msg('sum.quarantined')}: {s.quarantined:,}  "
        f"{msg('sum.seconds')}: {s.seconds:.2f}  {msg('sum.rate')}: {s.events_per_second:,.0f}",
        highlight=False)
    if s.quarantined_by_reason:
        out.print(table(None, [msg("col.reason"), "code", msg("col.count")],
                        [(msg.reason(c), c, f"{n:,}")
                         for c, n in s.quarantined_by_reason.items()]))
        out.print(msg("sum.hint", run=s.run_id), highlight=False)


@quarantine_app.command("list")
def quarantine_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Rejected rows counted by run, table, file and reason."""
    st = state(ctx)
    res = query(st.settings, """
        SELECT run_id, partner, table_name, source, reason_code, count(*) AS rows
        FROM quarantine GROUP BY ALL ORDER BY run_id DESC, rows DESC""")
    records = [dict(zip(res.columns, r, strict=True)) for r in res.rows]
    if as_json:
        print_json(records)
        return
    if not records:
        stdout().print(st.msg("q.empty"))
        return
    stdout().print(table(None, ["run", "partner", "table", "source", st.msg("col.reason"),
                                "code", st.msg("col.rows")],
                         [(r["run_id"], r["partner"], r["table_name"], r["source"],
                           st.msg.reason(r["reason_code"]), r["reason_code"], r["rows"])
                          for r in records]))


@quarantine_app.command("show")
def quarantine_show(
    ctx: typer.Context,
    run: Annotated[str | None, typer.Option(help="Only this run id.")] = None,
    reason: Annotated[str | None, typer.Option(help="Only this reason code.")] = None,
    source: Annotated[str | None, typer.Option(help="Only files whose path contains this.")]
    = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many rows.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """The rejected rows themselves: file, row number, reason and raw content."""
    st = state(ctx)
    where = ["true"]
    from crossplay.ingest.sqlbase import lit

    if run:
        where.append(f"run_id = {lit(run)}")
    if reason:
        where.append(f"reason_code = {lit(reason)}")
    if source:
        where.append(f"contains(source, {lit(source)})")
    res = query(st.settings, f"""
        SELECT run_id, partner, table_name, source, row_number, reason_code, column_name,
               reason, raw FROM quarantine WHERE {' AND '.join(where)}
        ORDER BY run_id DESC, source, row_number LIMIT {int(limit)}""")
    records = [dict(zip(res.columns, r, strict=True)) for r in res.rows]
    if as_json:
        print_json(records)
        return
    if not records:
        stdout().print(st.msg("q.empty"))
        return
    stdout().print(table(None, ["source", "row", "code", st.msg("col.reason"), "raw"],
                         [(r["source"], r["row_number"], r["reason_code"], r["reason"],
                           _clip(r["raw"])) for r in records]))


def _clip(text: str | None, n: int = 200) -> str:
    if text is None:
        return ""
    return text if len(text) <= n else text[:n] + f"… (+{len(text) - n:,} chars)"


def sql_cmd(
    ctx: typer.Context,
    statement: Annotated[str, typer.Argument(help="One read-only SQL statement.")],
    out_format: Annotated[Literal["table", "csv", "json"], typer.Option(
        "--format", help="table, csv or json.")] = "table",
    limit: Annotated[int | None, typer.Option(help="At most this many rows.")] = None,
    scope: Annotated[Partner | None, typer.Option(
        "--as", help="Query as this partner: only its own rows are visible.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Query the lake with one read-only DuckDB statement.

    Tables: events, items, social_edges, consents, links, quarantine.
    Views: items_current, consents_current, links_current.
    With --as PARTNER only that partner's rows exist (no links: joint data is released
    only through profiles and `crossplay release`).
    """
    res = query(state(ctx).settings, statement, limit=limit, scope=scope)
    from crossplay.privacy.audit import record

    record(state(ctx).settings, "sql", actor=f"partner:{scope}" if scope else "operator",
           details={"scope": scope or "all", "rows": len(res.rows),
                    "statement_sha256": hashlib.sha256(statement.encode()).hexdigest()})
    fmt = "json" if as_json else out_format
    if fmt == "json":
        print_json([dict(zip(res.columns, r, strict=True)) for r in res.rows])
    elif fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(res.columns)
        w.writerows(res.rows)
        sys.stdout.write(buf.getvalue())
    else:
        stdout().print(table(None, res.columns, res.rows))


def stats_cmd(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """What the lake holds: counts per partner, platform and event type; users; dates."""
    st = state(ctx)
    data = lake_stats(st.settings)
    if as_json:
        print_json(data)
        return
    out = stdout()
    if not any(data["tables"].values()):
        out.print(st.msg("stats.empty"))
        return
    msg = st.msg
    out.print(table(msg("stats.tables"), ["table", msg("col.rows")],
                    [(k, f"{v:,}") for k, v in data["tables"].items()]))
    out.print(table(msg("stats.partners"), ["partner", "events", "users", "first", "last"],
                    [(p["partner"], f"{p['events']:,}", f"{p['users']:,}", p["first"],
                      p["last"]) for p in data["partners"]]))
    out.print(table(msg("stats.events"), ["partner", "platform", "event_type", "events",
                                          "users"],
                    [(e["partner"], e["platform"], e["event_type"], f"{e['events']:,}",
                      f"{e['users']:,}") for e in data["events"]]))


def runs_cmd(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Ingest runs recorded in the lake manifest, newest first."""
    runs = list(reversed(Lake(state(ctx).settings.lake_dir).read_manifest().runs))
    if as_json:
        print_json([asdict(r) for r in runs])
        return
    stdout().print(table(None, ["run", "partner", "table", "read", "accepted", "dups",
                                "already", "quarantined", "s"],
                         [(r.run_id, r.partner, r.table, f"{r.read:,}", f"{r.accepted:,}",
                           f"{r.duplicates:,}", f"{r.already_ingested:,}",
                           f"{r.quarantined:,}", f"{r.seconds:.2f}") for r in runs]))


@keys_app.command("init")
def keys_init(
    ctx: typer.Context,
    partner: Annotated[Partner, typer.Option(help="Whose secret to create.")],
    as_json: JsonOpt = False,
) -> None:
    """Create a random secret file for a partner (refuses to overwrite one)."""
    st = state(ctx)
    path = init_secret(st.settings, partner)
    if as_json:
        print_json({"partner": partner, "path": str(path)})
    else:
        stdout().print(st.msg("keys.created", path=path), highlight=False)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_cmd)
    app.command("sql")(sql_cmd)
    app.command("stats")(stats_cmd)
    app.command("runs")(runs_cmd)
    app.add_typer(quarantine_app, name="quarantine")
    app.add_typer(keys_app, name="keys")


__all__ = ["register"]
