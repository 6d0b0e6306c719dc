"""Hostile article pages over the local copy, several at once in one small crawl: markup nested
thousands deep is read (flat past the cap), never lost; a page claiming another stored article's
identity is held, never applied; raw control characters never reach the store, bidi controls
never reach a terminal, a megabyte title is cut at its cap. Units for each defence beside it
(the text rules: tests/test_text_limits.py).
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from parsel import Selector
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from monitor.config import HealthConfig
from monitor.localportal import PortalServer, build_corpus
from monitor.localportal.faults import (
    BIDI,
    CONTROLS,
    claims_identity,
    deep_nesting,
    hostile_text,
)
from monitor.notify.notices import check_health
from portalcrawl.items import FetchFailed
from portalcrawl.parsing.article import RawArticle
from portalcrawl.parsing.flatten import MAX_DEPTH, flatten_deep
from portalcrawl.parsing.loaders import article_item
from portalcrawl.parsing.reader import ReadError
from portalcrawl.site.urls import MAX_URL, absolute, canonical_url, on_portal
from portalcrawl.spiders.portal import PortalSpider
from portalcrawl.spiders.unreadable import UnreadablePages
from portalcrawl.spiders.walk import Wanted
from portalcrawl.store.database import Store
from portalcrawl.store.identity import claims_another
from portalcrawl.store.report import RunReport
from portalcrawl.text.normalise import ELLIPSIS, FIELD_CAPS
from tests.clirun import crawl, monitor_cli
from tests.faultkit import check_store, query

DEEP_TEXT = "Đoạn văn nằm sâu trong hàng nghìn thẻ div lồng nhau."
DEPTHS = (1_500, 50_000)
BASE = "http://127.0.0.1:9"
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
        listed = corpus.listing("xay-dung-dang")
        # stored thieves (edited, so their pages are fetched), their victims, and a new page
        # claiming the newest stored article of its section, which that listing shows too
        thieves, victims = listed[1:4], listed[4:7]
        ways = ("anchor", "canonical", "article_id")
        for thief, victim, by in zip(thieves, victims, ways, strict=True):
            corpus.edit(thief.asset_id, summary=f"Tóm tắt mới của bài {thief.asset_id}.")
            claims_identity(server, thief, victim, by)
        newcomer = corpus.new_article("xay-dung-dang")
        claims_identity(server, newcomer, listed[0], "anchor")
        victims = [*victims, listed[0]]
        before = {v.asset_id: _article_row(db, v.asset_id) for v in victims}
        controls, huge = corpus.new_article("kinh-te-xa-hoi"), corpus.new_article("tin-hoat-dong")
        link = "<a href='http://[hỏng/x'>liên kết hỏng</a>"  # no URL: the page still reads
        hostile_text(server, controls, RAW_TITLE, f"Thân{CONTROLS}bài{BIDI} {link}")
        hostile_text(server, huge, HUGE_TITLE, "")
        # the rolling audit off: nothing else fetches the victims, so each claim meets the store
        outcome = crawl(server, db, "--set", "PORTALCRAWL_AUDIT_CYCLE_HOURS=0")
        yield SimpleNamespace(
            db=db,
            outcome=outcome,
            corpus=corpus,
            deep=deep,
            controls=controls,
            huge=huge,
            thieves=[*thieves, newcomer],
            victims=victims,
            before=before,
        )


def _article_row(db: Path, asset_id: int) -> tuple:
    [row] = query(
        db,
        "SELECT url, title, body_text, version, content_hash FROM articles WHERE asset_id = ?",
        (asset_id,),
    )
    return row


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
    assert stats["dropped"] == {"identity_claim": 4}
    assert stats["unreadable_pages"] == 0 and stats["errors"] == 0


@pytest.mark.slow
def test_a_page_claiming_another_article_is_held_never_applied(hostile) -> None:
    for victim in hostile.victims:  # untouched: no version, no event, its URL kept
        assert _article_row(hostile.db, victim.asset_id) == hostile.before[victim.asset_id]
        assert (
            query(
                hostile.db,
                "SELECT kind FROM article_events WHERE asset_id = ? AND run_id = ?",
                (victim.asset_id, hostile.outcome["run_id"]),
            )
            == []
        )
    claims = query(
        hostile.db, "SELECT url, claimed_asset_id, owner_asset_id, reason FROM identity_claims"
    )
    assert sorted(c[1:3] for c in claims) == sorted(
        [
            (hostile.victims[0].asset_id, hostile.thieves[0].asset_id),  # its slug is the thief's
            (hostile.thieves[1].asset_id, hostile.victims[1].asset_id),  # canonical /content/id/
            (hostile.thieves[2].asset_id, hostile.victims[2].asset_id),  # the victim's article id
            (hostile.victims[3].asset_id, hostile.victims[3].asset_id),  # listed at its own URL
        ]
    )
    assert {c[0].split("/content/")[1] for c in claims} == {t.url_title for t in hostile.thieves}
    assert not query(
        hostile.db,
        "SELECT asset_id FROM articles WHERE asset_id = ?",
        (hostile.thieves[3].asset_id,),
    )


@pytest.mark.slow
def test_status_names_the_held_claims(hostile) -> None:
    result = monitor_cli("status", "--db", str(hostile.db))
    assert result.returncode == 0, result.stderr
    assert "identity claims held (not stored): 4" in result.stdout
    thief = hostile.thieves[0]
    assert f"claims asset {hostile.victims[0].asset_id}: its URL (slug:{thief.url_title})" in (
        result.stdout
    )


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
    middleware = UnreadablePages.from_crawler(crawler)
    raised = (
        RecursionError("maximum recursion depth exceeded"),
        ReadError("MemoryError: cannot allocate"),
    )
    failed, helper = (middleware.process_spider_exception(response, exc)[0] for exc in raised)
    assert isinstance(failed, FetchFailed) and failed["url"] == url
    assert failed["error"] == (
        "page could not be read: RecursionError: maximum recursion depth exceeded"
    )
    assert helper["error"] == "page could not be read: MemoryError: cannot allocate"  # its words
    report = RunReport.from_stats(crawler.stats.get_stats(), "finished")
    assert (report.errors, report.unreadable_pages) == (2, 2)
    # an article, not the listing: on the backlog, its section stays in step
    assert "tin-hoat-dong" not in report.sections


def _item(asset_id: int, path: str, keys: list[str]) -> dict:
    raw = RawArticle(
        asset_id=asset_id,
        canonical=BASE + path,
        title=f"Bài {asset_id}",
        date_text="",
        summary="",
        paragraphs=[f"Nội dung bài {asset_id}."],
        body_html="",
        author="",
        source="",
    )
    return dict(article_item(raw, url_keys=[*keys, f"id:{asset_id}"]))


def test_identity_claims_that_disagree_are_found_and_legitimate_forms_pass(
    tmp_path: Path,
) -> None:
    with Store(tmp_path / "portal.sqlite3") as store:
        for asset_id, slug in ((11, "bai-a"), (22, "bai-b")):
            item = _item(asset_id, f"/tin-hoat-dong/-/asset_publisher/x/content/{slug}", [])
            item["article_id"] = asset_id
            store.save_article(item, None, [f"slug:{slug}", f"id:{asset_id}"])
        held = {
            "its slug is another stored article's": _item(22, "/x", ["slug:bai-a"]),
            "its URL's id is not the page's": _item(11, "/x", ["id:22"]),
            "a /content/id/ URL of a new article naming another": _item(33, "/x", ["id:11"]),
        }
        for why, item in held.items():
            assert store.identity_conflict(item) is not None, why
        stolen = {**_item(22, "/x", ["slug:bai-b"]), "article_id": 11}  # 11's article id
        assert "article id 11 is stored asset 11's" in store.identity_conflict(stolen).reason
        conflict = store.identity_conflict(held["its slug is another stored article's"])
        assert (conflict.claimed, conflict.owner) == (22, 11)
        accepted = {
            "its own slug": _item(11, "/x", ["slug:bai-a"]),
            "its own /content/id/ URL": _item(22, "/x", ["id:22", "slug:bai-b"]),
            "a display page (/-/slug) of a new article": _item(
                44, "/web/guest/-/moi", ["slug:moi"]
            ),
            "a stored article under a new slug (its title changed)": _item(11, "/x", ["slug:a2"]),
        }
        for why, item in accepted.items():
            assert store.identity_conflict(item) is None, why
        store.hold_claim(BASE + "/x", conflict, 3)
        store.hold_claim(BASE + "/x", conflict, 4)
        [row] = store.identity_claims()
        assert (row["claimed_asset_id"], row["owner_asset_id"], row["times"]) == (22, 11, 2)
        assert row["last_run_id"] == 4 and store.count_identity_claims() == 1


def test_a_stored_article_listed_at_its_own_url_is_not_taken_by_a_new_one(tmp_path: Path) -> None:
    with Store(tmp_path / "portal.sqlite3") as store:
        store.save_article(_item(11, "/a", []), None, ["slug:bai-a", "id:11"])
        newcomer = _item(11, "/b", ["slug:bai-moi"])
        assert store.identity_conflict(newcomer) is None  # a slug change, as far as we know
        dated = {**newcomer, "published_at": "2026-12-01T08:00:00+07:00"}
        store.db.execute("UPDATE articles SET published_at = '2026-11-20T09:00:00+07:00'")
        assert "of 2026-11-20, dated 2026-12-01" in store.identity_conflict(dated).reason
        store.open_sightings()
        store.add_sightings([("slug:bai-a", "tin-hoat-dong", "h", None, False)])
        conflict = store.identity_conflict(newcomer)
        assert conflict is not None and "listed this run" in conflict.reason


def test_an_unreadable_page_raises_a_crawler_alert_every_time(tmp_path: Path) -> None:
    with Store(tmp_path / "portal.sqlite3") as store:
        for _ in range(2):
            run_id = store.start_run(pid=os.getpid())
            report = RunReport(pages=3, article_pages=40, errors=1, unreadable_pages=1)
            report.last_error = "page could not be read: RecursionError: too deep (127.0.0.1)"
            store.finish_run(run_id, "ok", report.to_json())
            [message] = check_health(store, run_id, HealthConfig())
            assert message.startswith("1 pages could not be read (kept on the backlog")
            assert "RecursionError" in message


@st.composite
def nested(draw: st.DrawFn) -> str:
    """Markup of common tags, some nested far past the cap, some left open or closed twice."""
    parts: list[str] = []
    for _ in range(draw(st.integers(1, 6))):
        tag = draw(st.sampled_from(["div", "span", "b", "p", "li", "a", "td", "section"]))
        depth = draw(st.sampled_from([1, 3, MAX_DEPTH - 1, MAX_DEPTH + 7, 700]))
        text = draw(st.text("abc đ<>&", max_size=4)).replace("<", "&lt;")
        close = draw(st.sampled_from(["all", "none", "twice"]))
        closing = {"all": f"</{tag}>" * depth, "none": "", "twice": f"</{tag}>" * (depth * 2)}
        parts.append(f"<{tag}>" * depth + f"{text}<br>x" + closing[close])
    return "<html><body>" + "".join(parts) + "<p id='end'>end</p></body></html>"


@given(nested())
@settings(max_examples=25, deadline=None)
def test_flattening_keeps_the_text_and_bounds_the_depth(page: str) -> None:
    flat, dropped = flatten_deep(page)
    before, after = Selector(text=page).root, Selector(text=flat).root
    text, whole = "".join(after.itertext()), "".join(before.itertext())
    assert text.endswith("end")  # read to its end, whatever the depth
    if whole.endswith("end"):  # libxml2 read the original whole too (it stops at 2,048)
        assert text == whole
    assert max(len(list(e.iterancestors())) for e in after.iter()) <= MAX_DEPTH + 12
    assert (flat == page) == (dropped == 0)


def test_urls_a_page_prints_carry_no_control_character_and_no_megabyte() -> None:
    page_url = BASE + "/tin-hoat-dong/-/asset_publisher/x/content/bai"
    assert absolute("/a\x1b[31m\x85.jpg", page_url, BASE, ()) == BASE + "/a%1B[31m%C2%85.jpg"
    assert absolute("/" + "a" * MAX_URL + ".jpg", page_url, BASE, ()) is None
    assert canonical_url(page_url + "\x07") == page_url + "%07"


def test_the_spider_lets_a_claim_to_another_article_through_to_be_held() -> None:
    owners = {"slug:bai-a": 11, "slug:bai-b": 22}.get
    assert claims_another(22, ["slug:bai-a", "id:22"], owners, True)  # the slug is 11's
    assert claims_another(11, ["id:22", "id:11"], owners, True)  # the URL says 22
    assert claims_another(11, ["slug:moi", "id:11"], owners, True)  # a new URL for stored 11
    assert not claims_another(11, ["slug:bai-a", "id:11"], owners, True)
    assert not claims_another(33, ["slug:moi", "id:33"], owners, False)  # a new article


def test_a_link_that_is_no_url_does_not_make_the_page_unreadable() -> None:
    page_url = BASE + "/tin-hoat-dong/-/asset_publisher/x/content/bai"
    for href in ("http://[bad", "//[::1", "https://[x/-/asset_publisher/a/content/id/1"):
        assert on_portal(href, page_url, BASE, ()) is None
        assert absolute(href, page_url, BASE, ()) is None
