"""Prometheus metrics of one API app (prometheus-client), served at ``/metrics``.

Each app has its own registry (tests build many apps in one process). With several
uvicorn workers, ``crossplay serve`` points ``PROMETHEUS_MULTIPROC_DIR`` at a private
directory before the workers start, and ``/metrics`` merges every worker's values.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

#: request latency buckets (seconds): the targets are p99 of 15 ms and 100 ms
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.075, 0.1,
                   0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The counters and histograms every area of the API records into."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("crossplay_http_requests", "HTTP requests answered",
                                ("method", "route", "status"), registry=r)
        self.latency = Histogram("crossplay_http_request_seconds",
                                 "time to answer an HTTP request", ("method", "route"),
                                 buckets=LATENCY_BUCKETS, registry=r)
        self.refused = Counter("crossplay_http_refused", "requests refused before a route "
                               "ran (rate limit, overload, body limits)", ("reason",),
                               registry=r)
        self.ledger = Counter("crossplay_ledger_operations", "ledger operations over HTTP",
                              ("operation", "outcome"), registry=r)
        self.events = Counter("crossplay_events", "events posted over HTTP, per outcome",
                              ("partner", "outcome"), registry=r)

    def exposition(self) -> tuple[bytes, str]:
        """The text format of every metric (all workers' when running several)."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            merged = CollectorRegistry()
            MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
            return generate_latest(merged), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
