"""Events become notices once, baselines stay silent, and unhealthy runs raise crawler alerts."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.config import HealthConfig
from monitor.notify.notices import alert, check_health, create_notices
from portalcrawl.store.database import Store
from portalcrawl.text.dates import VN_TZ

RECENT = (datetime.now(VN_TZ) - timedelta(hours=3)).replace(minute=30, second=0, microsecond=0)
RECENT_ISO = RECENT.isoformat()  # inside the revisit window, whatever day the tests run

SECTION = "tin-hoat-dong"
PORTAL = "https://dongthap.gov.vn"


def article(asset_id: int, title: str, body: str = "Nội dung bài viết.", **extra: Any) -> dict:
    return {
        "asset_id": asset_id,
        "url": f"{PORTAL}/tin/{asset_id}",
        "title": title,
        "summary": "Sapo của bài.",
        "body_text": body,
        "published_at": RECENT_ISO,
        "sections": [SECTION],
        **extra,
    }


def finish(store: Store, run_id: int, listed: int = 3, **stats: Any) -> None:
    store.finish_run(
        run_id, "ok", {"sections": {SECTION: {"listed": listed, "fetched": 0, "pages": 1}}, **stats}
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """A store after its baseline run: three live articles, nothing announced."""
    with Store(tmp_path / "portal.sqlite3") as st:
        run = st.start_run(portal_url=PORTAL)
        for i in (1, 2, 3):
            st.save_article(article(i, f"Bài số {i}"), run)
        finish(st, run)
        yield st


def notices(store: Store) -> list[dict]:
    return list(store.db.query("SELECT * FROM notices ORDER BY id"))


def test_baseline_run_announces_nothing(store: Store) -> None:
    assert store.run(1)["baseline"] == 1
    assert create_notices(store, 1) == []
    assert notices(store) == []


def test_events_become_notices_with_fields_and_diff(store: Store) -> None:
    run = store.start_run(portal_url=PORTAL)
    store.save_article(article(4, "Đồng Tháp phòng chống ngập úng"), run)
    store.save_article(article(1, "Bài số 1 đã cập nhật", body="Nội dung bài viết mới."), run)
    store.mark_removed(2, run, "404")
    finish(store, run)

    ids = create_notices(store, run)

    rows = notices(store)
    assert [r["id"] for r in rows] == ids
    assert [r["kind"] for r in rows] == ["new", "edited", "removed"]
    new, edited, removed = rows
    assert new["title"] == "Đồng Tháp phòng chống ngập úng"
    assert new["url"] == f"{PORTAL}/tin/4"
    assert new["section"] == SECTION
    assert new["published_at"] == RECENT_ISO
    assert json.loads(new["fields"]) == [] and new["diff"] is None
    assert edited["title"] == "Bài số 1 đã cập nhật"
    assert json.loads(edited["fields"]) == ["title", "body_text"]
    paragraphs = edited["diff"].split("\n\n")
    assert paragraphs[0] == "title: Bài số 1 {+đã cập nhật+}"
    assert paragraphs[1].startswith("body_text: ") and "mới.+}" in paragraphs[1]
    assert removed["title"] == "Bài số 2" and removed["asset_id"] == 2
    assert {r["run_id"] for r in rows} == {run}


def test_create_notices_is_idempotent(store: Store) -> None:
    run = store.start_run()
    store.save_article(article(5, "Tin mới"), run)
    assert len(create_notices(store, run)) == 1
    assert create_notices(store, run) == []
    assert len(notices(store)) == 1


def test_restored_article_is_announced(store: Store) -> None:
    run = store.start_run()
    store.mark_removed(3, run, "soft404")
    store.save_article(article(3, "Bài số 3"), run)
    finish(store, run)
    create_notices(store, run)
    assert [r["kind"] for r in notices(store)] == ["removed", "restored"]


def test_events_of_an_aborted_run_are_caught_up(store: Store) -> None:
    killed = store.start_run(pid=2**22 + 12345)  # no such process: the crawl was killed
    store.save_article(article(6, "Tin trước khi crawl bị dừng"), killed)
    assert store.mark_aborted_runs() == [killed]

    current = store.start_run()
    created = create_notices(store, current)

    [row] = notices(store)
    assert created == [row["id"]]
    assert row["title"] == "Tin trước khi crawl bị dừng"
    assert row["run_id"] == current  # made by the current run


def test_aborted_baseline_stays_silent(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite3") as st:
        first = st.start_run()
        st.save_article(article(1, "Một"), first)
        st.finish_run(first, "aborted")
        second = st.start_run()
        assert st.run(second)["baseline"] == 1
        st.save_article(article(2, "Hai"), second)
        finish(st, second)
        assert create_notices(st, second) == []


def test_alert_is_made_once_per_run_and_message(store: Store) -> None:
    run = store.start_run(portal_url=PORTAL)
    first = alert(store, run, "something broke", {"why": "test"})
    assert alert(store, run, "something broke", {"why": "test"}) == first
    [row] = notices(store)
    assert row["kind"] == "crawler_alert" and row["url"] == PORTAL
    assert json.loads(row["fields"]) == {"why": "test"}
    assert row["event_id"] is None and row["asset_id"] is None


def test_healthy_run_raises_no_alert(store: Store) -> None:
    run = store.start_run()
    finish(store, run, listed=3, article_pages=10, fallback_pages=1, requests=50, errors=1)
    assert check_health(store, run, HealthConfig()) == []


def test_failed_run_alerts(store: Store) -> None:
    run = store.start_run()
    store.finish_run(run, "failed", error="crawl process exited with status 1")
    [message] = check_health(store, run, HealthConfig())
    assert "failed" in message and "status 1" in message
    assert notices(store)[0]["kind"] == "crawler_alert"


def test_section_that_goes_empty_alerts(store: Store) -> None:
    run = store.start_run()
    finish(store, run, listed=0)
    [message] = check_health(store, run, HealthConfig())
    assert SECTION in message and "no articles" in message


def test_new_empty_section_does_not_alert(store: Store) -> None:
    run = store.start_run()
    store.finish_run(run, "ok", {"sections": {"thong-bao": {"listed": 0, "pages": 1}}})
    assert check_health(store, run, HealthConfig()) == []


def test_fallback_share_alerts_only_with_enough_pages(store: Store) -> None:
    health = HealthConfig(fallback_share=0.3)
    few = store.start_run()
    finish(store, few, article_pages=2, fallback_pages=1, degraded_pages=1)
    assert check_health(store, few, health) == []
    many = store.start_run()
    finish(store, many, article_pages=10, fallback_pages=4, degraded_pages=4)
    [message] = check_health(store, many, health)
    assert "fallback" in message and "4 of 10" in message


def test_every_page_degraded_alerts_even_when_few(store: Store) -> None:
    run = store.start_run()
    finish(store, run, article_pages=1, unparseable_pages=1, degraded_pages=2)
    [message] = check_health(store, run, HealthConfig(fallback_share=0.3))
    assert "2 of 2" in message


def test_pages_that_always_needed_the_fallback_do_not_alert(store: Store) -> None:
    run = store.start_run()
    finish(store, run, article_pages=10, fallback_pages=10, degraded_pages=0)
    assert check_health(store, run, HealthConfig(fallback_share=0.3)) == []


@pytest.mark.parametrize(
    ("requests", "errors", "alerts"),
    [(100, 21, True), (100, 20, False), (10, 3, True), (2, 1, False), (0, 0, False)],
)
def test_error_thresholds(store: Store, requests: int, errors: int, alerts: bool) -> None:
    run = store.start_run()
    finish(store, run, requests=requests, errors=errors)
    found = check_health(store, run, HealthConfig(max_errors=20, error_share=0.2))
    assert bool(found) is alerts


def test_check_health_twice_makes_no_duplicates(store: Store) -> None:
    run = store.start_run()
    finish(store, run, listed=0)
    check_health(store, run, HealthConfig())
    check_health(store, run, HealthConfig())
    assert len(notices(store)) == 1


def test_old_articles_the_backfill_caught_up_are_not_news(store: Store) -> None:
    run = store.start_run(portal_url=PORTAL)
    old = article(7, "Bài cũ bị sót", published_at="2024-03-01T08:00:00+07:00", backfill=True)
    store.save_article(old, run)
    fresh = datetime.now(VN_TZ).replace(microsecond=0).isoformat()
    store.save_article(article(8, "Bài mới đăng", published_at=fresh, backfill=True), run)
    finish(store, run)
    create_notices(store, run)
    assert [(n["kind"], n["asset_id"]) for n in notices(store)] == [("new", 8)]


def test_a_post_new_to_the_store_is_news_whatever_its_date(store: Store) -> None:
    run = store.start_run(portal_url=PORTAL)
    backdated = (datetime.now(VN_TZ) - timedelta(days=10)).replace(microsecond=0).isoformat()
    store.save_article(article(9, "Thông cáo báo chí", published_at=backdated), run)
    store.save_article(article(10, "Không rõ ngày", published_at=None), run)
    finish(store, run)
    create_notices(store, run)
    assert [(n["kind"], n["asset_id"]) for n in notices(store)] == [("new", 9), ("new", 10)]


def test_a_section_whose_listing_failed_is_not_called_empty(store: Store) -> None:
    run = store.start_run()
    store.finish_run(run, "ok", {"sections": {SECTION: {"listed": 0, "pages": 0, "failed": 1}}})
    assert check_health(store, run, HealthConfig()) == []
