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

from lxml import html as lxml_html
from parsel import Selector

from portalcrawl.parsing.blocks import SKIP, block_texts
from portalcrawl.parsing.selectors import (
    Element,
    attr_path,
    dropper,
    first,
    root_of,
    select_all,
    text_of,
)
from portalcrawl.site.profile import Profile
from portalcrawl.site.urls import MAX_URL, absolute, article_key, canonical_url, on_portal
from portalcrawl.text.dates import parse_date_line
from portalcrawl.text.normalise import clean_text

_SOURCE = re.compile(r"^\s*Nguồn\s*:\s*", re.IGNORECASE)
_SIGNATURE_MAX = 60
# Liferay's asset entry ids: ASCII digits that fit SQLite's INTEGER (a page saying otherwise
# holds no article we can store).
_ASSET_ID = re.compile(r"[0-9]{1,18}")
_DROP = "data-portalcrawl-drop"
# Stock Liferay 7.0–7.4 markup, read whatever the profile says (SPEC Part 2).
FULL_CONTENT = "div.asset-full-content"
STOCK_WRAPPER = "div.journal-content-article"
STOCK_CONTENT = "div.journal-content-article, div.asset-full-content div.asset-content"
STOCK_TITLE = (
    "div.asset-full-content span.asset-title, span.header-title, "
    "div.asset-full-content .component-title, span.asset-title"
)
STOCK_ALERTS = "div.alert-danger, div.alert-warning, div.alert, div.portlet-msg-error"
_LEAD_DATE = re.compile(r"^\s*(\([^()]{6,60}\))\s*[-–—:]?\s*")
_HEAD_TEXT = "div.asset-full-content, div.asset-metadata, div.h2"


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
    extraction: str = "profile"  # or "fallback", or "migrated" (see `_bare`)
    article_id: int | None = None  # data-analytics-asset-id, not the identity (SPEC Part 2)


def is_not_found(sel: Selector, profile: Profile) -> bool:
    """Liferay's 'not found' portlet (either of its texts, or the profile's own), served with
    404 or (soft 404) with 200; or an article page whose content gave way to an
    `alert-warning` (expired or unpublished): the article is not there, the template is. A
    Web Content Display elsewhere on the page (a footer, a banner) is not the article."""
    page = root_of(sel)
    if first(page, FULL_CONTENT) is not None or _template_root(page, profile) is not None:
        return False
    alerts = select_all(page, profile.fallback["not_found"]) + select_all(page, STOCK_ALERTS)
    for alert in alerts:
        text = clean_text(text_of(alert)).lower()
        if any(t.lower() in text for t in profile.not_found_texts):
            return True
        if "alert-warning" in (alert.get("class") or "").split() and text:
            return True
    return False


def _template_root(page: Element, profile: Profile) -> Element | None:
    """The profile's display template root, when it holds the template's body."""
    root = first(page, profile.article["root"])
    if root is not None and first(root, profile.article["body"]) is None:
        return None  # a page of another template (a migrated article): the stock structure
    return root


def _content(page: Element, profile: Profile) -> Element | None:
    """The article's content: the Asset Publisher's wrapper first (a page can hold other Web
    Content Displays), the profile's or the stock wrapper, else the template root."""
    for css in (f"{FULL_CONTENT} {STOCK_WRAPPER}", profile.fallback["content"], STOCK_CONTENT):
        found = first(page, css)
        if found is not None:
            return found
    return _template_root(page, profile)


def _body_html(
    element: lxml_html.HtmlElement,
    drop: list[str],
    page_url: str,
    base: str,
    aliases: tuple[str, ...],
) -> str:
    clone = copy.deepcopy(element)
    for css in drop:
        for node in dropper(css)(clone):
            node.drop_tree()
    # Only a[href] and img[src] outlive the sanitiser (parsing/sanitize.py), so only they are
    # made absolute: lxml's rewrite_links visits every link attribute and style url() of the
    # body, 0.05 ms more a page of the local copy.
    for node in clone.iter("a", "img"):
        attr = "href" if node.tag == "a" else "src"
        href = node.get(attr)
        if href is not None:
            node.set(attr, absolute(href, page_url, base, aliases) or "")
    inner = (clone.text or "") + "".join(
        lxml_html.tostring(child, encoding="unicode") for child in clone
    )
    return inner


def _digits(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if _ASSET_ID.fullmatch(value) else None


def asset_identity(page: Element, urls: list[str], profile: Profile) -> int | None:
    """The asset entry id: the stock anchor's id, else the number an article URL carries
    (`/content/id/N`, `_assetEntryId=N`, a custom route's id), else the article id of the
    content wrapper (a page that prints nothing else)."""
    fb = profile.fallback
    for css in (fb["anchor"], "span.lfr-asset-anchor"):
        anchor = first(page, css)
        if anchor is not None and _digits(anchor.get("id")) is not None:
            return _digits(anchor.get("id"))
    for url in urls:
        key = article_key(url, profile.routes)
        if key and key.startswith("id:") and _ASSET_ID.fullmatch(key[3:]):
            return int(key[3:])
    scope = first(page, FULL_CONTENT)
    wrapper = first(page if scope is None else scope, f"[{fb['asset_id_attr']}]")
    return _digits(wrapper.get(fb["asset_id_attr"])) if wrapper is not None else None


def parse_article(sel: Selector, page_url: str, profile: Profile, base: str) -> RawArticle | None:
    """Raw article fields, with the profile template or else the stock Liferay structure."""
    page = root_of(sel)
    fb = profile.fallback
    content = _content(page, profile)
    if content is None:
        return None
    canonicals = select_all(page, 'link[rel="canonical"]::attr(href)')
    canonical = canonicals[0] if canonicals else None
    canonical_url_ = on_portal(canonical, page_url, base, profile.aliases) if canonical else None
    if (
        not canonical_url_
        or len(canonical_url_) > MAX_URL
        or not article_key(canonical_url_, profile.routes)
    ):
        canonical_url_ = page_url
    asset_id = asset_identity(page, [page_url, canonical_url_], profile)
    if asset_id is None:
        return None
    attr = fb["asset_id_attr"]
    wrapper = content if content.get(attr) else first(content, f"[{attr}]")
    article_id = _digits(wrapper.get(attr)) if wrapper is not None else None
    rules = profile.article
    root = _template_root(page, profile)
    common = dict(asset_id=asset_id, article_id=article_id, canonical=canonical_url(canonical_url_))
    if root is not None:
        return _from_template(root, rules, page_url, profile, base, common)
    return _from_stock(content, page, page_url, profile, base, common)


def _links(
    elements: list[Element], attr: str, page_url: str, profile: Profile, base: str
) -> list[str]:
    """Absolute URLs of `attr` on the elements and their descendants, first seen first."""
    path = attr_path(attr)
    urls = (absolute(v, page_url, base, profile.aliases) for el in elements for v in path(el))
    return list(dict.fromkeys(u for u in urls if u))


def _from_template(
    root: Element, rules: dict, page_url: str, profile: Profile, base: str, common: dict
) -> RawArticle:
    body = first(root, rules["body"])
    author_sel = first(body, rules["author"]) if body is not None else None
    skip = frozenset(c.split(".", 1)[1] for c in rules.get("drop", []) if "." in c)
    paragraphs = block_texts(body, skip) if body is not None else []
    body_html = ""
    if body is not None:
        body_html = _body_html(body, rules.get("drop", []), page_url, base, profile.aliases)
    source = _SOURCE.sub("", clean_text(text_of(first(root, rules["source"]))))
    attachments = _links(select_all(root, rules["attachments"]), "href", page_url, profile, base)
    date_text = clean_text(text_of(first(root, rules["date"])))
    if not parse_date_line(date_text):
        date_text = date_line_in(root) or date_line_in(root.getparent()) or date_text
    summary = text_of(first(root, rules["summary"]))
    author = text_of(author_sel)
    # the date line, lead and signature of templates that put them inside the body
    inside = {clean_text(t) for t in (date_text, summary, author) if t}
    paragraphs = [p for p in paragraphs if p not in inside]
    return RawArticle(
        title=text_of(first(root, rules["title"])),
        date_text=date_text,
        summary=summary,
        paragraphs=paragraphs,
        body_html=body_html,
        author=author,
        source=source,
        attachments=attachments,
        images=_links([] if body is None else [body], "src", page_url, profile, base),
        extraction="profile",
        **common,
    )


def _only_files(block: str, files: list[str]) -> bool:
    """A block of attachment links (and their label): not body text."""
    if not files:
        return False
    rest = block
    for name in files:
        rest = rest.replace(name, " ")
    rest = clean_text(rest)
    return not rest or (len(rest) < 40 and "đính kèm" in rest.lower())


# A text this long before its white space is folded is no date line (under 80 characters
# after) unless it is nearly all indentation; the elements inside it are visited in turn.
# Skipping the fold of a page's long containers halves the scan of a page without a date line
# (a migrated article's).
_RAW_MAX = 1000


def date_line_in(scope: Element | None, skip: Element | None = None) -> str:
    """The first short text under `scope` that the date parser reads as a date line
    ('Thứ Sáu, 22/01/2021 08:30', '(Thứ hai, 19/04/2021 15:17)'); '' when none."""
    if scope is None:
        return ""
    skipped = set(skip.iter()) if skip is not None else set()
    for el in scope.iter():
        if not isinstance(el.tag, str) or el.tag in SKIP or el in skipped:
            continue
        for raw in (text_of(el), el.text or ""):
            text = clean_text(raw) if len(raw) <= _RAW_MAX else ""
            if text and len(text) < 80 and parse_date_line(text):
                return text
    return ""


def _bare(content: Element) -> bool:
    """The migrated template (SPEC: articles from the old portal): the content is paragraphs
    and block elements only, no `div` of a template and no date line (checked by the caller).
    A template of its own, not a template gone wrong: a changed profile template still has
    its containers and its date line, and reads as "fallback"."""
    return len(content) > 0 and not content.xpath(".//div")


def _from_stock(
    content: Element, page: Element, page_url: str, profile: Profile, base: str, common: dict
) -> RawArticle:
    title = (
        text_of(first(page, profile.fallback["title"]))
        or text_of(first(page, STOCK_TITLE))
        or text_of(first(content, "h1, h2, h3"))
        or content.get("data-analytics-asset-title", "")
    )
    blocks = block_texts(content)
    date_text = ""
    head = first(page, _HEAD_TEXT)
    in_head = date_line_in(head, skip=content) if head is not None else ""
    inline = date_line_in(content)
    if in_head or (inline and inline not in blocks):
        date_text = in_head or inline
    source = ""
    kept: list[str] = []
    files = [
        clean_text(text_of(a))
        for a in select_all(content, "a[href]")
        if "/documents/" in a.get("href", "") and not select_all(a, "img")
    ]
    for block in blocks:
        if clean_text(block) == clean_text(title) or _only_files(block, files):
            continue
        if not date_text and len(block) < 80 and parse_date_line(block):
            date_text = block
            continue
        lead_in = _LEAD_DATE.match(block) if not date_text and not kept else None
        if lead_in and parse_date_line(lead_in.group(1)):  # "(Thứ hai, 19/04/2021 15:17) Sáng…"
            date_text, block = lead_in.group(1), block[lead_in.end() :]
        if not source and _SOURCE.match(block):
            source = _SOURCE.sub("", block)
            continue
        kept.append(block)
    paragraphs = select_all(content, "p")
    author = ""
    if kept and paragraphs:
        # the signature: the last paragraph of the body (a source line may follow it)
        last = next(
            (p for p in reversed(paragraphs) if clean_text(text_of(p)) == kept[-1]),
            paragraphs[-1],
        )
        last_text = clean_text(text_of(last))
        strong = clean_text(" ".join(select_all(last, "strong ::text, b ::text")))
        if (
            last_text == kept[-1]
            and (strong == last_text or len(last_text) <= 30)
            and len(last_text) <= _SIGNATURE_MAX
        ):
            author = kept.pop()
            last.set(_DROP, "1")
    summary = kept.pop(0) if len(kept) > 1 else ""
    if summary and paragraphs and clean_text(text_of(paragraphs[0])) == summary:
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
        extraction="migrated" if not date_text and _bare(content) else "fallback",
        **common,
    )
