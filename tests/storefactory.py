"""Build real SQLite stores for tests through the Store API (no hand-written rows).

store = Store(tmp_path / "portal.sqlite3")
run_id = crawl_run(store, [article(1, "Đảng viên ...")])      # first run: a baseline
crawl_run(store, [article(1, "Đảng viên ... (sửa)")], removed=[2])
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from portalcrawl.store.database import Store
from portalcrawl.text.dates import VN_TZ
from portalcrawl.text.normalise import fold

PORTAL = "https://dongthap.gov.vn"
SECTION = "tin-hoat-dong"
INSTANCE = "hV2tQm8LsW4a"
# Inside the revisit window whatever day the tests run, so its `new` events are news.
PUBLISHED = (
    (datetime.now(VN_TZ) - timedelta(hours=5))
    .replace(minute=0, second=0, microsecond=0)
    .isoformat()
)
FLOOD = "Đồng Tháp: mưa lớn gây ngập úng nhiều tuyến đường"
_WORD = re.compile(r"[^\W_]+")


def slug(title: str) -> str:
    """Liferay's urlTitle for a title: folded words joined by hyphens."""
    return "-".join(_WORD.findall(fold(title)))[:80] or "bai-viet"


def article_url(title: str, section: str = SECTION) -> str:
    """The canonical slug-form URL of an article listed in `section`."""
    return f"{PORTAL}/{section}/-/asset_publisher/{INSTANCE}/content/{slug(title)}"


def article(
    asset_id: int,
    title: str,
    body: str = "Nội dung bài viết.",
    *,
    summary: str | None = "Sapo của bài.",
    sections: Sequence[str] = (SECTION,),
    published_at: str | None = PUBLISHED,
    url: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An item as the crawler's pipelines hand it to Store.save_article."""
    paragraphs = [p for p in body.split("\n\n") if p]
    return {
        "asset_id": asset_id,
        "url": url or article_url(title, sections[0] if sections else SECTION),
        "title": title,
        "summary": summary,
        "body_text": body,
        "body_html": "".join(f"<p>{p}</p>" for p in paragraphs),
        "published_at": published_at,
        "author": "K.V.A",
        "source": None,
        "sections": list(sections),
        "images": [],
        "attachments": [],
        **extra,
    }


def section_article(
    asset_id: int, title: str, section: str, body: str = "Nội dung."
) -> dict[str, Any]:
    """A short article in one section, inside the revisit window, at `PORTAL/tin/<id>`."""
    return article(
        asset_id, title, body, summary="Sapo.", sections=[section], url=f"{PORTAL}/tin/{asset_id}"
    )


def url_keys(item: dict[str, Any]) -> list[str]:
    """The keys the spider records: slug form from the URL and the asset id form."""
    tail = item["url"].rstrip("/").rsplit("/content/", 1)[-1]
    return [f"slug:{tail.lower()}", f"id:{item['asset_id']}"]


def crawl_run(
    store: Store,
    items: Iterable[dict[str, Any]] = (),
    *,
    removed: Iterable[int] = (),
    status: str = "ok",
) -> int:
    """One finished run that saves `items` and finds `removed` asset ids gone (404)."""
    run_id = store.start_run(portal_url=PORTAL)
    for item in items:
        store.save_article(item, run_id, url_keys(item))
    for asset_id in removed:
        store.mark_removed(asset_id, run_id, "404")
    store.finish_run(run_id, status, {"pages": 1})
    return run_id


def build_store(path: Path, items: Iterable[dict[str, Any]]) -> Path:
    """A store file holding `items` after one baseline run; closed, ready for read-only use."""
    with Store(path) as store:
        crawl_run(store, items)
    return path
