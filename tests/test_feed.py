"""The Atom feed: valid Atom 1.0 structure, newest first, stable ids, escaping, atomic write."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest

from monitor.data.feed import ATOM_NS, build_feed, write_feed
from monitor.notify.notices import alert, create_notices
from portalcrawl.store.database import Store
from tests.outbox import BIDI, MARKED_TITLE, bidi_notices
from tests.storefactory import PORTAL, PUBLISHED, article, crawl_run

A = f"{{{ATOM_NS}}}"
EVIL = 'Tin <script>alert("x")</script> & "Đồng Tháp"'


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """Notices: new (article 3, hostile title), edited (1), removed (2), and a crawler alert."""
    with Store(tmp_path / "portal.sqlite3") as st:
        crawl_run(st, [article(1, "Giá lúa hôm nay"), article(2, "Tin sẽ gỡ")])
        run = crawl_run(
            st,
            [
                article(3, EVIL, sections=["thong-cao-bao-chi"]),
                article(1, "Giá lúa hôm nay tăng mạnh"),
            ],
            removed=[2],
        )
        create_notices(st, run)
        alert(st, run, "Mục tin-hoat-dong trống", {"section": "tin-hoat-dong", "listed": 0})
        yield st


def parse(document: bytes) -> ET.Element:
    return ET.fromstring(document)


def test_feed_is_atom_with_required_elements(store: Store) -> None:
    root = parse(build_feed(store))
    assert root.tag == f"{A}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"{A}{name}").text
    assert root.find(f"{A}author/{A}name").text == "portalcrawl"
    assert root.find(f"{A}link[@rel='alternate']").get("href") == PORTAL
    datetime.fromisoformat(root.find(f"{A}updated").text)


def test_entries_newest_first_linked_and_complete(store: Store) -> None:
    entries = parse(build_feed(store)).findall(f"{A}entry")
    assert len(entries) == 4
    titles = [e.find(f"{A}title").text for e in entries]
    assert titles[0].startswith("Crawler alert: ")
    assert titles[1:] == ["Removed: Tin sẽ gỡ", "Edited: Giá lúa hôm nay tăng mạnh", f"New: {EVIL}"]
    for entry in entries:
        assert entry.find(f"{A}id").text.startswith("tag:portalcrawl,2026:notice/")
        updated = datetime.fromisoformat(entry.find(f"{A}updated").text)
        assert updated.tzinfo is not None
        assert entry.find(f"{A}link").get("href").startswith(PORTAL)
        assert entry.find(f"{A}content").get("type") == "text"
    edited = entries[2]
    content = edited.find(f"{A}content").text
    assert "Changed: title" in content and "{+tăng mạnh+}" in content
    assert (
        "Section: tin-hoat-dong" in content
        and f"Published: {PUBLISHED[:10]} {PUBLISHED[11:16]}" in content
    )
    assert "listed: 0" in entries[0].find(f"{A}content").text


def test_titles_are_escaped_not_markup(store: Store) -> None:
    document = build_feed(store)
    assert b"<script>" not in document
    assert b"&lt;script&gt;" in document
    new = parse(document).findall(f"{A}entry")[-1]
    assert new.find(f"{A}title").text == f"New: {EVIL}"
    assert [c.get("term") for c in new.findall(f"{A}category")] == ["new", "thong-cao-bao-chi"]


def test_ids_are_stable_and_kind_and_limit_filter(store: Store) -> None:
    ids = [e.find(f"{A}id").text for e in parse(build_feed(store)).findall(f"{A}entry")]
    again = [e.find(f"{A}id").text for e in parse(build_feed(store)).findall(f"{A}entry")]
    assert ids == again and len(set(ids)) == 4
    edited = parse(build_feed(store, kind="edited"))
    assert [e.find(f"{A}title").text for e in edited.findall(f"{A}entry")] == [
        "Edited: Giá lúa hôm nay tăng mạnh"
    ]
    assert edited.find(f"{A}id").text.endswith("feed/edited")
    assert len(parse(build_feed(store, limit=2)).findall(f"{A}entry")) == 2
    with pytest.raises(ValueError, match="unknown notice kind"):
        build_feed(store, kind="deleted")


def test_control_characters_do_not_break_the_xml(store: Store) -> None:
    store.db.execute("UPDATE notices SET title = ? WHERE kind = 'new'", ["Tin\x00 có\x0b ký tự lạ"])
    root = parse(build_feed(store, kind="new"))
    assert root.find(f"{A}entry/{A}title").text == "New: Tin có ký tự lạ"


def test_bidi_controls_are_shown_as_code_points(tmp_path: Path) -> None:
    with bidi_notices(tmp_path / "portal.sqlite3") as st:
        document = build_feed(st)
    assert not set(document.decode("utf-8")) & set(BIDI)
    edited, new = parse(document).findall(f"{A}entry")
    assert new.find(f"{A}title").text == f"New: {MARKED_TITLE}"
    assert edited.find(f"{A}title").text == f"Edited: Bài cũ {MARKED_TITLE}"
    content = edited.find(f"{A}content").text
    assert "{+Sapo <U+2066>ẩn<U+2069> mới+}" in content and "<U+202E>đã sửa<U+202C>" in content


def test_empty_feed_is_valid(tmp_path: Path) -> None:
    with Store(tmp_path / "empty.sqlite3") as st:
        root = parse(build_feed(st, self_url="https://example.org/feed.xml"))
    assert root.findall(f"{A}entry") == []
    assert root.find(f"{A}link[@rel='self']").get("href") == "https://example.org/feed.xml"
    datetime.fromisoformat(root.find(f"{A}updated").text)


def test_write_feed_is_atomic(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "feed.xml"
    assert write_feed(store, out) == 4
    assert parse(out.read_bytes()).tag == f"{A}feed"
    assert out.read_bytes().startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    with pytest.raises(FileNotFoundError):
        write_feed(store, tmp_path / "missing-dir" / "feed.xml")
    assert not (tmp_path / "missing-dir").exists()
