"""Commands that make and load the synthetic world: generate, demo."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from crossplay.cli import demo_steps
from crossplay.cli.commands_data import summary_dict
from crossplay.cli.output import print_json, progress_bar, stdout, table
from crossplay.cli.state import State, state
from crossplay.core.errors import ConfigError
from crossplay.core.secrets import init_secret, partner_secret
from crossplay.core.types import PARTNERS
from crossplay.ingest.world import ingest_world
from crossplay.synth import GenerationReport, WorldConfig, generate_world
from crossplay.warehouse import lake_stats

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
People = Annotated[int, typer.Option(min=1, help="How many people live in the world.")]
Days = Annotated[int, typer.Option(min=1, max=3660, help="How many days of behaviour.")]
Seed = Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")]
Start = Annotated[str, typer.Option(help="First day (YYYY-MM-DD, local time).")]


def _config(people: int, days: int, seed: int, start: str) -> WorldConfig:
    try:
        first = date.fromisoformat(start)
    except ValueError:
        raise typer.BadParameter(f"{start!r} is not a date like 2026-09-01",
                                 param_hint="--start") from None
    return WorldConfig(people=people, days=days, seed=seed, start=first)


def _generate(st: State, config: WorldConfig, out: Path, quiet: bool) -> GenerationReport:
    with progress_bar(st.msg("gen.progress"), enabled=not quiet and sys.stderr.isatty()) as up:
        return generate_world(config, out, progress=up)


def _report_dict(report: GenerationReport) -> dict[str, Any]:
    return {"out": str(report.out), "people": report.people, "event_rows": report.event_rows,
            "dirty_rows": report.dirty_rows, "duplicate_rows": report.duplicate_rows,
            "expected_accepted": dict(report.expected_accepted),
            "files": dict(report.files), "seconds": round(report.seconds, 3)}


def generate_cmd(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="Directory to write the world to.")],
    people: People = 2000,
    days: Days = 30,
    seed: Seed = 0,
    start: Start = "2026-09-01",
    as_json: JsonOpt = False,
) -> None:
    """Write a synthetic two-platform world for demos and tests.

    Both partners' exports in their own shapes, their mapping files, a manifest of
    expected counts and a hidden ground truth (docs/synthetic-world.md).
    """
    st = state(ctx)
    report = _generate(st, _config(people, days, seed, start), out, as_json)
    if as_json:
        print_json(_report_dict(report))
        return
    o = stdout()
    o.print(st.msg("gen.done", out=out, s=report.seconds), highlight=False)
    o.print(table(None, ["file", "rows"],
                  [(f, f"{n:,}") for f, n in sorted(report.files.items())]))


def _ensure_secrets(st: State) -> list[str]:
    """Create key files for partners that have no secret yet (the demo only)."""
    made = []
    for partner in PARTNERS:
        try:
            partner_secret(st.settings, partner)
        except ConfigError:
            made.append(str(init_secret(st.settings, partner)))
    return made


def demo_cmd(
    ctx: typer.Context,
    people: People = 2000,
    days: Days = 30,
    seed: Seed = 7,
    start: Start = "2026-09-01",
    world: Annotated[Path | None, typer.Option(
        help="Where to write the world (default: <data-dir>/world).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The main job: generate a world, create secrets, ingest it, show what loaded.

    Runs on the embedded default (DuckDB over a Parquet lake in the data directory).
    """
    st = state(ctx)
    world_dir = world or st.settings.data_dir / "world"
    o = stdout()
    extra = demo_steps.steps()
    steps = 3 + len(extra)

    def say(i: int, key: str) -> None:
        if not as_json:
            o.print(st.msg("demo.step", i=i, n=steps, what=st.msg(key)), style="bold",
                    highlight=False)

    say(1, "demo.generate")
    report = _generate(st, _config(people, days, seed, start), world_dir, as_json)
    say(2, "demo.keys")
    made = _ensure_secrets(st)
    if made and not as_json:
        for path in made:
            o.print("  " + st.msg("keys.created", path=path), highlight=False)
    say(3, "demo.ingest")
    show = not as_json and sys.stderr.isatty()
    bars: list[Any] = []

    def on_source(src: dict[str, Any]) -> Any:
        if not show:
            return None
        cm = progress_bar(f"{src['partner']}/{src['name']}", enabled=True)
        bars.append(cm)
        return cm.__enter__()

    try:
        results = ingest_world(st.settings, world_dir, on_source=on_source)
    finally:
        for cm in bars:
            cm.__exit__(None, None, None)
    stats = lake_stats(st.settings)
    if not as_json:
        _print_loaded(st, results, stats)
    summaries: dict[str, Any] = {}
    for i, (name, title, step) in enumerate(extra, start=4):
        say(i, title)
        summaries[name] = step(st, as_json)
    if as_json:
        print_json({"world": _report_dict(report),
                    "ingest": [{"source": s["name"], **summary_dict(r)} for s, r in results],
                    "lake": stats, **summaries})
        return
    o.print(st.msg("demo.next"), highlight=False)


def _print_loaded(st: State, results: list[tuple[dict[str, Any], Any]],
                  stats: dict[str, Any]) -> None:
    o = stdout()
    o.print(table(
        st.msg("demo.loaded", lake=st.settings.lake_dir),
        ["partner", "source", "kind", "read", "accepted", "dups", "already", "quarantined",
         "expected", "s"],
        [(s["partner"], s["name"], s["kind"], f"{r.read:,}", f"{r.accepted:,}",
          f"{r.duplicates:,}", f"{r.already_ingested:,}", f"{r.quarantined:,}",
          f"{s['expected_accepted']:,}", f"{r.seconds:.1f}") for s, r in results]))
    o.print(table(st.msg("stats.tables"), ["table", st.msg("col.rows")],
                  [(k, f"{v:,}") for k, v in stats["tables"].items()]))
    o.print(table(st.msg("stats.partners"), ["partner", "events", "users", "first", "last"],
                  [(p["partner"], f"{p['events']:,}", f"{p['users']:,}", p["first"],
                    p["last"]) for p in stats["partners"]]))


def register(app: typer.Typer) -> None:
    app.command("generate")(generate_cmd)
    app.command("demo")(demo_cmd)
