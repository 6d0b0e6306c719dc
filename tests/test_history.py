"""History: finding an article by id or any URL form, its versions, diffs and events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.data.history import ArticleNotFound, article_history, render_history, resolve_article
from portalcrawl.store.database import Store
from tests.storefactory import INSTANCE, PORTAL, article, crawl_run

TITLE = "Đồng Tháp khởi công cầu Cao Lãnh"
SLUG = "dong-thap-khoi-cong-cau-cao-lanh"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """Article 10: created, edited (title, body, images), removed, restored with an edit."""
    first = article(10, TITLE, "Sáng nay tỉnh khởi công cầu.\n\nVốn đầu tư 500 tỷ đồng.")
    edited = {
        **first,
        "title": TITLE + " mới",
        "images": [f"{PORTAL}/img/a.jpg"],
        "body_text": "Sáng nay tỉnh khởi công cầu.\n\nVốn đầu tư 650 tỷ đồng.",
    }
    back = {**edited, "author": "N.T.H"}
    with Store(tmp_path / "portal.sqlite3") as st:
        crawl_run(st, [first, article(11, "Bài khác")])
        crawl_run(st, [edited])
        crawl_run(st, removed=[10])
        crawl_run(st, [back])
        yield st


@pytest.mark.parametrize(
    "ref",
    [
        "10",
        f"{PORTAL}/tin-hoat-dong/-/asset_publisher/{INSTANCE}/content/{SLUG}",
        f"{PORTAL}/tin-hoat-dong/-/asset_publisher/{INSTANCE}/content/{SLUG}?redirect=%2Ftin",
        f"https://www.dongthap.gov.vn/xay-dung-dang/-/asset_publisher/X/content/{SLUG.upper()}/",
        "http://127.0.0.1:8000/khac/-/asset_publisher/Y/content/id/10",
        f" {PORTAL}/a/-/asset_publisher/Y/content/{SLUG}#top ",
    ],
)
def test_resolve_by_id_or_any_url_form(store: Store, ref: str) -> None:
    assert resolve_article(store, ref) == 10


@pytest.mark.parametrize(
    "ref",
    ["999", f"{PORTAL}/content/khong-co-bai-nay", "no-such-thing", f"{PORTAL}/tin-hoat-dong", ""],
)
def test_unknown_article(store: Store, ref: str) -> None:
    with pytest.raises(ArticleNotFound):
        resolve_article(store, ref)


def test_versions_with_changes(store: Store) -> None:
    history = article_history(store, 10)
    assert [v.number for v in history.versions] == [1, 2, 3]
    first, second, third = history.versions
    assert first.changes == []
    names = [c.name for c in second.changes]
    assert names == ["title", "body_text", "images"]
    title, body, images = second.changes
    assert title.render() == f"{TITLE} {{+mới+}}"
    assert "[-500-] {+650+}" in body.render()
    assert images.render() == f"+ {PORTAL}/img/a.jpg"
    assert [c.name for c in third.changes] == ["author"]
    assert third.changes[0].render() == "[-K.V.A-] {+N.T.H+}"


def test_timeline_orders_versions_and_events(store: Store) -> None:
    history = article_history(store, 10)
    kinds = [getattr(item, "number", None) or item["kind"] for item in history.timeline()]
    assert kinds == [1, 2, "removed", "restored", 3]
    assert {e["kind"] for e in history.events} == {"new", "edited", "removed", "restored"}


def test_render_plain_and_ansi(store: Store) -> None:
    history = article_history(store, 10)
    plain = render_history(history)
    assert "\x1b[" not in plain
    assert "v2  changed: title, body_text, images" in plain
    assert "removed (404)" in plain and "restored" in plain
    assert "{+650+}" in plain
    ansi = render_history(history, ansi=True)
    assert "\x1b[32m650\x1b[0m" in ansi and "{+" not in ansi


def test_json_is_one_serialisable_document(store: Store) -> None:
    data = article_history(store, 10).to_json()
    text = json.dumps(data, ensure_ascii=False)
    assert TITLE in text
    assert data["asset_id"] == 10 and data["status"] == "live"
    assert [v["version"] for v in data["versions"]] == [1, 2, 3]
    assert data["versions"][1]["changed_fields"] == ["title", "body_text", "images"]
    assert data["versions"][1]["diffs"]["title"].endswith("{+mới+}")
    assert isinstance(data["events"][0]["fields"], list)


def test_article_with_one_version(store: Store) -> None:
    history = article_history(store, 11)
    assert len(history.versions) == 1
    assert "first version" in render_history(history)


def test_removed_article_header(tmp_path: Path) -> None:
    with Store(tmp_path / "r.sqlite3") as st:
        crawl_run(st, [article(5, "Tin sẽ bị gỡ")])
        crawl_run(st, removed=[5])
        text = render_history(article_history(st, 5))
    assert "removed since" in text.splitlines()[2]
