"""Spider `portal`: walks section listings, fetches each article once per run, finds removals."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro
from twisted.python.failure import Failure

from portalcrawl.archive.warc import Capture
from portalcrawl.items import (
    Answered,
    ArticleItem,
    FetchFailed,
    Removal,
)
from portalcrawl.parsing.reader import PageReader, Reading
from portalcrawl.pipelines import archiving
from portalcrawl.politeness import RunEnding
from portalcrawl.reading import CrawlPageReader
from portalcrawl.runlife import run_ending
from portalcrawl.site.profile import Section, profile_sections
from portalcrawl.site.urls import (
    article_key,
    listing_url,
    on_portal,
)
from portalcrawl.spiders.audit import audit_list
from portalcrawl.spiders.backfill import (
    AUDIT_PRIORITY,
    BACKLOG_PRIORITY,
    CONFIRM_PRIORITY,
    SectionWalk,
    listing_priority,
    record_walks,
)
from portalcrawl.spiders.fetched import FETCHED_ELSEWHERE, FetchedArticles, TitleTwins
from portalcrawl.spiders.listings import ListingWalk
from portalcrawl.spiders.walk import Wanted, failure_message
from portalcrawl.store.compactsets import IdSet, KeySet
from portalcrawl.store.database import Store, StoreError
from portalcrawl.store.fieldstate import BackfillPoint
from portalcrawl.store.identity import claims_another
from portalcrawl.store.report import (
    ARTICLE_PAGES,
    DEGRADED_PAGES,
    END_REASON,
    ERRORS,
    FALLBACK_PAGES,
    LAST_ERROR,
    UNPARSEABLE_PAGES,
    section_reports,
    section_stat,
)
from portalcrawl.store.snapshot import CrawlSnapshot

logger = logging.getLogger(__name__)

NOT_FOUND = [404, 410]
BACKLOG_GIVE_UP = 5  # runs that failed a backlog URL before it is no longer tried first


class PortalSpider(ListingWalk, scrapy.Spider):
    name = "portal"

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PortalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.setup(crawler)
        return spider

    def setup(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.base = settings.get("PORTALCRAWL_URL").rstrip("/")
        self.sections: list[Section]
        self.profile, self.sections = profile_sections(
            settings.get("PORTALCRAWL_PROFILE"), settings.getlist("PORTALCRAWL_SECTIONS")
        )
        self.full = settings.getbool("PORTALCRAWL_FULL")
        self.revisit = timedelta(hours=settings.getfloat("PORTALCRAWL_REVISIT_HOURS"))
        self.page_size = settings.getint("PORTALCRAWL_PAGE_SIZE") or self.profile.page_size
        self.allowed_domains = [urlsplit(self.base).hostname or ""]
        # In this process until the crawl starts, then the crawler's (portalcrawl/reading.py).
        self.reader = PageReader(self.profile, self.base)
        # The archive's records of each article page are built with its reading (the reader).
        self.archiving = archiving(settings)
        self._load_state(settings.get("PORTALCRAWL_DB"))
        # What the run did per article, at 8 bytes an entry (see portalcrawl.store.compactsets).
        self.requested_keys = KeySet()
        self.requested_assets = IdSet()
        # Not-found answers of known articles asked for before their listing was walked (a
        # revisit, the audit): confirmed once a walk finds them gone from where they were.
        self.found_gone: dict[int, Removal] = {}
        self.unlisted = IdSet()  # known articles a walk found missing from their listing
        self.fetched = FetchedArticles()  # each article once, whatever URL (spiders/fetched.py)
        self.twins = TitleTwins()
        self.listed_assets: dict[str, IdSet] = {}  # known articles each section's walk listed
        self.backlog_urls = {row["url"] for row in self.backlog}
        self.deferred: list[Wanted] = []
        self.canary: Wanted | None = None
        self.oldest_listed: dict[str, date] = {}
        self.new_in_section: dict[str, int] = {}
        self.walks = {s.path: SectionWalk(self.points.get(s.path)) for s in self.sections}
        self.emptied: set[str] = set()  # sections that had articles and listed none
        self.first_pages = len(self.sections)  # first listing pages not answered yet
        crawler.signals.connect(self.on_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.record_walks, signal=run_ending)

    def _load_state(self, db_path: str | None) -> None:
        self.known = CrawlSnapshot(db_path)
        self.synced: set[str] = set()
        self.backlog: list[dict[str, Any]] = []
        self.points: dict[str, BackfillPoint] = {}
        self.audit: list[tuple[int, str, str | None]] = []
        self.suspects: list[tuple[int, str, str | None]] = []
        if not db_path or not Path(db_path).is_file():
            return
        try:
            with Store(db_path, readonly=True) as store:
                self.known = CrawlSnapshot.load(store)
                self.synced = store.synced_sections()
                self.backlog = store.backlog()
                self.points = store.backfill_points()
                self.suspects = store.removal_suspects()
                self.audit = audit_list(store, self.settings, self.points, self.sections)
        except (StoreError, Exception) as exc:  # an empty or new store: crawl as a first run
            logger.warning("could not read crawl state, crawling as a first run: %s", exc)

    # -- start ---------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.reader = self.crawler.get_extension(CrawlPageReader) or self.reader
        for row in self.backlog:
            if row["attempts"] > BACKLOG_GIVE_UP:
                continue  # failed run after run (a redirect loop, say): left for the operator
            if row["kind"] == "article":
                wanted = Wanted(
                    row["url"],
                    article_key(row["url"], self.profile.routes),
                    row["section"],
                    row.get("listing_date"),
                    row["asset_id"],
                    "backfill" if row.get("why") == "backfill" else "backlog",
                )
                for request in self._article_requests(wanted, BACKLOG_PRIORITY):
                    yield request
        for why, rows, priority in (
            ("suspect", self.suspects, CONFIRM_PRIORITY),
            ("audit", self.audit, AUDIT_PRIORITY),
        ):
            for asset_id, url, listed in rows:
                key = article_key(url, self.profile.routes)
                wanted = Wanted(url, key, None, listed, asset_id, why)
                for request in self._article_requests(wanted, priority):
                    yield request
        for section in self.sections:
            for name in ("listed", "fetched", "pages", "failed"):
                self.stats.set_value(section_stat(section.path, name), 0)
            self.listed_assets[section.path] = IdSet()
            url = listing_url(self.base, self.profile, section, 1, self.page_size)
            yield self._listing_request(url, section.path, 1, ())

    def _listing_request(
        self,
        url: str,
        section: str,
        page: int,
        previous: tuple[str, ...],
        priority: int = listing_priority(0),
    ) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_listing,
            errback=self.failed,
            priority=priority,
            meta={"section": section, "page": page, "previous": previous, "kind": "listing"},
            dont_filter=True,
        )

    # -- articles ------------------------------------------------------------------------------

    def _new(self, section: str) -> int:
        return self.new_in_section.get(section, 0)

    def _article_requests(
        self,
        wanted: Wanted,
        priority: int = CONFIRM_PRIORITY,
        entry: tuple[str, int] | None = None,
    ) -> Iterator[scrapy.Request]:
        """At most one request per article per run, whatever URL form or section led to it."""
        if wanted.key and wanted.key in self.requested_keys:
            return
        if wanted.asset_id is not None and wanted.asset_id in self.requested_assets:
            return
        if self.fetched.has(wanted):  # fetched under another of its URLs (a reprint)
            self.stats.inc_value(FETCHED_ELSEWHERE)
            return
        url = on_portal(wanted.url, self.base + "/", self.base, self.profile.aliases)
        if not url:
            return
        if wanted.key:
            self.requested_keys.add(wanted.key)
        if wanted.asset_id is not None:
            self.requested_assets.add(wanted.asset_id)
        yield scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.failed,
            priority=priority,
            meta={
                "wanted": wanted,
                "kind": "article",
                "entry": entry,
                "handle_httpstatus_list": NOT_FOUND,
            },
        )

    def _answered(self, meta: dict[str, Any]) -> None:
        """A listing entry's request got its answer (or its failure is on the backlog)."""
        entry = meta.get("entry")
        if entry:
            self.walks[entry[0]].outstanding.discard(entry[1])

    async def parse_article(self, response: Response) -> AsyncIterator[Any]:
        async for result in self._read_article(response):
            yield result
        for request in self._twins_answered(response.meta):  # now the page said who it is
            yield request

    async def _read_article(self, response: Response) -> AsyncIterator[Any]:
        wanted: Wanted = response.meta["wanted"]
        self._answered(response.meta)
        for url in (response.url, *response.meta.get("redirect_urls", [])[:1]):
            if url in self.backlog_urls:
                yield Answered(url=url)
        if response.status in NOT_FOUND:
            reading = Reading(not_found=True)
        else:  # parse, extract, load: in the reader's helper process when there is one
            capture = Capture.from_response(response) if self.archiving else None
            reading = await self.reader.read(
                response.body,
                response.encoding,
                response.url,
                wanted.section,
                wanted.listing_date,
                wanted.key,
                capture,
            )
        if reading.not_found:
            reason = "404" if response.status in NOT_FOUND else "soft404"
            asset_id = wanted.asset_id or (self._asset_for(wanted.key) if wanted.key else None)
            if wanted.why in ("listing", "backfill"):
                # Listed this very run: a transient answer, a failure to retry, never a removal.
                self.crawler.stats.inc_value("portalcrawl/not_found_while_listed")
                self.stats.inc_value(ERRORS)  # on the backlog: the run says it failed a page
                self.stats.set_value(LAST_ERROR, f"HTTP {response.status} on a listed article")
                yield FetchFailed(
                    url=response.url,
                    kind="article",
                    section=wanted.section,
                    asset_id=asset_id,
                    error=f"HTTP {response.status}: not found while listed",
                    listing_date=wanted.listing_date,
                    why=wanted.why,
                )
            elif asset_id is not None and asset_id in self.known:
                unlisted = wanted.why == "confirm" or asset_id in self.unlisted
                removal = Removal(
                    asset_id=asset_id,
                    reason=reason,
                    url=response.url,
                    response=response,
                    why="confirm" if unlisted else wanted.why,
                )
                if not unlisted:
                    self.found_gone[asset_id] = removal
                yield removal
            return
        if reading.asset_id is None or reading.item is None:
            self.stats.inc_value(UNPARSEABLE_PAGES)
            self.stats.inc_value(DEGRADED_PAGES)
            logger.warning("no article found on %s", response.url)
            return
        self.stats.inc_value(ARTICLE_PAGES)
        if reading.extraction == "migrated":
            self.stats.inc_value("portalcrawl/migrated_pages")
        elif reading.extraction == "fallback":
            self.stats.inc_value(FALLBACK_PAGES)
        if reading.extraction != "profile" and self.known.should_have_template(
            reading.asset_id, reading.extraction, reading.item.get("published_at")
        ):
            self.stats.inc_value(DEGRADED_PAGES)
        if wanted.section:
            self._count(wanted.section, "fetched")
        keys, known = reading.item.get("url_keys", ()), reading.asset_id in self.known
        if not claims_another(reading.asset_id, keys, self._asset_for, known):
            if reading.asset_id in self.fetched.assets:
                return  # a page claiming another's identity goes on, to be held (store/identity)
            self.fetched.add(reading.asset_id, keys, reading.item.get("title"))
            self.requested_assets.add(reading.asset_id)
        item = ArticleItem(
            reading.item, derived=reading.derived, response=response, archived=reading.pair
        )
        if wanted.why == "backfill":
            item["backfill"] = True
        yield item

    # -- failures and the end ------------------------------------------------------------------

    def failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        kind = request.meta.get("kind", "article")
        wanted: Wanted | None = request.meta.get("wanted")
        section = request.meta.get("section") or (wanted.section if wanted else None)
        if failure.check(RunEnding):
            return  # never sent: the run is at its budget; the next run takes it up
        self._answered(request.meta)
        yield from self._twins_answered(request.meta)
        if kind == "listing" and request.meta.get("page") == 1:
            self._first_page_answered()
        message = failure_message(failure)
        self.stats.inc_value(ERRORS)
        self.stats.set_value(LAST_ERROR, f"{message} ({urlsplit(request.url).netloc})")
        if section and kind == "listing":
            # The listing is not whole: the section is walked again next run. A failed article
            # is not that: the backlog asks for it first next run, and its section stays in
            # step (a 3,000-page section walked again for one article would eat the budget).
            self._count(section, "failed")
        logger.warning("giving up on %s: %s", request.url, message)
        yield FetchFailed(
            url=request.url,
            kind=kind,
            section=section,
            asset_id=wanted.asset_id if wanted else None,
            error=message[:300],
            listing_date=wanted.listing_date if wanted else None,
            why=wanted.why if wanted else None,
        )

    # -- the portal's health ---------------------------------------------------------------

    def _first_page_answered(self) -> None:
        self.first_pages -= 1
        self._maintenance_check()

    def _maintenance_check(self) -> None:
        """Every section that had articles lists none: the portal is in maintenance."""
        had = {s.path for s in self.sections if self.known.held(s.path) > 0}
        if self.first_pages <= 0 and had and had <= self.emptied:
            logger.warning("every section that had articles lists none: portal in maintenance")
            self.stats.set_value(END_REASON, "maintenance")
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="maintenance"))

    def on_idle(self) -> None:
        """Id-form links wait until every other request is done: then we know their asset ids."""
        pending, self.deferred = self.deferred, []
        requests = [r for w in pending for r in self._article_requests(w)]
        for wanted, (section, index), priority in self.twins.release_all():
            held = list(self._article_requests(wanted, priority, (section, index)))
            if not held:
                self.walks[section].outstanding.discard(index)
            requests += held
        if not requests and not self.stats.get_value(ARTICLE_PAGES) and self.canary is not None:
            requests = list(self._article_requests(self.canary))
            self.canary = None
        if requests:
            for request in requests:
                self.crawler.engine.crawl(request)
            raise DontCloseSpider

    # -- counters and the run's end --------------------------------------------------------

    @property
    def stats(self) -> Any:
        """The run's counters (their names: portalcrawl.store.report), set once the crawl starts."""
        return self.crawler.stats

    def _count(self, section: str, name: str) -> None:
        self.stats.inc_value(section_stat(section, name))

    def _mark(self, section: str, name: str) -> None:
        self.stats.set_value(section_stat(section, name), True)

    def record_walks(self, store: Store, run_id: int, status: str) -> None:
        """At the run's end (portalcrawl.runlife): each section's walk, as the run left it."""
        sections = section_reports(self.stats.get_stats())
        record_walks(store, sections, self.walks, self.synced, run_id, status)
