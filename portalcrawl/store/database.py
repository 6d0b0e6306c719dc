"""The SQLite store: one writer API so that rows, versions, events and the index never disagree."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from portalcrawl import settingscheck
from portalcrawl.store import migrations, schema
from portalcrawl.store.articles import ArticleWrites
from portalcrawl.store.captures import Captures
from portalcrawl.store.crawlstate import CrawlBookkeeping
from portalcrawl.store.deliveries import DeliveryLog
from portalcrawl.store.fieldstate import FieldState
from portalcrawl.store.identity import IdentityClaims
from portalcrawl.store.notices import Outbox
from portalcrawl.store.readonly import connect_readonly
from portalcrawl.store.runs import RunLog
from portalcrawl.text.normalise import fold

logger = logging.getLogger(__name__)


class StoreError(Exception):
    """A store that cannot be opened or written, said in one line."""


def busy_timeout() -> float:
    """Seconds a write waits for another process's lock (settingscheck.busy_timeout)."""
    try:
        return settingscheck.busy_timeout()
    except settingscheck.SettingError as exc:
        raise StoreError(str(exc)) from None


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
    busy timeout instead. Nested blocks are savepoints.
    """

    @contextlib.contextmanager
    def atomic(self) -> Iterator[sqlite_utils.Database]:
        if self.conn.in_transaction:
            # One savepoint name (SQLite releases the innermost of a name): sqlite-utils'
            # random names are a statement to prepare each time, 10 µs an article saved.
            self.conn.execute("SAVEPOINT portalcrawl")
            try:
                yield self
            except BaseException:
                if self.conn.in_transaction:  # an error can end the whole transaction
                    self.conn.execute("ROLLBACK TO SAVEPOINT portalcrawl")
                    self.conn.execute("RELEASE SAVEPOINT portalcrawl")
                raise
            self.conn.execute("RELEASE SAVEPOINT portalcrawl")
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise


class Store(
    ArticleWrites,
    RunLog,
    Outbox,
    DeliveryLog,
    CrawlBookkeeping,
    Captures,
    FieldState,
    IdentityClaims,
):
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
