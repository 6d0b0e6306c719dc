"""Store state of the field rules: backfill resume points, verification times for the rolling
audit. Mixed into portalcrawl.store.database.Store beside the crawl's other bookkeeping.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlite_utils import Database


@dataclass(frozen=True)
class BackfillPoint:
    """Where a section's backfill stands as the last run left it."""

    done: bool
    offset: int | None  # entries from the top walked and stored
    total: int | None  # the listing's total when offset was recorded


def _listing_date(day: str | None) -> str | None:
    """A stored listing date (YYYY-MM-DD) as a listing shows it (dd/mm/yyyy)."""
    if not day or len(day) < 10:
        return None
    return f"{day[8:10]}/{day[5:7]}/{day[0:4]}"


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).replace(microsecond=0).isoformat()


class FieldState:
    db: Database

    # -- backfill ------------------------------------------------------------------------------

    def backfill_points(self) -> dict[str, BackfillPoint]:
        rows = self.db.execute(
            "SELECT section, backfill_done, resume_offset, resume_total FROM section_state"
        ).fetchall()
        return {s: BackfillPoint(bool(d), o, t) for s, d, o, t in rows}

    def set_backfill(
        self,
        section: str,
        *,
        done: bool,
        offset: int | None,
        total: int | None,
        listed_total: int | None,
    ) -> None:
        """Record the section's resume point (a section is backfilled once, then stays so)."""
        self.db.execute(
            "INSERT INTO section_state(section, backfill_done, resume_offset, resume_total, "
            "listed_total) VALUES (?,?,?,?,?) ON CONFLICT(section) DO UPDATE SET "
            "backfill_done = max(section_state.backfill_done, excluded.backfill_done), "
            "resume_offset = excluded.resume_offset, resume_total = excluded.resume_total, "
            "listed_total = coalesce(excluded.listed_total, section_state.listed_total)",
            [section, int(done), offset, total, listed_total],
        )

    def set_count_offset(self, section: str, listed_total: int) -> int:
        """After a walk read the section's listing to its end: how far its counter is from
        the live articles stored from it (see section_state.count_offset)."""
        held = self.db.execute(
            "SELECT count(*) FROM listing_entries e JOIN articles a "
            "ON a.asset_id = e.asset_id AND a.status = 'live' WHERE e.section = ?",
            [section],
        ).fetchone()[0]
        offset = listed_total - held
        self.db.execute(
            "UPDATE section_state SET count_offset = ? WHERE section = ?", [offset, section]
        )
        return offset

    def backfill_progress(self, sections: Iterable[str]) -> dict[str, Any]:
        """Listed articles stored, of those the listings count, over the given sections."""
        sections = list(sections)
        marks = ",".join("?" * len(sections)) or "NULL"
        held = dict(
            self.db.execute(
                "SELECT e.section, count(*) FROM listing_entries e JOIN articles a "
                "ON a.asset_id = e.asset_id AND a.status = 'live' "
                f"WHERE e.section IN ({marks}) GROUP BY e.section",
                sections,
            ).fetchall()
        )
        state = {
            row[0]: row[1:]
            for row in self.db.execute(
                "SELECT section, backfill_done, listed_total FROM section_state "
                f"WHERE section IN ({marks})",
                sections,
            ).fetchall()
        }
        stored = listed = 0
        done = bool(sections)
        for section in sections:
            finished, total = state.get(section, (0, None))
            count = held.get(section, 0)
            stored += count
            listed += max(count, total or 0) if not finished else count
            done = done and bool(finished)
        # Articles, not listing entries: a reprint listed in two sections is one article (the
        # counters cannot say which unstored entries are shared; the stored ones can).
        distinct = self.db.execute(
            "SELECT count(DISTINCT e.asset_id) FROM listing_entries e JOIN articles a "
            "ON a.asset_id = e.asset_id AND a.status = 'live' "
            f"WHERE e.section IN ({marks})",
            sections,
        ).fetchone()[0]
        shared = stored - distinct
        return {"stored": distinct, "listed": listed - shared, "done": done}

    # -- removals that persist ----------------------------------------------------------------

    def suspect_gone(self, asset_id: int, reason: str, run_id: int | None) -> str:
        """Note a live article found gone; returns when it was first found so (UTC ISO)."""
        now = datetime.now(UTC).replace(microsecond=0).isoformat()
        self.db.execute(
            "INSERT INTO removal_suspects(asset_id, reason, first_seen_at, last_run_id) "
            "VALUES (?,?,?,?) ON CONFLICT(asset_id) DO UPDATE SET reason=excluded.reason, "
            "last_run_id=excluded.last_run_id",
            [asset_id, reason, now, run_id],
        )
        row = self.db.execute(
            "SELECT first_seen_at FROM removal_suspects WHERE asset_id=?", [asset_id]
        ).fetchone()
        return str(row[0])

    def forget_suspects(self, asset_ids: Iterable[int]) -> None:
        self.db.conn.executemany(
            "DELETE FROM removal_suspects WHERE asset_id=?", ((a,) for a in asset_ids)
        )

    def forget_answered_suspects(self) -> None:
        """Suspects that answered this run (the run's saved articles) are not gone."""
        self.db.execute(
            "DELETE FROM removal_suspects WHERE asset_id IN (SELECT asset_id FROM temp.run_saved)"
        )

    def removal_suspects(self) -> list[tuple[int, str, str | None]]:
        """Asset id, URL, listing date of the live articles whose removal waits confirming."""
        rows = self.db.execute(
            "SELECT s.asset_id, a.url, (SELECT min(e.listed_date) FROM listing_entries e "
            "WHERE e.asset_id = a.asset_id) FROM removal_suspects s JOIN articles a "
            "ON a.asset_id = s.asset_id AND a.status = 'live' ORDER BY s.asset_id"
        ).fetchall()
        return [(a, url, _listing_date(day)) for a, url, day in rows]

    # -- the rolling audit ---------------------------------------------------------------------

    def audit_candidates(self, limit: int) -> list[tuple[int, str, str | None]]:
        """The live articles verified longest ago (never first): asset id, URL, and the date
        their listing shows (dd/mm/yyyy; a migrated article's page has no date of its own)."""
        if limit <= 0:
            return []
        rows = self.db.execute(
            "SELECT a.asset_id, a.url, (SELECT min(e.listed_date) FROM listing_entries e "
            "WHERE e.asset_id = a.asset_id) FROM articles a WHERE a.status = 'live' "
            "ORDER BY a.verified_at IS NOT NULL, a.verified_at, a.asset_id LIMIT ?",
            [limit],
        ).fetchall()
        return [(a, url, _listing_date(day)) for a, url, day in rows]

    def audit_quota(self, cycle: timedelta, gap: timedelta, *, spread: bool) -> int:
        """Articles to re-verify this run so that each is verified once per cycle: those that
        would be older than the cycle by the next run (gap ahead), and, with spread, at least
        the cycle's even share (live × gap / cycle), so the load stays level."""
        if cycle.total_seconds() <= 0:
            return 0
        before = _iso(datetime.now(UTC) + gap - cycle)
        due, live = self.db.execute(
            "SELECT sum(verified_at IS NULL OR verified_at < ?), count(*) FROM articles "
            "WHERE status = 'live'",
            [before],
        ).fetchone()
        share = math.ceil((live or 0) * gap / cycle) if spread else 0
        return max(int(due or 0), share)

    def verification(self, cycle: timedelta) -> dict[str, Any]:
        """The oldest verification's age and the share of live articles verified this cycle."""
        since = _iso(datetime.now(UTC) - cycle)
        oldest, live, covered = self.db.execute(
            "SELECT min(coalesce(verified_at, '')), count(*), sum(verified_at >= ?) "
            "FROM articles WHERE status = 'live'",
            [since],
        ).fetchone()
        age = None
        if oldest:
            age = (datetime.now(UTC) - datetime.fromisoformat(oldest)).total_seconds()
        return {
            "live": live or 0,
            "oldest_verified_seconds": age,
            "never_verified": oldest == "",
            "coverage": (covered or 0) / live if live else 1.0,
        }

    def previous_run_start(self, run_id: int | None) -> datetime | None:
        """When the run before this one started (the schedule's interval, as it really is)."""
        row = self.db.execute(
            "SELECT started_at FROM runs WHERE id < coalesce(?, 1 << 62) ORDER BY id DESC LIMIT 1",
            [run_id],
        ).fetchone()
        return datetime.fromisoformat(row[0]) if row else None
