"""Markup nested deeper than any page needs, flattened before it is parsed.

A hostile or broken page can nest thousands of elements (`<div>` 50,000 deep). libxml2 stops
parsing at depth 2,048 and silently drops the rest of the page (the article's text, its date,
its signature); below that, every recursive walk of the tree (our paragraph walk, nh3's
sanitiser, which takes seconds at that depth) pays for the depth or fails with RecursionError.
Real pages nest 9 to 17 elements deep (the reference samples), so past MAX_DEPTH open elements
the tags themselves are dropped and their text kept in place: the page reads as one flat run of
text where it was deep, and nothing of it is lost. Paragraph-level tags (`p`, `br`, `img`, `a`,
…) are kept where they cannot nest (none of the same name open), so paragraphs, images and
links inside the deep part still count.

Cheap for ordinary pages: `parse_page` parses first and asks libxml2 (one XPath, in C)
whether any element lies deeper than the cap; only such a page is flattened and parsed again.
The check takes 11-13 µs on the reference samples; the rough depth count over the tag names
that guards `flatten_deep` itself takes 160-220 µs there (a tenth of reading an article page).
A page of 50,000 nested `<div>`s flattens in 0.5-1.2 s and is then read whole
(benchmarks/hostilebench.py; unflattened, nh3 alone took 8.8 s on its body and libxml2 dropped
all past depth 2,048).
"""

from __future__ import annotations

import re

from lxml import etree
from parsel import Selector

MAX_DEPTH = 200
# fmt: off
# Elements that never hold others: they take no depth.
VOID = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr",
})
# Their content is raw text: a `<` inside is not a tag.
RAW_TEXT = frozenset({"script", "style", "textarea", "title", "xmp", "iframe", "noembed"})
# Kept past the cap while none of the same name is open: they add at most one level each.
KEPT_FLAT = frozenset({"p", "br", "img", "a", "h1", "h2", "h3", "h4", "h5", "h6", "hr"})
# HTML closes an open <p> when one of these starts (libxml2 does too).
_CLOSES_P = frozenset({
    "address", "article", "aside", "blockquote", "div", "dl", "fieldset", "figure", "footer",
    "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p",
    "pre", "section", "table", "ul",
})
# fmt: on
_KEPT, _FLAT, _DROPPED = range(3)
_TAG_NAME = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)")
_TAG = re.compile(r"<!--.*?(?:-->|\Z)|<(/?)([A-Za-z][A-Za-z0-9:-]*)([^>]*)>", re.S)
# An element MAX_DEPTH + 1 levels down from the document's root element, or none.
_TOO_DEEP = etree.XPath("boolean(/*" + "/*" * MAX_DEPTH + ")")


def parse_page(html: str) -> tuple[Selector, int]:
    """The page parsed; flattened first when it nests deeper than MAX_DEPTH (and how many tags
    that dropped). libxml2 keeps at least 256 levels, so a deeper page shows as one here."""
    sel = Selector(text=html)
    if not _TOO_DEEP(sel.root):
        return sel, 0
    flat, dropped = flatten_deep(html)
    return (Selector(text=flat), dropped) if dropped else (sel, 0)


def flatten_deep(html: str, max_depth: int = MAX_DEPTH) -> tuple[str, int]:
    """The markup with tags past `max_depth` open elements dropped (their text kept), and how
    many tags were dropped (0: the markup is returned as it was)."""
    if html.count("<") <= max_depth or _rough_depth(html) <= max_depth:
        return html, 0
    stack: list[tuple[str, int]] = []  # (tag, _KEPT | _FLAT | _DROPPED)
    open_names: dict[str, int] = {}  # open elements by name
    flat_open: dict[str, int] = {}  # of those, kept past the cap
    out: list[str] = []
    dropped = pos = raw_until = 0

    def pop(down_to: int) -> None:
        for tag, state in stack[down_to:]:
            open_names[tag] -= 1
            if state == _FLAT:
                flat_open[tag] -= 1
        del stack[down_to:]

    def push(tag: str, state: int) -> None:
        stack.append((tag, state))
        open_names[tag] = open_names.get(tag, 0) + 1
        if state == _FLAT:
            flat_open[tag] = flat_open.get(tag, 0) + 1

    for match in _TAG.finditer(html):
        name = (match.group(2) or "").lower()
        if not name or match.start() < raw_until:
            continue  # a comment, or a `<` inside a script
        if match.group(1):  # an end tag
            if not open_names.get(name):
                continue  # a stray end tag: the parser ignores it too
            index = next(i for i in range(len(stack) - 1, -1, -1) if stack[i][0] == name)
            drop = stack[index][1] == _DROPPED
            pop(index)
        else:
            if name in _CLOSES_P and stack and stack[-1][0] == "p":
                pop(len(stack) - 1)
            if name in RAW_TEXT:
                end = re.compile(rf"</{name}\s*>", re.I).search(html, match.end())
                raw_until = end.end() if end else len(html)
            void = name in VOID or name in RAW_TEXT or match.group(3).rstrip().endswith("/")
            if len(stack) < max_depth:
                state = _KEPT
            elif name in KEPT_FLAT and not flat_open.get(name):
                state = _FLAT
            else:
                state = _DROPPED
            if not void:
                push(name, state)
            drop = state == _DROPPED
        if drop:
            out.append(html[pos : match.start()])
            pos = match.end()
            dropped += 1
    if not dropped:
        return html, 0
    out.append(html[pos:])
    return "".join(out), dropped


def _rough_depth(html: str) -> int:
    """How deep the page's tags nest, counted without HTML's rules: an unclosed `<p>` counts,
    an end tag closes one element of its name if any is open (a stray one closes nothing), so
    the count is not below the depth a parser builds. One loop over tag names found in C."""
    depth = deepest = 0
    open_names: dict[str, int] = {}
    for closing, name in _TAG_NAME.findall(html):
        name = name.lower()
        if closing:
            if open_names.get(name):
                open_names[name] -= 1
                depth -= 1
        elif name not in VOID:
            open_names[name] = open_names.get(name, 0) + 1
            depth += 1
            if depth > deepest:
                deepest = depth
    return deepest
