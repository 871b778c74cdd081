"""``crossplay recommend``: train, evaluate, recommend for one user, export, content mix."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from crossplay.cli import mix_view
from crossplay.cli.i18n import add_messages
from crossplay.cli.output import print_json, progress_bar, stdout, table
from crossplay.cli.state import State, state
from crossplay.core.errors import CrossplayError
from crossplay.core.types import Partner

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]

MESSAGES = {
    "rec.trained": {"en": "Trained recommender bundle {version}",
                    "zh-CN": "已训练推荐模型包 {version}"},
    "rec.training": {"en": "Training", "zh-CN": "正在训练"},
    "rec.evaluating": {"en": "Evaluating", "zh-CN": "正在评估"},
    "rec.board": {"en": "{task} on {target} — split {split}, K={k}, {users} test users",
                  "zh-CN": "{task}（目标 {target}）— 切分 {split}，K={k}，测试用户 {users} 人"},
    "rec.saved": {"en": "Saved to {path}", "zh-CN": "已保存到 {path}"},
    "rec.for": {"en": "Top {n} {domain} items for {partner}:{ukey}",
                "zh-CN": "为 {partner}:{ukey} 推荐的前 {n} 个{domain}内容"},
    "rec.personal": {"en": "personalised by {model} ({policy})",
                     "zh-CN": "个性化推荐，模型 {model}（{policy}）"},
    "rec.popular": {"en": "not personalised: popular items ({policy})",
                    "zh-CN": "非个性化：热门内容（{policy}）"},
    "rec.unknown": {"en": "not personalised: unknown user — {partner} has no events and no "
                          "account link for this id (check --partner and the id); popular "
                          "items instead",
                    "zh-CN": "非个性化：未知用户 — {partner} 没有该 ID 的任何行为记录或账号"
                             "关联（请检查 --partner 与 ID）；以下为热门内容"},
    "err.bad_user_key": {
        "en": "{shown!r} is not a user key: a user_key is {n} hexadecimal characters (0-9, "
              "a-f) with no prefix, as crossplay stores it (see `crossplay sql \"SELECT "
              "user_key FROM events LIMIT 1\"`); give a native id with --user instead",
        "zh-CN": "{shown!r} 不是用户假名键：user_key 是 {n} 个十六进制字符（0-9、a-f），没有"
                 "前缀，与 crossplay 存储的一致（可用 `crossplay sql \"SELECT user_key FROM "
                 "events LIMIT 1\"` 查看）；也可以用 --user 给出原始用户 ID"},
    "rec.exported": {"en": "Exported recommendations of bundle {version}",
                     "zh-CN": "已导出模型包 {version} 的推荐结果"},
    "rec.col.item": {"en": "item", "zh-CN": "内容"},
    "rec.col.title": {"en": "title", "zh-CN": "标题"},
    "rec.col.why": {"en": "why", "zh-CN": "推荐理由"},
    "rec.col.score": {"en": "score", "zh-CN": "得分"},
    "rec.col.model": {"en": "model", "zh-CN": "模型"},
    "rec.col.unit": {"en": "unit", "zh-CN": "单元"},
    "rec.col.users": {"en": "users", "zh-CN": "用户数"},
    "rec.col.items": {"en": "items", "zh-CN": "内容数"},
    "demo.recommend": {"en": "train recommenders, leaderboard and explained picks",
                       "zh-CN": "训练推荐模型：排行榜与带理由的推荐"},
    "rec.demo.small": {
        "en": "Only {n} test persons: too few to rank the models (at 100,000 persons EMCDR "
              "reaches 1.95x popularity; see docs/recommendation.md).",
        "zh-CN": "仅 {n} 名测试用户，不足以比较模型优劣（10 万人规模下 EMCDR 为热门推荐的 "
                 "1.95 倍，见 docs/recommendation.md）。"},
    "rec.demo.sample": {"en": "Three recommendations for a sample person ({who})",
                        "zh-CN": "为示例用户推荐的三个内容（{who}）"},
}
add_messages(MESSAGES)  # type: ignore[arg-type]

recommend_app = typer.Typer(help="Recommendations across the two platforms.",
                            no_args_is_help=True)
DOMAIN_ZH = {"knowledge": "知识", "game": "游戏", "stream": "直播"}


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    return "" if v is None else str(v)


def print_board(st: State, board: dict[str, Any]) -> None:
    cols = ["model", "recall", "ndcg", "map", "coverage", "novelty", "truth_recall",
            "fit_s"]
    rows = [[_fmt(r.get(c)) if "error" not in r or c == "model" else r.get("error", "")
             for c in cols] for r in board["rows"]]
    title = st.msg("rec.board", task=board["task"], target=board["target"],
                   split=board["split"], k=board["k"], users=board["test_users"])
    stdout().print(table(title, [c if c not in ("recall", "ndcg", "map") else
                                 f"{c}@{board['k']}" for c in cols], rows))


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
        raise typer.BadParameter("use als, bpr, item_knn or content", param_hint="--model")
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
                         st.msg("rec.col.users"), st.msg("rec.col.items"), "pairs", "s"],
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
        "--tune/--no-tune", help="In-domain: choose ALS, BPR and item-kNN parameters on "
        "a validation split carved from training (never the test).")] = True,
    as_json: JsonOpt = False,
) -> None:
    """Train every model on the same split and print a leaderboard (saved as JSON)."""
    from crossplay.recommend.evaluate import EvalConfig, evaluate, report, save_report
    from crossplay.recommend.truth import load_truth

    st = state(ctx)
    if task not in ("in-domain", "cross-domain", "cold-start"):
        raise typer.BadParameter("use in-domain, cross-domain or cold-start",
                                 param_hint="--task")
    if split not in ("time", "random"):
        raise typer.BadParameter("use time or random", param_hint="--split")
    domains = tuple(domain or ("knowledge", "game", "stream"))
    for d in (*domains, target):
        if d not in ("knowledge", "game", "stream"):
            raise typer.BadParameter(f"{d!r}: use knowledge, game or stream")
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
    if domain is not None and domain not in ("knowledge", "game", "stream"):
        raise typer.BadParameter("use knowledge, game or stream", param_hint="--domain")
    uk = user_key_arg(st.settings, partner, user, key)
    res = recommend_for(st.settings, partner=partner, user_key=uk,
                        domain=domain, n=n, explain=explain,  # type: ignore[arg-type]
                        lang=st.msg.lang, version=version, actor="cli")
    if as_json:
        print_json(res)
        return
    print_for(st, res, uk)


#: the consent policy's reasons (crossplay.privacy.policy.decide) and ours, in Chinese
_POLICY_ZH = {
    "own users, personalisation not refused": "本平台用户，未拒绝个性化",
    "linked, both sides granted linking and personalisation": "账号已关联，双方均同意关联与个性化",
    "no active link with linking consent on both sides": "没有双方均同意关联的有效账号绑定",
    "the user refused personalisation": "用户已拒绝个性化推荐",
    "the user has not granted personalisation": "用户未授权个性化推荐",
    "the user granted personalisation": "用户已授权个性化推荐",
    "no behaviour in the trained model": "训练模型中没有该用户的行为",
    "cross-domain: ": "跨平台：",
}


def policy_text(text: str, lang: str) -> str:
    """The policy reason in the reader's language (known phrases; others unchanged)."""
    if lang != "zh-CN":
        return text
    for en, zh in _POLICY_ZH.items():
        text = text.replace(en, zh)
    return text.replace("; ", "；")


def print_for(st: State, res: dict[str, Any], uk: str) -> None:
    o = stdout()
    dom = DOMAIN_ZH[res["domain"]] if st.msg.lang == "zh-CN" else res["domain"]
    o.print(st.msg("rec.for", n=len(res["items"]), domain=dom, partner=res["partner"],
                   ukey=uk[:12]), style="bold", highlight=False)
    policy = policy_text(res["policy"], st.msg.lang)
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
    o.print(table(None, ["file", st.msg("col.rows")],
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
    cfg = EvalConfig(task="cold-start", k=10,
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
            stdout().print(exc.message, highlight=False)
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
