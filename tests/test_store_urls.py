"""An article listed in two sections has a URL under each: its stored `url` does not flip with
whichever listing led the crawl to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from portalcrawl.site.urls import article_section
from portalcrawl.store.database import Store
from tests.storefactory import article, article_url, crawl_run

NEWS, PRESS = "tin-hoat-dong", "bao-chi-voi-dong-thap"


def _url(store: Store, asset_id: int) -> str:
    return store.db.execute("SELECT url FROM articles WHERE asset_id=?", [asset_id]).fetchone()[0]


def test_an_edit_read_through_a_second_section_keeps_the_stored_url(tmp_path: Path) -> None:
    with Store(tmp_path / "portal.sqlite3") as store:
        first = article(1, "Tin lũ", sections=(NEWS,))
        crawl_run(store, [first])
        edited = article(1, "Tin lũ", "Nội dung mới.", url=article_url("Tin lũ", PRESS))
        crawl_run(store, [edited])
        assert _url(store, 1) == first["url"]
        assert store.db.execute("SELECT version FROM articles").fetchone()[0] == 2


def test_a_new_slug_in_the_same_section_is_taken(tmp_path: Path) -> None:
    with Store(tmp_path / "portal.sqlite3") as store:
        crawl_run(store, [article(1, "Tin lũ", sections=(NEWS,))])
        renamed = article(1, "Tin lũ lớn", sections=(NEWS,))
        crawl_run(store, [renamed])
        assert _url(store, 1) == renamed["url"] == article_url("Tin lũ lớn", NEWS)


@pytest.mark.parametrize("body", ["Nội dung bài viết.", "Đăng lại, có sửa."])
def test_a_restored_article_takes_the_url_that_answered(tmp_path: Path, body: str) -> None:
    with Store(tmp_path / "portal.sqlite3") as store:
        crawl_run(store, [article(1, "Tin lũ", sections=(NEWS,))])
        crawl_run(store, removed=[1])
        back = article(1, "Tin lũ", body, url=article_url("Tin lũ", PRESS))
        crawl_run(store, [back])
        assert _url(store, 1) == back["url"]
        assert store.db.execute("SELECT status FROM articles").fetchone()[0] == "live"


def test_article_section_reads_both_url_forms() -> None:
    assert article_section(article_url("Tin lũ", PRESS)) == PRESS
    assert article_section(f"https://x/{NEWS}/-/asset_publisher/abc/content/id/123?x=1") == NEWS
    assert article_section("https://x/tin-hoat-dong") is None
    assert article_section(None) is None
