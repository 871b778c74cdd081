"""``crossplay db``: the operational database's schema revisions (upgrade, current, history).

These are the only commands that run on a database whose schema is not at this crossplay's
head revision (every other command refuses and names ``crossplay db upgrade``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from crossplay.cli.i18n import Messages, add_messages
from crossplay.cli.output import print_json, stdout, table
from crossplay.cli.state import state
from crossplay.core.types import Lang
from crossplay.opdb import get_engine
from crossplay.opdb import schema_version as sv

MESSAGES: dict[str, dict[Lang, str]] = {
    "db.state.empty": {
        "en": "{url}: empty (no crossplay tables yet). The first command that needs the "
              "database creates it at revision {head}; `crossplay db upgrade` does it now.",
        "zh-CN": "{url}: 空库 (尚无 crossplay 的表)。第一个用到业务数据库的命令会把它建到版本 "
                 "{head}; 也可现在运行 `crossplay db upgrade`。"},
    "db.state.current": {"en": "{url}: at revision {current} (the head): up to date.",
                         "zh-CN": "{url}: 处于版本 {current} (最新): 无需升级。"},
    "db.state.behind": {
        "en": "{url}: at revision {current}; this crossplay needs {head}: run "
              "`crossplay db upgrade` (back it up first).",
        "zh-CN": "{url}: 处于版本 {current}; 本版 crossplay 需要 {head}: 请运行 "
                 "`crossplay db upgrade` (请先备份)。"},
    "db.state.unversioned": {
        "en": "{url}: made before schema migrations (no revision recorded): "
              "`crossplay db upgrade` checks its tables against revision {first}, records it "
              "and upgrades it to {head}.",
        "zh-CN": "{url}: 由引入结构迁移之前的 crossplay 创建 (未记录版本): `crossplay db "
                 "upgrade` 会对照版本 {first} 检查它的表, 记录版本并升级到 {head}。"},
    "db.state.ahead": {
        "en": "{url}: at revision {current}, unknown to this crossplay (it knows up to "
              "{head}): the store was made by a newer crossplay.",
        "zh-CN": "{url}: 处于版本 {current}, 本版 crossplay 不认识 (最高只认识 {head}): "
                 "该数据库由更新版本的 crossplay 创建。"},
    "db.upgraded": {"en": "Upgraded {url} from {before} to {after}: ran {applied}.",
                    "zh-CN": "已将 {url} 从 {before} 升级到 {after}: 执行了 {applied}。"},
    "db.stamped": {
        "en": "Its tables match revision {first}: recorded it as {first}.",
        "zh-CN": "其表与版本 {first} 一致: 已记录为 {first}。"},
    "db.up_to_date": {"en": "{url} is already at {after}: nothing to do.",
                      "zh-CN": "{url} 已处于 {after}: 无需操作。"},
    "db.none": {"en": "(none)", "zh-CN": "(无)"},
    "db.col.revision": {"en": "revision", "zh-CN": "版本"},
    "db.col.down": {"en": "after", "zh-CN": "前一版本"},
    "db.col.applied": {"en": "in this database", "zh-CN": "本库已应用"},
    "db.col.what": {"en": "what it does", "zh-CN": "内容"},
    "db.yes": {"en": "yes", "zh-CN": "是"},
    "db.head": {"en": "head", "zh-CN": "最新"},
    "db.history": {"en": "Schema revisions of the operational database",
                   "zh-CN": "业务数据库的结构版本"},
    # what each revision does (the revision's own docstring says it in English)
    "db.rev.0001": {"en": "The first released schema: every table as crossplay 0.1 created it.",
                    "zh-CN": "第一个发布的结构: crossplay 0.1 创建的全部表。"},
    "db.rev.0002": {"en": "The scheduler's run history (ops_job_runs).",
                    "zh-CN": "调度器的运行历史 (ops_job_runs)。"},
    # errors of crossplay.opdb.schema_version any command can meet are in core_messages
}
add_messages(MESSAGES)

db_app = typer.Typer(help="The operational database's schema: upgrade, current revision, "
                          "history.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


@db_app.command("upgrade")
def db_upgrade(
    ctx: typer.Context,
    to: Annotated[str, typer.Option(
        "--to", help="Revision to upgrade to (default: the newest this crossplay knows).")]
    = "head",
    as_json: JsonOpt = False,
) -> None:
    """Upgrade the database to the newest schema revision (one transaction; a store made
    before migrations is checked against revision 0001 and recorded first)."""
    st = state(ctx)
    engine = get_engine(st.settings)
    done = sv.upgrade(engine, to)
    url = sv.safe_url(engine)
    if as_json:
        print_json({"url": url, **asdict(done)})
        return
    msg, out = st.msg, stdout()
    if done.stamped:
        out.print(msg("db.stamped", first=sv.FIRST), highlight=False)
    if done.applied:
        before = done.before or (sv.FIRST if done.stamped else msg("db.none"))
        out.print(msg("db.upgraded", url=url, before=before,
                      after=done.after, applied=", ".join(done.applied)), highlight=False)
    else:
        out.print(msg("db.up_to_date", url=url, after=done.after), highlight=False)


@db_app.command("current")
def db_current(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Which revision the database is at, and what to run when it is not the head."""
    st = state(ctx)
    engine = get_engine(st.settings)
    now = sv.current_state(engine)
    url = sv.safe_url(engine)
    if as_json:
        print_json({"url": url, **asdict(now)})
        return
    stdout().print(st.msg(f"db.state.{now.kind}", url=url, current=now.current, head=now.head,
                          first=sv.FIRST), highlight=False)


@db_app.command("history")
def db_history(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Every schema revision this crossplay knows, oldest first, and which are applied."""
    st = state(ctx)
    engine = get_engine(st.settings)
    now = sv.current_state(engine)
    revisions = sv.history()
    chain = [r.revision for r in revisions]
    upto = chain.index(now.current) if now.current in chain else -1
    if as_json:
        print_json({"current": now.current, "head": now.head,
                    "revisions": [{**asdict(r), "applied": i <= upto}
                                  for i, r in enumerate(revisions)]})
        return
    msg = st.msg
    rows = [(r.revision + (f" ({msg('db.head')})" if r.revision == now.head else ""),
             r.down_revision or "", msg("db.yes") if i <= upto else "", _what(msg, r))
            for i, r in enumerate(revisions)]
    stdout().print(table(msg("db.history"), [msg("db.col.revision"), msg("db.col.down"),
                                             msg("db.col.applied"), msg("db.col.what")], rows))


def _what(msg: Messages, rev: sv.Revision) -> str:
    key = f"db.rev.{rev.revision}"
    return msg(key) if key in MESSAGES else rev.message


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")


__all__ = ["register"]
