"""What the page reader works out for the store (portalcrawl.parsing.derived) is used only for
exactly the field values it was worked out from: never stale."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portalcrawl.parsing import derived
from portalcrawl.parsing.derived import Derived, derive, derived_for, hand_on
from portalcrawl.text.compare import content_hash
from portalcrawl.text.normalise import fold
from tests.storefactory import article

MARKED = Derived("handed-on", ("t", "s", "b"))


@pytest.fixture(autouse=True)
def _empty_memo() -> None:
    derived._handed_on.clear()


def test_derive_is_the_content_hash_and_the_folded_search_text() -> None:
    item = article(1, "Đồng Tháp: hoà giải", "Uỷ ban nhân dân tỉnh.")
    got = derive(item)
    assert got.content_hash == content_hash(item)
    assert got.folded == (fold(item["title"]), fold(item["summary"]), fold(item["body_text"]))


def test_what_was_handed_on_is_taken_once_for_the_same_values() -> None:
    item = article(1, "Tin một")
    hand_on(item, MARKED)
    assert derived_for(dict(item)) is MARKED
    assert derived_for(item) == derive(item)  # taken: worked out again


@pytest.mark.parametrize(
    "field, value",
    [("title", "Tin một (sửa)"), ("body_text", "Khác."), ("images", ["/a.jpg"]), ("author", None)],
)
def test_a_field_changed_after_reading_is_worked_out_again(field: str, value: object) -> None:
    item = article(1, "Tin một")
    hand_on(item, MARKED)
    changed = {**item, field: value}
    assert derived_for(changed) == derive(changed)


def test_an_empty_list_field_and_none_are_the_same_values() -> None:
    item = article(1, "Tin một", images=None, attachments=None)
    hand_on(item, MARKED)
    assert derived_for({**item, "images": [], "attachments": []}) is MARKED


def test_the_memo_holds_at_most_its_bound_oldest_first() -> None:
    items = [article(i, f"Tin {i}") for i in range(derived.HELD_AT_MOST + 5)]
    for item in items:
        hand_on(item, MARKED)
    assert len(derived._handed_on) == derived.HELD_AT_MOST
    assert derived_for(items[0]) != MARKED and derived_for(items[-1]) is MARKED


def test_unhashable_values_are_never_memoised() -> None:
    item = article(1, "Tin một", images=[{"src": "/a.jpg"}])
    hand_on(item, MARKED)
    assert derived._handed_on == {}


@given(st.text(max_size=60), st.text(max_size=60))
def test_handed_on_or_worked_out_the_store_gets_the_same(title: str, body: str) -> None:
    item = article(7, title, body)
    hand_on(item, derive(item))
    assert derived_for(dict(item)) == derive(item)
