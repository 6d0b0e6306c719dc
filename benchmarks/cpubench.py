"""CPU per article of extraction (the spider's article callback) and of the item pipelines.

Article pages are fetched once from the local copy and kept in memory; then, in this process,
each page goes through PortalSpider.parse_article (decode, parse, extract, load) and the four
pipelines into a fresh store, timed with time.process_time(). In a crawl the reading runs in
the reader's helper process and the pipelines in the crawl's: the work is the same.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from scrapy.utils.reactor import install_reactor, is_reactor_installed
from scrapy.utils.test import get_crawler

from portalcrawl.items import ArticleItem
from portalcrawl.pipelines import StorePipeline, ValidatePipeline
from portalcrawl.runlife import RunLife
from portalcrawl.site.urls import article_key
from portalcrawl.spiders.portal import NOT_FOUND, PortalSpider
from portalcrawl.spiders.walk import Wanted


def fetch_pages(db: Path, count: int) -> list[tuple[str, bytes]]:
    """The first `count` article pages a full crawl stored, fetched again (URL, body)."""
    with sqlite3.connect(db) as conn:
        urls = [
            r[0]
            for r in conn.execute("SELECT url FROM articles ORDER BY asset_id LIMIT ?", [count])
        ]

    def get(url: str) -> tuple[str, bytes]:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return url, answer.read()

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(get, urls))


def _crawler(base: str, db: Path) -> Any:
    if not is_reactor_installed():  # Crawler objects want the reactor the settings name
        install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    settings = Settings()
    settings.setmodule("portalcrawl.settings", priority="project")
    values = {k: v for k, v in settings.copy_to_dict().items() if k.isupper()}
    values.update(PORTALCRAWL_URL=base, PORTALCRAWL_DB=str(db), PORTALCRAWL_FULL=True)
    values.update(PORTALCRAWL_READER_PROCESS=False)  # in process: this measures the CPU
    return get_crawler(PortalSpider, values)


def _responses(pages: list[tuple[str, bytes]]) -> list[HtmlResponse]:
    out = []
    for url, body in pages:
        wanted = Wanted(url, article_key(url), "tin-hoat-dong", None, None, "listing")
        meta = {"wanted": wanted, "kind": "article", "handle_httpstatus_list": NOT_FOUND}
        request = Request(url, meta=meta)
        out.append(HtmlResponse(url, body=body, encoding="utf-8", request=request))
    return out


async def _read_all(spider: PortalSpider, responses: list[HtmlResponse]) -> list[ArticleItem]:
    items = [x for r in responses async for x in spider.parse_article(r)]
    return [x for x in items if isinstance(x, ArticleItem)]


def one_pass(
    base: str, pages: list[tuple[str, bytes]], workdir: Path, tag: str
) -> dict[str, float]:
    """Extraction then pipelines over every page; CPU seconds of each."""
    db = workdir / f"cpu-{tag}.sqlite3"
    crawler = _crawler(base, db)
    spider = PortalSpider.from_crawler(crawler)
    crawler.spider = spider
    responses = _responses(pages)
    loop = asyncio.new_event_loop()  # parse_article is a coroutine; no helper here: in process
    start = time.process_time()
    items = loop.run_until_complete(_read_all(spider, responses))
    extraction = time.process_time() - start
    loop.close()
    run = RunLife.from_crawler(crawler)
    stages = [ValidatePipeline(crawler.stats), StorePipeline(crawler, str(db), run)]
    store = stages[-1]
    start = time.process_time()
    store.open_spider(spider)
    run.spider_opened(spider)
    for item in items:
        for stage in stages:
            item = stage.process_item(item)
    store.close_spider(spider)
    run.spider_closed(spider, "finished")
    pipelines = time.process_time() - start
    return {"extraction": extraction, "pipelines": pipelines, "items": len(items)}


def measure(base: str, db: Path, workdir: Path, count: int, reps: int = 3) -> dict[str, Any]:
    """Best of `reps` passes (warm caches, as in a long crawl), in ms per article."""
    pages = fetch_pages(db, count)
    passes = [one_pass(base, pages, workdir, str(i)) for i in range(reps)]
    best = min(passes, key=lambda p: p["extraction"] + p["pipelines"])
    n = max(best["items"], 1)
    return {
        "pages": len(pages),
        "extraction_ms": best["extraction"] / n * 1000,
        "pipelines_ms": best["pipelines"] / n * 1000,
        "total_ms": (best["extraction"] + best["pipelines"]) / n * 1000,
    }
