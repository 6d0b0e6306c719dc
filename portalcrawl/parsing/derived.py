"""An article's content hash and folded search text, worked out where the page is read.

Both are pure functions of the article's fields and cost the store a third of its time per
article. The page reader works them out next to the item (in its helper process when there is
one: a second core) and the crawl's process hands them on here. The store takes them only for
exactly the field values they were worked out from: if a pipeline changed a field in between,
they are worked out again. So they are never stale, only sometimes not precomputed.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from portalcrawl.text.compare import COMPARED_FIELDS, LIST_FIELDS, content_hash
from portalcrawl.text.normalise import fold

HELD_AT_MOST = 1024  # handed on, not yet stored: a few batches' worth; the oldest go first


@dataclass(frozen=True, slots=True)
class Derived:
    content_hash: str
    folded: tuple[str, str, str]  # title, summary, body_text as the FTS index holds them


def derive(item: Mapping[str, Any]) -> Derived:
    folded = (fold(item.get("title")), fold(item.get("summary")), fold(item.get("body_text")))
    return Derived(content_hash(item), folded)


def _inputs(item: Mapping[str, Any]) -> Hashable | None:
    """The field values both are worked out from, as a key; None if one is not hashable.
    A list field's None and [] are one key: the hash does not tell them apart either."""
    values = tuple(
        tuple(item.get(name) or ()) if name in LIST_FIELDS else item.get(name)
        for name in COMPARED_FIELDS
    )
    try:
        hash(values)
    except TypeError:
        return None
    return values


_handed_on: dict[Hashable, Derived] = {}


def hand_on(item: Mapping[str, Any], derived: Derived) -> None:
    """Keep what the reader worked out for this item until the store asks for it."""
    key = _inputs(item)
    if key is None:
        return
    if len(_handed_on) >= HELD_AT_MOST:
        del _handed_on[next(iter(_handed_on))]
    _handed_on[key] = derived


def derived_for(item: Mapping[str, Any]) -> Derived:
    """What was handed on for exactly these field values, else worked out now."""
    key = _inputs(item)
    handed = _handed_on.pop(key, None) if key is not None else None
    return handed if handed is not None else derive(item)
