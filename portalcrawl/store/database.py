"""The SQLite store: one writer API so that rows, versions, events and the index never disagree."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from portalcrawl.archive.warc import WarcRef
from portalcrawl.parsing.derived import comparable, derived_of
from portalcrawl.settingscheck import DAY, Number
from portalcrawl.site.urls import article_section
from portalcrawl.store import migrations, schema
from portalcrawl.store.captures import Captures
from portalcrawl.store.crawlstate import CrawlBookkeeping, merge_sections, to_json, utcnow
from portalcrawl.store.deliveries import DeliveryLog
from portalcrawl.store.fieldstate import FieldState
from portalcrawl.store.identity import IdentityClaims
from portalcrawl.store.notices import Outbox
from portalcrawl.store.readonly import connect_readonly
from portalcrawl.store.runs import RunLog
from portalcrawl.text.compare import as_list, changed_fields
from portalcrawl.text.normalise import fold

logger = logging.getLogger(__name__)

BUSY_TIMEOUT = 30.0
BUSY_TIMEOUT_ENV = "PORTALCRAWL_BUSY_TIMEOUT"
_BUSY_RULE = Number(0, DAY)

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


class StoreError(Exception):
    """A store that cannot be opened or written, said in one line."""


def busy_timeout() -> float:
    """Seconds a write waits for another process's lock ($PORTALCRAWL_BUSY_TIMEOUT, else 30).

    A value SQLite cannot take (nan, inf, negative, beyond a day) is refused, not replaced."""
    value = os.environ.get(BUSY_TIMEOUT_ENV, "")
    if not value.strip():
        return BUSY_TIMEOUT
    try:
        return float(_BUSY_RULE(value))
    except ValueError:
        raise StoreError(
            f"bad ${BUSY_TIMEOUT_ENV} {value!r}: expected {_BUSY_RULE.wanted()} seconds"
        ) from None


def store_error(path: str | os.PathLike, exc: Exception, doing: str = "use") -> StoreError:
    """An SQLite failure as an operator needs to read it: which store, and what is wrong."""
    text = str(exc)
    lowered = text.lower()
    if "readonly" in lowered or "read-only" in lowered:
        return StoreError(f"store {path} is read-only: {text}")
    if "locked" in lowered or "busy" in lowered:
        return StoreError(
            f"store {path} is locked by another process (waited {busy_timeout():g} s): {text}"
        )
    if "full" in lowered:
        return StoreError(f"store {path}: no space left: {text}")
    return StoreError(f"cannot {doing} store {path}: {text}")


class _Database(sqlite_utils.Database):
    """sqlite-utils' Database whose transactions take the write lock first (BEGIN IMMEDIATE).

    A deferred transaction that has read fails at its first write, without waiting, when
    another process committed in between (SQLITE_BUSY_SNAPSHOT); an immediate one waits its
    busy timeout instead. Nested blocks stay savepoints.
    """

    @contextlib.contextmanager
    def atomic(self) -> Iterator[sqlite_utils.Database]:
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise


@dataclass(frozen=True)
class SaveResult:
    # "new", "edited", "restored", "unchanged", "reextracted" (save_reextraction), or "held":
    # a page stored from the profile's template now reads without it (derived.comparable):
    # not comparable, no version is made.
    kind: str
    version: int
    fields: tuple[str, ...] = ()


class Store(RunLog, Outbox, DeliveryLog, CrawlBookkeeping, Captures, FieldState, IdentityClaims):
    """The portal store at `path`: created with its schema on first use, WAL, busy timeout.

    `readonly` opens it `mode=ro`; `untouched` too creates nothing beside it (store/readonly.py:
    the read commands). `note` says when it had to be read as it is on disk."""

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        create: bool = True,
        readonly: bool = False,
        untouched: bool = False,
    ):
        self.path = Path(path)
        self.note: str | None = None
        if not create or readonly:
            if not self.path.is_file():
                raise StoreError(f"no store at {self.path}")
        else:
            parent = self.path.parent
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except FileExistsError:
                raise StoreError(f"cannot create store {self.path}: not a directory") from None
            except OSError as exc:
                raise StoreError(f"cannot create {parent}: {exc.strerror}") from None
        timeout = busy_timeout()
        conn: sqlite3.Connection | None = None
        try:
            if readonly:
                conn, self.note = connect_readonly(self.path, timeout, untouched=untouched)
            else:
                conn = sqlite3.connect(str(self.path), timeout=timeout)
            self.db = _Database(conn, execute_plugins=False)
            self.db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            if not readonly:
                self.db.enable_wal()
                self.db.execute("PRAGMA synchronous = NORMAL")
                self.ensure_schema()  # takes the write lock: read-only or locked is said now
            elif self._needs_migration():
                # A reader of a store an older release wrote: migrate it once, then read.
                conn.close()
                Store(self.path, create=False).close()
                conn, self.note = connect_readonly(self.path, timeout, untouched=untouched)
                self.db = _Database(conn, execute_plugins=False)
                self.db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        except (sqlite3.Error, StoreError) as exc:
            if conn is not None:
                conn.close()
            if isinstance(exc, StoreError):
                raise
            raise store_error(self.path, exc, "open") from None

    def close(self) -> None:
        self.db.close()

    def _needs_migration(self) -> bool:
        try:
            version = migrations.stored_version(self.db.conn)
            if version is not None:
                return bool(migrations.pending(version))
        except migrations.SchemaError as exc:
            raise StoreError(f"store {self.path}: {exc}") from None
        return False

    def __enter__(self) -> Store:
        return self

    def atomic(self) -> contextlib.AbstractContextManager[sqlite_utils.Database]:
        """One transaction (the write lock taken first); nested, a savepoint."""
        return self.db.atomic()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ------------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        """Create the tables on first use, migrate an older store, refuse a newer one."""
        try:
            migrations.upgrade(self.db.conn, self.path)
        except migrations.SchemaError as exc:
            raise StoreError(f"store {self.path}: {exc}") from None

    def rebuild_search_index(self) -> int:
        """Re-fold every article into the FTS index (after an outside tool rewrote the table)."""
        with self.db.atomic():
            self.db.execute(f"DELETE FROM {schema.FTS_TABLE}")
            rows = self.db.execute("SELECT asset_id, title, summary, body_text FROM articles")
            count = 0
            for asset_id, title, summary, body in rows.fetchall():
                self._index(asset_id, (fold(title), fold(summary), fold(body)))
                count += 1
        return count

    def _index(self, asset_id: int, folded: tuple[str, str, str]) -> None:
        """The article's folded title, summary and body (textnorm.fold) in the FTS index."""
        self.db.execute(f"DELETE FROM {schema.FTS_TABLE} WHERE rowid = ?", [asset_id])
        self.db.execute(
            f"INSERT INTO {schema.FTS_TABLE}(rowid, title, summary, body_text) VALUES (?,?,?,?)",
            [asset_id, *folded],
        )

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
            if result.kind in ("new", "edited"):
                self._insert_version(item, asset_id, result, new_hash, run_id, now)
                self._index(asset_id, derived.folded)
            if result.kind not in ("unchanged", "held"):
                # A first version the backfill found is history being caught up, said so.
                why = "backfill" if result.kind == "new" and item.get("backfill") else None
                self._event(run_id, asset_id, result.kind, result.version, result.fields, why, now)
            self.db.execute("UPDATE articles SET verified_at=? WHERE asset_id=?", [now, asset_id])
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
            status="live",
        )
        cols = ", ".join(row)
        self.db.execute(
            f"INSERT INTO articles({cols}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )

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
                "UPDATE articles SET last_seen_at=?, sections=?, status='live', removed_at=NULL, "
                "url=?, article_id=COALESCE(?, article_id), "
                "extraction=COALESCE(?, extraction) WHERE asset_id=?",
                [now, sections, url, item.get("article_id"), extraction, asset_id],
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
        cols = ", ".join(row)
        self.db.execute(
            f"INSERT OR IGNORE INTO article_versions({cols}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )

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
