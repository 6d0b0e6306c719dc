"""Profile selectors compiled once (lxml XPath via parsel's CSS translation), for every page."""

from __future__ import annotations

from functools import lru_cache

from lxml import etree
from lxml import html as lxml_html
from lxml.cssselect import CSSSelector
from parsel import Selector
from parsel.csstranslator import css2xpath

Element = lxml_html.HtmlElement
_TEXT = etree.XPath(".//text()", smart_strings=False)


@lru_cache(maxsize=256)
def compiled(css: str) -> etree.XPath:
    """A profile selector as parsel translates it (`::text`, `::attr()` included), compiled."""
    return etree.XPath(css2xpath(css), smart_strings=False)


@lru_cache(maxsize=64)
def attr_path(attr: str) -> etree.XPath:
    return etree.XPath(f".//@{attr}", smart_strings=False)


@lru_cache(maxsize=64)
def dropper(css: str) -> CSSSelector:
    """What `HtmlElement.cssselect(css)` builds on every call, built once."""
    return CSSSelector(css, translator="html")


def root_of(sel: Selector | Element) -> Element:
    """The lxml element of a parsel Selector (callers pass Selectors; lxml elements work too)."""
    return sel.root if isinstance(sel, Selector) else sel


def select_all(el: Element, css: str) -> list:
    return compiled(css)(el)


def text_of(el: Element | None) -> str:
    if el is None:
        return ""
    return " ".join(_TEXT(el))


def first(el: Element | None, css: str | None) -> Element | None:
    if not css or el is None:
        return None
    found = compiled(css)(el)
    return found[0] if found else None
