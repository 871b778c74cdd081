"""``crossplay serve``: the live HTTP API both partners' systems call (docs/api.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from crossplay.api.error_messages import ERRORS
from crossplay.cli.i18n import add_messages
from crossplay.cli.output import stderr, stdout
from crossplay.cli.state import state
from crossplay.core.types import Lang

MESSAGES: dict[str, dict[Lang, str]] = {
    "serve.listening": {
        "en": "crossplay API on {workers} worker(s); docs at {url}/docs; Ctrl-C stops it. "
              "Listening on {url}",
        "zh-CN": "crossplay 接口已启动, {workers} 个工作进程; 文档见 {url}/docs; 按 Ctrl-C "
                 "停止。正在监听 {url}"},
    "serve.stopped": {"en": "The API stopped.", "zh-CN": "接口已停止。"},
}
add_messages(MESSAGES)
add_messages(ERRORS)


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on (put TLS in a reverse "
                                           "proxy in front: docs/api.md).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535,
                                      help="Port (0: any free port).")] = 8000,
    workers: Annotated[int | None, typer.Option(
        min=1, max=64, help="Worker processes (default: the api_workers setting).")] = None,
    with_scheduler: Annotated[bool, typer.Option(
        "--with-scheduler", help="Also run the recurring jobs on their schedules in this "
                                 "process (as `crossplay scheduler run`).")] = False,
) -> None:
    """Serve the live HTTP API both partners' systems call.

    Events, recommendations, check-ins, ledger, consent and experiments, each for the
    partner of the API key presented (docs/api.md). Prints the URL on stderr when ready;
    stops on Ctrl-C / SIGTERM.
    """
    from crossplay.api.server import serve_api
    from crossplay.opdb import ensure_schema, get_engine

    st = state(ctx)
    n = workers or st.settings.api_workers
    # a store not at this crossplay's schema revision is refused before listening (it is
    # never upgraded implicitly: `crossplay db upgrade` does that, see docs/operations.md)
    ensure_schema(get_engine(st.settings))
    scheduler = None
    if with_scheduler:
        from crossplay.ops.runner import build_scheduler

        scheduler = build_scheduler(st.settings, background=True)
        scheduler.start()

    def ready(url: str) -> None:  # the URL last: scripts read it from this line
        err = stderr()
        err.print(st.msg("serve.listening", url=url, workers=n), highlight=False)
        err.file.flush()

    try:
        serve_api(st.settings, host, port, workers=n, ready=ready)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=True)
    stdout().print(st.msg("serve.stopped"))


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
