"""Which selector finds an element: the short CSS `profile discover` writes for what it found.

An article page is read against what its listing said: the title is the element that says the
listing's title, the body the element with the most paragraph text, the date line what the date
parser reads, the lead what the listing's summary says, the signature the body's last short
bold line; each is named by a selector whose first match under the template's root is it.
"""

from __future__ import annotations

import re

from parsel import Selector

from portalcrawl.parsing.selectors import Element, first, select_all, text_of
from portalcrawl.text.dates import parse_date_line
from portalcrawl.text.normalise import clean_text

_UTILITY = re.compile(
    r"^(?:d-|m[btlrxy]?-|p[btlrxy]?-|col|row$|clearfix|float-|text-(?:left|right|center|justify)"
    r"|h\d$|show-|lfr-|portlet-|hide|sr-only|active|disabled)"
)
_LEAD_CLASS = re.compile(r"sapo|lead|tom-tat|mo-ta|summary|description|trich-dan", re.I)


def usable_class(el: Element) -> str:
    for cls in (el.get("class") or "").split():
        if not _UTILITY.match(cls):
            return cls
    return ""


def css_of(el: Element, stop: Element | None = None) -> str:
    """A short CSS selector for `el`: `tag.class`, else `tag` under its nearest classed
    ancestor (`div.noi-dung strong`)."""
    cls = usable_class(el)
    if cls:
        return f"{el.tag}.{cls}"
    for parent in el.iterancestors():
        if parent is stop:
            break
        parent_cls = usable_class(parent)
        if parent_cls:
            return f"{parent.tag}.{parent_cls} {el.tag}"
    return str(el.tag)


def _equal_text(root: Element, target: str) -> Element | None:
    """The outermost element (with a class, if any has one) whose text is `target`."""
    target = clean_text(target)
    if not target:
        return None
    matches = [
        el
        for el in root.iter()
        if isinstance(el.tag, str)
        and el.tag not in ("a", "title", "script", "html", "body")
        and clean_text(text_of(el)) == target
    ]
    classed = [el for el in matches if usable_class(el)]
    return (classed or matches or [None])[0]


def selector_for(el: Element, root: Element) -> str:
    """A selector under `root` whose first match is `el` (or one of its same-text
    descendants); `css_of(el)` when none is that exact."""
    text = clean_text(text_of(el))
    for node in el.iter():
        if not isinstance(node.tag, str) or clean_text(text_of(node)) != text:
            continue
        css = css_of(node, root)
        if first(root, css) is node:
            return css
    return css_of(el, root)


def _body_of(scope: Element) -> Element | None:
    best, size = None, 0
    for el in scope.iter():
        if not isinstance(el.tag, str) or el.tag in ("p", "a", "span"):
            continue
        paragraphs = [c for c in el if c.tag == "p"]
        total = sum(len(clean_text(text_of(p))) for p in paragraphs)
        if len(paragraphs) >= 2 and total > size:
            best, size = el, total
    return best


def _lca(a: Element, b: Element) -> Element:
    ancestors = [a, *a.iterancestors()]
    for el in [b, *b.iterancestors()]:
        if el in ancestors:
            return el
    return ancestors[-1]


def read_article(html: str, title: str, summary: str) -> dict[str, str]:
    """Selectors of one article page's fields (empty where nothing was found)."""
    page = Selector(text=html).root
    wrapper = next(iter(select_all(page, "div.journal-content-article")), None)
    scope = wrapper if wrapper is not None else page
    title_el = _equal_text(scope, title) if wrapper is not None else None
    if title_el is None:
        title_el = _equal_text(page, title)
    body = _body_of(scope)
    if title_el is None or body is None:
        return {}
    root = _lca(title_el, body)  # the full-content block when the title stands outside (7.3)
    out = {
        "root": css_of(root),
        "title": selector_for(title_el, root),
        "body": selector_for(body, root),
    }
    dates = [
        el
        for el in root.iter()
        if isinstance(el.tag, str)
        and len(clean_text(text_of(el))) < 80
        and parse_date_line(clean_text(text_of(el)))
    ]
    classed = [el for el in dates if usable_class(el)]
    if dates:
        out["date"] = selector_for((classed or dates)[-1], root)
    lead = _equal_text(root, summary) if summary else None
    if lead is None:
        lead = next((el for el in root.iter() if _LEAD_CLASS.search(el.get("class") or "")), None)
    if lead is not None and lead is not body:
        out["summary"] = selector_for(lead, root)
    signature = [
        p
        for p in body.findall("p")
        if 0 < len(clean_text(text_of(p))) <= 60 and p.findall("strong")
    ]
    if signature:
        last = signature[-1]
        if usable_class(last):
            out["author"] = css_of(last)
        elif "right" in (last.get("style") or ""):
            out["author"] = 'p[style*="right"]'
    source = next(
        (
            el
            for el in root.iter()
            if clean_text(text_of(el)).startswith("Nguồn:") and el.tag != "a"
        ),
        None,
    )
    if source is not None:
        out["source"] = selector_for(source, root)
    files = [
        a
        for a in select_all(root, "a[href]")
        if "/documents/" in a.get("href", "") and not select_all(a, "img")
    ]
    if files:
        holder = next((p for p in files[0].iterancestors() if usable_class(p)), None)
        if holder is not None:
            out["attachments"] = f"{css_of(holder)} a"
    return out
