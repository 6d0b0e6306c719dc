"""Build the static site from the store, incrementally: a run rewrites only what it touched.

The site directory keeps a small state file (paths.STATE): the highest event, version and
notice it has rendered. The next build renders the articles that have a newer event, version
or notice (their page, their version pages, the archived originals not yet copied), the index
and the all-changes feed, and the pages and feeds of the kinds and sections those touch. A
missing or unreadable state, another base URL or `full=True` renders everything. Each file is
written through a temporary file and a rename, and only when its bytes changed, so a reader
never sees half a page and an unchanged page keeps its time.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitor.data.feed import ATOM_NS, TAG_PREFIX, _content, _element, _rfc3339, _text, serialize
from monitor.site import paths, render
from portalcrawl.archive.warc import WarcRef, copy_pair
from portalcrawl.store.database import Store
from portalcrawl.text.compare import as_list

logger = logging.getLogger(__name__)

RECENT = 100  # changes on the index, a kind's or a section's page, and in each feed
STATE_FORMAT = 1


@dataclass
class SiteReport:
    articles: int = 0  # articles whose pages were rendered
    written: int = 0  # files written (changed or new)
    seconds: float = 0.0
    full: bool = False


def _put(path: Path, data: bytes | str) -> bool:
    """Write through a temporary file and a rename, only when the bytes differ."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if path.read_bytes() == raw:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


class SiteBuilder:
    def __init__(
        self,
        store: Store,
        out: Path,
        *,
        sections: Sequence[tuple[str, str]],
        base_url: str | None = None,
    ) -> None:
        self.store = store
        self.out = Path(out)
        self.sections = list(sections)
        self.names = dict(sections)
        self.base_url = base_url.rstrip("/") + "/" if base_url else None
        self.report = SiteReport()

    # -- state ---------------------------------------------------------------------------------

    def _marks(self) -> dict[str, int]:
        return self.store.site_marks()

    def _state(self) -> dict[str, Any] | None:
        try:
            state = json.loads((self.out / paths.STATE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
            return None
        if state.get("base_url") != self.base_url:
            return None
        return state

    # -- the build -----------------------------------------------------------------------------

    def build(self, *, full: bool = False) -> SiteReport:
        started = time.monotonic()
        marks = self._marks()
        state = None if full else self._state()
        self.report.full = state is None
        if state is None:
            touched = [r[0] for r in self.store.db.execute("SELECT asset_id FROM articles")]
            kinds = set(render.KINDS)
            sections = set(self.names)
        else:
            touched = self.store.touched_since(state["marks"])
            kinds = self.store.notice_kinds_since(state["marks"]["notice"])
            sections = set()
        for asset_id in touched:
            sections.update(self._article(int(asset_id)))
        if state is None or touched or kinds:
            self._put(paths.STYLE, render.STYLE)
            self._put(paths.ICON, render.ICON)
            self._lists(kinds & set(render.KINDS), sections)
        self._put(
            paths.STATE,
            json.dumps({"format": STATE_FORMAT, "base_url": self.base_url, "marks": marks}),
        )
        self.report.seconds = time.monotonic() - started
        return self.report

    def _put(self, page: str, data: bytes | str) -> None:
        if _put(self.out / page, data):
            self.report.written += 1

    def _article(self, asset_id: int) -> list[str]:
        """The article's page and version pages; returns its sections."""
        db = self.store.db
        rows = list(db.query("SELECT * FROM articles WHERE asset_id = ?", [asset_id]))
        if not rows:
            return []
        article = rows[0]
        versions = list(
            db.query(
                "SELECT * FROM article_versions WHERE asset_id = ? ORDER BY version", [asset_id]
            )
        )
        events = list(
            db.query("SELECT * FROM article_events WHERE asset_id = ? ORDER BY id", [asset_id])
        )
        self.report.articles += 1
        page = paths.article_page(asset_id)
        body = render.article_body(page, article, versions, events)
        self._page(page, article["title"], body)
        latest = versions[-1]["version"] if versions else 0
        previous = None
        for version in versions:
            page = paths.version_page(asset_id, version["version"])
            body = render.version_body(page, article, version, previous, latest)
            self._page(page, f"v{version['version']}: {version['title']}", body)
            self._original(paths.version_original(asset_id, version["version"]), version)
            previous = version
        for event in events:
            if event["kind"] in ("removed", "restored"):
                self._original(paths.event_original(asset_id, event["id"]), event)
        return as_list(article["sections"])

    def _original(self, page: str, row: dict[str, Any]) -> None:
        """The archived pair as a WARC file of its own, copied once (records never change)."""
        if not row.get("warc_record_id") or (self.out / page).exists():
            return
        ref = WarcRef(row["warc_file"], int(row["warc_offset"]), row["warc_record_id"])
        try:
            data = copy_pair(ref, Path(self.store.path).parent)
        except OSError as exc:
            logger.warning("site: archived record %s unreadable: %s", ref.record_id, exc)
            return
        self._put(page, data)

    def _page(
        self, page: str, title: str, body: str, feeds: Iterable[tuple[str, str]] = ()
    ) -> None:
        feeds = [(paths.FEED, "Mọi thay đổi"), *feeds]
        self._put(page, render.document(page, title, body, self.sections, feeds))

    def _changes(self, section: str | None = None, kind: str | None = None) -> list[dict]:
        return self.store.recent_changes(RECENT, section=section, kind=kind)

    def _lists(self, kinds: set[str], sections: set[str]) -> None:
        rows = self._changes()
        body = f"<h1>{render._e(render.SITE_TITLE)}</h1>\n" + render.change_list(
            paths.INDEX, rows, "Chưa có thay đổi nào."
        )
        self._page(paths.INDEX, render.SITE_TITLE, body)
        self._put(paths.FEED, self._feed(paths.FEED, "Mọi thay đổi", rows))
        for kind in sorted(kinds):
            page = paths.kind_page(kind)
            title = f"{render.kind_label(kind)}: {render.SITE_TITLE}"
            rows = self._changes(kind=kind)
            body = f"<h1>{render._e(title)}</h1>\n" + render.change_list(
                page, rows, "Chưa có thay đổi nào loại này."
            )
            self._page(page, title, body)
        for section in sorted(sections):
            page, feed = paths.section_page(section), paths.section_feed(section)
            name = self.names.get(section, section)
            rows = self._changes(section=section)
            body = f"<h1>{render._e(name)}</h1>\n" + render.change_list(
                page, rows, "Chưa có thay đổi nào trong chuyên mục này."
            )
            self._page(page, name, body, [(feed, name)])
            self._put(feed, self._feed(feed, name, rows))

    def _feed(self, page: str, title: str, rows: Sequence[dict[str, Any]]) -> bytes:
        """Atom: each change links to its permalink (absolute with a base URL)."""
        feed = ET.Element("feed", {"xmlns": ATOM_NS})
        _text(feed, "id", f"{TAG_PREFIX}site/{page}")
        _text(feed, "title", f"{render.SITE_TITLE}: {title}")
        _text(feed, "updated", _rfc3339(rows[0]["created_at"] if rows else None))
        _element(feed, "link", rel="self", href=self._link(page, page))
        _element(
            feed, "link", rel="alternate", type="text/html", href=self._link(page, "index.html")
        )
        _text(ET.SubElement(feed, "author"), "name", "portalcrawl")
        for row in rows:
            entry = ET.SubElement(feed, "entry")
            target = paths.change_page(row["kind"], row["asset_id"], row["version"])
            _text(entry, "id", f"{TAG_PREFIX}notice/{row['id']}")
            _text(entry, "title", f"{render.kind_label(row['kind'])}: {row['title']}")
            _text(entry, "updated", _rfc3339(row["created_at"]))
            _element(
                entry, "link", rel="alternate", type="text/html", href=self._link(page, target)
            )
            if row.get("url"):
                _element(entry, "link", rel="related", type="text/html", href=row["url"])
            _element(entry, "category", term=row["kind"])
            if row.get("section"):
                _element(entry, "category", term=row["section"])
            _text(entry, "content", _content(row), type="text")
        return serialize(feed)

    def _link(self, page: str, target: str) -> str:
        return self.base_url + target if self.base_url else paths.href(page, target)


def build_site(
    store: Store,
    out: str | os.PathLike[str],
    *,
    sections: Sequence[tuple[str, str]],
    base_url: str | None = None,
    full: bool = False,
) -> SiteReport:
    """Render the site into `out` (see the module's docstring for what a build rewrites)."""
    return SiteBuilder(store, Path(out), sections=sections, base_url=base_url).build(full=full)
