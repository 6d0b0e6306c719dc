"""`python -m portalcrawl.crawl`: one crawl in this process (the monitor runs it as a child).

Twisted's reactor cannot be restarted, so every crawl gets a fresh process.
Exit status: 0 the crawl finished, 1 it failed or was stopped, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from typing import TYPE_CHECKING, Any

from portalcrawl import lifetime
from portalcrawl.settingscheck import RULES, check_settings, parse_set
from portalcrawl.site.profile import ProfileError, profile_sections

if TYPE_CHECKING:
    from scrapy.settings import Settings

logger = logging.getLogger(__name__)


# Scrapy components that a setting switches off, and that switch: when off, they are left out of
# Scrapy's base lists, which otherwise import them (aiohttp and tldextract: 0.15 s a crawl).
SWITCHED_OFF = (
    ("EXTENSIONS_BASE", "scrapy.extensions.remote_control.RemoteControl", "REMOTE_CONTROL_ENABLED"),
    ("EXTENSIONS_BASE", "scrapy.extensions.telnet.TelnetConsole", "TELNETCONSOLE_ENABLED"),
    (
        "DOWNLOADER_MIDDLEWARES_BASE",
        "scrapy.downloadermiddlewares.cookies.CookiesMiddleware",
        "COOKIES_ENABLED",
    ),
)


def _leave_out_switched_off(settings: Settings) -> None:
    for base, component, switch in SWITCHED_OFF:
        if not settings.getbool(switch):
            kept = {k: v for k, v in settings.getdict(base).items() if k != component}
            settings.set(base, kept, priority="cmdline")


def build_settings(args: argparse.Namespace) -> Settings:
    from scrapy.settings import Settings

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
    check_settings({name: settings.get(name) for name in RULES})  # what the monitor checked
    _leave_out_switched_off(settings)
    return settings


def _stop_on_signal(process: Any) -> Any:
    """Scrapy's own stop (graceful, then at once on a second signal), on the monitor's signal
    only: Scrapy would hand SIGINT/SIGTERM its handlers again, so they are ignored again."""

    def stop(signum: int, frame: Any) -> None:
        process._signal_shutdown(signum, frame)
        lifetime.ignore_outside_signals()
        signal.signal(lifetime.STOP_SIGNAL, process._signal_kill)

    return stop


def _close_at_time_limit(crawler: Any) -> Any:
    """The monitor's time limit: the crawl closes as at its own budget, and its run's end
    (portalcrawl/runlife.py) says the run failed there; a crawl already closing keeps its
    reason."""

    def close(signum: int, frame: Any) -> None:
        from scrapy.utils.defer import deferred_from_coro
        from twisted.internet import reactor

        reactor.callFromThread(
            lambda: deferred_from_coro(crawler.engine.close_spider_async(reason="time_limit"))
        )

    return close


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
    parser.add_argument(
        "--supervised-by",
        type=int,
        metavar="PID",
        help="the monitor's pid: stop only on its signal or its death (portalcrawl/lifetime.py)",
    )
    args = parser.parse_args(argv)
    if args.supervised_by is not None:
        lifetime.ignore_outside_signals()
        if not lifetime.die_with_parent(signal.SIGKILL, args.supervised_by):
            print("error: the monitor that started this crawl is gone", file=sys.stderr)
            return 1
    try:
        settings = build_settings(args)
        profile_sections(settings.get("PORTALCRAWL_PROFILE"), args.section)  # checked up front
    except (ValueError, ProfileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from scrapy.crawler import CrawlerProcess

    process = CrawlerProcess(settings)  # the spider starts its page reader's helper process
    crawler = process.create_crawler("portal")
    process.crawl(crawler)
    # Scrapy leaves the root logger open to every level and drops what is under LOG_LEVEL at
    # its handler, after the record is made (two debug records a page: crawled, scraped). At
    # LOG_LEVEL here, such records are not made: 6.5 -> 0.3 µs each, 25 ms a 2,000-article crawl.
    logging.root.setLevel(settings.get("LOG_LEVEL"))
    if args.supervised_by is None:
        process.start()
    else:
        signal.signal(lifetime.STOP_SIGNAL, _stop_on_signal(process))
        signal.signal(lifetime.TIME_UP_SIGNAL, _close_at_time_limit(crawler))
        process.start(install_signal_handlers=False)
    stats = crawler.stats.get_stats() if crawler.stats else {}
    finished = stats.get("finish_reason") == "finished"
    return 0 if finished and "portalcrawl/store_failure" not in stats else 1


if __name__ == "__main__":
    sys.exit(main())
