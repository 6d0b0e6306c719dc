"""ArticleLoader: the field work (NFC, spaces, 'null', absolute URLs, dates) as processors."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from itemloaders.processors import Compose, Identity, MapCompose, TakeFirst
from scrapy.loader import ItemLoader

from portalcrawl.items import ArticleItem
from portalcrawl.parsing.article import RawArticle
from portalcrawl.parsing.flatten import MAX_DEPTH
from portalcrawl.parsing.sanitize import sanitize_html
from portalcrawl.site.urls import canonical_url
from portalcrawl.text.compare import LIST_FIELDS
from portalcrawl.text.dates import parse_date_line, parse_listing_date, to_iso
from portalcrawl.text.normalise import (
    FIELD_CAPS,
    cap_text,
    clean_multiline,
    clean_text,
    drop_null,
    join_paragraphs,
    strip_invisible,
)


def portal_time_iso(value: str) -> str | None:
    """A date line ('Thứ Sáu, 22/01/2021 08:30') or a listing date ('22/01/2021', midnight)
    as ISO 8601 with +07:00."""
    parsed = parse_date_line(value)
    if parsed is not None:
        return to_iso(parsed)
    day = parse_listing_date(value)
    return to_iso(datetime(day.year, day.month, day.day)) if day else None


def html_text(value: str) -> str:
    """Markup keeps its layout; its text still goes NFC without invisible characters."""
    return unicodedata.normalize("NFC", strip_invisible(value))


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
    article_id_in = MapCompose(int)


def article_item(
    raw: RawArticle,
    *,
    section: str | None = None,
    listing_date: str | None = None,
    url_keys: list[str] = (),
    fetched_url: str | None = None,
) -> ArticleItem:
    """The loaded item for one extracted page (the spider's last step; tests call it too)."""
    loader = ArticleLoader()
    loader.add_value("asset_id", raw.asset_id)
    loader.add_value("article_id", raw.article_id)
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
    return normalise(loader.load_item())


TEXT_FIELDS = ("title", "summary", "author", "source")


def normalise(item: ArticleItem) -> ArticleItem:
    """The storage form, said once: after this, no stage changes a compared field, so the
    content hash and search text worked out next to it stay true all the way to the store."""
    for name in TEXT_FIELDS:
        if name in item:
            item[name] = clean_text(item[name]) or None
    if item.get("body_text"):
        item["body_text"] = clean_multiline(item["body_text"])
    if item.get("url"):
        item["url"] = canonical_url(item["url"])
    for name in (*sorted(LIST_FIELDS), "url_keys"):  # url_keys: an item field, not a column
        if name in item:
            item[name] = list(dict.fromkeys(v for v in item[name] or [] if v))
    capped = [name for name, limit in FIELD_CAPS.items() if len(item.get(name) or ()) > limit]
    for name in capped:
        value, limit = item[name], FIELD_CAPS[name]
        if isinstance(value, list):
            item[name] = value[:limit]
        else:
            item[name] = cap_html(value, limit) if name == "body_html" else cap_text(value, limit)
    if capped:
        item["capped"] = capped
    return item


def cap_html(value: str, limit: int) -> str:
    """Sanitised markup cut before a tag below `limit` and sanitised again: nh3 closes what the
    cut left open, in at most 14 characters for each of the MAX_DEPTH open elements."""
    cut = value[: max(0, limit - 14 * MAX_DEPTH)]
    if cut.rfind("<") > cut.rfind(">"):
        cut = cut[: cut.rfind("<")]
    return sanitize_html(cut)
