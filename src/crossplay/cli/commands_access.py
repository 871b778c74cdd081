"""Commands of access: partner API keys (``crossplay apikey create / list / revoke``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from crossplay.cli.i18n import add_messages
from crossplay.cli.output import print_json, stdout, table
from crossplay.cli.state import state
from crossplay.core.errors import ConfigError
from crossplay.core.types import Lang, Partner

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]

MESSAGES: dict[str, dict[Lang, str]] = {
    "apikey.created": {"en": "Created API key {key_id} for {partner} (scopes: {scopes}).",
                       "zh-CN": "已为 {partner} 创建 API 密钥 {key_id} (权限: {scopes})。"},
    "apikey.once": {"en": "Copy it now: it is shown only this once and stored only as a hash.",
                    "zh-CN": "请立即复制: 密钥只显示这一次, 系统只保存其哈希。"},
    "apikey.wrote": {"en": "Wrote the key to {path} (mode 0600); it is not shown anywhere "
                           "else.",
                     "zh-CN": "密钥已写入 {path} (权限 0600), 不会在其他地方显示。"},
    "apikey.none": {"en": "No API keys yet: `crossplay apikey create --partner P --scope psi`.",
                    "zh-CN": "还没有 API 密钥: `crossplay apikey create --partner P "
                             "--scope psi`。"},
    "apikey.revoked": {"en": "Revoked API key {key_id} ({partner}) at {at}.",
                       "zh-CN": "已吊销 API 密钥 {key_id} ({partner}), 时间 {at}。"},
    "apikey.col.key": {"en": "key id", "zh-CN": "密钥 ID"},
    "apikey.col.partner": {"en": "partner", "zh-CN": "合作方"},
    "apikey.col.name": {"en": "name", "zh-CN": "名称"},
    "apikey.col.scopes": {"en": "scopes", "zh-CN": "权限"},
    "apikey.col.created": {"en": "created", "zh-CN": "创建时间"},
    "apikey.col.used": {"en": "last used", "zh-CN": "最近使用"},
    "apikey.col.revoked": {"en": "revoked", "zh-CN": "吊销时间"},
    # errors of crossplay.access (the CLI's and the HTTP API's)
    "err.apikey_bad_scope": {"en": "unknown scope {scope!r}: use one or more of {scopes}",
                             "zh-CN": "未知权限 {scope!r}: 请使用以下一个或多个: {scopes}"},
    "err.apikey_no_scope": {"en": "a key needs at least one scope: {scopes}",
                            "zh-CN": "密钥至少需要一项权限: {scopes}"},
    "err.apikey_name_long": {"en": "a key name has at most {max} characters",
                             "zh-CN": "密钥名称最多 {max} 个字符"},
    "err.apikey_name_control": {
        "en": "a key name must not contain control or format characters",
        "zh-CN": "密钥名称不能含控制字符或格式字符"},
    "err.apikey_bad_partner": {"en": "unknown partner {partner!r}: use knowledge or game",
                               "zh-CN": "未知合作方 {partner!r}: 请使用 knowledge 或 game"},
    "err.apikey_unknown": {"en": "no API key {key_id!r}: `crossplay apikey list` shows them",
                           "zh-CN": "没有 API 密钥 {key_id!r}: 用 `crossplay apikey list` 查看"
                                    "全部密钥"},
    "err.apikey_out_exists": {"en": "{path} already exists: choose another --out",
                              "zh-CN": "{path} 已存在: 请换一个 --out"},
    "err.apikey_out_unwritable": {"en": "cannot write {path}: {reason}",
                                  "zh-CN": "无法写入 {path}: {reason}"},
    "err.auth_no_key": {
        "en": "no API key: send `Authorization: Bearer cp_...` with a key from `crossplay "
              "apikey create`",
        "zh-CN": "缺少 API 密钥: 请发送 `Authorization: Bearer cp_...`, 密钥由 `crossplay "
                 "apikey create` 创建"},
    "err.auth_malformed": {"en": "malformed API key: keys look like cp_<12 hex>_<secret>",
                           "zh-CN": "API 密钥格式错误: 密钥形如 cp_<12 位十六进制>_<secret>"},
    "err.auth_unknown_key": {
        "en": "unknown API key or wrong secret: ask the other partner's operator for a key "
              "(`crossplay apikey create`)",
        "zh-CN": "API 密钥不存在或密文错误: 请向对方合作方的运维人员申请密钥 "
                 "(`crossplay apikey create`)"},
    "err.auth_revoked": {"en": "API key {key_id} was revoked: ask for a new one",
                         "zh-CN": "API 密钥 {key_id} 已被吊销: 请申请新的密钥"},
    "err.forbidden": {
        "en": "API key {key_id} does not carry the scope {scope!r} (it has {scopes}); create "
              "one with --scope {scope}",
        "zh-CN": "API 密钥 {key_id} 没有 {scope!r} 权限 (它只有 {scopes}); 请用 --scope "
                 "{scope} 创建一个"},
    "err.bad_content_length": {"en": "Content-Length must be one non-negative integer",
                               "zh-CN": "Content-Length 必须是一个非负整数"},
    "err.body_declared_over_limit": {
        "en": "the body has {declared:,} bytes; at most {max:,} are accepted",
        "zh-CN": "请求体有 {declared:,} 字节; 最多接受 {max:,} 字节"},
    "err.body_timeout": {
        "en": "the body stopped arriving for {timeout:g} s: send the whole body at once",
        "zh-CN": "请求体中断了 {timeout:g} 秒: 请一次发送完整的请求体"},
    "err.body_over_limit": {"en": "the body exceeds {max:,} bytes",
                            "zh-CN": "请求体超过 {max:,} 字节"},
    "err.body_declared_over_step": {
        "en": "the body has {declared:,} bytes; this step accepts at most {cap:,}",
        "zh-CN": "请求体有 {declared:,} 字节; 这一步最多接受 {cap:,} 字节"},
    "err.body_over_step": {"en": "the body exceeds {cap:,} bytes, the most this step accepts",
                           "zh-CN": "请求体超过 {cap:,} 字节, 即这一步接受的上限"},
    "err.rate_open_sessions": {
        "en": "this key already has {n} open session(s): finish or abandon one (sessions "
              "expire when idle)",
        "zh-CN": "该密钥已有 {n} 个进行中的会话: 请先完成或放弃一个 (空闲的会话会过期)"},
    "err.rate_requests": {
        "en": "this key sent more than {rate:g} requests per second: slow down and retry "
              "after {wait} s",
        "zh-CN": "该密钥每秒请求超过 {rate:g} 次: 请放慢速度, {wait} 秒后重试"},
    "err.rate_sessions_per_hour": {
        "en": "this key started {n} sessions in the last {hours:g} hour(s): try again in "
              "{wait} s",
        "zh-CN": "该密钥在过去 {hours:g} 小时内已开始 {n} 个会话: 请在 {wait} 秒后重试"},
}
add_messages(MESSAGES)

apikey_app = typer.Typer(
    help="Partner API keys for PSI and the HTTP API: shown once, stored hashed.",
    no_args_is_help=True)


def _write_secret(path: Path, secret: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConfigError(f"{path} already exists: choose another --out",
                          code="apikey_out_exists", params={"path": str(path)}) from None
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}", code="apikey_out_unwritable",
                          params={"path": str(path), "reason": exc.strerror}) from None
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secret + "\n")


@apikey_app.command("create")
def apikey_create(
    ctx: typer.Context,
    partner: Annotated[Partner, typer.Option(help="The partner the key speaks for.")],
    scope: Annotated[list[str], typer.Option(
        help="What the key may do (repeatable): psi, events, recommend, ledger, "
             "experiments, consent, admin, audiences.")],
    name: Annotated[str | None, typer.Option(help="A label (e.g. who holds it).")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Write the key to this new file (mode 0600) instead of printing it.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a key; it is shown once (or written to --out) and stored only as a hash."""
    from crossplay.access.apikeys import create_key

    st = state(ctx)
    if out is not None and out.exists():
        raise ConfigError(f"{out} already exists: choose another --out",
                          code="apikey_out_exists", params={"path": str(out)})
    issued = create_key(st.settings, partner, scope, name=name, actor="cli")
    if out is not None:
        _write_secret(out, issued.secret)
    if as_json:
        data = issued.key.as_dict()
        if out is None:
            data["secret"] = issued.secret
        else:
            data["written_to"] = str(out)
        print_json(data)
        return
    con = stdout()
    con.print(st.msg("apikey.created", key_id=issued.key.key_id, partner=partner,
                     scopes=", ".join(issued.key.scopes)), markup=False, highlight=False)
    if out is not None:
        con.print(st.msg("apikey.wrote", path=out), markup=False, highlight=False)
    else:
        con.print(st.msg("apikey.once"), markup=False, highlight=False)
        con.print(issued.secret, markup=False, highlight=False, emoji=False)


@apikey_app.command("list")
def apikey_list(
    ctx: typer.Context,
    partner: Annotated[Partner | None, typer.Option(help="Only this partner's keys.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Every key with its partner, scopes and times (never a secret)."""
    from crossplay.access.apikeys import list_keys

    st = state(ctx)
    keys = list_keys(st.settings, partner=partner)
    if as_json:
        print_json([k.as_dict() for k in keys])
        return
    if not keys:
        stdout().print(st.msg("apikey.none"), markup=False, highlight=False)
        return
    cols = [st.msg(f"apikey.col.{c}") for c in
            ("key", "partner", "name", "scopes", "created", "used", "revoked")]
    rows = []
    for k in keys:
        d = k.as_dict()
        rows.append((k.key_id, k.partner, k.name, ", ".join(k.scopes),
                     d["created_at"], d["last_used_at"] or "—", d["revoked_at"] or "—"))
    stdout().print(table(None, cols, rows))


@apikey_app.command("revoke")
def apikey_revoke(
    ctx: typer.Context,
    key_id: Annotated[str, typer.Argument(help="The key id (as `apikey list` shows it).")],
    as_json: JsonOpt = False,
) -> None:
    """Refuse a key from now on (kept in the list as revoked; audited)."""
    from crossplay.access.apikeys import revoke_key

    st = state(ctx)
    key = revoke_key(st.settings, key_id, actor="cli")
    if as_json:
        print_json(key.as_dict())
        return
    stdout().print(st.msg("apikey.revoked", key_id=key.key_id, partner=key.partner,
                          at=key.as_dict()["revoked_at"]), markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(apikey_app, name="apikey")


__all__ = ["register"]
