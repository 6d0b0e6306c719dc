"""The crawler's bookkeeping (url keys, listing entries, section state, backlog), and the
store's two small helpers for our own timestamps and JSON columns.

Mixed into portalcrawl.store.database.Store; kept apart so the article-writing core stays readable.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

from sqlite_utils import Database

from portalcrawl.text.compare import as_list


def utcnow() -> str:
    """Our own timestamps: UTC, ISO 8601, seconds."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def to_json(value: Any) -> str:
    """A JSON column's text: Vietnamese kept readable, not \\u-escaped."""
    return json.dumps(value, ensure_ascii=False)


def insert_row(db: Database, table: str, row: dict[str, Any], verb: str = "INSERT") -> Any:
    """One row, its columns named by the dict's keys (`verb`: "INSERT OR IGNORE" too); the
    cursor, for its rowcount and lastrowid."""
    marks = ", ".join("?" * len(row))
    return db.execute(f"{verb} INTO {table}({', '.join(row)}) VALUES ({marks})", list(row.values()))


def merge_sections(old: Iterable[str], new: Iterable[str]) -> list[str]:
    """Sections only grow: an article seen in a second listing keeps the first."""
    return list(dict.fromkeys([*old, *new]))


class CrawlBookkeeping:
    """What the spider needs to know from earlier runs, and what it leaves for the next."""

    db: Database

    def synced_sections(self) -> set[str]:
        rows = self.db.execute("SELECT section FROM section_state WHERE synced = 1").fetchall()
        return {r[0] for r in rows}

    def set_section_state(
        self, section: str, *, synced: bool, run_id: int | None, count: int | None = None
    ) -> None:
        self.db.execute(
            "INSERT INTO section_state(section, synced, last_run_id, last_count) "
            "VALUES (?,?,?,?) ON CONFLICT(section) DO UPDATE SET synced=excluded.synced, "
            "last_run_id=excluded.last_run_id, "
            "last_count=coalesce(excluded.last_count, section_state.last_count)",
            [section, int(synced), run_id, count],
        )

    def section_counts(self) -> dict[str, int]:
        """Live articles per section, from the sections JSON arrays."""
        rows = self.db.execute(
            "SELECT j.value, count(*) FROM articles, json_each(articles.sections) j "
            "WHERE articles.status='live' GROUP BY j.value"
        ).fetchall()
        return dict(rows)

    def section_last_counts(self, other_than: int | None = None) -> dict[str, int | None]:
        """The listing count each section showed when a run (other than this one) last read it."""
        rows = self.db.execute(
            "SELECT section, last_count FROM section_state WHERE last_run_id IS NOT ?",
            [other_than],
        ).fetchall()
        return dict(rows)

    def has_backlog(self) -> bool:
        return self.db.execute("SELECT 1 FROM crawl_backlog LIMIT 1").fetchone() is not None

    def backlog(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM crawl_backlog ORDER BY kind DESC, url"))

    def add_backlog(
        self,
        url: str,
        kind: str,
        *,
        section: str | None,
        asset_id: int | None,
        run_id: int | None,
        error: str,
        listing_date: str | None = None,
        why: str | None = None,
    ) -> None:
        self.db.execute(
            "INSERT INTO crawl_backlog(url, kind, section, asset_id, run_id, last_error, "
            "listing_date, why) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(url) DO UPDATE SET "
            "attempts=attempts+1, run_id=excluded.run_id, last_error=excluded.last_error, "
            "listing_date=coalesce(excluded.listing_date, listing_date), "
            "why=coalesce(why, excluded.why)",
            [url, kind, section, asset_id, run_id, error, listing_date, why],
        )

    def clear_backlog(self, url: str) -> None:
        self.db.execute("DELETE FROM crawl_backlog WHERE url=?", [url])

    def clear_section_backlog(self, section: str) -> None:
        """A clean walk of the section read its listing pages: failed ones are history."""
        self.db.execute("DELETE FROM crawl_backlog WHERE kind='listing' AND section=?", [section])

    def add_url_keys(self, asset_id: int, keys: Iterable[str]) -> None:
        for key in keys:
            self.db.execute(
                "INSERT INTO article_urls(url_key, asset_id) VALUES (?, ?) "
                "ON CONFLICT(url_key) DO UPDATE SET asset_id=excluded.asset_id",
                [key, asset_id],
            )

    def touch(self, asset_id: int, sections: Iterable[str] = ()) -> None:
        """Seen live in a listing this run: last_seen_at and the union of its sections."""
        row = self.db.execute(
            "SELECT sections FROM articles WHERE asset_id=? AND status='live'", [asset_id]
        ).fetchone()
        if row is None:
            return
        merged = merge_sections(as_list(row[0]), sections)
        self.db.execute(
            "UPDATE articles SET last_seen_at=?, sections=? WHERE asset_id=?",
            [utcnow(), to_json(merged), asset_id],
        )

    # -- this run's listing sightings: a TEMP table (the crawl's connection only, on disk past
    # its page cache), so a long crawl does not hold them in memory until the end

    def open_sightings(self) -> None:
        """This run's TEMP tables: sightings as they come, saved ids and their join at the end."""
        self.db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS run_sightings(url_key TEXT NOT NULL, "
            "section TEXT NOT NULL, entry_hash TEXT NOT NULL, listed_date TEXT, "
            "needs_fetch INTEGER NOT NULL, PRIMARY KEY (url_key, section))"
        )
        self.db.execute("CREATE TEMP TABLE IF NOT EXISTS run_saved(asset_id INTEGER PRIMARY KEY)")
        self.db.execute(
            "CREATE TEMP VIEW IF NOT EXISTS run_listed AS "
            "SELECT k.asset_id, s.section, s.entry_hash, s.listed_date, s.rowid AS seen "
            "FROM temp.run_sightings s JOIN article_urls k ON k.url_key = s.url_key "
            "WHERE s.needs_fetch = 0 OR k.asset_id IN (SELECT asset_id FROM temp.run_saved)"
        )

    def add_sightings(self, rows: Iterable[tuple[str, str, str, str | None, bool]]) -> None:
        """(url key, section, entry hash, listed date, needs fetch): the last sighting wins."""
        self.db.conn.executemany(
            "INSERT OR REPLACE INTO temp.run_sightings VALUES (?,?,?,?,?)", rows
        )

    def sighted_sections(self, keys: Iterable[str]) -> list[str]:
        """The sections whose listings showed any of these URL keys so far this run."""
        keys = list(keys)
        marks = ",".join("?" * len(keys))
        rows = self.db.execute(
            "SELECT DISTINCT section FROM temp.run_sightings "
            f"WHERE url_key IN ({marks}) ORDER BY section",
            keys,
        )
        return [r[0] for r in rows.fetchall()]

    def apply_sightings(self, run_id: int | None, saved: Iterable[int]) -> None:
        """Listing entries of stored articles, and the sections each was seen in. An entry whose
        article needed a fetch that did not succeed is left out: the next run fetches it.

        Set-based: one statement for the entries, one for last_seen_at, and a row-by-row merge
        only for articles listed in a section their row does not name yet (a rare thing: an
        article stored this run already carries the sections that listed it)."""
        self.db.execute("DELETE FROM temp.run_saved")
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO temp.run_saved VALUES (?)", ((a,) for a in saved)
        )
        self.db.execute(
            "INSERT INTO listing_entries(asset_id, section, entry_hash, listed_date, last_run_id) "
            "SELECT asset_id, section, entry_hash, listed_date, ? FROM temp.run_listed "
            "WHERE true ORDER BY asset_id, seen "
            "ON CONFLICT(asset_id, section) DO UPDATE SET entry_hash=excluded.entry_hash, "
            "listed_date=excluded.listed_date, last_run_id=excluded.last_run_id",
            [run_id],
        )
        self.db.execute(
            "UPDATE articles SET last_seen_at = ? WHERE status = 'live' "
            "AND asset_id IN (SELECT asset_id FROM temp.run_listed)",
            [utcnow()],
        )
        unnamed = self.db.execute(
            "SELECT DISTINCT l.asset_id, l.section FROM temp.run_listed l "
            "JOIN articles a ON a.asset_id = l.asset_id WHERE a.status = 'live' "
            "AND NOT EXISTS (SELECT 1 FROM json_each(a.sections) j WHERE j.value = l.section) "
            "ORDER BY l.asset_id, l.section"
        ).fetchall()
        for asset_id, rows in groupby(unnamed, key=lambda r: r[0]):
            self.touch(asset_id, [section for _, section in rows])

    def prune_listing(self, section: str, run_id: int | None) -> None:
        """After a whole, clean walk: entries the listing no longer shows are forgotten."""
        self.db.execute(
            "DELETE FROM listing_entries WHERE section = ? AND last_run_id IS NOT ?",
            [section, run_id],
        )
