"""Commands of the monitor CLI (registered by monitor.cli): search, history, export, feed and
datasette-metadata. They only read the store; the work is done in the library modules."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import click

from monitor.cli.common import (
    BOLD,
    db_option,
    echo,
    echo_json,
    fail,
    is_tty,
    open_store,
    parse_since,
    portal_minute,
    resolve_db,
)
from monitor.config import KINDS
from monitor.data import export as export_mod
from monitor.data import feed as feed_mod
from monitor.data import history as history_mod
from monitor.data import search as search_mod
from monitor.data import snippets
from monitor.data.datasette import database_name, write_metadata
from portalcrawl.output import STDOUT, OutputError, check_output
from portalcrawl.store.database import Store

REMOVED_MARK = "[removed]"


class _OneLine:
    """Mixin for click types: a bad value is a one-line error, not a usage message."""

    def fail(
        self, message: str, param: click.Parameter | None = None, ctx: click.Context | None = None
    ) -> NoReturn:
        name = param.opts[0] if param is not None and param.opts else "value"
        fail(f"bad {name}: {message}")


class Choice(_OneLine, click.Choice):
    pass


class Count(_OneLine, click.IntRange):
    pass


@contextmanager
def _reading(ctx: click.Context, db: str | None) -> Iterator[Store]:
    """The store opened read-only; database and file errors become one-line errors."""
    store = open_store(resolve_db(ctx, db))
    try:
        yield store
    except sqlite3.Error as exc:
        fail(f"database: {exc}")
    except OutputError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
    finally:
        store.close()


def _check_section(store: Store, section: str | None) -> None:
    """A section no article was ever listed in is a typo, not an empty result."""
    if section is None:
        return
    known = search_mod.unknown_section(store, section)
    if known:
        fail(f"unknown section {section!r} (known: {', '.join(known)})")


def _out_required(out: str | None) -> str:
    """--out, checked before the store is opened (portalcrawl.output: never over a store)."""
    if not out:
        fail("--out FILE is required ('-' for standard output)")
    if out != STDOUT:
        try:
            check_output(out)
        except OutputError as exc:
            fail(str(exc))
    return out


# -- search ----------------------------------------------------------------------------------


@click.command("search")
@click.argument("query", nargs=-1, required=True)
@db_option
@click.option("--section", help="Only articles listed in this section path.")
@click.option("--since", help="Only articles published since (2026-11-20, 24h, 7d, today).")
@click.option(
    "--limit", type=Count(1, 1000), default=20, show_default=True, help="Most results shown."
)
@click.option(
    "--all",
    "include_removed",
    is_flag=True,
    help="Include articles removed from the portal (marked [removed]).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per result line.")
@click.pass_context
def search_cmd(
    ctx: click.Context,
    query: tuple[str, ...],
    db: str | None,
    section: str | None,
    since: str | None,
    limit: int,
    include_removed: bool,
    as_json: bool,
) -> None:
    """Find articles by words, accents and case ignored ("dang vien" finds "Đảng viên").

    Best matches first (title counts more than summary, summary more than body). Removed
    articles are left out unless --all is given.
    """
    moment = parse_since(since)
    with _reading(ctx, db) as store:
        _check_section(store, section)
        try:
            hits = search_mod.search(
                store,
                " ".join(query),
                section=section,
                since=moment,
                limit=limit,
                include_removed=include_removed,
            )
        except search_mod.SearchError as exc:
            fail(str(exc))
    if as_json:
        for hit in hits:
            echo_json(hit.to_json())
        return
    if not hits:
        click.echo("no matching articles", err=True)
        return
    tty = is_tty()
    marks = snippets.ANSI_MARKS if tty else snippets.PLAIN_MARKS
    for number, hit in enumerate(hits, 1):
        if tty:  # bold title; a match's reset must not end the bold
            title_marks = (marks[0], marks[1] + BOLD[0])
            title = BOLD[0] + snippets.render_segments(hit.title_segments, title_marks) + BOLD[1]
        else:
            title = snippets.render_segments(hit.title_segments, marks)
        removed = f"  {REMOVED_MARK}" if hit.status == "removed" else ""
        echo(f"{number:>2}. {title}{removed}")
        when = portal_minute(hit.published_at, "undated")
        echo(f"    {when} · {', '.join(hit.sections) or '-'} · {hit.url}")
        text = snippets.render_segments(hit.snippet, marks)
        if text:
            echo(f"    {text}")


# -- history ---------------------------------------------------------------------------------


@click.command("history")
@click.argument("article")
@db_option
@click.option("--json", "as_json", is_flag=True, help="The whole history as one JSON object.")
@click.pass_context
def history_cmd(ctx: click.Context, article: str, db: str | None, as_json: bool) -> None:
    """Every stored version of an article (URL or asset id) with word diffs between them."""
    with _reading(ctx, db) as store:
        try:
            asset_id = history_mod.resolve_article(store, article)
            history = history_mod.article_history(store, asset_id)
        except history_mod.ArticleNotFound as exc:
            fail(str(exc))
    if as_json:
        echo_json(history.to_json())
    else:
        echo(history_mod.render_history(history, ansi=is_tty()))


# -- export ----------------------------------------------------------------------------------


@click.command("export")
@db_option
@click.option(
    "--format",
    "fmt",
    type=Choice(export_mod.FORMATS),
    help="csv (UTF-8 with BOM, for Excel) or jsonl (JSON arrays kept).",
)
@click.option("--out", help="Output file, replaced only when complete; '-' for stdout.")
@click.option("--since", help="Only articles published since (2026-11-01, 7d, ...).")
@click.option("--section", help="Only articles listed in this section path.")
@click.option("--no-html", "no_html", is_flag=True, help="Leave out body_html (smaller files).")
@click.pass_context
def export_cmd(
    ctx: click.Context,
    db: str | None,
    fmt: str | None,
    out: str | None,
    since: str | None,
    section: str | None,
    no_html: bool,
) -> None:
    """One row per article, every public column, for spreadsheets and data tools."""
    if not fmt:
        fail("--format is required: csv or jsonl")
    target = _out_required(out)
    moment = parse_since(since)
    with _reading(ctx, db) as store:
        _check_section(store, section)
        count = export_mod.export_articles(
            store,
            fmt,
            target,
            since=moment,
            section=section,
            include_html=not no_html,
            on_terminal=target == export_mod.STDOUT and is_tty(),
        )
    if target != export_mod.STDOUT:
        click.echo(f"exported {count} articles to {target}", err=True)


# -- feed ------------------------------------------------------------------------------------


@click.command("feed")
@db_option
@click.option("--out", help="Atom file to write (replaced only when complete); '-' for stdout.")
@click.option("--kind", type=Choice(KINDS), help="Only notices of this kind.")
@click.option(
    "--limit",
    type=Count(1, 1000),
    default=50,
    show_default=True,
    help="Most recent notices included.",
)
@click.option("--self-url", help="Public URL the feed will be served at (rel=self link).")
@click.pass_context
def feed_cmd(
    ctx: click.Context,
    db: str | None,
    out: str | None,
    kind: str | None,
    limit: int,
    self_url: str | None,
) -> None:
    """An Atom 1.0 feed of the newest notices, newest first, for feed readers."""
    target = _out_required(out)
    with _reading(ctx, db) as store:
        count = feed_mod.write_feed(store, target, kind=kind, limit=limit, self_url=self_url)
    if target != export_mod.STDOUT:
        click.echo(f"wrote {count} entries to {target}", err=True)


# -- datasette-metadata ----------------------------------------------------------------------


@click.command("datasette-metadata")
@db_option
@click.option("--out", default="-", show_default=True, help="metadata.json to write.")
@click.pass_context
def datasette_metadata_cmd(ctx: click.Context, db: str | None, out: str) -> None:
    """Datasette metadata (tables, columns, facets) from the schema: `datasette DB -m FILE`."""
    try:
        write_metadata(_out_required(out), database_name(resolve_db(ctx, db)))
    except OutputError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))


@click.command("reindex")
@db_option
@click.pass_context
def reindex_cmd(ctx: click.Context, db: str | None) -> None:
    """Rebuild the search index, after an outside tool (e.g. `sqlite-utils transform`) rewrote
    the articles table."""
    with open_store(resolve_db(ctx, db), readonly=False) as store:
        click.echo(f"indexed {store.rebuild_search_index()} articles")


commands: list[Any] = [
    search_cmd,
    history_cmd,
    export_cmd,
    feed_cmd,
    datasette_metadata_cmd,
    reindex_cmd,
]
