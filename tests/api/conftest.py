"""The API as a partner meets it: a real uvicorn on loopback, keys of both partners.

``running_api(settings)`` serves :func:`crossplay.api.app.create_app` on a free port in a
thread (the same :class:`~crossplay.api.server.QuietServer` ``crossplay serve`` runs) and
yields a :class:`LiveApi`: the URL and a :class:`~crossplay.client.CrossplayClient` per
partner, each holding a key with every API scope.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

from crossplay.access.apikeys import SCOPES, create_key
from crossplay.api.app import create_app
from crossplay.api.server import QuietServer, _config, listen
from crossplay.client import CrossplayClient
from crossplay.core.settings import Settings
from crossplay.core.types import PARTNERS, Partner
from tests.conftest import LoadedWorld

API_SCOPES = tuple(s for s in SCOPES if s != "psi")


@dataclass
class LiveApi:
    url: str
    settings: Settings
    #: a key of each partner with every API scope
    keys: dict[Partner, str] = field(default_factory=dict)
    _clients: list[CrossplayClient] = field(default_factory=list)

    def client(self, partner: Partner | None = None, *, key: str | None = None,
               lang: str | None = None) -> CrossplayClient:
        """A client with ``partner``'s all-scope key (or ``key``; neither: no key)."""
        c = CrossplayClient(self.url, key or (self.keys[partner] if partner else None),
                            lang=lang)
        self._clients.append(c)
        return c

    def key(self, partner: Partner, *scopes: str) -> str:
        """A new key of ``partner`` with just ``scopes``."""
        return create_key(self.settings, partner, scopes).secret


@contextmanager
def running_api(settings: Settings, *, keys: bool = True) -> Iterator[LiveApi]:
    sock, url = listen("127.0.0.1", 0)
    server = QuietServer(_config(create_app(settings)))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the API did not start")
        time.sleep(0.01)
    live = LiveApi(url, settings)
    if keys:
        live.keys = {p: create_key(settings, p, API_SCOPES).secret for p in PARTNERS}
    try:
        yield live
    finally:
        for c in live._clients:
            c.close()
        server.should_exit = True
        thread.join(30)
        sock.close()


@pytest.fixture
def api(settings: Settings) -> Iterator[LiveApi]:
    """The API over an empty data directory."""
    with running_api(settings) as live:
        yield live


@pytest.fixture
def world_api(fresh_world: LoadedWorld) -> Iterator[LiveApi]:
    """The API over a private copy of the shared, ingested test world."""
    with running_api(fresh_world.settings()) as live:
        yield live
