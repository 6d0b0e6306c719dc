"""Commands of the monitor CLI (registered by monitor.cli) over the WARC archive:
`archive verify`, `reextract` and `site`. The work is done in portalcrawl.archive and
monitor.site; these only parse options and print."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from monitor.cli.common import (
    db_option,
    echo,
    fail,
    get_config,
    open_store,
    parse_since,
    resolve_db,
)
from monitor.config import check_base_url, check_path
from monitor.notify.notices import alert
from portalcrawl.archive.warc import RecordProblem, read_response
from portalcrawl.site.profile import ProfileError, load_profile
from portalcrawl.store.crawlstate import utcnow

if TYPE_CHECKING:
    from portalcrawl.archive.reextract import Change


@click.group()
def archive() -> None:
    """The WARC archive of the pages behind every stored change."""


@archive.command()
@db_option
@click.pass_context
def verify(ctx: click.Context, db: str | None) -> None:
    """Read back every record a version or event names and check its payload digest.

    One line per missing or damaged record, and exit status 1 if there is any."""
    path = resolve_db(ctx, db)
    with open_store(path) as store:
        refs = list(store.referenced_records())
    base = Path(path).parent
    bad = 0
    for ref in refs:
        try:
            read_response(ref, base)
        except RecordProblem as exc:
            bad += 1
            click.echo(f"bad: {exc}")
    click.echo(f"{len(refs) - bad} of {len(refs)} archived records intact", err=bool(bad))
    if bad:
        raise SystemExit(1)


@click.command(name="reextract")
@db_option
@click.option("--profile", "profile_name", default=None, help="Site profile (name or TOML file).")
@click.option("--since", default=None, help="Only pages archived since: 2026-11-20, 24h, 7d.")
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@click.pass_context
def reextract_cmd(
    ctx: click.Context, db: str | None, profile_name: str | None, since: str | None, dry_run: bool
) -> None:
    """Read the archived pages again with today's extractor and profile (no HTTP request).

    Where the reading differs, a version marked re-extraction is recorded: no journalist is
    told, the operator gets one notice with the count."""
    from portalcrawl.archive.reextract import reextract  # Scrapy's response class: only here

    try:
        profile = load_profile(profile_name or get_config(ctx).profile)
    except ProfileError as exc:
        fail(str(exc))
    after = parse_since(since)

    def show(change: Change) -> None:
        verb = "would record" if dry_run else "recorded"
        fields = ", ".join(change.fields) or "-"
        echo(f"{verb} {change.asset_id} v{change.version} ({fields}): {change.title}")

    with open_store(resolve_db(ctx, db), readonly=dry_run) as store:
        report = reextract(store, profile, since=after, dry_run=dry_run, progress=show)
        changed = len(report.changes)
        if changed and not dry_run:
            alert(
                store,
                None,
                f"re-extraction at {utcnow()} ({profile.name}): {changed} of {report.pages} "
                "archived articles read differently, recorded as re-extraction versions",
                {"changed": changed, "pages": report.pages, "profile": profile.name},
            )
    for problem in report.problems:
        click.echo(f"problem: {problem}", err=True)
    would = "would change" if dry_run else "changed (versions marked re-extraction, no notice)"
    click.echo(
        f"reextract: {report.pages} archived pages read in {report.seconds:.1f} s "
        f"({report.pages_per_second:.0f} pages/s), 0 requests; {changed} articles {would}; "
        f"{report.held} held (fallback extractor), {len(report.problems)} problems"
    )


@click.command()
@db_option
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Site directory.")
@click.option("--base-url", default=None, help="Where the site is published (permalinks).")
@click.option("--full", is_flag=True, help="Render every page, not only what changed.")
@click.pass_context
def site(ctx: click.Context, db: str | None, out: str, base_url: str | None, full: bool) -> None:
    """Write the static site: recent changes, one page per article and per version, feeds.

    A second build rewrites only the pages the changes since the first one touch."""
    from monitor.site.build import build_site

    config = get_config(ctx)
    base = check_base_url(base_url) if base_url else config.site.base_url
    path = resolve_db(ctx, db)
    target = Path(check_path(out, "--out", "site")).resolve()  # "": the working directory
    if Path(path).resolve().parent == target or target in Path(path).resolve().parents:
        fail(f"--out {out} holds the store: give the site a directory of its own")
    try:
        sections = [(s.path, s.name) for s in load_profile(config.profile).sections]
    except ProfileError as exc:
        fail(str(exc))
    with open_store(path) as store:
        report = build_site(store, target, sections=sections, base_url=base, full=full)
    how = "full build" if report.full else "incremental"
    click.echo(
        f"site {out}: {report.articles} articles rendered, {report.written} files written "
        f"({how}) in {report.seconds:.1f} s"
    )


commands: list[click.Command] = [archive, reextract_cmd, site]
