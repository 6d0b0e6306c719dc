"""dates: the portal's date line, listing dates, dates in running text, CLI times."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portalcrawl.text.dates import (
    VN_TZ,
    parse_date_line,
    parse_listing_date,
    parse_user_time,
    to_iso,
)

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
NOW = datetime(2026, 11, 26, 15, 30, tzinfo=VN_TZ)


def vn(*args: int) -> datetime:
    return datetime(*args, tzinfo=VN_TZ)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thứ Sáu, 22/01/2021 08:30", vn(2021, 1, 22, 8, 30)),
        ("Chủ nhật, 24/01/2021 23:59", vn(2021, 1, 24, 23, 59)),
        ("Thứ Tư, 25/11/2026 17:05 | Lượt xem: 2165", vn(2026, 11, 25, 17, 5)),
        ("22/01/2021 08:30", vn(2021, 1, 22, 8, 30)),
        ("Thứ Sáu, 2/1/2021 8:05", vn(2021, 1, 2, 8, 5)),
        ("08:30 Thứ Sáu, 22/01/2021", vn(2021, 1, 22, 8, 30)),
        ("08:30, 22/01/2021", vn(2021, 1, 22, 8, 30)),
        ("Thứ Sáu, 22/01/2021 08h30", vn(2021, 1, 22, 8, 30)),
        ("Thứ Sáu, 22/01/2021 - 08:30:15", vn(2021, 1, 22, 8, 30, 15)),
        ("  Thứ\u00a0Sáu,\u00a0 22/01/2021\u200b  08:30 ", vn(2021, 1, 22, 8, 30)),
        (unicodedata.normalize("NFD", "Thứ Bảy, 23/01/2021 08:30"), vn(2021, 1, 23, 8, 30)),
        ("THU BAY, 23/01/2021 08:30", vn(2021, 1, 23, 8, 30)),
        ("Cập nhật: Thứ Bảy, 23/01/2021 08:30 (GMT+7)", vn(2021, 1, 23, 8, 30)),
        ("22/01/2021 12:30 CH", vn(2021, 1, 22, 12, 30)),
        ("22/01/2021 02:30 CH", vn(2021, 1, 22, 14, 30)),
        ("22-01-2021 08:30", vn(2021, 1, 22, 8, 30)),
    ],
)
def test_parse_date_line(text: str, expected: datetime) -> None:
    parsed = parse_date_line(text)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() == timedelta(hours=7)


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "Thứ Sáu",
        "Thứ Năm, 26/11/2026",  # the top bar's date: no time, not an article date line
        "31/02/2021 08:30",
        "22/13/2021 08:30",
        "22/01/2021 24:00",
        "22/01/2021 08:60",
        "Lúc 08:30 ngày 22/01/2021, Ủy ban nhân dân tỉnh họp",
        "Lượt xem: 12",
    ],
)
def test_parse_date_line_rejects(text: str | None) -> None:
    assert parse_date_line(text) is None


def test_parse_listing_date() -> None:
    assert parse_listing_date("22/01/2021") == date(2021, 1, 22)
    assert parse_listing_date(" 5/1/2021\u00a0") == date(2021, 1, 5)
    assert parse_listing_date("Thứ Năm, 26/11/2026") == date(2026, 11, 26)
    assert parse_listing_date("(26/11/2026)") == date(2026, 11, 26)
    # custom listing templates print the time too: the listing's day all the same
    assert parse_listing_date("22/01/2021 08:30") == date(2021, 1, 22)
    assert parse_listing_date("Chủ nhật, 18/04/2021 - 07:05") == date(2021, 4, 18)
    assert parse_listing_date("31/02/2021") is None
    assert parse_listing_date("Ngày 22/01/2021, huyện") is None
    assert parse_listing_date(None) is None


def test_to_iso() -> None:
    assert to_iso(vn(2021, 1, 22, 8, 30)) == "2021-01-22T08:30:00+07:00"
    assert to_iso(datetime(2021, 1, 22, 8, 30, 5, 999)) == "2021-01-22T08:30:05+07:00"
    utc = datetime(2021, 1, 22, 1, 30, tzinfo=UTC)
    assert to_iso(utc) == "2021-01-22T08:30:00+07:00"
    assert to_iso(date(2021, 1, 22)) == "2021-01-22T00:00:00+07:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-20", vn(2026, 11, 20)),
        ("2026-11-20T08:00", vn(2026, 11, 20, 8)),
        ("2026-11-20 08:00:30", vn(2026, 11, 20, 8, 0, 30)),
        ("2026-11-20T01:00:00+00:00", vn(2026, 11, 20, 8)),
        ("2026-11-20T01:00Z", vn(2026, 11, 20, 8)),
        ("24h", NOW - timedelta(hours=24)),
        ("7d", NOW - timedelta(days=7)),
        (" 7D ", NOW - timedelta(days=7)),
        ("30m", NOW - timedelta(minutes=30)),
        ("2w", NOW - timedelta(weeks=2)),
        ("today", vn(2026, 11, 26)),
        ("Yesterday", vn(2026, 11, 25)),
        ("22/01/2021", vn(2021, 1, 22)),
    ],
)
def test_parse_user_time(text: str, expected: datetime) -> None:
    assert parse_user_time(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["", "soon", "7x", "2026-13-01", "-5d", "999999w", "24 giờ"])
def test_parse_user_time_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="unrecognised time") as info:
        parse_user_time(text, now=NOW)
    assert repr(text) in str(info.value) and "\n" not in str(info.value)


@st.composite
def date_lines(draw: st.DrawFn) -> tuple[str, datetime]:
    """A date line as the portal (or a sloppier copy of it) might print it, and its value."""
    moment = draw(st.datetimes(datetime(1000, 1, 1), datetime(9999, 12, 31, 23, 59)))
    moment = moment.replace(second=0, microsecond=0, tzinfo=VN_TZ)
    pad = draw(st.sampled_from(["{:02d}", "{:d}"]))
    day = f"{pad.format(moment.day)}/{pad.format(moment.month)}/{moment.year:04d}"
    clock = f"{moment.hour:02d}{draw(st.sampled_from([':', 'h']))}{moment.minute:02d}"
    core = f"{clock} {day}" if draw(st.booleans()) else f"{day} {clock}"
    if draw(st.booleans()):
        core = f"{WEEKDAYS[moment.weekday()]}, {core}"
    if draw(st.booleans()):
        core += f" | Lượt xem: {draw(st.integers(0, 10**6))}"
    if draw(st.booleans()):
        core = core.replace(" ", draw(st.sampled_from(["\u00a0", "  ", " \u200b"])))
    if draw(st.booleans()):
        core = unicodedata.normalize("NFD", core)
    return core, moment


@given(date_lines())
def test_any_date_line_parses_back(case: tuple[str, datetime]) -> None:
    text, moment = case
    assert parse_date_line(text) == moment
    assert to_iso(parse_date_line(text)) == moment.isoformat()


@given(st.dates(date(1000, 1, 1)))
def test_any_listing_date_parses_back(day: date) -> None:
    assert parse_listing_date(f"{day.day}/{day.month:02d}/{day.year:04d}") == day


date_like = st.from_regex(
    r"\A(Thứ [A-Za-zảáư]{2,4}, )?[0-9]{1,3}[/.-][0-9]{1,3}[/.-][0-9]{3,5}"
    r" [0-9]{1,3}[:h][0-9]{1,3}\Z"
)


@given(st.one_of(st.text(), date_like))
def test_garbage_never_raises(text: str) -> None:
    parsed = parse_date_line(text)
    assert parsed is None or parsed.utcoffset() == timedelta(hours=7)
    assert parse_listing_date(text) is None or isinstance(parse_listing_date(text), date)
    try:
        assert parse_user_time(text, now=NOW).tzinfo is not None
    except ValueError as error:
        assert repr(text) in str(error)


@given(
    st.datetimes(
        datetime(1900, 1, 1), datetime(9998, 1, 1), timezones=st.timezones(), allow_imaginary=False
    )
)
def test_to_iso_keeps_the_instant(moment: datetime) -> None:
    text = to_iso(moment)
    assert text.endswith("+07:00")
    # Compare instants: Python never calls a repeated (fold=1) local time equal across zones.
    assert datetime.fromisoformat(text).timestamp() == moment.replace(microsecond=0).timestamp()
