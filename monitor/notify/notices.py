"""Article events become notices (the outbox); a run's counters become crawler alerts.

Notices are made from `article_events` rows that have none yet (UNIQUE event_id, INSERT OR
IGNORE), so a crawl killed after storing is announced by the next run and calling this twice
announces nothing twice. Events of baseline runs (runs.baseline = 1) are never announced.

Crawler alerts: check_health reads the run row (status, error, requests, errors) and its
`stats` as a RunReport, the one statement of the stats contract (portalcrawl/store/report.py):
unhealthy sections, degraded and unreadable pages, failed requests, maintenance.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from monitor.config import HealthConfig
from monitor.diff import field_diffs
from monitor.site.paths import permalink
from portalcrawl.store.crawlstate import utcnow
from portalcrawl.store.database import Store
from portalcrawl.store.report import RunReport
from portalcrawl.text.compare import as_list
from portalcrawl.text.dates import to_iso

logger = logging.getLogger(__name__)

# Below these counts a share says little (1 failed request of 2), unless every page is degraded.
MIN_ARTICLE_PAGES = 3
MIN_ERRORS = 3


def history_cutoff(store: Store, hours: float) -> str:
    """Backfilled articles published this long before the first run that stored anything are
    history, not news.

    A baseline that failed a page leaves old articles for a later run to catch up: they are
    stored and versioned like any other, but announcing them as `new` would be noise.
    """
    started = store.first_ok_run_started()
    if started is None:
        return ""
    start = datetime.fromisoformat(started) - timedelta(hours=hours)
    return to_iso(start)


def edit_diff(store: Store, asset_id: int, version: int, fields: list[str]) -> str | None:
    """Plain word diff of version-1 → version, one 'field: …' paragraph per changed field."""
    pair = store.version_pair(asset_id, version)
    if pair is None:
        return None
    diffs = field_diffs(*pair, fields)
    return "\n\n".join(f"{name}: {text}" for name, text in diffs.items()) or None


def create_notices(
    store: Store,
    run_id: int | None = None,
    *,
    history_hours: float = 48.0,
    site_base_url: str | None = None,
) -> list[int]:
    """One notice per unannounced event of a non-baseline run; run_id = the run making them.

    `new` events the backfill made (reason 'backfill') of articles published before
    history_cutoff() are history caught up, not announced; any other article new to the store
    is news whatever its date (a press release posted today, dated ten days ago).
    With the static site's base URL, each notice carries its change's permalink there.
    """
    created: list[int] = []
    now = utcnow()
    history = history_cutoff(store, history_hours)
    with store.atomic():
        for event in store.unannounced_events(history):
            if event["kind"] == "restored" and not store.announced_removal(event["asset_id"]):
                continue  # its removal was never announced: nothing to take back
            fields = as_list(event["fields"]) if event["kind"] == "edited" else []
            diff = None
            if fields and event["version"]:
                diff = edit_diff(store, event["asset_id"], event["version"], fields)
            sections = as_list(event["sections"])
            notice_id = store.add_notice(
                run_id=run_id or event["run_id"] or None,
                event_id=event["id"],
                kind=event["kind"],
                asset_id=event["asset_id"],
                url=event["url"],
                title=event["title"] or f"#{event['asset_id']}",
                section=sections[0] if sections else None,
                published_at=event["published_at"],
                fields=fields,
                diff=diff,
                created_at=now,
                permalink=permalink(
                    site_base_url, event["kind"], event["asset_id"], event["version"]
                )
                or None,
            )
            if notice_id is not None:
                created.append(notice_id)
    if created:
        logger.info("%d new notices", len(created))
    return created


def alert(store: Store, run_id: int | None, message: str, details: Mapping[str, Any]) -> int:
    """A crawler_alert notice, once per run and message (check_health may run twice)."""
    with store.atomic():
        known = store.alert_id(run_id, message)
        if known is not None:
            return known
        run = store.run(run_id) if run_id is not None else None
        notice_id = store.add_notice(
            run_id=run_id,
            kind="crawler_alert",
            url=run["portal_url"] if run else None,
            title=message,
            fields=dict(details),
        )
    assert notice_id is not None  # an alert has no event: nothing to ignore it for
    logger.info("crawler alert: %s", message)
    return notice_id


def _previous_counts(store: Store, run_id: int) -> dict[str, int]:
    """Articles each section had before this run: state, the last ok run, live articles."""
    counts: dict[str, int] = dict(store.section_counts())

    def keep(section: str, count: int | None) -> None:
        counts[section] = max(counts.get(section, 0), count or 0)

    for section, count in store.section_last_counts(other_than=run_id).items():
        keep(section, count)
    previous = store.last_ok_run(before=run_id)
    if previous:
        for section, line in RunReport.from_json(previous["stats"]).sections.items():
            keep(section, line.listed)
    return counts


def _problems(
    store: Store, run: Mapping[str, Any], health: HealthConfig
) -> list[tuple[str, dict[str, Any]]]:
    run_id = run["id"]
    stats = RunReport.from_json(run.get("stats"))
    if stats.finish_reason == "maintenance":
        # One alert for the window, not one per section, request or article.
        return [
            (
                f"portal in maintenance: run {run_id} ended early ({run.get('error') or ''})",
                {"status": run["status"], "finish_reason": "maintenance"},
            )
        ]
    if run["status"] in ("failed", "aborted"):
        reason = run.get("error") or "no reason recorded"
        return [(f"run {run_id} {run['status']}: {reason}", {"status": run["status"]})]
    found: list[tuple[str, dict[str, Any]]] = []
    if stats.sections:
        before = _previous_counts(store, run_id)
        for section, read in sorted(stats.sections.items()):
            if read.failed or not read.pages:
                continue  # its listing could not be read: the error alert says so
            if read.listed == 0 and before.get(section, 0) > 0:
                found.append(
                    (
                        f"section {section} listed no articles (it had {before[section]})",
                        {"section": section, "listed": 0, "before": before[section]},
                    )
                )
    pages = stats.article_pages + stats.unparseable_pages
    degraded = stats.degraded_pages
    if degraded and (
        degraded == pages
        or (pages >= MIN_ARTICLE_PAGES and degraded / pages > health.fallback_share)
    ):
        found.append(
            (
                f"the article template changed? {degraded} of {pages} article pages needed "
                "the fallback extractor or held no article",
                {
                    "degraded_pages": degraded,
                    "article_pages": pages,
                    "threshold": health.fallback_share,
                },
            )
        )
    if stats.unreadable_pages:  # each one an article the reader could not read: never silent
        found.append(
            (
                f"{stats.unreadable_pages} pages could not be read (kept on the backlog; "
                f"last error: {stats.last_error})",
                {"unreadable_pages": stats.unreadable_pages},
            )
        )
    errors = int(run.get("errors") or stats.errors)
    requests = int(run.get("requests") or stats.requests)
    share = errors / requests if requests else 0.0
    if errors > health.max_errors or (errors >= MIN_ERRORS and share > health.error_share):
        found.append(
            (
                f"{errors} failed requests of {requests}",
                {
                    "errors": errors,
                    "requests": requests,
                    "max_errors": health.max_errors,
                    "error_share": health.error_share,
                },
            )
        )
    return found


def check_health(store: Store, run_id: int, health: HealthConfig) -> list[str]:
    """Crawler alerts for a finished run, so a portal layout change never passes silently.

    One rule for how a run ends: every run that ends `failed` or `aborted` gets its alert,
    however it ended. A run that could not say so itself (SIGKILL, a second signal, a disk too
    full to record it) is found by the next run, which alerts for it: every such run since the
    last `ok` one that has no alert yet.
    """
    run = store.run(run_id)
    if run is None or run["status"] == "running":
        return []
    earlier = store.unreported_ends(run_id)
    messages = []
    for each in [*earlier, run]:
        for message, details in _problems(store, each, health):
            alert(store, each["id"], message, {"run_id": each["id"], **details})
            messages.append(message)
    return messages
