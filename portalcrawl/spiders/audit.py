"""The rolling audit: which stored articles a run re-fetches to find edits to old ones.

The nightly `--full` crawl cannot finish on the live portal's size at one request a second, so
each run instead spends a share of its budget on the articles verified longest ago, sized so
that every stored article is re-verified at least once per cycle (PORTALCRAWL_AUDIT_CYCLE_HOURS)
at the interval the runs really come at (the time since the previous run started).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

from scrapy.settings import BaseSettings

from portalcrawl.site.profile import Section
from portalcrawl.store.database import Store
from portalcrawl.store.fieldstate import BackfillPoint

AUDIT_SHARE = 0.5  # of a request budget, at most; the walk keeps the rest


def audit_list(
    store: Store,
    settings: BaseSettings,
    points: Mapping[str, BackfillPoint],
    sections: Iterable[Section],
) -> list[tuple[int, str, str | None]]:
    """(asset id, URL, listing date) of the articles this run re-verifies, longest unverified first.

    While a backfill is under way only the articles that would otherwise pass the cycle before
    the next run are taken (everything was stored recently); after it, at least the cycle's
    even share, so the load stays level instead of coming due all at once.
    """
    if settings.getbool("PORTALCRAWL_FULL"):
        return []  # a full crawl fetches everything anyway
    cycle = timedelta(hours=settings.getfloat("PORTALCRAWL_AUDIT_CYCLE_HOURS"))
    if cycle <= timedelta(0):
        return []
    previous = store.previous_run_start(settings.getint("PORTALCRAWL_RUN_ID") or None)
    if previous is None:
        return []  # the first run: everything it stores is verified by storing it
    gap = min(max(datetime.now(UTC) - previous, timedelta(0)), cycle)
    backfilling = any(p not in points or not points[p].done for p in (s.path for s in sections))
    quota = store.audit_quota(cycle, gap, spread=not backfilling)
    budget = settings.getint("PORTALCRAWL_MAX_REQUESTS")
    if budget:
        quota = min(quota, int(budget * AUDIT_SHARE))
    return store.audit_candidates(quota)
