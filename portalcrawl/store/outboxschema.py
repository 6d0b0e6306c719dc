"""The outbox's tables: notices, and their delivery to each channel once. Declared apart from
the archive's tables (schema.py), in the order the README shows them; schema.TABLES holds all."""

from __future__ import annotations

from portalcrawl.store.columns import Column as C
from portalcrawl.store.columns import Table

OUTBOX_TABLES: tuple[Table, ...] = (
    Table(
        "notices",
        "The outbox: one row per announcement (new, edited, removed, restored, crawler_alert).",
        (
            C("id", "INTEGER", "Notice id.", "PRIMARY KEY"),
            C("run_id", "INTEGER", "The run that produced it."),
            C(
                "event_id",
                "INTEGER",
                "The article event behind it (unique); NULL for crawler_alert.",
                "UNIQUE",
            ),
            C(
                "kind",
                "TEXT",
                "'new', 'edited', 'removed', 'restored' or 'crawler_alert'.",
                "NOT NULL",
            ),
            C("asset_id", "INTEGER", "The article; NULL for crawler_alert."),
            C("url", "TEXT", "Article URL (or the portal URL for alerts)."),
            C("title", "TEXT", "Article title, or the alert's one-line message.", "NOT NULL"),
            C("section", "TEXT", "The article's first section path; NULL for alerts."),
            C("published_at", "TEXT", "Article publication time (+07:00)."),
            C(
                "fields",
                "TEXT",
                "JSON array of changed field names (edited) or alert details.",
                "NOT NULL DEFAULT '[]'",
            ),
            C(
                "diff",
                "TEXT",
                "Word-level diff of each changed field, plain text ([-old-] {+new+}).",
            ),
            C(
                "permalink",
                "TEXT",
                "The change's page on the static site (a/{asset_id}/v{n}.html for new and "
                "edited, the article's page else) when [site] base_url is set; else NULL.",
            ),
            C("created_at", "TEXT", "When (UTC).", "NOT NULL"),
        ),
        indexes=(
            "CREATE INDEX IF NOT EXISTS idx_notices_kind ON notices(kind)",
            "CREATE INDEX IF NOT EXISTS idx_notices_created ON notices(created_at)",
        ),
    ),
    Table(
        "deliveries",
        "Each notice per channel: the delivery state machine.",
        (
            C("id", "INTEGER", "Delivery id.", "PRIMARY KEY"),
            C("notice_id", "INTEGER", "The notice.", "NOT NULL"),
            C(
                "channel",
                "TEXT",
                "Channel name from the config (or 'notify-<keyed hash of the URL>' for --notify).",
                "NOT NULL",
            ),
            C(
                "status",
                "TEXT",
                "'pending', 'sending' (an attempt under way, or cut short by a crash), 'unknown' "
                "(sent, no answer within the time-out; resent marked as a repeat), 'delivered' "
                "or 'failed' (gave up).",
                "NOT NULL DEFAULT 'pending'",
            ),
            C("attempts", "INTEGER", "Send attempts so far.", "NOT NULL DEFAULT 0"),
            C("last_error", "TEXT", "Last failure, credentials masked."),
            C("delivered_at", "TEXT", "When it was delivered (UTC)."),
            C("updated_at", "TEXT", "Last change (UTC).", "NOT NULL"),
        ),
        extra=("UNIQUE (notice_id, channel)",),
        indexes=("CREATE INDEX IF NOT EXISTS idx_deliveries_status ON deliveries(status)",),
    ),
    Table(
        "channel_state",
        "Delivery bookkeeping: where each channel stands in the notices outbox, so a new channel "
        "starts with the current run and a returning one catches up on what it missed.",
        (
            C("channel", "TEXT", "Channel name (as in deliveries.channel).", "PRIMARY KEY"),
            C(
                "last_notice_id",
                "INTEGER",
                "Highest notice id already matched against the "
                "channel's filters; later notices are still to be considered.",
                "NOT NULL",
            ),
            C("first_used_at", "TEXT", "When the channel was first used (UTC).", "NOT NULL"),
            C("updated_at", "TEXT", "Last change (UTC).", "NOT NULL"),
        ),
        public=False,
    ),
)
