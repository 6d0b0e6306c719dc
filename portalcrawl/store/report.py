"""Per-run counters the spider keeps, turned into the run row's stats (the health contract).

stats JSON written to runs.stats:
  pages, articles, errors: ints (also their own columns)
  article_pages: article pages parsed; fallback_pages: of those, extracted by the fallback
  unparseable_pages: answered 200 but held no article; degraded_pages: unparseable pages plus
    fallback pages of articles not known to need it (a template change shows here)
  sections: {path: {"listed": n, "fetched": n, "pages": n, "failed": n, "complete": bool}}
  removed, requests, drops, dropped {reason: n}, events {kind: n}, finish_reason
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    degraded: int = 0
    errors: int = 0
    last_error: str = ""

    def section(self, path: str) -> SectionReport:
        return self.sections.setdefault(path, SectionReport())

    def summary(self) -> dict[str, Any]:
        return {
            "pages": sum(s.pages for s in self.sections.values()),
            "articles": self.article_pages,
            "errors": self.errors,
            "article_pages": self.article_pages,
            "fallback_pages": self.fallback_pages,
            "unparseable_pages": self.unparseable,
            "degraded_pages": self.degraded,
            "last_error": self.last_error,
            "sections": {
                path: {
                    "listed": s.listed,
                    "fetched": s.fetched,
                    "pages": s.pages,
                    "failed": s.failed,
                    "complete": s.clean,
                }
                for path, s in self.sections.items()
            },
        }


# Why a run ended early, as the operator reads it (runs.error of a partial run).
ENDED_EARLY = {
    "budget": "stopped at its request budget",
    "time_budget": "stopped at its time budget",
    "portal_busy": "stopped: the portal asked to wait longer than the Retry-After cap",
    "maintenance": "stopped: the portal is in maintenance",
}


def run_outcome(
    reason: str, *, progressed: bool, failure: str | None, summary: dict[str, Any]
) -> tuple[str, str | None]:
    """The run's status and error line from how the crawl ended.

    A run that ends at its budget (or because the portal asked it to wait, or is in
    maintenance) is `partial` when it stored or verified anything, else `failed`: a run that
    cannot make progress must be seen.
    """
    if failure:
        return "failed", failure
    if reason == "finished":
        if summary.get("pages", 0) == 0 and summary.get("errors", 0):
            why = summary.get("last_error") or "errors"
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
