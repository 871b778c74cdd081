"""Commands over the data spine: ingest, quarantine, sql, stats, runs, keys, lake."""

from __future__ import annotations

import csv
import hashlib
import io
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from crossplay.cli.i18n import MESSAGES as CATALOG
from crossplay.cli.i18n import Messages, add_messages, record_miss
from crossplay.cli.output import print_json, progress_bar, stdout, table
from crossplay.cli.state import state
from crossplay.core.errors import ConfigError, QueryError
from crossplay.core.secrets import init_secret
from crossplay.core.types import Kind, Lang, Partner
from crossplay.ingest.error_messages import ERRORS
from crossplay.ingest.mapping import Mapping, load_mapping
from crossplay.ingest.pipeline import IngestSummary, ingest
from crossplay.ingest.sources import expand_sources
from crossplay.ingest.sqlbase import Corrections
from crossplay.lake import Lake
from crossplay.warehouse import lake_stats, query

MESSAGES: dict[str, dict[Lang, str]] = {
    # refusals of `crossplay sql` (crossplay.warehouse.readonly); en mirrors the raised text
    "err.sql_unparsable": {"en": "cannot parse the query: {detail}",
                           "zh-CN": "无法解析该查询: {detail}"},
    "err.sql_not_utf8": {"en": "cannot parse the query: it is not valid UTF-8 text",
                         "zh-CN": "无法解析该查询: 它不是有效的 UTF-8 文本"},
    "err.sql_statements": {"en": "give exactly one statement (got {n})",
                           "zh-CN": "请只提交一条语句 (收到 {n} 条)"},
    "err.read_only": {
        "en": "`crossplay sql` is read-only and runs one SELECT (or EXPLAIN of one): this "
              "{kind} statement is refused. The lake changes only through `crossplay ingest`.",
        "zh-CN": "`crossplay sql` 是只读的, 只执行一条 SELECT (或对它的 EXPLAIN): 已拒绝这条 "
                 "{kind} 语句。数据湖只能通过 `crossplay ingest` 修改。"},
    "err.sql_file_access": {
        "en": "refused: the statement reaches for a file, directory, extension or secret, and "
              "`crossplay sql` opens none; query the lake's tables and views instead (listed "
              "by `crossplay sql --help`). DuckDB said: {detail}",
        "zh-CN": "已拒绝: 该语句试图访问文件、目录、扩展或密钥, 而 `crossplay sql` 一概不开放; "
                 "请改为查询数据湖的表和视图 (见 `crossplay sql --help`)。DuckDB 提示: {detail}"},
    "err.sql_settings_locked": {
        "en": "refused: settings cannot be changed from a query. DuckDB said: {detail}",
        "zh-CN": "已拒绝: 不能在查询中修改设置。DuckDB 提示: {detail}"},
    "err.lake_changed": {
        "en": "a lake file went away while the query ran (a writer replaced it): run the "
              "query again. DuckDB said: {detail}",
        "zh-CN": "查询运行期间有数据湖文件被替换 (另一个进程正在写入): 请重新运行查询。"
                 "DuckDB 提示: {detail}"},
    "err.query_failed": {"en": "query failed: {detail}", "zh-CN": "查询失败: {detail}"},
    "err.bad_scope": {"en": "unknown scope {scope!r}: use knowledge or game",
                      "zh-CN": "未知的范围 {scope!r}: 请使用 knowledge 或 game"},
    # a damaged lake (crossplay.lake.store)
    "err.lake_manifest_missing": {
        "en": "the lake manifest {path} is missing, but the lake has committed before: run "
              "`crossplay lake recover` to restore its backup copy (do not ingest first: a "
              "writer would treat every file as left over)",
        "zh-CN": "数据湖清单 {path} 不见了, 但该数据湖此前提交过数据: 请运行 "
                 "`crossplay lake recover` 恢复清单的备份副本 (不要先导入: 写入进程会把所有"
                 "文件当作残留删除)"},
    "err.lake_manifest_unreadable": {
        "en": "cannot read the lake manifest {path}: {reason}",
        "zh-CN": "无法读取数据湖清单 {path}: {reason}"},
    "err.lake_manifest_corrupt": {
        "en": "the lake manifest {path} is corrupt ({reason}). Its backup copy is intact "
              "({files} files, {runs} runs): run `crossplay lake recover` to restore it",
        "zh-CN": "数据湖清单 {path} 已损坏 ({reason})。其备份副本完好 ({files} 个文件, "
                 "{runs} 次导入): 请运行 `crossplay lake recover` 恢复"},
    "err.lake_manifest_lost": {
        "en": "the lake manifest {path} is corrupt ({reason}) and there is no intact backup "
              "copy: restore {manifest} from a backup of the data directory, or move "
              "{lake} aside and ingest every export again (`crossplay ingest` is idempotent)",
        "zh-CN": "数据湖清单 {path} 已损坏 ({reason}), 且没有完好的备份副本: 请从数据目录的"
                 "备份恢复 {manifest}, 或把 {lake} 移开后重新导入全部数据 "
                 "(`crossplay ingest` 可重复执行)"},
    "err.lake_too_new": {
        "en": "the lake at {lake} has schema version {version}; this crossplay reads up to "
              "{supported}: it was made by a newer crossplay. Install that version or newer",
        "zh-CN": "{lake} 的数据湖结构版本为 {version}, 本版 crossplay 最高支持 {supported}: "
                 "它由更新版本的 crossplay 创建。请安装该版本或更新的版本"},
    "err.lake_outdated": {
        "en": "the lake at {lake} has schema version {version}; this crossplay needs "
              "{needed}: run `crossplay lake migrate` (it rewrites the affected files "
              "atomically; back the data directory up first)",
        "zh-CN": "{lake} 的数据湖结构版本为 {version}, 本版 crossplay 需要 {needed}: 请运行 "
                 "`crossplay lake migrate` (它会原子地重写受影响的文件; 请先备份数据目录)"},
    "err.lake_no_step": {
        "en": "this crossplay has no lake migration from schema version {from} to {to}: "
              "install the crossplay that made the lake, then upgrade step by step",
        "zh-CN": "本版 crossplay 没有从数据湖结构版本 {from} 到 {to} 的迁移: 请安装创建该数据湖"
                 "的 crossplay 版本, 然后逐步升级"},
    "lake.migrated": {
        "en": "Migrated the lake from schema version {before} to {after}: {files} file(s) "
              "rewritten ({steps}).",
        "zh-CN": "已将数据湖从结构版本 {before} 迁移到 {after}: 重写了 {files} 个文件 "
                 "({steps})。"},
    "lake.compacted": {
        "en": "Compacted {partitions} partition(s): {before} small files became {after} "
              "({rows:,} rows, unchanged).",
        "zh-CN": "已合并 {partitions} 个分区: {before} 个小文件合并为 {after} 个 "
                 "({rows:,} 行, 内容不变)。"},
    "lake.compact_none": {"en": "No partition has small files to merge: nothing to do.",
                          "zh-CN": "没有需要合并小文件的分区: 无需操作。"},
    "lake.compact_skipped": {
        "en": "Left alone (their files' columns cannot be combined): {dirs}",
        "zh-CN": "以下分区未处理 (其文件的列无法合并): {dirs}"},
    "lake.current": {
        "en": "The lake is at schema version {version}, the newest this crossplay knows: "
              "nothing to migrate.",
        "zh-CN": "数据湖处于结构版本 {version}, 即本版 crossplay 所知的最新版本: 无需迁移。"},
    "err.lake_file_missing": {
        "en": "the lake manifest lists {n} file(s) that do not exist (first: {first}): files "
              "were removed outside crossplay. Restore them from a backup of the data "
              "directory, or run `crossplay lake recover --drop-missing` to publish the "
              "manifest without them, then ingest the affected exports again (ingest is "
              "idempotent)",
        "zh-CN": "数据湖清单列出的 {n} 个文件不存在 (第一个: {first}): 有文件在 crossplay "
                 "之外被删除。请从数据目录的备份恢复这些文件, 或运行 `crossplay lake recover "
                 "--drop-missing` 发布去掉这些文件的清单, 然后重新导入受影响的数据 (导入可"
                 "重复执行)"},
    "err.lake_unrecoverable": {
        "en": "the backup copy {path} is missing, unreadable or lists missing files, so it "
              "cannot replace the manifest: restore {manifest} from a backup of the data "
              "directory, or move {lake} aside and ingest every export again",
        "zh-CN": "备份副本 {path} 不存在、无法读取或列出了缺失的文件, 不能用来替换清单: "
                 "请从数据目录的备份恢复 {manifest}, 或把 {lake} 移开后重新导入全部数据"},
    "err.lake_files_unrecoverable": {
        "en": "the backup copy {path} is missing, unreadable or lists missing files, so it "
              "cannot replace the manifest: run `crossplay lake recover --drop-missing` to "
              "keep every other file, or restore the missing files from a backup",
        "zh-CN": "备份副本 {path} 不存在、无法读取或列出了缺失的文件, 不能用来替换清单: "
                 "请运行 `crossplay lake recover --drop-missing` 保留其余所有文件, "
                 "或从备份恢复缺失的文件"},
    # crossplay lake recover
    "lake.intact": {"en": "The lake manifest is intact ({files} files, {runs} runs): nothing "
                          "to recover.",
                    "zh-CN": "数据湖清单完好 ({files} 个文件, {runs} 次导入): 无需恢复。"},
    "lake.backup": {"en": "Restored the manifest from its backup copy: {files} files, {runs} "
                          "runs.",
                    "zh-CN": "已从备份副本恢复清单: {files} 个文件, {runs} 次导入。"},
    "lake.dropped": {"en": "Published the manifest without {n} missing file(s): {files}",
                     "zh-CN": "已发布去掉 {n} 个缺失文件后的清单: {files}"},
    "lake.aside": {"en": "A copy of the broken manifest is kept as {name}.",
                   "zh-CN": "损坏清单的副本已保留为 {name}。"},
    "lake.lost": {"en": "Ingest the exports of these runs again (ingest is idempotent): {runs}",
                  "zh-CN": "请重新导入这些导入批次的数据 (导入可重复执行): {runs}"},
    "lake.lost_unknown": {
        "en": "The broken manifest could not be read: compare `crossplay runs` with your "
              "exports and ingest any that are missing again (ingest is idempotent).",
        "zh-CN": "损坏的清单无法读取: 请对照 `crossplay runs` 与原始导出文件, 重新导入缺少的"
                 "部分 (导入可重复执行)。"},
    # table headers of ingest, quarantine, stats and runs
    "data.col.run": {"en": "run", "zh-CN": "导入批次"},
    "data.col.partner": {"en": "partner", "zh-CN": "合作方"},
    "data.col.table": {"en": "table", "zh-CN": "数据表"},
    "data.col.source": {"en": "source", "zh-CN": "来源文件"},
    "data.col.code": {"en": "code", "zh-CN": "代码"},
    "data.col.row": {"en": "row", "zh-CN": "行号"},
    "data.col.raw": {"en": "raw", "zh-CN": "原始内容"},
    "data.col.platform": {"en": "platform", "zh-CN": "平台"},
    "data.col.event_type": {"en": "event_type", "zh-CN": "事件类型"},
    "data.col.events": {"en": "events", "zh-CN": "事件数"},
    "data.col.users": {"en": "users", "zh-CN": "用户数"},
    "data.col.first": {"en": "first", "zh-CN": "最早"},
    "data.col.last": {"en": "last", "zh-CN": "最晚"},
    "data.col.read": {"en": "read", "zh-CN": "读取"},
    "data.col.accepted": {"en": "accepted", "zh-CN": "接收"},
    "data.col.dups": {"en": "dups", "zh-CN": "重复"},
    "data.col.already": {"en": "already", "zh-CN": "已在湖中"},
    "data.col.quarantined": {"en": "quarantined", "zh-CN": "隔离"},
    "data.col.seconds": {"en": "s", "zh-CN": "秒"},
    "data.clipped": {"en": "… (+{n:,} chars)", "zh-CN": "… (另有 {n:,} 个字符)"},
    "data.reason.column": {"en": "{reason} (column {column})", "zh-CN": "{reason} (列 {column})"},
    # notes of `crossplay ingest` on a file (crossplay.ingest.pipeline)
    "data.note.empty file": {"en": "empty file", "zh-CN": "空文件"},
    "data.note.no data rows": {"en": "no data rows", "zh-CN": "没有数据行"},
    "data.note.read row by row": {"en": "read row by row", "zh-CN": "逐行读取"},
    "err.ingest_format": {"en": "--format {format!r}: use csv, jsonl or parquet",
                          "zh-CN": "--format {format!r}: 请使用 csv、jsonl 或 parquet"},
    "lake.reingest": {"en": "Ingest the affected partners' exports again to put the rows back "
                            "(ingest is idempotent).",
                      "zh-CN": "请重新导入受影响合作方的数据以补回这些行 (导入可重复执行)。"},
}
add_messages(MESSAGES)
add_messages(ERRORS)
add_messages({
    # crossplay ingest: corrections and rows the quarantine already holds
    "sum.corrected": {
        "en": "Replaced in the lake (--corrections replace): {n} row(s) with a corrected "
              "version under the same id.",
        "zh-CN": "已在数据湖中替换 (--corrections replace): {n} 行, 以相同 ID 的更正版本替换。"},
    "sum.held": {
        "en": "{n} of the quarantined rows were already in the quarantine (the same rows, "
              "rejected when this export was ingested before) and were not added again: "
              "`crossplay quarantine list` shows them.",
        "zh-CN": "其中 {n} 行已在隔离区中 (此前导入同一导出文件时已被拒绝的相同行), 未重复加入: "
                 "`crossplay quarantine list` 可查看。"},
})

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
quarantine_app = typer.Typer(help="Rows that were rejected, with the reason.",
                             no_args_is_help=True)
keys_app = typer.Typer(help="Partner secrets used for pseudonymous keys.", no_args_is_help=True)
lake_app = typer.Typer(help="The lake's manifest: recovery after damage, schema migration, "
                            "compaction.",
                       no_args_is_help=True)


def ingest_cmd(
    ctx: typer.Context,
    paths: Annotated[list[str], typer.Argument(
        help="Files, directories or glob patterns (quote globs).", show_default=False)],
    partner: Annotated[Partner, typer.Option(help="Whose export this is.")],
    kind: Annotated[Kind, typer.Option(help="What the files hold.")],
    mapping: Annotated[Path | None, typer.Option(
        help="Mapping YAML: columns, values, constants, units, time zone.")] = None,
    encoding: Annotated[str | None, typer.Option(
        help="Text encoding of CSV files (auto, utf-8, gb18030, ...).")] = None,
    file_format: Annotated[str | None, typer.Option(
        "--format", help="csv, jsonl or parquet (default: from the file name).")] = None,
    corrections: Annotated[Corrections, typer.Option(
        help="A row whose id the lake holds with other content: quarantine it "
             "(conflicts_with_lake) or replace the lake row (audited).")] = "quarantine",
    as_json: JsonOpt = False,
) -> None:
    """Validate, pseudonymise, dedupe and load partner exports into the lake."""
    st = state(ctx)
    m = load_mapping(mapping) if mapping else Mapping()
    updates: dict[str, Any] = {}
    if encoding:
        updates["encoding"] = encoding
    if file_format:
        if file_format not in ("csv", "jsonl", "parquet"):
            raise ConfigError(f"--format {file_format!r}: use csv, jsonl or parquet",
                              code="ingest_format", params={"format": file_format})
        updates["format"] = file_format
    if updates:
        m = m.model_copy(update=updates)
    files = [f for p in paths for f in expand_sources(p)]
    with progress_bar(st.msg("ingest.reading", n=len(files)),
                      enabled=not as_json and sys.stderr.isatty()) as update:
        summary = ingest(st.settings, files, partner=partner, kind=kind, mapping=m,
                         progress=update, corrections=corrections)
    if summary.corrected:
        from crossplay.privacy.audit import record

        record(st.settings, "lake_correction", actor="operator", subject=f"partner:{partner}",
               details={"run_id": summary.run_id, "table": summary.table,
                        "rows_replaced": summary.corrected, "files": len(files)})
    if as_json:
        print_json(summary_dict(summary))
        return
    render_summary(ctx, summary)


def _note(msg: Messages, note: str) -> str:
    """An ingest note on a file ("empty file", ...) in the invocation's language."""
    if note and f"data.note.{note}" not in CATALOG:
        record_miss("message", f"data.note.{note}", msg.lang, __name__)
        return note
    return msg(f"data.note.{note}") if note else ""


def summary_dict(summary: IngestSummary) -> dict[str, Any]:
    data = asdict(summary)
    data["events_per_second"] = round(summary.events_per_second, 1)
    data["seconds"] = round(summary.seconds, 3)
    return data


def render_summary(ctx: typer.Context, s: IngestSummary) -> None:
    msg = state(ctx).msg
    out = stdout()
    out.print(table(
        msg("ingest.title", table=s.table, partner=s.partner),
        [msg("col.file"), msg("col.format"), msg("col.rows"), msg("col.quarantined"),
         msg("col.note")],
        [(f.path, f.format, f"{f.read:,}", f"{f.quarantined:,}", _note(msg, f.note))
         for f in s.files]))
    out.print(
        f"{msg('sum.read')}: {s.read:,}  {msg('sum.accepted')}: {s.accepted:,}  "
        f"{msg('sum.duplicates')}: {s.duplicates:,}  {msg('sum.already')}: "
        f"{s.already_ingested:,}  {msg('sum.quarantined')}: {s.quarantined:,}  "
        f"{msg('sum.seconds')}: {s.seconds:.2f}  {msg('sum.rate')}: {s.events_per_second:,.0f}",
        highlight=False)
    if s.corrected:
        out.print(msg("sum.corrected", n=f"{s.corrected:,}"), highlight=False)
    if s.quarantine_held:
        out.print(msg("sum.held", n=f"{s.quarantine_held:,}"), highlight=False)
    if s.quarantined_by_reason:
        out.print(table(None, [msg("col.reason"), msg("data.col.code"), msg("col.count")],
                        [(msg.reason(c), c, f"{n:,}")
                         for c, n in s.quarantined_by_reason.items()]))
        if s.quarantined > s.quarantine_held:
            out.print(msg("sum.hint", run=s.run_id), highlight=False)


@quarantine_app.command("list")
def quarantine_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Rejected rows counted by run, table, file and reason."""
    st = state(ctx)
    res = query(st.settings, """
        SELECT run_id, partner, table_name, source, reason_code, count(*) AS rows
        FROM quarantine GROUP BY ALL ORDER BY run_id DESC, rows DESC, source, reason_code""")
    records = [dict(zip(res.columns, r, strict=True)) for r in res.rows]
    if as_json:
        print_json(records)
        return
    if not records:
        stdout().print(st.msg("q.empty"))
        return
    msg = st.msg
    stdout().print(table(None, [msg("data.col.run"), msg("data.col.partner"),
                                msg("data.col.table"), msg("data.col.source"),
                                msg("col.reason"), msg("data.col.code"), msg("col.rows")],
                         [(r["run_id"], r["partner"], r["table_name"], r["source"],
                           st.msg.reason(r["reason_code"]), r["reason_code"], r["rows"])
                          for r in records]))


@quarantine_app.command("show")
def quarantine_show(
    ctx: typer.Context,
    run: Annotated[str | None, typer.Option(help="Only this run id.")] = None,
    reason: Annotated[str | None, typer.Option(help="Only this reason code.")] = None,
    source: Annotated[str | None, typer.Option(help="Only files whose path contains this.")]
    = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many rows.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """The rejected rows themselves: file, row number, reason and raw content."""
    st = state(ctx)
    where = ["true"]
    from crossplay.ingest.sqlbase import lit

    if run:
        where.append(f"run_id = {lit(run)}")
    if reason:
        where.append(f"reason_code = {lit(reason)}")
    if source:
        where.append(f"contains(source, {lit(source)})")
    res = query(st.settings, f"""
        SELECT run_id, partner, table_name, source, row_number, reason_code, column_name,
               reason, raw FROM quarantine WHERE {' AND '.join(where)}
        ORDER BY run_id DESC, source, row_number LIMIT {int(limit)}""")
    records = [dict(zip(res.columns, r, strict=True)) for r in res.rows]
    if as_json:
        print_json(records)
        return
    if not records:
        stdout().print(st.msg("q.empty"))
        return
    msg = st.msg
    stdout().print(table(None, [msg("data.col.source"), msg("data.col.row"),
                                msg("data.col.code"), msg("col.reason"), msg("data.col.raw")],
                         [(r["source"], r["row_number"], r["reason_code"], _reason(msg, r),
                           _clip(msg, r["raw"])) for r in records]))


def _reason(msg: Messages, row: dict[str, Any]) -> str:
    """The stored reason is English (with the value quoted): other languages show the
    reason code's text and the column instead."""
    if msg.lang == "en":
        return str(row["reason"])
    text = msg.reason(row["reason_code"])
    return msg("data.reason.column", reason=text, column=row["column_name"]) \
        if row["column_name"] else text


def _clip(msg: Messages, text: str | None, n: int = 200) -> str:
    if text is None:
        return ""
    return text if len(text) <= n else text[:n] + msg("data.clipped", n=len(text) - n)


def sql_cmd(
    ctx: typer.Context,
    statement: Annotated[str, typer.Argument(help="One read-only SQL statement.")],
    out_format: Annotated[Literal["table", "csv", "json"], typer.Option(
        "--format", help="table, csv or json.")] = "table",
    limit: Annotated[int | None, typer.Option(help="At most this many rows.")] = None,
    scope: Annotated[Partner | None, typer.Option(
        "--as", help="Query as this partner: only its own rows are visible.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Query the lake with one read-only DuckDB statement (SELECT or EXPLAIN SELECT).

    Tables: events, items, social_edges, consents, links, quarantine.
    Views: items_current, consents_current, links_current, joint_profiles (once built).
    With --as PARTNER only that partner's rows exist (no links: joint data is released
    only through profiles and `crossplay release`). Files, settings, extensions and
    writes are out of reach (docs/privacy.md, "The read-only SQL surface").
    """
    from crossplay.privacy.audit import record

    settings = state(ctx).settings
    audit = {"scope": scope or "all", "statement_sha256": hashlib.sha256(
        statement.encode("utf-8", "surrogatepass")).hexdigest()}
    actor = f"partner:{scope}" if scope else "operator"
    try:
        res = query(settings, statement, limit=limit, scope=scope)
    except QueryError as exc:
        record(settings, "sql", actor=actor, details={**audit, "refused": exc.code})
        raise
    record(settings, "sql", actor=actor, details={**audit, "rows": len(res.rows)})
    fmt = "json" if as_json else out_format
    if fmt == "json":
        print_json([dict(zip(res.columns, r, strict=True)) for r in res.rows])
    elif fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(res.columns)
        w.writerows(res.rows)
        sys.stdout.write(buf.getvalue())
    else:
        stdout().print(table(None, res.columns, res.rows))


def stats_cmd(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """What the lake holds: counts per partner, platform and event type; users; dates."""
    st = state(ctx)
    data = lake_stats(st.settings)
    if as_json:
        print_json(data)
        return
    out = stdout()
    if not any(data["tables"].values()):
        out.print(st.msg("stats.empty"))
        return
    msg = st.msg
    out.print(table(msg("stats.tables"), [msg("data.col.table"), msg("col.rows")],
                    [(k, f"{v:,}") for k, v in data["tables"].items()]))
    out.print(table(msg("stats.partners"), [msg(f"data.col.{c}") for c in
                                            ("partner", "events", "users", "first", "last")],
                    [(p["partner"], f"{p['events']:,}", f"{p['users']:,}", p["first"],
                      p["last"]) for p in data["partners"]]))
    out.print(table(msg("stats.events"), [msg(f"data.col.{c}") for c in
                                          ("partner", "platform", "event_type", "events",
                                           "users")],
                    [(e["partner"], e["platform"], e["event_type"], f"{e['events']:,}",
                      f"{e['users']:,}") for e in data["events"]]))


def runs_cmd(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Ingest runs recorded in the lake manifest, newest first."""
    st = state(ctx)
    runs = list(reversed(Lake(st.settings.lake_dir).read_manifest().runs))
    if as_json:
        print_json([asdict(r) for r in runs])
        return
    stdout().print(table(None, [st.msg(f"data.col.{c}") for c in
                                ("run", "partner", "table", "read", "accepted", "dups",
                                 "already", "quarantined", "seconds")],
                         [(r.run_id, r.partner, r.table, f"{r.read:,}", f"{r.accepted:,}",
                           f"{r.duplicates:,}", f"{r.already_ingested:,}",
                           f"{r.quarantined:,}", f"{r.seconds:.2f}") for r in runs]))


@keys_app.command("init")
def keys_init(
    ctx: typer.Context,
    partner: Annotated[Partner, typer.Option(help="Whose secret to create.")],
    as_json: JsonOpt = False,
) -> None:
    """Create a random secret file for a partner (refuses to overwrite one)."""
    st = state(ctx)
    path = init_secret(st.settings, partner)
    if as_json:
        print_json({"partner": partner, "path": str(path)})
    else:
        stdout().print(st.msg("keys.created", path=path), highlight=False)


@lake_app.command("recover")
def lake_recover(
    ctx: typer.Context,
    drop_missing: Annotated[bool, typer.Option(
        "--drop-missing", help="Keep a readable manifest and drop only the files it lists "
                               "that do not exist (instead of restoring the backup copy).")]
    = False,
    as_json: JsonOpt = False,
) -> None:
    """Repair a corrupt or missing manifest, or one listing files that do not exist."""
    st = state(ctx)
    done = Lake(st.settings.lake_dir).recover(drop_missing=drop_missing)
    if as_json:
        print_json(asdict(done))
        return
    msg, out = st.msg, stdout()
    if done.action == "none":
        out.print(msg("lake.intact", files=done.files, runs=done.runs), highlight=False)
        return
    if done.action == "backup":
        out.print(msg("lake.backup", files=done.files, runs=done.runs), highlight=False)
        if done.lost_runs is None:
            out.print(msg("lake.lost_unknown"), highlight=False)
        elif done.lost_runs:
            out.print(msg("lake.lost", runs=", ".join(done.lost_runs)), highlight=False)
    else:
        out.print(msg("lake.dropped", n=len(done.dropped), files=", ".join(done.dropped)),
                  highlight=False)
        out.print(msg("lake.reingest"), highlight=False)
    if done.kept_aside:
        out.print(msg("lake.aside", name=done.kept_aside), highlight=False)


@lake_app.command("migrate")
def lake_migrate(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Bring the lake to this crossplay's schema version (rewrites atomically; no-op when
    it is current)."""
    from crossplay.lake.migrate import migrate

    st = state(ctx)
    done = migrate(Lake(st.settings.lake_dir))
    if as_json:
        print_json(asdict(done))
    elif done.before == done.after:
        stdout().print(st.msg("lake.current", version=done.after), highlight=False)
    else:
        stdout().print(st.msg("lake.migrated", before=done.before, after=done.after,
                              files=done.files, steps="; ".join(done.steps)), highlight=False)


@lake_app.command("compact")
def lake_compact(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Merge each partition's small files into fewer large ones (atomic; rows unchanged)."""
    from crossplay.lake.compact import compact

    st = state(ctx)
    done = compact(Lake(st.settings.lake_dir))
    if as_json:
        print_json(asdict(done))
        return
    out = stdout()
    if done.partitions:
        out.print(st.msg("lake.compacted", partitions=done.partitions,
                         before=done.files_before, after=done.files_after, rows=done.rows),
                  highlight=False)
    else:
        out.print(st.msg("lake.compact_none"), highlight=False)
    if done.skipped:
        out.print(st.msg("lake.compact_skipped", dirs=", ".join(done.skipped)),
                  highlight=False)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_cmd)
    app.command("sql")(sql_cmd)
    app.command("stats")(stats_cmd)
    app.command("runs")(runs_cmd)
    app.add_typer(quarantine_app, name="quarantine")
    app.add_typer(keys_app, name="keys")
    app.add_typer(lake_app, name="lake")


__all__ = ["register"]
