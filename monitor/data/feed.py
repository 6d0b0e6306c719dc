"""An Atom 1.0 feed of recent notices, for journalists' feed readers.

Every element's text (titles, content with its diff) shows bidi controls as `<U+202E>`
(portalcrawl.text.shown); attributes hold links and section paths, kept exact.
"""

from __future__ import annotations

import json
import logging
import os
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

from monitor.config import DEFAULT_PORTAL_URL, KINDS
from portalcrawl.output import open_output
from portalcrawl.store.database import Store
from portalcrawl.text.shown import show_bidi

logger = logging.getLogger(__name__)

ATOM_NS = "http://www.w3.org/2005/Atom"
TAG_PREFIX = "tag:portalcrawl,2026:"
FEED_TITLE = "Đồng Tháp portal: new, edited and removed articles"
LABELS = {
    "new": "New",
    "edited": "Edited",
    "removed": "Removed",
    "restored": "Restored",
    "crawler_alert": "Crawler alert",
}
# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def feed_element(
    store: Store,
    *,
    kind: str | None = None,
    limit: int = 50,
    self_url: str | None = None,
) -> ET.Element:
    """The Atom <feed> element for the newest `limit` notices (of one kind if given)."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown notice kind {kind!r}: use one of {', '.join(KINDS)}")
    notices = store.list_notices(kind=kind, newest_first=True, limit=limit)
    portal = store.last_portal_url() or DEFAULT_PORTAL_URL
    feed = ET.Element("feed", {"xmlns": ATOM_NS})
    _text(feed, "id", TAG_PREFIX + "feed" + (f"/{kind}" if kind else ""))
    _text(feed, "title", FEED_TITLE + (f" ({LABELS[kind]})" if kind else ""))
    _text(feed, "subtitle", f"Changes portalcrawl found on {portal}")
    _text(feed, "updated", _rfc3339(notices[0]["created_at"] if notices else None))
    _element(feed, "link", rel="alternate", type="text/html", href=portal)
    if self_url:
        _element(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    author = ET.SubElement(feed, "author")
    _text(author, "name", "portalcrawl")
    _text(feed, "generator", "portalcrawl")
    for notice in notices:
        _entry(feed, notice, portal)
    return feed


def serialize(feed: ET.Element) -> bytes:
    """UTF-8 XML with a declaration, indented for people who open the file."""
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def build_feed(
    store: Store,
    *,
    kind: str | None = None,
    limit: int = 50,
    self_url: str | None = None,
) -> bytes:
    """The Atom document as bytes (see feed_element)."""
    return serialize(feed_element(store, kind=kind, limit=limit, self_url=self_url))


def write_feed(
    store: Store,
    out: str | os.PathLike[str],
    *,
    kind: str | None = None,
    limit: int = 50,
    self_url: str | None = None,
) -> int:
    """Write the feed to `out` ('-' = stdout) atomically; returns the number of entries."""
    feed = feed_element(store, kind=kind, limit=limit, self_url=self_url)
    document = serialize(feed).decode("utf-8")
    with open_output(out) as stream:
        stream.write(document)
    count = len(feed.findall("entry"))
    logger.info("feed with %d entries written to %s", count, out)
    return count


def _entry(feed: ET.Element, notice: dict[str, Any], portal: str) -> None:
    entry = ET.SubElement(feed, "entry")
    kind = notice["kind"]
    _text(entry, "id", f"{TAG_PREFIX}notice/{notice['id']}")
    _text(entry, "title", f"{LABELS.get(kind, kind)}: {notice['title']}")
    _text(entry, "updated", _rfc3339(notice["created_at"]))
    _element(entry, "link", rel="alternate", type="text/html", href=notice["url"] or portal)
    if notice.get("permalink"):
        _element(entry, "link", rel="related", type="text/html", href=notice["permalink"])
    _element(entry, "category", term=kind)
    if notice.get("section"):
        _element(entry, "category", term=notice["section"])
    _text(entry, "content", _content(notice), type="text")


def _content(notice: dict[str, Any]) -> str:
    """Plain text: section, publication time, changed fields and the notice's word diff."""
    lines = []
    fields = _details(notice.get("fields"))
    if notice["kind"] == "crawler_alert":
        lines.append(notice["title"])
        lines += fields
    else:
        if notice.get("section"):
            lines.append(f"Section: {notice['section']}")
        if notice.get("published_at"):
            lines.append(f"Published: {_portal_time(notice['published_at'])}")
        if fields:
            lines.append("Changed: " + ", ".join(fields))
    if notice.get("url"):
        lines.append(notice["url"])
    if notice.get("diff"):
        lines += ["", notice["diff"]]
    return "\n".join(lines)


def _details(value: Any) -> list[str]:
    """The notice's fields column as lines: field names, or an alert's 'key: value' details."""
    try:
        loaded = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return [str(value)]
    if isinstance(loaded, dict):
        return [f"{key}: {item}" for key, item in loaded.items()]
    if isinstance(loaded, list):
        return [str(item) for item in loaded]
    return [] if loaded is None else [str(loaded)]


def _portal_time(value: str) -> str:
    try:
        return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M (UTC%z)")
    except ValueError:
        return value


def _rfc3339(value: str | None) -> str:
    """Our UTC ISO timestamps as RFC 3339 (naive read as UTC); now when missing or unreadable."""
    try:
        parsed = datetime.fromisoformat(value) if value else datetime.now(UTC)
    except ValueError:
        logger.warning("unreadable notice time %r: using now", value)
        parsed = datetime.now(UTC)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.isoformat(timespec="seconds")


def _element(parent: ET.Element, tag: str, **attrs: str) -> ET.Element:
    return ET.SubElement(parent, tag, {k: _NOT_XML.sub("", v) for k, v in attrs.items()})


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = _element(parent, tag, **attrs)
    element.text = _NOT_XML.sub("", show_bidi(text))
    return element
