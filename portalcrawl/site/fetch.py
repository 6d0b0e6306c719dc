"""A small polite fetcher for `profile discover` and `profile check` (not the crawl: Scrapy's).

A few dozen pages, one at a time: robots.txt obeyed (its Crawl-delay too), the crawl's honest
User-Agent, a delay between requests, a hard request budget, and never a host but the portal's.
"""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request
import urllib.robotparser
from dataclasses import dataclass
from urllib.parse import urlsplit

from portalcrawl import settings

logger = logging.getLogger(__name__)
MAX_BYTES = 8 * 1024 * 1024


class BudgetSpent(Exception):
    """The request budget is used up."""


@dataclass
class Page:
    url: str  # after redirects
    status: int
    text: str


class _NoOffsiteRedirect(urllib.request.HTTPRedirectHandler):
    def __init__(self, host: str) -> None:
        self.host = host

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
        if (urlsplit(newurl).netloc or self.host) != self.host:
            return None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class PoliteFetcher:
    """GETs pages of one portal; `requests` counts what was asked of it (robots.txt too)."""

    def __init__(
        self,
        base: str,
        *,
        delay: float = 1.0,
        budget: int = 40,
        timeout: float = 30.0,
        user_agent: str = settings.USER_AGENT,
    ) -> None:
        self.base = base.rstrip("/")
        self.host = urlsplit(self.base).netloc
        self.delay = delay
        self.budget = budget
        self.timeout = timeout
        self.user_agent = user_agent
        self.requests = 0
        self._last = 0.0
        self._opener = urllib.request.build_opener(_NoOffsiteRedirect(self.host))
        self.robots = urllib.robotparser.RobotFileParser()
        self._robots_read = False

    def _wait(self) -> None:
        if self.requests >= self.budget:
            raise BudgetSpent(f"request budget of {self.budget} spent")
        pause = self._last + self.delay - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        self.requests += 1

    def _get(self, url: str) -> Page:
        self._wait()
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent})
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                body = response.read(MAX_BYTES)
                status, final = response.status, response.geturl()
                charset = response.headers.get_content_charset() or "utf-8"
        except urllib.error.HTTPError as exc:
            body, status, final, charset = exc.read(MAX_BYTES), exc.code, url, "utf-8"
        finally:
            self._last = time.monotonic()
        return Page(final, status, body.decode(charset, "replace"))

    def _read_robots(self) -> None:
        self._robots_read = True
        try:
            page = self._get(f"{self.base}/robots.txt")
        except (OSError, urllib.error.URLError) as exc:
            logger.info("robots.txt unreadable (%s): every page allowed", exc)
            self.robots.parse([])
            return
        lines = page.text.splitlines() if page.status == 200 else []
        self.robots.parse(lines)
        crawl_delay = self.robots.crawl_delay(self.user_agent)
        if crawl_delay:
            self.delay = max(self.delay, float(crawl_delay))

    def allowed(self, url: str) -> bool:
        if urlsplit(url).netloc != self.host:
            return False
        if not self._robots_read:
            self._read_robots()
        return self.robots.can_fetch(self.user_agent, url)

    def get(self, url: str) -> Page | None:
        """The page, or None when robots.txt forbids it or it cannot be fetched."""
        if not self.allowed(url):
            return None
        try:
            return self._get(url)
        except (OSError, urllib.error.URLError, ValueError) as exc:
            logger.info("could not fetch %s: %s", url, exc)
            return None

    @property
    def left(self) -> int:
        return self.budget - self.requests
