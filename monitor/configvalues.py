"""One-line checks of the config's values: each refuses a bad value with the key it came from
(`channels[0].digest: expected true or false, got 'yes'`), never a traceback later."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor.crontab import cron_trigger
from portalcrawl.settingscheck import Number, SettingError, check_url
from portalcrawl.site.profile import ProfileError, profile_sections

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ConfigError(Exception):
    """A bad value in the config, the environment or the command line, said in one line."""


def check_portal_url(url: str) -> str:
    """The crawl's own check of its PORTALCRAWL_URL: http(s), a host, no credentials."""
    try:
        return check_url(url)
    except SettingError as exc:
        raise ConfigError(str(exc)) from None


def check_path(path: str, where: str, what: str = "store") -> str:
    """A store (or config) path: an empty one (an unset variable in `--db "$DB"`) is refused,
    not taken for the default."""
    if not path.strip():
        raise ConfigError(f"{where}: empty {what} path")
    return path


def expand_env(value: str, where: str) -> str:
    """`${NAME}` in a value comes from the environment, so secrets stay out of the file."""

    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise ConfigError(f"{where}: environment variable {name} is not set")
        return os.environ[name]

    return _ENV_REF.sub(sub, value)


def check_timezone(name: str, where: str) -> str:
    """An IANA time zone name ("Asia/Ho_Chi_Minh"), refused now if unknown."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: unknown time zone {name!r}") from None
    return name


def check_cron(expr: str, where: str) -> str:
    """Refuse a bad cron line when the config is read, not at its first fire time: one that
    does not parse, or one that never fires (31 February)."""
    try:
        trigger = cron_trigger(expr)
    except ValueError as exc:
        raise ConfigError(f"{where}: bad cron expression {expr!r}: {exc}") from None
    if trigger.get_next_fire_time(None, datetime.now(UTC).astimezone()) is None:
        raise ConfigError(f"{where}: cron expression {expr!r} never fires")
    return expr


def check_sections(sections: list[str], profile: str | None, where: str) -> None:
    """Section paths the site profile knows: a typo is an error now, not a failed run later."""
    try:
        profile_sections(profile, sections)
    except ProfileError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def typed(table: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = table[key]
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        raise ConfigError(f"{where}.{key}: expected a number, got {value!r}")
    if kind is bool and not isinstance(value, bool):
        raise ConfigError(f"{where}.{key}: expected true or false, got {value!r}")
    if not isinstance(value, kind):
        raise ConfigError(f"{where}.{key}: bad value {value!r}")
    return value


def number(table: dict[str, Any], key: str, where: str, rule: Number, wanted: str = "") -> float:
    """A number of the config held to `rule` (a crawl setting's own rule where it becomes one):
    nan, inf and values out of range are refused with the range."""
    value = typed(table, key, (int, float), where)
    try:
        return float(rule(value))
    except (ValueError, OverflowError):
        raise ConfigError(
            f"{where}.{key}: expected {wanted or rule.wanted()}, got {value!r}"
        ) from None


def str_list(table: dict[str, Any], key: str, where: str) -> list[str]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}.{key}: expected a list of strings, got {value!r}")
    return list(value)


def unknown(table: dict[str, Any], allowed: set[str], where: str) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        raise ConfigError(f"{where}: unknown key {extra[0]!r}")


def check_base_url(url: str) -> str:
    """Where the static site is published: http(s)://host/path/, always ending in '/'."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # "http://[::1": an unclosed IPv6 address
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"bad site base URL {url!r}: expected http(s)://host/path")
    return url.strip().rstrip("/") + "/"
