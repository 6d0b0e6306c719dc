"""A page the spider could not read is a failed page, never a lost one.

Reading a page is our code on the portal's markup, and a hostile page can still make it raise
(markup no rule foresaw, a helper process that died mid-page). Scrapy would log the exception
and go on: the article neither stored nor on the backlog, the run `ok`, every run. This spider
middleware hands any exception of a callback to the spider's errback, as a failed download: it
is counted in the run's errors, its section is not synced, it goes on the backlog with its
reason (so the next run tries it first), and the run's `unreadable_pages` raises a crawler
alert.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DontCloseSpider, IgnoreRequest
from scrapy.http import Response
from twisted.python.failure import Failure

from portalcrawl.parsing.reader import ReadError
from portalcrawl.store.report import UNREADABLE_PAGES

logger = logging.getLogger(__name__)


class UnreadablePage(Exception):
    """Reading the page raised: what, in one line for the backlog and the log."""


class UnreadablePages:
    """Spider middleware: an exception in a callback becomes the spider's `failed(failure)`."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> UnreadablePages:
        return cls(crawler)

    def process_spider_exception(
        self, response: Response, exception: Exception
    ) -> Iterable[Any] | None:
        spider = self.crawler.spider
        errback = getattr(spider, "failed", None)
        if isinstance(exception, CloseSpider | DontCloseSpider | IgnoreRequest) or not errback:
            return None  # Scrapy's own signals, not a page that failed
        what = str(exception) if isinstance(exception, ReadError) else None  # the helper's
        what = (what or f"{type(exception).__name__}: {exception}")[:240]
        logger.error("could not read %s: %s", response.url, what, exc_info=exception)
        self.crawler.stats.inc_value(UNREADABLE_PAGES)
        failure = Failure(UnreadablePage(f"page could not be read: {what}"))
        failure.request = response.request
        return list(errback(failure))
