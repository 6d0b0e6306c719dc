"""`python -m portalcrawl.crawl`: one crawl in this process (the monitor runs it as a child).

Twisted's reactor cannot be restarted, so every crawl gets a fresh process.
Exit status: 0 the crawl finished, 1 it failed or was stopped, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from portalcrawl import reader
from portalcrawl.profile import ProfileError, load_profile

logger = logging.getLogger(__name__)


def check_setting(name: str, value: Any) -> None:
    """A setting the crawl knows, with a value of its type: a typo fails before any run starts."""
    known = Settings()
    known.setmodule("portalcrawl.settings")
    if name not in known:
        raise ValueError(f"unknown setting {name!r}")
    default = known[name]
    if isinstance(default, bool):
        getter, wanted = "getbool", "true or false"
    elif isinstance(default, int | float):
        getter, wanted = "getfloat", "a number"
    else:
        return
    try:
        getattr(Settings({name: value}), getter)(name)
    except (TypeError, ValueError):
        raise ValueError(f"bad value {value!r} for {name}: expected {wanted}") from None


def parse_set(values: list[str]) -> dict[str, str]:
    """NAME=VALUE pairs, as `scrapy crawl -s` takes them, each checked by check_setting."""
    out: dict[str, str] = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name.strip() or not name.strip().replace("_", "").isalnum():
            raise ValueError(f"bad --set {value!r}: expected NAME=VALUE")
        try:
            check_setting(name.strip(), setting)
        except ValueError as exc:
            raise ValueError(f"bad --set {value!r}: {exc}") from None
        out[name.strip()] = setting
    return out


def build_settings(args: argparse.Namespace) -> Settings:
    settings = Settings()
    settings.setmodule("portalcrawl.settings", priority="project")
    overrides: dict[str, Any] = {
        "PORTALCRAWL_DB": args.db,
        "PORTALCRAWL_URL": args.portal_url.rstrip("/"),
        "PORTALCRAWL_FULL": args.full,
        "PORTALCRAWL_RUN_ID": args.run_id or 0,
        "PORTALCRAWL_PROGRESS": args.progress,
    }
    if args.section:
        overrides["PORTALCRAWL_SECTIONS"] = args.section
    if args.profile:
        overrides["PORTALCRAWL_PROFILE"] = args.profile
    if args.revisit_hours is not None:
        overrides["PORTALCRAWL_REVISIT_HOURS"] = args.revisit_hours
    if args.log_file:
        overrides["LOG_FILE"] = args.log_file
    settings.setdict(overrides, priority="cmdline")
    settings.setdict(parse_set(args.set), priority="cmdline")
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portalcrawl.crawl", description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--portal-url", required=True)
    parser.add_argument("--run-id", type=int)
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--section", action="append", default=[])
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--profile")
    parser.add_argument("--revisit-hours", type=float)
    parser.add_argument("--log-file")
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args(argv)
    try:
        settings = build_settings(args)
        profile = load_profile(settings.get("PORTALCRAWL_PROFILE"))
        for section in args.section:
            profile.section(section)
    except (ValueError, ProfileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if settings.getbool("PORTALCRAWL_READER_PROCESS"):  # forked now: one thread, no store open
        reader.start_helper(profile, settings.get("PORTALCRAWL_URL").rstrip("/"))
    try:
        process = CrawlerProcess(settings, install_root_handler=True)
        crawler = process.create_crawler("portal")
        process.crawl(crawler)
        process.start()
    finally:
        reader.stop_helper()
    reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
    return 0 if reason == "finished" else 1


if __name__ == "__main__":
    sys.exit(main())
