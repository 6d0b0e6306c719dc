"""Commands that crawl: `run` (one monitor cycle) and `demo` (the same against the local copy)."""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlsplit

import click

from monitor.cli.common import db_option, echo, echo_json, fail, get_config, is_tty, store_path
from monitor.config import Config, ConfigError, check_portal_url
from monitor.runner import SUCCEEDED, RunOutcome, run_cycle
from portalcrawl.store.crawlstate import utcnow
from portalcrawl.store.database import Store, StoreError, busy_timeout
from portalcrawl.store.readonly import connect_readonly
from portalcrawl.store.runs import portal_urls

DEMO_MARK = "demo"  # the meta key of a store the demo made (schema.py)
LOCAL_COPY_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "CONCURRENT_REQUESTS": "8",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "RETRY_BACKOFF_BASE": "0.2",
}


def _show_progress(line: str) -> None:
    sys.stderr.write("\r\x1b[K" + line)
    sys.stderr.flush()


def _cycle(config: Config, **kwargs: object) -> RunOutcome:
    progress = is_tty(sys.stderr)
    try:
        outcome = run_cycle(config, progress=progress, show=_show_progress, **kwargs)
    except (ConfigError, StoreError) as exc:
        fail(str(exc))
    if progress:
        sys.stderr.write("\r\x1b[K")
    return outcome


@click.command()
@click.option(
    "--portal-url",
    help="Portal to crawl (default: config, $PORTALCRAWL_URL, or https://dongthap.gov.vn).",
)
@click.option(
    "--profile",
    "profile",
    type=click.Path(dir_okay=False),
    help="Site profile file (default: config's [portal] profile, else the shipped one).",
)
@db_option
@click.option(
    "--section",
    "sections",
    multiple=True,
    metavar="PATH",
    help="Only this section (repeatable), e.g. thong-cao-bao-chi.",
)
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="Scrapy setting for this run (repeatable), as `scrapy crawl -s`.",
)
@click.option("--full", is_flag=True, help="Re-fetch every article (finds edits to old ones).")
@click.option(
    "--notify",
    multiple=True,
    metavar="URL",
    help="Extra channel for this run: an Apprise URL or jsonl://FILE (repeatable).",
)
@click.option(
    "--max-requests",
    type=click.IntRange(min=1),
    metavar="N",
    help="Request budget of this run (default: config [crawl] max_requests); at it the run "
    "ends as partial and the next run resumes.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as one JSON object.")
@click.pass_context
def run(
    ctx: click.Context,
    portal_url: str | None,
    profile: str | None,
    db: str | None,
    sections: tuple[str, ...],
    settings: tuple[str, ...],
    full: bool,
    notify: tuple[str, ...],
    max_requests: int | None,
    as_json: bool,
) -> None:
    """Crawl once, record versions, announce new, edited and removed posts."""
    config = get_config(ctx)
    try:
        if portal_url:
            config.portal_url = check_portal_url(portal_url)
    except ConfigError as exc:
        fail(str(exc))
    if profile:
        config.profile = str(Path(profile).resolve()) if Path(profile).suffix else profile
    if db is not None:
        config.db = db
    if max_requests:
        config.max_requests = max_requests
    outcome = _cycle(
        config, full=full, sections=list(sections), notify=list(notify), settings=list(settings)
    )
    if as_json:
        echo_json(asdict(outcome))
    elif outcome.status in SUCCEEDED:
        echo(outcome.message)
    if outcome.status not in SUCCEEDED:
        fail(outcome.message)


@click.command()
@click.option(
    "--db",
    default="data/demo.sqlite3",
    show_default=True,
    type=click.Path(dir_okay=False),
    callback=store_path,
    help="Store for the demo (recreated).",
)
@click.option(
    "--articles",
    default=300,
    show_default=True,
    type=click.IntRange(10, 20000),
    help="Articles in the local copy.",
)
@click.option(
    "--variant",
    default="default",
    show_default=True,
    type=click.Choice(["default", "liferay74", "liferay73", "custom-route"]),
    help="Which portal the local copy renders; other than default, it is discovered first.",
)
@click.pass_context
def demo(ctx: click.Context, db: str, articles: int, variant: str) -> None:
    """Serve the local copy of the portal, crawl it, change it, crawl again: all offline."""
    from monitor.localportal import PortalServer, build_corpus

    path = Path(db)
    _fresh_demo_store(path)
    corpus = build_corpus(n=articles)
    with PortalServer(corpus, variant=variant) as server:
        config = Config(portal_url=server.base_url, db=str(path), settings=LOCAL_COPY_SETTINGS)
        click.echo(f"local copy of the portal at {server.base_url} ({articles} articles)")
        if variant != "default":
            config.profile = _discovered(server.base_url, path)
        first = _cycle(config)
        click.echo(first.message)
        _per_section(config.db)
        changed = corpus.demo_changes()
        click.echo(f"\nchanged the portal: {changed}")
        second = _cycle(config)
        click.echo(second.message)
    from monitor.cli.ops import notices

    click.echo("\nnotices of the second run:")
    ctx.invoke(notices, db=str(path), kind=None, since=None, as_json=False)
    click.echo(f"\nstore: {path}  (try: python -m monitor search 'uy ban' --db {path})")


def _is_demo_store(path: Path) -> bool:
    """Whether the store at `path` is one the demo made (its meta key), read without writing."""
    try:
        conn, _ = connect_readonly(path, busy_timeout(), untouched=True)
    except sqlite3.Error:
        return False
    try:
        if conn.execute("SELECT 1 FROM meta WHERE key = ?", [DEMO_MARK]).fetchone():
            return True
        # The demo store of a release before the mark: it holds no run of a real portal,
        # only runs of the local copy (on loopback).
        urls = portal_urls(conn)
        return bool(urls) and all(_on_loopback(u) for u in urls)
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def _on_loopback(url: str | None) -> bool:
    try:
        host = urlsplit(url or "").hostname or ""
    except ValueError:
        return False
    return host == "localhost" or host.startswith("127.") or host == "::1"


def _fresh_demo_store(path: Path) -> None:
    """The demo recreates its own store, and only its own: whatever else is at the path (a
    store of real runs, any other file) is refused and left as it is."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        fail(f"--db {path} is not a regular file: the demo will not replace it")
    if path.exists():
        if not _is_demo_store(path):
            fail(
                f"--db {path} is not a store the demo made: the demo recreates its store on "
                "each run, give it a path of its own"
            )
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    with Store(path) as store, store.atomic():
        store.db.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", [DEMO_MARK, utcnow()]
        )


def _discovered(base: str, store: Path) -> str:
    """The demo's variant is crawled with the profile `profile discover` writes for it."""
    from portalcrawl.site.discover import discover
    from portalcrawl.site.fetch import PoliteFetcher
    from portalcrawl.site.profilewriter import summary, to_toml

    found = discover(base + "/", PoliteFetcher(base, delay=0))
    target = store.with_suffix(".profile.toml")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(to_toml(found), encoding="utf-8")
    click.echo(summary(found, str(target)))
    return str(target.resolve())


def _per_section(db: str) -> None:
    with Store(db, readonly=True, untouched=True) as store:
        for section, count in sorted(store.section_counts().items()):
            click.echo(f"  {section:<24} {count:>5} articles")


commands = [run, demo]
