"""Full-text search over the store: folded queries, bm25 ranking in SQL, filters (each hit's
highlighted title and snippet: monitor/data/snippets.py).

The FTS index holds textnorm.fold()-ed text, so a query is folded the same way and split into
word tokens, each quoted as an FTS string and ANDed: FTS syntax typed by a user ("a OR",
"NEAR(", "title:x") is read as plain words, never as an expression. When the words as typed
match nothing, the last one (three letters or more) is tried as a prefix ("dong tha" finds
"Đồng Tháp"): a prefix query costs several times more, so it is only the fallback.

Ranking a very common word over 100,000 articles would cost bm25 on every match, so only the
RANK_WINDOW newest matches (highest asset ids, which Liferay hands out in order) that pass the
filters are ranked; fewer matches than that are ranked exhaustively.

Filters that need the article row (a section, a long --since) read it through FILTER_INDEX,
which holds those columns by asset id: the row itself puts sections after body_html, and reading
past a long body for each of thousands of candidates was most of a filtered search's time.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from monitor.data.snippets import Segment, highlight, render_segments, snippet
from portalcrawl.store.database import Store
from portalcrawl.store.schema import FTS_TABLE
from portalcrawl.text.compare import as_list
from portalcrawl.text.dates import to_iso
from portalcrawl.text.normalise import fold

logger = logging.getLogger(__name__)

RANK_WINDOW = 3000
FILTER_INDEX = "idx_articles_search"  # portalcrawl.store.schema: articles(asset_id, status, ...)
SINCE_SET_MAX = 20000  # above this many articles, --since is checked row by row
WEIGHTS = (10.0, 4.0, 1.0)  # title, summary, body_text: bm25 column weights
ROWID = f"{FTS_TABLE}.rowid"  # qualified: a filter may join the article row
PREFIX_MIN = 3
_WORD = re.compile(r"[^\W_]+")


class SearchError(ValueError):
    """A query that leaves nothing to search for, said in one line."""


@dataclass(frozen=True)
class Query:
    """A user query as folded word tokens; the last one may match as a prefix."""

    terms: tuple[str, ...]
    prefix: bool = False

    @classmethod
    def parse(cls, text: str) -> Query:
        """Fold the text and keep its word tokens: everything else is a separator."""
        terms = tuple(_WORD.findall(fold(text)))
        if not terms:
            raise SearchError(f"nothing to search for in {text!r}: give at least one word")
        return cls(terms)

    def as_prefix(self) -> Query | None:
        """The fallback query with the last word as a prefix, if it is long enough to be one."""
        if self.prefix or len(self.terms[-1]) < PREFIX_MIN:
            return None
        return Query(self.terms, prefix=True)

    def match_expression(self) -> str:
        """FTS5 MATCH text: each token an FTS string, ANDed; tokens never contain quotes."""
        parts = [f'"{term}"' for term in self.terms]
        if self.prefix:
            parts[-1] += "*"
        return " AND ".join(parts)

    def pattern(self) -> re.Pattern[str]:
        """Regex over folded text finding what the MATCH expression matched (for snippets)."""
        alternatives = [re.escape(term) for term in self.terms]
        if self.prefix:
            alternatives[-1] += r"[^\W_]*"
        alternatives.sort(key=len, reverse=True)
        return re.compile(rf"(?<![^\W_])(?:{'|'.join(alternatives)})(?![^\W_])")


@dataclass(frozen=True)
class SearchHit:
    """One ranked article with its highlighted title and snippet."""

    asset_id: int
    title: str
    url: str
    published_at: str | None
    sections: list[str]
    status: str
    score: float
    title_segments: list[Segment]
    snippet: list[Segment]

    def to_json(self) -> dict[str, Any]:
        """The --json object: sections stay an array; marks in the snippet are « »."""
        return {
            "asset_id": self.asset_id,
            "title": self.title,
            "url": self.url,
            "published_at": self.published_at,
            "sections": self.sections,
            "status": self.status,
            "score": round(self.score, 4),
            "snippet": render_segments(self.snippet),
        }


def search(
    store: Store,
    query: str,
    *,
    section: str | None = None,
    since: datetime | None = None,
    limit: int = 20,
    include_removed: bool = False,
    window: int = RANK_WINDOW,
) -> list[SearchHit]:
    """Best `limit` articles for the query, best first (score: bm25, higher is better)."""
    db = store.db
    parsed = Query.parse(query)
    built = _filters(db, section=section, since=since, include_removed=include_removed)
    if built is None:
        return []
    join, filters, params = built
    params["window"] = window
    params["limit"] = limit
    ranked = _ranked(db, parsed, join, filters, params)
    fallback = parsed.as_prefix()
    if not ranked and fallback is not None:
        parsed = fallback
        ranked = _ranked(db, parsed, join, filters, params)
    logger.debug("%s: %d hits", parsed.match_expression(), len(ranked))
    return _hits(db, parsed, ranked)


def _filters(
    db: sqlite_utils.Database,
    *,
    section: str | None,
    since: datetime | None,
    include_removed: bool,
) -> tuple[str, list[str], dict[str, Any]] | None:
    """The join to the article row (or ""), SQL conditions and their parameters; None when
    nothing can match."""
    params: dict[str, Any] = {}
    filters: list[str] = []
    row_checks: list[str] = []  # tests that read the article row: one lookup per candidate
    if since is not None:
        params["since"] = to_iso(since)
        count = db.execute(
            "SELECT count(*) FROM (SELECT 1 FROM articles WHERE published_at >= ? LIMIT ?)",
            [params["since"], SINCE_SET_MAX + 1],
        ).fetchone()[0]
        if not count:
            return None
        if count <= SINCE_SET_MAX:
            # A small set: its lowest id bounds the rowid range FTS5 walks, and membership in
            # it (from the published_at index) is exact.
            params["low"] = db.execute(
                "SELECT min(+asset_id) FROM articles WHERE published_at >= ?", [params["since"]]
            ).fetchone()[0]
            filters.append(f"{ROWID} >= :low")
            filters.append(
                f"+{ROWID} IN (SELECT asset_id FROM articles WHERE published_at >= :since)"
            )
        else:
            row_checks.append("a.published_at >= :since")
    if section:
        test, section_params = _section_test(section)
        params.update(section_params)
        row_checks.append(test)
    if not include_removed and row_checks:  # the row is read anyway: its status too
        row_checks.insert(0, "a.status <> 'removed'")
    elif not include_removed:
        filters.append(f"+{ROWID} NOT IN (SELECT asset_id FROM articles WHERE status = 'removed')")
    join = ""
    if row_checks:
        # A join rather than a correlated EXISTS: the same index lookup per candidate without a
        # subquery run for each; measured 10% less on the section queries of searchbench.
        # CROSS JOIN keeps the FTS walk outside (newest first), the row looked up inside.
        indexed = f" INDEXED BY {FILTER_INDEX}" if _has_index(db, FILTER_INDEX) else ""
        join = f"CROSS JOIN articles a{indexed} ON a.asset_id = {ROWID}"
        filters.extend(row_checks)
    return join, filters, params


def _section_test(section: str) -> tuple[str, dict[str, Any]]:
    """SQL that is true when the article row `a` is listed in `section`, and its parameters.

    instr() rules most rows out cheaply; json_each decides exactly. Before it, two text tests
    that are exact on any JSON array: the quoted name right after its "[", or right before its
    "]" after ", " (as json.dumps writes arrays), is that element whole (a quote there opens a
    string, or the array would not close). They leave json_each to articles in three sections
    or more: 7% less CPU over searchbench's 11 section queries (189 -> 175 ms).
    """
    quoted = json.dumps(section, ensure_ascii=False)
    last = f", {quoted}]"
    params = {"section": section, "quoted": quoted, "first": f"[{quoted}", "last": last}
    test = (
        "instr(a.sections, :quoted) AND (instr(a.sections, :first) = 1 "
        f"OR substr(a.sections, {-len(last)}) = :last "
        "OR EXISTS (SELECT 1 FROM json_each(a.sections) WHERE value = :section))"
    )
    return test, params


def unknown_section(store: Store, section: str) -> list[str] | None:
    """The sections articles are listed in, when none is listed in `section` (a typo); None
    when one is, or when no article is listed anywhere.

    A known section is found by its first article: reading every article's array took 0.2 s
    a command on searchbench's 100,000 articles.
    """
    db = store.db
    test, params = _section_test(section)
    indexed = f" INDEXED BY {FILTER_INDEX}" if _has_index(db, FILTER_INDEX) else ""
    if db.execute(f"SELECT 1 FROM articles a{indexed} WHERE {test} LIMIT 1", params).fetchone():
        return None
    rows = db.execute(
        "SELECT DISTINCT j.value FROM "
        f"(SELECT DISTINCT sections FROM articles{indexed}) a, json_each(a.sections) j ORDER BY 1"
    )
    return [row[0] for row in rows] or None


def _has_index(db: sqlite_utils.Database, name: str) -> bool:
    """A store made before the index was added gets it on its next crawl; until then, without."""
    row = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", [name])
    return row.fetchone() is not None


def _ranked(
    db: sqlite_utils.Database,
    parsed: Query,
    join: str,
    filters: list[str],
    params: dict[str, Any],
) -> list[tuple[int, float]]:
    """The best `limit` of the newest `window` matches passing the filters: bm25, then newest
    first; scores turned so that higher is better.

    bm25 of a row depends on the index's statistics, not on which rows are selected, so it is
    computed in the same pass (lower is better, as FTS5 has it). The best are picked in SQL:
    fetching the whole window into Python to sort it cost 2-3 ms a query (searchbench).
    """
    weights = ", ".join(str(w) for w in WEIGHTS)
    where = " AND ".join([f"{FTS_TABLE} MATCH :match", *filters])
    rows = db.execute(
        f"SELECT id, score FROM (SELECT {ROWID} AS id, bm25({FTS_TABLE}, {weights}) AS score "
        f"FROM {FTS_TABLE} {join} WHERE {where} ORDER BY {ROWID} DESC LIMIT :window) "
        "ORDER BY score, id DESC LIMIT :limit",
        {**params, "match": parsed.match_expression()},
    ).fetchall()
    return [(rowid, -score) for rowid, score in rows]


def _hits(
    db: sqlite_utils.Database, parsed: Query, ranked: list[tuple[int, float]]
) -> list[SearchHit]:
    if not ranked:
        return []
    rows = {
        row["asset_id"]: row
        for row in db.query(
            "SELECT asset_id, title, url, published_at, sections, status, summary, body_text "
            "FROM articles WHERE asset_id IN (SELECT value FROM json_each(?))",
            [json.dumps([asset_id for asset_id, _ in ranked])],
        )
    }
    pattern = parsed.pattern()
    hits = []
    for asset_id, score in ranked:
        row = rows.get(asset_id)
        if row is None:
            logger.warning("search index has article %s that the articles table lacks", asset_id)
            continue
        text = "\n\n".join(part for part in (row["summary"], row["body_text"]) if part)
        hits.append(
            SearchHit(
                asset_id=asset_id,
                title=row["title"],
                url=row["url"],
                published_at=row["published_at"],
                sections=as_list(row["sections"]),
                status=row["status"],
                score=score,
                title_segments=highlight(row["title"], pattern),
                snippet=snippet(text, pattern),
            )
        )
    return hits
