"""Live progress for the monitor to show on a terminal; silent unless switched on.

One JSON object a line on stdout ({"line": "..."}); the monitor draws it, cron sees nothing.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from portalcrawl.store.report import ARTICLE_PAGES, ERRORS, section_reports


class Progress:
    """Pages, articles, errors and request rate, every second."""

    def __init__(self, crawler: Crawler, interval: float = 1.0) -> None:
        self.crawler = crawler
        self.interval = interval
        self.loop: task.LoopingCall | None = None
        self.started = time.monotonic()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        if not crawler.settings.getbool("PORTALCRAWL_PROGRESS"):
            raise NotConfigured
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.show)
        self.loop.start(self.interval, now=False)

    def line(self) -> str:
        stats = self.crawler.stats.get_stats()
        requests = stats.get("downloader/request_count", 0)
        elapsed = max(time.monotonic() - self.started, 1e-6)
        pages = sum(s.pages for s in section_reports(stats).values())
        return (
            f"listing pages {pages} · articles {stats.get(ARTICLE_PAGES, 0)} · "
            f"errors {stats.get(ERRORS, 0)} · "
            f"{requests / elapsed:.1f} req/s"
        )

    def show(self) -> None:
        sys.stdout.write(json.dumps({"line": self.line()}, ensure_ascii=False) + "\n")
        sys.stdout.flush()

    def spider_closed(self, spider: Any) -> None:
        if self.loop and self.loop.running:
            self.loop.stop()
