"""Golden extraction: pages rendered by the reference copy and by our local copy, fields pinned.

The JSON next to each page is what the crawler must store. To refresh after a deliberate change:
`python tests/test_extraction_golden.py` rewrites them; review the diff before committing.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from parsel import Selector

from portalcrawl.parsing.article import is_not_found, parse_article
from portalcrawl.parsing.listing import parse_listing
from portalcrawl.parsing.loaders import article_item
from portalcrawl.site.profile import load_profile
from portalcrawl.spiders.walk import entry_hash

GOLDEN = Path(__file__).parent / "golden"
BASE = "http://127.0.0.1:8123"
PROFILE = load_profile()
FURNITURE = (
    "Lượt xem",
    "Tin xem nhiều",
    "Ý kiến",
    "Follow",
    "Bản tin chỉ đạo",
    "Megastory",
    "Tin đồ họa",
    "Lượt truy cập",
    "thumbnail",
    "banbientap@",
    "Tệp đính kèm",
    "null",
    "Chính quyền với báo chí",
    "CDATA",
    "authToken",
)


def _page_url(html: str) -> str:
    canonical = Selector(text=html).css('link[rel="canonical"]::attr(href)').get() or ""
    path = canonical.split("://", 1)[-1].split("/", 1)[-1]
    return f"{BASE}/{path}"


def extract_file(path: str | Path) -> dict:
    html = Path(path).read_text(encoding="utf-8")
    raw = parse_article(Selector(text=html), _page_url(html), PROFILE, BASE)
    assert raw is not None, path
    item = dict(article_item(raw, listing_date="01/02/2020", url_keys=["slug:x"]))
    item.pop("url_keys")
    item.pop("body_html")
    item["extraction"] = raw.extraction
    return item


def listing_file(path: str | Path) -> dict:
    html = Path(path).read_text(encoding="utf-8")
    page = parse_listing(Selector(text=html), f"{BASE}/tin-hoat-dong", PROFILE, BASE)
    return {
        "has_next": page.has_next,
        "results": list(page.results) if page.results else None,
        "entries": [
            {"key": e.key, "url": e.url, "date": e.date_text.strip(), "hash": entry_hash(e)}
            for e in page.entries
        ],
    }


ARTICLES = sorted(GOLDEN.glob("*article*.html"))
LISTINGS = sorted(GOLDEN.glob("*listing*.html"))


@pytest.mark.parametrize("page", ARTICLES, ids=lambda p: p.stem)
def test_article_fields_match_golden(page: Path) -> None:
    expected = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    assert extract_file(page) == expected


@pytest.mark.parametrize("page", ARTICLES, ids=lambda p: p.stem)
def test_article_text_has_no_page_furniture(page: Path) -> None:
    item = extract_file(page)
    text = " ".join(str(item.get(k) or "") for k in ("title", "summary", "body_text", "author"))
    for word in FURNITURE:
        assert word not in text, word
    assert "\u200b" not in text and "\u00a0" not in text


@pytest.mark.parametrize("page", LISTINGS, ids=lambda p: p.stem)
def test_listing_entries_match_golden(page: Path) -> None:
    expected = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    assert listing_file(page) == expected


def test_reference_listing_pages_link_onwards_until_the_last() -> None:
    first = listing_file(GOLDEN / "reference-listing-tin-hoat-dong-page1.html")
    assert first["has_next"] and first["results"] == [1, 10, 27]
    assert any(e["key"].startswith("id:") for e in first["entries"])
    assert all(e["url"].startswith(BASE) and "?" not in e["url"] for e in first["entries"])


def test_not_found_page_is_recognised_and_articles_are_not() -> None:
    page = Selector(text=(GOLDEN / "reference-not-found-404.html").read_text(encoding="utf-8"))
    assert is_not_found(page, PROFILE)
    for article in ARTICLES:
        assert not is_not_found(Selector(text=article.read_text(encoding="utf-8")), PROFILE)


def test_press_landing_is_not_an_article() -> None:
    page = Selector(text=(GOLDEN / "reference-press-landing.html").read_text(encoding="utf-8"))
    assert parse_article(page, f"{BASE}/chinh-quyen-voi-bao-chi", PROFILE, BASE) is None


@pytest.mark.parametrize(
    "asset_id, found",
    [(" 3701495 ", 3701495), ("²", None), ("١٢٣", None), ("9" * 25, None), ("12a", None)],
)
def test_an_asset_id_that_is_not_a_storable_number_is_no_article(
    asset_id: str, found: int | None
) -> None:
    html = (GOLDEN / "local-article-nbsp.html").read_text(encoding="utf-8")
    html = html.replace('"3701495"', f'"{asset_id}"')
    raw = parse_article(Selector(text=html), _page_url(html), PROFILE, BASE)
    assert (raw.asset_id if raw else None) == found


def test_hostile_markup_is_sanitised_before_storing() -> None:
    html = (GOLDEN / "local-article-hostile.html").read_text(encoding="utf-8")
    assert "<script" in html and "onerror" in html and "javascript:" in html
    raw = parse_article(Selector(text=html), _page_url(html), PROFILE, BASE)
    stored = article_item(raw)["body_html"]
    lowered = stored.lower()
    assert "<script" not in lowered and "javascript:" not in lowered
    assert not re.search(r"\son[a-z]+\s*=", lowered)  # no event-handler attributes
    assert "<p>" in stored


if __name__ == "__main__":  # pragma: no cover
    for page in ARTICLES + LISTINGS:
        out = extract_file(page) if page in ARTICLES else listing_file(page)
        text = json.dumps(out, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        page.with_suffix(".json").write_text(text, encoding="utf-8")
        print("wrote", page.with_suffix(".json").name, file=sys.stderr)
