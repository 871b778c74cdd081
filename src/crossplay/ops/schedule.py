"""When a job runs next: cron expressions evaluated by APScheduler's ``CronTrigger``.

Pure: every function takes "now" (an aware datetime) instead of reading a clock, so the
answers are the same whatever today is. Schedules are in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from crossplay.core.errors import ConfigError

_SECOND = timedelta(seconds=1)


def cron_trigger(expression: str) -> CronTrigger:
    """The trigger of a five-field cron expression (minute hour day month weekday), UTC."""
    try:
        return CronTrigger.from_crontab(expression, timezone=UTC)
    except ValueError as exc:
        raise ConfigError(
            f"{expression!r} is not a cron expression (minute hour day month weekday, e.g. "
            f"'5 * * * *'): {exc}", code="ops_bad_cron",
            params={"expression": expression, "detail": str(exc)}) from None


def next_run(expression: str, now: datetime) -> datetime:
    """The first time strictly after ``now`` the expression fires (UTC)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    trigger = cron_trigger(expression)
    at = now.astimezone(UTC)
    fire = trigger.get_next_fire_time(None, at)
    if fire is not None and fire <= at:  # the trigger includes "now" itself
        fire = trigger.get_next_fire_time(fire, at.replace(microsecond=0) + _SECOND)
    assert isinstance(fire, datetime), expression  # a crontab always fires again
    return fire.astimezone(UTC)

