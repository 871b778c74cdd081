"""The later steps of ``crossplay demo``: each feature adds one after the lake is loaded.

A step is ``(name, message key of its title, function)``; the function receives the CLI
state and whether the output is JSON, prints its part (when not JSON) and returns a
JSON-able summary that ``crossplay demo --json`` includes under ``name``. The demo then
ends by serving the live API (:func:`serve_step`; when, see :func:`wants_serving`).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crossplay.cli.i18n import add_messages
from crossplay.cli.output import stderr, stdout
from crossplay.cli.state import State
from crossplay.core.errors import ConfigError

DemoStep = Callable[[State, bool], dict[str, Any]]


def steps() -> list[tuple[str, str, DemoStep]]:
    """The steps in the order the demo runs them (imported lazily: the CLI starts fast)."""
    out: list[tuple[str, str, DemoStep]] = []
    # the loop of DESIGN.md: identity & consent -> models -> actions -> measurement
    from crossplay.cli import (
        commands_bench,
        commands_campaign,
        commands_measure,
        commands_mining,
        commands_privacy,
        commands_recommend,
    )

    out.append(("privacy", "demo.privacy", commands_privacy.demo_step))
    out.append(("mining", "mining.demo.rules", commands_mining.demo_step))
    out.append(("recommend", "demo.recommend", commands_recommend.demo_step))
    out.append(("campaign", "demo.campaign", commands_campaign.demo_step))
    out.append(("measure", "m.demo.title", commands_measure.demo_step))
    out.append(("bench", "demo.bench", commands_bench.demo_step))
    return out


# --- the demo's last step: the live API --------------------------------------------------------

#: what the demo's partner key may do (every API scope but admin; psi is PSI's)
DEMO_KEY_SCOPES = ("events", "recommend", "ledger", "experiments", "consent")
#: where the demo serves (a taken port falls back to any free one)
DEMO_HOST, DEMO_PORT = "127.0.0.1", 8000

add_messages({
    "demo.serve": {"en": "serve the live HTTP API", "zh-CN": "启动实时 HTTP 接口"},
    "demo.serve.ready": {
        "en": "The API is running at {url} (interactive docs: {url}/docs).\n"
              "A key of the game partner, made for this demo (scopes {scopes}; shown once, "
              "stored hashed): {secret}\n"
              "Try it in another terminal:\n  {curl}\n"
              "Ctrl-C stops the server; `crossplay serve` starts it again, "
              "`crossplay demo --no-serve` skips this step.",
        "zh-CN": "接口已在 {url} 运行（交互式文档：{url}/docs）。\n"
                 "为本次演示创建的游戏方密钥（权限 {scopes}；只显示这一次，仅存哈希）：{secret}\n"
                 "在另一个终端试试：\n  {curl}\n"
                 "按 Ctrl-C 停止；`crossplay serve` 可再次启动，"
                 "`crossplay demo --no-serve` 跳过这一步。"},
    "demo.console": {
        "en": "The dashboard: {url}/ — log in as {username} with the password {password} "
              "(an admin account made for this demo; `crossplay operator` manages accounts).",
        "zh-CN": "控制台: {url}/ — 用户名 {username}, 密码 {password} "
                 "(为本次演示创建的管理员账号; 账号由 `crossplay operator` 管理)。"},
    "demo.console.later": {
        "en": "The dashboard: run `crossplay serve`, open {url}/ and log in as {username} "
              "with the password {password} (an admin account made for this demo).",
        "zh-CN": "控制台: 运行 `crossplay serve`, 打开 {url}/, 用户名 {username}, "
                 "密码 {password} (为本次演示创建的管理员账号)。"},
    "demo.serve.port_taken": {
        "en": "Port {port} is taken; serving on a free port instead.",
        "zh-CN": "端口 {port} 已被占用，改用一个空闲端口。"},
    "demo.serve.stopped": {"en": "The API stopped.", "zh-CN": "接口已停止。"},
})


#: the demo's dashboard account (admin, both partners)
DEMO_OPERATOR = "demo"


def console_login(st: State) -> tuple[str, str]:
    """The demo's dashboard login: created on the first demo, a new password on each."""
    from crossplay.core.errors import NotFoundError
    from crossplay.web.operators import (
        create_operator,
        get_operator,
        new_password,
        set_password,
        set_role,
    )

    password = new_password()
    try:
        get_operator(st.settings, DEMO_OPERATOR)
    except NotFoundError:
        create_operator(st.settings, DEMO_OPERATOR, password, role="admin")
    else:
        set_role(st.settings, DEMO_OPERATOR, "admin")
        set_password(st.settings, DEMO_OPERATOR, password)
    return DEMO_OPERATOR, password


def wants_serving(choice: bool | None, as_json: bool) -> bool:
    """Whether the demo ends by serving the API.

    ``--serve`` / ``--no-serve`` decide. Unset, the demo serves only when a person is at
    a terminal (stdin and stdout are terminals, not ``--json``, ``CI`` unset or false): a
    person gets a live API to try, while a script, a pipe, CI or a test gets its output
    and the exit it expects instead of a server that never returns."""
    if choice is not None:
        return choice
    if as_json or os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        return False
    return sys.stdin.isatty() and sys.stdout.isatty()


def demo_user(world_dir: Path) -> str | None:
    """A native id of the game partner in the demo's world (the first, sorted), if any."""
    import duckdb

    files = sorted(str(p) for p in (world_dir / "game" / "events").glob("part-*.parquet"))
    if not files:
        return None
    with duckdb.connect() as con:
        row = con.execute(f"SELECT min(player) FROM read_parquet({files!r})").fetchone()
    return str(row[0]) if row and row[0] is not None else None


def try_curl(url: str, key: str, user: str | None, recommendations: bool) -> str:
    """One curl that answers on the demo's server: recommendations for a demo user when
    that route is served, else the readiness check."""
    if recommendations and user:
        return (f'curl -H "Authorization: Bearer {key}" '
                f'"{url}/v1/recommendations?user_id={user}&n=5"')
    return f"curl {url}/readyz"


def serve_step(st: State, world_dir: Path, *, port: int = DEMO_PORT,
               as_json: bool = False) -> None:
    """Create the demo's partner key, then serve the API until Ctrl-C, printing the URL,
    the key and a curl once it accepts (on stderr with ``--json``)."""
    from crossplay.access.apikeys import create_key
    from crossplay.api.server import serve_api

    key = create_key(st.settings, "game", DEMO_KEY_SCOPES, name="demo").secret
    username, password = console_login(st)
    user = demo_user(world_dir)
    recommendations = importlib.util.find_spec("crossplay.api.routes_recommend") is not None
    out = stderr() if as_json else stdout()

    def ready(url: str) -> None:
        out.print(st.msg("demo.serve.ready", url=url, secret=key,
                         scopes=", ".join(DEMO_KEY_SCOPES),
                         curl=try_curl(url, key, user, recommendations)),
                  markup=False, highlight=False, soft_wrap=True)
        out.print(st.msg("demo.console", url=url, username=username, password=password),
                  markup=False, highlight=False, soft_wrap=True)
        out.file.flush()

    workers = st.settings.api_workers
    try:
        serve_api(st.settings, DEMO_HOST, port, workers=workers, ready=ready)
    except ConfigError as exc:
        if exc.code != "serve_listen" or port == 0:
            raise
        out.print(st.msg("demo.serve.port_taken", port=port), highlight=False)
        serve_api(st.settings, DEMO_HOST, 0, workers=workers, ready=ready)
    out.print(st.msg("demo.serve.stopped"), highlight=False)
