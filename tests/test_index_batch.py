"""The crawl's batches index their articles at the batch's commit (Store.begin_batch): what is
committed is searchable, with the latest text, and a rolled-back batch indexes nothing."""

from __future__ import annotations

from pathlib import Path

from monitor.data.search import search
from portalcrawl.store.database import Store
from tests.storefactory import article


def _indexed(store: Store) -> dict[int, str]:
    rows = store.db.execute("SELECT rowid, title FROM articles_fts ORDER BY rowid").fetchall()
    return dict(rows)


def test_a_batch_indexes_its_articles_when_it_commits(tmp_path: Path) -> None:
    with Store(tmp_path / "portal.sqlite3") as store:
        store.begin_batch()
        store.save_article(article(1, "Lũ về sớm"), None, ["id:1"])
        store.save_article(article(2, "Hội nghị tổng kết"), None, ["id:2"])
        store.save_article(article(1, "Lũ về sớm ở Hồng Ngự"), None, ["id:1"])  # edited
        assert _indexed(store) == {}  # waiting for the batch's commit
        store.commit_batch()
        assert _indexed(store) == {1: "lu ve som o hong ngu", 2: "hoi nghi tong ket"}
        hits = search(store, "hong ngu")
    assert [h.asset_id for h in hits] == [1]


def test_a_rolled_back_batch_indexes_nothing(tmp_path: Path) -> None:
    with Store(tmp_path / "portal.sqlite3") as store:
        store.begin_batch()
        store.save_article(article(1, "Lũ về sớm"), None, ["id:1"])
        store.rollback_batch()
        store.begin_batch()
        store.save_article(article(2, "Hội nghị tổng kết"), None, ["id:2"])
        store.commit_batch()
        assert _indexed(store) == {2: "hoi nghi tong ket"}
        assert store.db.execute("SELECT asset_id FROM articles").fetchall() == [(2,)]


def test_outside_a_batch_a_save_is_indexed_at_once(tmp_path: Path) -> None:
    with Store(tmp_path / "portal.sqlite3") as store:
        store.save_article(article(1, "Lũ về sớm"), None, ["id:1"])
        assert _indexed(store) == {1: "lu ve som"}
