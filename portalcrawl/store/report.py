"""The crawl's counters (names in crawler.stats), and RunReport: the run row's stats (the health
contract), built from those counters by the crawl and read by the monitor through one class.

stats JSON written to runs.stats (RunReport.to_json / RunReport.from_json):
  pages, articles, errors: ints (also their own columns)
  article_pages: article pages parsed; fallback_pages: of those, extracted by the fallback
  unparseable_pages: answered 200 but held no article; unreadable_pages: reading the page
    raised (on the backlog, a crawler alert); degraded_pages: unparseable pages plus
    fallback pages of articles not known to need it (a template change shows here)
  sections: {path: {"listed": n, "fetched": n, "pages": n, "failed": n, "complete": bool}}
  removed, requests, drops, dropped {reason: n}, events {kind: n}, finish_reason
  capped {limit: n}: articles a reader limit cut (a field at its size cap, markup at its depth)
  crawl_delay, request_spacing (seconds), retry_after {status: n}, backfill {...} or null
A key missing from a stored row (an older release wrote it) reads as 0: "not measured", so no
alert comes from it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

# The crawl's counters live in crawler.stats under these names; RunReport.from_stats reads them
# once at the run's end. A section's line: SECTION/<path>/<listed|fetched|pages|failed> (ints)
# and SECTION/<path>/<walk_done|reached_end> (True once so).
SECTION = "portalcrawl/section/"
ARTICLE_PAGES = "portalcrawl/article_pages"
FALLBACK_PAGES = "portalcrawl/fallback_pages"
UNPARSEABLE_PAGES = "portalcrawl/unparseable_pages"
UNREADABLE_PAGES = "portalcrawl/unreadable_pages"
DEGRADED_PAGES = "portalcrawl/degraded_pages"
ERRORS = "portalcrawl/errors"
LAST_ERROR = "portalcrawl/last_error"
EMPTIED = "portalcrawl/sections_emptied"  # sections that had articles and listed none
REMOVED = "portalcrawl/removed"
EVENTS = "portalcrawl/events/"  # EVENTS<kind>: what the store made of the articles saved
DROPPED = "portalcrawl/dropped/"
CAPPED = "portalcrawl/capped/"  # CAPPED<limit>: articles a reader limit cut
RETRY_AFTER = "portalcrawl/retry_after/"
END_REASON = "portalcrawl/end_reason"
STORE_FAILURE = "portalcrawl/store_failure"
REQUESTS_SENT = "portalcrawl/requests_sent"  # by portalcrawl.politeness, budget refusals aside


def section_stat(path: str, name: str) -> str:
    """The stats key of one section's counter or flag."""
    return f"{SECTION}{path}/{name}"


@dataclass
class SectionReport:
    """One section's walk this run, as its counters in crawler.stats say."""

    listed: int = 0
    fetched: int = 0
    pages: int = 0
    failed: int = 0
    walk_done: bool = False
    reached_end: bool = False

    @property
    def clean(self) -> bool:
        """The walk ended by the rules and nothing in it failed: the section is in step."""
        return self.walk_done and self.failed == 0


def section_reports(stats: Mapping[str, Any]) -> dict[str, SectionReport]:
    """Every section the run walked (the spider opens each one's counters at its start)."""
    out: dict[str, SectionReport] = {}
    for key, value in stats.items():
        if key.startswith(SECTION):
            path, _, name = key[len(SECTION) :].rpartition("/")
            setattr(out.setdefault(path, SectionReport()), name, value)
    return out


def _under(stats: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    return {k[len(prefix) :]: v for k, v in stats.items() if k.startswith(prefix)}


def portal_healthy(stats: Mapping[str, Any]) -> bool:
    """A 404 means a removal only while the portal is otherwise healthy in this run: it was
    not ended for maintenance or busyness, every section lists articles, other articles
    answer."""
    return (
        stats.get(END_REASON) not in ("maintenance", "portal_busy")
        and not stats.get(EMPTIED)
        and stats.get(ARTICLE_PAGES, 0) > 0
    )


@dataclass
class SectionStats:
    """One section's line of a run report."""

    listed: int = 0
    fetched: int = 0
    pages: int = 0
    failed: int = 0
    complete: bool = False


@dataclass
class RunReport:
    """runs.stats, typed. from_json reads any stored row (older ones lack keys; a hand-edited
    one may hold nonsense): a missing or unreadable counter is 0, never an exception."""

    pages: int = 0
    articles: int = 0
    errors: int = 0
    article_pages: int = 0
    fallback_pages: int = 0
    unparseable_pages: int = 0
    unreadable_pages: int = 0
    degraded_pages: int = 0
    last_error: str = ""
    sections: dict[str, SectionStats] = field(default_factory=dict)
    removed: int = 0
    requests: int = 0
    drops: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    capped: dict[str, int] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)
    finish_reason: str = ""
    crawl_delay: float = 0.0  # robots.txt Crawl-delay the run kept to (seconds)
    request_spacing: float | None = None  # the slot's spacing between requests, if known
    retry_after: dict[str, float] = field(default_factory=dict)  # count, waited_seconds, ...
    backfill: dict[str, Any] | None = None  # spiders.backfill.progress(), when it walked back

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_stats(cls, stats: Mapping[str, Any], reason: str) -> RunReport:
        """What the crawl counted in crawler.stats, as the run's report (backfill aside: the
        run's end adds it once the sections' state is recorded)."""
        sections = section_reports(stats)
        dropped = _under(stats, DROPPED)
        return cls(
            pages=sum(s.pages for s in sections.values()),
            articles=stats.get(ARTICLE_PAGES, 0),
            errors=stats.get(ERRORS, 0),
            article_pages=stats.get(ARTICLE_PAGES, 0),
            fallback_pages=stats.get(FALLBACK_PAGES, 0),
            unparseable_pages=stats.get(UNPARSEABLE_PAGES, 0),
            unreadable_pages=stats.get(UNREADABLE_PAGES, 0),
            degraded_pages=stats.get(DEGRADED_PAGES, 0),
            last_error=stats.get(LAST_ERROR, ""),
            sections={
                path: SectionStats(s.listed, s.fetched, s.pages, s.failed, s.clean)
                for path, s in sections.items()
            },
            removed=stats.get(REMOVED, 0),
            # Sent to the portal: requests refused at the budget were counted by Scrapy too.
            requests=stats.get(REQUESTS_SENT, stats.get("downloader/request_count", 0)),
            drops=sum(dropped.values()),
            dropped=dropped,
            capped=_under(stats, CAPPED),
            events=_under(stats, EVENTS),
            finish_reason=reason,
            crawl_delay=stats.get("portalcrawl/crawl_delay", 0.0),
            request_spacing=stats.get("portalcrawl/request_spacing"),
            retry_after=_under(stats, RETRY_AFTER),
        )

    @classmethod
    def from_json(cls, value: str | dict[str, Any] | None) -> RunReport:
        raw = _object(value)
        report = cls(
            **{f.name: _int(raw.get(f.name)) for f in fields(cls) if f.type == "int"},
            last_error=str(raw.get("last_error") or ""),
            finish_reason=str(raw.get("finish_reason") or ""),
            dropped=_counts(raw.get("dropped")),
            capped=_counts(raw.get("capped")),
            events=_counts(raw.get("events")),
            crawl_delay=_float(raw.get("crawl_delay")) or 0.0,
            request_spacing=_float(raw.get("request_spacing")),
            retry_after=_numbers(raw.get("retry_after")),
            backfill=raw["backfill"] if isinstance(raw.get("backfill"), dict) else None,
        )
        if "degraded_pages" not in raw:  # written before degraded pages were counted
            report.degraded_pages = report.fallback_pages
        sections = raw.get("sections")
        for path, line in (sections if isinstance(sections, dict) else {}).items():
            if isinstance(line, dict):
                report.sections[str(path)] = SectionStats(
                    *(_int(line.get(k)) for k in ("listed", "fetched", "pages", "failed")),
                    complete=bool(line.get("complete")),
                )
        return report


# Why a run ended early, as the operator reads it (runs.error of a partial run).
ENDED_EARLY = {
    "budget": "stopped at its request budget",
    "time_budget": "stopped at its time budget",
    "portal_busy": "stopped: the portal asked to wait longer than the Retry-After cap",
    "maintenance": "stopped: the portal is in maintenance",
}


def run_outcome(report: RunReport, failure: str | None) -> tuple[str, str | None]:
    """The run's status and error line, decided once, from how the crawl ended.

    A store write that failed (disk full, locked) fails the run. A run that ends at its budget
    (or because the portal asked it to wait, or is in maintenance) is `partial` when it stored
    or verified anything, else `failed`: a run that cannot make progress must be seen.
    """
    reason = report.finish_reason
    if failure:
        return "failed", failure
    if reason == "finished":
        if report.pages == 0 and report.errors:
            why = report.last_error or "errors"
            return "failed", f"no listing page could be read ({why})"
        return "ok", None
    if reason in ENDED_EARLY:
        said = ENDED_EARLY[reason]
        if any(report.events.values()):
            return "partial", said
        return "failed", f"{said}, with nothing stored"
    if reason == "shutdown":  # Scrapy's stop on a signal (the monitor's, when it runs us)
        return "aborted", "stopped by a signal before it finished"
    if reason == "time_limit":  # the monitor's hard limit came before the run's own budget
        return "failed", "crawl stopped at its time limit"
    return "failed", f"crawl ended: {reason}"


def _object(value: str | dict[str, Any] | None) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _numbers(value: Any) -> dict[str, float]:
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, int | float)}


def _counts(value: Any) -> dict[str, int]:
    return {str(k): _int(v) for k, v in value.items()} if isinstance(value, dict) else {}
