"""End-to-end: `monitor run` over real HTTP against the local copy, into a real SQLite file."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from urllib.parse import urlsplit

import pytest

from monitor.localportal import PortalServer, build_corpus
from portalcrawl.site.urls import article_key
from tests.clirun import crawl, monitor_cli

pytestmark = pytest.mark.slow

DISALLOWED = ("/c/", "/tim-kiem", "/video")


def rows(db) -> dict[int, dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    out = {r["asset_id"]: dict(r) for r in conn.execute("SELECT * FROM articles")}
    conn.close()
    return out


def minute(iso: str) -> str:
    """The portal shows minutes; the corpus keeps seconds."""
    return iso[:16] + ":00" + iso[19:]


def article_hits(corpus, server, requests) -> Counter[int]:
    """Requests per article, whatever URL form asked for it."""
    hits: Counter[int] = Counter()
    for record in requests:
        key = article_key(server.base_url + urlsplit(record.path).path)
        if key:
            kind, value = key.split(":", 1)
            article = corpus.by_id(int(value)) if kind == "id" else corpus.by_slug(value)
            hits[article.asset_id] += 1
    return hits


def linked_both_ways(corpus) -> list:
    """Reprints linked by their id URL in one section and by their slug URL in the other."""
    return [a for a in corpus.articles if len({a.link_form[s] for s in a.sections}) == 2]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    corpus = build_corpus(seed=5, n=150)
    reprints = [a for a in corpus.articles if len(a.sections) == 2]
    for article, by_id in zip(reprints[:2], (0, 1), strict=True):  # one each way
        article.link_form[article.sections[by_id]] = "id"
    db = tmp_path_factory.mktemp("e2e") / "portal.sqlite3"
    with PortalServer(corpus) as server:
        outcome = crawl(server, db)
        yield corpus, server, db, outcome, list(server.requests)


def test_every_article_stored_once_with_the_right_fields(crawled) -> None:
    corpus, server, db, outcome, _ = crawled
    expected = {a: e for a, e in corpus.expected(server.base_url).items() if e["state"] == "live"}
    stored = rows(db)
    assert set(stored) == set(expected)
    for asset_id, want in expected.items():
        got = stored[asset_id]
        assert got["title"] == want["title"]
        assert got["summary"] == want["summary"]
        assert got["body_text"] == want["body_text"]
        assert (got["author"] or "") == want["author"]
        assert (got["source"] or "") == want["source"]
        assert json.loads(got["attachments"]) == want["attachments"]
        assert json.loads(got["images"]) == want["images"]
        assert sorted(json.loads(got["sections"])) == sorted(want["sections"])
        if want["template"] == "migrated":
            assert got["published_at"] == want["published"][:10] + "T00:00:00+07:00"
        else:
            assert got["published_at"] == minute(want["published"])
        assert got["status"] == "live"
        assert "?" not in got["url"] and article_key(got["url"]) == f"slug:{want['url_title']}"
    assert outcome["status"] == "ok"


def test_two_section_articles_are_one_row_with_both_sections(crawled) -> None:
    corpus, _, db, _, _ = crawled
    doubles = [a for a in corpus.articles if len(a.sections) > 1 and a.state == "live"]
    assert doubles
    stored = rows(db)
    for article in doubles:
        assert sorted(json.loads(stored[article.asset_id]["sections"])) == sorted(article.sections)


def test_a_reprint_linked_by_id_in_one_section_and_by_slug_in_another_is_fetched_once(
    crawled,
) -> None:
    # A first crawl queues both links before either page answers: the first answer tells the
    # article's identity, and the other request is not sent (portalcrawl/spiders/fetched.py).
    corpus, server, db, _, requests = crawled
    mixed = linked_both_ways(corpus)
    assert len(mixed) == 2
    hits, stored = article_hits(corpus, server, requests), rows(db)
    for article in mixed:
        assert hits[article.asset_id] == 1
        assert sorted(json.loads(stored[article.asset_id]["sections"])) == sorted(article.sections)


def test_each_article_fetched_once_and_nothing_forbidden(crawled) -> None:
    corpus, server, _, outcome, requests = crawled
    for record in requests:
        path = urlsplit(record.path).path
        assert not path.startswith(DISALLOWED), path
    hits = article_hits(corpus, server, requests)
    assert hits and max(hits.values()) == 1
    assert requests[0].path == "/robots.txt"
    assert outcome["stats"]["requests"] == len(requests)  # nothing went anywhere else


def test_user_agent_is_honest_with_contact(crawled) -> None:
    *_, requests = crawled
    agents = {r.user_agent for r in requests}
    assert len(agents) == 1
    agent = agents.pop()
    assert agent.startswith("portalcrawl/") and ("mailto:" in agent or "http" in agent)


def test_listing_read_with_large_pages(crawled) -> None:
    *_, requests = crawled
    listing = [r.path for r in requests if "_delta=" in r.path]
    assert listing and all("_delta=75" in p for p in listing)


def test_bad_input_is_one_line_and_nonzero(tmp_path) -> None:
    cases = [
        ("run", "--portal-url", "ftp://example", "--db", str(tmp_path / "x.sqlite3")),
        (
            "run",
            "--portal-url",
            "http://127.0.0.1:9",
            "--db",
            str(tmp_path / "x.sqlite3"),
            "--section",
            "no-such-section",
        ),
        (
            "run",
            "--portal-url",
            "http://127.0.0.1:9",
            "--db",
            str(tmp_path / "x.sqlite3"),
            "--set",
            "NOEQUALS",
        ),
        ("run", "--portal-url", "http://127.0.0.1:9", "--db", "/proc/nope/x.sqlite3"),
    ]
    for args in cases:
        result = monitor_cli(*args)
        assert result.returncode != 0, args
        assert "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr


def test_unreachable_portal_fails_in_one_line_and_keeps_the_store(crawled, tmp_path) -> None:
    _, _, db, _, _ = crawled
    before = len(rows(db))
    result = monitor_cli(
        "run",
        "--portal-url",
        "http://127.0.0.1:9",
        "--db",
        str(db),
        "--set",
        "RETRY_TIMES=0",
        "--set",
        "DOWNLOAD_DELAY=0",
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: run") and "failed" in lines[0]
    assert len(rows(db)) == before


def test_links_on_the_real_portal_host_are_crawled_on_the_mirror(tmp_path) -> None:
    corpus = build_corpus(seed=9, n=40)
    with PortalServer(corpus, public_url="https://dongthap.gov.vn") as server:
        outcome = crawl(server, tmp_path / "mirror.sqlite3")
        hits = len(server.requests)
    stored = rows(tmp_path / "mirror.sqlite3")
    live = {a.asset_id for a in corpus.articles if a.state == "live"}
    assert set(stored) == live
    assert all(r["url"].startswith(server.base_url) for r in stored.values())
    assert outcome["stats"]["requests"] == hits  # nothing was requested of the real host


@pytest.mark.parametrize(("level", "debug_lines"), [("INFO", False), ("DEBUG", True)])
def test_the_crawl_log_holds_debug_lines_only_at_debug(tmp_path, level, debug_lines) -> None:
    corpus = build_corpus(seed=9, n=10)
    db = tmp_path / "portal.sqlite3"
    with PortalServer(corpus) as server:
        outcome = crawl(server, db, "--set", f"LOG_LEVEL={level}")
    log = (tmp_path / "logs" / f"run-{outcome['run_id']}.log").read_text("utf-8")
    assert "INFO" in log
    assert ("DEBUG: Crawled (200)" in log) is debug_lines
