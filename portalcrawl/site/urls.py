"""Liferay URL shapes: listing pages, article URL keys, and keeping every request on the portal."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

from portalcrawl.site.profile import Profile, Section

_CONTENT = re.compile(r"^/([^/]+)/-/asset_publisher/([^/]+)/content/(id/(\d+)|[^/?#]+)/?$")
_RESULTS = re.compile(r"(\d[\d.,]*)\D+?(\d[\d.,]*)\D+?(\d[\d.,]*)")


def listing_url(
    base: str, profile: Profile, section: Section, page: int = 1, delta: int | None = None
) -> str:
    """Page `page` of a section listing with `delta` entries (Liferay's own paging query)."""
    if page <= 1 and not delta:
        return f"{base}/{section.path}"
    pid = profile.pid(section)
    query = urlencode(
        [
            ("p_p_id", pid),
            ("p_p_lifecycle", "0"),
            ("p_p_state", "normal"),
            ("p_p_mode", "view"),
            (f"_{pid}_delta", str(delta or 10)),
            ("p_r_p_resetCur", "false"),
            (f"_{pid}_cur", str(page)),
        ]
    )
    return f"{base}/{section.path}?{query}"


def listing_page_params(url: str) -> tuple[int | None, int | None]:
    """(page, delta) from a listing URL's query, None where absent."""
    page = delta = None
    for key, value in parse_qsl(urlsplit(url).query):
        if key.endswith("_cur") and value.isdigit():
            page = int(value)
        elif key.endswith("_delta") and value.isdigit():
            delta = int(value)
    return page, delta


def with_page_params(url: str, page: int, delta: int) -> str:
    """The same listing URL with its page number and page size set."""
    parts = urlsplit(url)
    pairs = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key.endswith("_cur"):
            value = str(page)
        elif key.endswith("_delta"):
            value = str(delta)
        pairs.append((key, value))
    return urlunsplit(parts._replace(query=urlencode(pairs)))


def article_section(url: str | None) -> str | None:
    """The section path an article URL is under ("tin-hoat-dong"), None if not an article URL."""
    match = _CONTENT.match(unquote(urlsplit(url or "").path))
    return match.group(1) if match else None


def article_key(url: str) -> str | None:
    """'slug:<urlTitle>' or 'id:<assetEntryId>' for an article URL in either form, else None."""
    match = _CONTENT.match(unquote(urlsplit(url).path))
    if not match:
        return None
    if match.group(4):
        return f"id:{int(match.group(4))}"
    return f"slug:{match.group(3).lower()}"


def strip_query(url: str) -> str:
    """The URL without query string or fragment: Liferay's redirect parameter is not identity."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def on_portal(href: str | None, page_url: str, base: str, aliases: tuple[str, ...]) -> str | None:
    """Absolute URL of a link if it stays on the portal (alias hosts rebased), else None."""
    if not href:
        return None
    href = href.strip()
    absolute = urljoin(page_url, href)
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https"):
        return None
    base_parts = urlsplit(base)
    host = (parts.hostname or "").lower()
    if parts.netloc.lower() == base_parts.netloc.lower():
        return absolute
    if host in aliases:
        return urlunsplit(parts._replace(scheme=base_parts.scheme, netloc=base_parts.netloc))
    return None


def absolute(href: str | None, page_url: str, base: str, aliases: tuple[str, ...]) -> str | None:
    """Absolute URL for storing (images, attachments); alias hosts rebased, others kept."""
    if not href or not href.strip():
        return None
    rebased = on_portal(href, page_url, base, aliases)
    if rebased:
        return rebased
    full = urljoin(page_url, href.strip())
    return full if urlsplit(full).scheme in ("http", "https") else None


def parse_results(text: str | None) -> tuple[int, int, int] | None:
    """'Hiển thị 1 đến 10 trong 57 kết quả' -> (1, 10, 57)."""
    if not text:
        return None
    match = _RESULTS.search(text)
    if not match:
        return None
    numbers = [int(re.sub(r"\D", "", g)) for g in match.groups()]
    return numbers[0], numbers[1], numbers[2]
