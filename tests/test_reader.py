"""The page reader: the helper process gives the same readings as reading in process, a page
that fails to read fails as it would in process, and a helper that dies is not waited for."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from parsel import Selector
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from monitor.localportal import build_corpus
from monitor.localportal.render import Renderer
from monitor.localportal.routes import respond
from portalcrawl.archive.warc import Capture, WarcArchive, read_response
from portalcrawl.parsing.article import parse_article
from portalcrawl.parsing.derived import derive
from portalcrawl.parsing.loaders import article_item
from portalcrawl.parsing.reader import NICENESS, read_page
from portalcrawl.reading import CrawlPageReader
from portalcrawl.site.profile import load_profile

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://127.0.0.1:8123"
READER = "PORTALCRAWL_READER_PROCESS"


def test_read_page_is_the_spider_s_old_path() -> None:
    profile = load_profile()
    corpus = build_corpus(seed=3, n=20)
    renderer = Renderer(corpus, BASE)
    corpus.remove(corpus.articles[0].asset_id, soft=True)
    for article in corpus.articles:
        path = article.path(article.primary, "slug")
        html = respond(renderer, path).body.decode()
        reading = read_page(html, BASE + path, profile, BASE, "tin-hoat-dong", "01/02/2020", "k")
        if article.state != "live":
            assert reading.not_found
            continue
        raw = parse_article(Selector(text=html), BASE + path, profile, BASE)
        assert raw is not None
        keys = ["k", f"slug:{article.url_title}", f"id:{raw.asset_id}"]
        expected = article_item(
            raw,
            section="tin-hoat-dong",
            listing_date="01/02/2020",
            url_keys=keys,
            fetched_url=BASE + path,
        )
        assert (reading.asset_id, reading.extraction) == (raw.asset_id, raw.extraction)
        assert reading.item == dict(expected)
        assert reading.derived == derive(reading.item)  # of the normalised item, carried on


def test_a_reading_carries_the_exchange_s_warc_records_the_archive_appends(tmp_path: Path) -> None:
    """Built beside the reading (in the helper, in a crawl), appended as they are: warcio reads
    the pair back, digests checked, with the page as served."""
    profile = load_profile()
    corpus = build_corpus(seed=3, n=3)
    article = next(a for a in corpus.articles if a.state == "live")
    path = article.path(article.primary, "slug")
    body = respond(Renderer(corpus, BASE), path).body
    capture = Capture(
        url=BASE + path,
        status=200,
        headers=[("Content-Type", "text/html; charset=UTF-8")],
        body=body,
        request_method="GET",
        request_headers=[("Accept", "text/html")],
        fetched_at=datetime.now(UTC),
    )
    reading = read_page(body.decode(), BASE + path, profile, BASE, None, None, None, capture)
    assert reading.pair is not None
    assert read_page(body.decode(), BASE + path, profile, BASE, None, None, None).pair is None
    odd = replace(capture, headers=[("X-Odd", "caf\xe9; a=\xe9")])  # warcio cannot write it
    unrecorded = read_page(body.decode(), BASE + path, profile, BASE, None, None, None, odd)
    assert unrecorded.pair is None and unrecorded.item == reading.item  # the page still read
    archive = WarcArchive(tmp_path, base=tmp_path)
    ref = archive.append(reading.pair)
    archive.close()
    assert ref.record_id == reading.pair.record_id
    served = read_response(ref, tmp_path)
    assert (served.url, served.status, served.body) == (BASE + path, 200, body)


HELPER_SCRIPT = textwrap.dedent(
    """
    import asyncio, os, signal
    from monitor.localportal import build_corpus
    from monitor.localportal.render import Renderer
    from monitor.localportal.routes import respond
    from portalcrawl.parsing import reader
    from portalcrawl.site.profile import load_profile

    BASE = "http://127.0.0.1:8123"
    profile = load_profile()
    corpus = build_corpus(seed=4, n=30)
    renderer = Renderer(corpus, BASE)
    pages = []
    for article in corpus.articles:
        path = article.path(article.primary, "slug")
        pages.append((respond(renderer, path).body, "utf-8", BASE + path, None, None, None))
    # one page the way a portal may send it: windows-1258, as its meta tag says
    page = respond(renderer, corpus.articles[0].path(corpus.articles[0].primary, "slug")).body
    odd = page.decode().replace("Đ", "D").encode("cp1258", "replace")
    pages.append((odd, "cp1258", BASE + "/cp1258", None, None, None))
    expected = [
        reader.read_page(b.decode(e), u, profile, BASE, *rest) for b, e, u, *rest in pages
    ]
    pagereader = reader.PageReader.start(profile, BASE)

    async def main():
        assert pagereader.helper is not None
        got = await asyncio.gather(*(pagereader.read(*page) for page in pages))
        assert got == expected, "helper readings differ"
        try:
            await pagereader.read(None, "utf-8", BASE + "/x", None, None, None)
        except reader.ReadError as exc:
            assert "Error" in str(exc), exc
        else:
            raise AssertionError("a failing page must fail")
        os.kill(pagereader.helper.pid, signal.SIGKILL)
        got = await asyncio.gather(*(pagereader.read(*page) for page in pages))
        assert got == expected, "readings after the helper died differ"
        assert pagereader.helper is None

    asyncio.run(main())
    pagereader.close()
    print("ok")
    """
)


def test_helper_process_readings_errors_and_death() -> None:
    result = subprocess.run(
        [sys.executable, "-c", HELPER_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_crawler_owns_the_reader_and_its_helper() -> None:
    """Built with the crawler's extensions, the helper forked then; switched off, the spider
    reads in its own process (the extension is not there to find)."""
    settings = {"PORTALCRAWL_URL": BASE, "EXTENSIONS": {}}
    with pytest.raises(NotConfigured):
        CrawlPageReader.from_crawler(get_crawler(settings_dict={**settings, READER: False}))
    owned = CrawlPageReader.from_crawler(get_crawler(settings_dict={**settings, READER: True}))
    assert owned.helper is not None and owned.base == BASE
    pid = owned.helper.pid
    # it yields the cores to the crawl's own process, its bottleneck
    nicer = min(19, os.getpriority(os.PRIO_PROCESS, 0) + NICENESS)
    deadline = time.monotonic() + 30
    while os.getpriority(os.PRIO_PROCESS, pid) != nicer and time.monotonic() < deadline:
        time.sleep(0.01)
    assert os.getpriority(os.PRIO_PROCESS, pid) == nicer
    owned.close()  # what spider_closed does: the helper exits and is reaped
    assert owned.helper is None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
