"""Fault injection at the store: locked before a run starts or in the middle of one, read-only,
a full disk under a run, a full store under one article, and another writer committing
meanwhile. (Runs hurt by the portal, a kill or a webhook are test_faults_runs.)

A store that cannot be written fails in one line that names it and is never left half-written:
each test checks that it is whole (check_store) and, where a run was hurt, that the next run
catches up to exactly what the portal holds.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from monitor.localportal import PortalServer, build_corpus
from portalcrawl.store.database import Store, store_error
from tests.clirun import LOCAL_COPY, crawl, monitor_cli
from tests.faultkit import (
    check_store,
    count,
    live_in_store,
    live_on_portal,
    one_error_line,
    query,
    read_only,
    start_run,
    wait_for,
)
from tests.storefactory import article

pytestmark = pytest.mark.slow
FAST_LOCK = {"PORTALCRAWL_BUSY_TIMEOUT": "0.5"}


# -- the store itself fails: locked, read-only, full -----------------------------------------


def test_a_locked_store_fails_in_one_line_before_anything_starts(tmp_path: Path) -> None:
    db = tmp_path / "portal.sqlite3"
    sqlite3.connect(db).executescript("PRAGMA journal_mode=wal; CREATE TABLE t(x);")
    locker = sqlite3.connect(db, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        result = monitor_cli(
            "run", "--portal-url", "http://127.0.0.1:9", "--db", str(db), env=FAST_LOCK, timeout=60
        )
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert result.returncode == 1
    line = one_error_line(result.stderr)
    assert "locked" in line and str(db) in line
    assert query(db, "SELECT name FROM sqlite_master WHERE name = 'runs'") == []


def test_a_lock_taken_mid_crawl_fails_the_run_cleanly_and_the_next_catches_up(
    tmp_path: Path,
) -> None:
    corpus, db_path = build_corpus(seed=17, n=60), tmp_path / "portal.sqlite3"
    with PortalServer(corpus) as portal:
        _lock_mid_crawl(corpus, portal, db_path)


def _lock_mid_crawl(corpus: Any, portal: PortalServer, db_path: Path) -> None:
    portal.set_delay(0.25)
    proc = start_run(portal, db_path, env=FAST_LOCK)
    wait_for(lambda: count(db_path, "articles") >= 5, what="5 articles stored")
    # slow the rest down so the crawl is surely still under way, however loaded the machine,
    # when the lock is taken: its next batch commit must meet the lock, not a finished run
    portal.set_delay(3.0)
    locker = sqlite3.connect(db_path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:  # held until the crawl has met it and given up, however long that takes under load
        _, stderr = proc.communicate(timeout=120)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    portal.set_delay(0)
    assert proc.returncode == 1
    assert "locked" in one_error_line(stderr)
    check_store(db_path)
    outcome = crawl(portal, db_path)
    assert outcome["status"] == "ok"
    assert query(db_path, "SELECT status FROM runs ORDER BY id")[0][0] in ("failed", "aborted")
    assert live_in_store(db_path) == live_on_portal(corpus)
    check_store(db_path)


def test_a_read_only_store_fails_in_one_line_and_is_left_as_it_was(tmp_path: Path) -> None:
    corpus = build_corpus(seed=13, n=20)
    db = tmp_path / "store" / "portal.sqlite3"
    with PortalServer(corpus) as server:
        crawl(server, db)
        before = db.read_bytes()
        with read_only(db):
            result = monitor_cli(
                "run", "--portal-url", server.base_url, "--db", str(db), *LOCAL_COPY
            )
    assert result.returncode == 1
    line = one_error_line(result.stderr)
    assert "read-only" in line and str(db) in line
    assert db.read_bytes() == before


def test_a_full_disk_fails_the_run_in_one_line_and_leaves_no_half_article(tmp_path: Path) -> None:
    corpus = build_corpus(seed=14, n=30)
    db = tmp_path / "portal.sqlite3"
    with PortalServer(corpus) as server:
        crawl(server, db)
        for _ in range(25):
            corpus.new_article("tin-hoat-dong")
        proc = start_run(server, db, limit_file_size=96 * 1024)  # the WAL cannot grow past it
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 1
        # a file that may not grow is EFBIG, which SQLite reports as an I/O error (ENOSPC is
        # SQLITE_FULL: see test_a_full_store_rolls_back_the_article_and_says_no_space)
        assert f"cannot write store {db}: disk I/O error" in one_error_line(stderr)
        assert query(db, "SELECT status FROM runs ORDER BY id DESC LIMIT 1") == [("failed",)]
        check_store(db)
        assert live_in_store(db) < live_on_portal(corpus)
        outcome = crawl(server, db)
    assert outcome["status"] == "ok"
    assert live_in_store(db) == live_on_portal(corpus)
    check_store(db)


def test_a_full_store_rolls_back_the_article_and_says_no_space(tmp_path: Path) -> None:
    db = tmp_path / "portal.sqlite3"
    with Store(db) as store:
        run_id = store.start_run()
        store.save_article(article(1, "Bài thứ nhất"), run_id, ["id:1"])
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
        store.db.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full now
        with pytest.raises(sqlite3.OperationalError) as caught:
            store.save_article(article(2, "Bài thứ hai", "Nội dung. " * 2000), run_id, ["id:2"])
        error = str(store_error(db, caught.value, "write"))
    assert error == f"store {db}: no space left: database or disk is full"
    check_store(db)
    assert query(db, "SELECT asset_id FROM articles") == [(1,)]
    assert query(db, "SELECT count(*) FROM article_urls WHERE asset_id = 2") == [(0,)]


def test_another_writer_committing_meanwhile_never_fails_a_store_transaction(
    tmp_path: Path,
) -> None:
    """Transactions take the write lock first: a data team's write waits for the store, the
    store never fails because someone committed between its read and its write."""
    db = tmp_path / "portal.sqlite3"
    with Store(db) as store:
        run_id = store.start_run()
        team = sqlite3.connect(db, isolation_level=None, timeout=0.2)
        with store.db.atomic():
            store.db.execute("SELECT count(*) FROM articles").fetchone()
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                team.execute("INSERT INTO meta(key, value) VALUES ('note', 'x')")
            store.save_article(article(1, "Bài viết"), run_id, ["id:1"])
        team.execute("INSERT INTO meta(key, value) VALUES ('note', 'x')")
        team.close()
    check_store(db)
