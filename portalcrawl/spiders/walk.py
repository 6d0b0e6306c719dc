"""What the spider's walk decides, as plain functions: entry fingerprints, the listing count,
which known articles to confirm, and why a request failed."""

from __future__ import annotations

import hashlib
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from portalcrawl.parsing.listing import ListingEntry
from portalcrawl.store.snapshot import KnownArticle
from portalcrawl.text.normalise import comparison_form


@dataclass
class Wanted:
    """An article request to make: from a listing, a confirmation, the backlog or the canary."""

    url: str
    key: str | None
    section: str | None
    listing_date: str | None
    asset_id: int | None
    why: str
    title: str = ""  # the listing entry's title ("" when no listing led to it)


def entry_hash(entry: ListingEntry) -> str:
    """Fingerprint of a listing entry in comparison form: only a real change alters it."""
    parts = (
        comparison_form(entry.title),
        comparison_form(entry.date_text),
        comparison_form(entry.summary),
        comparison_form(entry.cover),
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def failure_message(failure: Failure) -> str:
    """Why a request failed, in one line that is never empty (Twisted's data loss has none)."""
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    message = failure.getErrorMessage()
    if message:
        return message
    reasons = [type(r.value).__name__.lstrip("_") for r in getattr(failure.value, "reasons", [])]
    return type(failure.value).__name__ + (f" ({', '.join(reasons)})" if reasons else "")


def missing_from_listing(
    known: Iterable[KnownArticle], section: str, listed: Container[int], oldest: date | None
) -> Iterator[KnownArticle]:
    """Live articles of the section not on the pages read that should have been: all of them
    after a walk to the end (oldest None), else those published after the oldest date read."""
    for article in known:
        if article.status != "live" or section not in article.sections:
            continue
        if article.asset_id in listed:
            continue
        published = article.published_day
        if oldest is not None and (published is None or published <= oldest):
            continue
        yield article
