"""Migrated archives are not a template alarm (issue #12, part 5): a page in the old portal's
bare template is read as a template of its own (`migrated`); the template alert counts only the
pages that should have had the profile's template and did not."""

from __future__ import annotations

import json
from pathlib import Path

from scrapy.http import HtmlResponse

from monitor.localportal import PortalServer, build_corpus
from monitor.localportal.faults import migrate_archive
from portalcrawl.parsing.article import parse_article
from portalcrawl.parsing.derived import comparable
from portalcrawl.site.profile import load_profile
from portalcrawl.store.database import Store
from portalcrawl.store.snapshot import CrawlSnapshot
from tests.clirun import crawl
from tests.faultkit import query
from tests.storefactory import article, crawl_run

GOLDEN = Path(__file__).parent / "golden"
BASE = "https://dongthap.gov.vn"


def _read(name: str):
    html = (GOLDEN / name).read_bytes()
    url = f"{BASE}/web/dongthap/-/{name.removesuffix('.html')}"
    response = HtmlResponse(url, body=html, encoding="utf-8")
    return parse_article(response.selector, url, load_profile(), BASE)


def test_the_bare_template_reads_as_migrated_and_stock_liferay_as_fallback() -> None:
    assert _read("reference-article-migrated.html").extraction == "migrated"
    assert _read("variant-liferay73-article.html").extraction == "fallback"
    assert _read("reference-article-xay-dung-dang.html").extraction == "profile"


def test_only_a_reading_without_the_template_of_a_template_page_is_held() -> None:
    assert not comparable("profile", "migrated") and not comparable("profile", "fallback")
    assert comparable("migrated", "migrated") and comparable("fallback", "migrated")
    assert comparable("profile", "profile") and comparable("migrated", "profile")


def test_which_pages_should_have_had_the_template(tmp_path: Path) -> None:
    items = [
        article(1, "Mới", published_at="2026-11-20T08:30:00+07:00"),
        article(2, "Cũ", published_at="2018-03-01T00:00:00+07:00", extraction="migrated"),
        article(3, "Cũ hơn", published_at="2017-03-01T00:00:00+07:00", extraction="migrated"),
    ]
    path = tmp_path / "portal.sqlite3"
    with Store(path) as store:
        crawl_run(store, items)
    with Store(path, readonly=True) as store:
        known = CrawlSnapshot.load(store)
    assert known.migrated_until is not None and known.migrated_until.year == 2018
    assert known.should_have_template(1, "migrated", None)  # stored from the template
    assert not known.should_have_template(2, "migrated", None)  # always bare
    assert known.should_have_template(9, "fallback", None)  # new, and needs the fallback
    assert not known.should_have_template(9, "migrated", "2016-05-01T00:00:00+07:00")
    assert known.should_have_template(9, "migrated", "2026-11-30T00:00:00+07:00")
    # before any migrated article is stored, a bare page is of the archive
    assert not CrawlSnapshot().should_have_template(9, "migrated", "2026-11-30T00:00:00+07:00")


def _alerts(db: Path, run_id: int) -> list[str]:
    return [
        title
        for (title,) in query(
            db, "SELECT title FROM notices WHERE run_id = ? AND kind = 'crawler_alert'", (run_id,)
        )
    ]


def _stats(db: Path, run_id: int) -> dict:
    [(stats,)] = query(db, "SELECT stats FROM runs WHERE id = ?", (run_id,))
    return json.loads(stats)


def test_a_migrated_archive_raises_no_alert_and_a_template_gone_bare_does(db_path: Path) -> None:
    corpus = build_corpus(seed=12, n=48)
    migrated = migrate_archive(corpus, share=0.8)
    with PortalServer(corpus) as server:
        first = crawl(server, db_path)
        assert _alerts(db_path, first["run_id"]) == []
        assert _stats(db_path, first["run_id"])["degraded_pages"] == 0
        stored = query(db_path, "SELECT count(*) FROM articles WHERE extraction = 'migrated'")
        assert stored == [(len(migrated),)]
        # Then the template breaks: today's posts come as bare paragraphs.
        for _ in range(7):
            corpus.new_article("tin-hoat-dong", template="migrated")
        second = crawl(server, db_path)
    [alert] = _alerts(db_path, second["run_id"])
    assert "template changed" in alert
    assert _stats(db_path, second["run_id"])["degraded_pages"] >= 7
