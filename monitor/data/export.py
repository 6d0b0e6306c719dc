"""Articles out of the store for data teams: CSV that Excel reads, JSONL that keeps arrays.

Every file this package writes goes through portalcrawl.output.open_output: complete or not
at all, never over the store, written through to devices and FIFOs. A file or a pipe gets the
text exactly as stored; only an export printed on a terminal, read by a person, shows bidi
controls as people are shown them (portalcrawl.text.shown): `\\u202e` in JSONL (the same
value), `<U+202E>` in CSV.
"""

from __future__ import annotations

import csv
import json
import logging
import os
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from portalcrawl.output import STDOUT, open_output
from portalcrawl.store.database import Store
from portalcrawl.store.schema import TABLES
from portalcrawl.text.compare import as_list
from portalcrawl.text.dates import to_iso
from portalcrawl.text.shown import json_escaped, show_bidi

logger = logging.getLogger(__name__)

FORMATS = ("csv", "jsonl")
JSON_COLUMNS = frozenset({"sections", "images", "attachments"})


def article_columns(include_html: bool = True) -> list[str]:
    """The exported columns: every `articles` column in schema order (body_html optional)."""
    table = next(t for t in TABLES if t.name == "articles")
    return [c.name for c in table.columns if include_html or c.name != "body_html"]


def iter_articles(
    store: Store,
    *,
    since: datetime | None = None,
    section: str | None = None,
    include_html: bool = True,
) -> Iterator[dict[str, Any]]:
    """Article rows by asset id, published since `since` and listed in `section` if given."""
    db = store.db
    columns = article_columns(include_html)
    where: list[str] = []
    params: dict[str, Any] = {}
    if since is not None:
        where.append("published_at >= :since")
        params["since"] = to_iso(since)
    if section:
        where.append("EXISTS (SELECT 1 FROM json_each(articles.sections) WHERE value = :section)")
        params["section"] = section
    sql = f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM articles"
    if where:
        sql += " WHERE " + " AND ".join(where)
    yield from db.query(sql + " ORDER BY asset_id", params)


def export_articles(
    store: Store,
    fmt: str,
    out: str | os.PathLike[str],
    *,
    since: datetime | None = None,
    section: str | None = None,
    include_html: bool = True,
    on_terminal: bool = False,
) -> int:
    """Write the articles as CSV (UTF-8 with BOM) or JSONL to `out`; returns the row count.
    `on_terminal`: `out` is a terminal, so bidi controls are shown, not written raw."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    rows = iter_articles(store, since=since, section=section, include_html=include_html)
    if fmt == "csv":
        with open_output(out, encoding="utf-8-sig", newline="") as stream:
            if str(out) == STDOUT:
                stream.write("\ufeff")  # the file encoding adds it; stdout needs it written
            count = _write_csv(stream, rows, article_columns(include_html), on_terminal)
    else:
        with open_output(out) as stream:
            count = _write_jsonl(stream, rows, on_terminal)
    logger.info("exported %d articles to %s", count, out)
    return count


def _write_csv(
    stream: IO[str], rows: Iterator[dict[str, Any]], columns: list[str], on_terminal: bool
) -> int:
    """JSON columns stay JSON text in CSV: one unambiguous cell per article."""
    writer = csv.writer(stream)
    writer.writerow(columns)
    count = 0
    for row in rows:
        cells = ["" if row[c] is None else row[c] for c in columns]
        writer.writerow([show_bidi(c) if on_terminal and isinstance(c, str) else c for c in cells])
        count += 1
    return count


def _write_jsonl(stream: IO[str], rows: Iterator[dict[str, Any]], on_terminal: bool) -> int:
    count = 0
    for row in rows:
        record = {k: as_list(v) if k in JSON_COLUMNS else v for k, v in row.items()}
        line = json.dumps(record, ensure_ascii=False)
        stream.write((json_escaped(line) if on_terminal else line) + "\n")
        count += 1
    return count
