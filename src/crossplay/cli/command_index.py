"""The command index: which module holds each top-level command, grouped by the loop.

``crossplay --help`` and ``--version`` must feel instant, so the root group imports no
command module to list them: it reads this table (name, module, section, one-line help)
and imports a module only when one of its commands runs or shows its own help. A test
(tests/cli/test_command_index.py) pins the table to the modules: every command a module
registers is listed here under that module, with the module's own one-line help.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import get_group


@dataclass(frozen=True)
class Entry:
    name: str
    module: str  # crossplay.cli.commands_<module>
    section: str  # a key of SECTIONS
    help: str  # the command's one-line help, as its module states it


#: help panels in the order of the loop (DESIGN.md), titled in both languages
SECTIONS: dict[str, str] = {
    "start": "Start here · 开始",
    "data": "Data: ingest and the lake · 数据",
    "privacy": "Privacy and identity · 隐私与身份",
    "mining": "Behaviour mining · 行为挖掘",
    "recommend": "Recommendation · 推荐",
    "campaigns": "Campaigns · 联合活动",
    "measure": "Measurement · 效果评估",
    "bench": "Benchmarks · 基准评测",
    "live": "Live API · 在线接口",
    "ops": "Operations · 运维",
}

COMMANDS: tuple[Entry, ...] = (
    Entry("demo", "world", "start", "The main job: generate a world, create secrets, ingest "
          "it, run every part on it, then serve the live API."),
    Entry("generate", "world", "start",
          "Write a synthetic two-platform world for demos and tests."),
    Entry("ingest", "data", "data",
          "Validate, pseudonymise, dedupe and load partner exports into the lake."),
    Entry("sql", "data", "data",
          "Query the lake with one read-only DuckDB statement (SELECT or EXPLAIN SELECT)."),
    Entry("stats", "data", "data",
          "What the lake holds: counts per partner, platform and event type; users; dates."),
    Entry("runs", "data", "data", "Ingest runs recorded in the lake manifest, newest first."),
    Entry("quarantine", "data", "data", "Rows that were rejected, with the reason."),
    Entry("lake", "data", "data",
          "The lake's manifest: recovery after damage, schema migration, compaction."),
    Entry("keys", "data", "privacy", "Partner secrets used for pseudonymous keys."),
    Entry("consent", "privacy", "privacy", "Live consent decisions (history kept, audited)."),
    Entry("psi", "privacy", "privacy", "Private set intersection between the partners."),
    Entry("apikey", "access", "privacy",
          "Partner API keys for PSI and the HTTP API: shown once, stored hashed."),
    Entry("profiles", "privacy", "privacy",
          "Joint person-level profiles (consented, linked persons)."),
    Entry("release", "privacy", "privacy",
          "Release a named aggregate to a partner: groups under k people are suppressed."),
    Entry("releases", "privacy", "privacy", "The named aggregates a partner may receive."),
    Entry("forget", "privacy", "privacy",
          "Erase a person: lake rows, operational rows, links and derived files (audited)."),
    Entry("audit", "privacy", "privacy", "The hash-chained audit log."),
    Entry("rules", "mining", "mining", "Association rules across learning, playing and watching."),
    Entry("segments", "mining", "mining", "Segments of people over both platforms, with profiles."),
    Entry("social", "mining", "mining",
          "Influence in the social graph: PageRank, reach, communities."),
    Entry("paths", "mining", "mining",
          "Top event paths to a first purchase or to churn, conversion per step, Sankey data."),
    Entry("churn", "mining", "mining", "Churn: propensity model, scores, drivers, retention."),
    Entry("recommend", "recommend", "recommend", "Recommendations across the two platforms."),
    Entry("audience", "audience", "campaigns",
          "Audiences over joint profiles: build, size, export (consented)."),
    Entry("campaign", "campaign", "campaigns",
          "Joint campaigns: points ledger, check-ins, rewards (see docs/campaigns.md)."),
    Entry("experiment", "measure", "measure", "A/B experiments: plan, assign, analyse."),
    Entry("funnel", "measure", "measure",
          "Conversion and drop-off per ordered step; steps may cross platforms."),
    Entry("retention", "measure", "measure",
          "Cohort table: share of each cohort active again n days after its first day."),
    Entry("kpi", "measure", "measure",
          "C_k, R_k, R_g, the interaction index I and, with --campaign, ROI (docs/kpis.md)."),
    Entry("uplift", "measure", "measure", "Uplift models: who is moved by a campaign."),
    Entry("bench", "bench", "bench", "Public benchmarks: import, evaluate on standard protocols."),
    Entry("serve", "serve", "live", "Serve the live HTTP API both partners' systems call."),
    Entry("operator", "console", "live", "Dashboard operators: accounts, roles, passwords."),
    Entry("db", "db", "ops",
          "The operational database's schema: upgrade, current revision, history."),
    Entry("scheduler", "ops", "ops", "Run the recurring jobs on their schedules."),
    Entry("jobs", "ops", "ops", "Each recurring job: schedule, last run and its outcome, "
          "next run."),
)

MODULES: tuple[str, ...] = tuple(dict.fromkeys(e.module for e in COMMANDS))

#: modules whose ``register`` adds sub-commands to another module's group (privacy adds
#: ``keys rotate`` to data's ``keys``): they register before that group is built
EXTENDS: dict[str, tuple[str, ...]] = {"data": ("privacy",)}

_BY_NAME = {e.name: e for e in COMMANDS}
_LOADED: dict[str, TyperGroup] = {}


def module_group(module: str) -> TyperGroup:
    """The click group of every command ``crossplay.cli.commands_<module>`` registers."""
    group = _LOADED.get(module)
    if group is None:
        for other in EXTENDS.get(module, ()):
            module_group(other)
        mod: Any = importlib.import_module(f"crossplay.cli.commands_{module}")
        holder = typer.Typer(add_completion=False)

        @holder.callback()
        def _holder() -> None:  # a group needs a callback to keep its sub-commands
            """Commands of one module."""

        mod.register(holder)
        group = get_group(holder)
        assert isinstance(group, TyperGroup)
        _LOADED[module] = group
    return group


def load_all() -> None:
    """Import every command module (registers every message catalog)."""
    for module in MODULES:
        module_group(module)


class LazyGroup(TyperGroup):
    """The root group: lists commands from :data:`COMMANDS`, imports a module on use."""

    _listing = False

    def list_commands(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        return [e.name for e in COMMANDS]

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:  # type: ignore[override]
        entry = _BY_NAME.get(cmd_name)
        if entry is None:
            return None
        if self._listing:  # only the name, the panel and the one-line help are shown
            return TyperCommand(entry.name, help=entry.help, short_help=entry.help,
                                rich_help_panel=SECTIONS[entry.section])
        command: Any = module_group(entry.module).get_command(ctx, cmd_name)
        if command is not None:
            command.rich_help_panel = SECTIONS[entry.section]
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False
