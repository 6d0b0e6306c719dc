"""Shared pieces of the command line: the --db option, one-line errors, opening the store."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any, NoReturn

import click

from monitor.config import Config, ConfigError, check_path, load_config
from monitor.data.snippets import ANSI_MARKS
from monitor.diff import ANSI
from portalcrawl.settingscheck import Number
from portalcrawl.store.database import Store, StoreError
from portalcrawl.text.dates import VN_TZ, parse_user_time
from portalcrawl.text.shown import BIDI_CONTROLS, code_point, json_escaped


class CliError(click.ClickException):
    """An error the user can fix: printed as one line, exit status 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def fail(message: str) -> NoReturn:
    """Stop the command with one line on stderr and a non-zero exit."""
    raise CliError(message)


def parse_since(value: str | None) -> datetime | None:
    """--since (2026-11-20, 24h, 7d) as a moment; a bad one is a one-line error."""
    if value is None:
        return None
    try:
        return parse_user_time(value)
    except ValueError as exc:
        fail(f"bad --since: {exc}")


def get_config(ctx: click.Context) -> Config:
    """The config named by --config (or the environment), loaded once per invocation."""
    root = ctx.find_root()
    root.ensure_object(dict)
    if "config" not in root.obj:
        try:
            root.obj["config"] = load_config(root.obj.get("config_path"))
        except ConfigError as exc:
            fail(str(exc))
    return root.obj["config"]


def store_path(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A --db that is given must name a file: `--db "$DB"` with DB unset is not the default."""
    if value is not None:
        try:
            check_path(value, "--db")
        except ConfigError as exc:
            fail(str(exc))
    return value


def db_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """--db PATH, defaulting to the config file's / $PORTALCRAWL_DB / data/portal.sqlite3."""
    return click.option(
        "--db",
        "db",
        type=click.Path(dir_okay=False),
        default=None,
        callback=store_path,
        help="SQLite store (default: config, $PORTALCRAWL_DB, or data/portal.sqlite3).",
    )(func)


def resolve_db(ctx: click.Context, db: str | None) -> str:
    return db if db is not None else get_config(ctx).db


class Seconds(click.ParamType):
    """A number of seconds in [low, high]: click's FloatRange lets nan and inf through."""

    name = "seconds"

    def __init__(self, low: float, high: float) -> None:
        self.rule = Number(low, high)

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        try:
            return float(self.rule(value))
        except (TypeError, ValueError):
            name = param.opts[0] if param is not None and param.opts else "value"
            fail(f"bad {name} {value!r}: expected {self.rule.wanted()} seconds")


def open_store(path: str, *, readonly: bool = True) -> Store:
    """Open an existing store for a command; a missing or broken file is a one-line error."""
    try:
        store = Store(path, readonly=readonly, untouched=readonly, create=False)
    except StoreError as exc:
        fail(str(exc))
    if store.note:
        click.echo(f"note: {store.note}", err=True)
    return store


BOLD = ("\x1b[1m", "\x1b[0m")
# Our own colours (diffs, search matches, bold titles) are the only escapes we print. Any other
# control character, and every bidi control (an override reorders the rest of the line, so a
# title can show what it is not), is printed as its code point: <U+202E>.
_OURS = sorted({*BOLD, *ANSI_MARKS, *(code for pair in ANSI.values() for code in pair)})
_UNSAFE = re.compile(
    "(" + "|".join(map(re.escape, _OURS)) + ")|[\x00-\x08\x0b-\x1f\x7f-\x9f" + BIDI_CONTROLS + "]"
)


def terminal_safe(text: str) -> str:
    """Text as a terminal may print it: tabs, line breaks and our own colours kept, every other
    control and bidi character shown as its code point (portalcrawl.text.shown). Every command
    that prints stored text uses it."""
    return _UNSAFE.sub(lambda m: m.group(1) or code_point(m.group(0)), text)


def echo(text: str, *, err: bool = False) -> None:
    """click.echo of terminal_safe text."""
    click.echo(terminal_safe(text), err=err)


def echo_json(obj: Any) -> None:
    """One JSON object per line, Vietnamese kept readable; C1 and bidi controls as \\u escapes
    (the same JSON value, harmless on a terminal)."""
    click.echo(json_escaped(json.dumps(obj, ensure_ascii=False, default=str)))


def is_tty(stream: Any = None) -> bool:
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def portal_minute(value: str | None, empty: str = "") -> str:
    """A stored ISO time shown in portal time (+07:00), to the minute."""
    if not value:
        return empty
    try:
        return datetime.fromisoformat(value).astimezone(VN_TZ).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return value
