"""The crawl's start-of-run snapshot (portalcrawl.store.snapshot) answers what the store holds, as
the dicts it replaced did: keys to asset ids, articles, listing entries, section counts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from portalcrawl.store.database import Store
from portalcrawl.store.snapshot import CrawlSnapshot, IntMap
from tests.storefactory import article, crawl_run, url_keys

OTHER = "thong-cao-bao-chi"


def _store(tmp_path: Path) -> tuple[Path, list[dict]]:
    items = [
        article(101, "Tin một", published_at="2026-11-20T08:30:00+07:00"),
        article(102, "Tin hai", sections=("tin-hoat-dong", OTHER), published_at=None),
        article(103, "Tin ba", sections=(OTHER,), extraction="fallback"),
    ]
    path = tmp_path / "portal.sqlite3"
    with Store(path) as store:
        run_id = crawl_run(store, items, removed=[103])
        store.open_sightings()  # the crawl's own route: sightings, applied at the run's end
        store.add_sightings(
            [
                ("id:101", "tin-hoat-dong", "a" * 32, "2026-11-20", False),
                ("id:102", "tin-hoat-dong", "b" * 32, None, False),
                ("id:102", OTHER, "c" * 32, None, False),
                ("id:103", OTHER, "d" * 32, None, False),
            ]
        )
        store.apply_sightings(run_id, [])
        store.db.conn.commit()
    return path, items


def _load(path: Path) -> CrawlSnapshot:
    with Store(path, readonly=True) as store:
        return CrawlSnapshot.load(store)


def test_snapshot_maps_every_url_key_and_known_id_to_its_article(tmp_path: Path) -> None:
    path, items = _store(tmp_path)
    snap = _load(path)
    assert len(snap) == 3
    for item in items:
        for key in url_keys(item):
            assert snap.asset_for(key) == item["asset_id"]
    assert snap.asset_for("slug:khong-co") is None
    assert snap.asset_for("id:999") is None and snap.asset_for("id:x1") is None
    assert 101 in snap and 999 not in snap and "101" not in snap


def test_snapshot_articles_carry_status_time_sections_and_extraction(tmp_path: Path) -> None:
    path, _ = _store(tmp_path)
    snap = _load(path)
    one, two, three = (snap.article(a) for a in (101, 102, 103))
    assert one is not None and two is not None and three is not None
    assert one.status == "live" and three.status == "removed"
    assert one.published == datetime.fromisoformat("2026-11-20T08:30:00+07:00")
    assert one.published is not None and one.published.utcoffset().total_seconds() == 7 * 3600
    assert str(one.published_day) == "2026-11-20"
    assert two.published is None and two.published_day is None
    assert two.sections == ("tin-hoat-dong", OTHER)
    assert (one.extraction, three.extraction) == ("profile", "fallback")
    assert snap.article(999) is None and snap.article(None) is None


def test_snapshot_listing_entries_and_live_counts(tmp_path: Path) -> None:
    path, _ = _store(tmp_path)
    snap = _load(path)
    assert snap.listed(101, "tin-hoat-dong") and not snap.listed(101, OTHER)
    assert snap.entry_unchanged(102, OTHER, "c" * 32)
    assert not snap.entry_unchanged(102, OTHER, "b" * 32)
    assert not snap.entry_unchanged(101, OTHER, "a" * 32)
    assert snap.held("tin-hoat-dong") == 2 and snap.held(OTHER) == 1  # 103 was removed
    assert snap.held("chua-co") == 0


def test_snapshot_lists_a_sections_articles_and_reads_their_urls_now(tmp_path: Path) -> None:
    path, items = _store(tmp_path)
    snap = _load(path)
    assert [a.asset_id for a in snap.articles_in(OTHER)] == [102, 103]
    assert [a.asset_id for a in snap.articles_in(OTHER, skip={102})] == [103]
    assert snap.urls([101, 103, 999]) == {101: items[0]["url"], 103: items[2]["url"]}
    assert snap.urls([]) == {}


def test_an_empty_snapshot_knows_nothing() -> None:
    snap = CrawlSnapshot()
    assert len(snap) == 0 and snap.asset_for("id:1") is None and snap.held("x") == 0
    assert list(snap.articles_in("x")) == [] and snap.urls([1]) == {}


int64 = st.integers(-(2**63), 2**63 - 1)


@given(st.dictionaries(int64, int64), int64)
def test_intmap_answers_as_a_dict(pairs: dict[int, int], probe: int) -> None:
    ours = IntMap(pairs.items())
    assert len(ours) == len(pairs)
    assert all(ours.get(k) == v for k, v in pairs.items())
    assert ours.get(probe) == pairs.get(probe)
