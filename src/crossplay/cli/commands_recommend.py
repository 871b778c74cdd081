"""``crossplay recommend``: train, evaluate, recommend for one user, export, content mix."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from crossplay.cli import mix_view
from crossplay.cli.i18n import Messages, add_messages, coded_text, error_text, record_miss
from crossplay.cli.output import print_json, progress_bar, stdout, table
from crossplay.cli.state import State, state
from crossplay.core.errors import ConfigError, CrossplayError
from crossplay.core.types import Partner
from crossplay.recommend.error_messages import ERRORS
from crossplay.recommend.messages import MESSAGES

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]

add_messages(MESSAGES)
add_messages(ERRORS)

recommend_app = typer.Typer(help="Recommendations across the two platforms.",
                            no_args_is_help=True)
DOMAINS = ("knowledge", "game", "stream")


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    return "" if v is None else str(v)


def _check_domain(option: str, value: str) -> None:
    if value not in DOMAINS:
        raise ConfigError(f"{option} {value!r}: use knowledge, game or stream",
                          code="recommend_option_domain",
                          params={"option": option, "value": value})


def _failed(row: dict[str, Any]) -> str:
    """A leaderboard row whose model could not be fitted: why, in the reader's language."""
    return coded_text(row.get("error_code", ""), row.get("error_params") or {},
                      row["error"], "crossplay.recommend.evaluate")


def print_board(st: State, board: dict[str, Any]) -> None:
    cols = ["model", "recall", "ndcg", "map", "coverage", "novelty", "truth_recall",
            "fit_s"]
    rows = [[_fmt(r.get(c)) if "error" not in r or c == "model" else _failed(r)
             for c in cols] for r in board["rows"]]
    title = st.msg("rec.board", task=board["task"], target=board["target"],
                   split=board["split"], k=board["k"], users=board["test_users"])
    stdout().print(table(title, [st.msg(f"rec.col.{c}", k=board["k"]) for c in cols], rows))


@recommend_app.command("train")
def train_cmd(
    ctx: typer.Context,
    model: Annotated[str, typer.Option(help="In-domain model: als, bpr, item_knn, content."
                                       )] = "als",
    factors: Annotated[int, typer.Option(min=1, max=1024, help="Latent factors.")] = 16,
    cross: Annotated[bool, typer.Option(help="Also train the cross-domain models.")] = True,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Fit every domain's model and the cross-domain models; save a new version."""
    from crossplay.recommend.service import TrainOptions, train

    st = state(ctx)
    if model not in ("als", "bpr", "item_knn", "content"):
        raise ConfigError(f"--model {model!r}: use als, bpr, item_knn or content",
                          code="recommend_option_model", params={"value": model})
    with progress_bar(st.msg("rec.training"),
                      enabled=not as_json and sys.stderr.isatty()) as _:
        bundle = train(st.settings, TrainOptions(
            model=model, factors=factors, cross=cross, seed=seed))  # type: ignore[arg-type]
    if as_json:
        print_json(bundle)
        return
    o = stdout()
    o.print(st.msg("rec.trained", version=bundle["version"]), highlight=False)
    o.print(table(None, [st.msg("rec.col.unit"), st.msg("rec.col.model"),
                         st.msg("rec.col.users"), st.msg("rec.col.items"),
                         st.msg("rec.col.pairs"), st.msg("rec.col.seconds")],
                  [(u["unit"], u["model"], f"{u['users']:,}", f"{u['items']:,}",
                    f"{u['pairs']:,}", f"{u['seconds']:.2f}") for u in bundle["units"]]))


@recommend_app.command("evaluate")
def evaluate_cmd(
    ctx: typer.Context,
    task: Annotated[str, typer.Option(help="in-domain, cross-domain or cold-start.")
                    ] = "in-domain",
    split: Annotated[str, typer.Option(help="time (train before, test after) or random "
                                       "(seeded hold-out, for data without time).")
                     ] = "time",
    k: Annotated[int, typer.Option(min=1, max=1000, help="Length of the lists scored.")
                 ] = 10,
    target: Annotated[str, typer.Option(help="Target domain of the cross-domain tasks.")
                      ] = "knowledge",
    domain: Annotated[list[str] | None, typer.Option(
        help="In-domain: the domains to evaluate (repeat; default all).")] = None,
    models: Annotated[str | None, typer.Option(
        help="Comma-separated model names (default: the whole suite).")] = None,
    truth: Annotated[Path | None, typer.Option(
        help="A synthetic world's directory (or its ground_truth/) for truth_recall; "
             "default <data-dir>/world when it exists.")] = None,
    factors: Annotated[int, typer.Option(min=1, max=1024, help="Latent factors.")] = 16,
    max_users: Annotated[int | None, typer.Option(
        min=1, help="Score at most this many (seeded) test users.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    tune: Annotated[bool, typer.Option(
        "--tune/--no-tune", help="In-domain: choose ALS, BPR and item-kNN parameters; "
        "cold start: EMCDR, joint ALS and item-kNN ones — on a validation split carved "
        "from training (never the test).")] = True,
    as_json: JsonOpt = False,
) -> None:
    """Train every model on the same split and print a leaderboard (saved as JSON)."""
    from crossplay.recommend.evaluate import EvalConfig, evaluate, report, save_report
    from crossplay.recommend.truth import load_truth

    st = state(ctx)
    if task not in ("in-domain", "cross-domain", "cold-start"):
        raise ConfigError(f"--task {task!r}: use in-domain, cross-domain or cold-start",
                          code="recommend_option_task", params={"value": task})
    if split not in ("time", "random"):
        raise ConfigError(f"--split {split!r}: use time or random",
                          code="recommend_option_split", params={"value": split})
    domains = tuple(domain or DOMAINS)
    for d in domains:
        _check_domain("--domain", d)
    _check_domain("--target", target)
    cfg = EvalConfig(task=task, split=split, k=k, domains=domains,  # type: ignore[arg-type]
                     target=target, factors=factors, seed=seed,  # type: ignore[arg-type]
                     max_test_users=max_users, tune=tune,
                     models=tuple(m.strip() for m in models.split(",") if m.strip())
                     if models else None)
    world = truth or (st.settings.data_dir / "world")
    gt = load_truth(world, st.settings) if (truth is not None or (
        world / "ground_truth").is_dir()) else None
    with progress_bar(st.msg("rec.evaluating"),
                      enabled=not as_json and sys.stderr.isatty()) as _:
        boards = evaluate(st.settings, cfg, gt)
    data = report(cfg, boards)
    path = save_report(st.settings, data)
    data["saved"] = str(path)
    if as_json:
        print_json(data)
        return
    for b in data["boards"]:
        print_board(st, b)
    stdout().print(st.msg("rec.saved", path=path), highlight=False)


@recommend_app.command("for")
def for_cmd(
    ctx: typer.Context,
    partner: Annotated[Partner, typer.Option(help="Whose user this is.")],
    user: Annotated[str | None, typer.Option(help="The partner's native user id.")] = None,
    key: Annotated[str | None, typer.Option(
        "--key", "--user-key", help="Or the pseudonymous user_key (32 hex characters).")
                   ] = None,
    domain: Annotated[str | None, typer.Option(
        help="knowledge, game or stream (default: the partner's own).")] = None,
    n: Annotated[int, typer.Option(min=1, max=1000, help="How many items.")] = 10,
    explain: Annotated[bool, typer.Option("--explain", help="Say why.")] = False,
    version: Annotated[str | None, typer.Option(help="Bundle version (default latest).")
                       ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Recommend items to one user; personalised only where consent allows."""
    from crossplay.recommend.service import recommend_for, user_key_arg

    st = state(ctx)
    if domain is not None:
        _check_domain("--domain", domain)
    uk = user_key_arg(st.settings, partner, user, key)
    res = recommend_for(st.settings, partner=partner, user_key=uk,
                        domain=domain, n=n, explain=explain,  # type: ignore[arg-type]
                        lang=st.msg.lang, version=version, actor="cli")
    if as_json:
        print_json(res)
        return
    print_for(st, res, uk)


def policy_text(msg: Messages, text: str) -> str:
    """The policy's reasons (``; ``-separated) in the reader's language: each reason is
    a ``rec.policy.*`` entry's English text, perhaps after ``cross-domain: ``; a reason
    the catalog lacks stays as written and is recorded as a miss."""
    if msg.lang == "en":
        return text
    keys = {MESSAGES[k]["en"]: k for k in MESSAGES
            if k.startswith("rec.policy.") and k not in ("rec.policy.cross", "rec.policy.sep")}
    prefix = MESSAGES["rec.policy.cross"]["en"].removesuffix("{reason}")
    parts = []
    for part in text.split(MESSAGES["rec.policy.sep"]["en"]):
        reason = part.removeprefix(prefix)
        key = keys.get(reason)
        if key is None:
            record_miss("message", f"rec.policy: {reason}", msg.lang, __name__)
            shown = reason
        else:
            shown = msg(key)
        parts.append(msg("rec.policy.cross", reason=shown) if part != reason else shown)
    return msg("rec.policy.sep").join(parts)


def print_for(st: State, res: dict[str, Any], uk: str) -> None:
    o = stdout()
    o.print(st.msg("rec.for", n=len(res["items"]), domain=st.msg(f"rec.domain.{res['domain']}"),
                   partner=res["partner"], ukey=uk[:12]), style="bold", highlight=False)
    policy = policy_text(st.msg, res["policy"])
    if not res.get("known", True):
        o.print(st.msg("rec.unknown", partner=res["partner"]), style="bold",
                highlight=False)
    else:
        o.print(st.msg("rec.personal", model=res["model"], policy=policy)
                if res["personalised"] else st.msg("rec.popular", policy=policy),
                highlight=False)
    from crossplay.recommend.explain import display_title

    cols = ["#", st.msg("rec.col.item"), st.msg("rec.col.title"), st.msg("rec.col.score")]
    explained = any("why" in i for i in res["items"])
    if explained:
        cols.append(st.msg("rec.col.why"))
    rows = []
    for i in res["items"]:
        r = [i["rank"], i["item_id"], display_title(i["title"], st.msg.lang),
             f"{i['score']:.3f}"]
        if explained:
            r.append(i.get("why", ""))
        rows.append(r)
    o.print(table(None, cols, rows))


@recommend_app.command("export")
def export_cmd(
    ctx: typer.Context,
    n: Annotated[int, typer.Option(min=1, max=1000, help="Items per person and domain.")
                 ] = 10,
    out: Annotated[Path | None, typer.Option(
        help="Directory (default <data-dir>/derived/recommend/exports/<version>).")] = None,
    version: Annotated[str | None, typer.Option(help="Bundle version (default latest).")
                       ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Batch top-N for every eligible person to Parquet (consent re-checked now)."""
    from crossplay.recommend.service import export

    st = state(ctx)
    summary = export(st.settings, n=n, version=version, out=out, actor="cli")
    if as_json:
        print_json(summary)
        return
    o = stdout()
    o.print(st.msg("rec.exported", version=summary["version"]), highlight=False)
    o.print(table(None, [st.msg("col.file"), st.msg("col.rows")],
                  [(f, f"{c:,}") for f, c in summary["files"].items()]))


@recommend_app.command("mix")
def mix_cmd(
    ctx: typer.Context,
    truth: Annotated[Path | None, typer.Option(
        help="A synthetic world (or its ground_truth/) to also score the slates on its "
             "ground truth; default <data-dir>/world when it exists.")] = None,
    n: Annotated[int, typer.Option(min=2, max=100, help="Slate length.")] = 10,
    l2: Annotated[float, typer.Option(min=0.0, help="Ridge penalty λ.")] = 1.0,
    train_fraction: Annotated[float, typer.Option(
        min=0.05, max=0.95, help="Share of the lake's time range to fit on; the slates "
        "are scored on what people took up in the rest.")] = 0.8,
    seed: Annotated[int, typer.Option(help="Seed of the per-side rankings (ALS).")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Fit the content mix α / β per segment on the earlier part of the lake, compare it
    with 50/50 slates on the later part, and save the policy that wins (50/50 unless a
    mix is significantly better)."""
    from crossplay.core.derived import derived_dir, write_json
    from crossplay.recommend.mixdata import evaluate_mix
    from crossplay.recommend.truth import load_truth

    st = state(ctx)
    world = truth or (st.settings.data_dir / "world")
    gt = (load_truth(world, st.settings) if truth is not None
          or (world / "ground_truth").is_dir() else None)
    ev = evaluate_mix(st.settings, gt, n=n, seed=seed, l2=l2, train_fraction=train_fraction)
    out: dict[str, Any] = {
        "theta": dict(zip(("C_K", "T_K", "T_G"), map(float, ev.fit.theta), strict=True)),
        "segments": ev.fit.segments.to_dict("records"), **ev.as_dict()}
    out["verdict"]["text"] = mix_view.verdict_lines(st.msg, out)
    out["notes_text"] = mix_view.note_lines(st.msg, out)
    out["saved"] = str(write_json(out, derived_dir(st.settings, "recommend") / "mix.json"))
    if as_json:
        print_json(out)
        return
    mix_view.print_mix(st.msg, out)


def register(app: typer.Typer) -> None:
    app.add_typer(recommend_app, name="recommend")


def _sample_person(st: State) -> str | None:
    """A linked, consenting person with game-side behaviour and no knowledge history:
    the case cross-domain recommendation exists for (falls back to any linked one)."""
    from crossplay.privacy.policy import Purpose, linked_persons_sql
    from crossplay.warehouse.duck import connect

    con = connect(st.settings)
    try:
        rows = con.sql(
            f"WITH l AS ({linked_persons_sql(Purpose.PERSONALISATION)}), "
            f"ev AS (SELECT partner, user_key, count(*) AS n FROM events "
            f"WHERE item_id IS NOT NULL GROUP BY ALL) "
            f"SELECT l.k_user_key, coalesce(g.n, 0) AS gn, coalesce(kn.n, 0) AS kn FROM l "
            f"LEFT JOIN ev g ON g.partner = 'game' AND g.user_key = l.g_user_key "
            f"LEFT JOIN ev kn ON kn.partner = 'knowledge' AND kn.user_key = l.k_user_key "
            f"WHERE coalesce(g.n, 0) > 0 "
            f"ORDER BY (coalesce(kn.n, 0) = 0) DESC, gn DESC, 1 LIMIT 1").fetchall()
    finally:
        con.close()
    return str(rows[0][0]) if rows else None


def demo_step(st: State, as_json: bool) -> dict[str, Any]:
    """Train, a short cold-start leaderboard, three explained picks for a sample person."""
    from crossplay.recommend.evaluate import EvalConfig, evaluate, report, save_report
    from crossplay.recommend.service import TrainOptions, recommend_for, train

    bundle = train(st.settings, TrainOptions())
    summary: dict[str, Any] = {"version": bundle["version"],
                               "units": [u["unit"] for u in bundle["units"]]}
    cfg = EvalConfig(task="cold-start", k=10, tune=False,  # short: the defaults
                     models=("popularity", "segment_popularity", "joint_als", "emcdr",
                             "hybrid"))
    from crossplay.recommend.truth import load_truth

    world = st.settings.data_dir / "world"
    truth = load_truth(world, st.settings) if (world / "ground_truth").is_dir() else None
    try:
        boards = evaluate(st.settings, cfg, truth)
        data = report(cfg, boards)
        save_report(st.settings, data)
        board = data["boards"][0]
        summary["leaderboard"] = [{k: r.get(k) for k in ("model", "recall", "ndcg")}
                                  for r in board["rows"]]
        if not as_json:
            print_board(st, board)
            if board["test_users"] < 200:
                stdout().print(st.msg("rec.demo.small", n=board["test_users"]),
                               highlight=False)
    except CrossplayError as exc:  # too few linked persons in a tiny world
        summary["leaderboard_error"] = exc.message
        if not as_json:
            stdout().print(error_text(exc), highlight=False)
    key = _sample_person(st)
    if key is not None:
        res = recommend_for(st.settings, partner="knowledge", user_key=key,
                            domain="knowledge", n=3, explain=True, lang=st.msg.lang,
                            actor="demo")
        summary["sample"] = {"personalised": res["personalised"], "model": res["model"],
                             "items": [{"item_id": i["item_id"], "why": i.get("why")}
                                       for i in res["items"]]}
        if not as_json:
            stdout().print(st.msg("rec.demo.sample", who=f"knowledge:{key[:12]}"),
                           style="bold", highlight=False)
            print_for(st, res, key)
    return summary
