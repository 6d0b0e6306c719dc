"""Filtered search reads sections and dates through the filter index when the store has it, and
finds exactly what it finds without it (a store made before the index, opened read-only)."""

from __future__ import annotations

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
