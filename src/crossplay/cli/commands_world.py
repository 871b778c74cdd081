"""Commands that make and load the synthetic world: generate, demo."""

from __future__ import annotations

import hashlib
import hmac
import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from crossplay.cli import demo_steps
from crossplay.cli.commands_data import summary_dict
from crossplay.cli.i18n import add_messages
from crossplay.cli.output import print_json, progress_bar, stdout, table
from crossplay.cli.state import State, state
from crossplay.core.errors import ConfigError
from crossplay.core.secrets import key_file, partner_secret
from crossplay.core.settings import Settings
from crossplay.core.types import PARTNERS, Partner
from crossplay.ingest.world import ingest_world
from crossplay.synth import GenerationReport, WorldConfig, generate_world, recent_start
from crossplay.synth.error_messages import ERRORS
from crossplay.synth.world import world_config
from crossplay.warehouse import lake_stats

add_messages(ERRORS)
add_messages({
    "demo.keys.created": {
        "en": "Created {path}: a demo-only key derived from seed {seed}, so the same seed "
              "gives the same pseudonyms (real partners: `crossplay keys init`, random)",
        "zh-CN": "已创建 {path}：仅供演示的密钥，由种子 {seed} 推导，同一种子得到相同的假名"
                 "（真实合作方请用 `crossplay keys init`，随机生成）"},
    "demo.window": {
        "en": "World: {people:,} people, {days} days, {first} to {last} (Asia/Shanghai), "
              "seed {seed}",
        "zh-CN": "模拟世界：{people:,} 人，{days} 天，{first} 至 {last}（北京时间），种子 {seed}"},
    "demo.window.kept": {
        "en": "  Kept the window of the world already in {world} (ingest stays idempotent); "
              "pass --start to move it",
        "zh-CN": "  沿用 {world} 中已有世界的时间窗口（重复导入不增加数据）；如需移动请用 --start"},
    **{f"demo.col.{key}": {"en": en, "zh-CN": zh} for key, en, zh in (
        ("partner", "partner", "合作方"), ("source", "source", "数据源"),
        ("kind", "kind", "类型"), ("read", "read", "读取"), ("accepted", "accepted", "接收"),
        ("dups", "dups", "重复"), ("already", "already", "已存在"),
        ("quarantined", "quarantined", "隔离"), ("expected", "expected", "预期接收"),
        ("s", "s", "秒"), ("table", "table", "表"), ("events", "events", "事件数"),
        ("users", "users", "用户数"), ("first", "first ({zone})", "最早 ({zone})"),
        ("last", "last ({zone})", "最晚 ({zone})"))},
})

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
People = Annotated[int, typer.Option(min=1, help="How many people live in the world.")]
Days = Annotated[int, typer.Option(min=1, max=3660, help="How many days of behaviour.")]
Seed = Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")]
Start = Annotated[str | None, typer.Option(
    help="First day (YYYY-MM-DD, local time). Default: the window ends yesterday "
         "(Asia/Shanghai, by the clock; CROSSPLAY_NOW moves it).", show_default=False)]
#: the demo's default world: big enough that the planted rules, segments and campaign
#: effect show (docs/synthetic-world.md, "The demo"), small enough for ~2 minutes
DEMO_PEOPLE = 40_000
DEMO_DAYS = 30
DEMO_SEED = 7
#: the first local day a demo world may start on (ingest refuses UTC times before 2000, and
#: midnight in Shanghai on 2000-01-01 is still 1999 in UTC)
DEMO_EARLIEST = date(2000, 1, 2)


def _config(people: int, days: int, seed: int, start: str | None) -> WorldConfig:
    if start is None:
        return WorldConfig(people=people, days=days, seed=seed, start=recent_start(days))
    try:
        first = date.fromisoformat(start)
    except ValueError:
        raise ConfigError(f"--start: {start!r} is not a date like 2026-09-01",
                          code="synth_start_date", params={"start": start}) from None
    return WorldConfig(people=people, days=days, seed=seed, start=first)


def _previous_start(world_dir: Path, config: WorldConfig) -> date | None:
    """The first day of the world already in ``world_dir`` when it was generated with the
    same people, days, seed and chunk size (a rerun of the demo keeps its window, so ingest
    adds nothing), else None."""
    try:
        old = world_config(world_dir)
    except ConfigError:
        return None
    same = (old.people, old.days, old.seed, old.chunk_people) == (
        config.people, config.days, config.seed, config.chunk_people)
    return old.start if same else None


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
    start: Start = None,
    as_json: JsonOpt = False,
) -> None:
    """Write a synthetic two-platform world for demos and tests.

    Both partners' exports in their own shapes, their mapping files, a manifest of
    expected counts and a hidden ground truth (docs/synthetic-world.md). The window ends
    yesterday unless --start is given.
    """
    st = state(ctx)
    report = _generate(st, _config(people, days, seed, start), out, as_json)
    if as_json:
        print_json(_report_dict(report))
        return
    o = stdout()
    o.print(st.msg("gen.done", out=out, s=report.seconds), highlight=False)
    o.print(table(None, [st.msg("col.file"), st.msg("col.rows")],
                  [(f, f"{n:,}") for f, n in sorted(report.files.items())]))


def demo_secret(partner: Partner, seed: int) -> str:
    """The demo's key for ``partner``: HMAC-SHA256 of the partner and the world's seed.

    Demo-only: anyone who knows the seed can recompute it, which is the point (the same
    seed gives the same pseudonyms, hence the same segments, rankings and communities).
    Real partners get a random key from ``crossplay keys init``.
    """
    return hmac.new(b"crossplay-demo-key", f"{partner}:{seed}".encode("ascii"),
                    hashlib.sha256).hexdigest()


def _ensure_secrets(settings: Settings, seed: int) -> list[str]:
    """Create demo key files for partners that have no secret yet (never replaces one)."""
    made = []
    for partner in PARTNERS:
        try:
            partner_secret(settings, partner)
        except ConfigError:
            path = key_file(settings, partner)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(demo_secret(partner, seed) + "\n")
            made.append(str(path))
    return made


def demo_cmd(
    ctx: typer.Context,
    people: People = DEMO_PEOPLE,
    days: Days = DEMO_DAYS,
    seed: Seed = DEMO_SEED,
    start: Start = None,
    world: Annotated[Path | None, typer.Option(
        help="Where to write the world (default: <data-dir>/world).")] = None,
    as_json: JsonOpt = False,
    serve: Annotated[bool | None, typer.Option(
        "--serve/--no-serve",
        help="End by serving the live API (a key and a curl to try are printed). Default: "
             "serve when run at a terminal; not with --json, in a pipe or with CI set.",
        show_default=False)] = None,
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port of the served API "
                                      "(taken: any free port).")] = demo_steps.DEMO_PORT,
) -> None:
    """The main job: generate a world, create secrets, ingest it, run every part on it,
    then serve the live API.

    Runs on the embedded default (DuckDB over a Parquet lake in the data directory). The
    world's window ends yesterday; a rerun keeps the window of the world already there.
    At a terminal the demo ends by serving the HTTP API until Ctrl-C (docs/api.md).
    """
    st = state(ctx)
    world_dir = world or st.settings.data_dir / "world"
    o = stdout()
    extra = demo_steps.steps()
    serving = demo_steps.wants_serving(serve, as_json)
    steps = 3 + len(extra) + int(serving)

    def say(i: int, key: str) -> None:
        if not as_json:
            o.print(st.msg("demo.step", i=i, n=steps, what=st.msg(key)), style="bold",
                    highlight=False)

    config = _config(people, days, seed, start)
    latest = recent_start(1)  # yesterday
    if start is not None and not DEMO_EARLIEST <= config.start <= config.last_day <= latest:
        raise ConfigError(
            f"--start: the demo's window ({config.start} to {config.last_day}) must lie "
            f"between {DEMO_EARLIEST} and yesterday ({latest}): ingest refuses times before "
            "2000, and consents dated in the future are not in force yet; omit --start for a "
            "window that ends yesterday", code="synth_demo_window",
            params={"first": str(config.start), "last": str(config.last_day),
                    "earliest": str(DEMO_EARLIEST), "latest": str(latest)})
    say(1, "demo.generate")
    kept = _previous_start(world_dir, config) if start is None else None
    if kept is not None:
        config = WorldConfig(people=people, days=days, seed=seed, start=kept)
    if not as_json:
        o.print(st.msg("demo.window", people=people, days=days, seed=seed,
                       first=config.start, last=config.last_day), highlight=False)
        if kept is not None:
            o.print(st.msg("demo.window.kept", world=world_dir), highlight=False)
    report = _generate(st, config, world_dir, as_json)
    say(2, "demo.keys")
    made = _ensure_secrets(st.settings, seed)
    if made and not as_json:
        for path in made:
            o.print("  " + st.msg("demo.keys.created", path=path, seed=seed),
                    highlight=False)
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
    console: dict[str, str] = {}
    if not serving:  # serving prints the login with the server's URL
        username, password = demo_steps.console_login(st)
        url = f"http://{demo_steps.DEMO_HOST}:{demo_steps.DEMO_PORT}"
        console = {"url": url + "/", "username": username, "password": password}
    if as_json:
        print_json({"world": _report_dict(report),
                    "ingest": [{"source": s["name"], **summary_dict(r)} for s, r in results],
                    "lake": stats, **summaries} | ({"console": console} if console else {}))
    else:
        o.print(st.msg("demo.next"), highlight=False)
        if console:
            o.print(st.msg("demo.console.later", url=url, username=username,
                           password=password), highlight=False, markup=False, soft_wrap=True)
    if serving:
        say(steps, "demo.serve")
        demo_steps.serve_step(st, world_dir, port=port, as_json=as_json)


def _print_loaded(st: State, results: list[tuple[dict[str, Any], Any]],
                  stats: dict[str, Any]) -> None:
    o = stdout()
    def cols(*keys: str) -> list[str]:
        return [st.msg(f"demo.col.{k}") for k in keys]

    o.print(table(
        st.msg("demo.loaded", lake=st.settings.lake_dir),
        cols("partner", "source", "kind", "read", "accepted", "dups", "already", "quarantined",
             "expected", "s"),
        [(s["partner"], s["name"], s["kind"], f"{r.read:,}", f"{r.accepted:,}",
          f"{r.duplicates:,}", f"{r.already_ingested:,}", f"{r.quarantined:,}",
          f"{s['expected_accepted']:,}", f"{r.seconds:.1f}") for s, r in results]))
    o.print(table(st.msg("stats.tables"), [*cols("table"), st.msg("col.rows")],
                  [(k, f"{v:,}") for k, v in stats["tables"].items()]))
    zone = ZoneInfo(st.settings.timezone)

    def local(text: str | None) -> str:  # the lake keeps UTC; a marketer reads local time
        if not text:
            return ""
        return datetime.fromisoformat(text).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")

    o.print(table(st.msg("stats.partners"),
                  cols("partner", "events", "users")
                  + [st.msg(f"demo.col.{k}", zone=st.settings.timezone) for k in ("first", "last")],
                  [(p["partner"], f"{p['events']:,}", f"{p['users']:,}", local(p["first"]),
                    local(p["last"])) for p in stats["partners"]]))


def register(app: typer.Typer) -> None:
    app.command("generate")(generate_cmd)
    app.command("demo")(demo_cmd)
