"""Listing pages: their entries and whether a `»` link leads further (no Scrapy)."""

from __future__ import annotations

from dataclasses import dataclass

from parsel import Selector

from portalcrawl.parsing.selectors import Element, first, root_of, select_all, text_of
from portalcrawl.site.profile import Profile
from portalcrawl.site.urls import article_key, on_portal, parse_results, strip_query
from portalcrawl.text.normalise import clean_text


@dataclass
class ListingEntry:
    url: str
    key: str
    title: str
    date_text: str
    summary: str
    cover: str


@dataclass
class ListingPage:
    entries: list[ListingEntry]
    has_next: bool
    next_href: str | None
    results: tuple[int, int, int] | None


def parse_listing(sel: Selector, page_url: str, profile: Profile, base: str) -> ListingPage:
    """Entries of one listing page, and whether a `»` link leads further."""
    page = root_of(sel)
    rules = profile.listing
    entries: list[ListingEntry] = []
    for item in select_all(page, rules["item"]):
        link = first(item, rules["link"])
        href = link.get("href") if link is not None else None
        url = on_portal(href, page_url, base, profile.aliases)
        key = article_key(url) if url else None
        if not url or not key:
            continue
        summary_sel = first(item, rules["summary"])
        date_sel = first(item, rules["date"])
        date_text = text_of(date_sel)
        summary = text_of(summary_sel)
        if date_text:
            summary = summary.replace(date_text, " ", 1)
        cover = first(item, rules["cover"])
        cover_style = cover.get("style", "") if cover is not None else ""
        entries.append(
            ListingEntry(strip_query(url), key, text_of(link), date_text, summary, cover_style)
        )
    has_next, next_href = _next_link(page, rules)
    results = parse_results(text_of(first(page, rules.get("results"))))
    return ListingPage(entries, has_next, next_href, results)


def _next_link(page: Element, rules: dict[str, str]) -> tuple[bool, str | None]:
    pagination = first(page, rules["pagination"])
    if pagination is None:
        return False, None
    for li in select_all(pagination, "li"):
        anchor = first(li, "a")
        if anchor is None or not _is_next(clean_text(text_of(anchor)), li.get("class", "")):
            continue
        href = anchor.get("href", "")
        disabled = "disabled" in li.get("class", "").split()
        if disabled or not href or href.startswith("javascript:"):
            return False, None
        return True, href
    return False, None


def _is_next(text: str, classes: str) -> bool:
    """Liferay's "next page" item: `»` (maybe after screen-reader text) or a `next` class."""
    return text.endswith(("»", "›")) or text in (">", "Trang sau") or "next" in classes.split()
