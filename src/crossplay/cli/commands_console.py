"""``crossplay operator``: the dashboard's accounts (docs/dashboard.md)."""

from __future__ import annotations

import getpass
import sys
from importlib import import_module
from typing import Annotated

import typer

from crossplay.cli.i18n import add_messages
from crossplay.cli.output import print_json, stdout, table
from crossplay.cli.state import state
from crossplay.core.errors import ConfigError
from crossplay.core.types import Lang

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]

MESSAGES: dict[str, dict[Lang, str]] = {
    "op.created": {"en": "Created operator {username} ({role}, {scope}).",
                   "zh-CN": "已创建操作员 {username} ({role}, {scope})。"},
    "op.password": {"en": "Password (shown once; change it with `crossplay operator "
                          "password {username}`): {password}",
                    "zh-CN": "密码 (只显示这一次; 可用 `crossplay operator password "
                             "{username}` 修改): {password}"},
    "op.changed": {"en": "Changed operator {username}; their open sessions have ended.",
                   "zh-CN": "已修改操作员 {username}; 其已登录的会话均已失效。"},
    "op.none": {"en": "No operators yet: `crossplay operator create NAME --role marketer`.",
                "zh-CN": "还没有操作员: `crossplay operator create NAME --role marketer`。"},
    "op.title": {"en": "Console operators", "zh-CN": "控制台操作员"},
    "op.col.name": {"en": "user name", "zh-CN": "用户名"},
    "op.col.role": {"en": "role", "zh-CN": "角色"},
    "op.col.scope": {"en": "sees", "zh-CN": "可见范围"},
    "op.col.created": {"en": "created", "zh-CN": "创建时间"},
    "op.col.login": {"en": "last login", "zh-CN": "最近登录"},
    "op.col.disabled": {"en": "disabled", "zh-CN": "已停用"},
    "err.operator_bad_username": {"en": "a user name has 1 to {max} characters",
                                  "zh-CN": "用户名为 1 到 {max} 个字符"},
    "err.operator_username_chars": {
        "en": "a user name must not contain spaces or control characters",
        "zh-CN": "用户名不能含空格或控制字符"},
    "err.operator_bad_password": {"en": "a password has {min} to {max} characters",
                                  "zh-CN": "密码为 {min} 到 {max} 个字符"},
    "err.operator_bad_role": {"en": "unknown role {role!r}: use one of {roles}",
                              "zh-CN": "未知角色 {role!r}: 请使用 {roles} 之一"},
    "err.operator_bad_partner": {"en": "unknown partner {partner!r}: use knowledge, game "
                                       "or joint",
                                 "zh-CN": "未知合作方 {partner!r}: 请使用 knowledge、game "
                                          "或 joint"},
    "err.operator_exists": {"en": "an operator named {username!r} exists already",
                            "zh-CN": "名为 {username!r} 的操作员已存在"},
    "err.operator_unknown": {"en": "no operator {username!r}: `crossplay operator list` shows "
                                   "them",
                             "zh-CN": "没有操作员 {username!r}: 用 `crossplay operator list` "
                                      "查看"},
    "err.operator_login_failed": {"en": "wrong user name or password",
                                  "zh-CN": "用户名或密码错误"},
    "err.operator_no_tty": {"en": "no terminal to type a password at: use --password-stdin",
                            "zh-CN": "没有可输入密码的终端: 请使用 --password-stdin"},
}
add_messages(MESSAGES)
import_module("crossplay.web.messages")  # role and partner names, shared with the console

operator_app = typer.Typer(help="Dashboard operators: accounts, roles, passwords.",
                           no_args_is_help=True)

PartnerOpt = Annotated[str, typer.Option(
    help="What the operator sees: joint (both partners' data; joint staff) or one "
         "partner (knowledge / game: its own data plus released aggregates).")]


def _password(username: str, from_stdin: bool, generate: bool) -> tuple[str, bool]:
    """(the password, whether it was generated and must be shown)."""
    from crossplay.web.operators import new_password

    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    if generate:
        return new_password(), True
    if not sys.stdin.isatty():
        raise ConfigError("no terminal to type a password at: use --password-stdin",
                          code="operator_no_tty")
    return getpass.getpass(f"{username}: "), False


@operator_app.command("create")
def operator_create(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The login name.")],
    role: Annotated[str, typer.Option(help="viewer (reads), marketer (also pauses "
                                           "campaigns, creates experiments) or admin.")]
    = "viewer",
    partner: PartnerOpt = "joint",
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from the first line of stdin.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Create an operator. Without --password-stdin a random password is made and shown
    once (argon2id-hashed in the database; never stored in clear)."""
    from crossplay.web.operators import create_operator

    st = state(ctx)
    password, shown = _password(username, password_stdin, generate=True)
    op = create_operator(st.settings, username, password, role=role, partner=partner)
    scope = op.partner or "joint"
    if as_json:
        print_json({"username": op.username, "role": op.role, "partner": op.partner,
                    "operator_id": op.operator_id} | ({"password": password} if shown else {}))
        return
    out = stdout()
    out.print(st.msg("op.created", username=op.username, role=op.role, scope=scope),
              highlight=False, markup=False)
    if shown:
        out.print(st.msg("op.password", username=op.username, password=password),
                  highlight=False, markup=False)


@operator_app.command("list")
def operator_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Every operator: role, scope, last login, disabled or not."""
    from crossplay.web.operators import list_operators

    st = state(ctx)
    ops = list_operators(st.settings)
    if as_json:
        print_json([{"username": o.username, "role": o.role, "partner": o.partner,
                     "created_at": o.created_at.isoformat(),
                     "last_login_at": o.last_login_at.isoformat() if o.last_login_at else None,
                     "disabled": o.disabled_at is not None} for o in ops])
        return
    if not ops:
        stdout().print(st.msg("op.none"), highlight=False, markup=False)
        return
    stdout().print(table(st.msg("op.title"), [st.msg(f"op.col.{c}") for c in
                                              ("name", "role", "scope", "created", "login",
                                               "disabled")],
                         [(o.username, st.msg(f"web.role.{o.role}"),
                           st.msg(f"web.partner.{o.partner or 'joint'}"),
                           o.created_at.strftime("%Y-%m-%d %H:%M"),
                           o.last_login_at.strftime("%Y-%m-%d %H:%M") if o.last_login_at
                           else "–", "✓" if o.disabled_at else "")
                          for o in ops]))


def _changed(ctx: typer.Context, username: str, as_json: bool) -> None:
    st = state(ctx)
    if as_json:
        print_json({"username": username, "changed": True})
    else:
        stdout().print(st.msg("op.changed", username=username), highlight=False, markup=False)


@operator_app.command("password")
def operator_password(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The login name.")],
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from the first line of stdin.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Set a new password (typed at the terminal or read from stdin); ends open sessions."""
    from crossplay.web.operators import set_password

    st = state(ctx)
    password, _ = _password(username, password_stdin, generate=False)
    set_password(st.settings, username, password)
    _changed(ctx, username, as_json)


@operator_app.command("role")
def operator_role(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The login name.")],
    role: Annotated[str, typer.Option(help="viewer, marketer or admin.")],
    partner: PartnerOpt = "joint",
    as_json: JsonOpt = False,
) -> None:
    """Change an operator's role and scope; ends their open sessions."""
    from crossplay.web.operators import set_role

    set_role(state(ctx).settings, username, role, partner)
    _changed(ctx, username, as_json)


@operator_app.command("disable")
def operator_disable(ctx: typer.Context,
                     username: Annotated[str, typer.Argument(help="The login name.")],
                     as_json: JsonOpt = False) -> None:
    """No more logins; open sessions end at their next request."""
    from crossplay.web.operators import disable_operator

    disable_operator(state(ctx).settings, username)
    _changed(ctx, username, as_json)


@operator_app.command("enable")
def operator_enable(ctx: typer.Context,
                    username: Annotated[str, typer.Argument(help="The login name.")],
                    as_json: JsonOpt = False) -> None:
    """Let a disabled operator log in again."""
    from crossplay.web.operators import enable_operator

    enable_operator(state(ctx).settings, username)
    _changed(ctx, username, as_json)


def register(app: typer.Typer) -> None:
    app.add_typer(operator_app, name="operator")

