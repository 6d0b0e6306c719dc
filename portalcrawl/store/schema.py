"""The SQLite store's schema, declared once: DDL and the README's schema section come from here."""

from __future__ import annotations

from portalcrawl.site.urls import MAX_URL
from portalcrawl.store.columns import Column, Table
from portalcrawl.store.crawlschema import CRAWL_TABLES
from portalcrawl.store.outboxschema import OUTBOX_TABLES
from portalcrawl.text.normalise import FIELD_CAPS

C = Column


def capped(name: str, doc: str) -> str:
    """A field's documentation with its size cap (portalcrawl.text.normalise.FIELD_CAPS)."""
    if name in ("images", "attachments"):
        return f"{doc} At most {FIELD_CAPS[name]:,} URLs of at most {MAX_URL:,} characters."
    return f"{doc} At most {FIELD_CAPS[name]:,} characters (a longer one is cut)."


# Where the archived response behind a version or an event is (portalcrawl/archive/warc.py).
WARC_COLUMNS = (
    C(
        "warc_file",
        "TEXT",
        "WARC file holding the response it was read from: relative to the store's directory "
        "(archive/…warc.gz) or absolute; NULL when not archived.",
    ),
    C("warc_offset", "INTEGER", "Byte offset of the response record's gzip member in warc_file."),
    C("warc_record_id", "TEXT", "WARC-Record-ID of the response record (<urn:uuid:…>)."),
)

TABLES: tuple[Table, ...] = (
    Table(
        "articles",
        "One row per article (asset entry id), its latest meaningful version and its status. An "
        "article listed in two sections keeps the URL it was first stored under. Text fields "
        "carry no control characters (C0 but tab and line feed, C1, DEL) and no zero-width "
        "characters; a field longer than its cap is cut to end in '…' and counted in the run's "
        "stats (`capped`).",
        (
            C(
                "asset_id",
                "INTEGER",
                "Liferay asset entry id: the article's one stable identity.",
                "PRIMARY KEY",
            ),
            C(
                "url",
                "TEXT",
                "Canonical article URL, without the linking page's parameters (a custom route "
                "keeps its own, `?id=N`).",
                "NOT NULL",
            ),
            C("title", "TEXT", capped("title", "Title, NFC, white space folded."), "NOT NULL"),
            C(
                "summary",
                "TEXT",
                capped("summary", "The lead (sapo); for migrated articles their first paragraph."),
            ),
            C(
                "body_text",
                "TEXT",
                capped(
                    "body_text",
                    "Body paragraphs separated by blank lines; no lead, signature or page "
                    "furniture.",
                ),
                "NOT NULL",
            ),
            C(
                "body_html",
                "TEXT",
                capped("body_html", "The article body only, sanitised to an allow-list of tags."),
            ),
            C(
                "published_at",
                "TEXT",
                "Publication time, ISO 8601 with +07:00 (article date line, "
                "else the listing date).",
            ),
            C("author", "TEXT", capped("author", "Signature line, e.g. 'K.V.A'.")),
            C(
                "source",
                "TEXT",
                capped("source", "Source of a reprint ('Báo Đồng Tháp'), without 'Nguồn:'."),
            ),
            C(
                "sections",
                "TEXT",
                "JSON array of section paths that list the article, e.g. "
                '["tin-hoat-dong", "bao-chi-voi-dong-thap"].',
                "NOT NULL DEFAULT '[]'",
            ),
            C(
                "images",
                "TEXT",
                capped("images", "JSON array of absolute image URLs in the body."),
                "NOT NULL DEFAULT '[]'",
            ),
            C(
                "attachments",
                "TEXT",
                capped("attachments", "JSON array of absolute attachment URLs (press releases)."),
                "NOT NULL DEFAULT '[]'",
            ),
            C(
                "content_hash",
                "TEXT",
                "SHA-256 of the comparison form of the compared fields; equal hashes mean no edit.",
                "NOT NULL",
            ),
            C(
                "version",
                "INTEGER",
                "Current version number (article_versions.version).",
                "NOT NULL DEFAULT 1",
            ),
            C(
                "extraction",
                "TEXT",
                "'profile' (site-profile selectors), 'fallback' (stock Liferay structure) or "
                "'migrated' (the old portal's bare paragraphs, no date line of its own).",
                "NOT NULL DEFAULT 'profile'",
            ),
            C(
                "first_seen_at",
                "TEXT",
                "When the crawler first stored it (UTC, ISO 8601).",
                "NOT NULL",
            ),
            C(
                "last_seen_at",
                "TEXT",
                "When a listing or fetch last showed it live (UTC).",
                "NOT NULL",
            ),
            C(
                "status",
                "TEXT",
                "'live' or 'removed'. Removed rows are kept.",
                "NOT NULL DEFAULT 'live'",
            ),
            C("removed_at", "TEXT", "When it was found removed (UTC); NULL while live."),
            C(
                "verified_at",
                "TEXT",
                "When its page was last fetched and compared (UTC); the rolling audit re-fetches "
                "the longest-unverified first. NULL: not since the store was migrated.",
            ),
            C(
                "article_id",
                "INTEGER",
                "Liferay's article id (`data-analytics-asset-id`), not the asset entry id; NULL "
                "where the page prints none.",
            ),
        ),
        indexes=(
            "CREATE INDEX IF NOT EXISTS idx_articles_published ON articles(published_at)",
            "CREATE INDEX IF NOT EXISTS idx_articles_status ON articles(status)",
            "CREATE INDEX IF NOT EXISTS idx_articles_url ON articles(url)",
            # Whose article id a page prints (portalcrawl/store/identity.py), read per page.
            "CREATE INDEX IF NOT EXISTS idx_articles_article_id ON articles(article_id)",
            "CREATE INDEX IF NOT EXISTS idx_articles_verified ON articles(status, verified_at)",
            # Search filters read these by asset id without the row (monitor/data/search.py).
            "CREATE INDEX IF NOT EXISTS idx_articles_search "
            "ON articles(asset_id, status, sections, published_at)",
        ),
    ),
    Table(
        "article_versions",
        "Every meaningful version of every article; never deleted or rewritten.",
        (
            C("asset_id", "INTEGER", "The article.", "NOT NULL"),
            C("version", "INTEGER", "1 for the first version, then +1 per edit.", "NOT NULL"),
            C("run_id", "INTEGER", "The run that recorded it (runs.id)."),
            C("recorded_at", "TEXT", "When it was recorded (UTC).", "NOT NULL"),
            C("url", "TEXT", "Canonical URL at that version.", "NOT NULL"),
            C("title", "TEXT", "As in articles.", "NOT NULL"),
            C("summary", "TEXT", "As in articles."),
            C("body_text", "TEXT", "As in articles.", "NOT NULL"),
            C("body_html", "TEXT", "As in articles."),
            C("published_at", "TEXT", "As in articles."),
            C("author", "TEXT", "As in articles."),
            C("source", "TEXT", "As in articles."),
            C("images", "TEXT", "As in articles (JSON array).", "NOT NULL DEFAULT '[]'"),
            C("attachments", "TEXT", "As in articles (JSON array).", "NOT NULL DEFAULT '[]'"),
            C("content_hash", "TEXT", "As in articles.", "NOT NULL"),
            C(
                "changed_fields",
                "TEXT",
                "JSON array of the fields that differ from the previous "
                "version ([] for version 1).",
                "NOT NULL DEFAULT '[]'",
            ),
            C(
                "origin",
                "TEXT",
                "'crawl', or 'reextract': the archived page read again by a newer extractor or "
                "profile (announced to no one).",
                "NOT NULL DEFAULT 'crawl'",
            ),
            *WARC_COLUMNS,
        ),
        extra=("PRIMARY KEY (asset_id, version)",),
        indexes=("CREATE INDEX IF NOT EXISTS idx_versions_run ON article_versions(run_id)",),
    ),
    Table(
        "article_events",
        "What each run found happening to an article; the monitor turns events into notices.",
        (
            C("id", "INTEGER", "Event id.", "PRIMARY KEY"),
            C("run_id", "INTEGER", "The run that found it.", "NOT NULL"),
            C("asset_id", "INTEGER", "The article.", "NOT NULL"),
            C("kind", "TEXT", "'new', 'edited', 'removed' or 'restored'.", "NOT NULL"),
            C("version", "INTEGER", "Article version after the event."),
            C(
                "fields",
                "TEXT",
                "JSON array of changed fields (edited), else [].",
                "NOT NULL DEFAULT '[]'",
            ),
            C(
                "reason",
                "TEXT",
                "For removals: '404', 'soft404'; for new: 'backfill' when the backfill stored "
                "it (history caught up, not news); else NULL.",
            ),
            C("created_at", "TEXT", "When (UTC).", "NOT NULL"),
            *WARC_COLUMNS,
        ),
        indexes=(
            "CREATE INDEX IF NOT EXISTS idx_events_run ON article_events(run_id)",
            # An article's events, for its page on the static site (monitor/site/build.py).
            "CREATE INDEX IF NOT EXISTS idx_events_asset ON article_events(asset_id)",
        ),
    ),
    Table(
        "runs",
        "One row per crawl run, whoever started it (monitor, scheduler or scrapy crawl).",
        (
            C("id", "INTEGER", "Run id.", "PRIMARY KEY"),
            C("started_at", "TEXT", "Start (UTC).", "NOT NULL"),
            C("finished_at", "TEXT", "End (UTC); NULL while running or if killed."),
            C(
                "status",
                "TEXT",
                "'running', 'ok', 'partial' (ended at its budget, or early because the portal "
                "asked, having made progress), 'failed' or 'aborted' (killed; marked so on the "
                "next start).",
                "NOT NULL DEFAULT 'running'",
            ),
            C("mode", "TEXT", "'incremental' or 'full'.", "NOT NULL DEFAULT 'incremental'"),
            C(
                "baseline",
                "INTEGER",
                "1 when no run had completed before: its events are not announced.",
                "NOT NULL DEFAULT 0",
            ),
            C("sections", "TEXT", "JSON array of the sections crawled.", "NOT NULL DEFAULT '[]'"),
            C("portal_url", "TEXT", "The portal crawled."),
            C(
                "pid",
                "INTEGER",
                "Process id of the run's owner (the monitor that made the row, then its crawl), "
                "set from the start: a killed run is detected, two runs never overlap.",
            ),
            C("pages", "INTEGER", "Listing pages read.", "NOT NULL DEFAULT 0"),
            C("articles", "INTEGER", "Article pages fetched and stored.", "NOT NULL DEFAULT 0"),
            C(
                "requests",
                "INTEGER",
                "HTTP requests made (robots.txt included).",
                "NOT NULL DEFAULT 0",
            ),
            C("errors", "INTEGER", "Requests that failed after retries.", "NOT NULL DEFAULT 0"),
            C("drops", "INTEGER", "Items dropped by validation.", "NOT NULL DEFAULT 0"),
            C(
                "stats",
                "TEXT",
                "JSON object: the run's detailed counters (drop reasons, fallback "
                "share, per-section counts).",
                "NOT NULL DEFAULT '{}'",
            ),
            C("error", "TEXT", "Why a run failed, one line."),
        ),
        indexes=("CREATE INDEX IF NOT EXISTS idx_runs_status ON runs(status)",),
    ),
    *OUTBOX_TABLES,
    *CRAWL_TABLES,
    Table(
        "meta",
        "Store metadata: schema_version; demo (when `monitor demo` made the store, which it "
        "alone may recreate).",
        (
            C("key", "TEXT", "Name.", "PRIMARY KEY"),
            C("value", "TEXT", "Value."),
        ),
        public=False,
    ),
)

FTS_TABLE = "articles_fts"
FTS_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "title, summary, body_text, tokenize='unicode61 remove_diacritics 2')"
)
FTS_DOC = (
    "FTS5 index over the *folded* title, summary and body_text of `articles` (rowid = asset_id): "
    "lower case, accents removed, đ → d. Query it with folded words (monitor.data.search does); "
    "the store keeps it in step on every write."
)


def ddl() -> list[str]:
    """All CREATE statements, in order."""
    return [stmt for table in TABLES for stmt in table.ddl()] + [FTS_DDL]
