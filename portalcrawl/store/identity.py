"""Whose page is this? A page's claim to an identity, held when it disagrees with its URLs.

The asset entry id a page prints (its anchor, else its analytics id) is the article's identity
(SPEC Part 2, "Identity: three numbers"), and the store believes it: a page that printed
another article's id would overwrite that article (an `edited` notice on the wrong article, its
URL replaced). So before a page is stored its claim is checked against what its URLs say:

- an id its own URLs carry (`/content/id/N`, `_assetEntryId=N`, a custom route's `?id=N`: the
  listing link, the page fetched, its `rel=canonical`) must be the id it claims;
- a slug URL the store already holds for one article (article_urls), or the article id
  (data-analytics-asset-id) it holds for one, must not be claimed by another;
- a slug URL new to the store may claim a stored article (its slug changed with its title),
  unless that article is listed this very run under a URL of its own, or the page's date is
  not the article's (a slug change keeps the date; a new post has its own).

A display-page URL (`/-/slug`, `/w/slug`) carries no id, so the legitimate forms (a display
page with the asset id in it, a `/-/` friendly URL, a `/content/id/` URL) stay accepted. A
claim that disagrees is held in `identity_claims`: no row, version or event is written, the
run counts it (portalcrawl/dropped/identity_claim) and `monitor status` names it. Mixed into
portalcrawl.store.database.Store.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from portalcrawl.store.crawlstate import utcnow


@dataclass(frozen=True)
class Conflict:
    """Why a page's claim to `claimed` is not believed; `owner`: the stored article it names."""

    claimed: int
    owner: int | None
    reason: str


def url_id_conflict(claimed: int, keys: Iterable[str]) -> Conflict | None:
    """An id one of the page's URLs carries that is not the id the page claims (pure)."""
    for key in keys:
        if key.startswith("id:") and key[3:].isdigit() and int(key[3:]) != claimed:
            owner = int(key[3:])
            return Conflict(claimed, owner, f"its URL names asset {owner}, the page {claimed}")
    return None


def claims_another(
    claimed: int, keys: Iterable[str], owner_of: Callable[[str], int | None], known: bool
) -> bool:
    """The spider's early view of IdentityClaims.identity_conflict, from the run's snapshot
    (`owner_of`: the article a stored URL key belongs to; `known`: the claimed one is stored):
    a page whose URLs carry another id, whose slug is another article's, or a URL new to the
    store that claims a stored article. It must not count as the claimed article fetched (the
    genuine page may still come), and it always goes on to the store, which decides."""
    keys = list(keys)
    if url_id_conflict(claimed, keys) is not None:
        return True
    owners = {owner_of(k) for k in keys if k.startswith("slug:")}
    return bool(owners - {None, claimed}) or (known and None in owners)


class IdentityClaims:
    db: Database

    def identity_conflict(self, item: Mapping[str, Any]) -> Conflict | None:
        """Why the item's claim to its asset id is not believed, else None (store it)."""
        claimed = int(item["asset_id"])
        keys = [k for k in item.get("url_keys") or [] if k]
        conflict = url_id_conflict(claimed, keys) or self._article_id_conflict(claimed, item)
        slugs = [k for k in keys if k.startswith("slug:")]
        if conflict is not None or not slugs:
            return conflict
        stored = self.db.execute(
            "SELECT published_at FROM articles WHERE asset_id = ?", [claimed]
        ).fetchone()
        if stored is None:
            return None  # a new article: it overwrites nothing
        marks = ",".join("?" * len(slugs))
        owners = dict(
            self.db.execute(
                "SELECT u.url_key, u.asset_id FROM article_urls u JOIN articles a "
                f"ON a.asset_id = u.asset_id WHERE u.url_key IN ({marks})",
                slugs,
            ).fetchall()
        )
        for key, owner in owners.items():
            if owner != claimed:
                return Conflict(claimed, owner, f"its URL ({key}) is stored asset {owner}'s")
        if len(owners) < len(slugs):  # a URL new to the store claims a stored article
            listed = self._listed_this_run(claimed, keys)
            if listed:
                return Conflict(
                    claimed,
                    claimed,
                    f"asset {claimed} is listed this run at its own URL ({listed})",
                )
            # A slug that changed keeps its article's date; a new post claiming it has its own.
            was, says = (stored[0] or "")[:10], (item.get("published_at") or "")[:10]
            if was and says and was != says:
                return Conflict(
                    claimed, claimed, f"a new URL claims asset {claimed} of {was}, dated {says}"
                )
        return None

    def _article_id_conflict(self, claimed: int, item: Mapping[str, Any]) -> Conflict | None:
        """The page's article id (data-analytics-asset-id) is another stored article's."""
        article_id = item.get("article_id")
        if article_id is None:
            return None
        row = self.db.execute(
            "SELECT asset_id FROM articles WHERE article_id = ? AND asset_id != ? LIMIT 1",
            [article_id, claimed],
        ).fetchone()
        if row is None:
            return None
        return Conflict(claimed, row[0], f"its article id {article_id} is stored asset {row[0]}'s")

    def _listed_this_run(self, asset_id: int, keys: list[str]) -> str | None:
        """A URL key of the article, other than the page's own, that this run's listings
        showed (a slug that changed is listed no more), else None; None outside a crawl."""
        marks = ",".join("?" * len(keys))
        try:
            row = self.db.execute(
                "SELECT u.url_key FROM article_urls u JOIN temp.run_sightings s "
                f"ON s.url_key = u.url_key WHERE u.asset_id = ? AND u.url_key NOT IN ({marks}) "
                "LIMIT 1",
                [asset_id, *keys],
            ).fetchone()
        except sqlite3.OperationalError:  # no sightings table: not a crawl's connection
            return None
        return row[0] if row else None

    def hold_claim(self, url: str, conflict: Conflict, run_id: int | None) -> None:
        """Record (or count again) a page's claim that was not believed."""
        now = utcnow()
        self.db.execute(
            "INSERT INTO identity_claims(url, claimed_asset_id, owner_asset_id, reason, "
            "first_seen_at, last_seen_at, last_run_id) VALUES (?,?,?,?,?,?,?) "
            "ON CONFLICT(url, claimed_asset_id) DO UPDATE SET times = times + 1, "
            "owner_asset_id = excluded.owner_asset_id, reason = excluded.reason, "
            "last_seen_at = excluded.last_seen_at, last_run_id = excluded.last_run_id",
            [url, conflict.claimed, conflict.owner, conflict.reason, now, now, run_id],
        )

    def identity_claims(self, limit: int = 10) -> list[dict[str, Any]]:
        """Held claims, most recently seen first."""
        rows = self.db.query(
            "SELECT * FROM identity_claims ORDER BY last_seen_at DESC, id DESC LIMIT ?", [limit]
        )
        return list(rows)

    def count_identity_claims(self) -> int:
        return self.db.execute("SELECT count(*) FROM identity_claims").fetchone()[0]
