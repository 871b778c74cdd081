"""Exposure logging: who was assigned to which variant, as ``campaign_exposure`` events.

Exposures enter the lake like any partner data, through
:func:`crossplay.ingest.pipeline.ingest` (so native ids are pseudonymised there and never
stored): one event per exposure with ``item_id`` = the experiment key and the variant in
``properties.variant``. Control (holdout) people are logged too — an exposure here means
"the assignment was evaluated for this person", which is what makes the groups comparable.
Event ids are digests of (experiment, person, time): logging the same exposure twice is
idempotent, and no native id appears in an event id.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import tempfile
from collections.abc import Iterable
from pathlib import Path

from crossplay.core.settings import Settings
from crossplay.ingest.mapping import Mapping
from crossplay.ingest.pipeline import IngestSummary, ingest
from crossplay.measure.errors import MeasureError
from crossplay.measure.experiment import Experiment

EXPOSURE_EVENT = "campaign_exposure"
_PLATFORM = {"knowledge": "knowledge", "game": "game"}


def exposure_mapping(exp: Experiment) -> Mapping:
    return Mapping(
        kind="events", partner=exp.partner, format="csv", encoding="utf-8", timezone="UTC",
        timestamp_format="%Y-%m-%dT%H:%M:%S",
        columns={"event_id": "event_id", "user_id": "user_id", "ts": "ts",
                 "item_id": "experiment"},
        constants={"platform": _PLATFORM[exp.partner], "event_type": EXPOSURE_EVENT},
        properties=["variant"])


def exposure_time(ts: dt.datetime) -> str:
    """The exposure's time as logged: UTC, to the second."""
    return ts.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")


def exposure_event_id(key: str, native: str, when: str) -> str:
    """The event id of an exposure (``when`` from :func:`exposure_time`): a digest, so a
    replay of the same exposure is the same event and no native id shows in it."""
    digest = hashlib.sha256(f"{key}\0{native}\0{when}".encode()).hexdigest()
    return f"x{digest[:31]}"


def log_exposures(settings: Settings, exp: Experiment,
                  rows: Iterable[tuple[str, str, dt.datetime]]) -> IngestSummary:
    """Ingest ``(native user id, variant, time)`` exposures of ``exp`` into the lake."""
    variants = {v.key for v in exp.variants}
    with tempfile.TemporaryDirectory(prefix="crossplay-exposures-") as tmp:
        path = Path(tmp) / f"exposures-{exp.key}.csv"
        n = 0
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["event_id", "user_id", "experiment", "variant", "ts"])
            for native, variant, ts in rows:
                if variant not in variants:
                    raise MeasureError(f"variant {variant!r} is not one of experiment "
                                       f"{exp.key}'s variants {sorted(variants)}",
                                       code="exposure_variant",
                                       params={"variant": variant, "key": exp.key,
                                               "variants": sorted(variants)})
                when = exposure_time(ts)
                w.writerow([exposure_event_id(exp.key, native, when), native, exp.key,
                            variant, when])
                n += 1
        if n == 0:
            raise MeasureError("no exposures to log", code="exposure_none")
        return ingest(settings, [path], partner=exp.partner, kind="events",
                      mapping=exposure_mapping(exp))
