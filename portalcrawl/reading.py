"""The page reader the crawler owns: an extension built with the crawler's other extensions, its
helper process forked then (before the reactor runs threads, before any store write), closed on
spider_closed.

The spider finds it through the crawler (Crawler.get_extension); switched off
(PORTALCRAWL_READER_PROCESS=False) the spider reads pages in its own process: the same function,
the same result (portalcrawl/parsing/reader.py).
"""

from __future__ import annotations

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from portalcrawl.parsing.reader import PageReader
from portalcrawl.site.profile import load_profile


class CrawlPageReader(PageReader):
    """PageReader as a Scrapy extension: one helper process for the crawl's article pages."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlPageReader:
        settings = crawler.settings
        if not settings.getbool("PORTALCRAWL_READER_PROCESS"):
            raise NotConfigured("article pages are read in the crawl's own process")
        profile = load_profile(settings.get("PORTALCRAWL_PROFILE"))
        base = settings.get("PORTALCRAWL_URL").rstrip("/")
        reader = cls.start(profile, base)
        crawler.signals.connect(reader.close, signal=signals.spider_closed)
        return reader
