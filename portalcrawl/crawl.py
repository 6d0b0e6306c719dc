"""`python -m portalcrawl.crawl`: one crawl in this process (the monitor runs it as a child).

Twisted's reactor cannot be restarted, so every crawl gets a fresh process.
Exit status: 0 the crawl finished, 1 it failed or was stopped, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import logging
import operator
import signal
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from portalcrawl import lifetime
from portalcrawl.site.profile import ProfileError, profile_sections

if TYPE_CHECKING:
    from scrapy.settings import Settings

logger = logging.getLogger(__name__)


_OTHER = object()  # a default that is not a bool or a number: any value goes
_ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}


@cache
def _defaults() -> dict[str, Any]:
    """Every setting the crawl knows and its default: Scrapy's, then ours.

    Scrapy's are read from its default_settings file, not imported: importing anything under
    scrapy imports all of it, and the monitor imports no Scrapy otherwise. Measured by
    benchmarks/settingsbench.py (fresh interpreter, best of 5, this 2-core machine under the
    team's load): 0.59 s this way against 1.36 s importing, 0.77 s off every `monitor run`.
    Only the types of bool and number defaults matter here; tests/test_crawl_settings.py holds
    them to Scrapy's.
    """
    spec = importlib.util.find_spec("scrapy")  # locates the package, does not import it
    assert spec is not None and spec.submodule_search_locations
    path = Path(spec.submodule_search_locations[0]) / "settings" / "default_settings.py"
    known: dict[str, Any] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        for target in targets:
            if isinstance(target, ast.Name) and target.id.isupper() and node.value is not None:
                known[target.id] = _literal(node.value)
    ours = importlib.import_module("portalcrawl.settings")
    known.update({k: getattr(ours, k) for k in dir(ours) if k.isupper()})
    return known


def _literal(node: ast.expr) -> Any:
    """A literal, or plain arithmetic on literal numbers ("1024 * 1024"); else _OTHER."""
    try:
        return ast.literal_eval(node)
    except ValueError:
        pass
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        left, right = _literal(node.left), _literal(node.right)
        if all(isinstance(x, int | float) and not isinstance(x, bool) for x in (left, right)):
            return _ARITHMETIC[type(node.op)](left, right)
    return _OTHER


def _as_bool(value: Any) -> bool:
    """Scrapy's Settings.getbool."""
    try:
        return bool(int(value))
    except ValueError:
        if value in {"True", "true", "False", "false"}:
            return value in {"True", "true"}
        raise


def check_setting(name: str, value: Any) -> None:
    """A setting the crawl knows, with a value of its type: a typo fails before any run starts."""
    known = _defaults()
    if name not in known:
        raise ValueError(f"unknown setting {name!r}")
    default = known[name]
    if isinstance(default, bool):
        convert, wanted = _as_bool, "true or false"
    elif isinstance(default, int | float):
        convert, wanted = float, "a number"  # Scrapy's Settings.getfloat
    else:
        return
    if value is None:  # Scrapy's getters read None as "use the default"
        return
    try:
        convert(value)
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
    if args.supervised_by is None:
        process.start()
    else:
        signal.signal(lifetime.STOP_SIGNAL, _stop_on_signal(process))
        process.start(install_signal_handlers=False)
    stats = crawler.stats.get_stats() if crawler.stats else {}
    finished = stats.get("finish_reason") == "finished"
    return 0 if finished and "portalcrawl/store_failure" not in stats else 1


if __name__ == "__main__":
    sys.exit(main())
