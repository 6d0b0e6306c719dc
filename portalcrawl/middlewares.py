"""Retries that back off, so a struggling portal is not hammered while it recovers."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware

logger = logging.getLogger(__name__)


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

    def _retry(self, request: Request, reason: Any) -> Request | None:
        retry = super()._retry(request, reason)
        if retry is not None and self.base > 0:
            attempt = retry.meta.get("retry_times", 1)
            retry.meta["backoff_delay"] = min(self.cap, self.base * 2 ** (attempt - 1))
        return retry
