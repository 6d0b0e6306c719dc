"""The store's side of the WARC archive: which record proves which version or event.

Mixed into portalcrawl.store.database.Store. The crawl links a record to the version (new,
edited) and to the event (new, edited, restored, removed) its response made; `archive verify`
reads every linked record back, `reextract` reads each live article's latest one again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from portalcrawl.archive.warc import WarcRef

_REFERENCED = """
SELECT warc_file, warc_offset, warc_record_id FROM article_versions
WHERE warc_record_id IS NOT NULL
UNION
SELECT warc_file, warc_offset, warc_record_id FROM article_events
WHERE warc_record_id IS NOT NULL
ORDER BY 1, 2
"""

# Each live article's most recent capture that made a version or brought it back (its
# current text came from that page, or from one with the same content).
_LATEST = """
SELECT a.*, c.warc_file, c.warc_offset,
       c.warc_record_id, c.at, r.portal_url,
       (SELECT min(l.listed_date) FROM listing_entries l WHERE l.asset_id = a.asset_id)
       AS listed_date
FROM articles a
JOIN (
    SELECT asset_id, warc_file, warc_offset, warc_record_id, run_id, recorded_at AS at,
           row_number() OVER (PARTITION BY asset_id ORDER BY recorded_at DESC, warc_offset DESC)
           AS n
    FROM (
        SELECT asset_id, warc_file, warc_offset, warc_record_id, run_id, recorded_at
        FROM article_versions WHERE warc_record_id IS NOT NULL
        UNION ALL
        SELECT asset_id, warc_file, warc_offset, warc_record_id, run_id, created_at
        FROM article_events WHERE warc_record_id IS NOT NULL AND kind = 'restored'
    )
) c ON c.asset_id = a.asset_id AND c.n = 1
LEFT JOIN runs r ON r.id = c.run_id
WHERE a.status = 'live' AND c.at >= :since
ORDER BY a.asset_id
"""


class Captures:
    db: Database

    def link_capture(
        self, asset_id: int, run_id: int | None, ref: WarcRef, version: int | None
    ) -> None:
        """The record behind this run's events for the article, and behind its new version."""
        values = [ref.file, ref.offset, ref.record_id]
        if version is not None:
            self.db.execute(
                "UPDATE article_versions SET warc_file=?, warc_offset=?, warc_record_id=? "
                "WHERE asset_id=? AND version=? AND warc_record_id IS NULL",
                [*values, asset_id, version],
            )
        self.db.execute(
            "UPDATE article_events SET warc_file=?, warc_offset=?, warc_record_id=? "
            "WHERE asset_id=? AND run_id=? AND warc_record_id IS NULL",
            [*values, asset_id, run_id or 0],
        )

    def referenced_records(self) -> Iterator[WarcRef]:
        """Every record a version or an event names, once, in file order."""
        for file, offset, record_id in self.db.execute(_REFERENCED):
            yield WarcRef(file, int(offset), record_id)

    def latest_captures(self, since: datetime | None = None) -> list[dict[str, Any]]:
        """Per live article, the capture its current text was read from (at or after since)."""
        after = since.astimezone(UTC).replace(microsecond=0).isoformat() if since else ""
        return list(self.db.query(_LATEST, {"since": after}))
