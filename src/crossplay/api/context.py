"""What one running API app holds: settings, limits, metrics and each area's services.

Built by :func:`crossplay.api.app.create_app`; nothing here runs at import time. The
operational database engine is opened on first use (and its schema ensured once).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from sqlalchemy import Engine

from crossplay.access.ratelimit import RequestLimiter
from crossplay.api.metrics import Metrics
from crossplay.core.settings import Settings


@dataclass
class ApiContext:
    settings: Settings
    limiter: RequestLimiter
    metrics: Metrics
    #: services an area starts with the app and stops with it (an event buffer, a
    #: group-commit writer ...), by name; see ``start`` / ``stop`` in :mod:`.app`
    services: dict[str, Any] = field(default_factory=dict)
    _engine: Engine | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def engine(self) -> Engine:
        """The operational database (schema ensured on first use)."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    from crossplay.opdb import ensure_schema, get_engine

                    engine = get_engine(self.settings)
                    ensure_schema(engine)
                    self._engine = engine
        return self._engine


def context_of(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.ctx
    return ctx
