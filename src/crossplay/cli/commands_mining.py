"""Behaviour mining commands: rules, segments, social, paths, churn."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from crossplay.cli.i18n import add_messages, error_text
from crossplay.cli.output import print_json, stdout, table
from crossplay.cli.state import state
from crossplay.mining.error_messages import ERRORS
from crossplay.mining.fpm import MiningError
from crossplay.mining.messages import MESSAGES

add_messages(MESSAGES)
add_messages(ERRORS)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
ScopeOpt = Annotated[str, typer.Option(
    "--scope", help="joint (linked persons with consent), knowledge or game (own users).")]
WindowOpt = Annotated[int | None, typer.Option(
    "--window", min=1, help="Only the last DAYS days of behaviour (default: everything).")]
rules_app = typer.Typer(help="Association rules across learning, playing and watching.",
                        no_args_is_help=True)
social_app = typer.Typer(help="Influence in the social graph: PageRank, reach, communities.",
                         no_args_is_help=True)
churn_app = typer.Typer(help="Churn: propensity model, scores, drivers, retention.",
                        no_args_is_help=True)
segments_app = typer.Typer(help="Segments of people over both platforms, with profiles.",
                           no_args_is_help=True)


#: a rule's direction (as stored) -> its catalog key
_DIRECTION = {"knowledge->game": "mining.dir.to_game", "game->knowledge": "mining.dir.to_learning",
              "within": "mining.dir.within", "mixed": "mining.dir.mixed"}



def _num(v: Any, digits: int = 3) -> str:
    if isinstance(v, float):
        if math.isinf(v):
            return "inf"
        # a small non-zero value keeps its significant digits: a q of 0.004 is not "0.00"
        small = v != 0 and abs(v) < 10.0 ** -digits
        return f"{v:.{digits}g}" if small else f"{v:.{digits}f}"
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
    level: Annotated[str | None, typer.Option(
        help="item, category or behaviour (default: category).")] = None,
    scope: Annotated[str | None, typer.Option(
        "--scope", help="joint (linked persons with consent, the default), knowledge or game "
        "(own users).")] = None,
    window: WindowOpt = None,
    min_support: Annotated[float, typer.Option(
        help="Smallest share of people (never below k people) or of baskets.")] = 0.01,
    min_confidence: Annotated[float, typer.Option(help="Smallest P(then | if).")] = 0.1,
    min_lift: Annotated[float, typer.Option(
        help="Smallest lift (1 = independence; 0 keeps every rule).")] = 1.0,
    max_len: Annotated[int | None, typer.Option(
        min=1, help="Most items in an itemset (default: 4 on the lake, no limit for a "
        "file).")] = None,
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
    itemsets_out: Annotated[Path | None, typer.Option(
        help="Export every frequent itemset to a .csv or .json file.")] = None,
    from_file: Annotated[Path | None, typer.Option(
        "--from-file", help="Mine a basket file instead of the lake: one basket per line, or "
        "transaction/item pairs.")] = None,
    file_format: Annotated[str, typer.Option(
        "--format", help="With --from-file: auto, baskets or pairs.")] = "auto",
    delimiter: Annotated[str | None, typer.Option(
        help="With --from-file: one character, or tab, comma, semicolon, pipe, space "
        "(default: detected).")] = None,
    header: Annotated[bool, typer.Option(
        "--header", help="With --from-file: the first line names the columns.")] = False,
    transaction_col: Annotated[str | None, typer.Option(
        help="With --from-file: the transaction column(s) of pairs, by name or 1-based "
        "position (A,B: together).")] = None,
    item_col: Annotated[str | None, typer.Option(
        help="With --from-file: the item column of pairs, by name or 1-based position.")]
    = None,
    as_json: JsonOpt = False,
) -> None:
    """Mine rules over per-person baskets spanning both platforms (stored), or over a basket
    file (--from-file); prints them."""
    if from_file is not None:
        if level is not None or scope is not None or window is not None or cross_domain_only:
            raise MiningError("--level, --scope, --window and --cross-domain-only choose "
                              "the lake's baskets: leave them out with --from-file",
                              code="mining_file_lake_options")
        _rules_mine_file(ctx, from_file, min_support=min_support,
                         min_confidence=min_confidence, min_lift=min_lift, max_len=max_len,
                         max_q=max_q, sort=sort, top=top, out=out, itemsets_out=itemsets_out,
                         file_format=file_format, delimiter=delimiter, header=header,
                         transaction_col=transaction_col, item_col=item_col,
                         as_json=as_json)
        return
    if (file_format != "auto" or delimiter is not None or header
            or transaction_col is not None or item_col is not None):
        raise MiningError("--format, --delimiter, --header, --transaction-col and --item-col "
                          "read a basket file: give it with --from-file",
                          code="mining_file_options_without_file")
    from crossplay.mining.population import check_scope
    from crossplay.mining.rule_mining import (
        RuleOptions,
        export_itemsets,
        export_rules,
        mine_rules,
        rules_path,
    )

    level = level or "category"
    scope = scope or "joint"
    st = state(ctx)
    opts = RuleOptions(level=level, scope=check_scope(scope), window_days=window,  # type: ignore[arg-type]
                       min_support=min_support, min_confidence=min_confidence,
                       min_lift=min_lift, cross_domain_only=cross_domain_only, sort_by=sort,
                       max_len=max_len or RuleOptions.max_len)
    res = mine_rules(st.settings, opts)
    frame = res.frame
    if max_q is not None:
        frame = frame[frame["q_value"] <= max_q]
    if out is not None:
        export_rules(frame, out, st.settings, scope)
    if itemsets_out is not None and res.itemsets is not None:
        export_itemsets(res.itemsets, itemsets_out, st.settings, scope)
    if as_json:
        print_json({"meta": res.meta, "rules": _records(frame.head(top)),
                    "exported": str(out) if out else None,
                    "itemsets_exported": str(itemsets_out) if itemsets_out else None})
        return
    msg = st.msg
    con = stdout()
    lang = msg.lang
    suffix = "zh" if lang == "zh-CN" else "en"
    con.print(msg("mining.rules.title", level=msg(f"mining.level.{level}"),
                  scope=msg(f"mining.scope.{scope}"), rules=len(frame),
                  units=res.meta["units"], cross=int(frame["cross_domain"].sum()),
                  sig=int(frame["significant"].sum()), alpha=opts.alpha), highlight=False)
    if frame.empty:
        con.print(msg("mining.rules.none"))
    else:
        rows = [(r[f"antecedent_{suffix}"], r[f"consequent_{suffix}"],
                 msg(_DIRECTION[r["direction"]]),
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
    if itemsets_out is not None and res.itemsets is not None:
        con.print(msg("mining.rules.itemsets_exported", n=len(res.itemsets),
                      path=itemsets_out), highlight=False)


def _rules_mine_file(ctx: typer.Context, path: Path, *, min_support: float,
                     min_confidence: float, min_lift: float, max_len: int | None,
                     max_q: float | None, sort: str, top: int, out: Path | None,
                     itemsets_out: Path | None, file_format: str, delimiter: str | None,
                     header: bool, transaction_col: str | None, item_col: str | None,
                     as_json: bool) -> None:
    """``rules mine --from-file``: the same engine over a basket file; nothing stored."""
    from crossplay.mining.baskets_file import BasketFileOptions, check_format
    from crossplay.mining.rule_mining import export_rules
    from crossplay.mining.rules_file import FileRuleOptions, mine_rules_file

    st = state(ctx)
    tx_cols = tuple(c.strip() for c in (transaction_col or "").split(",") if c.strip())
    reading = BasketFileOptions(format=check_format(file_format), delimiter=delimiter,
                                header=header, transaction_cols=tx_cols, item_col=item_col)
    opts = FileRuleOptions(min_support=min_support, min_confidence=min_confidence,
                           min_lift=min_lift, max_len=max_len, sort_by=sort)
    res = mine_rules_file(path, opts, reading)
    frame = res.rules
    if max_q is not None:
        frame = frame[frame["q_value"] <= max_q]
    if out is not None:
        export_rules(frame, out)
    if itemsets_out is not None:
        export_rules(res.itemsets, itemsets_out)
    if as_json:
        print_json({"meta": res.meta, "rules": _records(frame.head(top)),
                    "exported": str(out) if out else None,
                    "itemsets_exported": str(itemsets_out) if itemsets_out else None})
        return
    msg, con, meta = st.msg, stdout(), res.meta
    con.print(msg("mining.rules.file_title", file=path.name, rules=len(frame),
                  baskets=meta["baskets"], items=meta["items"], itemsets=meta["itemsets"],
                  sig=int(frame["significant"].sum()), alpha=opts.alpha), highlight=False)
    how = "detected" if meta["format_detected"] else "given"
    con.print(msg(f"mining.rules.file_read.{meta['format']}.{how}",
                  delimiter=msg(f"mining.delimiter.{meta['delimiter']}")
                  if meta["delimiter"] in _DELIMITER_NAMES else repr(meta["delimiter"]),
                  rows=meta["rows"], blank=meta["blank_lines"], empty=meta["empty_fields"]),
              highlight=False)
    if frame.empty:
        con.print(msg("mining.rules.none"))
    else:
        rows = [(r["antecedent"], r["consequent"], _num(r["support"]),
                 _num(r["confidence"]), _num(r["lift"], 2), _num(r["q_value"], 2))
                for r in frame.head(top).to_dict(orient="records")]
        con.print(table(None, [msg("mining.col.if"), msg("mining.col.then"),
                               msg("mining.col.support"), msg("mining.col.confidence"),
                               msg("mining.col.lift"), msg("mining.col.q")], rows))
    if out is not None:
        con.print(msg("mining.rules.exported", n=len(frame), path=out), highlight=False)
    if itemsets_out is not None:
        con.print(msg("mining.rules.itemsets_exported", n=len(res.itemsets),
                      path=itemsets_out), highlight=False)


#: delimiters the messages name in words (others are shown as the character)
_DELIMITER_NAMES = ("tab", "comma", "semicolon", "whitespace")


def _render_segments(ctx: typer.Context, profiles: list[dict[str, Any]],
                     counts: dict[int, int] | None = None) -> None:
    msg = state(ctx).msg
    zh = msg.lang == "zh-CN"
    rows = []
    for p in profiles:
        h = p["hours_week"]
        size = counts.get(p["segment"], 0) if counts is not None else p["size"]
        if not p.get("releasable", True):
            rows.append((p["segment"], msg("mining.seg.below_k",
                                           k=state(ctx).settings.privacy_k), "", "", "", ""))
            continue
        rows.append((p["segment"], f"{size:,}", f"{p['share']:.1%}",
                     f"{p['value_yuan_per_person']:.2f}",
                     f"{h.get('k', 0):.1f} · {h.get('g', 0):.1f} · {h.get('s', 0):.1f}",
                     p["name_zh"] if zh else p["name_en"]))
    stdout().print(table(None, [msg("mining.col.segment"), msg("mining.col.size"),
                                msg("mining.col.share"), msg("mining.col.value"),
                                msg("mining.col.hours"), msg("mining.col.profile")], rows))


@segments_app.command("fit")
def segments_fit(
    ctx: typer.Context,
    scope: ScopeOpt = "joint",
    k_min: Annotated[int, typer.Option(min=2, help="Smallest k tried.")] = 3,
    k_max: Annotated[int, typer.Option(min=2, help="Largest k tried.")] = 8,
    criterion: Annotated[str, typer.Option(help="silhouette (highest) or bic (lowest).")]
    = "silhouette",
    components: Annotated[int, typer.Option(
        min=0, help="Principal components before k-means (0 = none).")] = 6,
    window: WindowOpt = None,
    fresh: Annotated[bool, typer.Option(
        "--fresh", help="Ignore the previous model (labels are not matched to it).")] = False,
    truth: Annotated[Path | None, typer.Option(
        help="A synthetic world directory: report agreement (ARI) with its archetypes.")]
    = None,
    as_json: JsonOpt = False,
) -> None:
    """Cluster people over joint features; k chosen in a range; stable labels; profiles."""
    from crossplay.mining.population import check_scope
    from crossplay.mining.segment_job import SegmentOptions, fit_segments

    st = state(ctx)
    opts = SegmentOptions(scope=check_scope(scope), k_min=k_min, k_max=k_max,
                          criterion=criterion, n_components=components,  # type: ignore[arg-type]
                          window_days=window, fresh=fresh)
    res = fit_segments(st.settings, opts)
    ari: dict[str, Any] | None = None
    if truth is not None:
        from crossplay.mining.truth_eval import archetype_ari, archetypes_by_unit

        value, n = archetype_ari(res.labels, archetypes_by_unit(st.settings, truth, scope))
        ari = {"ari": value, "compared": n}
    if as_json:
        print_json({"meta": res.meta, "profiles": res.profiles, "truth": ari})
        return
    stdout().print(st.msg("mining.seg.title", scope=st.msg(f"mining.scope.{scope}"),
                          units=res.meta["units"], k=res.meta["k"],
                          criterion=st.msg(f"mining.criterion.{criterion}")), highlight=False)
    _render_segments(ctx, res.profiles)
    if ari is not None:
        stdout().print(st.msg("mining.seg.ari", ari=ari["ari"], n=ari["compared"]),
                       highlight=False)


@segments_app.command("assign")
def segments_assign(ctx: typer.Context, scope: ScopeOpt = "joint", window: WindowOpt = None,
                    as_json: JsonOpt = False) -> None:
    """Score everyone in scope (new people included) with the stored segment model."""
    from crossplay.mining.segment_job import assign_segments

    st = state(ctx)
    res = assign_segments(st.settings, scope, window)
    if as_json:
        print_json({"meta": res.meta, "profiles": res.profiles})
        return
    stdout().print(st.msg("mining.seg.assigned", units=res.meta["units"]), highlight=False)
    _render_segments(ctx, res.profiles, res.meta["per_segment"])


@social_app.command("rank")
def social_rank(
    ctx: typer.Context,
    segment: Annotated[int | None, typer.Option(
        help="Rank by expected reach into this segment (from `segments fit`).")] = None,
    scope: ScopeOpt = "joint",
    platform: Annotated[str, typer.Option(
        help="game (player relations), stream (viewers to streamers) or all.")] = "all",
    what: Annotated[str, typer.Option(help="streamers, users or all.")] = "streamers",
    top: Annotated[int, typer.Option(min=1, help="How many to list.")] = 10,
    as_json: JsonOpt = False,
) -> None:
    """Rank streamers or seed users by influence, or by expected reach into a segment."""
    from crossplay.mining.social_job import rank_social

    st = state(ctx)
    res = rank_social(st.settings, platform=platform, segment=segment, scope=scope, top=top,
                      what=what)
    if as_json:
        print_json({"meta": res.meta, "ranking": _records(res.ranking)})
        return
    msg = st.msg
    zh = msg.lang == "zh-CN"
    m = res.meta
    con = stdout()
    con.print(msg("mining.social.title", platform=msg(f"mining.platform.{platform}"),
                  nodes=f"{m['nodes']:,}",
                  edges=f"{m['edges']:,}", communities=m["communities"],
                  modularity=m["modularity"]), highlight=False)
    if segment is not None:
        con.print(msg("mining.social.for", segment=segment,
                      name=m.get("segment_name_zh" if zh else "segment_name_en", "")),
                  highlight=False)
    else:
        con.print(msg("mining.social.pr"))
    cols = [msg("mining.col.node"), msg("mining.col.pagerank"), msg("mining.col.reach1"),
            msg("mining.col.reach2"), msg("mining.col.community")]
    if segment is not None:
        cols += [msg("mining.col.expected"), msg("mining.col.seg_reach2")]
    rows = []
    for r in res.ranking.to_dict(orient="records"):
        who = r["name_zh" if zh else "name_en"]
        if r["node_type"] == "user":
            who = str(r["node"])[:14] + "…"
        row = [who, f"{r['pagerank']:.5f}", r["reach1"], r["reach2"], r["community"]]
        if segment is not None:
            row += [f"{r['expected_reach']:.1f}", r["segment_reach2"]]
        rows.append(row)
    con.print(table(None, cols, rows))


def paths_cmd(
    ctx: typer.Context,
    to: Annotated[str, typer.Option("--to", help="purchase (first purchase) or churn.")]
    = "purchase",
    scope: ScopeOpt = "joint",
    steps: Annotated[int, typer.Option(min=1, max=8, help="Steps before the target.")] = 3,
    top: Annotated[int, typer.Option(min=1, help="Paths to list.")] = 10,
    days: Annotated[int, typer.Option(min=1, help="Churn = inactive for DAYS days.")] = 7,
    window: WindowOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Top event paths to a first purchase or to churn, conversion per step, Sankey data."""
    from crossplay.mining.churn_job import run_paths
    from crossplay.mining.paths import step_name

    st = state(ctx)
    doc = run_paths(st.settings, to, scope=scope, steps=steps, top=top, churn_days=days,
                    window_days=window)
    if as_json:
        print_json(doc)
        return
    msg = st.msg
    stdout().print(msg("mining.paths.title", target=msg(f"mining.paths.{to}"),
                       scope=msg(f"mining.scope.{scope}"),
                       reached=doc["reached"], units=doc["units"], steps=steps),
                   highlight=False)
    rows = []
    for p in doc["paths"]:
        parts = [f"{step_name(s['step'], msg.lang)} ({s['conversion']:.1%})"
                 for s in p["steps"]]
        rows.append((f"{p['count']:,}", " → ".join([*parts, step_name(to, msg.lang)])))
    stdout().print(table(None, [msg("mining.col.size"), msg("mining.col.path")], rows))


@churn_app.command("fit")
def churn_fit(ctx: typer.Context, scope: ScopeOpt = "joint",
              days: Annotated[int, typer.Option(min=1, help="Churn = inactive DAYS days.")]
              = 7, as_json: JsonOpt = False) -> None:
    """Fit the churn propensity model (LightGBM, calibrated) with a time-based hold-out."""
    from crossplay.mining.churn_job import run_churn_fit

    st = state(ctx)
    report = run_churn_fit(st.settings, scope, days)
    if as_json:
        print_json(report)
        return
    _render_churn(ctx, report)


def _render_churn(ctx: typer.Context, report: dict[str, Any]) -> None:
    from crossplay.mining.churn_words import driver_sentence

    msg = state(ctx).msg
    m = report["metrics"]
    con = stdout()
    con.print(msg("mining.churn.fit", days=report["days"], auc=m["auc_holdout"],
                  n=m["holdout_units"], base=m["base_rate_holdout"],
                  brier=m["brier_holdout"]), highlight=False)
    # worded now from the feature and direction (a report stored by an older version
    # holds the sentences it wrote then)
    con.print(table(msg("mining.churn.drivers"),
                    [msg("mining.col.driver"), msg("mining.col.importance")],
                    [(driver_sentence(d, msg.lang), f"{d['importance']:.4f}")
                     for d in report["drivers"]]))
    km = report.get("kaplan_meier_by_segment") or []
    if km:
        days = list(km[0]["survival"])
        con.print(table(msg("mining.churn.km"),
                        [msg("mining.col.segment"), msg("mining.col.size")]
                        + [msg("mining.col.day", d=d) for d in days],
                        [(msg("mining.churn.everyone") if g["group"] == "all" else g["group"],
                          g["n"], *(f"{g['survival'][d]:.1%}" for d in days))
                         for g in km]))


@churn_app.command("drivers")
def churn_drivers(ctx: typer.Context, scope: ScopeOpt = "joint",
                  as_json: JsonOpt = False) -> None:
    """What drives churn (from the last fit), in words, and retention by segment."""
    from crossplay.mining.churn_job import load_churn_report

    report = load_churn_report(state(ctx).settings, scope)
    if as_json:
        print_json({"drivers": report["drivers"], "metrics": report["metrics"],
                    "kaplan_meier_by_segment": report["kaplan_meier_by_segment"]})
        return
    _render_churn(ctx, report)


@churn_app.command("score")
def churn_score(ctx: typer.Context, scope: ScopeOpt = "joint",
                top: Annotated[int, typer.Option(min=1, help="Rows to print.")] = 10,
                as_json: JsonOpt = False) -> None:
    """Churn probability for the next DAYS days of everyone active now; stored."""
    from crossplay.mining.churn_job import run_churn_score

    st = state(ctx)
    frame = run_churn_score(st.settings, scope)
    if as_json:
        print_json({"scored": len(frame), "top": _records(frame.head(top))})
        return
    stdout().print(st.msg("mining.churn.scored", n=f"{len(frame):,}"), highlight=False)
    col = frame.columns[0]  # person_id (joint) or user_key (one partner's own users)
    stdout().print(table(None, [st.msg(f"mining.col.{col}"), st.msg("mining.col.risk")],
                         [(r[col], f"{r['churn_probability']:.3f}")
                          for r in frame.head(top).to_dict(orient="records")]))


def _demo_world(st: Any) -> Path | None:
    """The generated world behind the lake (its ground truth judges what mining found)."""
    from crossplay.core.errors import CrossplayError
    from crossplay.measure.sample_campaign import find_world

    try:
        return find_world(st.settings)
    except CrossplayError:
        return None


def _demo_rules(st: Any, as_json: bool, world: Path | None) -> dict[str, Any]:
    """Cross-domain pair rules over categories and habits, significant first, one
    direction per pair; each judged against the world's planted affinities."""
    import pandas as pd

    from crossplay.mining.rule_mining import RuleOptions, mine_rules
    from crossplay.mining.truth_eval import planted_pairs, rule_is_planted

    msg, out = st.msg, stdout()
    zh = msg.lang == "zh-CN"
    found = [mine_rules(st.settings, RuleOptions(level=level, cross_domain_only=True,
                                                 max_len=2))
             for level in ("category", "behaviour")]
    frame = pd.concat([r.frame for r in found], ignore_index=True)
    frame = frame.sort_values(["significant", "lift", "confidence", "support"],
                              ascending=False, kind="stable")
    pair = [" | ".join(sorted((a, c))) for a, c in zip(frame["antecedent"],
                                                       frame["consequent"], strict=True)]
    frame = frame.assign(pair=pair).drop_duplicates("pair")
    planted = planted_pairs(world) if world is not None else None
    frame = frame.assign(planted=[
        planted is not None and rule_is_planted(a, c, planted)
        for a, c in zip(frame["antecedent"], frame["consequent"], strict=True)])
    top = frame.head(5)
    units = found[0].meta["units"]
    sig = frame[frame["significant"].astype(bool)]
    summary: dict[str, Any] = {
        "units": units, "cross_domain_pairs": len(frame), "significant": len(sig),
        "significant_planted": int(sig["planted"].sum()) if planted is not None else None,
        "top": _records(top[["antecedent_en", "consequent_en", "antecedent_zh",
                             "consequent_zh", "support", "confidence", "lift", "q_value",
                             "significant", "planted"]])}
    if as_json:
        return summary
    out.print(msg("mining.demo.rules_head", units=units, k=st.settings.privacy_k))
    if top.empty:
        out.print("  " + msg("mining.demo.no_rules"))
    for r in top.to_dict(orient="records"):
        a = r["antecedent_zh" if zh else "antecedent_en"]
        c = r["consequent_zh" if zh else "consequent_en"]
        mark = ("  " + msg("mining.demo.planted")) if r["planted"] else ""
        out.print(f"  {a} → {c}  " + msg("mining.demo.rule_figures", lift=r["lift"],
                                             conf=r["confidence"], q=r["q_value"]) + mark,
                  highlight=False)
    if not top.empty:
        out.print("  " + msg("mining.demo.rules_tally", n=len(frame), sig=len(sig)),
                  highlight=False)
    if planted is not None and len(sig):
        out.print("  " + msg("mining.demo.rules_truth", planted=int(sig["planted"].sum()),
                             sig=len(sig)), highlight=False)
    return summary


def demo_step(st: Any, as_json: bool) -> dict[str, Any]:
    """``crossplay demo``: top cross-domain rules (checked against the world's planted
    affinities), segments with profiles (and their agreement with the planted
    archetypes), top streamers for the segment that spends most."""
    from crossplay.mining.fpm import MiningError
    from crossplay.mining.segment_job import SegmentOptions, fit_segments
    from crossplay.mining.social_job import rank_social
    from crossplay.mining.truth_eval import archetype_ari, archetypes_by_unit

    msg = st.msg
    zh = msg.lang == "zh-CN"
    out = stdout()
    summary: dict[str, Any] = {}
    world = _demo_world(st)
    try:
        summary["rules"] = _demo_rules(st, as_json, world)
    except MiningError as exc:
        summary["rules"] = {"error": exc.message}
        if not as_json:
            out.print(f"  {error_text(exc)}", highlight=False)
    try:
        seg = fit_segments(st.settings, SegmentOptions(k_min=3, k_max=6, fresh=True))
        summary["segments"] = {"k": seg.meta["k"], "profiles": [
            {k: p[k] for k in ("segment", "size", "share", "value_yuan_per_person", "name_en",
                               "name_zh", "distinct")} for p in seg.profiles]}
        if world is not None:
            ari, n = archetype_ari(seg.labels, archetypes_by_unit(st.settings, world, "joint"))
            summary["segments"]["archetype_ari"] = {"ari": round(ari, 3), "people": n}
        if not as_json:
            out.print(msg("mining.demo.segments_head" if seg.meta["every_segment_distinct"]
                          else "mining.demo.segments_head_small", k=seg.meta["k"],
                          privacy_k=st.settings.privacy_k))
            for p in seg.profiles:
                if not p["releasable"]:
                    out.print(f"  [{p['segment']}] "
                              + msg("mining.seg.below_k", k=st.settings.privacy_k),
                              highlight=False)
                    continue
                out.print(f"  [{p['segment']}] {p['size']:>4} · {p['value_yuan_per_person']:>8.2f} "
                          f"¥ · {p['name_zh' if zh else 'name_en']}", highlight=False)
            if world is not None:
                out.print("  " + msg("mining.seg.ari", ari=ari, n=n) + " "
                          + msg("mining.demo.ari_scale"), highlight=False)
        releasable = [p for p in seg.profiles if p["releasable"]]
        if not releasable:
            raise MiningError(f"no segment holds k = {st.settings.privacy_k} people: "
                              "no streamers to rank", code="mining_no_releasable_segment",
                              params={"k": st.settings.privacy_k})
        target = max(releasable, key=lambda p: p["value_yuan_per_person"] * p["size"])
        social = rank_social(st.settings, platform="stream", segment=target["segment"], top=3)
        summary["streamers"] = {"segment": target["segment"], "top": [
            {"streamer_id": r["streamer_id"], "name_en": r["name_en"], "name_zh": r["name_zh"],
             "expected_reach": float(r["expected_reach"]), "pagerank": float(r["pagerank"])}
            for r in social.ranking.to_dict(orient="records")]}
        if not as_json:
            out.print(msg("mining.demo.streamers_head", segment=target["segment"],
                          name=target["name_zh" if zh else "name_en"]), highlight=False)
            for r in social.ranking.to_dict(orient="records"):
                name = r["name_zh" if zh else "name_en"]
                out.print(f"  {name}  " + msg("mining.demo.streamer_figures",
                                              reach=r["expected_reach"], pr=r["pagerank"]),
                          highlight=False)
            out.print(msg("mining.demo.next"), highlight=False)
    except MiningError as exc:  # e.g. a world too small to segment: say so, go on
        summary["segments"] = {"error": exc.message}
        if not as_json:
            out.print(f"  {error_text(exc)}", highlight=False)
    summary["churn"] = _demo_churn(st, as_json)
    return summary


def _demo_churn(st: Any, as_json: bool) -> dict[str, Any]:
    """The demo's churn model of linked persons (its drivers and Kaplan-Meier curves by
    segment fill the dashboard's behaviour page)."""
    from crossplay.core.errors import CrossplayError
    from crossplay.mining.churn_job import run_churn_fit

    try:
        report = run_churn_fit(st.settings, "joint")
    except CrossplayError as exc:  # e.g. too few people to hold out: say so, go on
        if not as_json:
            stdout().print(f"  {error_text(exc)}", highlight=False)
        return {"error": exc.message}
    m = report["metrics"]
    if not as_json:
        stdout().print(st.msg("mining.churn.fit", days=report["days"], auc=m["auc_holdout"],
                              n=m["holdout_units"], base=m["base_rate_holdout"],
                              brier=m["brier_holdout"]), highlight=False)
    return {"auc_holdout": m["auc_holdout"], "holdout_units": m["holdout_units"],
            "drivers": [d["en"] for d in report["drivers"][:3]]}


def register(app: typer.Typer) -> None:
    app.command("paths")(paths_cmd)
    app.add_typer(churn_app, name="churn")
    app.add_typer(social_app, name="social")
    app.add_typer(rules_app, name="rules")
    app.add_typer(segments_app, name="segments")


__all__ = ["register"]
