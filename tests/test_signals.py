"""Signals and concurrent starts with real processes: the monitor owns its crawl's stop, a run
row is owned from its insert, and every way a run can end raises its crawler alert once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.child import run_child
from monitor.localportal import PortalServer, build_corpus
from portalcrawl.lifetime import IGNORED, TIME_UP_SIGNAL
from tests.clirun import LOCAL_COPY, ROOT, crawl
from tests.faultkit import (
    article_path,
    check_store,
    count,
    family,
    gone,
    kill_group,
    live_in_store,
    live_on_portal,
    one_error_line,
    query,
    start_run,
    wait_for,
)

pytestmark = pytest.mark.slow
SMALL_PAGES = ("--set", "PORTALCRAWL_PAGE_SIZE=20")


def alerts(db: Path, run_id: int) -> list[str]:
    rows = query(
        db, "SELECT title FROM notices WHERE kind = 'crawler_alert' AND run_id = ?", (run_id,)
    )
    return [title for (title,) in rows]


def crawling(db: Path, at_least: int = 10) -> int:
    """Wait until a run is under way with some articles stored; its crawl's pid."""

    def under_way() -> int | None:
        rows = query(db, "SELECT pid FROM runs WHERE status = 'running'")
        return rows[0][0] if rows and count(db, "articles") >= at_least else None

    return wait_for(under_way, timeout=60, what="a run under way")


@pytest.mark.parametrize("to", ["monitor", "group"])
def test_sigterm_to_monitor_run_stops_its_crawl_and_records_aborted(
    tmp_path: Path, to: str
) -> None:
    """`kill PID` or `kill -TERM -PGID` (Ctrl-C is the same for SIGINT): no orphan, the run
    `aborted` with its alert, what it stored kept, one error line and exit status 1."""
    corpus = build_corpus(seed=31, n=60)
    db = tmp_path / "portal.sqlite3"
    with PortalServer(corpus) as server:
        crawl(server, db)
        fresh = [corpus.new_article("tin-hoat-dong") for _ in range(10)]
        server.set_delay(10, path_prefix=article_path(fresh[0]))  # the run is under way
        proc = start_run(server, db, *SMALL_PAGES)
        try:
            crawl_pid = crawling(db, at_least=len(live_on_portal(corpus)) - 1)
            pids = family(proc.pid)
            assert crawl_pid in pids
            if to == "monitor":
                proc.send_signal(signal.SIGTERM)
            else:
                os.killpg(proc.pid, signal.SIGTERM)
            _, stderr = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                kill_group(proc)
        assert proc.returncode == 1
        assert "aborted" in one_error_line(stderr)
        wait_for(lambda: gone(pids), timeout=30, what="no process left")
        [(run_id, status)] = query(db, "SELECT id, status FROM runs ORDER BY id DESC LIMIT 1")
        assert status == "aborted"
        assert len(alerts(db, run_id)) == 1
        check_store(db)
        server.set_delay(0, path_prefix=article_path(fresh[0]))
        assert crawl(server, db)["status"] == "ok"
        assert live_in_store(db) == live_on_portal(corpus)


def test_a_group_signal_to_the_scheduler_lets_the_run_finish_within_the_grace(
    tmp_path: Path,
) -> None:
    corpus = build_corpus(seed=32, n=40)
    db = tmp_path / "portal.sqlite3"
    settings = ", ".join(
        f'{k} = "{v}"' for k, v in (s.split("=", 1) for s in LOCAL_COPY if s != "--set")
    )
    with PortalServer(corpus) as server:
        config = tmp_path / "cfg.toml"
        config.write_text(
            f'[portal]\nurl = "{server.base_url}"\ndb = "{db}"\n'
            f"[crawl]\nsettings = {{ {settings} }}\n"
            '[[schedule.jobs]]\nname = "news"\ninterval_minutes = 600\n',
            encoding="utf-8",
        )
        crawl(server, db)
        slow = corpus.new_article("tin-hoat-dong")
        server.set_delay(5, path_prefix=article_path(slow))  # the run is under way a while
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "schedule", "--config", str(config)]
            + ["--run-now", "--grace", "120"],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            crawling(db, at_least=len(live_on_portal(corpus)) - 1)
            pids = family(proc.pid)
            os.killpg(proc.pid, signal.SIGTERM)  # what systemd or a terminal's Ctrl-C does
            _, stderr = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                kill_group(proc)
    assert proc.returncode == 0, stderr
    assert "SIGTERM: stopping, no new runs" in stderr
    assert query(db, "SELECT status FROM runs") == [("ok",), ("ok",)]
    assert live_in_store(db) == live_on_portal(corpus)
    assert query(db, "SELECT count(*) FROM notices WHERE kind = 'crawler_alert'") == [(0,)]
    assert gone(pids)


PROBE = """
import sys
from portalcrawl import lifetime

def blocked():
    line = next(line for line in open("/proc/self/status") if line.startswith("SigBlk:"))
    return int(line.split()[1], 16)

before = blocked()
lifetime.ignore_outside_signals()
print(before, blocked(), file=sys.stderr)
"""


def test_a_crawl_is_spawned_with_the_group_signals_held_until_it_ignores_them(
    tmp_path: Path,
) -> None:
    """From its fork to its setsid the crawl is still in the monitor's process group: a Ctrl-C
    then waits in it, blocked, instead of killing it (a run recorded `failed`, status -15);
    ignoring them discards it and unblocks them. The monitor's own mask is as it was."""
    log = tmp_path / "child.log"
    code, _, _ = asyncio.run(run_child([sys.executable, "-c", PROBE], 60, None, log))
    assert code == 0, log.read_text()
    before, after = (int(n) for n in log.read_text().split())
    bits = [1 << (signum - 1) for signum in IGNORED]
    assert all(before & bit for bit in bits)
    assert not any(after & bit for bit in bits)
    assert not set(IGNORED) & signal.pthread_sigmask(signal.SIG_BLOCK, [])


def test_a_second_run_on_the_same_store_is_refused_in_one_line_and_mislabels_nothing(
    tmp_path: Path,
) -> None:
    corpus = build_corpus(seed=33, n=40)
    db = tmp_path / "portal.sqlite3"
    with PortalServer(corpus) as server:
        crawl(server, db)
        server.set_delay(0.05)
        first = start_run(server, db, "--full")
        wait_for(lambda: query(db, "SELECT 1 FROM runs WHERE status = 'running'"), what="a run")
        second = start_run(server, db)
        _, stderr = second.communicate(timeout=60)
        assert second.returncode == 1
        assert "still running" in one_error_line(stderr)
        out, err = first.communicate(timeout=120)
        assert first.returncode == 0, err
    runs = query(db, "SELECT status, error FROM runs ORDER BY id")
    assert runs == [("ok", None), ("ok", None)]


def test_two_runs_started_together_one_runs_the_other_is_refused(tmp_path: Path) -> None:
    corpus = build_corpus(seed=34, n=30)
    db = tmp_path / "portal.sqlite3"
    with PortalServer(corpus) as server:
        crawl(server, db)
        procs = [start_run(server, db) for _ in range(2)]
        results = [(p, *p.communicate(timeout=120)) for p in procs]
    codes = sorted(p.returncode for p, _, _ in results)
    assert codes == [0, 1]
    refused = next(err for p, _, err in results if p.returncode == 1)
    assert "still running" in one_error_line(refused)
    assert query(db, "SELECT status, error FROM runs ORDER BY id") == [("ok", None)] * 2


def test_a_run_killed_outright_gets_its_alert_from_the_next_run(tmp_path: Path) -> None:
    corpus = build_corpus(seed=35, n=40)
    db = tmp_path / "portal.sqlite3"
    with PortalServer(corpus) as server:
        crawl(server, db)
        fresh = [corpus.new_article("tin-hoat-dong") for _ in range(10)]
        server.set_delay(10, path_prefix=article_path(fresh[0]))
        proc = start_run(server, db, *SMALL_PAGES)
        try:
            crawling(db, at_least=len(live_on_portal(corpus)) - 1)
        finally:
            kill_group(proc)
        [(killed,)] = query(db, "SELECT id FROM runs WHERE status = 'running'")
        server.set_delay(0, path_prefix=article_path(fresh[0]))
        outcome = crawl(server, db)
        assert crawl(server, db)["alerts"] == 0  # once, not again on every later run
    assert outcome["status"] == "ok" and outcome["alerts"] == 1
    assert query(db, "SELECT status FROM runs WHERE id = ?", (killed,)) == [("aborted",)]
    assert alerts(db, killed) == [f"run {killed} aborted: killed before it finished"]


def test_at_the_monitor_s_time_limit_the_crawl_records_its_run_failed_itself(
    tmp_path: Path,
) -> None:
    """Told its time is up (the monitor's TIME_UP_SIGNAL, before the grace and SIGKILL), the
    crawl closes, commits what it stored and records its run `failed` at the time limit: the
    monitor is left no end to write."""
    corpus = build_corpus(seed=36, n=60)
    db = tmp_path / "portal.sqlite3"
    with PortalServer(corpus) as server:
        server.set_delay(1.0)  # the crawl is still under way when its time is up
        proc = subprocess.Popen(
            [sys.executable, "-m", "portalcrawl.crawl", "--db", str(db)]
            + ["--portal-url", server.base_url, "--supervised-by", str(os.getpid()), *LOCAL_COPY],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_for(lambda: count(db, "articles") >= 3, timeout=60, what="articles stored")
            proc.send_signal(TIME_UP_SIGNAL)
            _, stderr = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 1, stderr
    [(status, error, articles)] = query(db, "SELECT status, error, articles FROM runs")
    assert (status, error) == ("failed", "crawl stopped at its time limit")
    assert articles >= 3 and count(db, "articles") < len(live_on_portal(corpus))
    check_store(db)
