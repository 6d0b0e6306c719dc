"""What the page reader works out for the store (portalcrawl.parsing.derived) travels on the
item, and is what the store would have worked out itself."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from portalcrawl.parsing.derived import Derived, derive, derived_of
from portalcrawl.store.database import Store
from portalcrawl.text.compare import content_hash
from portalcrawl.text.normalise import fold
from tests.storefactory import article

MARKED = Derived("carried", ("t", "s", "b"))


def test_derive_is_the_content_hash_and_the_folded_search_text() -> None:
    item = article(1, "Đồng Tháp: hoà giải", "Uỷ ban nhân dân tỉnh.")
    got = derive(item)
    assert got.content_hash == content_hash(item)
    assert got.folded == (fold(item["title"]), fold(item["summary"]), fold(item["body_text"]))


def test_the_store_takes_what_the_item_carries_else_works_it_out() -> None:
    item = article(1, "Tin một")
    assert derived_of({**item, "derived": MARKED}) is MARKED
    assert derived_of(item) == derive(item)
    assert derived_of({**item, "derived": None}) == derive(item)


def test_the_store_indexes_and_hashes_what_the_item_carries(tmp_path) -> None:
    with Store(tmp_path / "portal.sqlite3") as store:
        store.save_article({**article(1, "Tin một"), "derived": MARKED}, None, ["id:1"])
        row = store.db.execute("SELECT content_hash FROM articles").fetchone()
        fts = store.db.execute("SELECT title, summary, body_text FROM articles_fts").fetchone()
    assert row == ("carried",) and fts == ("t", "s", "b")


@given(st.text(max_size=60), st.text(max_size=60))
def test_carried_or_worked_out_the_store_gets_the_same(title: str, body: str) -> None:
    item = article(7, title, body)
    assert derived_of({**item, "derived": derive(item)}) == derive(item)
