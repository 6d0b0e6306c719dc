"""Vietnamese portal dates: the article date line, listing dates, the user's --since times.

All portal times are UTC+07:00 (Asia/Ho_Chi_Minh has kept that offset since 1975), so VN_TZ is
a fixed offset: every time we write carries exactly "+07:00", whatever the year.
Matching runs on text.normalise.fold(clean_text(text)): NFD input, U+00A0, zero-width characters,
upper/lower case and missing accents ("Thu Hai") all read the same.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone

from portalcrawl.text.normalise import clean_text, fold

VN_TZ = timezone(timedelta(hours=7))

# Patterns below run on folded text: lower case, no accents, đ -> d.
_WEEKDAY = r"(?:thu\s*(?:hai|ba|tu|nam|sau|bay|[2-7])|chu\s*nhat|cn|t[2-7])\b"
_DATE = (
    r"(?<![0-9])(?P<d>[0-9]{1,2})\s*[/.-]\s*(?P<m>[0-9]{1,2})\s*[/.-]\s*(?P<y>[0-9]{4})(?![0-9])"
)
_TIME = (
    r"(?<![0-9])(?P<H>[0-9]{1,2})\s*(?::|h|g|gio)\s*(?P<M>[0-9]{2})(?:\s*:\s*(?P<S>[0-9]{2}))?"
    r"(?![0-9])(?:\s*(?P<ampm>sa|ch|am|pm)\b)?"
)
_BETWEEN = rf"[\s,;|-]*(?:(?:luc|ngay|vao|{_WEEKDAY})[\s,;|-]*)*"
# An optional label ("Ngày đăng:", "Cập nhật:"), an optional weekday, the date and time in
# either order, then nothing but an optional tail ("| Lượt xem: 12", "(GMT+7)").
_LINE_HEAD = (
    rf"^[\s\W]*(?:[^\W\d_][\w ]{{0,30}}:)?[\s,]*(?:{_WEEKDAY}[\s,]*)?(?:(?:luc|vao|ngay)\s+)?"
)
_LINE_TAIL = r"[\s,.;)\]]*(?:[|(\u2013\u2014-].*|luot xem.*)?$"
_LINE_DT = re.compile(_LINE_HEAD + _DATE + _BETWEEN + _TIME + _LINE_TAIL)
_LINE_TD = re.compile(_LINE_HEAD + _TIME + _BETWEEN + _DATE + _LINE_TAIL)
_LISTING = re.compile(rf"^[\s(\[]*(?:{_WEEKDAY}[\s,]*)?{_DATE}[\s)\]]*$")
_RELATIVE = re.compile(r"^([0-9]{1,6})\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _folded(text: str | None) -> str:
    return fold(clean_text(text)) if text else ""


def _date(y: str, m: str, d: str) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def _datetime(match: re.Match[str]) -> datetime | None:
    day = _date(match["y"], match["m"], match["d"])
    hour, ampm = int(match["H"]), match["ampm"]
    if ampm in ("ch", "pm") and hour < 12:
        hour += 12
    elif ampm in ("sa", "am") and hour == 12:
        hour = 0
    try:
        clock = time(hour, int(match["M"]), int(match["S"] or 0), tzinfo=VN_TZ)
    except ValueError:
        return None
    return datetime.combine(day, clock) if day else None


def parse_date_line(text: str | None) -> datetime | None:
    """The article's 'Thứ Sáu, 22/01/2021 08:30' line as an aware +07:00 datetime, else None.

    Tolerates no weekday, 1-digit day/month, the time before the date, '08h30', a label
    ('Cập nhật:'), a tail ('| Lượt xem: 12'). The weekday is not checked against the date.
    Running text that merely contains a date and a time is not a date line.
    """
    folded = _folded(text)
    match = _LINE_DT.match(folded) or _LINE_TD.match(folded)
    return _datetime(match) if match else None


def parse_listing_date(text: str | None) -> date | None:
    """A listing entry's 'dd/mm/yyyy' (optionally with a weekday or brackets), or the day of a
    date line, which custom listing templates print ('22/01/2021 08:30'); else None."""
    match = _LISTING.match(_folded(text))
    if match:
        return _date(match["y"], match["m"], match["d"])
    line = parse_date_line(text) if text else None
    return line.date() if line else None


def to_iso(dt: datetime | date) -> str:
    """ISO 8601 with seconds and +07:00: naive values are portal time, aware ones converted."""
    if not isinstance(dt, datetime):
        dt = datetime.combine(dt, time())
    dt = dt.replace(tzinfo=VN_TZ) if dt.tzinfo is None else dt.astimezone(VN_TZ)
    return dt.isoformat(timespec="seconds")


def parse_user_time(text: str, now: datetime | None = None) -> datetime:
    """A CLI time ('2026-11-20', '2026-11-20T08:00', '24h', '7d', 'today', ...) as aware datetime.

    Naive ISO values are portal time (+07:00). Relative values count back from now (m, h, d, w);
    'today' and 'yesterday' are midnight portal time; the portal's own 'dd/mm/yyyy [HH:MM]'
    forms are accepted too. Raises ValueError naming the bad value, and for a moment that has
    no UTC or portal-time form (0001-01-01 in portal time is year 0 in UTC, 9999-12-31T23:59Z
    year 10000 in portal time): the store compares in both.
    """
    parsed = _user_time(text, now)
    try:
        parsed.astimezone(UTC)
        parsed.astimezone(VN_TZ)
    except OverflowError:
        raise ValueError(
            f"time {text!r} is out of range (years 1 to 9999 in UTC and in portal time)"
        ) from None
    return parsed


def _user_time(text: str, now: datetime | None) -> datetime:
    value = (text or "").strip().lower()
    current = (now or datetime.now(VN_TZ)).astimezone(VN_TZ)
    midnight = datetime.combine(current.date(), time(tzinfo=VN_TZ))
    try:
        if value in ("now", "today", "yesterday"):
            return {"now": current, "today": midnight}.get(value, midnight - timedelta(days=1))
        relative = _RELATIVE.match(value)
        if relative:
            return current - timedelta(**{_UNITS[relative[2]]: int(relative[1])})
        if value:
            parsed = datetime.fromisoformat(value.upper())
            return parsed.replace(tzinfo=VN_TZ) if parsed.tzinfo is None else parsed
    except (ValueError, OverflowError):
        pass
    parsed = parse_date_line(text)
    day = parse_listing_date(text)
    if parsed is None and day is not None:
        parsed = datetime.combine(day, time(tzinfo=VN_TZ))
    if parsed is None:
        raise ValueError(
            f"unrecognised time {text!r}: use an ISO date or time (2026-11-20, 2026-11-20T08:00),"
            " an age (30m, 24h, 7d, 2w), 'today' or 'yesterday'"
        )
    return parsed
