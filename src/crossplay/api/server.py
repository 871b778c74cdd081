"""Running an ASGI app on uvicorn: the listening socket, signals, one or several workers.

One stack for crossplay's network faces: ``crossplay serve`` (the HTTP API) and
``psi serve`` both bind with :func:`listen` (a clear error when the port is taken, port 0
picks a free one and the URL names the one bound) and run on :class:`QuietServer`.

With ``workers > 1`` the API runs in uvicorn's worker processes, all accepting on the one
socket bound here. Each builds its own app with :func:`crossplay.api.app.app_from_env`
from the exact settings of the parent (serialised into ``CROSSPLAY_API_SETTINGS``) and
records its metrics into a private ``PROMETHEUS_MULTIPROC_DIR``, which ``/metrics``
merges; rate limits are split between the workers.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from typing import Any

import uvicorn

from crossplay.core.errors import ConfigError, CrossplayError
from crossplay.core.settings import Settings

#: environment of the worker processes (see the module)
SETTINGS_ENV = "CROSSPLAY_API_SETTINGS"
WORKERS_ENV = "CROSSPLAY_API_WORKERS"


def listen(host: str, port: int, *, code: str = "serve_listen",
           error: type[CrossplayError] = ConfigError) -> tuple[socket.socket, str]:
    """A listening TCP socket on ``host:port`` and its URL (``http://host:bound_port``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except (OSError, OverflowError) as exc:
        sock.close()
        reason = getattr(exc, "strerror", None) or str(exc)
        raise error(f"cannot listen on {host}:{port}: {reason}", code=code,
                    params={"host": host, "port": port, "reason": reason}) from None
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    return sock, f"http://{shown}:{bound}"


class QuietServer(uvicorn.Server):
    """uvicorn, minus its own signal handling (it re-raises SIGTERM after its shutdown,
    which would end the process before the caller's clean-up ran): the caller installs
    handlers that set ``should_exit`` (see :func:`stop_on_signals`)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.contextmanager
def stop_on_signals(stop: Callable[..., None]) -> Iterator[None]:
    """Call ``stop`` on SIGINT / SIGTERM while inside (main thread only)."""
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def settings_for_workers(settings: Settings) -> str:
    """``settings`` as JSON a worker reads back exactly, partner secrets included (a dump
    masks them as ``**********``, and a worker could not key a single user). The JSON goes
    only into the environment of this process's own workers."""
    data = settings.model_dump(mode="json")
    for name in ("knowledge_secret", "game_secret"):
        value = getattr(settings, name)
        data[name] = None if value is None else value.get_secret_value()
    return json.dumps(data)


def worker_settings(raw: str) -> Settings:
    """The settings :func:`settings_for_workers` handed over (no other source is read)."""
    return Settings.model_validate(json.loads(raw))


def _config(app: Any, **extra: Any) -> uvicorn.Config:
    return uvicorn.Config(app, log_config=None, log_level="warning", access_log=False,
                          timeout_keep_alive=5, timeout_graceful_shutdown=10,
                          backlog=2048, **extra)


def serve_api(settings: Settings, host: str, port: int, *, workers: int = 1,
              ready: Callable[[str], None] = lambda url: None) -> None:
    """Serve the HTTP API until SIGINT / SIGTERM; ``ready(url)`` once it accepts."""
    sock, url = listen(host, port)
    try:
        if workers <= 1:
            _serve_one(settings, sock, url, ready)
        else:
            _serve_many(settings, sock, url, workers, ready)
    finally:
        sock.close()


def _serve_one(settings: Settings, sock: socket.socket, url: str,
               ready: Callable[[str], None]) -> None:
    from crossplay.api.app import create_app

    server = QuietServer(_config(create_app(settings)))

    def stop(*_: Any) -> None:
        server.should_exit = True

    started = threading.Event()

    def announce() -> None:
        while not started.is_set() and not server.should_exit:
            if server.started:
                started.set()
                ready(url)
                return
            started.wait(0.02)

    with stop_on_signals(stop):
        watcher = threading.Thread(target=announce, daemon=True)
        watcher.start()
        try:
            server.run(sockets=[sock])
        finally:
            started.set()


def _serve_many(settings: Settings, sock: socket.socket, url: str, workers: int,
                ready: Callable[[str], None]) -> None:
    from uvicorn.supervisors import Multiprocess

    metrics_dir = tempfile.mkdtemp(prefix="crossplay-metrics-")
    saved = {k: os.environ.get(k) for k in (SETTINGS_ENV, WORKERS_ENV,
                                             "PROMETHEUS_MULTIPROC_DIR")}
    os.environ[SETTINGS_ENV] = settings_for_workers(settings)
    os.environ[WORKERS_ENV] = str(workers)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        config = _config("crossplay.api.app:app_from_env", factory=True, workers=workers)
        supervisor = Multiprocess(config, sockets=[sock])
        ready(url)
        supervisor.run()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(metrics_dir, ignore_errors=True)
