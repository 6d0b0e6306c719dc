"""Paragraph-level texts of a content element, in document order: what an article's body is
read as (blocks, table rows as cells joined by " | ", line breaks as spaces), whatever the
template wraps them in."""

from __future__ import annotations

from lxml import html as lxml_html

from portalcrawl.text.normalise import clean_text

# fmt: off
BLOCK_TEXT = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "figcaption", "caption", "pre", "blockquote",
    "dt", "dd",
}
CONTAINERS = {
    "div", "section", "article", "figure", "ul", "ol", "dl", "main", "header", "footer", "aside",
    "center", "font", "span", "strong", "b", "em", "i", "u",
}
# fmt: on
SKIP = {"script", "style", "noscript", "img", "svg", "iframe", "form", "button", "input"}


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
