"""Per-run counters the spider keeps, and RunReport: the run row's stats (the health contract),
written by the crawl and read by the monitor through the same class.

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
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class SectionReport:
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


@dataclass
class CrawlReport:
    sections: dict[str, SectionReport] = field(default_factory=dict)
    article_pages: int = 0
    fallback_pages: int = 0
    unparseable: int = 0
    unreadable: int = 0
    degraded: int = 0
    errors: int = 0
    last_error: str = ""

    def section(self, path: str) -> SectionReport:
        return self.sections.setdefault(path, SectionReport())

    def summary(self) -> RunReport:
        """What the spider counted, as the run's report (the store adds the rest at the end)."""
        return RunReport(
            pages=sum(s.pages for s in self.sections.values()),
            articles=self.article_pages,
            errors=self.errors,
            article_pages=self.article_pages,
            fallback_pages=self.fallback_pages,
            unparseable_pages=self.unparseable,
            unreadable_pages=self.unreadable,
            degraded_pages=self.degraded,
            last_error=self.last_error,
            sections={
                path: SectionStats(s.listed, s.fetched, s.pages, s.failed, s.clean)
                for path, s in self.sections.items()
            },
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


def run_outcome(
    reason: str, *, progressed: bool, failure: str | None, summary: RunReport
) -> tuple[str, str | None]:
    """The run's status and error line from how the crawl ended.

    A run that ends at its budget (or because the portal asked it to wait, or is in
    maintenance) is `partial` when it stored or verified anything, else `failed`: a run that
    cannot make progress must be seen.
    """
    if failure:
        return "failed", failure
    if reason == "finished":
        if summary.pages == 0 and summary.errors:
            why = summary.last_error or "errors"
            return "failed", f"no listing page could be read ({why})"
        return "ok", None
    if reason in ENDED_EARLY:
        said = ENDED_EARLY[reason]
        if progressed:
            return "partial", said
        return "failed", f"{said}, with nothing stored"
    if reason == "shutdown":
        return "aborted", f"crawl ended: {reason}"
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
