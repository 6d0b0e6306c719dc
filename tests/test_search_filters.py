"""Filtered search reads sections and dates through the filter index when the store has it, and
finds exactly what it finds without it (a store made before the index, opened read-only)."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

from monitor.data.search import FILTER_INDEX, search
from portalcrawl.store.database import Store
from portalcrawl.text.dates import VN_TZ
from tests.storefactory import article as make_article
from tests.storefactory import build_store, crawl_run

SECTIONS = ["tin-hoat-dong", "xay-dung-dang", "thong-cao-bao-chi", 'la"ng-"x']
WORDS = ["lúa", "gạo", "đảng", "viên", "nông", "thôn", "mới", "ủy", "ban", "tỉnh", "sen"]


def _store(path: Path) -> Path:
    rng = random.Random(8)
    start = datetime(2026, 1, 1, tzinfo=VN_TZ)
    items = []
    for asset_id in range(1, 400):
        sections = rng.sample(SECTIONS, rng.choice([1, 1, 2]))
        title = " ".join(rng.choices(WORDS, k=4))
        body = " ".join(rng.choices(WORDS, k=30))
        when = (start + timedelta(hours=asset_id * 7)).isoformat()
        items.append(make_article(asset_id, title, body, sections=sections, published_at=when))
    build_store(path, items)
    with Store(path) as store:
        crawl_run(store, removed=rng.sample(range(1, 400), 40))
    return path


def _results(path: Path) -> list:
    out = []
    with Store(path, readonly=True, create=False) as store:
        for query in ("lua", "dang vien", "uy ban tinh", "nong thon moi", "sen"):
            for section in [None, *SECTIONS, "khong-co"]:
                for since in (None, datetime(2026, 3, 1)):
                    for removed in (False, True):
                        hits = search(
                            store,
                            query,
                            section=section,
                            since=since,
                            window=50,
                            include_removed=removed,
                        )
                        out.append([(h.asset_id, h.status, h.score) for h in hits])
    return out


def test_the_filter_index_changes_nothing_but_speed(tmp_path: Path) -> None:
    path = _store(tmp_path / "portal.sqlite3")
    with Store(path) as store:
        names = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master")}
    assert FILTER_INDEX in names
    with_index = _results(path)
    with Store(path) as store:
        store.db.execute(f"DROP INDEX {FILTER_INDEX}")
    assert _results(path) == with_index
    assert any(with_index) and any(not hits for hits in with_index)
    statuses = {status for hits in with_index for _, status, _ in hits}
    assert statuses == {"live", "removed"}


def test_a_section_filter_reads_any_spelling_of_the_array(tmp_path: Path) -> None:
    """The text tests before json_each are exact: an element that only looks like the section
    inside another string, or an array spelt otherwise than json.dumps does, is decided right."""
    lists = [
        ["b"], ["a", "b"], ["b", "a"], ["a", "b", "c"], ['a", "b'], ['x, "b'], ['b"]'],
        ["bb"], ["b "], ["c", 'a", "b'],
    ]  # fmt: skip
    spellings = {
        20: '["a","b"]', 21: '[ "b" ]', 22: '["c" , "b"]', 23: '["b","c","a"]',
        24: '[["b"], "a"]', 25: '["a", ["c", "b"]]',
    }  # fmt: skip
    path = tmp_path / "portal.sqlite3"
    with Store(path) as store:
        items = [make_article(i, f"Sen {i}", sections=s) for i, s in enumerate(lists, 1)]
        items += [make_article(i, f"Sen {i}", sections=["z"]) for i in spellings]
        crawl_run(store, items)
        for asset_id, text in spellings.items():
            store.db.execute(
                "UPDATE articles SET sections = ? WHERE asset_id = ?", [text, asset_id]
            )
        rows = store.db.execute("SELECT asset_id, sections FROM articles").fetchall()
        for section in ("a", "b", "c", 'a", "b', 'b"]', "b ", "z"):
            expected = sorted(i for i, text in rows if section in json.loads(text))
            found = sorted(h.asset_id for h in search(store, "sen", section=section))
            assert found == expected, section
