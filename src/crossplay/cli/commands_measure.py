"""Measurement commands: experiment (analyze, plan, assign), funnel, retention, kpi, uplift."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import duckdb
import typer

from crossplay.cli.i18n import Messages, add_messages
from crossplay.cli.output import print_json, stdout, table
from crossplay.cli.state import State, state
from crossplay.core.types import Partner
from crossplay.measure import fileinput
from crossplay.measure.analysis import Analysis, CupedSlope, analyze
from crossplay.measure.corrections import Correction
from crossplay.measure.error_messages import ERRORS
from crossplay.measure.errors import MeasureError
from crossplay.measure.messages import MESSAGES
from crossplay.measure.power import plan
from crossplay.measure.present import analysis_dict, comparison_table
from crossplay.measure.srm import SRM_THRESHOLD, SrmResult

add_messages(MESSAGES)
add_messages(ERRORS)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
experiment_app = typer.Typer(help="A/B experiments: plan, assign, analyse.",
                             no_args_is_help=True)
uplift_app = typer.Typer(help="Uplift models: who is moved by a campaign.", no_args_is_help=True)


def _weights(text: str | None) -> dict[str, float] | None:
    if not text:
        return None
    out: dict[str, float] = {}
    for part in text.split(","):
        name, eq, w = part.partition("=")
        try:
            out[name.strip()] = float(w)
        except ValueError:
            raise MeasureError(f"--weights: write VARIANT=WEIGHT,... (got {part!r})",
                               code="measure_weights", params={"part": part}) from None
        if not eq or out[name.strip()] < 0:
            raise MeasureError(f"--weights: write VARIANT=WEIGHT,... (got {part!r})",
                               code="measure_weights", params={"part": part})
    return out


def reasons_text(msg: Messages, a: Analysis, variant: str) -> str:
    parts = []
    for code in a.reason_codes.get(variant, []):
        name, _, arg = code.partition(":")
        parts.append(msg("m.why." + name, p=a.srm.p_value, metrics=arg))
    return "; ".join(parts)


def render_srm(msg: Messages, srm: SrmResult) -> None:
    """The SRM line: a loud mismatch, a visible warning below p = 0.01, else OK; per arm
    against control when there are more than two."""
    out = stdout()
    exp = [round(e) for e in srm.expected]
    if srm.mismatch:
        out.print(msg("m.srm.bad", p=srm.p_value, obs=srm.observed, exp=exp),
                  style="bold red", markup=False, highlight=False)
    elif srm.warning:
        out.print(msg("m.srm.warn", p=srm.p_value, obs=srm.observed, exp=exp,
                      threshold=srm.threshold), style="yellow", markup=False, highlight=False)
    else:
        out.print(msg("m.srm.ok", p=srm.p_value), markup=False, highlight=False)
    for pair in srm.pairwise:
        state = "bad" if pair.mismatch else "warn" if pair.warning else "ok"
        out.print(msg("m.srm.pair", variant=pair.variant, obs=pair.observed, p=pair.p_value,
                      state=msg("m.srm.state." + state)),
                  style={"bad": "bold red", "warn": "yellow"}.get(state, ""), markup=False,
                  highlight=False)


def render_analysis(msg: Messages, a: Analysis, name: str) -> None:
    out = stdout()
    out.print(msg("m.exp.title", name=name, variants=len(a.variants), control=a.control),
              highlight=False)
    render_srm(msg, a.srm)
    out.print(table(None, *comparison_table(a, msg)))
    for c in a.comparisons:
        if c.variance_reduction is not None and c.cuped_theta is not None:
            out.print(msg("m.cuped", metric=f"{c.metric}/{c.variant}",
                          pct=100 * c.variance_reduction, theta=c.cuped_theta),
                      highlight=False)
    k = sum(1 for c in a.comparisons if c.role != "guardrail")
    out.print(msg("m.correction", method=a.correction, k=k), highlight=False)
    for v, verdict in a.verdicts.items():
        style = {"ship": "green", "do_not_ship": "red", "broken": "bold red"}.get(verdict, "")
        text = msg("m.verdict", variant=v, verdict=msg("m.v." + verdict),
                   why=reasons_text(msg, a, v))
        out.print(text, style=style or None, highlight=False)


def experiment_analyze(
    ctx: typer.Context,
    key: Annotated[str | None, typer.Argument(
        help="Experiment key (an experiment document); or use --from-file.")] = None,
    from_file: Annotated[Path | None, typer.Option(
        "--from-file", help="CSV / Parquet / JSONL with one row per person.")] = None,
    variant_col: Annotated[str, typer.Option(help="Column holding the variant.")] = "variant",
    control: Annotated[str | None, typer.Option(help="The control variant's value.")] = None,
    metric: Annotated[list[str] | None, typer.Option(
        help="Metric column (repeat; the first is primary).")] = None,
    ratio: Annotated[list[str] | None, typer.Option(
        help="Ratio metric NAME=NUMERATOR/DENOMINATOR (delta method; repeat).")] = None,
    guardrail: Annotated[list[str] | None, typer.Option(
        help="Guardrail metric column (repeat): any significant harm fails the variant.")]
    = None,
    lower_is_better: Annotated[list[str] | None, typer.Option(
        "--lower-is-better", help="Metric where a decrease is good (repeat).")] = None,
    covariate: Annotated[str | None, typer.Option(
        help="Pre-period covariate column for CUPED.")] = None,
    weights: Annotated[str | None, typer.Option(
        help="Planned split for the SRM check, e.g. control=50,treatment=50 (default: equal).")]
    = None,
    alpha: Annotated[float | None, typer.Option(
        min=0.0001, max=0.5, help="Significance level (default 0.05, or the document's).")]
    = None,
    correction: Annotated[str | None, typer.Option(
        help="holm, bh or none (default holm, or the document's).")] = None,
    srm_threshold: Annotated[float, typer.Option(
        "--srm-threshold", min=1e-12, max=0.5,
        help="p-value below which the split is a sample-ratio mismatch and the variant is "
             "'broken' (default 0.001; below 0.01 is always a visible warning).")]
    = SRM_THRESHOLD,
    cuped_slope: Annotated[str, typer.Option(
        "--cuped-slope",
        help="per-comparison (default: the slope fitted on the two arms compared, as gbstats) "
             "or pooled (one slope within all arms).")] = "per-comparison",
    report: Annotated[Path | None, typer.Option(help="Write a self-contained HTML report.")]
    = None,
    as_json: JsonOpt = False,
) -> None:
    """Per variant: n, mean, lift with intervals, tests, SRM, sequential, Bayesian, verdict."""
    st = state(ctx)
    if correction not in (None, "holm", "bh", "none"):
        raise MeasureError("--correction: use holm, bh or none", code="measure_correction")
    corr: Correction | None = correction  # type: ignore[assignment]
    slopes: dict[str, CupedSlope] = {"per-comparison": "per_comparison", "pooled": "pooled"}
    if cuped_slope not in slopes:
        raise MeasureError("--cuped-slope: use per-comparison or pooled",
                           code="measure_cuped_slope")
    slope = slopes[cuped_slope]
    series: list[Any] | None
    exposure: dict[str, int] = {}
    if from_file is None:
        if key is None:
            raise MeasureError("give an experiment KEY or --from-file FILE",
                               code="measure_analyze_input")
        from crossplay.measure.lakeanalysis import analyze_key

        result, name, series, exposure = analyze_key(st.settings, key, alpha=alpha,
                                                     correction=corr,
                                                     srm_threshold=srm_threshold,
                                                     cuped_slope=slope)
    else:
        if control is None:
            raise MeasureError("--control VALUE is required with --from-file",
                               code="measure_control_needed")
        con = duckdb.connect()
        try:
            columns = fileinput.open_file(con, from_file)
            sums = fileinput.summaries(
                con, columns, variant_col=variant_col, metrics=list(metric or []),
                covariate=covariate, ratios=[fileinput.RatioSpec.parse(r) for r in ratio or []],
                guardrails=list(guardrail or []), lower_is_better=list(lower_is_better or []))
        finally:
            con.close()
        result = analyze(sums, control=control, weights=_weights(weights),
                         alpha=alpha or 0.05, correction=corr or "holm",
                         srm_threshold=srm_threshold, cuped_slope=slope)
        name, series = from_file.name, None
    data: dict[str, Any] = {"experiment": name, **analysis_dict(result)}
    if series is not None:
        from dataclasses import asdict

        data["exposures"] = exposure
        data["cumulative"] = [asdict(p) for p in series]
    if report is not None:
        from crossplay.measure.report import experiment_report

        experiment_report(report, result, name, st.msg.lang, series)
        data["report"] = str(report)
    if as_json:
        print_json(data)
        return
    render_analysis(st.msg, result, name)
    if series is not None and exposure["excluded_multiple_variants"]:
        stdout().print(st.msg("m.exp.excluded", n=exposure["excluded_multiple_variants"]),
                       highlight=False)
    if report is not None:
        stdout().print(st.msg("m.report", path=report), highlight=False)


def experiment_plan(
    ctx: typer.Context,
    baseline: Annotated[float, typer.Option(
        help="Control's conversion rate (0-1), or its mean with --sd.")],
    mde: Annotated[float, typer.Option(help="Minimum detectable effect (relative by default).")],
    absolute: Annotated[bool, typer.Option(
        "--absolute", help="The MDE is absolute, not relative to the baseline.")] = False,
    sd: Annotated[float | None, typer.Option(
        help="Per-person standard deviation of a mean metric.")] = None,
    alpha: Annotated[float, typer.Option(min=0.0001, max=0.5)] = 0.05,
    power: Annotated[float, typer.Option(min=0.05, max=0.9999)] = 0.8,
    variants: Annotated[int, typer.Option(min=2, help="Number of variants incl. control.")] = 2,
    ratio: Annotated[float, typer.Option(help="People per variant / people in control.")]
    = 1.0,
    daily: Annotated[float | None, typer.Option(
        help="People entering the experiment per day (to state the duration).")] = None,
    report: Annotated[Path | None, typer.Option(help="Write an HTML power curve.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Sample size per variant (and days) to detect the minimum detectable effect."""
    st = state(ctx)
    p = plan(baseline=baseline, mde=mde, relative=not absolute, sd=sd, alpha=alpha,
             target_power=power, variants=variants, ratio=ratio, daily_traffic=daily)
    if report is not None:
        from crossplay.measure.report import plan_report

        plan_report(report, p, st.msg.lang)
    if as_json:
        from dataclasses import asdict

        print_json(asdict(p) | ({"report": str(report)} if report else {}))
        return
    out = stdout()
    out.print(st.msg("m.plan.title", kind=st.msg("m.kind." + p.kind)), highlight=False)
    out.print(st.msg("m.plan.line", mde_abs=p.mde_abs, mde_rel=p.mde_rel, baseline=p.baseline,
                     power=p.power, alpha=p.alpha, n_control=p.n_control,
                     n_variant=p.n_variant, n_total=p.n_total), highlight=False)
    if p.days is not None and daily:
        out.print(st.msg("m.plan.days", traffic=daily, days=p.days), highlight=False)
    if report is not None:
        out.print(st.msg("m.report", path=report), highlight=False)


def experiment_add(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Experiment document (YAML).")],
    as_json: JsonOpt = False,
) -> None:
    """Validate an experiment document and keep it (layers must not overlap)."""
    from crossplay.measure.experiment import load_experiment
    from crossplay.measure.registry import save_experiment

    st = state(ctx)
    exp = load_experiment(path)
    version = save_experiment(st.settings, exp)
    if as_json:
        print_json({"key": exp.key, "version": version})
        return
    stdout().print(st.msg("m.exp.saved", exp=exp.key, v=version), highlight=False)


def experiment_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Experiments kept in the data directory."""
    from crossplay.measure.registry import list_experiments

    st = state(ctx)
    exps = list_experiments(st.settings)
    rows: list[dict[str, Any]] = [
        {"key": e.key, "name": e.name, "partner": e.partner, "layer": e.layer,
             "layer_range": list(e.layer_range),
             "variants": {v.key: v.weight for v in e.variants}, "control": e.control,
             "start": e.start.isoformat(), "stop": e.stop.isoformat(),
             "metrics": [m.key for m in e.metrics]} for e in exps]
    if as_json:
        print_json(rows)
        return
    if not rows:
        stdout().print(st.msg("m.exp.none"))
        return
    stdout().print(table(None, [st.msg(f"m.col.{c}") for c in
                                ("key", "name", "partner", "layer", "variants", "start", "stop",
                                 "metric")],
                         [(r["key"], r["name"], r["partner"], r["layer"] or "",
                           ", ".join(f"{k}:{w:g}" for k, w in r["variants"].items()),
                           r["start"], r["stop"], ", ".join(r["metrics"])) for r in rows]))


def experiment_assign(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Experiment key.")],
    units: Annotated[list[str] | None, typer.Argument(
        help="Pseudonymous user keys (or native ids with --native).")] = None,
    native: Annotated[bool, typer.Option(
        "--native", help="The units are the partner's native ids (hashed to keys here).")]
    = False,
    audience_out: Annotated[Path | None, typer.Option(
        help="Assign every user of the experiment's partner (or its audience_sql) and write "
             "user_key, partner, variant as Parquet.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The variant of each unit: sha256 hashing, the same in every service, no call."""
    from crossplay.measure.assignment import assign
    from crossplay.measure.registry import get_experiment

    st = state(ctx)
    exp = get_experiment(st.settings, key)
    if audience_out is not None:
        from crossplay.measure.audience import assign_audience

        counts = assign_audience(st.settings, exp, audience_out)
        if as_json:
            print_json({"path": str(audience_out), "counts": counts})
            return
        stdout().print(st.msg("m.assign.audience", path=audience_out, counts=counts),
                       highlight=False)
        return
    if not units:
        raise MeasureError("give units to assign, or --audience-out FILE",
                           code="assign_no_units")
    keys = list(units)
    if native:
        from crossplay.core.secrets import secret_chain
        from crossplay.ingest.pseudonymise import chained_user_key

        chain = secret_chain(st.settings, exp.partner)
        keys = [chained_user_key(chain, u) for u in units]
    result = [{"unit": u, "user_key": k, "variant": assign(exp, k)}
              for u, k in zip(units, keys, strict=True)]
    if as_json:
        print_json(result)
        return
    stdout().print(table(None, [st.msg("m.col.unit"), st.msg("m.col.user_key"),
                                st.msg("m.col.variant")],
                         [(r["unit"], r["user_key"], r["variant"] or st.msg("m.assign.out"))
                          for r in result]))


def experiment_log_exposures(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Experiment key.")],
    path: Annotated[Path, typer.Argument(
        help="CSV with columns user_id (native), variant, ts (ISO 8601, UTC if naive).")],
    as_json: JsonOpt = False,
) -> None:
    """Log exposures into the lake (through ingest: native ids are pseudonymised)."""
    import csv
    import datetime as dt

    from crossplay.measure.exposures import log_exposures
    from crossplay.measure.registry import get_experiment

    st = state(ctx)
    exp = get_experiment(st.settings, key)
    rows: list[tuple[str, str, dt.datetime]] = []
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            for i, rec in enumerate(csv.DictReader(fh), start=2):
                try:
                    ts = dt.datetime.fromisoformat(rec["ts"])
                    uid, var = rec["user_id"], rec["variant"]
                except (KeyError, TypeError, ValueError) as exc:
                    raise MeasureError(f"{path}:{i}: need user_id, variant and an ISO ts "
                                       f"({exc})", code="exposure_row",
                                       params={"path": str(path), "line": i,
                                               "detail": str(exc)}) from None
                if not uid or not var:
                    raise MeasureError(f"{path}:{i}: empty user_id or variant",
                                       code="exposure_row_empty",
                                       params={"path": str(path), "line": i})
                rows.append((uid, var, ts if ts.tzinfo else ts.replace(tzinfo=dt.UTC)))
    except OSError as exc:
        raise MeasureError(f"cannot read {path}: {exc}", code="exposure_file",
                           params={"path": str(path), "detail": str(exc)}) from None
    summary = log_exposures(st.settings, exp, rows)
    if as_json:
        print_json({"read": summary.read, "accepted": summary.accepted,
                    "already_in_lake": summary.already_ingested,
                    "quarantined": summary.quarantined})
        return
    stdout().print(st.msg("m.exposures", n=summary.accepted, exp=key,
                          already=summary.already_ingested), highlight=False)


def funnel_cmd(
    ctx: typer.Context,
    steps: Annotated[list[str], typer.Argument(
        help="Ordered steps [platform:]event_type[/item_type], e.g. stream:watch course_view "
             "knowledge:purchase.", show_default=False)],
    within: Annotated[int, typer.Option(help="Days from entering to finish every step.")] = 7,
    by: Annotated[str | None, typer.Option(
        help="Split by platform, device, channel or item_type of the first step, or by "
             "segment (from `crossplay segments fit`).")] = None,
    start: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD, UTC).")] = None,
    end: Annotated[str | None, typer.Option(help="Day after the last (YYYY-MM-DD, UTC).")]
    = None,
    report: Annotated[Path | None, typer.Option(help="Write an HTML report.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Conversion and drop-off per ordered step; steps may cross platforms."""
    from dataclasses import asdict

    from crossplay.measure.funnel import funnel

    st = state(ctx)
    f = funnel(st.settings, steps, within_days=within, by=by, start=_date(start, "--start"),
               end=_date(end, "--end"))
    if report is not None:
        from crossplay.measure.report import funnel_report

        funnel_report(report, f, st.msg.lang)
    if as_json:
        print_json(asdict(f) | ({"report": str(report)} if report else {}))
        return
    out = stdout()
    out.print(st.msg("m.funnel.title", within=within, unit=st.msg("m.unit." + f.unit), k=f.k),
              highlight=False)
    if f.by is None:
        for row in f.rows:
            out.print(table(None, [st.msg("m.col.step"), st.msg("m.col.people"),
                                   st.msg("m.col.conv"), st.msg("m.col.stepconv"),
                                   st.msg("m.col.drop")],
                            [(s, f"{c:,}", f"{cv:.1%}", f"{sc:.1%}", f"{d:,}")
                             for s, c, cv, sc, d in zip(f.steps, row.counts, row.conversion,
                                                         row.step_conversion, row.drop_off,
                                                         strict=True)]))
    elif f.rows:  # one row per segment: people at each step and the share of step 1
        out.print(table(None, [f.by, *f.steps],
                        [(row.segment, *(f"{c:,} ({cv:.0%})" for c, cv in
                                         zip(row.counts, row.conversion, strict=True)))
                         for row in f.rows]))
    if f.suppressed_segments:
        out.print(st.msg("m.suppressed", n=f.suppressed_segments, k=f.k), highlight=False)
    if not f.rows:
        out.print(st.msg("m.funnel.empty", k=f.k), highlight=False)
    if report is not None:
        out.print(st.msg("m.report", path=report), highlight=False)


def _date(text: str | None, opt: str) -> Any:
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise MeasureError(f"{opt}: write a date as YYYY-MM-DD (got {text!r})",
                           code="measure_date", params={"option": opt, "text": text}) from None


def retention_cmd(
    ctx: typer.Context,
    cohort: Annotated[str, typer.Option(help="Cohort grain: day, week or month.")] = "week",
    days: Annotated[str, typer.Option(help="Days after the first activity, e.g. 1,7,30.")]
    = "1,7,30",
    platform: Annotated[str, typer.Option(help="knowledge, game or stream.")] = "knowledge",
    report: Annotated[Path | None, typer.Option(help="Write an HTML report.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Cohort table: share of each cohort active again n days after its first day."""
    from dataclasses import asdict

    from crossplay.measure.retention import parse_days, retention

    st = state(ctx)
    r = retention(st.settings, platform=platform, grain=cohort,  # type: ignore[arg-type]
                  days=parse_days(days))
    if report is not None:
        from crossplay.measure.report import retention_report

        retention_report(report, r, st.msg.lang)
    if as_json:
        print_json(asdict(r) | ({"report": str(report)} if report else {}))
        return
    out = stdout()
    out.print(st.msg("m.ret.title", platform=r.platform,
                          grain=st.msg("m.grain." + r.grain)), highlight=False)
    rows = [(c.cohort, f"{c.size:,}", *("–" if v is None else f"{v:.1%}" for v in c.rate))
            for c in r.cohorts]
    rows.append((st.msg("m.ret.all"), f"{sum(c.size for c in r.cohorts):,}",
                 *("–" if v is None else f"{v:.1%}" for v in r.overall)))
    out.print(table(None, [st.msg("m.col.cohort"), st.msg("m.col.people"),
                           *(f"D{d}" for d in r.days)], rows))
    if r.suppressed_cohorts:
        out.print(st.msg("m.suppressed", n=r.suppressed_cohorts, k=r.k), highlight=False)
    if report is not None:
        out.print(st.msg("m.report", path=report), highlight=False)


def kpi_cmd(
    ctx: typer.Context,
    campaign: Annotated[str | None, typer.Option(
        help="Also the ROI of this campaign (its experiment with a holdout).")] = None,
    cost: Annotated[float | None, typer.Option(
        help="The campaign's cost in yuan (default: from the campaigns ledger).")] = None,
    start: Annotated[str | None, typer.Option(help="First day for C_k (YYYY-MM-DD, UTC).")]
    = None,
    end: Annotated[str | None, typer.Option(help="Day after the last for C_k.")] = None,
    report: Annotated[Path | None, typer.Option(help="Write an HTML report.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """C_k, R_k, R_g, the interaction index I and, with --campaign, ROI (docs/kpis.md)."""
    from dataclasses import asdict

    from crossplay.measure.kpi import campaign_roi, kpis

    st = state(ctx)
    values = kpis(st.settings, _date(start, "--start"), _date(end, "--end"))
    roi = campaign_roi(st.settings, campaign, cost) if campaign else None
    if report is not None:
        from crossplay.measure.report import kpi_report

        kpi_report(report, values, roi, st.msg.lang)
    if as_json:
        print_json({"kpis": [asdict(k) for k in values],
                    "roi": asdict(roi) if roi else None}
                   | ({"report": str(report)} if report else {}))
        return
    out = stdout()

    def num(v: float | None, pct: bool = True) -> str:
        if v is None:
            return "–"
        return f"{v:.2%}" if pct else f"{v:,.2f}"

    out.print(table(st.msg("m.kpi.title"), ["KPI", st.msg("m.col.value"), st.msg("m.col.ci95"),
                                            st.msg("m.col.def")],
                    [(k.key, num(k.value), f"[{num(k.ci_low)}, {num(k.ci_high)}]",
                      st.msg("m.kpi." + k.key)) for k in values]))
    if roi is not None:
        out.print(st.msg("m.roi", campaign=roi.campaign, inc=roi.incremental_revenue,
                         lo=roi.incremental_ci[0], hi=roi.incremental_ci[1], cost=roi.cost,
                         roi=roi.roi, rlo=roi.roi_ci[0], rhi=roi.roi_ci[1],
                         nt=roi.treated, nh=roi.holdout), highlight=False)
        if not roi.significant:
            out.print(st.msg("m.roi.ns"), highlight=False)
    if report is not None:
        out.print(st.msg("m.report", path=report), highlight=False)


def uplift_evaluate(
    ctx: typer.Context,
    from_file: Annotated[Path | None, typer.Option(
        "--from-file", help="A randomised experiment, one row per person.")] = None,
    treatment_col: Annotated[str, typer.Option(help="Column holding the arm.")] = "variant",
    treatment: Annotated[str | None, typer.Option(help="Value of the treated arm.")] = None,
    control: Annotated[str | None, typer.Option(help="Value of the control arm.")] = None,
    outcome: Annotated[str | None, typer.Option(help="Outcome column (0/1 or a number).")]
    = None,
    features: Annotated[str | None, typer.Option(help="Numeric feature columns A,B,C.")]
    = None,
    categorical: Annotated[str | None, typer.Option(
        help="Categorical feature columns A,B (one-hot encoded).")] = None,
    max_levels: Annotated[int, typer.Option(
        min=2, help="Most levels a categorical column may have.")] = 100,
    split_col: Annotated[str | None, typer.Option(
        help="Column saying train or test in every row: fit on train, judge on test "
        "(instead of a random --holdout).")] = None,
    id_col: Annotated[str | None, typer.Option(help="Row id column for the audience.")] = None,
    true_effect_col: Annotated[str | None, typer.Option(
        help="Known true individual effects (simulations): also judge against them.")] = None,
    experiment: Annotated[str | None, typer.Option(
        help="Instead of a file: an experiment/campaign in the lake (features from the lake).")]
    = None,
    truth: Annotated[bool, typer.Option(
        "--truth", help="With --experiment on a synthetic world: also judge against the "
        "world's true effects (its ground truth, joined by pseudonymous key).")] = False,
    model: Annotated[str, typer.Option(
        help="t (T-learner), x (X-learner), s (S-learner) or ct (class transformation).")]
    = "x",
    base: Annotated[str, typer.Option(help="lightgbm, hgb or linear.")] = "lightgbm",
    q: Annotated[float, typer.Option(help="Share of people to target.")] = 0.3,
    holdout: Annotated[float | None, typer.Option(
        help="Share kept aside for evaluation (default 0.3).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed of the split and models.")] = 0,
    audience_out: Annotated[Path | None, typer.Option(
        help="Write the top-q audience (Parquet) scored by the model fitted on everyone.")]
    = None,
    predictions_out: Annotated[Path | None, typer.Option(
        help="With --from-file: write the hold-out's predicted uplift (.parquet or .csv: id, "
        "treated, outcome, uplift), to score with another library.")] = None,
    report: Annotated[Path | None, typer.Option(help="Write an HTML report.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """T-/X-/S-learner or class transformation on a hold-out: Qini, AUUC, uplift@q and the
    top-q policy vs random."""
    from dataclasses import asdict

    import numpy as np
    import pyarrow as pa

    from crossplay.core.derived import write_parquet
    from crossplay.measure.uplift import MODELS, top_share
    from crossplay.measure.uplift_eval import run

    st = state(ctx)
    if model not in MODELS or base not in ("lightgbm", "hgb", "linear"):
        raise MeasureError("--model t|x|s|ct and --base lightgbm|hgb|linear",
                           code="uplift_model_base")
    if split_col is not None and holdout is not None:
        raise MeasureError("--holdout draws a random hold-out; with --split-col the file's "
                           "test rows are the hold-out: give one of them",
                           code="uplift_split_holdout")
    true_eff = None
    test = None
    extra: dict[str, Any] = {}
    if experiment is not None:
        if categorical or split_col or predictions_out:
            raise MeasureError("--categorical, --split-col and --predictions-out read a file: "
                               "use them with --from-file", code="uplift_file_only")
        from crossplay.measure.registry import get_experiment
        from crossplay.measure.uplift_features import campaign_data

        exp = get_experiment(st.settings, experiment)
        data = campaign_data(st.settings, exp, outcome=outcome)
        X, t, y, names, ids = data.X, data.treatment, data.y, data.features, data.user_keys
        partner: Partner | None = exp.partner
        if truth:  # evaluation only: the models never see the true effects
            from crossplay.measure.sample_campaign import find_world
            from crossplay.measure.uplift_truth import true_effects_for

            true_eff = true_effects_for(st.settings, find_world(st.settings), ids,
                                        exp.partner)
    elif from_file is not None:
        if truth:
            raise MeasureError("--truth reads a synthetic world's ground truth for "
                               "--experiment; with --from-file use --true-effect-col",
                               code="uplift_truth_file")
        if (treatment is None or control is None or outcome is None
                or not (features or categorical)):
            raise MeasureError("--from-file needs --treatment, --control, --outcome and "
                               "--features or --categorical", code="uplift_file_options")
        from crossplay.measure.uplift_file import (
            UpliftFileSpec,
            check_predictions_path,
            read_uplift_file,
        )

        if predictions_out is not None:
            check_predictions_path(predictions_out)

        def cols(text: str | None) -> tuple[str, ...]:
            return tuple(c.strip() for c in (text or "").split(",") if c.strip())

        fd = read_uplift_file(from_file, UpliftFileSpec(
            treatment_col=treatment_col, treatment=treatment, control=control,
            outcome=outcome, features=cols(features), categorical=cols(categorical),
            id_col=id_col, true_effect_col=true_effect_col, split_col=split_col,
            max_levels=max_levels))
        X, t, y, ids, true_eff, names, test = (fd.X, fd.treated, fd.y, fd.ids,
                                               fd.true_effect, fd.features, fd.test)
        extra = {"rows_other_arms": fd.other_arm_rows, "categorical_levels": fd.levels}
        if test is not None:
            extra["split_column"] = {"column": split_col, "train": int((~test).sum()),
                                     "test": int(test.sum())}
        partner = None
    else:
        raise MeasureError("give --from-file FILE or --experiment KEY", code="uplift_input")
    res = run(X, t, y, features=names, model=model,  # type: ignore[arg-type]
              base=base, q=q, holdout=0.3 if holdout is None else holdout,  # type: ignore[arg-type]
              seed=seed, true_effect=true_eff, test=test, split_column=split_col or "")
    ev, scores = res.evaluation, res.scores
    data_out: dict[str, Any] = {**asdict(ev), **extra}
    if predictions_out is not None:
        from crossplay.measure.uplift_file import write_predictions

        ho = res.holdout
        write_predictions(predictions_out, [i for i, m in zip(ids, ho, strict=True) if m],
                          t[ho], y[ho], res.holdout_uplift)
        data_out["predictions"] = str(predictions_out)
    if audience_out is not None:
        if partner is not None:  # reaching people needs a current marketing grant
            from crossplay.measure.uplift_features import marketing_allowed

            allowed = marketing_allowed(st.settings, partner, list(ids))
            scores = np.where(allowed, scores, -np.inf)
            data_out["audience_without_marketing_consent"] = int((~allowed).sum())
        sel = top_share(scores, q) & np.isfinite(scores)
        cols_out: dict[str, Any] = {"uplift": pa.array(scores[sel])}
        if partner is not None:
            cols_out = {"user_key": pa.array([i for i, m in zip(ids, sel, strict=True) if m]),
                        "partner": pa.array([partner] * int(sel.sum())), **cols_out}
        else:
            cols_out = {"id": pa.array([str(i) for i, m in zip(ids, sel, strict=True) if m]),
                        **cols_out}
        write_parquet(pa.table(cols_out), audience_out)
        data_out["audience"] = str(audience_out)
        if partner is not None:  # person-level rows from the lake leave as a file: audited
            from crossplay.privacy.audit import record

            record(st.settings, "measure.uplift_audience_export", actor="cli",
                   subject=f"experiment:{experiment}",
                   details={"rows": int(sel.sum()), "q": q, "path": str(audience_out),
                            "partner": partner})
    if report is not None:
        from crossplay.measure.report import uplift_report

        uplift_report(report, ev, st.msg.lang)
        data_out["report"] = str(report)
    if as_json:
        print_json(data_out)
        return
    out = stdout()
    out.print(st.msg("m.up.title", model=st.msg("m.up.model." + ev.model), base=ev.base,
                     n=ev.n_train, h=ev.n_holdout, f=len(ev.features)), highlight=False)
    if "split_column" in extra:
        out.print(st.msg("m.up.split", column=split_col, **{
            k: v for k, v in extra["split_column"].items() if k != "column"}),
            highlight=False)
    if extra.get("categorical_levels"):
        out.print(st.msg("m.up.categorical", columns=", ".join(
            f"{c} ({len(v)})" for c, v in extra["categorical_levels"].items())),
            highlight=False)
    if extra.get("rows_other_arms"):
        out.print(st.msg("m.up.other_arms", n=extra["rows_other_arms"],
                         column=treatment_col), highlight=False)
    ratio = "–" if ev.ratio_to_random is None else f"{ev.ratio_to_random:.2f}x"
    out.print(table(None, [st.msg("m.col.measure"), st.msg("m.col.value")], [
        ("AUUC", f"{ev.auuc:.4g}"),
        (f"uplift@{ev.q:.0%}", f"{ev.uplift_at_q:.4g}"),
        (st.msg("m.up.policy", q=f"{ev.q:.0%}"), f"{ev.policy_incremental:.2f}"),
        (st.msg("m.up.random"), f"{ev.random_incremental:.2f}"),
        (st.msg("m.up.ratio"), ratio),
        *([(st.msg("m.up.truth"), f"{ev.truth_ratio_to_random:.2f}x")]
          if ev.truth_ratio_to_random is not None else []),
        *([(st.msg("m.up.oracle"), f"{ev.oracle_ratio_to_random:.2f}x")]
          if ev.oracle_ratio_to_random is not None else []),
    ]))
    for code in ev.note_codes:
        out.print(st.msg("m.up.note." + code), highlight=False)
    for key in ("predictions", "audience", "report"):
        if key in data_out:
            out.print(st.msg("m.up." + key, path=data_out[key]), highlight=False)


def demo_step(st: State, as_json: bool) -> dict[str, Any]:
    """``crossplay demo``: the sample campaign's A/B read-out against its holdout, a verdict,
    and the A/A false-positive rate, coverage and speed ratio measured now."""
    from dataclasses import asdict

    from crossplay.measure.lakeanalysis import analyze_experiment
    from crossplay.measure.planted import judge, planted_effect
    from crossplay.measure.sample_campaign import find_world, load_sample_campaign
    from crossplay.measure.simulate import simulate
    from crossplay.measure.speedcheck import speed_check
    from crossplay.warehouse import query

    world = find_world(st.settings)
    exp = load_sample_campaign(st.settings, world)
    result, _, counts = analyze_experiment(st.settings, exp)
    primary = next(c for c in result.comparisons if c.role == "primary")
    check = judge(planted_effect(world), control_mean=primary.control_mean,
                  diff=primary.diff, n_control=primary.n_control,
                  n_variant=primary.n_variant, significant=primary.significant,
                  alpha=result.alpha)
    res = query(st.settings, """
        SELECT coalesce(sum(value) FILTER (WHERE event_type = 'purchase'), 0)
        FROM events WHERE partner = 'knowledge' GROUP BY user_key ORDER BY user_key""")
    revenue = [float(r[0]) for r in res.rows]
    aa = simulate(revenue, sims=1000, seed=1)
    speed = speed_check(1_000_000)
    summary: dict[str, Any] = {
        "experiment": exp.key, "exposed": counts["exposed"], **analysis_dict(result),
        "planted": asdict(check), "aa": asdict(aa), "speed": asdict(speed)}
    if as_json:
        return summary
    msg, out = st.msg, stdout()
    from crossplay.mining.names import split_title

    title = split_title(exp.name)[0 if msg.lang == "zh-CN" else 1]
    out.print(msg("m.demo.campaign", name=title, h=result.counts[exp.control],
                  t=sum(v for k, v in result.counts.items() if k != exp.control)),
              highlight=False)
    render_srm(msg, result.srm)
    out.print(table(None, *comparison_table(
        result, msg, ("metric", "mean", "lift", "padj", "pbeat", "outcome"))))
    for v, verdict in result.verdicts.items():
        out.print(msg("m.verdict", variant=v, verdict=msg("m.v." + verdict),
                      why=reasons_text(msg, result, v)), highlight=False)
    planted = planted_effect(world)
    out.print(msg(f"m.demo.planted.{check.outcome}", metric=primary.metric,
                  planted=f"{check.planted * 100:+.2f}", observed=f"{check.observed * 100:+.2f}",
                  induced=planted.induced, treated=planted.treated,
                  power=check.power or 0.0, need=check.needed_per_arm or 0,
                  n=primary.n_control, people=check.world_people or 0), highlight=False)
    out.print(msg("m.demo.note", sims=aa.sims, n=aa.people, fpr=aa.false_positive_rate,
                  cover=aa.coverage, seq=aa.sequential_miss_peeking,
                  fixed=aa.fixed_miss_peeking, looks=aa.looks, rows=speed.rows,
                  ratio=speed.ratio), highlight=False)
    return summary


def register(app: typer.Typer) -> None:
    uplift_app.command("evaluate")(uplift_evaluate)
    app.add_typer(uplift_app, name="uplift")
    app.command("kpi")(kpi_cmd)
    app.command("funnel")(funnel_cmd)
    app.command("retention")(retention_cmd)
    experiment_app.command("analyze")(experiment_analyze)
    experiment_app.command("plan")(experiment_plan)
    experiment_app.command("add")(experiment_add)
    experiment_app.command("list")(experiment_list)
    experiment_app.command("assign")(experiment_assign)
    experiment_app.command("log-exposures")(experiment_log_exposures)
    app.add_typer(experiment_app, name="experiment")


__all__ = ["register"]
