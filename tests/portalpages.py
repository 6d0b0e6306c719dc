"""Reading the local copy's pages over real HTTP as the crawler does: a GET that returns 4xx/5xx
too, and the article's content and body paragraphs by the default template's selectors. Shared
by the local-copy tests (test_localportal_pages, test_localportal_changes)."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import datetime

from parsel import Selector

from monitor.localportal.site import VN_TZ
from monitor.localportal.textforms import clean

TODAY = datetime(2026, 11, 26, 9, 0, tzinfo=VN_TZ)
UA = "portalcrawl-tests (+mailto:tests@example.org)"


def fetch(url: str) -> tuple[int, str, str]:
    """(status, content type, body) for a GET, 4xx/5xx included."""
    request = urllib.request.Request(url, headers={"User-Agent": UA})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode()


def body_blocks(sel: Selector) -> list[str]:
    """Body paragraphs of div.content-detail by the documented rule (scripts etc. skipped)."""
    body: list[str] = []
    for node in sel.css("div.content-detail > *"):
        tag = node.root.tag
        if tag in ("script", "iframe", "img") or "author-detail" in node.attrib.get("class", ""):
            continue
        if tag == "table":
            body += [
                clean(" | ".join(clean(" ".join(c.css("::text").getall())) for c in row.css("td")))
                for row in node.css("tr")
            ]
        else:
            text = clean(" ".join(node.css("::text").getall()))
            body += [text] if text else []
    return body


def content_of(html: str) -> dict[str, object]:
    """Article content as a crawler using the default template's selectors reads it."""
    sel = Selector(text=html)
    root = sel.css("div.journal-content-article")
    return {
        "id": root.attrib.get("data-analytics-asset-id"),
        "title": sel.css("h1.title-detail ::text").get(),
        "lead": sel.css("div.sapo-detail ::text").getall(),
        "body": sel.css("div.content-detail").get(),
    }
