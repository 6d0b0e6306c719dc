"""The portal spider's listing walk: each section's pages newest first, what each entry means
for the store (new, changed, due for a revisit), where the walk stops, and the known articles
a walk finds gone from where they were listed (confirmed in the same run).

A mixin of PortalSpider (portal.py), which holds the state it uses (walks, the snapshot, the
run's sets) and the article requests it makes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import scrapy
from scrapy.http import Response

from portalcrawl.items import ListingPage, ListingSeen, Removal
from portalcrawl.parsing.flatten import parse_page
from portalcrawl.parsing.listing import ListingEntry, parse_listing
from portalcrawl.site.urls import (
    article_key,
    listing_page_params,
    listing_url,
    on_portal,
    with_page_params,
)
from portalcrawl.spiders.backfill import article_priority, listing_priority
from portalcrawl.spiders.walk import Wanted, entry_hash, missing_from_listing
from portalcrawl.store.database import StoreError
from portalcrawl.store.report import EMPTIED
from portalcrawl.store.snapshot import KnownArticle
from portalcrawl.text.dates import parse_listing_date

logger = logging.getLogger(__name__)


class ListingWalk:
    """Listing pages and their entries (see the module's docstring)."""

    # -- listings ------------------------------------------------------------------------------

    def parse_listing(self, response: Response) -> Iterator[Any]:
        section = response.meta["section"]
        self._count(section, "pages")
        page = parse_listing(
            parse_page(response.text)[0],  # markup 50,000 deep is read too
            response.url,
            self.profile,
            self.base,
            self.profile.section(section),
        )
        keys = tuple(e.key for e in page.entries)
        if response.meta["page"] == 1:
            self._first_page_answered()
            if not page.entries and self.known.held(section) > 0:
                if section not in self.emptied:  # the alert says so; nothing is confirmed gone
                    self.emptied.add(section)
                    self.stats.inc_value(EMPTIED)
                self._maintenance_check()
                return
        previous = response.meta["previous"]
        if keys and previous and keys[0] == previous[0]:
            self._mark(section, "walk_done")  # Liferay answered past the end with the last page
            yield from self._walk_done(section, reached_end=True)
            return
        walk = self.walks[section]
        start = walk.page_start(page.current, page.results, len(page.entries))
        all_known = bool(page.entries)
        met_stored = False  # the page ends among entries the store holds
        sightings: list[ListingSeen] = []
        requests: list[scrapy.Request] = []
        for offset, entry in enumerate(page.entries):
            seen, entry_requests = self._sighting(entry, section, start + offset)
            all_known &= not seen["needs_fetch"]
            met_stored = not seen["needs_fetch"]
            sightings.append(seen)
            requests += entry_requests
        if sightings:  # before any article request: the store knows every sighting first
            yield ListingPage(entries=sightings)
        yield from requests
        stop = (
            not self.full
            and section in self.synced
            and all_known
            and self._counts_agree(section, page.results)
        )
        next_url = None if stop else self._next_url(page, response)
        if next_url and walk.backfilling and met_stored:
            jump = walk.resume_page(page.current + 1, self.new_in_section.get(section, 0))
            if jump is not None:  # what lies between was walked by earlier runs
                logger.info("%s: backfill resumes at page %d", section, jump)
                walk.jumped = True
                section_ = self.profile.section(section)
                next_url = listing_url(self.base, self.profile, section_, jump, walk.size)
        if next_url and self._goes_back(next_url, page):
            logger.warning(
                "%s: the next-page link of %s goes back: walk stopped", section, response.url
            )
            self._count(section, "failed")  # not a whole walk: walked again next run
            next_url, stop = None, True
        elif not next_url and not stop and page.more:
            logger.warning(
                "%s: %s counts %d articles but has no link to page %d: walk stopped",
                *(section, response.url, page.results[2], page.current + 1),
            )
            self._count(section, "failed")  # the counter says there is more: walked again
            stop = True
        if next_url:
            yield self._listing_request(
                next_url, section, response.meta["page"] + 1, keys, listing_priority(walk.position)
            )
            return
        self._mark(section, "walk_done")
        walk.reached_end = not stop
        reached_end = not stop and not walk.jumped  # every page of it read this run
        if reached_end:
            self._mark(section, "reached_end")
        yield from self._walk_done(section, reached_end=reached_end)

    def _goes_back(self, next_url: str, page: Any) -> bool:
        """A next-page link to this page or an earlier one: a pagination loop, read forever."""
        there = listing_page_params(next_url, self.profile.pager.get("param") or None)[0]
        return there is not None and there <= page.current

    def _counts_agree(self, section: str, results: tuple[int, int, int] | None) -> bool:
        """The listing's total matches what we hold plus what is new (plus what its counter
        counted beyond the store when last walked to its end: entries that are never stored):
        nothing was taken down further back and nothing older is missing, so reading on would
        find nothing."""
        if results is None:
            return True
        expected = (
            self.known.held(section)
            + self.new_in_section.get(section, 0)
            + self.known.count_offset(section)
        )
        if results[2] != expected:
            logger.info(
                "%s lists %d articles, the store expects %d: reading every page",
                section,
                results[2],
                expected,
            )
        return results[2] == expected

    def _next_url(self, page: Any, response: Response) -> str | None:
        """The next page's URL at the size the portal really answered (a paginating Asset
        Publisher ignores `_delta`: it is asked for a large page once, then not again)."""
        if not page.has_next:
            return None
        if page.more is False:
            return None  # page ceil(total / size) was this one
        href = on_portal(page.next_href, response.url, self.base, self.profile.aliases)
        if not href:
            return None
        param = self.profile.pager.get("param") or None
        number, _ = listing_page_params(href, param)
        asked = [k for k, _ in parse_qsl(urlsplit(response.url).query) if k.endswith("_delta")]
        if number and page.size:
            # a size the portal honoured stays asked for, should its link drop it
            keep = asked[0] if asked and page.size == listing_page_params(response.url)[1] else ""
            return with_page_params(href, number, page.size, param, keep)
        return href

    def _sighting(
        self, entry: ListingEntry, section: str, index: int
    ) -> tuple[ListingSeen, list[scrapy.Request]]:
        self._count(section, "listed")
        walk = self.walks[section]
        position = walk.position
        walk.position += 1
        listed = parse_listing_date(entry.date_text)
        oldest = self.oldest_listed.get(section)
        if listed and not walk.jumped and (oldest is None or listed < oldest):
            self.oldest_listed[section] = listed  # of the pages read from the top
        asset_id = self._asset_for(entry.key)
        if asset_id is not None:
            self.listed_assets[section].add(asset_id)
        digest = entry_hash(entry)
        known = self.known.article(asset_id)
        if known is None or not self.known.listed(known.asset_id, section):
            self.new_in_section[section] = self.new_in_section.get(section, 0) + 1
        needs_fetch = (
            self.full
            or known is None
            or known.status != "live"
            or not self.known.entry_unchanged(known.asset_id, section, digest)
        )
        requests: list[scrapy.Request] = []
        if needs_fetch or (known and self._recent(known)):
            why = "backfill" if walk.stores_backfill(index, self._new(section)) else "listing"
            wanted = Wanted(
                entry.url, entry.key, section, entry.date_text, asset_id, why, entry.title
            )
            if entry.key.startswith("id:") and asset_id is None and not walk.backfilling:
                self.deferred.append(wanted)
            else:
                requests = self._ask(wanted, (section, index), article_priority(position))
        elif self.canary is None:
            self.canary = Wanted(entry.url, entry.key, section, entry.date_text, asset_id, "canary")
        seen = ListingSeen(
            key=entry.key,
            section=section,
            entry_hash=digest,
            listed_date=listed.isoformat() if listed else None,
            asset_id=asset_id,
            needs_fetch=needs_fetch,
        )
        return seen, requests

    def _ask(self, wanted: Wanted, entry: tuple[str, int], priority: int) -> list[scrapy.Request]:
        """An entry's article asked for, unless its twin is being fetched (a reprint's entry in
        another section, by the other URL form): then it waits for that answer, which may name
        it (spiders/fetched.py)."""
        outstanding = self.walks[entry[0]].outstanding
        if not self.fetched.has(wanted) and self.twins.hold((wanted, entry, priority)):
            outstanding.add(entry[1])
            return []
        requests = list(self._article_requests(wanted, priority, entry))
        if requests:
            self.twins.asked(wanted)
            outstanding.add(entry[1])
        return requests

    def _twins_answered(self, meta: dict[str, Any]) -> Iterator[scrapy.Request]:
        """A listing entry's request was answered or failed: the entries held for its title."""
        if not meta.get("entry"):
            return
        for wanted, entry, priority in self.twins.answered(meta["wanted"]):
            self.walks[entry[0]].outstanding.discard(entry[1])
            yield from self._ask(wanted, entry, priority)

    def _asset_for(self, key: str) -> int | None:
        return self.known.asset_for(key)

    def _recent(self, known: KnownArticle) -> bool:
        if known.published is None or self.revisit <= timedelta(0):
            return False
        return datetime.now(UTC) - known.published <= self.revisit

    def _walk_done(self, section: str, *, reached_end: bool) -> Iterator[Any]:
        """Known articles that should have been on the pages read but were not: confirm them."""
        listed = self.listed_assets[section]
        oldest = None if reached_end else self.oldest_listed.get(section, date.max)
        missing = []
        for known in missing_from_listing(self.known.articles_in(section), section, listed, oldest):
            self.unlisted.add(known.asset_id)
            if known.asset_id not in self.requested_assets:
                missing.append(known.asset_id)
            elif known.asset_id in self.found_gone:  # its answer came first: confirmed now
                yield Removal(self.found_gone.pop(known.asset_id), why="confirm")
        try:
            urls = self.known.urls(missing)
        except StoreError as exc:
            logger.warning("%s: could not read the URLs of articles to confirm: %s", section, exc)
            self._count(section, "failed")  # not a whole walk: walked again next run
            return
        for asset_id in missing:
            if asset_id in urls:
                url = urls[asset_id]
                yield from self._article_requests(
                    Wanted(
                        url, article_key(url, self.profile.routes), None, None, asset_id, "confirm"
                    )
                )
