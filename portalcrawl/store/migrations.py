"""Schema migrations: the ordered steps that bring an older store to today's schema in place.

schema.py declares today's shape, which a new store is created in. Each schema change after
version 1 adds one `Migration` here that takes a store of the version before to its own
version, using the declarations in schema.py (`add_column` reads the column's DDL there), so
the two cannot disagree. `upgrade` runs inside the store's open: the file is first copied aside
(`portal.sqlite3.v1.bak`, a consistent copy through SQLite's backup API), then every pending
step and the version bump commit in one transaction: a failure leaves the store as it was.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from portalcrawl.store import schema

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migration:
    version: int  # the schema version the store has after this step
    doc: str  # one line for the README and the log
    apply: Callable[[sqlite3.Connection], None]


def add_column(conn: sqlite3.Connection, table: str, column: str) -> None:
    """ALTER TABLE … ADD COLUMN with the column as schema.py declares it."""
    (declared,) = [
        c for t in schema.TABLES if t.name == table for c in t.columns if c.name == column
    ]
    conn.execute(f"ALTER TABLE [{table}] ADD COLUMN {declared.ddl()}")


# Appended to in order; a step is never edited once released (a released store ran it).
def _archive_references(conn: sqlite3.Connection) -> None:
    for column in ("origin", "warc_file", "warc_offset", "warc_record_id"):
        add_column(conn, "article_versions", column)
    for column in ("warc_file", "warc_offset", "warc_record_id"):
        add_column(conn, "article_events", column)


def _create(conn: sqlite3.Connection, table: str) -> None:
    """A new table, as schema.py declares it."""
    for stmt in next(t for t in schema.TABLES if t.name == table).ddl():
        conn.execute(stmt)


def _field_state(conn: sqlite3.Connection) -> None:
    add_column(conn, "articles", "verified_at")
    for column in ("backfill_done", "resume_offset", "resume_total", "listed_total"):
        add_column(conn, "section_state", column)
    # A section an older release walked whole is stored whole: no backfill to do.
    conn.execute("UPDATE section_state SET backfill_done = synced")


def _backlog_origin(conn: sqlite3.Connection) -> None:
    for column in ("listing_date", "why"):
        add_column(conn, "crawl_backlog", column)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        2,
        "versions and events name their archived WARC record; versions say their origin",
        _archive_references,
    ),
    Migration(
        3,
        "articles.article_id: Liferay's article id, apart from the asset entry id",
        lambda conn: add_column(conn, "articles", "article_id"),
    ),
    Migration(
        4,
        "backfill resume points per section, articles.verified_at for the rolling audit",
        _field_state,
    ),
    Migration(
        5,
        "notices.permalink: the change's page on the static site",
        lambda conn: add_column(conn, "notices", "permalink"),
    ),
    Migration(
        6,
        "removal_suspects: a 404 is announced only once confirmed",
        lambda conn: _create(conn, "removal_suspects"),
    ),
    Migration(
        7,
        "section_state.count_offset: what a listing's counter counts that is never stored",
        lambda conn: add_column(conn, "section_state", "count_offset"),
    ),
    Migration(
        8,
        "identity_claims: a page claiming another article's identity is held, not stored",
        lambda conn: _create(conn, "identity_claims"),
    ),
    Migration(
        9,
        "an index on articles.article_id: each page's article id is checked against it",
        lambda conn: conn.execute(
            "CREATE INDEX IF NOT EXISTS idx_articles_article_id ON articles(article_id)"
        ),
    ),
    Migration(
        10,
        "crawl_backlog.listing_date and .why: a retried backfill article keeps its listing's "
        "date and stays history",
        _backlog_origin,
    ),
)

LATEST = MIGRATIONS[-1].version if MIGRATIONS else 1


class SchemaError(Exception):
    """The store's recorded schema cannot be used by this code (said in one line)."""


def stored_version(conn: sqlite3.Connection) -> int | None:
    """The store's `meta.schema_version`, or None for a store that has no tables yet."""
    has_meta = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
    ).fetchone()
    if not has_meta:
        return None
    row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    if row is None:
        return None
    text = str(row[0]).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        raise SchemaError(f"meta.schema_version is {row[0]!r}, not a schema version")
    return int(text)


def pending(version: int) -> list[Migration]:
    """The steps a store of `version` still needs; refuses a store newer than this code."""
    if version > LATEST:
        raise SchemaError(f"has schema {version}, newer than this portalcrawl ({LATEST})")
    return [m for m in MIGRATIONS if m.version > version]


def backup_path(path: Path, version: int) -> Path:
    """`portal.sqlite3.v1.bak`, or `.v1.2.bak`, … when an earlier copy is kept there."""
    candidate = path.with_name(f"{path.name}.v{version}.bak")
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.v{version}.{n}.bak")
        n += 1
    return candidate


def copy_aside(conn: sqlite3.Connection, path: Path, version: int) -> Path:
    """A consistent copy of the store (WAL included) before a migration touches it."""
    target = backup_path(path, version)
    dest = sqlite3.connect(str(target))
    try:
        conn.backup(dest)
    finally:
        dest.close()
    return target


def upgrade(conn: sqlite3.Connection, path: Path) -> int | None:
    """Bring the store to LATEST: copy it aside, then every pending step in one transaction.

    Returns the version it had, or None for a new store (no tables yet). The copy is taken
    before the write lock (SQLite's backup cannot read through a connection that holds one)
    and the version is read again under the lock, so a concurrent upgrade is not repeated.
    """
    version = stored_version(conn)
    if version is not None and pending(version):
        saved = copy_aside(conn, path, version)
        logger.warning(
            "store %s has schema %d: copied to %s before migrating", path, version, saved
        )
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = stored_version(conn)
        steps = pending(version) if version is not None else []
        for step in steps:
            logger.info("store %s: migrating to schema %d: %s", path, step.version, step.doc)
            step.apply(conn)
        for stmt in schema.ddl():
            conn.execute(stmt)
        conn.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", [str(LATEST)]
        )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return version
