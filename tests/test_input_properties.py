"""Parsers of operator input, on any input: a value or the parser's one error type (which the
CLI prints as one line), never another exception."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.data.history import ArticleNotFound, check_asset_id
from portalcrawl.settingscheck import MAX_INT64, SettingError, check_url
from portalcrawl.text.dates import VN_TZ, parse_user_time

OFFSETS = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
MOMENTS = st.builds(
    lambda when, zone, naive: when.isoformat() if naive else when.replace(tzinfo=zone).isoformat(),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)),
    OFFSETS,
    st.booleans(),
)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=VN_TZ)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(MOMENTS, st.text(max_size=30), st.from_regex(r"\A[0-9]{1,9}[mhdw]\Z")))
def test_a_since_is_a_moment_the_store_can_compare_or_a_value_error(text: str) -> None:
    try:
        moment = parse_user_time(text, now=NOW)
    except ValueError:
        return
    moment.astimezone(UTC)  # neither raises: the store compares in UTC and in portal time
    moment.astimezone(VN_TZ)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=25), st.integers(min_value=0).map(str)))
def test_an_asset_id_is_ascii_digits_sqlite_can_hold(text: str) -> None:
    try:
        check_asset_id(text)
    except ArticleNotFound:
        return
    assert text.isascii() and text.isdigit() and int(text) <= MAX_INT64


URLS = st.builds(
    lambda scheme, rest: f"{scheme}://{rest}",
    st.sampled_from(["http", "https", "ftp", "json"]),
    st.text(alphabet="ab:@[]/%?#.1-", max_size=20),
)


@settings(max_examples=300, deadline=None)
@given(url=st.one_of(URLS, st.text(max_size=30)))
def test_a_portal_url_has_a_host_and_no_credentials_or_is_refused(url: str) -> None:
    try:
        checked = check_url(url)
    except SettingError as exc:
        assert "\n" not in str(exc)
        return
    parts = urlsplit(checked)  # "http://1?@": the host is "1", the "@" is the query's
    assert parts.scheme in ("http", "https") and parts.hostname
    assert parts.username is None and parts.password is None
