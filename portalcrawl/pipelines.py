"""Item pipelines, in order: validate -> store. The loader normalised each article once, where
its derived values were worked out; the spider fetches each article once a run."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.spiders import Spider
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from portalcrawl.archive.warc import Capture, WarcArchive
from portalcrawl.items import ArticleItem, FetchFailed, ListingPage, ListingSeen, Removal
from portalcrawl.spiders.backfill import progress, progress_line, record_walks
from portalcrawl.store.compactsets import IdSet
from portalcrawl.store.database import Store, StoreError, store_error
from portalcrawl.store.report import RunReport, run_outcome

logger = logging.getLogger(__name__)

# The store commits articles in batches: a commit per article cost a crawl a tenth of its time.
# Each article is still all or nothing (a savepoint); a killed crawl loses at most the batch,
# and a batch whose commit fails (disk full) fails the run: nothing of it is marked done.
BATCH_ITEMS = 200


class ValidatePipeline:
    """An article without title or body is dropped, and the reason counted in the run stats;
    so is each limit the reader applied to it (portalcrawl/capped/NAME)."""

    def __init__(self, stats: Any) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        for limit in item.get("capped") or ():  # the reader's limits, counted where stats are
            self.stats.inc_value(f"portalcrawl/capped/{limit}")
        for name, reason in (
            ("asset_id", "no_asset_id"),
            ("title", "no_title"),
            ("body_text", "no_body"),
        ):
            if not item.get(name):
                self.stats.inc_value(f"portalcrawl/dropped/{reason}")
                raise DropItem(f"{reason}: {item.get('fetched_url') or item.get('url')}")
        return item


def archive_for(settings: Any, db_path: str) -> WarcArchive | None:
    """The run's WARC archive (PORTALCRAWL_ARCHIVE_*), or None when switched off."""
    if not settings.getbool("PORTALCRAWL_ARCHIVE", True):
        return None
    directory = settings.get("PORTALCRAWL_ARCHIVE_DIR") or os.path.join(
        os.path.dirname(os.path.abspath(db_path)), "archive"
    )
    max_mb = settings.getfloat("PORTALCRAWL_ARCHIVE_MAX_MB", 100)
    base = os.path.dirname(os.path.abspath(db_path))
    return WarcArchive(Path(directory), base=Path(base), max_bytes=int(max_mb * 1024 * 1024))


class StorePipeline:
    """Writes to SQLite; at close, applies listing sightings and records the run's outcome.

    Nothing is kept per article in memory but its id in a compact set: listing sightings wait
    in a TEMP table of the store's connection until the run's end.
    """

    def __init__(self, crawler: Crawler, path: str) -> None:
        self.crawler = crawler
        self.path = path
        self.batch_seconds = crawler.settings.getfloat("PORTALCRAWL_COMMIT_SECONDS")
        self.store: Store | None = None
        self.run_id: int | None = None
        self.saved = IdSet()
        self.backlog_open = False  # the store's backlog has rows: a saved article clears its own
        self.removed = 0
        self.gone: list[Removal] = []  # confirmed gone this run, if the run stays healthy
        self.confirm = timedelta(
            minutes=crawler.settings.getfloat("PORTALCRAWL_REMOVAL_CONFIRM_MINUTES")
        )
        self.events: dict[str, int] = defaultdict(int)
        self.failure: str | None = None
        self.batch_items = 0
        self.batch_started = 0.0
        self.batch_timer: task.LoopingCall | None = None
        self.archive = archive_for(crawler.settings, path)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        path = crawler.settings.get("PORTALCRAWL_DB")
        if not path:
            raise NotConfigured("PORTALCRAWL_DB is not set")
        return cls(crawler, path)

    def open_spider(self, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        self.store = Store(self.path)
        settings = self.crawler.settings
        run_id = settings.getint("PORTALCRAWL_RUN_ID")
        if run_id:
            self.store.claim_run(run_id, os.getpid())
        else:
            run_id = self.store.start_run(
                mode="full" if settings.getbool("PORTALCRAWL_FULL") else "incremental",
                sections=[s.path for s in getattr(spider, "sections", [])],
                portal_url=settings.get("PORTALCRAWL_URL"),
                pid=os.getpid(),
            )
        self.run_id = run_id
        spider.run_id = run_id
        self.store.open_sightings()
        self.backlog_open = self.store.has_backlog()
        with self.store.db.atomic():  # on record before any batch: a failed run leaves them so
            for section in getattr(spider, "sections", []):
                self.store.set_section_state(section.path, synced=False, run_id=run_id)
        self.batch_timer = task.LoopingCall(self._commit_due)
        self.batch_timer.start(self.batch_seconds / 2, now=False)

    def process_item(self, item: Any) -> Any:
        if self.failure is not None:
            raise DropItem(f"not stored: {self.failure}")
        try:
            self._write(item)
            if self.batch_items >= BATCH_ITEMS:
                self._commit()
        except sqlite3.Error as exc:
            self._store_failed(exc)
            raise DropItem(f"not stored: {self.failure}") from None
        return item

    def _begin(self) -> None:
        """Writes join the open batch, or open one. IMMEDIATE: the write lock is taken (or
        waited for) first, so another process's commit in between cannot fail the batch."""
        assert self.store is not None
        if not self.store.db.conn.in_transaction:
            self.store.db.conn.execute("BEGIN IMMEDIATE")
            self.batch_started = time.monotonic()
            self.batch_items = 0
        self.batch_items += 1

    def _commit(self) -> None:
        if self.store is not None and self.store.db.conn.in_transaction:
            self.store.db.conn.execute("COMMIT")
        self.batch_items = 0

    def _commit_due(self) -> None:
        """A batch is never older than PORTALCRAWL_COMMIT_SECONDS, even while the crawl waits."""
        if self.failure is None and time.monotonic() - self.batch_started >= self.batch_seconds:
            try:
                self._commit()
            except sqlite3.Error as exc:
                self._store_failed(exc)

    def _store_failed(self, exc: sqlite3.Error, *, closing: bool = False) -> None:
        """A write failed (disk full, file locked or read-only): the run fails and says why;
        the crawl stops (unless it is closing already). Whatever the open batch held is rolled
        back, so no section counts as synced and the next run fetches it again."""
        self.failure = str(store_error(self.path, exc, "write"))
        self.crawler.stats.set_value("portalcrawl/store_failure", self.failure)
        logger.error("%s: %s", self.failure, "run failed" if closing else "stopping the crawl")
        assert self.store is not None
        with contextlib.suppress(sqlite3.Error):
            if self.store.db.conn.in_transaction:
                self.store.db.conn.rollback()
        if not closing:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="store_error"))

    def _write(self, item: Any) -> None:
        assert self.store is not None
        self._begin()
        if isinstance(item, ListingPage | ListingSeen):
            entries = item["entries"] if isinstance(item, ListingPage) else [item]
            self.store.add_sightings(
                (e["key"], e["section"], e["entry_hash"], e["listed_date"], e["needs_fetch"])
                for e in entries
            )
            return
        if isinstance(item, ArticleItem):
            self._save(item)
        elif isinstance(item, Removal):
            first_seen = self.store.suspect_gone(item["asset_id"], item["reason"], self.run_id)
            confirmed = datetime.fromisoformat(first_seen) <= datetime.now(UTC) - self.confirm
            if item.get("why") == "confirm" or confirmed:
                self.gone.append(item)  # announced at the end if the portal was healthy
        elif isinstance(item, FetchFailed):
            self.backlog_open = True
            self.store.add_backlog(
                item["url"],
                item["kind"],
                section=item.get("section"),
                asset_id=item.get("asset_id"),
                run_id=self.run_id,
                error=item.get("error") or "failed",
            )

    def _save(self, item: ArticleItem) -> None:
        assert self.store is not None
        conflict = self.store.identity_conflict(item)
        if conflict is not None:  # another article's identity claimed (store/identity.py)
            url = item.get("fetched_url") or item["url"]
            self.store.hold_claim(url, conflict, self.run_id)
            self.crawler.stats.inc_value("portalcrawl/dropped/identity_claim")
            logger.warning(
                "held, not stored: %s claims %d: %s", url, conflict.claimed, conflict.reason
            )
            return
        keys = item.get("url_keys") or []
        sections = [*(item.get("sections") or []), *self.store.sighted_sections(keys)]
        item["sections"] = list(dict.fromkeys(sections))
        result = self.store.save_article(dict(item), self.run_id, keys)
        self.events[result.kind] += 1
        self.saved.add(item["asset_id"])
        if result.kind in ("new", "edited", "restored"):
            self._archive(item, result.version if result.kind != "restored" else None)
        if self.backlog_open:
            for url in {item.get("fetched_url"), item["url"]}:
                if url:
                    self.store.clear_backlog(url)

    def _archive(self, item: ArticleItem | Removal, version: int | None) -> None:
        """The response behind a stored change, as WARC, linked to its version and events.
        Written before the batch commits: a crash leaves at most a record nothing names."""
        response = item.get("response")
        if self.archive is None or response is None:
            return
        assert self.store is not None
        try:
            ref = self.archive.write(Capture.from_response(response))
        except OSError as exc:
            self.crawler.stats.inc_value("portalcrawl/archive/errors")
            logger.error("archive: could not write %s: %s", response.url, exc)
            return
        self.crawler.stats.inc_value("portalcrawl/archive/records")
        self.store.link_capture(int(item["asset_id"]), self.run_id, ref, version)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.archive is not None:
            self.archive.close()
        if self.store is None:
            return
        if self.batch_timer is not None and self.batch_timer.running:
            self.batch_timer.stop()
        if self.failure is None:
            try:
                self._commit()
            except sqlite3.Error as exc:
                self._store_failed(exc, closing=True)
        try:
            if self.failure is None:
                self._apply_sightings(getattr(spider, "answered", ()))
            self._finish(spider, reason)
        except (StoreError, sqlite3.Error) as exc:
            logger.error("could not record the run's end: %s", store_error(self.path, exc))
        finally:
            self.store.close()
            self.store = None

    def _removals(self, spider: Spider) -> None:
        """Removals confirmed this run, announced only when the portal was otherwise healthy:
        its sections listed articles and other articles answered. One still listed somewhere
        this run is not gone."""
        assert self.store is not None
        self.store.forget_answered_suspects()
        if not self.gone:
            return
        listed = list(getattr(spider, "listed_assets", {}).values())
        healthy = getattr(spider, "portal_healthy", lambda: True)()
        if not healthy:
            logger.warning(
                "%d articles answered not found while the portal was not healthy: "
                "none announced removed",
                len(self.gone),
            )
            return
        for item in self.gone:
            asset_id = item["asset_id"]
            if not any(asset_id in ids for ids in listed) and self.store.mark_removed(
                asset_id, self.run_id, item["reason"]
            ):
                self.removed += 1
                self._archive(item, None)
            self.store.forget_suspects([asset_id])

    def _apply_sightings(self, answered: Any) -> None:
        """Listing entries of stored articles, and backlog URLs that got an answer this run."""
        assert self.store is not None
        with self.store.db.atomic():
            for url in answered:
                self.store.clear_backlog(url)
            self.store.apply_sightings(self.run_id, self.saved)
            self._removals(self.crawler.spider)

    def _finish(self, spider: Spider, reason: str) -> None:
        assert self.store is not None
        stats = self.crawler.stats.get_stats()
        report = getattr(spider, "report", None)
        summary = report.summary() if report else RunReport()
        dropped, summary.capped = (
            {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith(f"portalcrawl/{c}/")}
            for c in ("dropped", "capped")
        )
        # Sent to the portal: requests refused at the budget were counted by Scrapy too.
        summary.requests = int(
            stats.get("portalcrawl/requests_sent", stats.get("downloader/request_count", 0))
        )
        summary.drops = sum(dropped.values())
        summary.dropped = dropped
        summary.removed = self.removed
        summary.events = dict(self.events)
        summary.finish_reason = reason
        summary.crawl_delay = stats.get("portalcrawl/crawl_delay", 0.0)
        summary.request_spacing = stats.get("portalcrawl/request_spacing")
        summary.retry_after = {
            k.rsplit("/", 1)[1]: v
            for k, v in stats.items()
            if k.startswith("portalcrawl/retry_after/")
        }
        status, error = run_outcome(
            reason, progressed=len(self.saved) > 0, failure=self.failure, summary=summary
        )
        if report and self.failure is None:
            walks = getattr(spider, "walks", {})
            synced = getattr(spider, "synced", set())
            record_walks(self.store, report, walks, synced, self.run_id, status)
            summary.backfill = progress(self.store, walks, self.events.get("new", 0))
            logger.info("%s", progress_line(summary.backfill))
        self.store.finish_run(self.run_id, status, summary.to_json(), error)
