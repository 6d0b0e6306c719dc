"""Item pipelines, in order: validate -> store. The loader normalised each article once, where
its derived values were worked out; the spider fetches each article once a run. The run row is
not theirs: portalcrawl.runlife opens and closes it."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.spiders import Spider
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from portalcrawl.archive.warc import Capture, WarcArchive
from portalcrawl.items import (
    Answered,
    ArticleItem,
    FetchFailed,
    ListingPage,
    ListingSeen,
    Removal,
)
from portalcrawl.runlife import RunLife
from portalcrawl.store.compactsets import IdSet
from portalcrawl.store.database import Store, StoreError, store_error
from portalcrawl.store.report import DROPPED, EVENTS, REMOVED, STORE_FAILURE, portal_healthy

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
                self.stats.inc_value(f"{DROPPED}{reason}")
                raise DropItem(f"{reason}: {item.get('fetched_url') or item.get('url')}")
        return item


def archiving(settings: Any) -> bool:
    """Whether the run keeps a WARC archive (PORTALCRAWL_ARCHIVE): the spider has the reader
    build each page's records, the store's pipeline appends them."""
    return settings.getbool("PORTALCRAWL_ARCHIVE", True)


def archive_for(settings: Any, db_path: str) -> WarcArchive | None:
    """The run's WARC archive (PORTALCRAWL_ARCHIVE_*), or None when switched off."""
    if not archiving(settings):
        return None
    directory = settings.get("PORTALCRAWL_ARCHIVE_DIR") or os.path.join(
        os.path.dirname(os.path.abspath(db_path)), "archive"
    )
    max_mb = settings.getfloat("PORTALCRAWL_ARCHIVE_MAX_MB", 100)
    base = os.path.dirname(os.path.abspath(db_path))
    return WarcArchive(Path(directory), base=Path(base), max_bytes=int(max_mb * 1024 * 1024))


class StorePipeline:
    """Writes the items to SQLite; at close, commits, then applies the run's listing sightings,
    answered backlog URLs and confirmed removals.

    Nothing is kept per article in memory but its id in a compact set: listing sightings wait
    in a TEMP table of the store's connection until the run's end.
    """

    def __init__(self, crawler: Crawler, path: str, run: RunLife) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.path = path
        self.run = run  # the run row's owner: its id is known once the spider opened
        self.batch_seconds = crawler.settings.getfloat("PORTALCRAWL_COMMIT_SECONDS")
        self.store: Store | None = None
        self.saved = IdSet()
        self.listed = IdSet()  # known articles some listing showed this run
        self.answered: set[str] = set()  # backlog URLs that got an answer: off the backlog
        self.backlog_open = False  # the store's backlog has rows: a saved article clears its own
        self.gone: list[Removal] = []  # confirmed gone this run, if the run stays healthy
        self.confirm = timedelta(
            minutes=crawler.settings.getfloat("PORTALCRAWL_REMOVAL_CONFIRM_MINUTES")
        )
        self.failure: str | None = None
        self.batch_items = 0
        self.batch_started = 0.0
        self.batch_timer: task.LoopingCall | None = None
        self.archive = archive_for(crawler.settings, path)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        path = crawler.settings.get("PORTALCRAWL_DB")
        if not path:
            raise NotConfigured("PORTALCRAWL_DB is not set")
        run = crawler.get_extension(RunLife)
        if run is None:
            raise NotConfigured("the run's life (portalcrawl.runlife.RunLife) is not enabled")
        return cls(crawler, path, run)

    @property
    def run_id(self) -> int | None:
        return self.run.run_id

    def open_spider(self, spider: Spider | None = None) -> None:
        self.store = Store(self.path)
        self.store.open_sightings()
        self.backlog_open = self.store.has_backlog()
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
        """Writes join the open batch, or open one (Store.begin_batch)."""
        assert self.store is not None
        if self.store.begin_batch():
            self.batch_started = time.monotonic()
            self.batch_items = 0
        self.batch_items += 1

    def _commit(self) -> None:
        if self.store is not None:
            self.store.commit_batch()
        self.batch_items = 0

    def _commit_due(self) -> None:
        """A batch is never older than PORTALCRAWL_COMMIT_SECONDS, even while the crawl waits."""
        if self.failure is None and time.monotonic() - self.batch_started >= self.batch_seconds:
            try:
                self._commit()
            except sqlite3.Error as exc:
                self._store_failed(exc)

    def _store_failed(self, exc: Exception, *, closing: bool = False) -> None:
        """A write failed (disk full, file locked or read-only): the run fails and says why;
        the crawl stops (unless it is closing already). Whatever the open batch held is rolled
        back, so no section counts as synced and the next run fetches it again."""
        self.failure = str(store_error(self.path, exc, "write"))
        self.stats.set_value(STORE_FAILURE, self.failure)
        logger.error("%s: %s", self.failure, "run failed" if closing else "stopping the crawl")
        assert self.store is not None
        with contextlib.suppress(sqlite3.Error):
            self.store.rollback_batch()
        if not closing:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="store_error"))

    def _write(self, item: Any) -> None:
        assert self.store is not None
        self._begin()
        if isinstance(item, ListingPage | ListingSeen):
            entries = item["entries"] if isinstance(item, ListingPage) else [item]
            for entry in entries:
                if entry["asset_id"] is not None:
                    self.listed.add(entry["asset_id"])
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
        elif isinstance(item, Answered):
            self.answered.add(item["url"])
        elif isinstance(item, FetchFailed):
            self.backlog_open = True
            self.store.add_backlog(
                item["url"],
                item["kind"],
                section=item.get("section"),
                asset_id=item.get("asset_id"),
                run_id=self.run_id,
                error=item.get("error") or "failed",
                listing_date=item.get("listing_date"),
                why=item.get("why"),
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
        self.stats.inc_value(f"{EVENTS}{result.kind}")
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
        response, pair = item.get("response"), item.get("archived")
        if self.archive is None or (response is None and pair is None):
            return
        assert self.store is not None
        try:
            if pair is not None:  # built with the page's reading (parsing/reader.py)
                ref = self.archive.append(pair)
            else:
                ref = self.archive.write(Capture.from_response(response))
        except (OSError, ValueError) as exc:  # a full disk; headers warcio cannot write
            self.stats.inc_value("portalcrawl/archive/errors")
            url = response.url if response is not None else item.get("url")
            logger.error("archive: could not write %s: %s", url, exc)
            return
        self.stats.inc_value("portalcrawl/archive/records")
        self.store.link_capture(int(item["asset_id"]), self.run_id, ref, version)

    def close_spider(self, spider: Spider | None = None) -> None:
        """Before spider_closed, so the run's end (portalcrawl.runlife) sees every write done,
        or the failure that fails the run."""
        if self.archive is not None:
            try:
                self.archive.close()
            except OSError as exc:  # a full disk: the store is still committed and closed
                self.stats.inc_value("portalcrawl/archive/errors")
                logger.error("archive: could not close %s: %s", self.archive.name, exc)
        if self.store is None:
            return
        if self.batch_timer is not None and self.batch_timer.running:
            self.batch_timer.stop()
        try:
            if self.failure is None:
                self._commit()
                self._apply_sightings()
        except (StoreError, sqlite3.Error) as exc:
            self._store_failed(exc, closing=True)
        finally:
            self.store.close()
            self.store = None

    def _removals(self) -> None:
        """Removals confirmed this run, announced only when the portal was otherwise healthy:
        its sections listed articles and other articles answered. One still listed somewhere
        this run is not gone."""
        assert self.store is not None
        self.store.forget_answered_suspects()
        if not self.gone:
            return
        if not portal_healthy(self.stats.get_stats()):
            logger.warning(
                "%d articles answered not found while the portal was not healthy: "
                "none announced removed",
                len(self.gone),
            )
            return
        for item in self.gone:
            asset_id = item["asset_id"]
            if asset_id not in self.listed and self.store.mark_removed(
                asset_id, self.run_id, item["reason"]
            ):
                self.stats.inc_value(REMOVED)
                self._archive(item, None)
            self.store.forget_suspects([asset_id])

    def _apply_sightings(self) -> None:
        """Listing entries of stored articles, and backlog URLs that got an answer this run."""
        assert self.store is not None
        with self.store.db.atomic():
            for url in self.answered:
                self.store.clear_backlog(url)
            self.store.apply_sightings(self.run_id, self.saved)
            self._removals()
