"""The crawler's own tables (internal): how it remembers URLs, listings and sections between
runs. Declared apart from the tables readers query; schema.TABLES holds both."""

from __future__ import annotations

from portalcrawl.store.columns import Column as C
from portalcrawl.store.columns import Table

CRAWL_TABLES: tuple[Table, ...] = (
    Table(
        "article_urls",
        "Crawler bookkeeping: every URL key (slug or id form) seen for an article.",
        (
            C("url_key", "TEXT", "'slug:<urlTitle>' or 'id:<assetEntryId>'.", "PRIMARY KEY"),
            C("asset_id", "INTEGER", "The article it leads to.", "NOT NULL"),
        ),
        indexes=("CREATE INDEX IF NOT EXISTS idx_urls_asset ON article_urls(asset_id)",),
        public=False,
    ),
    Table(
        "listing_entries",
        "Crawler bookkeeping: the last listing entry seen per article and section.",
        (
            C("asset_id", "INTEGER", "The article.", "NOT NULL"),
            C("section", "TEXT", "Section path.", "NOT NULL"),
            C(
                "entry_hash",
                "TEXT",
                "Hash of the entry's comparison form (title, date, summary, cover).",
                "NOT NULL",
            ),
            C("listed_date", "TEXT", "Date shown in the listing (YYYY-MM-DD)."),
            C("last_run_id", "INTEGER", "Last run that saw it listed."),
        ),
        extra=("PRIMARY KEY (asset_id, section)",),
        public=False,
    ),
    Table(
        "section_state",
        "Crawler bookkeeping: whether a section's store is in step with its listing.",
        (
            C("section", "TEXT", "Section path.", "PRIMARY KEY"),
            C(
                "synced",
                "INTEGER",
                "1 once a run walked and fetched it cleanly; 0 while a run "
                "is under way or after a failure (the next run walks it whole).",
                "NOT NULL DEFAULT 0",
            ),
            C("last_run_id", "INTEGER", "Last run that walked it."),
            C("last_count", "INTEGER", "Articles listed in that run."),
            C(
                "backfill_done",
                "INTEGER",
                "1 once a walk reached the listing's end: the whole listing is stored.",
                "NOT NULL DEFAULT 0",
            ),
            C(
                "resume_offset",
                "INTEGER",
                "Backfill: listing entries from the top walked and stored; the next run resumes "
                "at the page holding the next one.",
            ),
            C("resume_total", "INTEGER", "The listing's total when resume_offset was recorded."),
            C("listed_total", "INTEGER", "The listing's total as last read (its counter)."),
            C(
                "count_offset",
                "INTEGER",
                "The listing's total less the live articles stored from it, as a walk to its "
                "end found it: entries its counter counts that never become stored articles, "
                "which must not set off a whole walk every run.",
            ),
        ),
        public=False,
    ),
    Table(
        "removal_suspects",
        "Crawler bookkeeping: live articles that answered 404 or a soft 404 and are not yet "
        "announced removed: a removal is confirmed on a later healthy run at least "
        "removal_confirm_minutes after the first sighting (or when no longer listed where it "
        "was); an answer in between forgets it.",
        (
            C("asset_id", "INTEGER", "The article.", "PRIMARY KEY"),
            C("reason", "TEXT", "'404' or 'soft404'.", "NOT NULL"),
            C("first_seen_at", "TEXT", "When it was first found gone (UTC).", "NOT NULL"),
            C("last_run_id", "INTEGER", "Last run that found it gone."),
        ),
        public=False,
    ),
    Table(
        "crawl_backlog",
        "Crawler bookkeeping: requests that failed after retries, tried first by the next run.",
        (
            C("url", "TEXT", "The URL that failed.", "PRIMARY KEY"),
            C("kind", "TEXT", "'listing' or 'article'.", "NOT NULL"),
            C("section", "TEXT", "Section path."),
            C("asset_id", "INTEGER", "Known article, if any."),
            C("run_id", "INTEGER", "Run that last failed it."),
            C("attempts", "INTEGER", "Runs that failed it.", "NOT NULL DEFAULT 1"),
            C("last_error", "TEXT", "Why."),
            C(
                "listing_date",
                "TEXT",
                "The date its listing showed (dd/mm/yyyy): the date of a page that prints none "
                "(a migrated article).",
            ),
            C(
                "why",
                "TEXT",
                "What asked for it: 'backfill' is history caught up (its `new` is not "
                "announced), 'listing' a post listed since, …",
            ),
        ),
        public=False,
    ),
    Table(
        "identity_claims",
        "Crawler bookkeeping: pages whose claim to an asset id disagreed with their URLs' id or "
        "named another stored article's URL (portalcrawl/store/identity.py): held, never "
        "stored; named in `status`.",
        (
            C("id", "INTEGER", "Claim id.", "PRIMARY KEY"),
            C("url", "TEXT", "The page that made the claim.", "NOT NULL"),
            C("claimed_asset_id", "INTEGER", "The asset id the page printed.", "NOT NULL"),
            C("owner_asset_id", "INTEGER", "The article its URL names (stored or not)."),
            C("reason", "TEXT", "Why it was not believed.", "NOT NULL"),
            C("first_seen_at", "TEXT", "When first held (UTC).", "NOT NULL"),
            C("last_seen_at", "TEXT", "When last held (UTC).", "NOT NULL"),
            C("last_run_id", "INTEGER", "The run that last held it."),
            C("times", "INTEGER", "Runs that held it.", "NOT NULL DEFAULT 1"),
        ),
        public=False,
        indexes=(
            "CREATE UNIQUE INDEX IF NOT EXISTS idx_identity_claims_page "
            "ON identity_claims(url, claimed_asset_id)",
        ),
    ),
)
