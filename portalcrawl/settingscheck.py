"""One check per crawl setting, run by the crawl on its final settings and by the monitor on
every value it will pass, before anything starts.

A value the monitor accepts must not fail the crawl: both call `check_setting`, which converts
a value as the crawl's own getter will (Scrapy's `getint` is `int(value)`, so "1e9" and "1.5"
fail it; `getfloat` is `float(value)`, so "nan" passes it) and then holds it to a range in which
the crawl works. Names without a rule of their own get the check their default's type implies.
No Scrapy import: the monitor imports none (see `_defaults`).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import logging
import math
import operator
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

_OTHER = object()  # a default that is not a bool or a number: any value goes
_ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}
HOUR, DAY = 3600.0, 86400.0
MAX_INT64 = 2**63 - 1  # SQLite's INTEGER
# About 114 years: a longer look back from now would reach before year 1.
MAX_HOURS = 1_000_000


class SettingError(ValueError):
    """A setting the crawl does not know, or a value it cannot run with, said in one line."""


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


def as_bool(value: Any) -> bool:
    """Scrapy's Settings.getbool."""
    try:
        return bool(int(value))
    except ValueError:
        if value in {"True", "true", "False", "false"}:
            return value in {"True", "true"}
        raise


@dataclass(frozen=True)
class Number:
    """A number the crawl reads with getint (`integer`) or getfloat, finite, in [low, high]
    (`above`: strictly above low)."""

    low: float = 0
    high: float = MAX_INT64
    integer: bool = False
    above: bool = False

    def wanted(self) -> str:
        kind = "a whole number" if self.integer else "a number"
        low = f"above {self.low:g}" if self.above else f"from {self.low:g}"
        return f"{kind} {low} to {self.high:g}"

    def __call__(self, value: Any) -> float:
        if isinstance(value, bool):
            raise ValueError
        if self.integer and isinstance(value, float) and not value.is_integer():
            raise ValueError
        number = int(value) if self.integer else float(value)
        if not math.isfinite(number) or number > self.high:
            raise ValueError
        if number < self.low or (self.above and number == self.low):
            raise ValueError
        return number


def log_level(value: Any) -> Any:
    """LOG_LEVEL as logging's setLevel takes it: a level name in capitals, or a number."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if value not in logging.getLevelNamesMapping():
        raise ValueError
    return value


def text_line(value: Any) -> str:
    """A non-empty string without control characters (a header value, a path)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in value):
        raise ValueError
    return value


def status_codes(value: Any) -> list[int]:
    """RETRY_HTTP_CODES as getlist reads it ("500,503" or a list), each a status code."""
    items = value.split(",") if isinstance(value, str) else list(value)
    codes = [Number(100, 599, integer=True)(item) for item in items]
    return [int(code) for code in codes]


def switched_off(value: Any) -> bool:
    """REMOTE_CONTROL_ENABLED, TELNETCONSOLE_ENABLED: each listens on a port and runs what it
    is sent, so a crawl keeps them off."""
    if as_bool(value):
        raise ValueError
    return False


def mapping(value: Any) -> dict:
    """A dict setting (ITEM_PIPELINES...) as Scrapy reads it: a dict, or a JSON object."""
    read = json.loads(value) if isinstance(value, str) else value
    if not isinstance(read, dict):
        raise ValueError
    return read


def check_url(url: str) -> str:
    """An http(s) URL with a host and a valid port, without credentials (they would show in
    errors, `status`, the store and the log): the portal's address, rstripped of '/'."""
    text = str(url).strip()
    try:
        parts = urlsplit(text)
    except ValueError:  # "http://[::1": an unclosed IPv6 address
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingError(f"bad portal URL {url!r}: expected http(s)://host[:port]")
    if "@" in parts.netloc:
        shown = f"{parts.scheme}://****@{parts.netloc.rpartition('@')[2]}"
        raise SettingError(f"bad portal URL {shown}: credentials (user:password@) are not accepted")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise SettingError(f"bad portal URL {url!r}: bad port") from None
    return text.rstrip("/")


def _url(value: Any) -> str:
    try:
        return check_url(value)
    except SettingError:
        raise ValueError from None


_WANTED: dict[Callable[[Any], Any], str] = {
    log_level: f"one of {', '.join(logging.getLevelNamesMapping())}",
    text_line: "non-empty text without control characters",
    status_codes: "HTTP status codes (500,503)",
    _url: "http(s)://host[:port] without credentials",
    as_bool: "true or false",
    mapping: 'a JSON object ({"name": 100})',
    switched_off: "false (it would listen on a port and run what it is sent)",
}
_SECONDS, _COUNT = Number(0, DAY), Number(0, MAX_INT64, integer=True)
BUSY_TIMEOUT, BUSY_TIMEOUT_ENV, _BUSY_RULE = 30.0, "PORTALCRAWL_BUSY_TIMEOUT", Number(0, DAY)
_CONCURRENCY = Number(1, 1000, integer=True)
# The settings a crawl reads whose default type says too little: Scrapy reads int defaults with
# getint except these, and a nan, a negative or an astronomically large value breaks a crawl.
RULES: dict[str, Callable[[Any], Any]] = {
    "PORTALCRAWL_URL": _url,
    "PORTALCRAWL_DB": text_line,
    "PORTALCRAWL_REVISIT_HOURS": Number(0, MAX_HOURS),
    "PORTALCRAWL_PAGE_SIZE": Number(0, 1000, integer=True),
    "PORTALCRAWL_RUN_ID": _COUNT,
    "PORTALCRAWL_COMMIT_SECONDS": Number(0, HOUR, above=True),
    "PORTALCRAWL_ARCHIVE_MAX_MB": Number(0, 1024 * 1024, above=True),
    "PORTALCRAWL_MAX_REQUESTS": _COUNT,
    "PORTALCRAWL_TIME_BUDGET": Number(0, 366 * DAY),
    "PORTALCRAWL_RETRY_AFTER_MAX": Number(0, 7 * DAY),
    "PORTALCRAWL_MAINTENANCE_BURST": Number(1, 1000, integer=True),
    "PORTALCRAWL_AUDIT_CYCLE_HOURS": Number(0, MAX_HOURS),  # 0: no rolling audit
    "PORTALCRAWL_REMOVAL_CONFIRM_MINUTES": Number(0, 60 * 24 * 366),
    "USER_AGENT": text_line,
    "REMOTE_CONTROL_ENABLED": switched_off,
    "TELNETCONSOLE_ENABLED": switched_off,
    "LOG_LEVEL": log_level,
    "CONCURRENT_REQUESTS": _CONCURRENCY,
    "CONCURRENT_REQUESTS_PER_DOMAIN": _CONCURRENCY,
    "CONCURRENT_ITEMS": _CONCURRENCY,
    "DOWNLOAD_DELAY": Number(0, HOUR),
    "DOWNLOAD_DELAY_JITTER": Number(0, 1),
    "DOWNLOAD_TIMEOUT": Number(0, DAY, above=True),
    "DNS_TIMEOUT": Number(0, HOUR, above=True),
    "DOWNLOAD_MAXSIZE": _COUNT,
    "DOWNLOAD_WARNSIZE": _COUNT,
    "AUTOTHROTTLE_START_DELAY": Number(0, HOUR),
    "AUTOTHROTTLE_MAX_DELAY": _SECONDS,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": Number(0, 1000, above=True),
    "RETRY_TIMES": Number(0, 100, integer=True),
    "RETRY_HTTP_CODES": status_codes,
    "RETRY_BACKOFF_BASE": Number(0, HOUR),
    "RETRY_BACKOFF_MAX": _SECONDS,
    "REDIRECT_MAX_TIMES": Number(0, 100, integer=True),
    "CLOSESPIDER_TIMEOUT": Number(0, 366 * DAY),
    "REACTOR_THREADPOOL_MAXSIZE": _CONCURRENCY,
}


def rule_for(name: str) -> Callable[[Any], Any] | None:
    """The check of a known setting: its own rule, else its default's type's; None: any value."""
    known = _defaults()
    if name not in known:
        raise SettingError(f"unknown setting {name!r}")
    if name in RULES:
        return RULES[name]
    default = known[name]
    if isinstance(default, bool):
        return as_bool
    if isinstance(default, int):  # priorities and adjustments may be negative
        return Number(-MAX_INT64, MAX_INT64, integer=True)
    if isinstance(default, float):
        return Number(0 if default >= 0 else -math.inf)
    return mapping if isinstance(default, dict) else None


def check_setting(name: str, value: Any) -> None:
    """A setting the crawl knows, with a value it can run with: a typo or a value out of range
    fails before any run starts (the monitor) or before the crawl starts (the crawl)."""
    rule = rule_for(name)
    if rule is None or value is None:  # Scrapy's getters read None as "use the default"
        return
    try:
        rule(value)
    except (TypeError, ValueError, OverflowError):
        wanted = rule.wanted() if isinstance(rule, Number) else _WANTED[rule]
        raise SettingError(f"bad value {value!r} for {name}: expected {wanted}") from None


def check_settings(values: Mapping[str, Any]) -> None:
    """Every setting of `values` (the crawl's final settings, or what the monitor passes)."""
    for name, value in values.items():
        check_setting(name, value)


def busy_timeout() -> float:
    """Seconds a store write waits for another process's lock: $PORTALCRAWL_BUSY_TIMEOUT, else
    30. A value SQLite cannot take (nan, inf, negative, beyond a day) is refused, not replaced;
    the monitor checks it with the config, so that no scheduled run crashes on it."""
    value = os.environ.get(BUSY_TIMEOUT_ENV, "")
    if not value.strip():
        return BUSY_TIMEOUT
    try:
        return float(_BUSY_RULE(value))
    except ValueError:
        raise SettingError(
            f"bad ${BUSY_TIMEOUT_ENV} {value!r}: expected {_BUSY_RULE.wanted()} seconds"
        ) from None


def parse_set(values: list[str]) -> dict[str, str]:
    """NAME=VALUE pairs, as `scrapy crawl -s` takes them, each checked by check_setting."""
    out: dict[str, str] = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name.strip() or not name.strip().replace("_", "").isalnum():
            raise SettingError(f"bad --set {value!r}: expected NAME=VALUE")
        try:
            check_setting(name.strip(), setting)
        except SettingError as exc:
            raise SettingError(f"bad --set {value!r}: {exc}") from None
        out[name.strip()] = setting
    return out
