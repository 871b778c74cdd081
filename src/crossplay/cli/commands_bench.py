"""``crossplay bench``: import public benchmarks, run protocols, print comparable tables."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from crossplay.cli.i18n import add_messages
from crossplay.cli.output import print_json, progress_bar, stdout, table
from crossplay.cli.state import state
from crossplay.core.errors import ConfigError
from crossplay.core.types import Lang
from crossplay.evaluation.error_messages import ERRORS

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]

MESSAGES: dict[str, dict[Lang, str]] = {
    "bench.imported": {"en": "Imported benchmark {name} ({fmt}): {rows:,} rows, {users:,} "
                             "users, {items:,} items",
                       "zh-CN": "已导入基准数据集 {name}（{fmt}）：{rows:,} 行，{users:,} 个用户，"
                                "{items:,} 个物品"},
    "bench.none": {"en": "No benchmark imported yet: `crossplay bench import PATH --format "
                         "movielens|uir|cdr-folder --name NAME`.",
                   "zh-CN": "尚未导入基准数据集：`crossplay bench import PATH --format "
                            "movielens|uir|cdr-folder --name NAME`。"},
    "bench.list": {"en": "Imported benchmarks", "zh-CN": "已导入的基准数据集"},
    "bench.running": {"en": "Training and scoring", "zh-CN": "正在训练与评估"},
    "bench.title": {"en": "{name}: protocol {protocol} {params}, {ranking} ranking, K={k}, "
                          "{users:,} test users (mean ± standard error over users)",
                    "zh-CN": "{name}：协议 {protocol} {params}，{ranking}排序，K={k}，"
                             "测试用户 {users:,} 人（用户均值 ± 标准误）"},
    "bench.full": {"en": "full", "zh-CN": "全量"},
    "bench.sampled": {"en": "SAMPLED ({n} negatives per user)",
                      "zh-CN": "负采样（每位用户 {n} 个负样本）"},
    "bench.fingerprint": {"en": "Split fingerprint {fp} (train {train:,} rows, test "
                                "{test:,} rows; docs/evaluation.md says how to recompute it)",
                          "zh-CN": "切分指纹 {fp}（训练 {train:,} 行，测试 {test:,} 行；"
                                   "复算方法见 docs/evaluation.md）"},
    "bench.unscored": {"en": "{n:,} test users had no relevant unseen item and were not "
                             "scored; {seen:,} test pairs were already in training; "
                             "{untrained:,} relevant test pairs are items no training row "
                             "holds (counted, never rankable).",
                       "zh-CN": "{n:,} 位测试用户没有可评估的新相关物品，未计分；"
                                "{seen:,} 个测试交互已出现在训练集中；{untrained:,} 个相关测试"
                                "交互的物品不在训练集中（计入分母，无法被推荐）。"},
    "bench.saved": {"en": "Saved to {path}", "zh-CN": "已保存到 {path}"},
    "bench.generated": {"en": "Wrote a cross-domain benchmark folder to {out}",
                        "zh-CN": "已将跨领域基准数据目录写入 {out}"},
    "bench.split_written": {"en": "Wrote the canonical train/test rows to {out}",
                            "zh-CN": "已将规范化的训练/测试行写入 {out}"},
    "bench.col.setting": {"en": "setting", "zh-CN": "参数"},
    "bench.col.name": {"en": "name", "zh-CN": "名称"},
    "bench.col.format": {"en": "format", "zh-CN": "格式"},
    "bench.col.domains": {"en": "domains", "zh-CN": "领域"},
    "bench.col.split": {"en": "provided split", "zh-CN": "自带切分"},
    "bench.col.domain": {"en": "domain", "zh-CN": "领域"},
    "bench.col.part": {"en": "split", "zh-CN": "切分"},
    "bench.col.users": {"en": "users", "zh-CN": "用户数"},
    "bench.col.items": {"en": "items", "zh-CN": "物品数"},
    "bench.col.train": {"en": "train", "zh-CN": "训练"},
    "bench.col.valid": {"en": "valid", "zh-CN": "验证"},
    "bench.col.test": {"en": "test", "zh-CN": "测试"},
    "bench.col.model": {"en": "model", "zh-CN": "模型"},
    "bench.col.fit_s": {"en": "fit s", "zh-CN": "训练秒数"},
    "bench.col.fit_mb": {"en": "fit MB", "zh-CN": "训练峰值 MB"},
    "bench.yes": {"en": "yes", "zh-CN": "是"},
    "bench.no": {"en": "no", "zh-CN": "否"},
    "bench.tuned": {"en": "(tuned on valid, {n} tried)",
                    "zh-CN": "(在验证集上调参, 共试 {n} 组)"},
    "demo.bench": {"en": "benchmark protocol: the world as a cross-domain benchmark folder, "
                         "cold start on knowledge",
                   "zh-CN": "基准评测协议：把模拟世界写成跨领域基准目录，评测知识领域冷启动"},
    "bench.demo.noworld": {"en": "No synthetic world in {path}: step skipped.",
                           "zh-CN": "{path} 中没有模拟世界：跳过此步骤。"},
    "bench.demo.small": {"en": "This world is too small for a cold-start benchmark (step "
                               "skipped; try --people 2000 or more): {why}",
                         "zh-CN": "该模拟世界太小，无法做冷启动基准评测（跳过此步骤；请用 "
                                  "--people 2000 或更大）：{why}"},
}
add_messages(MESSAGES)
add_messages(ERRORS)

bench_app = typer.Typer(help="Public benchmarks: import, evaluate on standard protocols.",
                        no_args_is_help=True)


@bench_app.command("import")
def import_cmd(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A file or folder.")],
    fmt: Annotated[str, typer.Option("--format", help="movielens, uir or cdr-folder.")],
    name: Annotated[str, typer.Option(help="Name to run it by.")],
    fold: Annotated[str | None, typer.Option(
        help="MovieLens 100K: use <fold>.base/<fold>.test as the split (u1…u5, ua, ub)."
    )] = None,
    header: Annotated[bool | None, typer.Option(
        "--header/--no-header", help="Force whether line 1 is a header (default: guess)."
    )] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite NAME.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Load a benchmark (MovieLens, user-item files, cross-domain folders) by name."""
    from crossplay.evaluation.formats import import_path
    from crossplay.evaluation.store import check_name, save

    st = state(ctx)
    check_name(name)
    rows = import_path(path, fmt, fold=fold, header=header)
    meta = save(st.settings, name, rows, fmt=fmt, source=path, replace=replace)
    if as_json:
        print_json(meta)
        return
    o = stdout()
    o.print(st.msg("bench.imported", name=name, fmt=fmt, rows=meta["rows"],
                   users=meta["users"], items=meta["items"]), highlight=False)
    o.print(table(None, [st.msg("bench.col.domain"), st.msg("bench.col.part"),
                         st.msg("col.rows")],
                  [(d, s, f"{n:,}") for d, per in meta["by_domain_split"].items()
                   for s, n in per.items()]))


@bench_app.command("list")
def list_cmd(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Benchmarks imported into this data directory."""
    from crossplay.evaluation.store import list_benchmarks

    st = state(ctx)
    items = list_benchmarks(st.settings)
    if as_json:
        print_json(items)
        return
    if not items:
        stdout().print(st.msg("bench.none"), highlight=False)
        return
    stdout().print(table(st.msg("bench.list"),
                         [st.msg("bench.col.name"), st.msg("bench.col.format"),
                          st.msg("col.rows"), st.msg("bench.col.users"),
                          st.msg("bench.col.items"), st.msg("bench.col.domains"),
                          st.msg("bench.col.split")],
                         [(m["name"], m["format"], f"{m['rows']:,}", f"{m['users']:,}",
                           f"{m['items']:,}", ", ".join(m["domains"]),
                           st.msg("bench.yes" if m["provided_split"] else "bench.no"))
                          for m in items]))


def _parse_params(values: list[str] | None) -> dict[str, dict[str, Any]]:
    """``als.factors=64`` -> ``{"als": {"factors": 64}}`` (numbers parsed)."""
    out: dict[str, dict[str, Any]] = {}
    for v in values or []:
        key, sep, raw = v.partition("=")
        model, dot, param = key.partition(".")
        if not sep or not dot or not model or not param:
            raise ConfigError(f"--param {v!r}: write MODEL.NAME=VALUE, e.g. als.factors=64",
                              code="bench_param", params={"value": v})
        value: Any = raw
        for conv in (int, float):
            try:
                value = conv(raw)
                break
            except ValueError:
                continue
        out.setdefault(model, {})[param] = value
    return out


@bench_app.command("run")
def run_cmd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="An imported benchmark.")],
    protocol: Annotated[str | None, typer.Option(
        help="provided, stratified, chrono, loo or cold (docs/evaluation.md); default: "
             "provided when the benchmark ships a split, else stratified.")
    ] = None,
    models: Annotated[str, typer.Option(
        help="Comma-separated: popularity, item_knn, als, bpr, emcdr.")
    ] = "popularity,item_knn,als,bpr",
    k: Annotated[int, typer.Option(min=1, max=1000, help="Cut-off K.")] = 10,
    ratio: Annotated[float, typer.Option(help="Training share (stratified, chrono).")
                     ] = 0.75,
    seed: Annotated[int, typer.Option(help="Seed (stratified, cold, sampling).")] = 42,
    fraction: Annotated[float, typer.Option(help="Cold: share of overlapping users "
                                            "made cold.")] = 0.2,
    target: Annotated[str | None, typer.Option(
        help="Domain whose rows are tested and ranked (needed by cold and emcdr).")
    ] = None,
    relevance: Annotated[float | None, typer.Option(
        help="Only test rows rated at least this are relevant (e.g. 4).")] = None,
    sampled: Annotated[int | None, typer.Option(
        min=1, help="Rank against N sampled negatives instead of all items (labelled).")
    ] = None,
    tune: Annotated[bool, typer.Option(
        "--tune/--no-tune", help="Choose hyper-parameters on validation (default on).")
    ] = True,
    param: Annotated[list[str] | None, typer.Option(
        help="Fix a hyper-parameter: MODEL.NAME=VALUE (repeat).")] = None,
    max_users: Annotated[int | None, typer.Option(
        min=1, help="Score at most this many (seeded) test users.")] = None,
    write_split: Annotated[Path | None, typer.Option(
        help="Also write the canonical train.tsv / test.tsv rows to this folder.")
    ] = None,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print a Markdown table."
                                           )] = False,
    as_json: JsonOpt = False,
) -> None:
    """Train the models on a protocol's split and print P, R, NDCG, MAP, HR at K."""
    from crossplay.evaluation.fingerprint import write_canonical
    from crossplay.evaluation.runner import RunConfig, run, split_for
    from crossplay.evaluation.store import load, save_run
    from crossplay.evaluation.tables import markdown as to_markdown

    st = state(ctx)
    bench = load(st.settings, name)
    if protocol is None:
        protocol = "provided" if bench.meta.get("provided_split") else "stratified"
    cfg = RunConfig(protocol=protocol, k=k, ratio=ratio, seed=seed, fraction=fraction,
                    target=target, relevance=relevance, sampled=sampled, tune=tune,
                    max_test_users=max_users, params=_parse_params(param),
                    models=tuple(m.strip() for m in models.split(",") if m.strip()))
    with progress_bar(st.msg("bench.running"),
                      enabled=not as_json and sys.stderr.isatty()) as _:
        result = run(bench.rows, cfg, name=name)
    path = save_run(st.settings, name, result)
    result["saved"] = str(path)
    if write_split is not None:
        split = split_for(bench.rows, cfg.validate())
        write_canonical(split.train, write_split / "train.tsv")
        write_canonical(split.test, write_split / "test.tsv")
    if as_json:
        print_json(result)
        return
    if markdown:
        sys.stdout.write(to_markdown(result) + "\n")
        return
    print_result(st, result)
    o = stdout()
    if write_split is not None:
        o.print(st.msg("bench.split_written", out=write_split), highlight=False)
    o.print(st.msg("bench.saved", path=path), highlight=False)


def print_result(st: Any, result: dict[str, Any]) -> None:
    from crossplay.evaluation.tables import metric_columns, rows_of

    ranking = (st.msg("bench.full") if result["ranking"] == "full" else
               st.msg("bench.sampled", n=result["ranking"].split("-", 1)[1]))
    params = dict(result["protocol_params"])
    if result["target"]:
        params["target"] = result["target"]
    if result["relevance"] is not None:
        params["relevance"] = f">={result['relevance']}"
    ptxt = "(" + ", ".join(f"{k}={v}" for k, v in params.items()) + ")" if params else ""
    title = st.msg("bench.title", name=result["benchmark"], protocol=result["protocol"],
                   params=ptxt, ranking=ranking, k=result["k"], users=result["test_users"])
    o = stdout()
    def failed(row: dict[str, Any]) -> str:  # a model that could not be fitted
        from crossplay.cli.i18n import coded_text

        return coded_text(row.get("error_code", ""), row.get("error_params") or {},
                          row["error"], "crossplay.evaluation.runner")

    o.print(table(title, [st.msg("bench.col.model"), *metric_columns(result["k"]),
                          st.msg("bench.col.fit_s"), st.msg("bench.col.fit_mb"),
                          st.msg("bench.col.setting")],
                  rows_of(result, tuned=lambda n: st.msg("bench.tuned", n=n), error=failed)))
    fp = result["fingerprint"]
    o.print(st.msg("bench.fingerprint", fp=fp["split"], train=fp["train_rows"],
                   test=fp["test_rows"]), highlight=False)
    if (result["unscored_test_users"] or result["test_pairs_seen_in_train"]
            or result["test_pairs_on_untrained_items"]):
        o.print(st.msg("bench.unscored", n=result["unscored_test_users"],
                       seen=result["test_pairs_seen_in_train"],
                       untrained=result["test_pairs_on_untrained_items"]), highlight=False)


@bench_app.command("generate")
def generate_cmd(
    ctx: typer.Context,
    out: Annotated[Path, typer.Argument(help="New folder to write.")],
    people: Annotated[int, typer.Option(min=50, max=1_000_000, help="People in the world."
                                        )] = 2000,
    days: Annotated[int, typer.Option(min=7, max=365, help="Days of behaviour.")] = 30,
    seed: Annotated[int, typer.Option(help="World seed.")] = 0,
    world: Annotated[Path | None, typer.Option(
        help="Use this generated world instead of generating one.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Write a cross-domain benchmark folder (train/valid/test per domain) from a
    synthetic world."""
    from crossplay.evaluation.worldgen import generate_cdr_folder

    st = state(ctx)
    summary = generate_cdr_folder(out, people=people, days=days, seed=seed, world=world)
    if as_json:
        print_json(summary)
        return
    o = stdout()
    o.print(st.msg("bench.generated", out=out), highlight=False)
    o.print(table(None, [st.msg(f"bench.col.{c}") for c in
                         ("domain", "train", "valid", "test", "users", "items")],
                  [(d, f"{c['train']:,}", f"{c['valid']:,}", f"{c['test']:,}",
                    f"{c['users']:,}", f"{c['items']:,}")
                   for d, c in summary["domains"].items()]))


@bench_app.command("remove")
def remove_cmd(ctx: typer.Context,
               name: Annotated[str, typer.Argument(help="An imported benchmark.")]) -> None:
    """Delete an imported benchmark and its saved runs."""
    from crossplay.evaluation.store import remove

    remove(state(ctx).settings, name)


def demo_step(st: Any, as_json: bool) -> dict[str, Any]:
    """The demo's world as a cdr-folder benchmark, one cold-start table (a few seconds)."""
    import shutil

    from crossplay.core.derived import derived_dir
    from crossplay.evaluation.formats import import_cdr_folder
    from crossplay.evaluation.runner import RunConfig, run
    from crossplay.evaluation.store import save, save_run
    from crossplay.evaluation.worldgen import write_cdr_folder

    world = st.settings.data_dir / "world"
    if not (world / "ground_truth").is_dir():
        if not as_json:
            stdout().print(st.msg("bench.demo.noworld", path=world), highlight=False)
        return {"skipped": "no world"}
    from crossplay.core.errors import CrossplayError

    folder = derived_dir(st.settings, "benchmarks") / "_demo-world-cdr"
    shutil.rmtree(folder, ignore_errors=True)
    try:
        write_cdr_folder(world, folder)
        rows = import_cdr_folder(folder)
        save(st.settings, "demo-world", rows, fmt="cdr-folder", source=folder, replace=True)
        result = run(rows, RunConfig(protocol="cold", target="knowledge",
                                     models=("popularity", "als", "emcdr")),
                     name="demo-world")
    except CrossplayError as exc:  # a world too small for a cold-start split: say so, end
        if not as_json:
            stdout().print(st.msg("bench.demo.small", why=exc.message), highlight=False)
        return {"skipped": exc.message}
    save_run(st.settings, "demo-world", result)
    if not as_json:
        print_result(st, result)
    return {"benchmark": "demo-world", "protocol": "cold", "target": "knowledge",
            "fingerprint": result["fingerprint"]["split"],
            "test_users": result["test_users"],
            "ndcg@10": {r["model"]: r["ndcg"]["mean"] for r in result["rows"]
                        if "ndcg" in r}}


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")
