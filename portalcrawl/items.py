"""What the spider hands the pipelines: articles, listing sightings, removals, failures, answers."""

from __future__ import annotations

import scrapy


class ArticleItem(scrapy.Item):
    """One article page, one row in `articles` (see portalcrawl.store.schema for each field)."""

    asset_id = scrapy.Field()
    article_id = scrapy.Field()
    url = scrapy.Field()
    title = scrapy.Field()
    summary = scrapy.Field()
    body_text = scrapy.Field()
    body_html = scrapy.Field()
    published_at = scrapy.Field()
    author = scrapy.Field()
    source = scrapy.Field()
    sections = scrapy.Field()
    images = scrapy.Field()
    attachments = scrapy.Field()
    extraction = scrapy.Field()
    url_keys = scrapy.Field()
    fetched_url = scrapy.Field()
    # Limits the reader applied ("depth", "title", ...): each counted as portalcrawl/capped/NAME.
    capped = scrapy.Field()
    backfill = scrapy.Field()  # found by the backfill: its `new` event is history caught up
    # Content hash and folded search text (parsing.derived.Derived), worked out by the reader.
    derived = scrapy.Field()
    # The Scrapy response the page came in, and its WARC records (archive.warc.RecordPair) as the
    # reader built them: appended to the archive when it makes a stored change.
    response = scrapy.Field()
    archived = scrapy.Field()


class ListingSeen(scrapy.Item):
    """An article's entry on a listing page: keeps sections and change detection in step."""

    key = scrapy.Field()
    section = scrapy.Field()
    entry_hash = scrapy.Field()
    listed_date = scrapy.Field()
    asset_id = scrapy.Field()
    needs_fetch = scrapy.Field()


class ListingPage(scrapy.Item):
    """The ListingSeen items of one listing page in one item: Scrapy's item machinery costs more
    per item than the pipelines' work on a sighting, and a page has up to 75."""

    entries = scrapy.Field()  # list[ListingSeen]


class Removal(scrapy.Item):
    """A known article that answers 404 or a soft 404."""

    asset_id = scrapy.Field()
    reason = scrapy.Field()
    url = scrapy.Field()
    response = scrapy.Field()  # archived (WARC) as the proof of the removal
    why = scrapy.Field()  # what asked for the page: "confirm" (no longer listed), "audit", …


class FetchFailed(scrapy.Item):
    """A request that failed after retries: the next run tries it first."""

    url = scrapy.Field()
    kind = scrapy.Field()
    section = scrapy.Field()
    asset_id = scrapy.Field()
    error = scrapy.Field()
    listing_date = scrapy.Field()  # the date its listing showed, for the retry
    why = scrapy.Field()  # what asked for it (Wanted.why): a backfill entry stays history


class Answered(scrapy.Item):
    """A backlog URL that got an answer this run: off the backlog at the run's end."""

    url = scrapy.Field()
