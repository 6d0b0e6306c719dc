"""Fault injection over the local copy, in runs that are hurt: a run killed mid-crawl, 5xx bursts
with a reader holding a transaction, pages cut off or too slow, a crawl process gone (or left a
zombie), and a webhook that is down for runs, then a crash between sending a notice and
recording it. (The store itself failing is test_faults_store.)

Where a run was hurt, the test checks that the store is whole (check_store) and that the next
run catches up to exactly what the portal holds: a hurt run may lose time, never data.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from monitor.localportal import PortalServer, build_corpus
from portalcrawl.store.database import Store
from tests.clirun import crawl
from tests.faultkit import (
    article_path,
    check_store,
    count,
    cycle,
    family,
    group_pids,
    kill_group,
    listening_sockets,
    live_in_store,
    live_on_portal,
    query,
    slow_hook,
    start_run,
    wait_for,
)

pytestmark = pytest.mark.slow
SMALL_PAGES = ("--set", "PORTALCRAWL_PAGE_SIZE=20")


# -- killed mid-run --------------------------------------------------------------------------


def test_a_run_killed_mid_crawl_leaves_a_whole_store_and_the_next_run_catches_up(
    corpus, portal, db_path
) -> None:
    """Also: neither the monitor nor its crawl child listens on any port while crawling."""
    portal.set_delay(0.25)
    proc = start_run(portal, db_path, *SMALL_PAGES)
    try:
        wait_for(lambda: count(db_path, "articles") >= 25, what="25 articles stored")
        [(crawl_pid,)] = query(db_path, "SELECT pid FROM runs WHERE status = 'running'")
        assert listening_sockets(os.getpid()), "the check sees the local portal's own socket"
        group = family(proc.pid)
        assert crawl_pid in group and crawl_pid not in group_pids(proc.pid)  # its own session
        assert {pid: listening_sockets(pid) for pid in group} == {pid: set() for pid in group}
    finally:
        kill_group(proc)
    portal.set_delay(0)
    check_store(db_path)
    assert query(db_path, "SELECT status, baseline FROM runs") == [("running", 1)]
    stored_before = len(live_in_store(db_path))
    assert 25 <= stored_before < len(live_on_portal(corpus))

    outcome = crawl(portal, db_path, *SMALL_PAGES)

    assert outcome["status"] == "ok"
    runs = query(db_path, "SELECT status, baseline, error FROM runs ORDER BY id")
    assert runs == [("aborted", 1, "killed before it finished"), ("ok", 1, None)]
    check_store(db_path)
    assert live_in_store(db_path) == live_on_portal(corpus)
    # The killed run was the first: the catching-up run is still the baseline, so the portal's
    # existing articles are not announced as new, neither now nor later; the killed run is
    # announced by the one rule for every run that ends aborted: its crawler alert.
    assert query(db_path, "SELECT kind, run_id FROM notices") == [("crawler_alert", 1)]
    assert query(db_path, "SELECT count(*) FROM section_state WHERE synced = 0") == [(0,)]


def test_notices_of_a_run_killed_after_storing_are_made_once_by_the_next_run(
    tmp_path: Path,
) -> None:
    corpus = build_corpus(seed=12, n=40)
    db, feed = tmp_path / "portal.sqlite3", tmp_path / "notices.jsonl"
    notify = ("--notify", f"jsonl://{feed}")
    with PortalServer(corpus) as server:
        crawl(server, db, *notify)
        fresh = [corpus.new_article("tin-hoat-dong") for _ in range(3)]
        server.set_delay(10, path_prefix=article_path(fresh[2]))  # the crawl hangs on this one
        proc = start_run(server, db, *notify)
        try:
            wait_for(
                lambda: (
                    len(
                        query(
                            db,
                            "SELECT 1 FROM article_events WHERE kind = 'new' "
                            "AND asset_id IN (?, ?)",
                            (fresh[0].asset_id, fresh[1].asset_id),
                        )
                    )
                    == 2
                ),
                what="two new articles stored",
            )
        finally:
            kill_group(proc)
        server.set_delay(0, path_prefix=article_path(fresh[2]))
        check_store(db)
        second = crawl(server, db, *notify)
    assert second["new"] == 3
    lines = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines()]
    alerts = [line for line in lines if line["kind"] == "crawler_alert"]
    lines = [line for line in lines if line["kind"] != "crawler_alert"]
    assert len(alerts) == 1  # the killed run's, raised by the next run
    assert sorted(line["asset_id"] for line in lines) == sorted(a.asset_id for a in fresh)
    assert len({line["idempotency_key"] for line in lines}) == 3
    check_store(db)


# -- 5xx bursts, back-off, backlog, and a reader holding a transaction ----------------------


def test_5xx_bursts_are_retried_the_rest_caught_up_next_run_and_a_reader_blocks_nothing(
    corpus, portal, db_path, tmp_path
) -> None:
    crawl(portal, db_path)
    flaky, broken, plain = (corpus.new_article("tin-hoat-dong") for _ in range(3))
    portal.fail_next(3, 500, path_prefix=article_path(flaky))  # three retries: gets through
    portal.fail_next(4, 503, path_prefix=article_path(broken))  # more than the retries
    portal.fail_next(2, 502, path_prefix="/thong-cao-bao-chi?")  # a listing that recovers
    portal.fail_next(4, 500, path_prefix="/kinh-te-xa-hoi?")  # a listing that does not
    feed = tmp_path / "notices.jsonl"
    reader = sqlite3.connect(db_path, isolation_level=None)
    reader.execute("BEGIN")
    held = reader.execute("SELECT count(*) FROM articles").fetchone()[0]
    portal.clear_log()
    try:
        started = time.monotonic()
        outcome = crawl(portal, db_path, "--notify", f"jsonl://{feed}")
        took = time.monotonic() - started
        assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == held
    finally:
        reader.execute("ROLLBACK")
        reader.close()

    assert outcome["status"] == "ok" and took < 30
    assert outcome["stats"]["errors"] == 2
    assert outcome["new"] == 2  # notices made and delivered while the reader held on
    assert outcome["delivered"] >= 2 and outcome["pending"] == 0
    hits = [r for r in portal.requests if r.path == article_path(broken)]
    assert [r.status for r in hits] == [503] * 4
    gaps = [b.time - a.time for a, b in zip(hits, hits[1:], strict=False)]
    assert all(gap >= 0.05 * 2**i * 0.8 for i, gap in enumerate(gaps)), gaps  # backs off
    assert [r.status for r in portal.requests if r.path == article_path(flaky)] == [500] * 3 + [200]
    assert outcome["stats"]["requests"] == len(portal.requests)
    backlog = query(db_path, "SELECT kind, section, last_error FROM crawl_backlog ORDER BY kind")
    assert backlog == [
        ("article", "tin-hoat-dong", "HTTP 503"),
        ("listing", "kinh-te-xa-hoi", "HTTP 500"),
    ]
    unsynced = query(db_path, "SELECT section FROM section_state WHERE synced = 0 ORDER BY 1")
    assert unsynced == [("kinh-te-xa-hoi",)]  # its listing failed; the failed article is backlog
    assert broken.asset_id not in live_in_store(db_path)

    portal.clear_log()
    after = crawl(portal, db_path, "--notify", f"jsonl://{feed}")

    assert after["status"] == "ok" and after["stats"]["errors"] == 0 and after["new"] == 1
    articles = [r.path for r in portal.requests if "/content/" in r.path]
    # The backlog goes first: among the first requests in flight together (the local copy is
    # crawled 8 at a time, so their arrival order is the machine's, not the crawl's).
    assert article_path(broken) in articles[:8]
    assert query(db_path, "SELECT count(*) FROM crawl_backlog") == [(0,)]
    assert query(db_path, "SELECT count(*) FROM section_state WHERE synced = 0") == [(0,)]
    assert live_in_store(db_path) == live_on_portal(corpus)
    lines = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines()]
    assert sorted(line["asset_id"] for line in lines if line["kind"] == "new") == sorted(
        a.asset_id for a in (flaky, broken, plain)
    )
    check_store(db_path)


def test_cut_off_and_slow_pages_are_retried_and_never_stored_half(tmp_path: Path) -> None:
    corpus, db = build_corpus(seed=16, n=30), tmp_path / "portal.sqlite3"
    with PortalServer(corpus) as portal:
        crawl(portal, db)
        edited = next(a for a in corpus.recent() if len(a.sections) == 1 and a.template == "news")
        cut, slow = corpus.new_article("xay-dung-dang"), corpus.new_article("kinh-te-xa-hoi")
        corpus.edit(edited.asset_id, paragraphs=[*edited.paragraphs, "Đoạn mới ở cuối bài."])
        portal.truncate_next(1, path_prefix=article_path(edited))  # retried: gets through
        portal.truncate_next(2, path_prefix=article_path(cut))  # never whole in this run
        portal.set_delay(1.5, path_prefix=article_path(slow))  # always past the time-out
        quick = ("--set", "DOWNLOAD_TIMEOUT=0.5", "--set", "RETRY_TIMES=1")
        outcome = crawl(portal, db, "--full", *quick)
        assert outcome["status"] == "ok" and outcome["stats"]["errors"] == 2
        versions = query(
            db,
            "SELECT version, changed_fields FROM article_versions "
            "WHERE asset_id = ? ORDER BY version",
            (edited.asset_id,),
        )
        assert versions == [(1, "[]"), (2, '["body_text"]')]  # one edit, from a whole page
        assert not {cut.asset_id, slow.asset_id} & live_in_store(db)
        reasons = {
            urlsplit(u).path: e for u, e in query(db, "SELECT url, last_error FROM crawl_backlog")
        }
        assert "DataLoss" in reasons[article_path(cut)]  # retried, then given up
        assert "took longer than 0.5 seconds" in reasons[article_path(slow)]
        portal.set_delay(0, path_prefix=article_path(slow))
        after = crawl(portal, db)
    assert after["new"] == 2 and live_in_store(db) == live_on_portal(corpus)
    check_store(db)


def test_a_run_is_alive_only_while_its_crawl_process_is(tmp_path: Path) -> None:
    """A killed crawl left unreaped (a zombie) or a pid recycled for another program is dead."""
    crawl_like = [sys.executable, "-c", "import time; time.sleep(30)", "portalcrawl.crawl"]
    alive, other, zombie = (
        subprocess.Popen(cmd) for cmd in (crawl_like, ["sleep", "30"], crawl_like)
    )
    zombie.kill()
    wait_for(lambda: Path(f"/proc/{zombie.pid}/stat").read_text().split(") ")[1][0] == "Z")
    try:
        with Store(tmp_path / "portal.sqlite3") as store:
            runs = {  # rows as runs' owners leave them (start_run refuses a second running one)
                p.pid: store.db.execute(
                    "INSERT INTO runs(started_at, status, pid) VALUES ('', 'running', ?)", [p.pid]
                ).lastrowid
                for p in (alive, other, zombie)
            }
            assert sorted(store.mark_aborted_runs()) == sorted([runs[other.pid], runs[zombie.pid]])
    finally:
        for proc in (alive, other, zombie):
            proc.kill()
            proc.wait()


# -- a webhook that is down for several runs, then a crash between sending and recording -----


def test_a_webhook_down_for_runs_gets_each_held_notice_once_even_across_a_crash(
    tmp_path: Path,
) -> None:
    corpus = build_corpus(seed=15, n=30)
    db, config = tmp_path / "portal.sqlite3", tmp_path / "portalcrawl.toml"
    with slow_hook() as hook, PortalServer(corpus) as server:
        config.write_text(
            f'[[channels]]\nname = "desk"\nurl = "json://127.0.0.1:{hook.port}/h"\n',
            encoding="utf-8",
        )
        cycle(server, db, config)
        hook.down = True
        corpus.new_article("tin-hoat-dong")
        assert cycle(server, db, config)["pending"] == 1
        corpus.new_article("thong-cao-bao-chi")
        corpus.edit(corpus.recent()[3].asset_id, title="Tiêu đề đã sửa lại")
        assert cycle(server, db, config)["pending"] == 3
        assert hook.received == []

        hook.down = False
        hook.hold.clear()  # the webhook takes the first notice, then the monitor dies
        proc = start_run(server, db, config=config)
        assert hook.got.wait(60)
        kill_group(proc)
        hook.hold.set()
        last = cycle(server, db, config)

    assert last["pending"] == 0
    notice_ids = [str(n) for (n,) in query(db, "SELECT id FROM notices ORDER BY id")]
    assert len(notice_ids) == 3
    keys = [key for key, _ in hook.received]
    sent = [payload["notice_ids"] for _, payload in hook.received]
    # at least once: the notice taken before the crash comes again, with the same key
    assert sent == [notice_ids[0], *notice_ids]
    assert keys[0] == keys[1] and len(set(keys)) == 3
    assert all(payload["idempotency_key"] == key for key, payload in hook.received)
    delivered = query(db, "SELECT count(*) FROM deliveries WHERE status = 'delivered'")
    assert delivered == [(3,)]
    check_store(db)
