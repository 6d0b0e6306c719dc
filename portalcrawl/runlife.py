"""A run's life in one place: the run row is opened when the spider opens and closed, with its
status decided once, when it closes.

The monitor creates the row before it starts the crawl (PORTALCRAWL_RUN_ID), so the row is owned
from the moment it exists; the crawl claims it. A bare `scrapy crawl portal` starts its own.
At the end the status comes from run_outcome over the counters in crawler.stats
(RunReport.from_stats). The monitor records an end only when this process could not (killed, or
crashed before writing it).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, NotConfigured
from twisted.python.failure import Failure

from portalcrawl.site.profile import profile_sections
from portalcrawl.spiders.backfill import progress, progress_line
from portalcrawl.store.database import Store, StoreError, store_error
from portalcrawl.store.report import EVENTS, STORE_FAILURE, RunReport, run_outcome

logger = logging.getLogger(__name__)

# Sent at the run's end, before the row is closed, when the store took every write:
# receivers record what the run leaves behind (the spider: each section's walk), with
# store (Store), run_id (int) and status (str), in the transaction that closes the row.
run_ending = object()


class RunLife:
    """Opens the run row on spider_opened and closes it on spider_closed."""

    def __init__(self, crawler: Crawler, path: str) -> None:
        self.crawler = crawler
        self.path = path
        self.store: Store | None = None
        self.run_id: int | None = None
        settings = crawler.settings
        _, sections = profile_sections(
            settings.get("PORTALCRAWL_PROFILE"), settings.getlist("PORTALCRAWL_SECTIONS")
        )
        self.sections = [s.path for s in sections]
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunLife:
        path = crawler.settings.get("PORTALCRAWL_DB")
        if not path:
            raise NotConfigured("PORTALCRAWL_DB is not set")
        return cls(crawler, path)

    def spider_opened(self, spider: Any) -> None:
        """Claim the monitor's row (or start one); the run's sections are out of step until
        its end says otherwise, on record before any batch: a failed run leaves them so."""
        settings = self.crawler.settings
        try:
            self.store = Store(self.path)
            run_id = settings.getint("PORTALCRAWL_RUN_ID")
            if run_id:
                self.store.claim_run(run_id, os.getpid())
            else:
                run_id = self.store.start_run(
                    mode="full" if settings.getbool("PORTALCRAWL_FULL") else "incremental",
                    sections=self.sections,
                    portal_url=settings.get("PORTALCRAWL_URL"),
                    pid=os.getpid(),
                )
            self.run_id = run_id
            with self.store.atomic():
                for section in self.sections:
                    self.store.set_section_state(section, synced=False, run_id=run_id)
        except (StoreError, sqlite3.Error) as exc:
            failure = str(exc if isinstance(exc, StoreError) else store_error(self.path, exc))
            self.crawler.stats.set_value(STORE_FAILURE, failure)
            logger.error("%s: the run cannot start", failure)
            raise CloseSpider("store_error") from None

    def spider_closed(self, spider: Any, reason: str) -> None:
        """The pipelines have committed (or failed to): the status, once, and the counters."""
        store, run_id = self.store, self.run_id
        if store is None:
            return
        try:
            if run_id is not None:
                self._finish(store, run_id, reason)
        except (StoreError, sqlite3.Error) as exc:
            logger.error("could not record the run's end: %s", store_error(self.path, exc))
        finally:
            store.close()
            self.store = None

    def _finish(self, store: Store, run_id: int, reason: str) -> None:
        stats = self.crawler.stats.get_stats()
        report = RunReport.from_stats(stats, reason)
        failure = stats.get(STORE_FAILURE)
        status, error = run_outcome(report, failure)
        with store.atomic():
            if failure is None:
                for _, result in self.crawler.signals.send_catch_log(
                    run_ending, store=store, run_id=run_id, status=status
                ):
                    if isinstance(result, Failure):
                        result.raiseException()
                report.backfill = progress(store, self.sections, stats.get(f"{EVENTS}new", 0))
                logger.info("%s", progress_line(report.backfill))
            store.finish_run(run_id, status, report.to_json(), error)
