"""A schedule's config as the scheduler reads it: cron lines (weekdays, the either-day rule) in
the configured time zone, and what is refused when the config is read, before anything is
scheduled: an unknown time zone, a bad cron line, two jobs of one name."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.config import ConfigError, parse_config
from monitor.crontab import cron_trigger
from monitor.scheduler import Scheduler
from tests.schedulejobs import jobs_config


def test_crontab_weekdays_and_either_day_rule() -> None:
    wednesday = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    sunday = cron_trigger("0 2 * * 0").get_next_fire_time(None, wednesday)
    assert sunday.strftime("%a %H:%M") == "Sun 02:00"
    assert cron_trigger("0 2 * * 7").get_next_fire_time(None, wednesday) == sunday
    weekday = cron_trigger("0 2 * * 1-5").get_next_fire_time(None, wednesday)
    assert weekday.strftime("%a") == "Thu"
    either = cron_trigger("0 0 13 * 5").get_next_fire_time(None, wednesday)
    assert either.strftime("%a %d") == "Fri 27"


def test_cron_lines_read_in_the_configured_time_zone() -> None:
    config = parse_config(
        {
            "schedule": {
                "timezone": "Asia/Ho_Chi_Minh",
                "jobs": [{"name": "audit", "cron": "0 2 * * *", "full": True}],
            }
        }
    )
    assert config.timezone == "Asia/Ho_Chi_Minh"
    scheduler = Scheduler(config)
    trigger = scheduler.aps.get_job("audit").trigger
    noon_utc = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    fire = trigger.get_next_fire_time(None, noon_utc)
    assert fire.astimezone(UTC) == datetime(2026, 11, 25, 19, 0, tzinfo=UTC)  # 02:00 +07:00
    assert str(scheduler.aps.timezone) == "Asia/Ho_Chi_Minh"


def test_unknown_time_zone_is_refused_when_the_config_is_read() -> None:
    with pytest.raises(ConfigError, match=r"schedule\.timezone: unknown time zone 'Asia/Saigon2'"):
        parse_config({"schedule": {"timezone": "Asia/Saigon2", "jobs": []}})


@pytest.mark.parametrize(
    "expr", ["61 2 * * *", "0 2 * *", "0 2 * * 8", "0 2 * * 5-1", "0 2 * * */0", "0 2 32 * *"]
)
def test_bad_cron_is_refused_when_the_config_is_read(expr: str) -> None:
    with pytest.raises(ConfigError, match=r"schedule\.jobs\[0\]\.cron: bad cron expression"):
        jobs_config({"name": "audit", "cron": expr})


def test_duplicate_job_names_are_refused() -> None:
    config = jobs_config({"name": "a", "interval_seconds": 5}, {"name": "a", "cron": "0 2 * * *"})
    with pytest.raises(ConfigError, match="duplicate name 'a'"):
        Scheduler(config)
