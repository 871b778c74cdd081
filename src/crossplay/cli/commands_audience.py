"""``crossplay audience``: build, size, show, list and export audiences (docs/marketing.md)."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from crossplay.cli.i18n import add_messages
from crossplay.cli.output import print_json, stderr, stdout, table
from crossplay.cli.state import state
from crossplay.core.errors import ConfigError
from crossplay.marketing.error_messages import ERRORS
from crossplay.marketing.messages import MESSAGES

add_messages(MESSAGES)
add_messages(ERRORS)

audience_app = typer.Typer(help="Audiences over joint profiles: build, size, export (consented).",
                           no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
WhereOpt = Annotated[str, typer.Option(
    "--where", help="The condition, e.g. 'game.hours_30d > 10 and segment in (\"策略玩家\")' "
    "(see `crossplay audience fields`).")]
RecentOpt = Annotated[int | None, typer.Option(
    "--exclude-recent", help="Leave out people exported or shown a campaign within DAYS days.")]
CapOpt = Annotated[int | None, typer.Option(
    "--cap", help="Frequency cap: leave out people exported this many times within --cap-days.")]
CapDaysOpt = Annotated[int, typer.Option("--cap-days", help="The frequency cap's window (days).")]


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _caret(exc: ConfigError) -> None:
    """Under an expression error: the expression and a caret at the column."""
    expr, col = exc.params.get("expr"), exc.params.get("col")
    if isinstance(expr, str) and isinstance(col, int) and expr and "\n" not in expr:
        out = stderr()
        out.print(Text("  " + expr), highlight=False, markup=False, emoji=False)
        out.print(Text("  " + " " * (col - 1) + "^", style="bold red"), highlight=False)


def _exclusions(recent: int | None, cap: int | None, cap_days: int) -> Any:
    from crossplay.marketing.service import Exclusions

    return Exclusions(recent, cap, cap_days)


@audience_app.command("size")
def size(ctx: typer.Context, where: WhereOpt, exclude_recent: RecentOpt = None,
         cap: CapOpt = None, cap_days: CapDaysOpt = 30, as_json: JsonOpt = False) -> None:
    """Estimate how many consented people match, without saving (below k: "< k")."""
    from crossplay.marketing.service import estimate

    st = state(ctx)
    try:
        est = estimate(st.settings, where, _exclusions(exclude_recent, cap, cap_days),
                       actor=_actor())
    except ConfigError as exc:
        _caret(exc)
        raise
    if as_json:
        print_json(est.as_dict())
        return
    out = stdout()
    out.print(st.msg("aud.size", size=est.size.shown, k=est.size.k), highlight=False)
    if exclude_recent or cap:
        out.print(st.msg("aud.excluded", n=est.excluded.shown), highlight=False)
    if est.as_of is not None:
        out.print(st.msg("aud.as_of", as_of=est.as_of.isoformat(timespec="seconds")),
                  highlight=False)


@audience_app.command("build")
def build(ctx: typer.Context,
          name: Annotated[str, typer.Argument(help="The audience's name (letters, digits, _ -).")],
          where: WhereOpt, exclude_recent: RecentOpt = None, cap: CapOpt = None,
          cap_days: CapDaysOpt = 30, as_json: JsonOpt = False) -> None:
    """Evaluate the condition and save the members as the audience's next version."""
    from crossplay.marketing.service import build as build_audience

    st = state(ctx)
    try:
        shown = build_audience(st.settings, name, where,
                               _exclusions(exclude_recent, cap, cap_days), actor=_actor())
    except ConfigError as exc:
        _caret(exc)
        raise
    if as_json:
        print_json(shown)
        return
    stdout().print(Text(st.msg("aud.built", name=name, version=shown["version"],
                               size=shown["size"])), highlight=False)


def _show_text(st: Any, shown: dict[str, Any]) -> None:
    out = stdout()
    parts = []
    if shown.get("exclude_recent_days"):
        parts.append(st.msg("aud.show.recent", days=shown["exclude_recent_days"]))
    if shown.get("cap"):
        parts.append(st.msg("aud.show.cap", cap=shown["cap"], days=shown["cap_days"]))
    rows = [
        (st.msg("aud.col.name"), shown["name"]), (st.msg("aud.col.version"), shown["version"]),
        (st.msg("aud.col.where"), shown["where"]), (st.msg("aud.col.size"), shown["size"]),
        (st.msg("aud.show.exclusions"), "; ".join(parts) or st.msg("aud.show.none")),
        (st.msg("aud.col.built_by"), shown["built_by"]),
        (st.msg("aud.col.built_at"), shown["built_at"]),
        (st.msg("aud.show.as_of"), shown.get("as_of") or "-"),
        (st.msg("aud.show.versions"), ", ".join(str(v) for v in shown["versions"])),
    ]
    for label, value in rows:
        out.print(Text.assemble((f"{label}: ", "bold"), str(value)), highlight=False)


@audience_app.command("show")
def show(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The audience's name.")],
         version: Annotated[int | None, typer.Option(
             "--version", min=1, help="Which version (default: the newest).")] = None,
         as_json: JsonOpt = False) -> None:
    """A saved audience: its condition, exclusions, who built it, when, its size now."""
    from crossplay.marketing.service import show as show_audience

    st = state(ctx)
    shown = show_audience(st.settings, name, version)
    if as_json:
        print_json(shown)
        return
    _show_text(st, shown)


@audience_app.command("list")
def list_(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Every saved audience (its newest version)."""
    from crossplay.marketing.service import list_audiences

    st = state(ctx)
    found = list_audiences(st.settings)
    if as_json:
        print_json(found)
        return
    if not found:
        stdout().print(st.msg("aud.none"), highlight=False)
        return
    stdout().print(table(st.msg("aud.list.title"), [
        st.msg("aud.col.name"), st.msg("aud.col.version"), st.msg("aud.col.size"),
        st.msg("aud.col.where"), st.msg("aud.col.built_at")],
        [(a["name"], a["version"], a["size"], a["where"], a["built_at"]) for a in found]))


@audience_app.command("fields")
def fields(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """The fields and functions an audience condition may use."""
    from crossplay.marketing.fields import catalogue

    st = state(ctx)
    rows = catalogue(st.msg.lang)
    if as_json:
        print_json(rows)
        return
    stdout().print(table(st.msg("aud.fields.title"), [
        st.msg("aud.col.field"), st.msg("aud.col.type"), st.msg("aud.col.meaning")],
        [(r["field"], r["type"], r["meaning"]) for r in rows]))


@audience_app.command("export")
def export(ctx: typer.Context,
           name: Annotated[str, typer.Argument(help="The audience's name.")],
           partner: Annotated[str, typer.Option(
               "--partner", help="knowledge or game: who receives its own users' keys.")],
           out: Annotated[Path, typer.Option("--out", help="The file to write.")],
           file_format: Annotated[str, typer.Option(
               "--format", help="csv or parquet.")] = "csv",
           version: Annotated[int | None, typer.Option(
               "--version", min=1, help="Which version (default: the newest).")] = None,
           as_json: JsonOpt = False) -> None:
    """Write one partner's own user keys of the consented members (audited, logged)."""
    from crossplay.marketing.service import export_to_file

    st = state(ctx)
    result = export_to_file(st.settings, name, partner, file_format, out, version=version,
                            actor=_actor())
    if as_json:
        print_json({**result.as_dict(), "path": str(out)})
        return
    stdout().print(Text(st.msg("aud.exported", rows=result.table.num_rows, partner=partner,
                               name=name, version=result.version, path=out)),
                   highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(audience_app, name="audience")
