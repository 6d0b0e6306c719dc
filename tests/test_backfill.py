"""A backfill that spans runs: newest first across every section, resumed where the last run
stopped, each run ending `partial` at its request budget until the whole listing is stored.

Scaled: 150 articles, pages of 5, a budget of 40 requests a run.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest

from monitor.localportal import SECTIONS, PortalServer, build_corpus
from monitor.localportal.faults import migrate_archive, transient_404
from tests.clirun import crawl, monitor_cli
from tests.faultkit import live_in_store, live_on_portal, query

N, BUDGET, SIZE = 150, 40, 5
SMALL_PAGES = ("--set", f"PORTALCRAWL_PAGE_SIZE={SIZE}")


@pytest.fixture
def archive():
    corpus = build_corpus(seed=21, n=N)
    with PortalServer(corpus) as server:
        yield corpus, server


def _listing_page(path: str) -> tuple[str, int] | None:
    parts = urlsplit(path)
    section = parts.path.strip("/")
    if section not in {s.path for s in SECTIONS}:
        return None
    cur = [v for k, v in parse_qs(parts.query).items() if k.endswith("_cur")]
    return section, int(cur[0][0]) if cur else 1


def test_backfill_spans_runs_newest_first_and_resumes(archive, db_path):
    corpus, server = archive
    outcomes, listing_reads = [], Counter()
    newest = {s.path: [a.asset_id for a in corpus.listing(s.path)[:SIZE]] for s in SECTIONS}
    posted = None
    for run in range(1, 12):
        server.clear_log()
        outcome = crawl(server, db_path, "--max-requests", str(BUDGET), *SMALL_PAGES)
        outcomes.append(outcome)
        log = server.requests
        assert len(log) <= BUDGET
        for record in log:
            page = _listing_page(record.path)
            if page:
                listing_reads[page] += 1
        if run == 1:
            stored = live_in_store(db_path)
            for section, ids in newest.items():
                assert set(ids) <= stored, f"{section}'s newest page not stored by run 1"
        if run == 2:
            posted = corpus.new_article("tin-hoat-dong").asset_id  # news while the backfill runs
        if outcome["status"] == "ok":
            break
        assert outcome["status"] == "partial", outcome
        assert outcome["alerts"] == 0
    assert outcomes[-1]["status"] == "ok", [o["status"] for o in outcomes]
    assert live_in_store(db_path) == live_on_portal(corpus)
    overhead = 1 + 2 * len(SECTIONS)  # robots.txt, each section's first and resume pages
    assert len(outcomes) <= math.ceil(N / (BUDGET - overhead)) + 1
    # No page walked again but each section's first (every run) and the one it resumes in.
    again = {p: n for p, n in listing_reads.items() if p[1] > 1 and n > 2}
    assert again == {}, again
    stats = [json.loads(r[0]) for r in query(db_path, "SELECT stats FROM runs ORDER BY id")]
    assert stats[0]["backfill"]["stored"] > 0 and not stats[0]["backfill"]["done"]
    assert stats[0]["backfill"]["runs_to_go"] >= 1
    assert stats[-1]["backfill"]["done"]
    # articles, not listing entries: a reprint listed in two sections is one
    assert stats[-1]["backfill"]["stored"] == stats[-1]["backfill"]["listed"] == N + 1
    new = [r[0] for r in query(db_path, "SELECT asset_id FROM notices WHERE kind = 'new'")]
    assert posted in new
    old_news = query(
        db_path,
        "SELECT count(*) FROM notices n JOIN article_events e ON e.id = n.event_id "
        "WHERE e.reason = 'backfill'",
    )[0][0]
    assert old_news == 0
    shown = monitor_cli("status", "--db", str(db_path))
    assert shown.returncode == 0, shown.stderr
    assert "backfill done" in shown.stdout and "oldest verification" in shown.stdout


def test_a_backfill_page_retried_from_the_backlog_keeps_its_date_and_stays_history(db_path):
    """A migrated page prints no date (its listing does); one that failed in the backfill and
    is retried by the next run must keep that date and not be announced as `new`."""
    corpus = build_corpus(seed=22, n=30)
    migrate_archive(corpus, share=0.5)
    oldest = min(
        (a for a in corpus.articles if a.template == "migrated"), key=lambda a: a.published
    )
    with PortalServer(corpus) as server:
        transient_404(server, oldest)
        first = crawl(server, db_path)
        assert first["stats"]["errors"] == 1  # said, and on the backlog
        assert oldest.asset_id not in live_in_store(db_path)
        crawl(server, db_path)
    assert query(
        db_path, "SELECT published_at FROM articles WHERE asset_id = ?", (oldest.asset_id,)
    ) == [(f"{oldest.published:%Y-%m-%d}T00:00:00+07:00",)]
    assert query(db_path, "SELECT kind FROM notices") == []
