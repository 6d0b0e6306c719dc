"""`profile discover` and `profile check`: fit the crawler to a portal, and see that it fits."""

from __future__ import annotations

from pathlib import Path

import click

from monitor.cli.common import Seconds, echo, echo_json, fail, get_config
from monitor.config import ConfigError, check_portal_url
from portalcrawl.site.check import as_json, check_profile, report_text
from portalcrawl.site.discover import NothingFound, discover
from portalcrawl.site.fetch import PoliteFetcher
from portalcrawl.site.profile import ProfileError, load_profile
from portalcrawl.site.profilewriter import summary, to_toml


@click.group()
def profile() -> None:
    """Write a site profile for a portal, or check one against it."""


def _base(url: str) -> str:
    try:
        checked = check_portal_url(url)
    except ConfigError as exc:
        fail(str(exc))
    return checked.rstrip("/")


@profile.command("discover")
@click.argument("url")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Profile to write.")
@click.option(
    "--delay",
    default=1.0,
    show_default=True,
    type=Seconds(0, 60),
    help="Seconds between requests (robots.txt's Crawl-delay when longer).",
)
@click.option("--budget", default=40, show_default=True, type=click.IntRange(5, 200))
def discover_cmd(url: str, out: str, delay: float, budget: int) -> None:
    """Find the sections, listings, routes and article selectors from the home page URL."""
    start = _base(url)
    parts = start.split("/", 3)
    base = "/".join(parts[:3])
    fetcher = PoliteFetcher(base, delay=delay, budget=budget)
    try:
        found = discover(start + "/" if len(parts) < 4 else start, fetcher)
    except NothingFound as exc:
        fail(str(exc))
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(to_toml(found), encoding="utf-8")
    try:
        load_profile(str(target))
    except ProfileError as exc:  # what we wrote must load: say so rather than leave it broken
        fail(f"the discovered profile does not load: {exc}")
    echo(summary(found, str(target)))


@profile.command("check")
@click.option("--profile", "profile_path", default=None, help="Profile file (default: config's).")
@click.option("--portal-url", default=None, help="Portal to check (default: the config's).")
@click.option("--sample", default=3, show_default=True, type=click.IntRange(1, 50))
@click.option("--delay", default=1.0, show_default=True, type=Seconds(0, 60))
@click.option("--json", "as_json_", is_flag=True, help="One JSON object.")
@click.pass_context
def check_cmd(
    ctx: click.Context,
    profile_path: str | None,
    portal_url: str | None,
    sample: int,
    delay: float,
    as_json_: bool,
) -> None:
    """Read N articles per section with the profile; name the rule that found each field."""
    config = get_config(ctx)
    try:
        site = load_profile(profile_path or config.profile)
    except ProfileError as exc:
        fail(str(exc))
    base = _base(portal_url or (config.portal_url if not profile_path else site.base_url))
    budget = len(site.sections) * (sample + 1) + 2
    checks = check_profile(site, base, PoliteFetcher(base, delay=delay, budget=budget), sample)
    ok = all(c.ok for c in checks)
    if as_json_:
        echo_json(as_json(checks))
    else:
        echo(report_text(checks, site))  # what live pages printed: shown neutralised
    if not ok:
        failed = [c.path for c in checks if not c.ok]
        fail(f"{len(failed)} section(s) yield no usable article: {', '.join(failed)}")


commands: list[click.Command] = [profile]
