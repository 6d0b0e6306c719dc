"""Each article fetched once per run, whatever URL led to it: the articles this run fetched, and
new listing entries held while an entry with the same title is being fetched.

An article listed in two sections (a reprint under "Báo chí với Đồng Tháp") can be linked by its
id URL (`/content/id/N`) in one and by its slug URL in the other: two URL keys, one article. On
a first crawl neither key is in the store, and the walk reads the sections side by side, so
both entries are often asked for before either page answers. The first answer says who the
article is (its asset id, and its slug in `rel=canonical`), so the second entry is held until
then (TitleTwins: a reprint shows the same title in both listings) and dropped when the answer
names it (FetchedArticles.has). A first crawl of 2,000 articles made 2,034 requests to the
floor spider's 2,031 (three reprints fetched twice); with both, the same 2,031.

A page's word on its other URLs is taken only with its title: a slug entry is the article a
fetched page was when the page named the slug as its own *and* the entry shows the page's title.
A page that names another article's URL (a claim the store holds, store/identity.py) does not
carry that article's title too, so the genuine page is still fetched. Pages whose claim the
spider doubts (store/identity.claims_another) are never recorded here.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from portalcrawl.spiders.walk import Wanted
from portalcrawl.store.compactsets import IdSet, KeySet
from portalcrawl.text.normalise import comparison_form

# A listing entry's title is compared up to five times (held? asked, answered, named): the form
# is worked out once. Bounded: the titles of the entries in flight, and a few thousand more.
title_form = lru_cache(maxsize=4096)(comparison_form)

FETCHED_ELSEWHERE = "portalcrawl/fetched_elsewhere"  # requests not made: fetched by another URL

Held = tuple[Wanted, tuple[str, int], int]  # a listing entry's article, (section, index), priority


def named_entry(key: str, title: str | None) -> str:
    """A URL key with the title it goes by, in comparison form (one string, hashed)."""
    return f"{key}\x1f{title_form(title)}"


def _id_of(key: str | None) -> int | None:
    """The asset id an id-form URL key carries (`/content/id/N`, a route's `?id=N`)."""
    if key and key.startswith("id:") and key[3:].isdigit():
        return int(key[3:])
    return None


class FetchedArticles:
    """Asset ids fetched this run, and the slugs their pages named with their titles; at 8 bytes
    an entry (store/compactsets.py)."""

    __slots__ = ("assets", "_names")

    def __init__(self) -> None:
        self.assets = IdSet()
        self._names = KeySet()

    def add(self, asset_id: int, keys: Iterable[str], title: str | None) -> None:
        """The page of `asset_id` was fetched and believed; `keys`: every URL it came by or
        names (the listing link, the page's own URL, its canonical URL)."""
        self.assets.add(asset_id)
        for key in keys:
            if _id_of(key) is None:  # an id-form key is the asset id itself
                self._names.add(named_entry(key, title))

    def has(self, wanted: Wanted) -> bool:
        """The wanted article was fetched this run: by the asset id it is known by or its URL
        carries, or under another URL whose page named its slug and carried the entry's title."""
        asset_id = wanted.asset_id if wanted.asset_id is not None else _id_of(wanted.key)
        if asset_id is not None:
            return asset_id in self.assets
        return bool(wanted.key and wanted.title) and (
            named_entry(wanted.key or "", wanted.title) in self._names
        )


class TitleTwins:
    """Listing entries of articles new to the store, held while their twin is being fetched:
    an entry of the same title in another section, linked by the other URL form (one by id,
    one by slug: the pair two requests would fetch twice). The twin's answer names the held
    entry, which is then dropped; else it is asked for. Only entries in flight are kept (the
    walk's queue, not the run); entries of one section or one URL form are never held (two
    articles of one title in a section are two articles, and one key is asked for once)."""

    __slots__ = ("_asking", "_held")

    def __init__(self) -> None:
        # titles of new entries asked for and not answered yet: their (section, by id) each
        self._asking: dict[str, list[tuple[str | None, bool]]] = {}
        self._held: list[Held] = []

    def hold(self, held: Held) -> bool:
        """Hold the entry if its twin is being fetched (True: held)."""
        wanted = held[0]
        if wanted.asset_id is not None:
            return False
        by_id = _id_of(wanted.key) is not None
        for section, twin_by_id in self._asking.get(title_form(wanted.title), ()):
            if section != wanted.section and twin_by_id != by_id:
                self._held.append(held)
                return True
        return False

    def asked(self, wanted: Wanted) -> None:
        """The entry was asked for: its twin, should it come, waits for its answer."""
        title = title_form(wanted.title)
        if wanted.asset_id is None and title:
            entry = (wanted.section, _id_of(wanted.key) is not None)
            self._asking.setdefault(title, []).append(entry)

    def answered(self, wanted: Wanted) -> list[Held]:
        """The entry asked for was answered (or failed): the entries held for its title, to be
        asked for again (each is dropped as fetched, asked for, or held for another twin)."""
        title = title_form(wanted.title)
        asking = self._asking.get(title)
        entry = (wanted.section, _id_of(wanted.key) is not None)
        if wanted.asset_id is not None or not asking or entry not in asking:
            return []
        asking.remove(entry)
        if not asking:
            del self._asking[title]
        released = [h for h in self._held if title_form(h[0].title) == title]
        self._held = [h for h in self._held if title_form(h[0].title) != title]
        return released

    def release_all(self) -> list[Held]:
        """Every entry still held (the spider is idle: nothing else will answer)."""
        released, self._held = self._held, []
        self._asking.clear()
        return released
