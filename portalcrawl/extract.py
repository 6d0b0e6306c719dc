"""Raw fields from portal pages with the profile's selectors (parsel/lxml only, no Scrapy).

The output is raw: the ItemLoader's processors do NFC, white space, 'null' and dates.
Selectors are CSS as in the profile, translated by parsel once and run as compiled lxml
XPath on the page parsel parsed: the same matches as `Selector.css`, without a Selector
object per node (this runs for every page of a crawl).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree
from lxml import html as lxml_html
from lxml.cssselect import CSSSelector
from parsel import Selector
from parsel.csstranslator import css2xpath

from portalcrawl.dates import parse_date_line
from portalcrawl.profile import Profile
from portalcrawl.textnorm import clean_text
from portalcrawl.urls import absolute, article_key, on_portal, parse_results, strip_query

BLOCK_TEXT = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "figcaption",
    "caption",
    "pre",
    "blockquote",
    "dt",
    "dd",
}
CONTAINERS = {
    "div",
    "section",
    "article",
    "figure",
    "ul",
    "ol",
    "dl",
    "main",
    "header",
    "footer",
    "aside",
    "center",
    "font",
    "span",
    "strong",
    "b",
    "em",
    "i",
    "u",
}
SKIP = {"script", "style", "noscript", "img", "svg", "iframe", "form", "button", "input"}
_SOURCE = re.compile(r"^\s*Nguồn\s*:\s*", re.IGNORECASE)
_SIGNATURE_MAX = 60
_DROP = "data-portalcrawl-drop"


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


@dataclass
class RawArticle:
    asset_id: int
    canonical: str
    title: str
    date_text: str
    summary: str
    paragraphs: list[str]
    body_html: str
    author: str
    source: str
    attachments: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    extraction: str = "profile"


Element = lxml_html.HtmlElement
_TEXT = etree.XPath(".//text()", smart_strings=False)


@lru_cache(maxsize=256)
def _compiled(css: str) -> etree.XPath:
    """A profile selector as parsel translates it (`::text`, `::attr()` included), compiled."""
    return etree.XPath(css2xpath(css), smart_strings=False)


@lru_cache(maxsize=64)
def _attr_path(attr: str) -> etree.XPath:
    return etree.XPath(f".//@{attr}", smart_strings=False)


@lru_cache(maxsize=64)
def _dropper(css: str) -> CSSSelector:
    """What `HtmlElement.cssselect(css)` builds on every call, built once."""
    return CSSSelector(css, translator="html")


def _root(sel: Selector | Element) -> Element:
    """The lxml element of a parsel Selector (callers pass Selectors; lxml elements work too)."""
    return sel.root if isinstance(sel, Selector) else sel


def _all(el: Element, css: str) -> list:
    return _compiled(css)(el)


def _text(el: Element | None) -> str:
    if el is None:
        return ""
    return " ".join(_TEXT(el))


def _first(el: Element | None, css: str | None) -> Element | None:
    if not css or el is None:
        return None
    found = _compiled(css)(el)
    return found[0] if found else None


def parse_listing(sel: Selector, page_url: str, profile: Profile, base: str) -> ListingPage:
    """Entries of one listing page, and whether a `»` link leads further."""
    page = _root(sel)
    rules = profile.listing
    entries: list[ListingEntry] = []
    for item in _all(page, rules["item"]):
        link = _first(item, rules["link"])
        href = link.get("href") if link is not None else None
        url = on_portal(href, page_url, base, profile.aliases)
        key = article_key(url) if url else None
        if not url or not key:
            continue
        summary_sel = _first(item, rules["summary"])
        date_sel = _first(item, rules["date"])
        date_text = _text(date_sel)
        summary = _text(summary_sel)
        if date_text:
            summary = summary.replace(date_text, " ", 1)
        cover = _first(item, rules["cover"])
        cover_style = cover.get("style", "") if cover is not None else ""
        entries.append(
            ListingEntry(strip_query(url), key, _text(link), date_text, summary, cover_style)
        )
    has_next, next_href = _next_link(page, rules)
    results = parse_results(_text(_first(page, rules.get("results"))))
    return ListingPage(entries, has_next, next_href, results)


def _next_link(page: Element, rules: dict[str, str]) -> tuple[bool, str | None]:
    pagination = _first(page, rules["pagination"])
    if pagination is None:
        return False, None
    for li in _all(pagination, "li"):
        anchor = _first(li, "a")
        if anchor is None or not _is_next(clean_text(_text(anchor)), li.get("class", "")):
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


def is_not_found(sel: Selector, profile: Profile) -> bool:
    """Liferay's 'resource not found' portlet, served with 404 or (soft 404) with 200."""
    page = _root(sel)
    if _all(page, profile.fallback["content"]):
        return False
    alert = _text(_first(page, profile.fallback["not_found"]))
    return profile.not_found_text.lower() in clean_text(alert).lower()


def block_texts(
    element: lxml_html.HtmlElement, skip_classes: frozenset[str] = frozenset()
) -> list[str]:
    """Paragraph-level texts of a content element, in document order."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            out.append(" ".join(pending))
            pending.clear()

    def walk(el: lxml_html.HtmlElement) -> None:
        if el.text:
            pending.append(el.text)
        for child in el:
            tag = child.tag if isinstance(child.tag, str) else ""
            classes = set((child.get("class") or "").split())
            if tag in SKIP or classes & skip_classes:
                pass
            elif tag == "br":
                pending.append(" ")
            elif tag == "table":
                flush()
                for row in child.iter("tr"):
                    cells = [" ".join(c.itertext()) for c in row if c.tag in ("td", "th")]
                    out.append(" | ".join(clean_text(c) for c in cells))
            elif tag in BLOCK_TEXT:
                flush()
                if any(
                    isinstance(d.tag, str) and d.tag in ("p", "table", "ul", "ol")
                    for d in child.iterdescendants()
                ):
                    walk(child)
                else:
                    out.append(" ".join(t for t in _itertext(child, skip_classes)))
                flush()
            elif tag in CONTAINERS and tag not in ("span", "strong", "b", "em", "i", "u", "font"):
                flush()
                walk(child)
                flush()
            else:
                pending.extend(_itertext(child, skip_classes))
            if child.tail:
                pending.append(child.tail)

    walk(element)
    flush()
    return [t for t in (clean_text(x) for x in out) if t]


def _itertext(el: lxml_html.HtmlElement, skip_classes: frozenset[str]) -> list[str]:
    parts: list[str] = []
    if el.text:
        parts.append(el.text)
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag not in SKIP and not set((child.get("class") or "").split()) & skip_classes:
            parts.extend(_itertext(child, skip_classes))
        if child.tail:
            parts.append(child.tail)
    return parts


def _body_html(
    element: lxml_html.HtmlElement,
    drop: list[str],
    page_url: str,
    base: str,
    aliases: tuple[str, ...],
) -> str:
    clone = copy.deepcopy(element)
    for css in drop:
        for node in _dropper(css)(clone):
            node.drop_tree()
    clone.rewrite_links(
        lambda href: absolute(href, page_url, base, aliases) or "", resolve_base_href=False
    )
    inner = (clone.text or "") + "".join(
        lxml_html.tostring(child, encoding="unicode") for child in clone
    )
    return inner


def parse_article(sel: Selector, page_url: str, profile: Profile, base: str) -> RawArticle | None:
    """Raw article fields, with the profile template or else the stock Liferay structure."""
    page = _root(sel)
    fb = profile.fallback
    content = _first(page, fb["content"])
    if content is None:
        return None
    raw_id = content.get(fb["asset_id_attr"]) or ""
    if not raw_id.strip().isdigit():
        anchor = _first(page, fb["anchor"])
        raw_id = anchor.get("id", "") if anchor is not None else ""
    if not raw_id.strip().isdigit():
        return None
    canonicals = _all(page, 'link[rel="canonical"]::attr(href)')
    canonical = canonicals[0] if canonicals else None
    canonical_url = on_portal(canonical, page_url, base, profile.aliases) if canonical else None
    if not canonical_url or not article_key(canonical_url):
        canonical_url = page_url
    rules = profile.article
    root = _first(content, rules["root"])
    common = dict(asset_id=int(raw_id), canonical=strip_query(canonical_url))
    if root is not None:
        return _from_template(root, rules, page_url, profile, base, common)
    return _from_stock(content, page, page_url, profile, base, common)


def _links(
    elements: list[Element], attr: str, page_url: str, profile: Profile, base: str
) -> list[str]:
    """Absolute URLs of `attr` on the elements and their descendants, first seen first."""
    path = _attr_path(attr)
    urls = (absolute(v, page_url, base, profile.aliases) for el in elements for v in path(el))
    return list(dict.fromkeys(u for u in urls if u))


def _from_template(
    root: Element, rules: dict, page_url: str, profile: Profile, base: str, common: dict
) -> RawArticle:
    body = _first(root, rules["body"])
    author_sel = _first(body, rules["author"]) if body is not None else None
    skip = frozenset(c.split(".", 1)[1] for c in rules.get("drop", []) if "." in c)
    paragraphs = block_texts(body, skip) if body is not None else []
    body_html = ""
    if body is not None:
        body_html = _body_html(body, rules.get("drop", []), page_url, base, profile.aliases)
    source = _SOURCE.sub("", clean_text(_text(_first(root, rules["source"]))))
    attachments = _links(_all(root, rules["attachments"]), "href", page_url, profile, base)
    return RawArticle(
        title=_text(_first(root, rules["title"])),
        date_text=_text(_first(root, rules["date"])),
        summary=_text(_first(root, rules["summary"])),
        paragraphs=paragraphs,
        body_html=body_html,
        author=_text(author_sel),
        source=source,
        attachments=attachments,
        images=_links([] if body is None else [body], "src", page_url, profile, base),
        extraction="profile",
        **common,
    )


def _from_stock(
    content: Element, page: Element, page_url: str, profile: Profile, base: str, common: dict
) -> RawArticle:
    title = _text(_first(page, profile.fallback["title"])) or content.get(
        "data-analytics-asset-title", ""
    )
    blocks = block_texts(content)
    date_text = ""
    source = ""
    kept: list[str] = []
    for block in blocks:
        if clean_text(block) == clean_text(title):
            continue
        if not date_text and len(block) < 80 and parse_date_line(block):
            date_text = block
            continue
        if not source and _SOURCE.match(block):
            source = _SOURCE.sub("", block)
            continue
        kept.append(block)
    paragraphs = _all(content, "p")
    author = ""
    if kept and paragraphs:
        last = paragraphs[-1]
        last_text = clean_text(_text(last))
        strong = clean_text(" ".join(_all(last, "strong ::text, b ::text")))
        if (
            last_text == kept[-1]
            and (strong == last_text or len(last_text) <= 30)
            and len(last_text) <= _SIGNATURE_MAX
        ):
            author = kept.pop()
            last.set(_DROP, "1")
    summary = kept.pop(0) if len(kept) > 1 else ""
    if summary and paragraphs and clean_text(_text(paragraphs[0])) == summary:
        paragraphs[0].set(_DROP, "1")
    links = _links([content], "href", page_url, profile, base)
    return RawArticle(
        title=title,
        date_text=date_text,
        summary=summary,
        paragraphs=kept,
        body_html=_body_html(
            content, ["script", "style", f"[{_DROP}]"], page_url, base, profile.aliases
        ),
        author=author,
        source=source,
        attachments=[u for u in links if "/documents/" in u],
        images=_links([content], "src", page_url, profile, base),
        extraction="fallback",
        **common,
    )
