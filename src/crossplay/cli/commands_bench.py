"""``crossplay bench``: import public benchmarks, run protocols, print comparable tables."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from crossplay.cli.i18n import add_messages
from crossplay.cli.output import print_json, progress_bar, stderr, stdout, table
from crossplay.cli.state import state
from crossplay.core.errors import ConfigError
from crossplay.evaluation.error_messages import ERRORS
from crossplay.evaluation.messages import MESSAGES

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]

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
    columns: Annotated[str | None, typer.Option(
        help="Which field is what: ROLE=COLUMN,... (roles user, item, rating or value, "
             "timestamp; COLUMN a 1-based position or a header name), e.g. "
             "user=1,item=2,value=4.")] = None,
    where: Annotated[list[str] | None, typer.Option(
        help="Keep rows whose COLUMN equals VALUE (COLUMN=VALUE) or drop them "
             "(COLUMN!=VALUE); repeat, e.g. --where 3=play.")] = None,
    weight: Annotated[str, typer.Option(
        help="Pair weight from the value (rating) column: binary, linear or log1p.")
    ] = "binary",
    alpha: Annotated[float | None, typer.Option(
        help="ALS confidence scale for this benchmark's runs (C = 1 + alpha x weight).")
    ] = None,
    overlap: Annotated[str | None, typer.Option(
        help="cdr-folder: which equal user ids are one person: all, none, below:N or "
             "map:FILE (default: all, assumed, with a warning).")] = None,
    pair: Annotated[str | None, typer.Option(
        help="cdr-folder holding several domain pairs: import only this pair folder.")
    ] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite NAME.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Load a benchmark (MovieLens, any user-item log, cross-domain folders) by name."""
    from crossplay.evaluation.columns import parse_columns, parse_where
    from crossplay.evaluation.formats import ImportOptions, import_sets
    from crossplay.evaluation.overlap import parse_overlap
    from crossplay.evaluation.readers import ReadOptions
    from crossplay.evaluation.store import check_free, check_name, save
    from crossplay.evaluation.weights import check_alpha, check_weight

    st = state(ctx)
    check_name(name)
    w = check_weight(weight)
    check_alpha(alpha)
    read = ReadOptions(header, parse_columns(columns), parse_where(where),
                       None if w == "binary" else w)
    sets = import_sets(path, fmt, ImportOptions(read, fold, parse_overlap(overlap), pair))
    names = [f"{name}-{s.pair}" if s.pair and pair is None else name for s in sets]
    for n in names:
        check_name(n)
        check_free(st.settings, n, replace)
    metas = []
    for s, n in zip(sets, names, strict=True):
        extra: dict[str, Any] = {"pair": s.pair, "columns": columns,
                                 "weight": {"transform": w, "alpha": alpha}, **s.info}
        metas.append(save(st.settings, n, s.rows, fmt=fmt, source=path, replace=replace,
                          extra=extra))
    for meta in metas:
        print_warnings(st, meta.get("warnings", []))
    if as_json:
        print_json(metas[0] if len(metas) == 1 else metas)
        return
    for meta in metas:
        print_import(st, meta)


def print_warnings(st: Any, warnings: list[dict[str, Any]]) -> None:
    """Stored warnings (``{"key", "params", "text"}``), loud, on stderr."""
    for w in warnings:
        stderr().print(st.msg("bench.warning", text=st.msg(w["key"], **w["params"])),
                       style="bold yellow", highlight=False, markup=False)


def print_import(st: Any, meta: dict[str, Any]) -> None:
    """What one import holds and how it was read."""
    o = stdout()
    o.print(st.msg("bench.imported", name=meta["name"], fmt=meta["format"], rows=meta["rows"],
                   users=meta["users"], items=meta["items"]), highlight=False, markup=False)
    o.print(table(None, [st.msg("bench.col.domain"), st.msg("bench.col.part"),
                         st.msg("col.rows")],
                  [(d, s, f"{n:,}") for d, per in meta["by_domain_split"].items()
                   for s, n in per.items()]))
    if "filter" in meta:
        f = meta["filter"]
        o.print(st.msg("bench.filtered", kept=f["kept"], read=f["read"],
                       dropped=f["dropped"], where=" ".join(f["where"])),
                highlight=False, markup=False)
    ov = meta.get("overlap") or {}
    if ov and not ov["assumed"]:
        o.print(st.msg("bench.overlap_all" if ov["rule"] == "all" else "bench.overlap",
                       rule=ov["rule"], persons=ov["persons_in_several_domains"],
                       equal=ov["equal_ids_in_several_domains"], local=ov["local_ids"]),
                highlight=False, markup=False)
    for column, c in (meta.get("ids_with_spaces") or {}).items():
        o.print(st.msg("bench.spaces", n=c["with_spaces"], column=column,
                       merge=c["would_merge"]), highlight=False, markup=False)
    wt = meta.get("weight") or {}
    if wt.get("transform", "binary") != "binary" or wt.get("alpha") is not None:
        key = "bench.weight_alpha" if wt.get("alpha") is not None else "bench.weight"
        o.print(st.msg(key, weight=wt.get("transform", "binary"), alpha=wt.get("alpha")),
                highlight=False, markup=False)


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
    weight: Annotated[str | None, typer.Option(
        help="Pair weight: binary, linear or log1p (default: the import's).")] = None,
    max_users: Annotated[int | None, typer.Option(
        min=1, help="Score at most this many (seeded) test users.")] = None,
    write_split: Annotated[Path | None, typer.Option(
        help="Also write the canonical train.tsv / test.tsv rows to this folder.")
    ] = None,
    write_recs: Annotated[Path | None, typer.Option(
        help="Also write each model's top K per test user to recs-<model>.tsv in this "
             "folder.")] = None,
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
    imported = bench.meta.get("weight") or {}
    cfg = RunConfig(protocol=protocol, k=k, ratio=ratio, seed=seed, fraction=fraction,
                    target=target, relevance=relevance, sampled=sampled, tune=tune,
                    max_test_users=max_users, params=_parse_params(param),
                    models=tuple(m.strip() for m in models.split(",") if m.strip()),
                    weight=weight or imported.get("transform", "binary"),
                    alpha=imported.get("alpha"))
    warnings = bench.meta.get("warnings", [])
    print_warnings(st, warnings)
    with progress_bar(st.msg("bench.running"),
                      enabled=not as_json and sys.stderr.isatty()) as _:
        result = run(bench.rows, cfg, name=name,
                     recommendations=None if write_recs is None else
                     lambda m, lines: write_lines(write_recs / f"recs-{m}.tsv", lines))
    result["warnings"] = warnings
    result["overlap"] = bench.meta.get("overlap")
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
    if write_recs is not None:
        o.print(st.msg("bench.recs_written", out=write_recs), highlight=False)
    o.print(st.msg("bench.saved", path=path), highlight=False)


def write_lines(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def print_result(st: Any, result: dict[str, Any]) -> None:
    from crossplay.evaluation.tables import metric_columns, rows_of

    ranking = (st.msg("bench.full") if result["ranking"] == "full" else
               st.msg("bench.sampled", n=result["ranking"].split("-", 1)[1]))
    params = dict(result["protocol_params"])
    if result["target"]:
        params["target"] = result["target"]
    config = result.get("config") or {}
    if config.get("weight", "binary") != "binary":
        params["weight"] = config["weight"]
    if config.get("alpha") is not None:
        params["als.alpha"] = config["alpha"]
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
    from crossplay.evaluation.formats import ImportOptions, import_path
    from crossplay.evaluation.overlap import Overlap
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
        rows = import_path(folder, "cdr-folder",  # the world's persons: shared ids
                           options=ImportOptions(overlap=Overlap("all")))
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
