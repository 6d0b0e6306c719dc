"""Crontab lines with crontab's meaning (0 and 7 = Sunday; day of month and day of week both
given: either), as APScheduler triggers: APScheduler 3 counts 0 as Monday and wants both."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from apscheduler.triggers.base import BaseTrigger

_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _crontab_day(token: str) -> int:
    if token.isdigit() and int(token) <= 7:
        return int(token)
    if token in _CRON_DAYS:
        return _CRON_DAYS.index(token)
    raise ValueError(f"bad day of week {token!r}")


def _crontab_weekdays(spec: str) -> str:
    """Crontab's day of week (0 and 7 = Sunday) as names: APScheduler 3 counts 0 as Monday."""
    if spec == "*":
        return spec
    days: set[int] = set()
    for part in spec.lower().split(","):
        span, _, step = part.partition("/")
        if step and (not step.isdigit() or int(step) < 1):
            raise ValueError(f"bad step {step!r} in day of week")
        if span == "*":
            first, last = 0, 6
        else:
            low, _, high = span.partition("-")
            first = _crontab_day(low)
            last = _crontab_day(high) if high else (7 if step else first)
        if last < first:
            raise ValueError(f"bad day-of-week range {span!r}")
        days.update(day % 7 for day in range(first, last + 1, int(step or 1)))
    return ",".join(_CRON_DAYS[day] for day in sorted(days))


def cron_trigger(
    expr: str, jitter: float | None = None, timezone: str | None = None
) -> BaseTrigger:
    """A crontab line with crontab's meaning (0 = Sunday; day and weekday both given: either),
    in the given time zone (the machine's local time when None)."""
    from apscheduler.triggers.combining import OrTrigger  # only a config with cron lines pays
    from apscheduler.triggers.cron import CronTrigger

    zone = {"timezone": ZoneInfo(timezone)} if timezone else {}
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"expected 5 fields (minute hour day month weekday), got {len(fields)}")
    minute, hour, day, month, weekday = fields
    days = _crontab_weekdays(weekday)
    if day.startswith("*") or weekday.startswith("*"):
        return CronTrigger(
            minute=minute, hour=hour, day=day, month=month, day_of_week=days, jitter=jitter, **zone
        )
    return OrTrigger(
        [
            CronTrigger(minute=minute, hour=hour, day=day, month=month, **zone),
            CronTrigger(minute=minute, hour=hour, month=month, day_of_week=days, **zone),
        ],
        jitter=jitter,
    )
