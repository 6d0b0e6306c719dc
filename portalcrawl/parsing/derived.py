"""An article's content hash and folded search text, worked out where the page is read.

Both are pure functions of the article's fields and cost the store a third of its time per
article. The page reader works them out next to the normalised item (in its helper process when
there is one: a second core) and they travel on the item (its `derived` field) to the store.
No stage after the loader changes a compared field, so they cannot go stale on the way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from portalcrawl.text.compare import content_hash
from portalcrawl.text.normalise import fold


@dataclass(frozen=True, slots=True)
class Derived:
    content_hash: str
    folded: tuple[str, str, str]  # title, summary, body_text as the FTS index holds them


def derive(item: Mapping[str, Any]) -> Derived:
    folded = (fold(item.get("title")), fold(item.get("summary")), fold(item.get("body_text")))
    return Derived(content_hash(item), folded)


def derived_of(item: Mapping[str, Any]) -> Derived:
    """What the reader worked out for the item and put on it, else worked out now (an item
    built by hand, a test's)."""
    carried = item.get("derived")
    return carried if isinstance(carried, Derived) else derive(item)


def comparable(stored: str | None, read: str | None) -> bool:
    """Whether a new reading may be compared with the stored version, by how each was
    extracted: a page stored from the profile's template and read now without it (fallback,
    or bare paragraphs) is a template gone wrong, held without a version, never an edit."""
    return not (stored == "profile" and (read or "profile") != "profile")
