"""Hostile article pages over the local copy, several at once in one small crawl: markup nested
thousands deep is read (flat past the cap), never lost; raw control characters never reach the
store, bidi controls never reach a terminal, a megabyte title is cut at its cap. Units for each
defence beside it (the text rules: tests/test_text_limits.py).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from monitor.localportal import PortalServer, build_corpus
from monitor.localportal.faults import BIDI, CONTROLS, deep_nesting, hostile_text
from portalcrawl.items import FetchFailed
from portalcrawl.parsing.flatten import MAX_DEPTH, flatten_deep
from portalcrawl.spiders.portal import PortalSpider
from portalcrawl.spiders.unreadable import UnreadablePages
from portalcrawl.spiders.walk import Wanted
from portalcrawl.text.normalise import ELLIPSIS, FIELD_CAPS
from tests.clirun import crawl, monitor_cli
from tests.faultkit import check_store, query

DEEP_TEXT = "Đoạn văn nằm sâu trong hàng nghìn thẻ div lồng nhau."
DEPTHS = (1_500, 50_000)
RAW_TITLE = f"Lũ{CONTROLS}lụt {BIDI}ở Tân Hồng"
STORED_TITLE = "Lũ[31m lụt \u202e\u2066\u200fở Tân Hồng"  # NEL is white space
CONTROL_CHARS = {c for c in CONTROLS if unicodedata.category(c) == "Cc"}
HUGE_TITLE = "Sạt lở bờ sông " * 70_000  # a megabyte


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """A baseline of a small corpus, then one run over every kind of hostile page at once."""
    corpus = build_corpus(seed=41, n=24)
    db = tmp_path_factory.mktemp("hostile-pages") / "portal.sqlite3"
    with PortalServer(corpus) as server:
        crawl(server, db)
        deep = [corpus.new_article("tin-hoat-dong") for _ in DEPTHS]
        for article, depth in zip(deep, DEPTHS, strict=True):
            deep_nesting(server, article, depth, DEEP_TEXT)
        controls, huge = corpus.new_article("kinh-te-xa-hoi"), corpus.new_article("tin-hoat-dong")
        hostile_text(server, controls, RAW_TITLE, f"Thân{CONTROLS}bài{BIDI}")
        hostile_text(server, huge, HUGE_TITLE, "")
        outcome = crawl(server, db)
        yield SimpleNamespace(
            db=db, outcome=outcome, corpus=corpus, deep=deep, controls=controls, huge=huge
        )


@pytest.mark.slow
def test_deeply_nested_articles_are_read_whole(hostile) -> None:
    assert hostile.outcome["status"] == "ok"
    for article in hostile.deep:
        [(title, body)] = query(
            hostile.db,
            "SELECT title, body_text FROM articles WHERE asset_id = ?",
            (article.asset_id,),
        )
        assert title == article.title
        paragraphs = body.split("\n\n")
        assert DEEP_TEXT in paragraphs  # a paragraph of its own, where the page put it
        paragraphs.remove(DEEP_TEXT)
        assert paragraphs == article.expected()["body_text"].split("\n\n")
    assert not query(hostile.db, "SELECT url FROM crawl_backlog")
    check_store(hostile.db)


@pytest.mark.slow
def test_each_flattened_page_is_counted(hostile) -> None:
    stats = hostile.outcome["stats"]
    assert stats["capped"] == {"depth": len(DEPTHS), "title": 1}
    assert stats["unreadable_pages"] == 0 and stats["errors"] == 0


@pytest.mark.slow
def test_control_characters_never_reach_the_store(hostile) -> None:
    [(title, body)] = query(
        hostile.db,
        "SELECT title, body_text FROM articles WHERE asset_id = ?",
        (hostile.controls.asset_id,),
    )
    assert title == STORED_TITLE
    assert "Thân[31m bài\u202e\u2066\u200f" in body
    rows = query(hostile.db, "SELECT title || summary || body_text || body_html FROM articles")
    for (text,) in rows:
        assert not set(text) & CONTROL_CHARS


@pytest.mark.slow
def test_a_terminal_never_gets_a_bidi_or_control_character(hostile) -> None:
    shown = [
        monitor_cli("notices", "--db", str(hostile.db), "--kind", "new"),
        monitor_cli("search", "Tan Hong", "--db", str(hostile.db)),
        monitor_cli("history", str(hostile.controls.asset_id), "--db", str(hostile.db)),
    ]
    for result in shown:
        assert result.returncode == 0, result.stderr
        assert "Lũ[31m lụt <U+202E><U+2066><U+200F>ở" in result.stdout  # shown, neutralised
        assert not set(result.stdout) & (set(BIDI) | CONTROL_CHARS)


@pytest.mark.slow
def test_a_megabyte_title_is_stored_and_announced_cut(hostile) -> None:
    [(title,)] = query(
        hostile.db, "SELECT title FROM articles WHERE asset_id = ?", (hostile.huge.asset_id,)
    )
    assert len(title) <= FIELD_CAPS["title"] and title.endswith(ELLIPSIS)
    assert HUGE_TITLE.startswith(title[:-1])
    [(notice,)] = query(
        hostile.db, "SELECT title FROM notices WHERE asset_id = ?", (hostile.huge.asset_id,)
    )
    assert notice == title


# -- units ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5_000, 50_000])
def test_flattening_keeps_every_text_paragraph_and_what_follows(depth: int) -> None:
    page = (
        "<html><body><div id='top'>" + "<div><span>ţ</span>" * depth + "<p>deep</p><p>two"
        "<img src='a.png'><a href='/x'>link</a>" + "</div>" * depth + "</div>"
        "<script>if (a<b) { s = '<div>' }</script><p id='after'>after</p></body></html>"
    )
    flat, dropped = flatten_deep(page)
    sel = Selector(text=flat)
    assert dropped > 0
    assert sel.css("#after::text").get() == "after"  # libxml2 alone stops at depth 2,048
    assert [p.css("::text").get() for p in sel.css("p")] == ["deep", "two", "after"]
    assert sel.css("img::attr(src)").get() == "a.png" and sel.css("a::text").get() == "link"
    assert "if (a<b) { s = '<div>' }" in sel.css("script::text").get()
    assert max(len(list(e.iterancestors())) for e in sel.root.iter()) <= MAX_DEPTH + 5
    assert sel.xpath("string(//div[@id='top'])").get().count("ţ") == depth  # text stays


def test_stray_end_tags_do_not_hide_depth() -> None:
    page = "<html><body>" + "</div>" * 3000 + "<div></b>" * 3000 + "<p id='in'>x</p></body>"
    flat, dropped = flatten_deep(page)
    assert dropped and Selector(text=flat).css("#in::text").get() == "x"


def test_ordinary_pages_are_not_touched() -> None:
    page = "<html><body>" + "<div><p>a</p></div>" * 400 + "</body></html>"
    assert flatten_deep(page) == (page, 0)


def test_an_exception_reading_a_page_is_a_failed_page_on_the_backlog(tmp_path: Path) -> None:
    settings = {"PORTALCRAWL_URL": "http://127.0.0.1:9", "PORTALCRAWL_READER_PROCESS": False}
    crawler = get_crawler(PortalSpider, settings)
    crawler.spider = crawler._create_spider()
    url = "http://127.0.0.1:9/tin-hoat-dong/-/asset_publisher/x/content/bai-viet"
    wanted = Wanted(url, "slug:bai-viet", "tin-hoat-dong", None, None, "listing")
    request = Request(url, meta={"wanted": wanted, "kind": "article"})
    response = HtmlResponse(url, body=b"<html></html>", request=request)
    out = UnreadablePages.from_crawler(crawler).process_spider_exception(
        response, RecursionError("maximum recursion depth exceeded")
    )
    [failed] = out
    assert isinstance(failed, FetchFailed) and failed["url"] == url
    assert failed["error"] == (
        "page could not be read: RecursionError: maximum recursion depth exceeded"
    )
    report = crawler.spider.report
    assert (report.errors, report.unreadable, report.section("tin-hoat-dong").failed) == (1, 1, 1)
    assert crawler.stats.get_value("portalcrawl/unreadable_pages") == 1
