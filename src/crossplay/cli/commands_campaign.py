"""``crossplay campaign``: validate, simulate, apply, pause, resume, status, expire, message."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from crossplay.campaigns.error_messages import ERRORS
from crossplay.campaigns.messages import CATALOG
from crossplay.cli.i18n import add_messages
from crossplay.cli.output import print_json, progress_bar, stdout, table
from crossplay.cli.state import State, state
from crossplay.core.types import Lang

#: simulate / resume read-outs
MESSAGES: dict[str, dict[Lang, str]] = {
    "campaign.sim_ledger": {
        "en": "Simulation of {id}: what `apply` would issue now, from the ledger as it "
              "stands (nothing written)",
        "zh-CN": "活动 {id} 模拟运行: 按账本当前状态, 现在执行 `apply` 将发放的积分"
                 "(未写入任何数据)"},
    "campaign.sim_scratch": {
        "en": "Simulation of {id} from scratch, as if nothing had been awarded yet (nothing "
              "written; the ledger may already hold some of these awards)",
        "zh-CN": "活动 {id} 从零开始模拟, 假设尚未发放任何积分(未写入任何数据; "
                 "账本中可能已有其中部分发放)"},
    "campaign.sim_nothing": {
        "en": "Nothing new to issue: `apply` now would award 0 points ({done:,} awards "
              "already in the ledger).",
        "zh-CN": "没有新的积分可发放: 现在执行 `apply` 将发放 0 积分"
                 "(账本中已有 {done:,} 笔发放)。"},
    "campaign.sim_paused": {
        "en": "Campaign {id} is paused: `apply` refuses until `crossplay campaign resume "
              "{id}`; the figures are what it would issue once resumed.",
        "zh-CN": "活动 {id} 已暂停: 在 `crossplay campaign resume {id}` 之前 `apply` 会拒绝执行; "
                 "以上数字为恢复后将发放的积分。"},
    "campaign.sim_older": {
        "en": "The ledger holds version {stored} of {id}: `apply` refuses this version "
              "{version}.",
        "zh-CN": "账本中活动 {id} 为第 {stored} 版: `apply` 会拒绝执行此第 {version} 版。"},
    "campaign.resume_exhausted": {
        "en": "Campaign {id} will not award anything: its budget is exhausted ({left:,} of "
              "{budget:,} points left), so it stays budget_exhausted. Raise `budget:` in a "
              "new version of the document and apply it to award again.",
        "zh-CN": "活动 {id} 不会再发放任何积分: 预算已用尽(剩余 {left:,} / {budget:,} 积分), "
                 "状态保持 budget_exhausted。请在新版本的活动文件中调高 `budget:` 并执行 apply "
                 "以继续发放。"},
    "campaign.resume_short": {
        "en": "Campaign {id} is active again, but its budget ran short: {left:,} of "
              "{budget:,} points left, so larger awards will be refused. Raise `budget:` in "
              "a new version to award the rest.",
        "zh-CN": "活动 {id} 已恢复, 但预算不足: 剩余 {left:,} / {budget:,} 积分, 超出部分的发放将被"
                 "拒绝。请在新版本中调高 `budget:` 以发放其余积分。"},
}

add_messages(CATALOG)
add_messages(MESSAGES)
add_messages(ERRORS)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
DocArg = Annotated[Path, typer.Argument(help="Campaign YAML document.", show_default=False)]
IdArg = Annotated[str, typer.Argument(help="Campaign id.", show_default=False)]

campaign_app = typer.Typer(
    help="Joint campaigns: points ledger, check-ins, rewards (see docs/campaigns.md).",
    no_args_is_help=True)


@campaign_app.command("validate")
def validate_cmd(ctx: typer.Context, document: DocArg, as_json: JsonOpt = False) -> None:
    """Check a campaign document; errors name the file, line and key."""
    from crossplay.campaigns.document import load_campaign

    st = state(ctx)
    c = load_campaign(document)
    info = {"path": str(document), "id": c.id, "version": c.version, "rules": len(c.rules),
            "rewards": len(c.rewards), "budget": c.budget, "cur": c.points}
    if as_json:
        print_json({"valid": True, **info})
        return
    stdout().print(st.msg("campaign.valid", **info), highlight=False)


@campaign_app.command("simulate")
def simulate_cmd(
    ctx: typer.Context, document: DocArg,
    from_scratch: Annotated[bool, typer.Option(
        "--from-scratch", help="As if nothing had been awarded yet (to plan a new "
        "campaign); default: what `apply` would issue now, given the ledger.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """What `apply` would issue now (awards already in the ledger skipped, budget and caps
    as they stand): points, cost, budget burn by day. Writes nothing."""
    from crossplay.campaigns.document import load_campaign
    from crossplay.campaigns.simulation import simulate

    st = state(ctx)
    c = load_campaign(document)
    r = simulate(st.settings, c, from_scratch=from_scratch)
    data = asdict(r)
    data["cost_yuan"] = str(r.cost_yuan)
    data["by_day"] = [{"day": str(d), "points": n, "budget_left": left}
                      for d, n, left in r.by_day]
    if as_json:
        print_json(data)
        return
    msg = st.msg
    out = stdout()
    title = msg("campaign.sim_scratch" if r.basis == "scratch" else "campaign.sim_ledger",
                id=r.campaign_id)
    if r.by_day:
        out.print(table(title, [msg("campaign.col_day"), msg("campaign.col_points"),
                                msg("campaign.col_left")],
                        [(str(d), f"{n:,}", f"{left:,}") for d, n, left in r.by_day]))
    else:
        out.print(title, style="bold", highlight=False)
    _summary(st, [("campaign.persons", r.persons), ("campaign.events", r.events),
                  ("campaign.new", r.awards), ("campaign.issued", r.points_issued),
                  ("campaign.already", r.already_done),
                  ("campaign.reversed", r.points_reversed),
                  ("campaign.cost", r.cost_yuan), ("campaign.budget_left", r.budget_left),
                  ("campaign.late", r.late_rejected)], r.refused)
    if r.basis == "ledger" and r.awards == 0 and r.points_reversed == 0:
        out.print(msg("campaign.sim_nothing", done=r.already_done), highlight=False)
    if r.stored_status == "paused":
        out.print(msg("campaign.sim_paused", id=r.campaign_id), highlight=False)
    if r.stored_version is not None and r.stored_version > c.version:
        out.print(msg("campaign.sim_older", id=r.campaign_id, stored=r.stored_version,
                      version=c.version), highlight=False)
    if r.status == "budget_exhausted":
        out.print(msg("campaign.exhausted"), highlight=False)


def _summary(st: State, pairs: list[tuple[str, Any]], refused: dict[str, int]) -> None:
    parts = [f"{st.msg(k)}: {v:,}" if isinstance(v, int) else f"{st.msg(k)}: {v}"
             for k, v in pairs]
    parts += [f"{st.msg('campaign.refused', why=st.msg('campaign.reason.' + why))}: {n:,}"
              for why, n in refused.items()]
    stdout().print("  ".join(parts), highlight=False)


@campaign_app.command("apply")
def apply_cmd(
    ctx: typer.Context, document: DocArg,
    batch: Annotated[int, typer.Option(min=1, help="Awards per database transaction.")] = 500,
    as_json: JsonOpt = False,
) -> None:
    """Award the campaign's points for the lake's events. Idempotent: rerun at will."""
    from crossplay.campaigns.document import load_campaign
    from crossplay.campaigns.engine import apply

    st = state(ctx)
    campaign = load_campaign(document)
    with progress_bar(st.msg("campaign.apply_title", id=campaign.id),
                      enabled=not as_json and sys.stderr.isatty()) as update:
        r = apply(st.settings, campaign, batch=batch, on_batch=update)
    if as_json:
        print_json(asdict(r))
        return
    stdout().print(st.msg("campaign.apply_title", id=r.campaign_id), highlight=False)
    _summary(st, [("campaign.persons", r.persons), ("campaign.events", r.events),
                  ("campaign.new", r.awarded), ("campaign.issued", r.points_awarded),
                  ("campaign.already", r.already_done),
                  ("campaign.reversed", r.points_reversed),
                  ("campaign.budget_left", r.budget_left)], r.refused)
    if r.status == "budget_exhausted":
        stdout().print(st.msg("campaign.exhausted"), highlight=False)


@campaign_app.command("pause")
def pause_cmd(ctx: typer.Context, campaign_id: IdArg, as_json: JsonOpt = False) -> None:
    """Stop awarding (apply refuses) until resumed."""
    _set(ctx, campaign_id, "paused", "campaign.paused", as_json)


@campaign_app.command("resume")
def resume_cmd(ctx: typer.Context, campaign_id: IdArg, as_json: JsonOpt = False) -> None:
    """Award again after a pause (a campaign whose budget is spent says it cannot)."""
    from crossplay.campaigns.engine import resume
    from crossplay.opdb import ensure_schema, get_engine

    st = state(ctx)
    engine = get_engine(st.settings)
    ensure_schema(engine)
    r = resume(engine, campaign_id)
    if as_json:
        print_json({"campaign_id": r.campaign_id, "status": r.status, "was": r.was,
                    "budget": r.budget, "budget_left": r.budget_left,
                    "will_award": r.will_award})
        return
    key = ("campaign.resume_exhausted" if not r.will_award else
           "campaign.resume_short" if r.budget_short else "campaign.resumed")
    stdout().print(st.msg(key, id=campaign_id, left=r.budget_left, budget=r.budget),
                   style="bold" if key != "campaign.resumed" else None, highlight=False)


def _set(ctx: typer.Context, campaign_id: str, status: str, key: str, as_json: bool) -> None:
    from crossplay.campaigns.engine import set_status
    from crossplay.opdb import ensure_schema, get_engine

    st = state(ctx)
    engine = get_engine(st.settings)
    ensure_schema(engine)
    set_status(engine, campaign_id, status)
    if as_json:
        print_json({"campaign_id": campaign_id, "status": status})
        return
    stdout().print(st.msg(key, id=campaign_id), highlight=False)


@campaign_app.command("status")
def status_cmd(ctx: typer.Context, campaign_id: IdArg, as_json: JsonOpt = False) -> None:
    """Status, points issued / redeemed, budget left, rewards, top streaks."""
    from crossplay.campaigns.status import campaign_status

    st = state(ctx)
    s = campaign_status(st.settings, campaign_id)
    c = s.cost
    data = {"campaign_id": s.campaign_id, "version": s.version, "status": s.status,
            "persons": s.persons, "issued": c.issued, "clawed_back": c.clawed_back,
            "redeemed": c.redeemed, "cost_yuan": str(c.cost_yuan), "budget": c.budget,
            "budget_left": c.budget_left, "by_day": [{"day": d, "points": n}
                                                     for d, n in s.by_day],
            "rewards": s.rewards, "pending_messages": s.pending_messages,
            "top_streaks": [{"person_id": p, "best": b, "current": cur}
                            for p, b, cur in s.top_streaks]}
    if as_json:
        print_json(data)
        return
    msg = st.msg
    out = stdout()
    out.print(msg("campaign.status_title", id=s.campaign_id, version=s.version,
                  status=msg("campaign.state." + s.status)), highlight=False)
    _summary(st, [("campaign.awarded_persons", s.persons), ("campaign.issued", c.issued),
                  ("campaign.reversed", c.clawed_back), ("campaign.redeemed", c.redeemed),
                  ("campaign.cost", c.cost_yuan), ("campaign.budget_left", c.budget_left)],
             {})
    if s.rewards:
        out.print(table(None, [msg("campaign.col_reward"), msg("campaign.col_partner"),
                               msg("campaign.col_cost"), msg("campaign.col_stock"),
                               msg("campaign.col_reserved"), msg("campaign.col_redeemed")],
                        [(r["reward_id"], r["partner"], r["cost"], r["stock"], r["reserved"],
                          r["redeemed"]) for r in s.rewards]))
    if s.top_streaks:
        out.print(table(msg("campaign.top_streaks"),
                        [msg("campaign.col_person"), msg("campaign.col_best"),
                         msg("campaign.col_current")],
                        [(p[:12] + "…", b, cur) for p, b, cur in s.top_streaks]))


@campaign_app.command("expire")
def expire_cmd(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """The expiry job: move points past their expiry to the expired account."""
    from crossplay.campaigns.ledger import Ledger
    from crossplay.opdb import ensure_schema, get_engine

    st = state(ctx)
    engine = get_engine(st.settings)
    ensure_schema(engine)
    done = Ledger(engine).expire()
    points = sum(int(r.result["amount"]) for r in done if not r.replayed)
    if as_json:
        print_json({"lots": len(done), "points": points})
        return
    stdout().print(st.msg("campaign.expired", n=len(done), points=points), highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(campaign_app, name="campaign")


def demo_step(st: State, as_json: bool) -> dict[str, Any]:
    """``crossplay demo``: run the sample campaign over the world, redeem what people can
    afford, notify the partners through the outbox and check the ledger's invariants."""
    from crossplay.campaigns.demo import run_demo, world_campaign
    from crossplay.core.errors import CrossplayError
    from crossplay.measure.sample_campaign import find_world
    from crossplay.synth.world import world_config

    try:  # the campaign runs over the world's own window (the sample's is fixed)
        world = world_config(find_world(st.settings))
        document: Path | None = world_campaign(st.settings, world.start, world.last_day,
                                               people=world.people)
    except CrossplayError:  # no generated world behind this lake: the sample as it is
        document = None
    summary = run_demo(st.settings, st.msg.lang, document)
    if not as_json:
        out = stdout()
        out.print("  " + st.msg("demo.campaign_document", **summary), highlight=False)
        words = {**summary, "ok": st.msg("demo.campaign_ok" if summary["ok"] == "yes"
                                          else "demo.campaign_broken")}
        out.print("  " + st.msg("demo.campaign_summary", **words), highlight=False)
        if summary["exhausted_on"]:
            out.print("  " + st.msg("demo.campaign_exhausted", **summary), highlight=False)
        if summary["top_streaks"]:
            out.print("  " + st.msg("campaign.top_streaks") + ": " + ", ".join(
                f"{s['best']}" for s in summary["top_streaks"]), highlight=False)
        if summary["message"]:
            out.print("  " + summary["message"], highlight=False)
        out.print("  " + st.msg("demo.campaign_note"), highlight=False)
    return summary
