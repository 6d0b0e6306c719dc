"""Commands of the monitor CLI (registered by monitor.cli) over the WARC archive:
`archive verify`, `reextract` and `site`. The work is done in portalcrawl.archive and
monitor.site; these only parse options and print."""

from __future__ import annotations

from pathlib import Path

import click

from monitor.cli.common import db_option, open_store, resolve_db
from portalcrawl.archive.warc import RecordProblem, read_response


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


commands: list[click.Command] = [archive]
