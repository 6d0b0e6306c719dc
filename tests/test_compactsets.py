"""The crawl's per-run sets (portalcrawl.store.compactsets) answer as Python sets do, and the
dupefilter built on them filters as Scrapy's does."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scrapy import Request
from scrapy.utils.test import get_crawler

from portalcrawl.dupefilter import CompactDupeFilter
from portalcrawl.store.compactsets import IdSet, KeySet, key_id

int64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)


@given(
    st.lists(st.tuples(st.booleans(), int64 | st.integers(-5, 5)), max_size=200),
    st.integers(1, 8),
)
def test_idset_behaves_as_a_set(ops: list[tuple[bool, int]], merge_every: int) -> None:
    ours, theirs = IdSet(merge_every=merge_every), set()
    for adding, value in ops:
        if adding:
            assert ours.add(value) is (value not in theirs)
            theirs.add(value)
        assert (value in ours) is (value in theirs)
        assert len(ours) == len(theirs)
    assert list(ours) == sorted(theirs)


@given(st.lists(st.text(max_size=30), max_size=100), st.text(max_size=30))
def test_keyset_behaves_as_a_set(keys: list[str], probe: str) -> None:
    ours = KeySet(keys, merge_every=7)
    assert len(ours) == len(set(keys))
    assert all(k in ours for k in keys)
    assert (probe in ours) is (probe in keys)


def test_idset_refuses_what_does_not_fit_and_answers_no_for_other_types() -> None:
    ids = IdSet([1, 2])
    with pytest.raises(OverflowError):
        ids.add(2**63)
    assert 2**64 not in ids and "1" not in ids and None not in ids
    assert key_id("slug:ubnd-tinh") == key_id("slug:ubnd-tinh") != key_id("slug:ubnd-tinhh")


def test_idset_keeps_all_but_the_latest_few_ids_in_its_8_byte_array() -> None:
    ids = IdSet(range(0, 20_000, 2), merge_every=1024)
    assert len(ids) == 10_000 and 19_998 in ids and 19_999 not in ids
    assert len(ids._recent) < 1024 and ids._sorted.itemsize == 8
    assert len(ids._sorted) == 10_000 - len(ids._recent)


def test_dupefilter_filters_a_repeated_request_and_nothing_else() -> None:
    crawler = get_crawler(
        settings_dict={"DUPEFILTER_CLASS": "portalcrawl.dupefilter.CompactDupeFilter"}
    )
    dupes = CompactDupeFilter.from_crawler(crawler)
    first = Request("http://127.0.0.1/tin-tuc/-/asset_publisher/x/content/a")
    assert dupes.request_seen(first) is False
    assert dupes.request_seen(first.replace()) is True
    assert dupes.request_seen(Request(first.url + "?page=2")) is False
    assert dupes.request_seen(Request(first.url, method="POST")) is False
