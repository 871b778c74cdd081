"""Commands of privacy and identity: audit, consent, links, psi, release, forget, keys."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from crossplay.cli import release_view  # also registers the release catalog
from crossplay.cli.i18n import add_messages
from crossplay.cli.output import print_json, stderr, stdout, table
from crossplay.cli.state import state
from crossplay.core.errors import ConfigError
from crossplay.core.types import Lang, Partner
from crossplay.privacy.error_messages import ERRORS

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]

MESSAGES: dict[str, dict[Lang, str]] = {
    "audit.ok": {"en": "Audit log intact: {n} entries, head {seq}:{hash}",
                 "zh-CN": "审计日志完整: 共 {n} 条, 链头 {seq}:{hash}"},
    "audit.bad": {"en": "Audit log TAMPERED: {n} problem(s)",
                  "zh-CN": "审计日志已被篡改: {n} 个问题"},
    "audit.empty": {"en": "The audit log is empty.", "zh-CN": "审计日志为空。"},
    # en: crossplay.privacy.audit.PROBLEM_TEXTS, as written there
    "audit.problem.missing": {"en": "entry {first} missing", "zh-CN": "缺少第 {first} 条"},
    "audit.problem.missing_range": {"en": "entry {first}..{last} missing",
                                    "zh-CN": "缺少第 {first}..{last} 条"},
    "audit.problem.unchained": {
        "en": "entry {seq}: does not follow the previous entry (deleted or reordered entries)",
        "zh-CN": "第 {seq} 条: 与前一条接不上 (有条目被删除或调换了顺序)"},
    "audit.problem.changed": {"en": "entry {seq}: content was changed (hash mismatch)",
                              "zh-CN": "第 {seq} 条: 内容被修改过 (哈希不符)"},
    "audit.problem.head_missing": {
        "en": "the expected head {expected} is missing: the log ends at {head} (newest "
              "entries deleted)",
        "zh-CN": "缺少预期的链头 {expected}: 日志止于第 {head} 条 (最新的条目被删除)"},
    "audit.problem.head_differs": {"en": "entry {expected} differs from the expected head",
                                   "zh-CN": "第 {expected} 条与预期的链头不一致"},
    "audit.col.seq": {"en": "seq", "zh-CN": "序号"},
    "audit.col.ts": {"en": "ts", "zh-CN": "时间"},
    "audit.col.action": {"en": "action", "zh-CN": "操作"},
    "audit.col.actor": {"en": "actor", "zh-CN": "执行者"},
    "audit.col.subject": {"en": "subject", "zh-CN": "审计主体"},
    "audit.col.details": {"en": "details", "zh-CN": "详情"},
    "psi.listening": {"en": "PSI server listening on {url}",
                      "zh-CN": "PSI 服务端已启动, 监听 {url}"},
    "psi.card": {"en": "Overlap: {n} of {size} contacts ({users} users) on this side",
                 "zh-CN": "重合数: {n} (本方 {size} 个联系方式, {users} 位用户)"},
    "psi.suppressed": {"en": "Overlap: fewer than {k} (suppressed)",
                       "zh-CN": "重合数: 少于 {k} (已隐藏)"},
    "psi.links": {"en": "Intersection: {n} common contacts; {links} new links recorded, "
                        "{existing} already linked (kept as they were), {amb} ambiguous "
                        "skipped",
                  "zh-CN": "交集: {n} 个共同联系方式; 新记录 {links} 个账号关联, "
                           "{existing} 个已关联 (保持不变), 跳过 {amb} 个不明确的"},
    "psi.rejected": {"en": "Rejected contacts: {what}", "zh-CN": "被拒绝的联系方式: {what}"},
    "psi.rejected.item": {"en": "{reason}={n}", "zh-CN": "{reason} {n} 个"},
    # en: the reason codes of crossplay.privacy.contacts, as counted there
    "psi.reject.no_user_id": {"en": "no_user_id", "zh-CN": "缺少用户 ID"},
    "psi.reject.bad_phone": {"en": "bad_phone", "zh-CN": "手机号无效"},
    "psi.reject.bad_email": {"en": "bad_email", "zh-CN": "邮箱无效"},
    "psi.reject.no_contact": {"en": "no_contact", "zh-CN": "没有联系方式"},
    "psi.bytes": {"en": "Sent {sent:,} bytes, received {recv:,} bytes in {s:.2f} s",
                  "zh-CN": "发送 {sent:,} 字节, 接收 {recv:,} 字节, 用时 {s:.2f} 秒"},
    "psi.served": {"en": "Session finished; the server stops.",
                   "zh-CN": "会话结束, 服务已停止。"},
    "psi.wrote": {"en": "Wrote {what}", "zh-CN": "已写入 {what}"},
    "forget.done": {"en": "Forgotten: {lake} lake rows, {db} database rows, {derived} derived "
                          "rows, {links} link(s); audit subject {subject}",
                    "zh-CN": "已删除: 数据湖 {lake} 行, 数据库 {db} 行, 派生数据 {derived} 行, "
                             "账号关联 {links} 个; 审计主体 {subject}"},
    "forget.nothing": {"en": "No data held for this {partner} user id: nothing to erase (no "
                             "lake, database, link or derived row). The request is recorded "
                             "in the audit log, subject {subject}. If you expected data, "
                             "check --partner and the id.",
                       "zh-CN": "没有该 {partner} 用户 ID 的任何数据: 无需删除 (数据湖、数据库、"
                                "账号关联与派生数据中均无记录)。本次请求已记入审计日志, 审计主体 "
                                "{subject}。如应有数据, 请检查 --partner 与 ID。"},
    "keys.rotated": {"en": "Rotated {partner} to key version {v}: re-keyed {lake} lake files, "
                           "{db} database keys, {derived} derived files",
                     "zh-CN": "{partner} 密钥已轮换到版本 {v}: 重新生成数据湖文件 {lake} 个, "
                              "数据库键 {db} 个, 派生文件 {derived} 个"},
    "profiles.built": {"en": "Joint profiles: {n} persons ({how}, {files} new lake files) "
                             "in {path}",
                       "zh-CN": "联合画像: {n} 人 ({how}, 新数据文件 {files} 个), 位于 {path}"},
    "profiles.full": {"en": "full build", "zh-CN": "全量构建"},
    "profiles.incremental": {"en": "incremental", "zh-CN": "增量更新"},
    "demo.privacy": {"en": "privacy: links, joint profiles, a k-suppressed release, audit",
                     "zh-CN": "隐私: 账号关联、联合画像、k 匿名发布、审计"},
    "demo.privacy.links": {"en": "Active account links: {n} ({ok} with linking consent on "
                                 "both sides); joint profiles: {p} persons",
                           "zh-CN": "有效账号关联: {n} 个 (双方均同意关联: {ok} 个); "
                                    "联合画像: {p} 人"},
    "demo.privacy.release": {"en": "Overlap by category pair for game (k = {k}): {shown} "
                                   "groups released, {hidden} suppressed",
                             "zh-CN": "向游戏方发布的类别重合 (k = {k}): 发布 {shown} 组, "
                                      "隐藏 {hidden} 组"},
    "demo.privacy.segments": {"en": "Conversion by game-activity segment, released to game "
                                    "(k = {k}; — = suppressed)",
                              "zh-CN": "按游戏活跃度分群的转化 (发布给游戏方, "
                                       "k = {k}; — = 已隐藏)"},
    "demo.privacy.audit": {"en": "Audit log: {n} entries, chain intact: {ok}",
                           "zh-CN": "审计日志: {n} 条, 链完整: {ok}"},
    "demo.privacy.largest": {"en": "  Largest released pairs (course category × game / stream "
                                   "category: people): {pairs}",
                             "zh-CN": "  已发布的最大组合 (课程类别 × 游戏/直播类别: 人数): "
                                      "{pairs}"},
    "demo.privacy.yes": {"en": "yes", "zh-CN": "是"},
    "demo.privacy.no": {"en": "NO", "zh-CN": "否"},
    "demo.privacy.col.segment": {"en": "segment", "zh-CN": "分群"},
    "demo.privacy.col.people": {"en": "people", "zh-CN": "人数"},
    "demo.privacy.col.buyers": {"en": "course buyers", "zh-CN": "购课人数"},
    "demo.privacy.col.spend": {"en": "spend (yuan)", "zh-CN": "消费(元)"},
    "consent.set": {"en": "Recorded: {partner} user {ukey} {purpose} = {granted}",
                    "zh-CN": "已记录: {partner} 用户 {ukey} 对「{purpose}」的决定: {granted}"},
    "consent.granted": {"en": "True", "zh-CN": "同意"},
    "consent.refused": {"en": "False", "zh-CN": "拒绝"},
    # en: the purposes (crossplay.privacy.policy.Purpose) as written on the command line
    "consent.purpose.linking": {"en": "linking", "zh-CN": "账号关联"},
    "consent.purpose.personalisation": {"en": "personalisation", "zh-CN": "个性化推荐"},
    "consent.purpose.marketing": {"en": "marketing", "zh-CN": "营销"},
}
add_messages(MESSAGES)
add_messages(ERRORS)

audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
psi_app = typer.Typer(help="Private set intersection between the partners.",
                      no_args_is_help=True)
consent_app = typer.Typer(help="Live consent decisions (history kept, audited).",
                          no_args_is_help=True)
ModeOpt = Annotated[str, typer.Option(
    help="cardinality (overlap size only) or intersection (links for users who "
         "granted linking).")]
ContactsOpt = Annotated[Path, typer.Option(
    help="This side's contact CSV: user_id, phone and/or email (read, never stored).")]
SidePartnerOpt = Annotated[Partner, typer.Option(help="This side's partner.")]


def _parse_head(value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    seq, _, digest = value.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise ConfigError("--expect takes SEQ:HASH as printed by `crossplay audit verify`",
                          code="audit_expect_format")
    return int(seq), digest


@audit_app.command("verify")
def audit_verify(
    ctx: typer.Context,
    expect: Annotated[str | None, typer.Option(
        help="A head SEQ:HASH recorded earlier; detects deleted newest entries.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Recompute the hash chain; exit 1 if any entry was edited, deleted or reordered."""
    from crossplay.privacy.audit import verify

    st = state(ctx)
    res = verify(st.settings, expect=_parse_head(expect))
    if as_json:
        print_json(res.as_dict())
    elif res.ok:
        stdout().print(st.msg("audit.ok", n=res.entries, seq=res.head_seq, hash=res.head_hash),
                       highlight=False)
    else:
        stdout().print(st.msg("audit.bad", n=len(res.issues)), highlight=False)
        for p in res.issues:
            stdout().print(f"  - {st.msg(f'audit.problem.{p.kind}', **p.values)}",
                           highlight=False)
    if not res.ok:
        raise typer.Exit(1)


@audit_app.command("list")
def audit_list(
    ctx: typer.Context,
    action: Annotated[str | None, typer.Option(help="Only this action.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="The newest N entries.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """The newest audit entries (who did what, when, to which pseudonymous subject)."""
    from crossplay.privacy.audit import entries

    st = state(ctx)
    rows = entries(st.settings, action=action, limit=limit)
    if as_json:
        print_json([{"seq": e.seq, "ts": e.ts, "action": e.action, "actor": e.actor,
                     "subject": e.subject, "details": e.details, "hash": e.hash}
                    for e in rows])
        return
    if not rows:
        stdout().print(st.msg("audit.empty"))
        return
    stdout().print(table(None, [st.msg(f"audit.col.{c}") for c in (
        "seq", "ts", "action", "actor", "subject", "details")],
                         [(e.seq, e.ts, e.action, e.actor, e.subject or "",
                           ", ".join(f"{k}={v}" for k, v in e.details.items()))
                          for e in rows]))


def _mode(value: str) -> Any:
    from crossplay.privacy.psi import MODES

    if value not in MODES:  # worded as Typer words a choice, so zh-CN can rebuild it
        raise typer.BadParameter(f"{value!r} is not one of "
                                 f"{', '.join(repr(m) for m in MODES)}.", param_hint="'--mode'")
    return value


def _render_psi(ctx: typer.Context, data: dict[str, Any]) -> None:
    st = state(ctx)
    out = stdout()
    if data["mode"] == "cardinality":
        if data["suppressed"]:
            out.print(st.msg("psi.suppressed", k=st.settings.privacy_k), highlight=False)
        else:
            out.print(st.msg("psi.card", n=data["intersection"], size=data["set_size"],
                             users=data["users"]), highlight=False)
    else:
        out.print(st.msg("psi.links", n=data["intersection"], links=data["links"],
                         existing=data["already_linked"], amb=data["ambiguous"]),
                  highlight=False)
    if data.get("rejected"):
        what = ", ".join(st.msg("psi.rejected.item", reason=st.msg(f"psi.reject.{k}"), n=v)
                         for k, v in data["rejected"].items())
        out.print(st.msg("psi.rejected", what=what), highlight=False)
    if data.get("seconds"):
        out.print(st.msg("psi.bytes", sent=data["bytes_sent"], recv=data["bytes_received"],
                         s=data["seconds"].get("total", 0.0)), highlight=False)


@psi_app.command("serve")
def psi_serve(
    ctx: typer.Context,
    partner: SidePartnerOpt,
    contacts: ContactsOpt,
    mode: ModeOpt = "cardinality",
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0: any free port).")] = 8765,
    workers: Annotated[int, typer.Option(min=1, max=16,
                                         help="Worker processes (= shards).")] = 2,
    once: Annotated[bool, typer.Option(help="Stop after one finished session.")] = False,
) -> None:
    """Serve this side of PSI over HTTP; prints the URL on stderr when ready.

    Every caller presents an API key of the *other* partner with scope psi (create one
    with `crossplay apikey create --partner OTHER --scope psi` and hand it over).
    """
    from crossplay.privacy.psi_http import serve
    from crossplay.privacy.psi_service import PsiServer
    from crossplay.privacy.psi_sides import load_side

    st = state(ctx)
    chosen = _mode(mode)
    side = load_side(st.settings, partner, contacts, chosen)

    def ready(url: str) -> None:  # the URL last: scripts read it from this line
        err = stderr()
        err.print(st.msg("psi.listening", url=url), highlight=False)
        err.file.flush()

    serve(PsiServer(st.settings, partner, side, chosen, workers=workers, once=once),
          host, port, ready)
    stdout().print(st.msg("psi.served"))


@psi_app.command("join")
def psi_join(
    ctx: typer.Context,
    partner: SidePartnerOpt,
    contacts: ContactsOpt,
    url: Annotated[str, typer.Option(help="The other side's `psi serve` URL.")],
    mode: ModeOpt = "cardinality",
    api_key_file: Annotated[Path | None, typer.Option(
        help="File holding the API key the other partner created for this side (else env "
             "CROSSPLAY_PSI_API_KEY).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run PSI against a serving side; prints the overlap or records the links."""
    from crossplay.privacy.psi_service import client_api_key, join

    st = state(ctx)
    key = client_api_key(api_key_file)
    result = join(st.settings, partner, contacts, url, _mode(mode), key).as_dict()
    if as_json:
        print_json(result)
    else:
        _render_psi(ctx, result)


@psi_app.command("request")
def psi_request(
    ctx: typer.Context,
    partner: SidePartnerOpt,
    contacts: ContactsOpt,
    out: Annotated[Path, typer.Option(help="Directory for request.bin and the state.")],
    mode: ModeOpt = "cardinality",
    as_json: JsonOpt = False,
) -> None:
    """File mode, client step 1: write request.bin (send it) and a private state file."""
    from crossplay.privacy.psi_files import file_request

    st = state(ctx)
    data = file_request(st.settings, partner, contacts, _mode(mode), out)
    _files_done(ctx, data, as_json, data["request"])


@psi_app.command("respond")
def psi_respond(
    ctx: typer.Context,
    partner: SidePartnerOpt,
    contacts: ContactsOpt,
    request: Annotated[Path, typer.Option(help="The other side's request.bin.")],
    out: Annotated[Path, typer.Option(help="Directory for setup.bin and response.bin.")],
    as_json: JsonOpt = False,
) -> None:
    """File mode, server step 2: write setup.bin and response.bin (send both back)."""
    from crossplay.privacy.psi_files import file_respond

    st = state(ctx)
    data = file_respond(st.settings, partner, contacts, request, out)
    _files_done(ctx, data, as_json, f"{data['setup']}, {data['response']}")


@psi_app.command("finish")
def psi_finish(
    ctx: typer.Context,
    state_file: Annotated[Path, typer.Option("--state", help="client-state.json.")],
    setup: Annotated[Path, typer.Option(help="setup.bin from the other side.")],
    response: Annotated[Path, typer.Option(help="response.bin from the other side.")],
    as_json: JsonOpt = False,
) -> None:
    """File mode, client step 3: the overlap size, or tags.bin to send (intersection)."""
    from crossplay.privacy.psi_files import file_finish

    st = state(ctx)
    result = file_finish(st.settings, state_file, setup, response).as_dict()
    if as_json:
        print_json(result)
    else:
        _render_psi(ctx, result)


@psi_app.command("pairs")
def psi_pairs(
    ctx: typer.Context,
    partner: SidePartnerOpt,
    contacts: ContactsOpt,
    request: Annotated[Path, typer.Option(help="The request.bin of this run.")],
    tags: Annotated[Path, typer.Option(help="tags.bin from the other side.")],
    out: Annotated[Path, typer.Option(help="Where to write pairs.bin.")],
    as_json: JsonOpt = False,
) -> None:
    """File mode, server step 4 (intersection): this side's keys for the matched tags."""
    from crossplay.privacy.psi_files import file_pairs

    st = state(ctx)
    data = file_pairs(st.settings, partner, contacts, request, tags, out)
    _files_done(ctx, data, as_json, data["pairs"])


@psi_app.command("link")
def psi_link(
    ctx: typer.Context,
    state_file: Annotated[Path, typer.Option("--state", help="client-state.json.")],
    pairs: Annotated[Path, typer.Option(help="pairs.bin from the other side.")],
    as_json: JsonOpt = False,
) -> None:
    """File mode, client step 5: record the links (method psi)."""
    from crossplay.privacy.psi_files import file_link

    st = state(ctx)
    data = file_link(st.settings, state_file, pairs)
    if as_json:
        print_json(data)
    else:
        stdout().print(st.msg("psi.links", n=data["links"] + data["already_linked"]
                              + data["refused"] + data["ambiguous"], links=data["links"],
                              existing=data["already_linked"], amb=data["ambiguous"]),
                       highlight=False)


def _files_done(ctx: typer.Context, data: dict[str, Any], as_json: bool, what: str) -> None:
    if as_json:
        print_json(data)
    else:
        stdout().print(state(ctx).msg("psi.wrote", what=what), highlight=False)


@consent_app.command("set")
def consent_set(
    ctx: typer.Context,
    partner: Annotated[Partner, typer.Option(help="Whose user.")],
    purpose: Annotated[str, typer.Option(help="linking, personalisation or marketing.")],
    grant: Annotated[bool, typer.Option("--grant/--refuse", help="The decision.")],
    user: Annotated[str | None, typer.Option(
        help="The native user id (pseudonymised at once, not stored).")] = None,
    user_key: Annotated[str | None, typer.Option(help="Or the pseudonymous key.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a consent decision now (history kept; revoking linking revokes links)."""
    from crossplay.privacy.consent import update_consent

    st = state(ctx)
    ch = update_consent(st.settings, partner=partner, purpose=purpose, granted=grant,
                        user_key=user_key, native_id=user, source="cli", actor="cli")
    data = {"partner": ch.partner, "user_key": ch.user_key, "purpose": ch.purpose.value,
            "granted": ch.granted, "ts": ch.ts.isoformat()}
    if as_json:
        print_json(data)
    else:
        stdout().print(st.msg("consent.set", partner=ch.partner, ukey=ch.user_key,
                              purpose=st.msg(f"consent.purpose.{ch.purpose.value}"),
                              granted=st.msg("consent.granted" if ch.granted
                                             else "consent.refused")), highlight=False)


def release_cmd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A named aggregate (see `crossplay releases`).")],
    for_partner: Annotated[Partner, typer.Option("--for", help="Who receives it.")],
    epsilon: Annotated[float | None, typer.Option(
        help="Add Laplace noise spending this ε from the partner's budget.")] = None,
    show_suppressed: Annotated[bool, typer.Option(
        help="List suppressed groups too (their values stay hidden).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Release a named aggregate to a partner: groups under k people are suppressed."""
    from crossplay.privacy.release import release

    st = state(ctx)
    rel = release(st.settings, name, for_partner=for_partner, epsilon=epsilon)
    if as_json:
        print_json(rel.as_dict())
        return
    release_view.render_release(st.msg, rel, show_suppressed=show_suppressed)


def releases_cmd(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """The named aggregates a partner may receive."""
    from crossplay.privacy.aggregates import QUERIES

    data = [{"name": q.name, "about": q.about, "dims": list(q.dims),
             "metrics": [m.name for m in q.metrics], "derived": [r.name for r in q.derived]}
            for q in QUERIES.values()]
    if as_json:
        print_json(data)
        return
    release_view.render_releases(state(ctx).msg, data)


def forget_cmd(
    ctx: typer.Context,
    partner: Annotated[Partner, typer.Option(help="Whose user.")],
    user: Annotated[str, typer.Option(help="The user's native id on that partner.")],
    as_json: JsonOpt = False,
) -> None:
    """Erase a person: lake rows, operational rows, links and derived files (audited).
    An id with no data is answered "no data held" (exit 0, recorded in the audit log)."""
    from crossplay.privacy.erasure import forget

    st = state(ctx)
    rep = forget(st.settings, partner, user)
    if as_json:
        print_json(rep.as_dict())
        return
    if not rep.found:
        stdout().print(st.msg("forget.nothing", partner=partner, subject=rep.subject),
                       style="bold", highlight=False)
        return
    stdout().print(st.msg("forget.done", lake=sum(rep.lake_rows.values()),
                          db=sum(rep.db_rows.values()), derived=sum(rep.derived_rows.values()),
                          links=rep.person_ids, subject=rep.subject), highlight=False)


def keys_rotate(
    ctx: typer.Context,
    partner: Annotated[Partner, typer.Option(help="Whose secret to rotate.")],
    as_json: JsonOpt = False,
) -> None:
    """New key version: re-key the lake, operational tables and derived files (audited)."""
    from crossplay.privacy.rotation import rotate

    st = state(ctx)
    rep = rotate(st.settings, partner)
    if as_json:
        print_json(rep.as_dict())
        return
    stdout().print(st.msg("keys.rotated", partner=partner, v=rep.version,
                          lake=sum(rep.lake.values()), db=sum(rep.db.values()),
                          derived=len(rep.derived)), highlight=False)


profiles_app = typer.Typer(help="Joint person-level profiles (consented, linked persons).",
                           no_args_is_help=True)


@profiles_app.command("build")
def profiles_build(
    ctx: typer.Context,
    full: Annotated[bool, typer.Option(help="Recount every lake file.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Build or update the joint profiles (the warehouse view joint_profiles)."""
    from crossplay.privacy.profiles import build_profiles

    st = state(ctx)
    b = build_profiles(st.settings, full=full)
    if as_json:
        print_json(b.as_dict())
        return
    how = st.msg("profiles.full" if b.full else "profiles.incremental")
    stdout().print(st.msg("profiles.built", n=b.persons, how=how, files=b.new_files,
                          path=b.path), highlight=False)


def demo_step(st: Any, as_json: bool) -> dict[str, Any]:
    """The demo's privacy step: links, profiles, one k-suppressed release, audit check."""
    from crossplay.privacy.audit import verify
    from crossplay.privacy.policy import linked_persons_sql
    from crossplay.privacy.profiles import build_profiles
    from crossplay.privacy.release import release
    from crossplay.warehouse.duck import connect

    con = connect(st.settings)
    try:
        active = con.sql("SELECT count(*) FROM links_current WHERE revoked_at IS NULL"
                         ).fetchall()[0][0]
        usable = con.sql(f"SELECT count(*) FROM ({linked_persons_sql()})").fetchall()[0][0]
    finally:
        con.close()
    prof = build_profiles(st.settings)
    pair = release(st.settings, "overlap_by_category_pair", for_partner="game", actor="demo")
    seg = release(st.settings, "conversion_by_segment", for_partner="game", actor="demo")
    res = verify(st.settings)
    pair_shown = sum(not r["suppressed"] for r in pair.rows)
    if not as_json:
        out = stdout()
        out.print(st.msg("demo.privacy.links", n=active, ok=usable, p=prof.persons),
                  highlight=False)
        out.print(st.msg("demo.privacy.release", k=pair.k, shown=pair_shown,
                         hidden=len(pair.rows) - pair_shown), highlight=False)
        largest = sorted((r for r in pair.rows if not r["suppressed"]
                          and "(none)" not in (r["knowledge_category"], r["game_category"])),
                         key=lambda r: (-r["people"], r["knowledge_category"],
                                        r["game_category"]))[:4]
        if largest:
            from crossplay.mining.names import category_name

            lang = st.msg.lang
            out.print(st.msg("demo.privacy.largest", pairs=", ".join(
                f"{category_name(r['knowledge_category'], lang)} × "
                f"{category_name(r['game_category'], lang)}: {r['people']}"
                for r in largest)), highlight=False)
        out.print(table(st.msg("demo.privacy.segments", k=seg.k),
                        [st.msg(f"demo.privacy.col.{c}")
                         for c in ("segment", "people", "buyers", "spend")],
                        [(release_view.group_name(st.msg, "segment", r["segment"]),
                          *("—" if r[m] is None else r[m]
                                          for m in ("people", "buyers", "spend")))
                         for r in seg.rows]))
        out.print(st.msg("demo.privacy.audit", n=res.entries,
                         ok=st.msg("demo.privacy.yes" if res.ok else "demo.privacy.no")),
                  highlight=False)
    return {"active_links": active, "usable_links": usable, "profiles": prof.persons,
            "overlap_by_category_pair": {"k": pair.k, "released": pair_shown,
                                         "suppressed": len(pair.rows) - pair_shown},
            "conversion_by_segment": seg.rows, "audit": res.as_dict()}


def register(app: typer.Typer) -> None:
    app.add_typer(profiles_app, name="profiles")
    from crossplay.cli.commands_data import keys_app

    keys_app.command("rotate")(keys_rotate)
    app.command("forget")(forget_cmd)
    app.command("release")(release_cmd)
    app.command("releases")(releases_cmd)
    app.add_typer(audit_app, name="audit")
    app.add_typer(psi_app, name="psi")
    app.add_typer(consent_app, name="consent")


__all__ = ["register"]
