"""ArticleLoader: the field work (NFC, spaces, 'null', absolute URLs, dates) as processors.

ArticleLoader is the definition. The spider's per-page path, article_item, applies the same
processors field by field without the ItemLoader machinery, which cost more than all the
processors together; tests/test_loaders.py holds the two to the same items.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from itemloaders.processors import Compose, Identity, MapCompose, TakeFirst
from scrapy.loader import ItemLoader

from portalcrawl.dates import parse_date_line, parse_listing_date, to_iso
from portalcrawl.extract import RawArticle
from portalcrawl.items import ArticleItem
from portalcrawl.sanitize import sanitize_html
from portalcrawl.textnorm import clean_text, drop_null, join_paragraphs, strip_zero_width


def portal_time_iso(value: str) -> str | None:
    """A date line ('Thứ Sáu, 22/01/2021 08:30') or a listing date ('22/01/2021', midnight)
    as ISO 8601 with +07:00."""
    parsed = parse_date_line(value)
    if parsed is not None:
        return to_iso(parsed)
    day = parse_listing_date(value)
    return to_iso(datetime(day.year, day.month, day.day)) if day else None


def html_text(value: str) -> str:
    """Markup keeps its layout; its text still goes NFC without zero-width characters."""
    return unicodedata.normalize("NFC", strip_zero_width(value))


def unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


class ArticleLoader(ItemLoader):
    """Loads ArticleItem; `published_at` takes the first value that parses (date line first)."""

    default_item_class = ArticleItem
    default_input_processor = MapCompose(drop_null, clean_text, drop_null)
    default_output_processor = TakeFirst()

    published_at_in = MapCompose(drop_null, clean_text, portal_time_iso)
    body_text_in = MapCompose(drop_null)
    body_text_out = Compose(join_paragraphs)
    body_html_in = Identity()
    body_html_out = Compose("".join, html_text, sanitize_html)
    sections_in = MapCompose(str.strip)
    sections_out = Compose(unique)
    images_in = MapCompose(str.strip)
    images_out = Compose(unique)
    attachments_in = MapCompose(str.strip)
    attachments_out = Compose(unique)
    url_keys_in = Identity()
    url_keys_out = Compose(unique)
    asset_id_in = MapCompose(int)


def _default(value: str | None) -> str | None:
    """default_input_processor then TakeFirst, for one value."""
    if value is None or drop_null(value) is None:
        return None
    return drop_null(clean_text(value)) or None


def _listed(values: list[str]) -> list[str] | None:
    """MapCompose(str.strip) then unique; None (no field) for no values."""
    return unique([v.strip() for v in values]) if values else None


def article_item(
    raw: RawArticle,
    *,
    section: str | None = None,
    listing_date: str | None = None,
    url_keys: list[str] = (),
    fetched_url: str | None = None,
) -> ArticleItem:
    """The loaded item for one extracted page: ArticleLoader's processors, applied directly."""
    paragraphs = [p for p in raw.paragraphs if drop_null(p) is not None]
    published = None
    for value in (raw.date_text, listing_date):
        if value is not None and drop_null(value) is not None:
            published = portal_time_iso(clean_text(value))
            if published:
                break
    fields = {
        "asset_id": int(raw.asset_id),
        "url": _default(raw.canonical),
        "title": _default(raw.title),
        "summary": _default(raw.summary),
        "body_text": join_paragraphs(paragraphs) if paragraphs else None,
        "body_html": None if raw.body_html is None else sanitize_html(html_text(raw.body_html)),
        "published_at": published or None,
        "author": _default(raw.author),
        "source": _default(raw.source),
        "sections": _listed([section] if section else []),
        "images": _listed(raw.images),
        "attachments": _listed(raw.attachments),
        "extraction": _default(raw.extraction),
        "url_keys": unique(list(url_keys)) if url_keys else None,
        "fetched_url": _default(fetched_url),
    }
    return ArticleItem({k: v for k, v in fields.items() if v is not None})


def loader_item(
    raw: RawArticle,
    *,
    section: str | None = None,
    listing_date: str | None = None,
    url_keys: list[str] = (),
    fetched_url: str | None = None,
) -> ArticleItem:
    """The same item through ArticleLoader itself: the reference article_item must match."""
    loader = ArticleLoader()
    loader.add_value("asset_id", raw.asset_id)
    loader.add_value("url", raw.canonical)
    loader.add_value("title", raw.title)
    loader.add_value("summary", raw.summary)
    loader.add_value("body_text", raw.paragraphs)
    loader.add_value("body_html", raw.body_html)
    loader.add_value("published_at", raw.date_text)
    loader.add_value("published_at", listing_date)
    loader.add_value("author", raw.author)
    loader.add_value("source", raw.source)
    loader.add_value("sections", [section] if section else [])
    loader.add_value("images", raw.images)
    loader.add_value("attachments", raw.attachments)
    loader.add_value("extraction", raw.extraction)
    loader.add_value("url_keys", list(url_keys))
    loader.add_value("fetched_url", fetched_url)
    return loader.load_item()
