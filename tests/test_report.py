"""RunReport: the runs.stats contract, written by the crawl and read by the monitor alike."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from portalcrawl.store.report import RunReport, SectionStats

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
