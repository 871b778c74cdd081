"""Experiments as a partner's live systems use them: one user's variant, a batch of
exposures with an outcome per row (what the HTTP API serves; the CLI's ``experiment
assign`` / ``log-exposures`` run the same :func:`~crossplay.measure.assignment.assign`
and :func:`~crossplay.measure.exposures.log_exposures`).

An experiment belongs to the partner whose users are its units. For any other partner
it does not exist: the same error as an unknown key, naming no other experiment. It is
*running* from its ``start`` day to before its ``stop`` day (UTC, as the analysis reads
the window); assignment and logging refuse an experiment that is not.

Exposures enter the lake through ingest, which pseudonymises native ids: a row needs the
user's native ``user_id`` (a bare ``user_key`` cannot be ingested and is rejected, its
variant still computable with the assignment). A row's variant, when given, must be the
user's assigned one (an exposure of another variant would corrupt the comparison);
without one the assignment is logged. An exposure is (experiment, user, second)
(:func:`~crossplay.measure.exposures.exposure_event_id`): rows already in the lake, or
earlier in the same batch, are duplicates and are not ingested again.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any, Literal

from crossplay.access.http import Conflict
from crossplay.core import clock
from crossplay.core.errors import CrossplayError, NotFoundError
from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.ingest.sqlbase import lit
from crossplay.measure.assignment import assign
from crossplay.measure.errors import MeasureError
from crossplay.measure.experiment import Experiment
from crossplay.measure.exposures import (
    EXPOSURE_EVENT,
    exposure_event_id,
    exposure_time,
    log_exposures,
)
from crossplay.measure.registry import get_experiment
from crossplay.privacy.keys import native_key

#: one batch at a time per process: the lake check and the ingest of a batch must not
#: interleave with another batch's, or both would call one replayed row new
_BATCH_LOCK = threading.Lock()
#: most exposures one call logs
MAX_EXPOSURES = 1_000
#: how far ahead of the server's clock an exposure time may be (clock skew)
FUTURE_SLACK = dt.timedelta(minutes=5)

Outcome = Literal["logged", "duplicate", "rejected"]


def partner_experiment(settings: Settings, partner: Partner, key: str) -> Experiment:
    """``partner``'s experiment ``key``; not found for a key of the other partner."""
    try:
        exp = get_experiment(settings, key)
    except NotFoundError:
        exp = None
    if exp is None or exp.partner != partner:
        raise NotFoundError(f"no experiment {key!r} of {partner}",
                            code="api_experiment_unknown",
                            params={"key": key, "partner": partner})
    return exp


def check_running(exp: Experiment, today: dt.date) -> None:
    if not exp.start <= today < exp.stop:
        raise Conflict(f"experiment {exp.key} is not running: it runs from {exp.start} to "
                       f"before {exp.stop} (today is {today}, UTC)",
                       code="api_experiment_not_running",
                       params={"key": exp.key, "start": str(exp.start),
                               "stop": str(exp.stop), "today": str(today)})


def user_assignment(settings: Settings, partner: Partner, key: str,
                    user_key: str) -> dict[str, Any]:
    """The variant of ``partner``'s user ``user_key`` in the running experiment ``key``."""
    exp = partner_experiment(settings, partner, key)
    check_running(exp, clock.now().date())
    variant = assign(exp, user_key)
    return {"experiment": exp.key, "partner": exp.partner, "user_key": user_key,
            "variant": variant, "in_experiment": variant is not None,
            "control": variant == exp.control, "layer": exp.layer}


@dataclass(frozen=True)
class ExposureInput:
    """One exposure as sent: the user (native id or key), perhaps a variant and a time."""

    user_id: str | None = None
    user_key: str | None = None
    variant: str | None = None
    at: dt.datetime | None = None


@dataclass(frozen=True)
class RowResult:
    index: int
    outcome: Outcome
    variant: str | None
    at: str | None
    error: CrossplayError | None = None


def _existing(settings: Settings, partner: Partner, ids: list[str]) -> set[str]:
    """The exposure event ids of ``ids`` the lake already holds."""
    if not ids:
        return set()
    from crossplay.warehouse.duck import connect

    con = connect(settings, scope=partner, live=False)
    try:
        rows = con.sql(f"SELECT event_id FROM events WHERE partner = {lit(partner)} "
                       f"AND event_type = {lit(EXPOSURE_EVENT)} AND event_id IN "
                       f"({', '.join(lit(i) for i in ids)})").fetchall()
    finally:
        con.close()
    return {str(r[0]) for r in rows}


def _check_row(settings: Settings, exp: Experiment, row: ExposureInput,
               now: dt.datetime) -> tuple[str, str, str, str] | CrossplayError:
    """``(native id, variant, time, event id)`` of a loggable row, or why not."""
    if row.user_id is None:
        return MeasureError("an exposure is logged through ingest, which pseudonymises the "
                            "native id: send user_id, not user_key",
                            code="api_exposure_needs_user_id")
    user_key = native_key(settings, exp.partner, row.user_id)
    assigned = assign(exp, user_key)
    if assigned is None:
        return MeasureError(f"the user is outside experiment {exp.key}'s layer slice: not "
                            "in this experiment", code="api_exposure_not_in_experiment",
                            params={"key": exp.key})
    if row.variant is not None and row.variant != assigned:
        return MeasureError(f"the user is in variant {assigned!r} of {exp.key}, not "
                            f"{row.variant!r}", code="api_exposure_variant_mismatch",
                            params={"assigned": assigned, "key": exp.key,
                                    "variant": row.variant})
    at = row.at or now
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    if at > now + FUTURE_SLACK:
        return MeasureError(f"the exposure time {at.isoformat()} is in the future",
                            code="api_exposure_future", params={"at": at.isoformat()})
    if at.astimezone(dt.UTC).date() < exp.start:
        return MeasureError(f"the exposure time {at.isoformat()} is before experiment "
                            f"{exp.key} started ({exp.start})", code="api_exposure_early",
                            params={"at": at.isoformat(), "key": exp.key,
                                    "start": str(exp.start)})
    when = exposure_time(at)
    return user_key, assigned, when, exposure_event_id(exp.key, row.user_id.strip(), when)


def log_exposure_batch(settings: Settings, partner: Partner, key: str,
                       rows: list[ExposureInput]) -> tuple[Experiment, list[RowResult]]:
    """Log ``rows`` of ``partner``'s running experiment ``key``; an outcome per row."""
    exp = partner_experiment(settings, partner, key)
    now = clock.now()
    check_running(exp, now.date())
    if not 1 <= len(rows) <= MAX_EXPOSURES:
        raise MeasureError(f"send 1 to {MAX_EXPOSURES} exposures per call",
                           code="api_exposure_batch", params={"max": MAX_EXPOSURES})
    checked = [_check_row(settings, exp, r, now) for r in rows]
    with _BATCH_LOCK:
        return exp, _log_checked(settings, exp, rows, checked)


def _log_checked(settings: Settings, exp: Experiment, rows: list[ExposureInput],
                 checked: list[tuple[str, str, str, str] | CrossplayError]
                 ) -> list[RowResult]:
    ids = [c[3] for c in checked if not isinstance(c, CrossplayError)]
    held = _existing(settings, exp.partner, ids)
    results: list[RowResult] = []
    seen: set[str] = set()
    todo: list[tuple[str, str, dt.datetime]] = []
    for i, (row, c) in enumerate(zip(rows, checked, strict=True)):
        if isinstance(c, CrossplayError):
            results.append(RowResult(i, "rejected", row.variant, None, c))
            continue
        _, variant, when, event_id = c
        if event_id in held or event_id in seen:
            results.append(RowResult(i, "duplicate", variant, when))
            continue
        seen.add(event_id)
        assert row.user_id is not None
        todo.append((row.user_id.strip(), variant,
                     dt.datetime.fromisoformat(when).replace(tzinfo=dt.UTC)))
        results.append(RowResult(i, "logged", variant, when))
    if todo:
        log_exposures(settings, exp, todo)
    return results
