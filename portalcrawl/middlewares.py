"""Downloader middlewares that keep a crawl honest under faults.

Retries back off, so a struggling portal is not hammered while it recovers; pages cut off
mid-way are retried too and never reach the spider; redirects stay on the portal and never
loop. What still fails reaches the spider's errback, so the run records it (crawl_backlog)
instead of losing it in Scrapy's offsite or duplicate filters.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse

from portalcrawl.site.profile import load_profile
from portalcrawl.site.urls import on_portal

logger = logging.getLogger(__name__)

HTML_END = b"</html>"
TAIL = 4096


class PageCutOff(IgnoreRequest):
    """An HTML page that stops before `</html>`: half an article must not become an edit."""


def cut_off(response: Response) -> bool:
    """A 200 HTML answer without its closing tag (a connection dropped with no length to tell).

    Bodies whose length disagrees with Content-Length never get here: Twisted reports the
    data loss and the retry middleware retries them as failures.
    """
    if response.status != 200 or not isinstance(response, TextResponse):
        return False
    content_type = response.headers.get(b"Content-Type", b"").lower()
    if b"html" not in content_type:
        return False
    return HTML_END not in response.body[-TAIL:].lower()


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry, with an exponential pause (RETRY_BACKOFF_BASE × 2ⁿ) before each retry."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 30.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        middleware = cls(crawler.settings)
        middleware.crawler = crawler
        return middleware

    async def process_request(self, request: Request) -> None:
        delay = request.meta.pop("backoff_delay", 0)
        if delay > 0:
            await asyncio.sleep(delay)

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        if cut_off(response):
            retry = None if request.meta.get("dont_retry") else self._retry(request, "cut off")
            if retry is None:
                raise PageCutOff(f"page cut off before </html> ({len(response.body)} bytes)")
            return retry
        return super().process_response(request, response)

    def _retry(self, request: Request, reason: Any) -> Request | None:
        retry = super()._retry(request, reason)
        if retry is not None and self.base > 0:
            attempt = retry.meta.get("retry_times", 1)
            retry.meta["backoff_delay"] = min(self.cap, self.base * 2 ** (attempt - 1))
        return retry


class PortalRedirectMiddleware(RedirectMiddleware):
    """Scrapy's redirects, except that one leaving the portal or going round in a loop fails."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PortalRedirectMiddleware:
        middleware = super().from_crawler(crawler)
        settings = crawler.settings
        middleware.base = settings.get("PORTALCRAWL_URL").rstrip("/")
        middleware.aliases = load_profile(settings.get("PORTALCRAWL_PROFILE")).aliases
        return middleware

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        url = on_portal(redirected.url, request.url, self.base, self.aliases)
        if url is None:
            host = urlsplit(redirected.url).netloc or redirected.url[:60]
            raise IgnoreRequest(f"redirected off the portal to {host}")
        redirected = redirected.replace(url=url)
        if redirected.url in {request.url, *request.meta.get("redirect_urls", [])}:
            raise IgnoreRequest(f"redirect loop at {request.url}")
        return super()._redirect(redirected, request, reason)
