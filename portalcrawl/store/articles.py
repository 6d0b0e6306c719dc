"""Writing articles: a row, a version and an event (and the search index) that never disagree.

The Store's article half (a mixin, as the store's other tables are): `save_article` for the
crawl, `save_reextraction` for `reextract`, `mark_removed` for confirmed removals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from portalcrawl.archive.warc import WarcRef
from portalcrawl.parsing.derived import comparable, derived_of
from portalcrawl.site.urls import article_section
from portalcrawl.store import schema
from portalcrawl.store.crawlstate import insert_row, merge_sections, to_json, utcnow
from portalcrawl.text.compare import as_list, changed_fields

ARTICLE_FIELDS = (
    "url",
    "title",
    "summary",
    "body_text",
    "body_html",
    "published_at",
    "author",
    "source",
    "images",
    "attachments",
)


@dataclass(frozen=True)
class SaveResult:
    # "new", "edited", "restored", "unchanged", "reextracted" (save_reextraction), or "held":
    # a page stored from the profile's template now reads without it (derived.comparable):
    # not comparable, no version is made.
    kind: str
    version: int
    fields: tuple[str, ...] = ()


class ArticleWrites:
    """What the Store does with articles (it supplies `db` and `add_url_keys`)."""

    db: sqlite_utils.Database
    # The open batch's search-index rows by asset id (None: no batch, rows are written at once).
    index_later: dict[int, tuple[str, str, str]] | None = None

    def _index(self, asset_id: int, folded: tuple[str, str, str]) -> None:
        """The article's folded title, summary and body (textnorm.fold) in the FTS index."""
        self._index_rows({asset_id: folded})

    def _index_rows(self, rows: Mapping[int, tuple[str, str, str]]) -> None:
        self.db.conn.executemany(
            f"DELETE FROM {schema.FTS_TABLE} WHERE rowid = ?", [[k] for k in rows]
        )
        self.db.conn.executemany(
            f"INSERT INTO {schema.FTS_TABLE}(rowid, title, summary, body_text) VALUES (?,?,?,?)",
            [[k, *v] for k, v in rows.items()],
        )

    # -- the crawl's batch ----------------------------------------------------------------------

    def begin_batch(self) -> bool:
        """Open a batch of writes unless one is open; True if this opened it. IMMEDIATE: the
        write lock is taken (or waited for) first, so another process's commit in between
        cannot fail the batch.

        Its articles reach the search index as it commits. FTS5 writes its pending terms out at
        every savepoint it is part of, and each article's save is a savepoint in the batch:
        indexed one by one, every article became a segment of its own, to be merged again
        (2,000 synthetic articles in batches of 200: 320 µs an article one by one, 115 µs at
        the batch's end; the pipelines' CPU an article 0.27 -> 0.20 ms).
        """
        if self.db.conn.in_transaction:
            return False
        self.db.conn.execute("BEGIN IMMEDIATE")
        self.index_later = {}
        return True

    def commit_batch(self) -> None:
        """The open batch, its search-index rows with it, committed (nothing open: nothing)."""
        if self.db.conn.in_transaction:
            if self.index_later:
                self._index_rows(self.index_later)
            self.db.conn.execute("COMMIT")
        self.index_later = None

    def rollback_batch(self) -> None:
        """The open batch rolled back: its search-index rows go with it."""
        self.index_later = None
        if self.db.conn.in_transaction:
            self.db.conn.rollback()

    # -- articles ---------------------------------------------------------------------------

    def save_article(
        self, item: Mapping[str, Any], run_id: int | None, url_keys: Iterable[str] = ()
    ) -> SaveResult:
        """Upsert one article; a new version and an event only when its content changed."""
        asset_id = int(item["asset_id"])
        now = utcnow()
        with self.db.atomic():
            old = list(self.db.query("SELECT * FROM articles WHERE asset_id=?", [asset_id]))
            self.add_url_keys(asset_id, url_keys)
            derived = derived_of(item)
            new_hash = derived.content_hash
            if not old:
                result = SaveResult("new", 1)
                self._insert_article(item, asset_id, new_hash, now)
            else:
                result = self._update_article(old[0], item, asset_id, new_hash, now, run_id)
            indexed = result.kind in ("new", "edited")
            if indexed:
                self._insert_version(item, asset_id, result, new_hash, run_id, now)
                if self.index_later is None:
                    self._index(asset_id, derived.folded)
            if result.kind not in ("unchanged", "held"):
                # A first version the backfill found is history being caught up, said so.
                why = "backfill" if result.kind == "new" and item.get("backfill") else None
                self._event(run_id, asset_id, result.kind, result.version, result.fields, why, now)
        if indexed and self.index_later is not None:  # its save stood: indexed with the batch
            self.index_later[asset_id] = derived.folded
        return result

    def _insert_article(
        self, item: Mapping[str, Any], asset_id: int, digest: str, now: str
    ) -> None:
        row = _article_row(item)
        row.update(
            asset_id=asset_id,
            article_id=item.get("article_id"),
            sections=to_json(merge_sections([], item.get("sections") or [])),
            content_hash=digest,
            version=1,
            extraction=item.get("extraction") or "profile",
            first_seen_at=now,
            last_seen_at=now,
            verified_at=now,
            status="live",
        )
        insert_row(self.db, "articles", row)

    def _update_article(
        self,
        old: dict[str, Any],
        item: Mapping[str, Any],
        asset_id: int,
        digest: str,
        now: str,
        run_id: int | None,
    ) -> SaveResult:
        sections = to_json(merge_sections(as_list(old["sections"]), item.get("sections") or []))
        restored = old["status"] != "live"
        degraded = not comparable(old["extraction"], item.get("extraction"))
        if old["content_hash"] == digest or degraded:
            url = item.get("url") if restored and item.get("url") else old["url"]
            # the same text, read the way this build reads it (a page stored as `fallback`
            # before migrated pages were told apart now says `migrated`)
            extraction = old["extraction"] if degraded else item.get("extraction")
            self.db.execute(
                "UPDATE articles SET last_seen_at=?, verified_at=?, sections=?, status='live', "
                "removed_at=NULL, url=?, article_id=COALESCE(?, article_id), "
                "extraction=COALESCE(?, extraction) WHERE asset_id=?",
                [now, now, sections, url, item.get("article_id"), extraction, asset_id],
            )
            if restored:
                return SaveResult("restored", old["version"])
            return SaveResult("held" if degraded else "unchanged", old["version"])
        fields = tuple(changed_fields(old, item))
        version = old["version"] + 1
        row = _article_row(item)
        if not restored and _other_section(old["url"], row["url"]):
            row["url"] = old["url"]  # fetched through a second section's listing this time
        row.update(
            article_id=item.get("article_id") or old.get("article_id"),
            sections=sections,
            content_hash=digest,
            version=version,
            last_seen_at=now,
            verified_at=now,
            status="live",
            removed_at=None,
            extraction=item.get("extraction") or old["extraction"],
        )
        sets = ", ".join(f"{k}=?" for k in row)
        self.db.execute(f"UPDATE articles SET {sets} WHERE asset_id=?", [*row.values(), asset_id])
        if restored:
            self._event(run_id, asset_id, "restored", old["version"], (), None, now)
        return SaveResult("edited", version, fields)

    def _insert_version(
        self,
        item: Mapping[str, Any],
        asset_id: int,
        result: SaveResult,
        digest: str,
        run_id: int | None,
        now: str,
    ) -> None:
        row = _article_row(item)
        row.update(
            asset_id=asset_id,
            version=result.version,
            run_id=run_id,
            recorded_at=now,
            content_hash=digest,
            changed_fields=to_json(list(result.fields)),
        )
        insert_row(self.db, "article_versions", row, "INSERT OR IGNORE")

    def _event(
        self,
        run_id: int | None,
        asset_id: int,
        kind: str,
        version: int | None,
        fields: Iterable[str],
        reason: str | None,
        now: str,
    ) -> None:
        self.db.execute(
            "INSERT INTO article_events(run_id, asset_id, kind, version, fields, reason, "
            "created_at) VALUES (?,?,?,?,?,?,?)",
            [run_id or 0, asset_id, kind, version, to_json(list(fields)), reason, now],
        )

    def save_reextraction(self, item: Mapping[str, Any], ref: WarcRef) -> SaveResult:
        """A version read again from the archived page `ref` by a newer extractor or profile.

        Nothing changed on the portal, so no event is made (no one is told): the version is
        marked origin 'reextract' and names the record it was read from; the article's row
        and search index follow it, so the next crawl compares with what it would read now.
        """
        asset_id = int(item["asset_id"])
        now = utcnow()
        with self.db.atomic():
            rows = list(self.db.query("SELECT * FROM articles WHERE asset_id=?", [asset_id]))
            if not rows or rows[0]["status"] != "live":
                return SaveResult("unchanged", 0)
            old = rows[0]
            derived = derived_of(item)
            degraded = not comparable(old["extraction"], item.get("extraction"))
            if degraded or old["content_hash"] == derived.content_hash:
                return SaveResult("held" if degraded else "unchanged", old["version"])
            result = SaveResult("reextracted", old["version"] + 1, tuple(changed_fields(old, item)))
            row = {**_article_row(item), "url": old["url"]}
            row.update(
                content_hash=derived.content_hash,
                version=result.version,
                extraction=item.get("extraction") or old["extraction"],
            )
            sets = ", ".join(f"{k}=?" for k in row)
            self.db.execute(
                f"UPDATE articles SET {sets} WHERE asset_id=?", [*row.values(), asset_id]
            )
            version_item = {**item, "url": old["url"]}
            self._insert_version(version_item, asset_id, result, derived.content_hash, None, now)
            self.db.execute(
                "UPDATE article_versions SET origin='reextract', warc_file=?, warc_offset=?, "
                "warc_record_id=? WHERE asset_id=? AND version=?",
                [ref.file, ref.offset, ref.record_id, asset_id, result.version],
            )
            self._index(asset_id, derived.folded)
        return result

    def mark_removed(self, asset_id: int, run_id: int | None, reason: str) -> bool:
        """A live article that answers 404 or a soft 404: keep the row, flag it, record why."""
        now = utcnow()
        with self.db.atomic():
            row = self.db.execute(
                "SELECT version FROM articles WHERE asset_id=? AND status='live'", [asset_id]
            ).fetchone()
            if row is None:
                return False
            self.db.execute(
                "UPDATE articles SET status='removed', removed_at=? WHERE asset_id=?",
                [now, asset_id],
            )
            self.db.execute("DELETE FROM listing_entries WHERE asset_id=?", [asset_id])
            self._event(run_id, asset_id, "removed", row[0], (), reason, now)
        return True


def _other_section(stored: str | None, fetched: str | None) -> bool:
    """An article listed in two sections has a URL under each: the stored one stays put, so
    `url` does not flip with whichever listing led to the page (a slug change is taken)."""
    first, now = article_section(stored), article_section(fetched)
    return first is not None and now is not None and first != now


def _article_row(item: Mapping[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name in ARTICLE_FIELDS:
        value = item.get(name)
        if name in ("images", "attachments"):
            value = to_json(as_list(value))
        row[name] = value
    return row
