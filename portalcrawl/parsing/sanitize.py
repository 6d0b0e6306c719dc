"""Stored body_html passes an allow-list: no scripts, no event handlers, no javascript: URLs."""

from __future__ import annotations

import nh3

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "strong",
        "b",
        "em",
        "i",
        "u",
        "sub",
        "sup",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "img",
        "figure",
        "figcaption",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
        "caption",
        "span",
        "div",
        "hr",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style", "noscript", "iframe", "object", "template"},
    attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer",
)


def sanitize_html(html: str | None) -> str:
    """The article body as stored: only allow-listed tags, attributes and URL schemes survive."""
    if not html:
        return ""
    return _CLEANER.clean(html).strip()
