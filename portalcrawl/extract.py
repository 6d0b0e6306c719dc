"""Raw fields from portal pages with the profile's selectors (parsel only, no Scrapy).

The output is raw: the ItemLoader's processors do NFC, white space, 'null' and dates.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from lxml import html as lxml_html
from parsel import Selector

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


def _text(sel: Selector | None) -> str:
    if sel is None:
        return ""
    return " ".join(sel.xpath(".//text()").getall())


def _first(sel: Selector, css: str | None) -> Selector | None:
    if not css:
        return None
    found = sel.css(css)
    return found[0] if found else None


def parse_listing(sel: Selector, page_url: str, profile: Profile, base: str) -> ListingPage:
    """Entries of one listing page, and whether a `»` link leads further."""
    rules = profile.listing
    entries: list[ListingEntry] = []
    for item in sel.css(rules["item"]):
        link = _first(item, rules["link"])
        href = link.attrib.get("href") if link is not None else None
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
        cover_style = cover.attrib.get("style", "") if cover is not None else ""
        entries.append(
            ListingEntry(strip_query(url), key, _text(link), date_text, summary, cover_style)
        )
    has_next, next_href = _next_link(sel, rules)
    results = parse_results(_text(_first(sel, rules.get("results"))))
    return ListingPage(entries, has_next, next_href, results)


def _next_link(sel: Selector, rules: dict[str, str]) -> tuple[bool, str | None]:
    pagination = _first(sel, rules["pagination"])
    if pagination is None:
        return False, None
    for li in pagination.css("li"):
        anchor = _first(li, "a")
        if anchor is None or not _is_next(clean_text(_text(anchor)), li.attrib.get("class", "")):
            continue
        href = anchor.attrib.get("href", "")
        disabled = "disabled" in li.attrib.get("class", "").split()
        if disabled or not href or href.startswith("javascript:"):
            return False, None
        return True, href
    return False, None


def _is_next(text: str, classes: str) -> bool:
    """Liferay's "next page" item: `»` (maybe after screen-reader text) or a `next` class."""
    return text.endswith(("»", "›")) or text in (">", "Trang sau") or "next" in classes.split()


def is_not_found(sel: Selector, profile: Profile) -> bool:
    """Liferay's 'resource not found' portlet, served with 404 or (soft 404) with 200."""
    if sel.css(profile.fallback["content"]):
        return False
    alert = _text(_first(sel, profile.fallback["not_found"]))
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
        for node in clone.cssselect(css):
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
    fb = profile.fallback
    content = _first(sel, fb["content"])
    if content is None:
        return None
    raw_id = content.attrib.get(fb["asset_id_attr"]) or ""
    if not raw_id.strip().isdigit():
        anchor = _first(sel, fb["anchor"])
        raw_id = anchor.attrib.get("id", "") if anchor is not None else ""
    if not raw_id.strip().isdigit():
        return None
    canonical = sel.css('link[rel="canonical"]::attr(href)').get()
    canonical_url = on_portal(canonical, page_url, base, profile.aliases) if canonical else None
    if not canonical_url or not article_key(canonical_url):
        canonical_url = page_url
    rules = profile.article
    root = _first(content, rules["root"])
    common = dict(asset_id=int(raw_id), canonical=strip_query(canonical_url))
    if root is not None:
        return _from_template(root, rules, page_url, profile, base, common)
    return _from_stock(content, sel, page_url, profile, base, common)


def _links(
    sel: Selector | None, attr: str, page_url: str, profile: Profile, base: str
) -> list[str]:
    if sel is None:
        return []
    urls = (absolute(v, page_url, base, profile.aliases) for v in sel.xpath(f".//@{attr}").getall())
    return list(dict.fromkeys(u for u in urls if u))


def _from_template(
    root: Selector, rules: dict, page_url: str, profile: Profile, base: str, common: dict
) -> RawArticle:
    body = _first(root, rules["body"])
    author_sel = _first(body, rules["author"]) if body is not None else None
    skip = frozenset(c.split(".", 1)[1] for c in rules.get("drop", []) if "." in c)
    paragraphs = block_texts(body.root, skip) if body is not None else []
    body_html = ""
    if body is not None:
        body_html = _body_html(body.root, rules.get("drop", []), page_url, base, profile.aliases)
    source = _SOURCE.sub("", clean_text(_text(_first(root, rules["source"]))))
    attachments = _links(root.css(rules["attachments"]) or None, "href", page_url, profile, base)
    return RawArticle(
        title=_text(_first(root, rules["title"])),
        date_text=_text(_first(root, rules["date"])),
        summary=_text(_first(root, rules["summary"])),
        paragraphs=paragraphs,
        body_html=body_html,
        author=_text(author_sel),
        source=source,
        attachments=attachments,
        images=_links(body, "src", page_url, profile, base),
        extraction="profile",
        **common,
    )


def _from_stock(
    content: Selector, page: Selector, page_url: str, profile: Profile, base: str, common: dict
) -> RawArticle:
    title = _text(_first(page, profile.fallback["title"])) or content.attrib.get(
        "data-analytics-asset-title", ""
    )
    blocks = block_texts(content.root)
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
    paragraphs = content.css("p")
    author = ""
    if kept and paragraphs:
        last = paragraphs[-1]
        last_text = clean_text(_text(last))
        strong = clean_text(" ".join(last.css("strong ::text, b ::text").getall()))
        if (
            last_text == kept[-1]
            and (strong == last_text or len(last_text) <= 30)
            and len(last_text) <= _SIGNATURE_MAX
        ):
            author = kept.pop()
            last.root.set(_DROP, "1")
    summary = kept.pop(0) if len(kept) > 1 else ""
    if summary and paragraphs and clean_text(_text(paragraphs[0])) == summary:
        paragraphs[0].root.set(_DROP, "1")
    links = _links(content, "href", page_url, profile, base)
    return RawArticle(
        title=title,
        date_text=date_text,
        summary=summary,
        paragraphs=kept,
        body_html=_body_html(
            content.root, ["script", "style", f"[{_DROP}]"], page_url, base, profile.aliases
        ),
        author=author,
        source=source,
        attachments=[u for u in links if "/documents/" in u],
        images=_links(content, "src", page_url, profile, base),
        extraction="fallback",
        **common,
    )
