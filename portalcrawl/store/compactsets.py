"""Sets of article ids and URL keys at about 8 bytes an entry.

What a crawl remembers of each article for the length of a run (requested, fetched, saved) would
cost a hundred bytes and more an entry in Python sets: a crawl of 20,000 articles grew by tens of
megabytes. Here entries are 64-bit integers in a sorted array, with a small set of recent ones
merged in now and then, so adding stays cheap and memory stays flat.
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from heapq import merge

MERGE_EVERY = 4096  # recent entries kept in a plain set before they join the sorted array
_LOW, _HIGH = -(2**63), 2**63 - 1


class IdSet:
    """A set of 64-bit integers: membership and add, in a fraction of a set's memory."""

    __slots__ = ("_sorted", "_recent", "_merge_every")

    def __init__(self, values: Iterable[int] = (), *, merge_every: int = MERGE_EVERY) -> None:
        self._sorted = array("q")
        self._recent: set[int] = set()
        self._merge_every = max(1, merge_every)
        for value in values:
            self.add(value)

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, int) or not _LOW <= value <= _HIGH:
            return False
        if value in self._recent:
            return True
        at = bisect_left(self._sorted, value)
        return at < len(self._sorted) and self._sorted[at] == value

    def add(self, value: int) -> bool:
        """Add value; True when it was not there yet."""
        if not _LOW <= value <= _HIGH:
            raise OverflowError(f"{value} does not fit in 64 bits")
        if value in self:
            return False
        self._recent.add(value)
        if len(self._recent) >= self._merge_every:
            self._sorted = array("q", merge(self._sorted, sorted(self._recent)))
            self._recent.clear()
        return True

    def __len__(self) -> int:
        return len(self._sorted) + len(self._recent)

    def __iter__(self) -> Iterator[int]:
        return merge(self._sorted, sorted(self._recent))


def key_id(key: str) -> int:
    """A 64-bit digest of a string key: collisions are not expected below billions of keys."""
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class KeySet:
    """A set of strings (URL keys, URLs) held as their 64-bit digests."""

    __slots__ = ("_ids",)

    def __init__(self, values: Iterable[str] = (), *, merge_every: int = MERGE_EVERY) -> None:
        self._ids = IdSet((key_id(v) for v in values), merge_every=merge_every)

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and key_id(value) in self._ids

    def add(self, value: str) -> bool:
        """Add value; True when it was not there yet."""
        return self._ids.add(key_id(value))

    def __len__(self) -> int:
        return len(self._ids)
