"""RunReport: the runs.stats contract, written by the crawl and read by the monitor alike."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from portalcrawl.store.database import Store
from portalcrawl.store.report import (
    ARTICLE_PAGES,
    ERRORS,
    EVENTS,
    RunReport,
    SectionStats,
    run_outcome,
    section_stat,
)

counts = st.integers(0, 10**6)
reports = st.builds(
    RunReport,
    pages=counts,
    articles=counts,
    errors=counts,
    degraded_pages=counts,
    last_error=st.text(max_size=20),
    sections=st.dictionaries(
        st.text(min_size=1, max_size=12),
        st.builds(SectionStats, counts, counts, counts, counts, st.booleans()),
        max_size=3,
    ),
    dropped=st.dictionaries(st.text(max_size=8), counts, max_size=3),
)


@given(reports)
def test_a_report_reads_back_as_written(report: RunReport) -> None:
    assert RunReport.from_json(json.dumps(report.to_json())) == report
    assert RunReport.from_json(report.to_json()) == report


def test_an_older_or_broken_row_reads_as_zeros_not_an_exception() -> None:
    old = RunReport.from_json('{"pages": "3", "fallback_pages": 2, "sections": {"a": 1}}')
    assert (old.pages, old.degraded_pages, old.sections) == (3, 2, {})  # degraded: fallback
    for junk in (None, "", "not json", "[1, 2]", '{"errors": "many", "events": [1]}'):
        assert RunReport.from_json(junk) == RunReport()


def test_the_report_is_built_from_the_crawl_s_stats() -> None:
    stats = {
        section_stat("tin-hoat-dong", "pages"): 2,
        section_stat("tin-hoat-dong", "listed"): 30,
        section_stat("tin-hoat-dong", "failed"): 0,
        section_stat("tin-hoat-dong", "walk_done"): True,
        section_stat("a/b", "pages"): 1,
        ARTICLE_PAGES: 5,
        ERRORS: 1,
        f"{EVENTS}new": 4,
        "portalcrawl/dropped/no_body": 2,
        "downloader/request_count": 9,
        "portalcrawl/requests_sent": 8,
    }
    report = RunReport.from_stats(stats, "finished")
    assert (report.pages, report.articles, report.errors, report.requests) == (3, 5, 1, 8)
    assert report.sections["tin-hoat-dong"] == SectionStats(30, 0, 2, 0, complete=True)
    assert report.sections["a/b"] == SectionStats(0, 0, 1, 0, complete=False)
    assert (report.events, report.dropped, report.drops) == ({"new": 4}, {"no_body": 2}, 2)
    assert run_outcome(report, None) == ("ok", None)
    assert run_outcome(report, "store x: no space left")[0] == "failed"  # a failed commit


def test_a_run_s_status_is_decided_by_how_the_crawl_ended() -> None:
    stored, idle = RunReport(events={"new": 1}), RunReport(events={})
    assert run_outcome(replace(stored, finish_reason="budget"), None)[0] == "partial"
    assert run_outcome(replace(idle, finish_reason="budget"), None)[0] == "failed"
    assert run_outcome(replace(stored, finish_reason="shutdown"), None) == (
        "aborted",
        "stopped by a signal before it finished",
    )
    assert run_outcome(replace(stored, finish_reason="time_limit"), None)[0] == "failed"
    unread = RunReport(errors=3, last_error="HTTP 503", finish_reason="finished")
    assert run_outcome(unread, None) == ("failed", "no listing page could be read (HTTP 503)")


def test_the_monitor_records_only_an_end_the_crawl_could_not(tmp_path: Path) -> None:
    with Store(tmp_path / "portal.sqlite3") as store:
        closed = store.start_run()
        store.finish_run(closed, "aborted", {"pages": 1}, "stopped by a signal before it finished")
        killed = store.start_run()
        assert not store.record_unfinished(closed, "failed", "crawl stopped at its time limit")
        assert store.record_unfinished(killed, "failed", "crawl process exited with status -9")
        assert (store.run(closed)["status"], store.run(closed)["error"]) == (
            "aborted",
            "stopped by a signal before it finished",
        )
        assert store.run(killed)["status"] == "failed"
