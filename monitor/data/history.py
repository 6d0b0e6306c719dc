"""An article's life in the store: every version, word diffs between them, removals, restores."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from monitor import diff
from portalcrawl.settingscheck import MAX_INT64
from portalcrawl.site.urls import article_key
from portalcrawl.store.database import Store
from portalcrawl.text.compare import LIST_FIELDS, as_list, changed_fields

logger = logging.getLogger(__name__)

DIFF_CONTEXT = 10  # words of unchanged text kept around each change


class ArticleNotFound(LookupError):
    """No article in the store answers to the given URL or asset id."""


@dataclass(frozen=True)
class FieldChange:
    """One changed field between two versions: word ops for text, added/removed for lists."""

    name: str
    ops: list[diff.Op] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def render(self, ansi: bool = False) -> str:
        """The change as text: word diff (ANSI colours on a terminal) or +/- lines for lists."""
        if self.name in LIST_FIELDS:
            lines = [f"- {item}" for item in self.removed] + [f"+ {item}" for item in self.added]
            if ansi:
                colours = {"-": diff.ANSI["delete"], "+": diff.ANSI["insert"]}
                lines = [f"{colours[ln[0]][0]}{ln}{colours[ln[0]][1]}" for ln in lines]
            return "\n".join(lines)
        render = diff.render_ansi if ansi else diff.render_plain
        return render(self.ops, context=DIFF_CONTEXT)


@dataclass(frozen=True)
class Version:
    """One stored version and what changed since the one before it."""

    row: dict[str, Any]
    changes: list[FieldChange]

    @property
    def number(self) -> int:
        return int(self.row["version"])


@dataclass(frozen=True)
class History:
    """The article as it is now, its versions oldest first, and its events."""

    article: dict[str, Any]
    versions: list[Version]
    events: list[dict[str, Any]]

    def timeline(self) -> list[Version | dict[str, Any]]:
        """Versions and removal/restoration events in the order the events were recorded."""
        by_number = {v.number: v for v in self.versions}
        items: list[Version | dict[str, Any]] = []
        for event in self.events:  # event ids order what one second's timestamps cannot
            if event["kind"] in ("removed", "restored"):
                items.append(event)
            elif event["version"] in by_number:
                items.append(by_number.pop(event["version"]))
        items += by_number.values()  # versions without an event (older stores): by time
        return sorted(items, key=_when)

    def to_json(self) -> dict[str, Any]:
        """One JSON document: article, versions (with plain diffs) and events."""
        article = {
            k: self.article[k]
            for k in (
                "asset_id",
                "url",
                "title",
                "status",
                "removed_at",
                "version",
                "first_seen_at",
            )
        }
        versions = []
        for version in self.versions:
            row = version.row
            versions.append(
                {
                    "version": version.number,
                    "recorded_at": row["recorded_at"],
                    "run_id": row["run_id"],
                    "url": row["url"],
                    "title": row["title"],
                    "published_at": row["published_at"],
                    "changed_fields": [c.name for c in version.changes],
                    "diffs": {c.name: c.render() for c in version.changes},
                }
            )
        events = [{**e, "fields": as_list(e["fields"])} for e in self.events]
        return {**article, "versions": versions, "events": events}


def check_asset_id(text: str) -> None:
    """An asset id as the store holds it: ASCII digits (int() would read "١٢٣" as 123 and
    fail on "²"), within SQLite's INTEGER."""
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_INT64:
        raise ArticleNotFound(f"bad asset id {text!r}: expected a number of up to 19 digits")


def resolve_article(store: Store, ref: str) -> int:
    """Asset id for an asset id, an article URL, or any URL ending /content/<slug> or /id/<n>."""
    db = store.db
    ref = ref.strip()
    if ref.isdigit():
        check_asset_id(ref)
        row = db.execute("SELECT asset_id FROM articles WHERE asset_id = ?", [int(ref)]).fetchone()
        if row:
            return int(row[0])
        raise ArticleNotFound(f"no article with asset id {ref} in the store")
    try:
        parts = urlsplit(ref)
    except ValueError:  # "http://[::1": an unclosed IPv6 address
        raise ArticleNotFound(f"bad article URL {ref!r}") from None
    bare = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    row = db.execute(
        "SELECT asset_id FROM articles WHERE url IN (?, ?)", [bare, bare.rstrip("/")]
    ).fetchone()
    if row:
        return int(row[0])
    key = article_key(ref)
    if key and key.startswith("id:"):
        check_asset_id(key[3:])
        row = db.execute(
            "SELECT asset_id FROM article_urls WHERE url_key = ? UNION ALL "
            "SELECT asset_id FROM articles WHERE asset_id = ?",
            [key, int(key[3:])],
        ).fetchone()
    elif key:
        row = db.execute("SELECT asset_id FROM article_urls WHERE url_key = ?", [key]).fetchone()
    if row:
        return int(row[0])
    raise ArticleNotFound(f"no article for {ref!r} in the store")


def article_history(store: Store, asset_id: int) -> History:
    """Every version of the article with the field changes from the version before."""
    db = store.db
    rows = list(db.query("SELECT * FROM articles WHERE asset_id = ?", [asset_id]))
    if not rows:
        raise ArticleNotFound(f"no article with asset id {asset_id} in the store")
    version_rows = list(
        db.query("SELECT * FROM article_versions WHERE asset_id = ? ORDER BY version", [asset_id])
    )
    versions: list[Version] = []
    previous: dict[str, Any] | None = None
    for row in version_rows:
        versions.append(Version(row, field_changes(previous, row) if previous else []))
        previous = row
    events = list(
        db.query(
            "SELECT id, run_id, kind, version, fields, reason, created_at FROM article_events "
            "WHERE asset_id = ? ORDER BY id",
            [asset_id],
        )
    )
    logger.debug("article %s: %d versions, %d events", asset_id, len(versions), len(events))
    return History(rows[0], versions, events)


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    """The fields that differ between two version rows, each with its diff."""
    names = as_list(new.get("changed_fields")) or changed_fields(old, new)
    changes = []
    for name in names:
        if name in LIST_FIELDS:
            added, removed = diff.list_changes(old.get(name), new.get(name))
            changes.append(FieldChange(name, added=added, removed=removed))
        else:
            changes.append(
                FieldChange(name, ops=diff.word_diff(_text(old.get(name)), _text(new.get(name))))
            )
    return changes


def _when(item: Version | dict[str, Any]) -> str:
    return item.row["recorded_at"] if isinstance(item, Version) else item["created_at"]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def render_history(history: History, ansi: bool = False) -> str:
    """The terminal form: a header, then one block per version or event, diffs indented."""
    article = history.article
    status = article["status"]
    if status == "removed":
        status += f" since {article['removed_at']}"
    lines = [
        f"{article['title']}",
        f"{article['url']}",
        f"asset {article['asset_id']} · {len(history.versions)} version(s) · {status}",
        "",
    ]
    for item in history.timeline():
        if isinstance(item, Version):
            lines.append(_version_line(item))
            for change in item.changes:
                lines.append(f"  {change.name}:")
                body = change.render(ansi) or "(no visible change)"
                lines += [f"    {line}" if line else "" for line in body.split("\n")]
        else:
            reason = f" ({item['reason']})" if item.get("reason") else ""
            lines.append(f"{item['created_at']}  {_run(item['run_id'])}{item['kind']}{reason}")
    return "\n".join(lines).rstrip("\n")


def _version_line(version: Version) -> str:
    what = (
        ("changed: " + ", ".join(c.name for c in version.changes))
        if version.changes
        else ("first version" if version.number == 1 else "no field change recorded")
    )
    return f"{version.row['recorded_at']}  {_run(version.row['run_id'])}v{version.number}  {what}"


def _run(run_id: int | None) -> str:
    return f"run {run_id}  " if run_id else ""
