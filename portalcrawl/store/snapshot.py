"""What the store knew when a crawl began, held in arrays: about 60 bytes an article.

The spider asks of every listing entry whether its article is known, live, recent, and listed
the same way last time. Held as Python dicts of objects and strings, that cost a run about
1.3 KB an article before it fetched anything: a scheduled run over a 20,000-article archive
started 25 MB heavier than over 2,000. The answers do not change during the run (it reads the
store once, at its start), so they are loaded into sorted arrays and looked up by bisection.
"""

from __future__ import annotations

import logging
from array import array
from bisect import bisect_left
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from portalcrawl.store.compactsets import key_id
from portalcrawl.store.database import Store
from portalcrawl.text.compare import as_list
from portalcrawl.text.dates import VN_TZ

logger = logging.getLogger(__name__)

NONE = -(2**63)  # "no value" in an integer array
STATUSES = ("live", "removed")  # codes 0 and 1; anything else is kept in the extra table
URL_CHUNK = 500


@dataclass(frozen=True, slots=True)
class KnownArticle:
    """A stored article as the walk needs it: not its text, not its URL (asked for when due)."""

    asset_id: int
    status: str
    published: datetime | None  # aware; None when the store has none or it does not parse
    sections: tuple[str, ...]
    extraction: str = "profile"

    @property
    def published_day(self) -> date | None:
        """The portal's calendar day of publication (the stored time is in portal time)."""
        return self.published.date() if self.published else None


class IntMap:
    """A read-only map of 64-bit integers to 64-bit integers: two sorted arrays."""

    __slots__ = ("_keys", "_values")

    def __init__(self, pairs: Iterable[tuple[int, int]]) -> None:
        keys, values = array("q"), array("q")
        for key, value in pairs:
            keys.append(key)
            values.append(value)
        order = sorted(range(len(keys)), key=keys.__getitem__)
        self._keys = array("q", (keys[i] for i in order))
        self._values = array("q", (values[i] for i in order))

    def get(self, key: int) -> int | None:
        at = bisect_left(self._keys, key)
        if at < len(self._keys) and self._keys[at] == key:
            return self._values[at]
        return None

    def __len__(self) -> int:
        return len(self._keys)


def _entry_id(asset_id: int, section: str) -> int:
    return key_id(f"{asset_id}\x1f{section}")


class CrawlSnapshot:
    """The store at the start of a run: url keys, articles, listing entries, counts."""

    def __init__(self, db_path: str | Path | None = None) -> None:
        self.db_path = db_path
        self._keys = IntMap(())
        self._entries = IntMap(())
        self._ids = array("q")
        self._status = array("b")
        self._published = array("q")  # epoch seconds, or NONE
        self._offsets = array("h")  # the stored time's offset from UTC, in minutes
        self._sections = array("i")  # index into _section_sets
        self._extraction = array("b")  # index into _extractions
        self._section_sets: list[tuple[str, ...]] = []
        self._extractions: list[str] = []
        self._held: dict[str, int] = {}
        self._count_offsets: dict[str, int] = {}
        self.migrated_until: datetime | None = None  # the newest stored migrated article's date

    @classmethod
    def load(cls, store: Store) -> CrawlSnapshot:
        """Read from an open store; URLs asked for later are read from its file."""
        snapshot = cls(store.path)
        snapshot._load(store)
        return snapshot

    def _load(self, store: Store) -> None:
        db = store.db
        self._keys = IntMap(
            (key_id(k), a) for k, a in db.execute("SELECT url_key, asset_id FROM article_urls")
        )
        self._entries = IntMap(
            (_entry_id(a, s), key_id(h))
            for a, s, h in db.execute("SELECT asset_id, section, entry_hash FROM listing_entries")
        )
        section_sets: dict[tuple[str, ...], int] = {}
        extractions: dict[str, int] = {}
        rows = db.execute(
            "SELECT asset_id, status, published_at, sections, extraction FROM articles "
            "ORDER BY asset_id"
        )
        for asset_id, status, published_at, sections, extraction in rows:
            when = _parse_time(published_at)
            self._ids.append(asset_id)
            self._status.append(STATUSES.index(status) if status in STATUSES else 2)
            self._published.append(int(when.timestamp()) if when else NONE)
            offset = when.utcoffset() if when else None
            self._offsets.append(int(offset.total_seconds() // 60) if offset else 0)
            these = tuple(as_list(sections))
            self._sections.append(section_sets.setdefault(these, len(section_sets)))
            self._extraction.append(
                extractions.setdefault(extraction or "profile", len(extractions))
            )
            if (
                extraction == "migrated"
                and when
                and (self.migrated_until is None or when > self.migrated_until)
            ):
                self.migrated_until = when
        self._section_sets = list(section_sets)
        self._extractions = list(extractions)
        self._count_offsets = dict(
            db.execute(
                "SELECT section, count_offset FROM section_state WHERE count_offset IS NOT NULL"
            ).fetchall()
        )
        self._held = dict(
            db.execute(
                "SELECT e.section, count(*) FROM listing_entries e "
                "JOIN articles a ON a.asset_id = e.asset_id WHERE a.status = 'live' "
                "GROUP BY e.section"
            ).fetchall()
        )

    # -- what the walk asks ----------------------------------------------------------------------

    def should_have_template(
        self, asset_id: int, extraction: str, published_at: str | None
    ) -> bool:
        """A page read without the profile's template that should have had it (the template
        alert counts these): an article stored from the template before; a page needing the
        fallback extractor that was not stored so before; a page in the migrated template
        published after the newest migrated article stored (the archive's migration is a
        date: what comes after it was written in the template)."""
        known = self.article(asset_id)
        if known is not None:
            return known.extraction == "profile"
        if extraction != "migrated":
            return True
        when = _parse_time(published_at)
        return self.migrated_until is not None and when is not None and when > self.migrated_until

    def asset_for(self, key: str) -> int | None:
        """The asset id a URL key led to, or for an id-form key the id when it is known."""
        asset_id = self._keys.get(key_id(key))
        if asset_id is not None:
            return asset_id
        if key.startswith("id:") and key[3:].isdigit():
            candidate = int(key[3:])
            return candidate if candidate in self else None
        return None

    def __contains__(self, asset_id: object) -> bool:
        return isinstance(asset_id, int) and self._index(asset_id) is not None

    def article(self, asset_id: int | None) -> KnownArticle | None:
        at = self._index(asset_id) if asset_id is not None else None
        return None if at is None else self._article(at)

    def listed(self, asset_id: int, section: str) -> bool:
        """The store holds a listing entry of the article in the section."""
        return self._entries.get(_entry_id(asset_id, section)) is not None

    def entry_unchanged(self, asset_id: int, section: str, entry_hash: str) -> bool:
        return self._entries.get(_entry_id(asset_id, section)) == key_id(entry_hash)

    def count_offset(self, section: str) -> int:
        """What the section's counter counts beyond what it held when last walked to its end."""
        return self._count_offsets.get(section, 0)

    def held(self, section: str) -> int:
        """Live articles the store last saw listed in the section."""
        return self._held.get(section, 0)

    def articles_in(self, section: str, skip: Container[int] = ()) -> Iterator[KnownArticle]:
        """Stored articles whose sections include this one, but for those in skip."""
        wanted = {i for i, sections in enumerate(self._section_sets) if section in sections}
        for at, sections in enumerate(self._sections):
            if sections in wanted and self._ids[at] not in skip:
                yield self._article(at)

    def urls(self, asset_ids: Iterable[int]) -> dict[int, str]:
        """Articles' URLs, read from the store now: the walk needs few, and only at its end."""
        ids = list(asset_ids)
        if not ids or self.db_path is None:
            return {}
        found: dict[int, str] = {}
        with Store(self.db_path, readonly=True) as store:
            for start in range(0, len(ids), URL_CHUNK):
                chunk = ids[start : start + URL_CHUNK]
                marks = ",".join("?" * len(chunk))
                sql = f"SELECT asset_id, url FROM articles WHERE asset_id IN ({marks})"
                found.update(store.db.execute(sql, chunk).fetchall())
        return found

    def __len__(self) -> int:
        return len(self._ids)

    # -- arrays to records -------------------------------------------------------------------------

    def _index(self, asset_id: int) -> int | None:
        at = bisect_left(self._ids, asset_id)
        return at if at < len(self._ids) and self._ids[at] == asset_id else None

    def _article(self, at: int) -> KnownArticle:
        code = self._status[at]
        stamp = self._published[at]
        published = None
        if stamp != NONE:
            zone = timezone(timedelta(minutes=self._offsets[at]))
            published = datetime.fromtimestamp(stamp, UTC).astimezone(zone)
        return KnownArticle(
            self._ids[at],
            STATUSES[code] if code < len(STATUSES) else "other",
            published,
            self._section_sets[self._sections[at]],
            self._extractions[self._extraction[at]],
        )


def _parse_time(value: str | None) -> datetime | None:
    """A stored ISO time, aware (stored times carry their offset; a naive one is portal time)."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when.replace(tzinfo=VN_TZ) if when.tzinfo is None else when
