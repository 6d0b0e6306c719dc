"""Archived pages read again by today's extractor and profile: no request reaches the portal.

When a profile was wrong, re-fetching 30,000 articles at a request a second takes ten hours;
re-reading the WARC records the store names takes seconds. Each live article's latest capture
goes through the crawl's own steps (portalcrawl.parsing.reader.read_page, which loads and
normalises, then the validate pipeline); where the result differs from the stored article, a
version marked origin 'reextract' is recorded (Store.save_reextraction), which makes no event
and so no journalist notice. The caller says so once: a summary line and one operator notice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse

from portalcrawl.archive.warc import RecordProblem, WarcRef, read_response
from portalcrawl.items import ArticleItem
from portalcrawl.parsing.derived import comparable, derive
from portalcrawl.parsing.reader import read_page
from portalcrawl.pipelines import ValidatePipeline
from portalcrawl.site.profile import Profile
from portalcrawl.store.database import Store
from portalcrawl.text.compare import changed_fields

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    asset_id: int
    title: str
    fields: tuple[str, ...]
    version: int  # the new version (or the one a dry run would make)


@dataclass
class Report:
    pages: int = 0  # archived pages read
    seconds: float = 0.0
    changes: list[Change] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # records unreadable, pages now empty
    held: int = 0  # pages now needing the fallback extractor: not compared (as in a crawl)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds > 0 else 0.0


class _Counts(dict):
    """The stats interface ValidatePipeline counts its drops in."""

    def inc_value(self, key: str, count: int = 1) -> None:
        self[key] = self.get(key, 0) + count


def _listing_date(value: str | None) -> str | None:
    """listing_entries.listed_date (YYYY-MM-DD) as the listing shows it (dd/mm/yyyy)."""
    try:
        return date.fromisoformat(value).strftime("%d/%m/%Y") if value else None
    except ValueError:
        return None


def read_again(capture: dict[str, Any], page: Any, profile: Profile) -> ArticleItem | None:
    """The item the crawl would store from this archived page today; None: no article."""
    response = HtmlResponse(
        url=page.url,
        status=page.status,
        headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in page.headers],
        body=page.body,
    )
    parts = urlsplit(page.url)
    base = (capture.get("portal_url") or f"{parts.scheme}://{parts.netloc}").rstrip("/")
    reading = read_page(
        response.text,
        page.url,
        profile,
        base,
        None,
        _listing_date(capture.get("listed_date")),
        None,
    )
    if reading.not_found or reading.item is None or reading.asset_id != capture["asset_id"]:
        return None
    try:  # the loader normalised it already (parsing/loaders.py), as in a crawl
        return ValidatePipeline(_Counts()).process_item(ArticleItem(reading.item))
    except DropItem:
        return None


def reextract(
    store: Store,
    profile: Profile,
    *,
    since: datetime | None = None,
    dry_run: bool = False,
    progress: Callable[[Change], None] | None = None,
) -> Report:
    """Read every live article's latest archived page again; record (or, dry, list) changes."""
    report = Report()
    started = time.monotonic()
    base = Path(store.path).parent
    for capture in store.latest_captures(since):
        ref = WarcRef(capture["warc_file"], int(capture["warc_offset"]), capture["warc_record_id"])
        try:
            page = read_response(ref, base)
        except RecordProblem as exc:
            report.problems.append(str(exc))
            continue
        report.pages += 1
        item = read_again(capture, page, profile)
        if item is None:
            report.problems.append(f"{capture['asset_id']}: no article on the archived page now")
            continue
        if not comparable(capture["extraction"], item.get("extraction")):
            report.held += 1
            continue
        if derive(item).content_hash == capture["content_hash"]:
            continue
        if dry_run:
            fields = tuple(changed_fields(capture, item))
            change = Change(capture["asset_id"], item["title"], fields, capture["version"] + 1)
        else:
            result = store.save_reextraction(dict(item), ref)
            if result.kind != "reextracted":
                continue
            change = Change(capture["asset_id"], item["title"], result.fields, result.version)
        report.changes.append(change)
        if progress is not None:
            progress(change)
    report.seconds = time.monotonic() - started
    return report
