"""The floor: a bare Scrapy spider doing the portal walk with no loaders, pipelines or store.

It reads every section's listing with page size 75, follows the `»` link, and fetches every
article once (robots.txt obeyed), doing nothing with the article pages. Whatever the real
crawl spends above this is the price of extraction, loaders, pipelines and the store.

    python benchmarks/floor_spider.py http://127.0.0.1:PORT --set CONCURRENT_REQUESTS=8 ...

Scrapy's default settings (no project settings), robots.txt obeyed, log level INFO as the crawl
logs; prints the crawl's stats as one JSON object.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.settings import Settings

# The six sections of the profile and their Asset Publisher instances (profiles/dongthap.toml).
SECTIONS = {
    "tin-hoat-dong": "hV2tQm8LsW4a",
    "xay-dung-dang": "Xn4pRk7JdB2c",
    "kinh-te-xa-hoi": "Ty6wLq3NvM8e",
    "thong-cao-bao-chi": "Pb9sKd2HfG5r",
    "nguoi-phat-ngon": "Ng3mJx6CwZ1u",
    "bao-chi-voi-dong-thap": "Bc7vHn4TyR9k",
}
PORTLET = "com_liferay_asset_publisher_web_portlet_AssetPublisherPortlet_INSTANCE_{}"
PAGE_SIZE = 75
_ASSET_ID = re.compile(rb'data-analytics-asset-id="(\d+)"')


def first_page(base: str, section: str, instance: str) -> str:
    """Page 1 of a section with 75 entries, in Liferay's paging query."""
    pid = PORTLET.format(instance)
    query = urlencode(
        [
            ("p_p_id", pid),
            ("p_p_lifecycle", "0"),
            ("p_p_state", "normal"),
            ("p_p_mode", "view"),
            (f"_{pid}_delta", str(PAGE_SIZE)),
            ("p_r_p_resetCur", "false"),
            (f"_{pid}_cur", "1"),
        ]
    )
    return f"{base}/{section}?{query}"


class FloorSpider(scrapy.Spider):
    """Listings -> `»` -> every article once; article pages are fetched and dropped."""

    name = "floor"

    def __init__(self, base: str = "http://127.0.0.1:8080", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base = base.rstrip("/")
        self.host = urlsplit(self.base).netloc
        self.allowed_domains = [urlsplit(self.base).hostname or ""]
        self.seen: set[str] = set()
        self.fetched_ids: set[int] = set()
        self.id_links: dict[int, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> FloorSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        return spider

    async def start(self) -> Any:
        for section, instance in SECTIONS.items():
            yield scrapy.Request(
                first_page(self.base, section, instance), callback=self.parse, dont_filter=True
            )

    def parse(self, response: Response) -> Iterator[scrapy.Request]:
        for href in response.css("div.asset-abstract a.asset-title::attr(href)").getall():
            url = self._local(urljoin(response.url, href)).split("?", 1)[0]
            key = url.rsplit("/content/", 1)[-1].lower()  # urlTitle or id/N
            if key.startswith("id/") and key[3:].isdigit():
                self.id_links.setdefault(int(key[3:]), url)  # fetched at the end if not seen
            elif key not in self.seen:
                self.seen.add(key)
                yield scrapy.Request(url, callback=self.article)
        for li in response.css("ul.pagination li"):
            if li.css("a::text").get("").strip() != "»":
                continue
            href = li.css("a::attr(href)").get("")
            if "disabled" not in li.attrib.get("class", "") and href.startswith("http"):
                yield scrapy.Request(
                    self._local(href), callback=self.parse, dont_filter=True, priority=20
                )

    def article(self, response: Response) -> None:
        """Fetched, hardly read: only the asset id, so an id-form link is not fetched again."""
        found = _ASSET_ID.search(response.body)
        if found:
            self.fetched_ids.add(int(found.group(1)))

    def idle(self) -> None:
        """Id-form links of articles no slug link led to, as the real spider does."""
        pending = [u for i, u in self.id_links.items() if i not in self.fetched_ids]
        self.id_links = {}
        for url in pending:
            self.crawler.engine.crawl(scrapy.Request(url, callback=self.article))
        if pending:
            raise DontCloseSpider

    def _local(self, url: str) -> str:
        """The portal's canonical host written into links, rebased onto the served copy."""
        parts = urlsplit(url)
        return parts._replace(scheme=urlsplit(self.base).scheme, netloc=self.host).geturl()


def main(argv: list[str] | None = None) -> int:
    """One floor crawl in this process; the stats on stdout as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("base")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    settings = Settings()  # Scrapy's defaults: no project module, no scrapy.cfg
    settings.setdict({"ROBOTSTXT_OBEY": True, "LOG_LEVEL": "INFO"}, priority="cmdline")
    for pair in args.set:
        name, _, value = pair.partition("=")
        settings.set(name, value, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(FloorSpider)
    process.crawl(crawler, base=args.base)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    print(json.dumps(stats, default=str))
    return 0 if stats.get("finish_reason") == "finished" else 1


if __name__ == "__main__":
    sys.exit(main())
