"""The crawl's manners and budget against the local copy: robots.txt Crawl-delay, Retry-After,
a maintenance burst of 503s, and a request budget that ends the run as `partial`.

Politeness is scaled (delays of a fraction of a second, budgets of tens of requests); every
assertion about time is a lower bound read from the server's own request log.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.localportal import PortalServer, build_corpus
from monitor.localportal.faults import FieldFaults
from portalcrawl.politeness import retry_after_seconds
from tests.clirun import crawl
from tests.faultkit import query

ONE_AT_A_TIME = ("--set", "CONCURRENT_REQUESTS=1", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1")


@pytest.fixture
def small():
    with PortalServer(build_corpus(seed=5, n=40)) as server:
        yield server, FieldFaults(server)


def _alerts(db: Path, run_id: int) -> list[str]:
    return [
        r[0]
        for r in query(
            db, "SELECT title FROM notices WHERE kind='crawler_alert' AND run_id=?", (run_id,)
        )
    ]


def test_retry_after_forms():
    assert retry_after_seconds(b"3") == 3.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after_seconds(b"soon") is None
    assert retry_after_seconds(None) is None


def test_crawl_delay_spaces_every_request(small, db_path):
    server, faults = small
    faults.crawl_delay(0.2)
    outcome = crawl(server, db_path, "--section", "thong-cao-bao-chi")
    assert outcome["status"] == "ok"
    assert outcome["stats"]["crawl_delay"] == pytest.approx(0.2)
    times = [r.time for r in server.requests]
    assert len(times) >= 4
    gaps = [b - a for a, b in zip(times[1:], times[2:], strict=False)]  # after robots.txt
    # Arrival times jitter under load (one late arrival makes the next gap look short), so the
    # spacing is held over the whole run: n gaps take n delays, less one delay of jitter.
    assert sum(gaps) >= 0.2 * (len(gaps) - 1), gaps


def test_retry_after_holds_every_request(small, db_path):
    server, faults = small
    faults.busy(1.5, retry_after=1)
    outcome = crawl(server, db_path, "--section", "thong-cao-bao-chi", *ONE_AT_A_TIME)
    assert outcome["status"] == "ok"
    log = server.requests
    busy = [i for i, r in enumerate(log) if r.status == 503]
    assert busy, "the window was missed"
    for i in busy:
        if i + 1 < len(log):
            assert log[i + 1].time - log[i].time >= 1.0 * 0.95
    assert outcome["stats"]["retry_after"]["count"] == len(busy)
    assert outcome["stats"]["errors"] == 0
    assert not _alerts(db_path, outcome["run_id"])


def test_retry_after_past_the_cap_ends_the_run(small, db_path):
    server, faults = small
    crawl(server, db_path, "--section", "nguoi-phat-ngon")  # something stored before
    faults.busy(120, retry_after=60)
    outcome = crawl(
        server,
        db_path,
        "--section",
        "thong-cao-bao-chi",
        "--set",
        "PORTALCRAWL_RETRY_AFTER_MAX=5",
        check=False,
    )
    assert outcome["status"] == "failed"  # nothing could be stored: not progress
    assert (
        "Retry-After"
        in query(db_path, "SELECT error FROM runs WHERE id=?", (outcome["run_id"],))[0][0]
    )
    assert len(server.requests) < 40


def test_budget_ends_the_run_partial_with_the_batch_committed(small, db_path):
    server, _ = small
    server.clear_log()
    outcome = crawl(server, db_path, "--max-requests", "12")
    assert outcome["status"] == "partial"
    assert len(server.requests) == 12
    stored = query(db_path, "SELECT count(*) FROM articles")[0][0]
    assert stored >= 4  # robots.txt and six listing pages, the rest articles
    assert not _alerts(db_path, outcome["run_id"])
    run = query(
        db_path, "SELECT status, requests, error FROM runs WHERE id=?", (outcome["run_id"],)
    )
    assert run[0][0] == "partial" and "budget" in run[0][2]


def test_maintenance_burst_ends_the_run_with_one_alert(small, db_path):
    server, faults = small
    crawl(server, db_path, "--max-requests", "20")
    faults.down(300)
    server.clear_log()
    outcome = crawl(server, db_path, check=False)
    assert len(server.requests) <= 12
    alerts = _alerts(db_path, outcome["run_id"])
    assert len(alerts) == 1 and "maintenance" in alerts[0]
    assert query(db_path, "SELECT count(*) FROM articles WHERE status='removed'")[0][0] == 0
