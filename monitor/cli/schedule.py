"""`monitor schedule`: the config's jobs in the foreground until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import logging

import click

from monitor.cli.common import Seconds, fail, get_config
from monitor.config import ConfigError
from monitor.runner import SUCCEEDED
from monitor.scheduler import DEFAULT_GRACE_SECONDS, Scheduler
from portalcrawl.settingscheck import DAY


@click.command("schedule")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Config file (TOML); the same as the global --config.",
)
@click.option("--once", is_flag=True, help="Run every job once now, one after another, and exit.")
@click.option(
    "--run-now",
    is_flag=True,
    help="Start the first due job at once instead of waiting for its first fire time.",
)
@click.option(
    "--grace",
    "grace_seconds",
    type=Seconds(0, DAY),
    metavar="SECONDS",
    default=DEFAULT_GRACE_SECONDS,
    show_default=True,
    help="On SIGINT/SIGTERM, seconds the run in progress may take to finish before it is "
    "cancelled (its crawl terminated); a second signal cancels it at once.",
)
@click.pass_context
def schedule(
    ctx: click.Context, config_path: str | None, once: bool, run_now: bool, grace_seconds: float
) -> None:
    """Run the [[schedule.jobs]] of the config, one crawl at a time, until SIGINT/SIGTERM.

    Each run logs one line when it starts and one when it ends on stderr. Exit status 0 after a
    signal; with --once, 1 when a run did not end ok.
    """
    if once and run_now:
        fail("--once already runs every job now: drop --run-now")
    if config_path is not None:
        ctx.find_root().ensure_object(dict)["config_path"] = config_path
    config = get_config(ctx)
    logger = logging.getLogger(Scheduler.__module__)
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)  # the run lines are this command's output
    try:
        scheduler = Scheduler(config, grace_seconds=grace_seconds)
    except ConfigError as exc:
        fail(str(exc))
    if not once:
        asyncio.run(scheduler.serve(run_now=run_now))
        return
    outcomes = asyncio.run(scheduler.run_once())
    failed = [
        f"{name} ({outcome.status if outcome else 'crashed'})"
        for name, outcome in outcomes.items()
        if outcome is None or outcome.status not in SUCCEEDED
    ]
    if failed and not scheduler.stop_requested:
        fail(f"{len(failed)} of {len(outcomes)} runs did not end ok: {', '.join(failed)}")


commands: list[click.Command] = [schedule]
