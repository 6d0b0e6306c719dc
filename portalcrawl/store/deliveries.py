"""The `deliveries` and `channel_state` tables: each notice to each channel once, across outages.

Mixed into portalcrawl.store.database.Store. The monitor decides which notices a channel takes
and sends them; the store records where each channel stands and how each delivery went.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlite_utils import Database

from portalcrawl.store.crawlstate import utcnow

_DUE = "('pending', 'sending', 'unknown')"  # still to be delivered


def _marks(ids: Sequence[int]) -> str:
    return ",".join("?" * len(ids))


class DeliveryLog:
    """Queries on `deliveries` and `channel_state`."""

    db: Database

    def channel_position(self, channel: str, run_id: int | None) -> int:
        """The last notice id this channel has considered. A new channel starts just before
        the current run's first notice (after the last notice when the run made none)."""
        row = self.db.execute(
            "SELECT last_notice_id FROM channel_state WHERE channel=?", [channel]
        ).fetchone()
        if row:
            return int(row[0])
        if run_id is not None:
            row = self.db.execute("SELECT min(id) FROM notices WHERE run_id=?", [run_id]).fetchone()
            if row[0] is not None:
                return int(row[0]) - 1
        return int(self.db.execute("SELECT coalesce(max(id), 0) FROM notices").fetchone()[0])

    def notices_after(self, after: int) -> list[dict[str, Any]]:
        """Notices past a channel's position, with the article text its filters read."""
        return list(
            self.db.query(
                "SELECT n.id, n.kind, n.title, n.section, a.sections, a.title AS a_title, "
                "a.summary, a.body_text FROM notices n "
                "LEFT JOIN articles a ON a.asset_id = n.asset_id WHERE n.id > ? ORDER BY n.id",
                [after],
            )
        )

    def add_delivery(self, notice_id: int, channel: str, now: str) -> int:
        """A pending delivery; 0 if the notice already had one on this channel, else 1."""
        cur = self.db.execute(
            "INSERT OR IGNORE INTO deliveries(notice_id, channel, status, updated_at) "
            "VALUES (?, ?, 'pending', ?)",
            [notice_id, channel, now],
        )
        return cur.rowcount

    def adopt_channel(self, old: str, new: str) -> bool:
        """Carry a channel's place and deliveries over from the name an older release gave it,
        once: only while the new name has no place of its own."""
        has = "SELECT 1 FROM channel_state WHERE channel=?"
        if self.db.execute(has, [new]).fetchone() or not self.db.execute(has, [old]).fetchone():
            return False
        self.db.execute("UPDATE channel_state SET channel=? WHERE channel=?", [new, old])
        self.db.execute("UPDATE deliveries SET channel=? WHERE channel=?", [new, old])
        return True

    def set_channel_position(self, channel: str, last_notice_id: int, now: str) -> None:
        self.db.execute(
            "INSERT INTO channel_state(channel, last_notice_id, first_used_at, updated_at) "
            "VALUES (?,?,?,?) ON CONFLICT(channel) DO UPDATE SET "
            "last_notice_id=excluded.last_notice_id, updated_at=excluded.updated_at",
            [channel, last_notice_id, now, now],
        )

    def pending_deliveries(self, channel: str) -> list[dict[str, Any]]:
        """The channel's notices still to deliver, oldest first, with delivery_id, attempts
        and delivery_status (pending, or sending/unknown: an earlier attempt may have arrived)."""
        return list(
            self.db.query(
                "SELECT n.*, d.id AS delivery_id, d.attempts, d.status AS delivery_status "
                "FROM deliveries d JOIN notices n ON n.id = d.notice_id "
                f"WHERE d.channel=? AND d.status IN {_DUE} ORDER BY n.id",
                [channel],
            )
        )

    def deliveries_sending(self, ids: Sequence[int], now: str) -> None:
        """An attempt begins (counted now): left 'sending' by a crash, it may have arrived."""
        self.db.execute(
            f"UPDATE deliveries SET status='sending', attempts=attempts+1, updated_at=? "
            f"WHERE id IN ({_marks(ids)})",
            [now, *ids],
        )

    def delivery_attempt_failed(
        self, ids: Sequence[int], error: str, maybe_sent: bool = False
    ) -> None:
        """Refused: still to deliver ('unknown' if an earlier attempt may have arrived)."""
        self.db.execute(
            f"UPDATE deliveries SET status=?, last_error=?, updated_at=? "
            f"WHERE id IN ({_marks(ids)})",
            ["unknown" if maybe_sent else "pending", error, utcnow(), *ids],
        )

    def deliveries_unanswered(self, ids: Sequence[int], error: str) -> None:
        """Sent without an answer in time: 'unknown', resent as a possible repeat."""
        self.db.execute(
            f"UPDATE deliveries SET status='unknown', last_error=?, updated_at=? "
            f"WHERE id IN ({_marks(ids)})",
            [error, utcnow(), *ids],
        )

    def deliveries_delivered(self, ids: Sequence[int], now: str) -> None:
        self.db.execute(
            f"UPDATE deliveries SET status='delivered', last_error=NULL, "
            f"delivered_at=?, updated_at=? WHERE id IN ({_marks(ids)})",
            [now, now, *ids],
        )

    def deliveries_given_up(self, ids: Sequence[int], now: str) -> None:
        self.db.execute(
            f"UPDATE deliveries SET status='failed', updated_at=? WHERE id IN ({_marks(ids)})",
            [now, *ids],
        )

    def pending_count(self, channel: str) -> int:
        return int(
            self.db.execute(
                f"SELECT count(*) FROM deliveries WHERE channel=? AND status IN {_DUE}", [channel]
            ).fetchone()[0]
        )

    def channel_totals(self) -> dict[str, dict[str, Any]]:
        """Per channel seen in deliveries: pending (still to deliver), failed, delivered, last
        delivery and error."""
        return {
            r["channel"]: r
            for r in self.db.query(
                f"SELECT channel, sum(status IN {_DUE}) AS pending, "
                "sum(status='failed') AS failed, sum(status='delivered') AS delivered, "
                "max(delivered_at) AS last_delivered, "
                "(SELECT last_error FROM deliveries e WHERE e.channel=d.channel AND last_error "
                "IS NOT NULL ORDER BY updated_at DESC, id DESC LIMIT 1) AS last_error "
                "FROM deliveries d GROUP BY channel"
            )
        }
