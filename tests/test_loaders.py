"""ArticleLoader on real pages (both templates, hostile and re-saved) and on odd values."""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

import pytest
from parsel import Selector

from monitor.localportal import build_corpus
from monitor.localportal.render import Renderer
from monitor.localportal.routes import respond
from portalcrawl.parsing.article import RawArticle, parse_article
from portalcrawl.parsing.loaders import article_item
from portalcrawl.site.profile import load_profile
from portalcrawl.text.normalise import clean_text

BASE = "http://127.0.0.1:8123"
PROFILE = load_profile()
GOLDEN = Path(__file__).parent / "golden"


def _pages() -> list[tuple[str, str, str]]:
    """(name, url, html): golden pages and local pages of both templates, with odd texts."""
    pages = []
    for path in sorted(GOLDEN.glob("*article*.html")):
        html = path.read_text(encoding="utf-8")
        canonical = Selector(text=html).css('link[rel="canonical"]::attr(href)').get() or ""
        pages.append((path.name, f"{BASE}/{canonical.split('://', 1)[-1].split('/', 1)[-1]}", html))
    for template in ("default", "redesign"):
        corpus = build_corpus(seed=5, n=60, today=datetime(2026, 11, 26, 12))
        rng = random.Random(5)
        for article in rng.sample(corpus.articles, 10):
            corpus.hostile(article.asset_id)
        for article in rng.sample(corpus.articles, 10):
            corpus.resave(article.asset_id, rng.choice(["nfd", "tone", "spaces"]))
        renderer = Renderer(corpus, BASE, template)
        for article in corpus.articles:
            path = article.path(article.primary, "slug")
            pages.append((f"{template}:{article.asset_id}", BASE + path, _body(renderer, path)))
    return pages


def _body(renderer: Renderer, path: str) -> str:
    with renderer.corpus.lock:
        return respond(renderer, path).body.decode("utf-8")


PAGES = _pages()


@pytest.mark.parametrize("name,url,html", PAGES, ids=[p[0] for p in PAGES])
def test_items_from_real_pages_are_in_storage_form(name: str, url: str, html: str) -> None:
    raw = parse_article(Selector(text=html), url, PROFILE, BASE)
    assert raw is not None
    item = article_item(
        raw,
        section="tin-hoat-dong",
        listing_date="01/02/2020",
        url_keys=["slug:x", "slug:x", "id:1"],
    )
    for name_ in ("title", "summary", "author", "source"):
        if name_ in item:
            assert item[name_] == clean_text(item[name_]) and item[name_].lower() != "null"
    assert item["body_text"] == "\n\n".join(clean_text(p) for p in item["body_text"].split("\n\n"))
    assert item["url_keys"] == ["slug:x", "id:1"]
    assert item["published_at"].endswith("+07:00")
    assert "<script" not in item.get("body_html", "")


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "null", "summary": " NULL ", "author": "", "source": "\u200b"},
        {"paragraphs": ["null", "", "  ", "\u200b", "Một đoạn."], "date_text": "null"},
        {"paragraphs": [], "body_html": "", "images": ["  "], "attachments": []},
        {"date_text": "không có ngày", "images": [" http://x/a.png ", "http://x/a.png"]},
        {"paragraphs": ["\u200b\u200b"], "extraction": "fallback", "canonical": " "},
    ],
)
def test_odd_values(changes: dict) -> None:
    fields = {
        "asset_id": 7,
        "canonical": f"{BASE}/tin-hoat-dong/-/asset_publisher/x/content/bai",
        "title": "Tiêu đề",
        "date_text": "Thứ Sáu, 22/01/2021 08:30",
        "summary": "Sapo",
        "paragraphs": ["Đoạn một.", "Đoạn hai."],
        "body_html": "<p>Đoạn\u200b một.</p><script>x()</script>",
        "author": "K.V.A",
        "source": "Báo Đồng Tháp",
        **changes,
    }
    raw = RawArticle(**fields)
    for listing_date in (None, "22/01/2021", "null"):
        item = article_item(raw, listing_date=listing_date, section="xay-dung-dang")
        for name in ("title", "summary", "author", "source", "url", "published_at"):
            assert item.get(name) is None or (item[name] and item[name].lower() != "null")
        body = item.get("body_text") or ""  # an empty body is dropped by ValidatePipeline
        assert all(p.strip() and p != "null" for p in body.split("\n\n") if body)
        assert all(item.get("images", []))  # blank URLs are dropped
        assert "<script" not in item.get("body_html", "")
        assert item["sections"] == ["xay-dung-dang"]
