"""Properties (hypothesis) of what the crawler stores and how it is found again: the loader's
items, the sanitiser, the date parser, the normaliser and search folding, over generated input
with every quirk the portal has (NFD text, zero-width spaces, 'null', hostile markup).

Complements tests/test_textnorm.py, tests/test_dates.py and tests/test_search.py, which hold
the example-based and the first property tests of the same modules.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from monitor.data.search import Query, SearchError
from portalcrawl.parsing.article import RawArticle
from portalcrawl.parsing.loaders import article_item, portal_time_iso
from portalcrawl.parsing.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, sanitize_html
from portalcrawl.text.dates import VN_TZ, parse_listing_date, parse_user_time
from portalcrawl.text.normalise import ZERO_WIDTH, clean_multiline, drop_null, fold, join_paragraphs

NOW = datetime(2026, 11, 26, 15, 30, tzinfo=VN_TZ)
ZW = "".join(map(chr, ZERO_WIDTH))
# Vietnamese letters in both Unicode forms, the portal's spaces and invisible characters.
ALPHABET = "aăâeêioôơuưyđĐAĂÂỦỤ \u00a0\t\n" + ZW + "\u0300\u0301\u0303\u0309\u0323.,:;-–()"
portal_text = st.one_of(
    st.text(ALPHABET, max_size=40),
    st.sampled_from(["null", " NULL ", "", "\u200b", "Null\u00a0"]),
    st.text(max_size=20),
)
TEXT_FIELDS = ("url", "title", "summary", "author", "source", "extraction", "fetched_url")
BAD_URL = re.compile(r"(?i)^\s*(javascript|vbscript|data|file)\s*:")
INERT_ATTRIBUTES = {"rel", "title", "lang"}  # nh3 adds rel; title and lang are plain text

# Markup with what attackers try: scripts, handlers, encoded and spaced javascript: URLs.
TAGS = sorted(ALLOWED_TAGS | {"script", "style", "iframe", "svg", "object", "form", "math"})
ATTRS = ["href", "src", "onclick", "onerror", "ONLOAD", "style", "title", "formaction"]
URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "jav&#x61;script:alert(1)",
    "&#106;avascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD4=",
    "file:///etc/passwd",
    "https://dongthap.gov.vn/a.pdf",
    "mailto:banbientap@dongthap.gov.vn",
    "/documents/1/2/a.jpg",
]


@st.composite
def markup(draw: st.DrawFn, depth: int = 0) -> str:
    """An HTML fragment built from allowed and forbidden tags, attributes and URLs."""
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        if depth < 3 and draw(st.booleans()):
            tag = draw(st.sampled_from(TAGS))
            attrs = "".join(
                f' {draw(st.sampled_from(ATTRS))}="{draw(st.sampled_from(URLS))}"'
                for _ in range(draw(st.integers(0, 3)))
            )
            closing = f"</{tag}>" if draw(st.integers(0, 4)) else ""  # sometimes left open
            parts.append(f"<{tag}{attrs}>{draw(markup(depth + 1))}{closing}")
        else:
            parts.append(
                draw(st.sampled_from(["Tin ", "<", ">", "&", "&amp;", "alert(1)", "\x00"]))
            )
    return "".join(parts)


@st.composite
def raw_articles(draw: st.DrawFn) -> RawArticle:
    """What extract.parse_article hands the loader, with every oddity the portal shows."""
    day = draw(st.dates(date(1990, 1, 1), date(2100, 12, 31)))
    date_text = draw(
        st.sampled_from([f"Thứ Sáu, {day:%d/%m/%Y} 08:30", f"{day:%d/%m/%Y}", "null", ""])
    )
    return RawArticle(
        asset_id=draw(st.integers(1, 2**40)),
        canonical=draw(st.sampled_from(["https://dongthap.gov.vn/tin/-/a/content/bai", " "])),
        title=draw(portal_text),
        date_text=date_text,
        summary=draw(portal_text),
        paragraphs=draw(st.lists(portal_text, max_size=6)),
        body_html=draw(markup()),
        author=draw(portal_text),
        source=draw(portal_text),
        attachments=draw(st.lists(st.sampled_from([" /a.pdf", "/a.pdf", "/b.doc "]), max_size=3)),
        images=draw(st.lists(st.sampled_from(["/1.jpg", " /1.jpg", "/2.png"]), max_size=3)),
        extraction=draw(st.sampled_from(["profile", "fallback"])),
    )


def stored(item: dict) -> dict:
    """The values a row gets: an empty field is no value (validation drops a missing body)."""
    return {k: v for k, v in item.items() if v not in ("", [], None)}


def assert_clean_line(value: str) -> None:
    """Storage form of one line: NFC, no invisible characters, single spaces, not 'null'."""
    assert value and unicodedata.is_normalized("NFC", value)
    assert not set(value) & set(ZW) and "\u00a0" not in value and "\n" not in value
    assert value == value.strip() and "  " not in value and value.lower() != "null"


def text_of(html: str) -> str:
    return lxml_html.fragment_fromstring(html, create_parent="div").text_content() if html else ""


def assert_safe(html: str) -> None:
    """No script-capable element, no event handler, no dangerous URL, in any tree lxml sees."""
    assert "<script" not in html.lower() and "<iframe" not in html.lower()
    if not html.strip():
        return
    for element in lxml_html.fragment_fromstring(html, create_parent="div").iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag == "div" or element.tag in ALLOWED_TAGS, element.tag
        for name, value in element.attrib.items():
            assert name in ALLOWED_ATTRIBUTES.get(element.tag, set()) | INERT_ATTRIBUTES, name
            assert name not in ("href", "src") or not BAD_URL.search(value), value


# -- the loader ------------------------------------------------------------------------------


@settings(max_examples=200)
@given(raw_articles(), st.sampled_from([None, "22/01/2021", "null"]))
def test_loaded_items_are_in_storage_form(raw: RawArticle, listing_date: str | None) -> None:
    item = article_item(raw, section="tin-hoat-dong", listing_date=listing_date)
    for name in TEXT_FIELDS:
        if name in item:
            assert_clean_line(item[name])
    if item.get("body_text"):  # an empty body is dropped by ValidatePipeline
        paragraphs = item["body_text"].split("\n\n")
        for paragraph in paragraphs:
            assert_clean_line(paragraph)
    published = item.get("published_at")
    assert published is None or (published.endswith("+07:00") and datetime.fromisoformat(published))
    for name in ("images", "attachments", "sections"):
        values = item.get(name, [])
        assert len(values) == len(set(values)) and all(v == v.strip() and v for v in values)
    assert_safe(item.get("body_html", ""))


@given(raw_articles())
def test_loading_what_was_loaded_changes_nothing(raw: RawArticle) -> None:
    first = article_item(raw)
    again = article_item(
        RawArticle(
            asset_id=first["asset_id"],
            canonical=first.get("url", ""),
            title=first.get("title", ""),
            date_text=raw.date_text,
            summary=first.get("summary", ""),
            paragraphs=first["body_text"].split("\n\n") if "body_text" in first else [],
            body_html=first.get("body_html", ""),
            author=first.get("author", ""),
            source=first.get("source", ""),
            attachments=first.get("attachments", []),
            images=first.get("images", []),
            extraction=first.get("extraction", ""),
        )
    )
    first_html, again_html = first.pop("body_html", ""), again.pop("body_html", "")
    assert stored(again) == stored(first)
    assert text_of(again_html) == text_of(first_html)  # misnested tags may be re-nested


# -- the sanitiser ---------------------------------------------------------------------------


@settings(max_examples=300)
@given(markup())
def test_sanitised_markup_is_safe_and_keeps_its_text_when_sanitised_again(html: str) -> None:
    clean = sanitize_html(html)
    assert_safe(clean)
    again = sanitize_html(clean)  # misnested markup may be re-nested, never made unsafe
    assert_safe(again)
    assert text_of(again) == text_of(clean)


# -- the date parser -------------------------------------------------------------------------


@given(st.dates(date(1, 1, 1), date(9999, 12, 31)))
def test_a_listing_date_is_midnight_portal_time(day: date) -> None:
    assert portal_time_iso(f"{day.day}/{day.month:02d}/{day.year:04d}") == (
        f"{day.isoformat()}T00:00:00+07:00"
    )


@given(st.integers(1, 31), st.integers(1, 12), st.integers(1900, 2100))
def test_impossible_dates_are_never_found(day: int, month: int, year: int) -> None:
    try:
        real = [date(year, month, day)]
    except ValueError:
        real = []
    assert [d for d in [parse_listing_date(f"{day}/{month}/{year}")] if d] == real


@given(st.datetimes(datetime(1900, 1, 1), datetime(9998, 1, 1), timezones=st.timezones()))
def test_a_cli_time_in_iso_form_is_the_same_instant(moment: datetime) -> None:
    moment = moment.replace(microsecond=0)
    assert parse_user_time(moment.isoformat(), now=NOW).timestamp() == moment.timestamp()


@given(st.integers(0, 999_999), st.sampled_from(["m", "h", "d", "w"]), st.sampled_from(["", " "]))
def test_an_age_counts_back_from_now(count: int, unit: str, space: str) -> None:
    units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    try:
        expected = NOW - timedelta(**{units[unit]: count})
    except OverflowError:
        return
    try:
        assert parse_user_time(f"{count}{space}{unit.upper()}", now=NOW) == expected
    except ValueError as error:  # past year 1: refused in one line naming the value
        assert f"'{count}{space}{unit.upper()}'" in str(error) and "\n" not in str(error)


# -- the normaliser --------------------------------------------------------------------------


@given(st.lists(portal_text, max_size=6))
def test_multiline_text_is_stable_paragraphs(paragraphs: list[str]) -> None:
    text = clean_multiline("\n\n".join(paragraphs))
    assert clean_multiline(text) == text
    assert join_paragraphs(text.split("\n\n")) == text
    assert "\n\n\n" not in text and not text.startswith("\n") and not text.endswith("\n")
    for paragraph in filter(None, text.split("\n\n")):
        assert_clean_line(paragraph)


@given(st.sampled_from(["null", "NULL", "Null"]), st.text(" \t\n\u00a0", max_size=3))
def test_liferays_null_is_no_value(null: str, space: str) -> None:
    assert drop_null(space + null + space) is None
    assert drop_null(space) is None
    assert drop_null(f"{null} {null}") == f"{null} {null}"


# -- search folding --------------------------------------------------------------------------


@given(st.text(ALPHABET + '"*():^-ANDORNEAR', max_size=40))
def test_a_query_is_folded_words_of_the_text(text: str) -> None:
    try:
        query = Query.parse(text)
    except SearchError as error:
        assert not re.search(r"[^\W_]", fold(text)) and "\n" not in str(error)
        return
    assert Query.parse(fold(text)) == query == Query.parse(unicodedata.normalize("NFD", text))
    for term in query.terms:
        assert fold(term) == term and re.fullmatch(r"[^\W_]+", term)
    expression = query.match_expression()
    assert expression.count('"') == 2 * len(query.terms)
    assert all(query.pattern().search(fold(term)) for term in query.terms)
