"""Removals deep in a listing: the listing's total says something went, a normal run finds it."""

from __future__ import annotations

import json

import pytest

from monitor.localportal import PortalServer, build_corpus
from tests.clirun import crawl, monitor_cli

pytestmark = pytest.mark.slow
SMALL_PAGES = ("--set", "PORTALCRAWL_PAGE_SIZE=20")


def notices(db, run_id: int) -> list[tuple[str, int]]:
    result = monitor_cli("notices", "--db", str(db), "--json")
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return sorted((n["kind"], n["asset_id"]) for n in rows if n["run_id"] == run_id)


def test_old_removals_and_restorations_are_found_without_full(tmp_path) -> None:
    corpus = build_corpus(seed=21, n=120)
    db = tmp_path / "portal.sqlite3"
    with PortalServer(corpus) as server:
        crawl(server, db, *SMALL_PAGES)
        listing = corpus.listing("tin-hoat-dong")
        assert len(listing) >= 40
        deep, deeper = listing[-5], listing[-2]  # far past the first page of 20
        corpus.remove(deep.asset_id)
        corpus.remove(deeper.asset_id, soft=True)
        first = crawl(server, db, *SMALL_PAGES)
        assert notices(db, first["run_id"]) == sorted(
            [("removed", deep.asset_id), ("removed", deeper.asset_id)]
        )
        server.clear_log()
        quiet = crawl(server, db, *SMALL_PAGES)
        assert notices(db, quiet["run_id"]) == []
        listing_pages = [r for r in server.requests if "_delta=" in r.path]
        assert len(listing_pages) == 6  # counts agree again: one page per section
        corpus.restore(deep.asset_id)
        back = crawl(server, db, *SMALL_PAGES)
        assert notices(db, back["run_id"]) == [("restored", deep.asset_id)]
