"""A store on a real, nearly full filesystem (a small tmpfs): a commit that fails, wherever in
the run, fails the run in one line with an alert, marks nothing done, and loses nothing the
next run cannot catch up; an archive whose own filesystem fills costs its records, not the run."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from monitor.localportal import PortalServer, build_corpus
from tests.clirun import LOCAL_COPY, crawl, monitor_cli
from tests.faultkit import check_store, live_in_store, live_on_portal, one_error_line, query
from tests.smallfs import fill, resize, tmpfs

pytestmark = pytest.mark.slow
MB = 1024 * 1024
LONG = ["Ủy ban nhân dân tỉnh Đồng Tháp họp bàn kế hoạch phát triển. " * 30] * 6


def test_a_failed_commit_at_the_end_of_the_crawl_fails_the_run_and_loses_nothing(
    tmp_path: Path,
) -> None:
    corpus = build_corpus(seed=21, n=30)
    with tmpfs(tmp_path / "fs", 32 * MB) as fs, PortalServer(corpus) as server:
        db = fs / "portal.sqlite3"
        crawl(server, db)
        new = {corpus.new_article("tin-hoat-dong", paragraphs=LONG).asset_id for _ in range(20)}
        live = [a for a in corpus.articles if a.state == "live" and a.asset_id not in new]
        edited = {corpus.edit(a.asset_id, title=a.title + " (cập nhật)").asset_id for a in live[:8]}
        with sqlite3.connect(db) as conn:  # the WAL starts empty: its old frames hold no room
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        filler = fill(fs, leave=160 * 1024)
        # one batch for the whole run: the only commit of its articles is the closing one
        done = monitor_cli(
            "run", "--portal-url", server.base_url, "--db", str(db), "--json", *LOCAL_COPY,
            "--set", "PORTALCRAWL_COMMIT_SECONDS=600",
        )  # fmt: skip
        assert done.returncode == 1
        assert "no space left" in one_error_line(done.stderr)
        [(run_id, status)] = query(db, "SELECT id, status FROM runs ORDER BY id DESC LIMIT 1")
        assert status != "ok"
        assert query(db, "SELECT sum(synced) FROM section_state") == [(0,)]
        assert not new & live_in_store(db)
        check_store(db)

        filler.unlink()
        resize(fs, 64 * MB)
        outcome = crawl(server, db)
        assert outcome["status"] == "ok"
        assert live_in_store(db) == live_on_portal(corpus)
        kinds = query(
            db,
            "SELECT kind, asset_id FROM notices WHERE run_id = ? AND kind != 'crawler_alert'",
            (outcome["run_id"],),
        )
        assert {a for k, a in kinds if k == "new"} == new
        assert {a for k, a in kinds if k == "edited"} == edited
        # its alert: raised by the failed run, or by this one when the disk was too full for it
        assert query(db, "SELECT status FROM runs WHERE id = ?", (run_id,)) in (
            [("failed",)],
            [("aborted",)],
        )
        alerts = query(
            db, "SELECT title FROM notices WHERE kind = 'crawler_alert' AND run_id = ?", (run_id,)
        )
        assert len(alerts) == 1
        check_store(db)


def test_an_archive_that_fills_its_disk_costs_the_records_not_the_run(tmp_path: Path) -> None:
    """The WARC files' own filesystem fills mid-run: the failed records are counted and logged,
    and every article is still stored and the run's end recorded (the archive's last flush
    failing at the close once left the store's batch open, and the run's end locked out)."""
    corpus = build_corpus(seed=22, n=30)
    with tmpfs(tmp_path / "warc", 64 * 1024) as warc, PortalServer(corpus) as server:
        db = tmp_path / "portal.sqlite3"
        outcome = crawl(server, db, "--set", f"PORTALCRAWL_ARCHIVE_DIR={warc}")
        assert outcome["status"] == "ok"
        assert live_in_store(db) == live_on_portal(corpus)
        assert query(db, "SELECT status FROM runs") == [("ok",)]
        log = (tmp_path / "logs" / f"run-{outcome['run_id']}.log").read_text("utf-8")
        assert "archive: could not" in log
        check_store(db)
