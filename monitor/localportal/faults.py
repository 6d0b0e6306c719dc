"""Field conditions of the live portal, for the local copy: politeness it asks for, busy and
maintenance windows, transient 404s, backdated posts, a mostly migrated archive, and hostile
article pages (deep nesting, a claim to another article's identity, raw control characters).

    faults = FieldFaults(server)          # installs itself in front of every answer
    faults.crawl_delay(0.05)              # robots.txt: Crawl-delay: 0.05
    faults.busy(2.0, retry_after=1)       # for 2 s: 503 + Retry-After: 1 (status=429 too)
    faults.down(5.0)                      # for 5 s: 503 to everything, no Retry-After
    with maintenance(server.corpus): ...  # listings empty, article pages 404, then back
    transient_404(server, article)        # its next answer is a 404, then it is fine
    migrate_archive(corpus, share=0.8)    # older news articles in the migrated template
    backdated_post(corpus, days=10)       # appears now, dated ten days ago
    deep_nesting(server, article, 5000, "…")          # a paragraph 5,000 <div>s deep
    claims_identity(server, article, victim, "anchor")  # its page says it is `victim`
    hostile_text(server, article, title, body)        # raw controls, bidi, huge title

A window opens at the first request after it is set (one at a time, in order) and lasts its
seconds on the server's clock (time.monotonic).
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from monitor.localportal.corpus import Corpus
from monitor.localportal.model import Article
from monitor.localportal.routes import HTML, Response
from monitor.localportal.server import PortalServer
from monitor.localportal.site import NEWS


@dataclass
class _Window:
    seconds: float
    status: int
    retry_after: float | None
    until: float | None = None  # set by the first request it answers


class FieldFaults:
    """robots.txt's Crawl-delay and timed 503/429 windows, as a rewrite of every answer."""

    def __init__(self, server: PortalServer) -> None:
        self.server = server
        self.delay: float | None = None
        self._windows: list[_Window] = []
        self._lock = threading.Lock()
        # First match wins, in the order installed: robots.txt before everything else.
        server.rewrite("/robots.txt", self._robots)
        server.rewrite("/", self._window)

    def crawl_delay(self, seconds: float | None) -> None:
        """robots.txt says `Crawl-delay: seconds` (None: no such line)."""
        self.delay = seconds

    def busy(
        self,
        seconds: float,
        retry_after: float = 1,
        status: int = 503,
    ) -> None:
        """For `seconds` from the next request, answer `status` with `Retry-After`."""
        self._add(_Window(seconds, status, retry_after))

    def down(self, seconds: float) -> None:
        """For `seconds` from the next request, 503 to everything without Retry-After."""
        self._add(_Window(seconds, 503, None))

    def clear(self) -> None:
        """No windows any more (Crawl-delay stays)."""
        with self._lock:
            self._windows.clear()

    def _add(self, window: _Window) -> None:
        with self._lock:
            self._windows.append(window)

    def _window(self, response: Response) -> Response:
        """The answer inside an open window, else the server's own."""
        now = time.monotonic()
        with self._lock:
            for window in self._windows[:1]:
                window.until = window.until or now + window.seconds
            self._windows = [w for w in self._windows if w.until is None or w.until > now]
            window = self._windows[0] if self._windows else None
        if window is None:
            return response
        headers: tuple[tuple[str, str], ...] = ()
        if window.retry_after is not None:
            headers = (("Retry-After", f"{window.retry_after:g}"),)
        body = f"<html><body><h1>{window.status}</h1></body></html>".encode()
        return Response(window.status, HTML, body, headers)

    def _robots(self, response: Response) -> Response:
        answer = self._window(response)
        if answer is not response or self.delay is None:
            return answer
        text = response.body.decode("utf-8")
        line = f"Crawl-delay: {self.delay:g}\n"
        text = text.replace("User-Agent: *\n", "User-Agent: *\n" + line, 1)
        return Response(response.status, response.content_type, text.encode("utf-8"))


@contextlib.contextmanager
def maintenance(corpus: Corpus) -> Iterator[list[int]]:
    """Every listing empty and every article page a 404 while inside; then all back as before."""
    with corpus.lock:
        live = [a.asset_id for a in corpus.articles if a.state == "live"]
        for asset_id in live:
            corpus.remove(asset_id)
    try:
        yield live
    finally:
        with corpus.lock:
            for asset_id in live:
                corpus.restore(asset_id)


def transient_404(server: PortalServer, article: Article, times: int = 1) -> None:
    """The article's next `times` answers (any of its section URLs) are 404s."""
    for section in article.sections:
        server.fail_next(times, 404, article.path(section).split("?")[0])


def migrate_archive(corpus: Corpus, share: float = 0.8) -> list[int]:
    """The oldest `share` of the news articles in the migrated template (the live archive's
    years before the migration): a bare journal-content-article of paragraphs."""
    with corpus.lock:
        news = sorted(
            (a for a in corpus.articles if a.primary in NEWS and not a.attachments),
            key=lambda a: (a.published, a.asset_id),
        )
        older = news[: int(len(news) * share)]
        for article in older:
            if article.template != "migrated":
                corpus.edit(article.asset_id, template="migrated")
        return [a.asset_id for a in older]


def backdated_post(corpus: Corpus, section: str = "thong-cao-bao-chi", days: float = 10) -> Any:
    """A post that appears now but carries a date `days` in the past."""
    return corpus.new_article(section, published=corpus.today - timedelta(days=days))


# -- hostile pages: what an article page can claim or carry ------------------------------------

CONTROLS = "\x00\x07\x08\x1b[31m\x7f\x85\x9b"  # C0 (NUL, BEL, BS, ESC), DEL, C1 (NEL, CSI)
BIDI = "\u202e\u2066\u200f"  # right-to-left override, isolate, mark


def _rewrite_page(server: PortalServer, article: Article, change: Callable[[str], str]) -> None:
    """Every URL of the article (each section, slug and id form) answers `change(page)`."""

    def apply(response: Response) -> Response:
        text = change(response.body.decode("utf-8"))
        return dataclasses.replace(response, body=text.encode("utf-8"))

    for section in article.sections:
        for form in ("slug", "id"):
            server.rewrite(article.path(section, form), apply)


def deep_nesting(server: PortalServer, article: Article, depth: int, text: str) -> None:
    """A paragraph `text` inside `depth` nested `<div>`s after the body's first paragraph."""
    deep = "<div>" * depth + f"<p>{html.escape(text)}</p>" + "</div>" * depth
    _rewrite_page(server, article, lambda page: page.replace("</p>", "</p>" + deep, 1))


def claims_identity(server: PortalServer, article: Article, victim: Article, by: str) -> None:
    """The article's page claims to be `victim`: by its asset anchor and analytics id
    ("anchor"), by its analytics (article) id alone ("article_id"), or by its `rel=canonical`
    URL ("canonical", the victim's /content/id/ URL)."""

    def change(page: str) -> str:
        if by in ("anchor", "article_id"):
            if by == "anchor":
                page = page.replace(f'id="{article.asset_id}"', f'id="{victim.asset_id}"')
            return page.replace(
                f'data-analytics-asset-id="{article.asset_id}"',
                f'data-analytics-asset-id="{victim.asset_id}"',
            )
        canonical = re.search(r'<link href="([^"]*)" rel="canonical"', page)
        assert canonical, "no canonical link to replace"
        theirs = canonical.group(1).split("/-/")[0] + victim.path(victim.primary, "id")
        return page.replace(canonical.group(0), f'<link href="{theirs}" rel="canonical"')

    _rewrite_page(server, article, change)


def hostile_text(server: PortalServer, article: Article, title: str, body: str) -> None:
    """The title where the page prints it as a title (its heading, `<title>`, the analytics
    attribute) replaced by `title`, and `body` put in the first paragraph: raw, as the page
    sends them (control characters, bidi overrides, a megabyte)."""
    text, attribute = html.escape(article.title, quote=False), html.escape(article.title)

    def change(page: str) -> str:
        for before, after in (
            (f">{text}<", f">{title}<"),
            (f"<title>{text} -", f"<title>{title} -"),
            (f'="{attribute}"', f'="{title}"'),
        ):
            page = page.replace(before, after)
        return page.replace("</p>", body + "</p>", 1)

    _rewrite_page(server, article, change)
