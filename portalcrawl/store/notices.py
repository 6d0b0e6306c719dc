"""The `notices` table (the outbox): what the monitor announces, and the events not yet in it.

Mixed into portalcrawl.store.database.Store. The monitor decides what a notice says; the store
holds the SQL that finds unannounced events and writes, counts and lists notices.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from portalcrawl.store.crawlstate import insert_row, to_json, utcnow

NOTICE_COLUMNS = (
    "run_id",
    "event_id",
    "kind",
    "asset_id",
    "url",
    "title",
    "section",
    "published_at",
    "fields",
    "diff",
    "permalink",
)

# Each term is NOT NULL: `NOT (... NULL ...)` is NULL, which WHERE takes as false (an event
# with no reason, a press release dated days back, was silently never announced).
_UNANNOUNCED = """
SELECT e.id, e.run_id, e.asset_id, e.kind, e.version, e.fields,
       coalesce(v.title, a.title) AS title, coalesce(v.url, a.url) AS url,
       coalesce(v.published_at, a.published_at) AS published_at, a.sections
FROM article_events e
LEFT JOIN runs r ON r.id = e.run_id
LEFT JOIN articles a ON a.asset_id = e.asset_id
LEFT JOIN article_versions v ON v.asset_id = e.asset_id AND v.version = e.version
WHERE coalesce(r.baseline, 0) = 0
  AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.event_id = e.id)
  AND NOT (e.kind = 'new' AND coalesce(e.reason, '') = 'backfill'
           AND coalesce(v.published_at, a.published_at, '') < :history)
ORDER BY e.id
"""


_SITE_CHANGES = """
SELECT n.id, n.kind, n.asset_id, n.title, n.section, n.created_at, n.published_at, n.url,
       n.fields, n.diff, e.version
FROM notices n LEFT JOIN article_events e ON e.id = n.event_id
WHERE n.kind IN ('new', 'edited', 'removed', 'restored') {where}
ORDER BY n.id DESC LIMIT :limit
"""
_SITE_IN_SECTION = (
    "AND EXISTS (SELECT 1 FROM articles a, json_each(a.sections) j "
    "WHERE a.asset_id = n.asset_id AND j.value = :section)"
)
_SITE_TOUCHED = """
SELECT asset_id FROM article_events WHERE id > :event
UNION SELECT asset_id FROM article_versions WHERE rowid > :version
UNION SELECT asset_id FROM notices WHERE id > :notice AND asset_id IS NOT NULL
"""


class Outbox:
    """Queries on `notices`, and the event and version rows a notice is made from."""

    db: Database

    def unannounced_events(self, history: str) -> list[dict[str, Any]]:
        """Events of non-baseline runs with no notice yet, oldest first; `new` events the
        backfill made of articles published before `history` (ISO time, "" for none) are
        left out."""
        return list(self.db.query(_UNANNOUNCED, {"history": history}))

    def announced_removal(self, asset_id: int) -> bool:
        """A `removed` notice was made for the article (a restoration takes it back)."""
        row = self.db.execute(
            "SELECT 1 FROM notices WHERE asset_id = ? AND kind = 'removed' LIMIT 1", [asset_id]
        ).fetchone()
        return row is not None

    def version_pair(
        self, asset_id: int, version: int
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The version rows `version - 1` and `version` of an article, if both are stored."""
        rows = {
            row["version"]: row
            for row in self.db.query(
                "SELECT * FROM article_versions WHERE asset_id=? AND version IN (?, ?)",
                [asset_id, version - 1, version],
            )
        }
        if version - 1 not in rows or version not in rows:
            return None
        return rows[version - 1], rows[version]

    def add_notice(self, **values: Any) -> int | None:
        """A notice (NOTICE_COLUMNS, created_at; `fields` a list or mapping); None if its event
        already has one."""
        row = {name: values.get(name) for name in NOTICE_COLUMNS}
        row["fields"] = to_json(row["fields"] if row["fields"] is not None else [])
        row["created_at"] = values.get("created_at") or utcnow()
        cur = insert_row(self.db, "notices", row, "INSERT OR IGNORE")
        return int(cur.lastrowid) if cur.rowcount else None

    def alert_id(self, run_id: int | None, title: str) -> int | None:
        """The crawler_alert notice of this run with this title, if there is one."""
        row = self.db.execute(
            "SELECT id FROM notices WHERE kind='crawler_alert' AND run_id IS ? AND title=?",
            [run_id, title],
        ).fetchone()
        return int(row[0]) if row else None

    def notice_counts(self, run_id: int) -> dict[str, int]:
        """Notices a run made, by kind."""
        rows = self.db.execute(
            "SELECT kind, count(*) FROM notices WHERE run_id = ? GROUP BY kind", [run_id]
        ).fetchall()
        return {kind: int(count) for kind, count in rows}

    def alerts_since(self, run_id: int) -> list[dict[str, Any]]:
        """Crawler alerts of this run and later ones, newest first."""
        return list(
            self.db.query(
                "SELECT id, run_id, title, created_at FROM notices WHERE kind='crawler_alert' "
                "AND coalesce(run_id, 0) >= ? ORDER BY id DESC",
                [run_id],
            )
        )

    def list_notices(
        self,
        *,
        kind: str | None = None,
        since: datetime | None = None,
        newest_first: bool = False,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Notices (oldest first unless newest_first), of one kind and made since a moment if
        given; JSON columns left as stored."""
        where, params = [], []
        if kind:
            where.append("kind = ?")
            params.append(kind)
        if since is not None:
            where.append("created_at >= ?")
            params.append(since.astimezone(UTC).replace(microsecond=0).isoformat())
        sql = "SELECT * FROM notices" + (f" WHERE {' AND '.join(where)}" if where else "")
        sql += " ORDER BY created_at DESC, id DESC" if newest_first else " ORDER BY id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return list(self.db.query(sql, params))

    # -- what the static site reads (monitor/site/build.py) -----------------------------------

    def site_marks(self) -> dict[str, int]:
        """The highest event, version (rowid) and notice: how far a site build has got."""
        one = lambda sql: int(self.db.execute(sql).fetchone()[0] or 0)  # noqa: E731
        return {
            "event": one("SELECT max(id) FROM article_events"),
            "version": one("SELECT max(rowid) FROM article_versions"),
            "notice": one("SELECT max(id) FROM notices"),
        }

    def touched_since(self, marks: dict[str, int]) -> list[int]:
        """Articles with an event, version or notice newer than the marks."""
        return [int(r[0]) for r in self.db.execute(_SITE_TOUCHED, marks)]

    def notice_kinds_since(self, notice_id: int) -> set[str]:
        rows = self.db.execute("SELECT DISTINCT kind FROM notices WHERE id > ?", [notice_id])
        return {r[0] for r in rows}

    def recent_changes(
        self, limit: int, section: str | None = None, kind: str | None = None
    ) -> list[dict[str, Any]]:
        """Article notices newest first (with the version each made), of a section or kind."""
        where, params = "", {"limit": limit}
        if section:
            where, params["section"] = _SITE_IN_SECTION, section
        if kind:
            where += " AND n.kind = :kind"
            params["kind"] = kind
        return list(self.db.query(_SITE_CHANGES.format(where=where), params))
