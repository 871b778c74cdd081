"""Behaviour mining commands: rules, segments, social, paths, churn."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from crossplay.cli.i18n import add_messages
from crossplay.cli.output import print_json, stdout, table
from crossplay.cli.state import state
from crossplay.mining.messages import MESSAGES

add_messages(MESSAGES)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
ScopeOpt = Annotated[str, typer.Option(
    "--scope", help="joint (linked persons with consent), knowledge or game (own users).")]
WindowOpt = Annotated[int | None, typer.Option(
    "--window", min=1, help="Only the last DAYS days of behaviour (default: everything).")]
rules_app = typer.Typer(help="Association rules across learning, playing and watching.",
                        no_args_is_help=True)


def _num(v: Any, digits: int = 3) -> str:
    if isinstance(v, float):
        if math.isinf(v):
            return "inf"
        return f"{v:.{digits}g}" if abs(v) < 1e-3 and v != 0 else f"{v:.{digits}f}"
    return str(v)


def _records(frame: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = frame.to_dict(orient="records")
    for r in out:
        for k, v in r.items():
            if isinstance(v, float) and math.isinf(v):
                r[k] = "inf"
            elif hasattr(v, "item"):
                r[k] = v.item()
    return out


@rules_app.command("mine")
def rules_mine(
    ctx: typer.Context,
    level: Annotated[str, typer.Option(help="item, category or behaviour.")] = "category",
    scope: ScopeOpt = "joint",
    window: WindowOpt = None,
    min_support: Annotated[float, typer.Option(help="Smallest share of people.")] = 0.05,
    min_confidence: Annotated[float, typer.Option(help="Smallest P(then | if).")] = 0.3,
    min_lift: Annotated[float, typer.Option(help="Smallest lift (1 = independence).")] = 1.0,
    cross_domain_only: Annotated[bool, typer.Option(
        "--cross-domain-only", help="Only rules from one partner's side to the other's.")]
    = False,
    max_q: Annotated[float | None, typer.Option(
        help="Only rules with a Benjamini-Hochberg q-value at most this.")] = None,
    sort: Annotated[str, typer.Option(
        help="lift, confidence, support, leverage, conviction or q_value.")] = "lift",
    top: Annotated[int, typer.Option(min=1, help="Rules to print.")] = 15,
    out: Annotated[Path | None, typer.Option(help="Export all rules to a .csv or .json file.")]
    = None,
    as_json: JsonOpt = False,
) -> None:
    """Mine rules over per-person baskets spanning both platforms; stores and prints them."""
    from crossplay.mining.population import check_scope
    from crossplay.mining.rule_mining import (
        RuleOptions,
        export_rules,
        mine_rules,
        rules_path,
    )

    st = state(ctx)
    opts = RuleOptions(level=level, scope=check_scope(scope), window_days=window,  # type: ignore[arg-type]
                       min_support=min_support, min_confidence=min_confidence,
                       min_lift=min_lift, cross_domain_only=cross_domain_only, sort_by=sort)
    res = mine_rules(st.settings, opts)
    frame = res.frame
    if max_q is not None:
        frame = frame[frame["q_value"] <= max_q]
    if out is not None:
        export_rules(frame, out)
    if as_json:
        print_json({"meta": res.meta, "rules": _records(frame.head(top)),
                    "exported": str(out) if out else None})
        return
    msg = st.msg
    con = stdout()
    lang = msg.lang
    suffix = "zh" if lang == "zh-CN" else "en"
    con.print(msg("mining.rules.title", level=level, scope=scope, rules=len(frame),
                  units=res.meta["units"], cross=int(frame["cross_domain"].sum()),
                  sig=int(frame["significant"].sum()), alpha=opts.alpha), highlight=False)
    if frame.empty:
        con.print(msg("mining.rules.none"))
    else:
        rows = [(r[f"antecedent_{suffix}"], r[f"consequent_{suffix}"], r["direction"],
                 _num(r["support"]), _num(r["confidence"]), _num(r["lift"], 2),
                 _num(r["q_value"], 2)) for r in frame.head(top).to_dict(orient="records")]
        con.print(table(None, [msg("mining.col.if"), msg("mining.col.then"),
                               msg("mining.col.direction"), msg("mining.col.support"),
                               msg("mining.col.confidence"), msg("mining.col.lift"),
                               msg("mining.col.q")], rows))
    con.print(msg("mining.rules.saved", path=rules_path(st.settings, scope, level)),
              highlight=False)
    if out is not None:
        con.print(msg("mining.rules.exported", n=len(frame), path=out), highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")


__all__ = ["register"]
