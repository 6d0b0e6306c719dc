"""Listing pages: their entries, their counter and the link to the next page (no Scrapy).

Entries come from the profile's item selector; where it matches nothing (a portal's own
display template), from the article links of the listing's portlet, one entry per article.
The next page is the link whose page number (`_{PID}_cur`, or the profile's pager parameter)
is this page's + 1, whatever its text or icon: Liferay's page iterator says "Tiếp theo", Clay
pagination draws an icon, themes print `»`; a disabled link has no URL and ends the walk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

from parsel import Selector

from portalcrawl.parsing.selectors import Element, first, root_of, select_all, text_of
from portalcrawl.site.profile import Profile, Section
from portalcrawl.site.urls import (
    article_key,
    canonical_url,
    is_page_param,
    listing_page_params,
    on_portal,
    onclick_url,
    parse_results,
)
from portalcrawl.text.normalise import clean_text

STOCK_RESULTS = "p.pagination-results, small.search-results, .search-results"
_PORTLET = re.compile(r"(?:^|\s)(?:portlet|portlet-boundary)(?:\s|$)")
_LISTING_DATE = re.compile(r"(?<!\d)\d{1,2}/\d{1,2}/\d{4}(?!\d)")
_FURNITURE = {"nav", "header", "footer", "aside"}
PAGERISH = re.compile(r"paginat|pager|paging|page-iterator|phan-trang", re.I)
_LINKS = "a[href], [onclick]"


@dataclass
class ListingEntry:
    url: str
    key: str
    title: str
    date_text: str
    summary: str
    cover: str


@dataclass
class ParsedListing:
    """What one listing page says (the item the spider yields for it is items.ListingPage)."""

    entries: list[ListingEntry]
    has_next: bool
    next_href: str | None
    results: tuple[int, int, int] | None
    current: int = 1  # the page number this page is (from its URL)
    rule: str = "profile"  # what found the entries: the profile's selectors or "generic"

    @property
    def size(self) -> int:
        """How many entries the portal put on this page (its real page size unless last)."""
        if self.results and self.results[0]:
            return self.results[1] - self.results[0] + 1
        return len(self.entries)

    @property
    def more(self) -> bool | None:
        """Whether the counter says entries follow this page; None when it cannot say. A
        total alone ('Tổng số 57 bài viết') says only "no more" once pages of this page's
        size reach it (the last page is shorter, so it cannot say "more")."""
        if not self.results:
            return None
        first, last, total = self.results
        if first:
            return last < total
        return False if self.current * len(self.entries) >= total else None


def link_url(el: Element) -> str | None:
    """Where a link element leads: its href, else its `onclick="location.href=…"`."""
    href = el.get("href")
    if href and not href.strip().lower().startswith(("javascript:", "#")):
        return href
    return onclick_url(el.get("onclick"))


def parse_listing(
    sel: Selector, page_url: str, profile: Profile, base: str, section: Section | None = None
) -> ParsedListing:
    """Entries of one listing page, its counter, and the next page's link if there is one."""
    page = root_of(sel)
    rules = profile.listing
    entries = _profile_entries(page, page_url, profile, base)
    rule = "profile"
    if not entries:
        entries, rule = _generic_entries(page, page_url, profile, base, section), "generic"
    param = profile.page_param(section) if section else profile.pager.get("param") or None
    current = listing_page_params(page_url, param)[0] or 1
    next_href = next_page_link(page, page_url, profile, base, current, param)
    # The first element of the profile's (else the stock) counter rule that reads as one: a
    # rule that also matches a summary ("Ngày 11/11/2026 …") must not hide the real counter.
    counters = select_all(page, rules["results"]) if rules.get("results") else []
    counters += select_all(page, STOCK_RESULTS)
    results = next((r for el in counters if (r := parse_results(clean_text(text_of(el))))), None)
    return ParsedListing(entries, next_href is not None, next_href, results, current, rule)


def _entry(
    url: str, key: str, title: str, container: Element, rules: dict, summary_el: Element | None
) -> ListingEntry:
    date_el = first(container, rules.get("date"))
    date_text = clean_text(text_of(date_el)) if date_el is not None else ""
    summary = text_of(summary_el if summary_el is not None else container)
    if date_el is None:
        found = _LISTING_DATE.search(text_of(container))
        date_text = found.group(0) if found else ""
    if date_text:
        summary = summary.replace(date_text, " ", 1)
    if summary_el is None and title:
        summary = clean_text(summary).replace(clean_text(title), " ", 1)
    cover = first(container, rules.get("cover"))
    cover_style = cover.get("style", "") if cover is not None else ""
    return ListingEntry(canonical_url(url), key, title, date_text, summary, cover_style)


def _profile_entries(page: Element, page_url: str, profile: Profile, base: str) -> list:
    rules = profile.listing
    entries: list[ListingEntry] = []
    for item in select_all(page, rules["item"]):
        link = first(item, rules["link"])
        links = [link] if link is not None and link_url(link) else []
        for link in links or select_all(item, _LINKS):
            url = on_portal(link_url(link), page_url, base, profile.aliases)
            key = article_key(url, profile.routes) if url else None
            if url and key:
                title = text_of(link) or _title_near(item, key, page_url, profile, base)
                summary = first(item, rules.get("summary"))
                entries.append(_entry(url, key, title, item, rules, summary))
                break
    return entries


def article_links(
    scope: Element, page_url: str, profile: Profile, base: str
) -> list[tuple[Element, str, str]]:
    """(element, url, key) of every article link under `scope`, in document order."""
    out = []
    for el in select_all(scope, _LINKS):
        url = on_portal(link_url(el), page_url, base, profile.aliases)
        key = article_key(url, profile.routes) if url else None
        if url and key:
            out.append((el, url, key))
    return out


def _title_near(item: Element, key: str, page_url: str, profile: Profile, base: str) -> str:
    for el, _url, other in article_links(item, page_url, profile, base):
        if other == key and clean_text(text_of(el)):
            return text_of(el)
    return ""


def listing_scope(page: Element, section: Section | None, profile: Profile) -> Element:
    """The portlet that lists the section's articles: the one with the section's instance id,
    else the one holding the pager, else the one with the most article links."""
    portlets = [
        el
        for el in page.iter()
        if isinstance(el.tag, str)
        and (_PORTLET.search(el.get("class", "")) or el.get("id", "").startswith("portlet_"))
        and not any(isinstance(d.tag, str) and _PORTLET.search(d.get("class", "")) for d in el)
    ]
    if section is not None and section.instance:
        for el in portlets:
            if section.instance in el.get("id", ""):
                return el
    if not portlets:
        return page
    param = profile.pager.get("param") or None

    def weight(el: Element) -> tuple[int, int]:
        has_pager = any(
            is_page_param(k, param)
            for a in select_all(el, "a[href]")
            for k, _ in parse_qsl(a.get("href", "").partition("?")[2].partition("#")[0])
        ) or any(PAGERISH.search(d.get("class") or "") for d in el.iter() if isinstance(d.tag, str))
        links = {link_url(a) for a in select_all(el, _LINKS)}
        return int(has_pager), len(links)

    return max(portlets, key=weight)


def _generic_entries(
    page: Element, page_url: str, profile: Profile, base: str, section: Section | None
) -> list[ListingEntry]:
    scope = listing_scope(page, section, profile)
    found = [
        (el, url, key)
        for el, url, key in article_links(scope, page_url, profile, base)
        if not any(a.tag in _FURNITURE for a in el.iterancestors())
    ]
    keys = {id(el): key for el, _, key in found}
    entries: list[ListingEntry] = []
    seen: set[str] = set()
    for el, url, key in found:
        if key in seen:
            continue
        seen.add(key)
        container = item_container(el, key, keys, scope)
        named = [e for e, _, k in found if k == key and clean_text(text_of(e))]
        anchors = [e for e in named if e.tag == "a"]  # not an onclick item's whole text
        title = text_of((anchors or named)[0]) if named else ""
        entries.append(_entry(url, key, title, container, profile.listing, None))
    return entries


def item_container(el: Element, key: str, keys: dict[int, str], scope: Element) -> Element:
    """The largest ancestor of an entry's link that holds no other article's link."""
    container = el
    for parent in el.iterancestors():
        if parent is scope or parent.getparent() is None:
            break
        others = {keys[id(d)] for d in parent.iterdescendants() if id(d) in keys}
        if others - {key}:
            break
        container = parent
    return container


def next_page_link(
    page: Element, page_url: str, profile: Profile, base: str, current: int, param: str | None
) -> str | None:
    """The link to page `current` + 1 (the profile's `pager.next` when it names one)."""
    override = profile.pager.get("next")
    if override:
        link = first(page, override)
        target = link_url(link) if link is not None else None
        return on_portal(target, page_url, base, profile.aliases) if target else None
    for wanted in (param, None) if param else (None,):
        needle = f"{wanted}=" if wanted else "_cur="
        for el in select_all(page, _LINKS):
            target = link_url(el)
            if not target or needle not in target or _disabled(el):
                continue
            url = on_portal(target, page_url, base, profile.aliases)
            if url and listing_page_params(url, wanted)[0] == current + 1:
                return url
    return None


def _disabled(el: Element) -> bool:
    for node in (el, el.getparent()):
        if node is not None and "disabled" in (node.get("class") or "").split():
            return True
    return False
