"""The thin click layer over the monitor's library: `python -m monitor COMMAND`."""

from __future__ import annotations

import importlib
import logging
import sqlite3
import sys

import click

from monitor.cli.common import CliError
from monitor.config import ConfigError
from portalcrawl.store.database import StoreError

# Each command and the module that holds it, in the order `--help` lists them. A command's
# module is imported when the command runs, so `run` does not load the search, the profile
# checker and APScheduler first: `monitor run` starts 0.2-0.3 s sooner (the whole CLI took
# 0.4-0.5 s to import on this machine, a run's own modules half of that). tests/test_layout.py
# holds this table to the modules' `commands` lists.
COMMANDS = {
    "run": "run",
    "demo": "run",
    "notices": "ops",
    "status": "ops",
    "search": "data",
    "history": "data",
    "export": "data",
    "feed": "data",
    "datasette-metadata": "data",
    "reindex": "data",
    "schedule": "schedule",
    "archive": "evidence",
    "reextract": "evidence",
    "site": "evidence",
    "profile": "profile",
}


class LazyGroup(click.Group):
    """click's lazily loading group: a subcommand's module is imported when it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        commands = importlib.import_module(f"monitor.cli.{module}").commands
        return next(c for c in commands if c.name == cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Config file (TOML). Default: $PORTALCRAWL_CONFIG or ./portalcrawl.toml.",
)
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: int) -> None:
    """Crawl the Đồng Tháp portal, keep every version, and announce what changed."""
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def main() -> None:
    """Entry point: every expected failure is one line on stderr and a non-zero exit."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except CliError as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except (ConfigError, StoreError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except sqlite3.Error as exc:
        click.echo(f"error: database: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:
        click.echo(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
