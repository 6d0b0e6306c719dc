"""Datasette metadata for the store, generated from portalcrawl.store.schema so it cannot drift.

Datasette stays optional: `python -m monitor datasette-metadata --out metadata.json`, then
`datasette data/portal.sqlite3 --metadata metadata.json`.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from portalcrawl.output import open_output
from portalcrawl.store.schema import FTS_DOC, FTS_TABLE, TABLES

logger = logging.getLogger(__name__)

TITLE = "portalcrawl: Đồng Tháp provincial portal"
DESCRIPTION = (
    "Every article of the Đồng Tháp provincial portal with every version the crawler saw, "
    "what happened to it (new, edited, removed, restored) and the runs that found out. "
    "Times we record are UTC; published_at is portal time (+07:00). JSON columns hold arrays."
)
SOURCE_URL = "https://dongthap.gov.vn"
# Per-table presentation beyond the schema's descriptions.
TABLE_EXTRAS: dict[str, dict[str, Any]] = {
    "articles": {
        "facets": ["status", {"array": "sections"}],
        "sort_desc": "published_at",
        "label_column": "title",
        "fts_table": FTS_TABLE,
        "fts_pk": "asset_id",
    },
    "article_versions": {"sort_desc": "recorded_at", "facets": ["version"]},
    "article_events": {"sort_desc": "created_at", "facets": ["kind", "reason"]},
    "runs": {"sort_desc": "id", "facets": ["status", "mode"]},
    "notices": {"sort_desc": "id", "facets": ["kind", "section"]},
    "deliveries": {"sort_desc": "id", "facets": ["status", "channel"]},
}


def database_name(db_path: str | os.PathLike[str]) -> str:
    """The name Datasette gives a database file: its file name without the extension."""
    return Path(db_path).stem


def metadata(db_name: str) -> dict[str, Any]:
    """The metadata document: every table and column described; internal tables hidden."""
    tables: dict[str, Any] = {}
    for table in TABLES:
        entry: dict[str, Any] = {
            "title": table.name.replace("_", " ").capitalize(),
            "description": table.doc if table.public else f"Internal: {table.doc}",
            "columns": {column.name: column.doc for column in table.columns},
        }
        if not table.public:
            entry["hidden"] = True
        entry.update(TABLE_EXTRAS.get(table.name, {}))
        tables[table.name] = entry
    tables[FTS_TABLE] = {
        "title": "Search index",
        "description": FTS_DOC + " In Datasette's search box type d for đ; other accents and "
        "case do not matter.",
    }
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "source": "Cổng thông tin điện tử tỉnh Đồng Tháp",
        "source_url": SOURCE_URL,
        "databases": {db_name: {"tables": tables}},
    }


def write_metadata(out: str | os.PathLike[str], db_name: str) -> None:
    """Write the metadata as JSON (Vietnamese readable) to `out` ('-' = stdout), atomically."""
    with open_output(out) as stream:
        stream.write(json.dumps(metadata(db_name), ensure_ascii=False, indent=2) + "\n")
    logger.info("datasette metadata for database %r written to %s", db_name, out)
