"""A listing whose counter counts an entry that is never stored (a document, a link off the
portal) is in step once walked to its end: later runs read its first page only, not every page
of it every run (at one request a second, a whole walk of a ten-year section is many minutes)."""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

from monitor.localportal import PortalServer, build_corpus
from tests.clirun import crawl
from tests.faultkit import article_path, query

SECTION = "kinh-te-xa-hoi"
SMALL_PAGES = ("--set", "PORTALCRAWL_PAGE_SIZE=5")
_FIRST_ENTRY = re.compile(
    rb'(<div class="asset-abstract.*?<a class="asset-title[^"]*" href=")([^"]+)', re.S
)


def _a_document_in_place_of_the_first_entry(response):
    if b"pagination-results" not in response.body:
        return response
    body = _FIRST_ENTRY.sub(rb"\1/documents/10180/0/bao-cao.pdf", response.body, count=1)
    return replace(response, body=body)


def _pages_read(server, section: str) -> list[int]:
    pages = []
    for record in server.requests:
        parts = urlsplit(record.path)
        if parts.path.strip("/") == section:
            cur = [v for k, v in parse_qs(parts.query).items() if k.endswith("_cur")]
            pages.append(int(cur[0][0]) if cur else 1)
    return pages


def test_a_counter_that_counts_an_unstored_entry_does_not_walk_the_section_every_run(db_path):
    corpus = build_corpus(seed=4, n=90)
    with PortalServer(corpus) as server:
        server.rewrite(f"/{SECTION}", _a_document_in_place_of_the_first_entry)
        crawl(server, db_path, *SMALL_PAGES)  # the first walk reads it to its end
        walked = _pages_read(server, SECTION)
        assert len(walked) > 2
        [(offset,)] = query(
            db_path, "SELECT count_offset FROM section_state WHERE section = ?", (SECTION,)
        )
        assert offset == len(walked)  # each page's document
        server.clear_log()
        crawl(server, db_path, *SMALL_PAGES)
        assert _pages_read(server, SECTION) == [1]
        # An article taken down further back is still noticed: the count no longer agrees.
        stored = {a for (a,) in query(db_path, "SELECT asset_id FROM articles")}
        gone = [a for a in corpus.listing(SECTION) if a.asset_id in stored][-2]
        corpus.remove(gone.asset_id)
        server.clear_log()
        outcome = crawl(server, db_path, *SMALL_PAGES)
        assert len(_pages_read(server, SECTION)) > 2
    removed = query(db_path, "SELECT status FROM articles WHERE asset_id = ?", (gone.asset_id,))
    assert removed == [("removed",)], outcome


def test_a_failed_article_does_not_make_its_section_walked_whole_next_run(db_path):
    corpus = build_corpus(seed=5, n=90)
    with PortalServer(corpus) as server:
        crawl(server, db_path, *SMALL_PAGES)
        whole = len(_pages_read(server, SECTION))
        assert whole > 3
        post = corpus.new_article(SECTION)
        server.fail_next(4, 503, path_prefix=article_path(post))  # past its retries
        crawl(server, db_path, *SMALL_PAGES)
        assert query(db_path, "SELECT count(*) FROM crawl_backlog") == [(1,)]
        server.clear_log()
        crawl(server, db_path, *SMALL_PAGES)
        # In step: its first page (the retried post is on it, so the next one too), not all.
        assert _pages_read(server, SECTION) == [1, 2]
    assert post.asset_id in {a for (a,) in query(db_path, "SELECT asset_id FROM articles")}
    assert query(db_path, "SELECT count(*) FROM crawl_backlog") == [(0,)]
