"""Schedules are computed from an injected "now": the same answers in any year."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crossplay.core.errors import ConfigError
from crossplay.ops.jobs import JOB_NAMES, JOBS
from crossplay.ops.runner import build_scheduler
from crossplay.ops.schedule import cron_trigger, next_run


@pytest.mark.parametrize("year", [2026, 2031, 2061])
def test_next_run_depends_only_on_now(year: int) -> None:
    at = datetime(year, 3, 1, 2, 59, 59, tzinfo=UTC)
    assert next_run("0 3 * * *", at) == datetime(year, 3, 1, 3, 0, tzinfo=UTC)
    # exactly at a firing time: the next one, never "now" again
    on = datetime(year, 3, 1, 3, 0, tzinfo=UTC)
    assert next_run("0 3 * * *", on) == on + timedelta(days=1)
    assert next_run("5 * * * *", on) == datetime(year, 3, 1, 3, 5, tzinfo=UTC)
    assert next_run("20 * * * *", on.replace(minute=20, microsecond=1)) == \
        datetime(year, 3, 1, 4, 20, tzinfo=UTC)


def test_next_run_over_a_leap_day_and_a_year_end() -> None:
    assert next_run("0 3 * * *", datetime(2040, 2, 28, 4, tzinfo=UTC)) == \
        datetime(2040, 2, 29, 3, tzinfo=UTC)
    assert next_run("5 * * * *", datetime(2099, 12, 31, 23, 30, tzinfo=UTC)) == \
        datetime(2100, 1, 1, 0, 5, tzinfo=UTC)


def test_now_in_another_zone_is_the_same_instant() -> None:
    from zoneinfo import ZoneInfo

    shanghai = datetime(2030, 6, 1, 11, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # 03:00 UTC
    assert next_run("0 3 * * *", shanghai) == datetime(2030, 6, 2, 3, tzinfo=UTC)
    with pytest.raises(ValueError, match="timezone-aware"):
        next_run("0 3 * * *", datetime(2030, 6, 1))


def test_a_bad_cron_expression_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="is not a cron expression") as info:
        cron_trigger("every hour")
    assert info.value.code == "ops_bad_cron"


def test_every_job_is_scheduled_by_apscheduler_with_its_cron(settings) -> None:  # type: ignore[no-untyped-def]
    assert JOB_NAMES == ("points_expiry", "lake_compaction", "profile_refresh",
                         "model_retrain")
    scheduler = build_scheduler(settings, background=True)
    entries = {j.id: j for j in scheduler.get_jobs()}
    assert set(entries) == set(JOB_NAMES)
    for job in JOBS:
        assert str(entries[job.name].trigger) == \
            str(cron_trigger(job.cron))
        assert entries[job.name].max_instances == 1 and entries[job.name].coalesce
