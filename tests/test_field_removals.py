"""Removals that persist: a transient 404 on a listed article and a maintenance window (listings
empty, article pages 404) announce nothing; a real removal is announced once, confirmed."""

from __future__ import annotations

import pytest

from monitor.localportal import PortalServer, build_corpus
from monitor.localportal.faults import maintenance, transient_404
from tests.clirun import crawl
from tests.faultkit import query

RECENT = ("--set", "PORTALCRAWL_REVISIT_HOURS=100000")  # every listed article re-fetched


@pytest.fixture
def stored(db_path):
    corpus = build_corpus(seed=9, n=40)
    with PortalServer(corpus) as server:
        crawl(server, db_path)
        yield corpus, server


def _kinds(db, run_id: int) -> list[str]:
    return [r[0] for r in query(db, "SELECT kind FROM notices WHERE run_id = ?", (run_id,))]


def test_a_transient_404_on_a_listed_article_is_a_failure_not_a_removal(stored, db_path):
    corpus, server = stored
    article = corpus.listing("tin-hoat-dong")[0]
    transient_404(server, article)
    first = crawl(server, db_path, *RECENT)
    again = crawl(server, db_path, *RECENT)
    assert _kinds(db_path, first["run_id"]) == [] and _kinds(db_path, again["run_id"]) == []
    assert first["stats"]["errors"] == 1 and again["stats"]["errors"] == 0  # said, then retried
    status = query(db_path, "SELECT status FROM articles WHERE asset_id = ?", (article.asset_id,))
    assert status == [("live",)]


def test_a_maintenance_window_is_one_alert_and_no_removal(stored, db_path):
    corpus, server = stored
    with maintenance(corpus):
        down = crawl(server, db_path, check=False)
    assert _kinds(db_path, down["run_id"]) == ["crawler_alert"]
    assert (
        "maintenance"
        in query(db_path, "SELECT title FROM notices WHERE run_id = ?", (down["run_id"],))[0][0]
    )
    back = crawl(server, db_path)
    assert _kinds(db_path, back["run_id"]) == []
    assert query(db_path, "SELECT count(*) FROM articles WHERE status = 'removed'") == [(0,)]


def test_a_removal_is_announced_once_when_confirmed(stored, db_path):
    corpus, server = stored
    gone = corpus.listing("kinh-te-xa-hoi")[0]
    corpus.remove(gone.asset_id)
    first = crawl(server, db_path)
    assert _kinds(db_path, first["run_id"]) == ["removed"]  # no longer listed where it was
    later = crawl(server, db_path)
    assert _kinds(db_path, later["run_id"]) == []


def test_a_removal_answered_before_its_listing_was_walked_is_confirmed_that_run(stored, db_path):
    corpus, server = stored
    gone = corpus.listing("kinh-te-xa-hoi")[0]
    corpus.remove(gone.asset_id, soft=True)
    # Every article is due for the audit, and the listing answers late: the audit's request
    # for the article is answered before the walk finds it gone from its listing.
    server.set_delay(2.0, path_prefix="/kinh-te-xa-hoi")
    first = crawl(server, db_path, "--set", "PORTALCRAWL_AUDIT_CYCLE_HOURS=0.0001")
    assert _kinds(db_path, first["run_id"]) == ["removed"]
