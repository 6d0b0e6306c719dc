"""One monitor cycle: crawl in a child process, then notices, crawler health and delivery."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor.child import Stop, last_error, run_child, stop_on_signals
from monitor.config import Config, ConfigError, check_portal_url, expand_env
from monitor.notify.channels import Channel, build_channels
from monitor.notify.delivery import deliver
from monitor.notify.identity import channel_key
from monitor.notify.notices import check_health, create_notices
from portalcrawl.settingscheck import check_settings, parse_set
from portalcrawl.site.profile import ProfileError, load_profile, profile_sections
from portalcrawl.spiders.backfill import progress_line
from portalcrawl.store.database import Store, StoreError, store_error
from portalcrawl.store.report import RunReport
from portalcrawl.store.runs import RunInProgress

logger = logging.getLogger(__name__)

# A partial run stopped at its budget having made progress: the next run takes up from there.
SUCCEEDED = ("ok", "partial")


@dataclass
class RunOutcome:
    run_id: int | None
    status: str
    new: int = 0
    edited: int = 0
    removed: int = 0
    restored: int = 0
    alerts: int = 0
    delivered: int = 0
    pending: int = 0
    stats: RunReport = field(default_factory=RunReport)  # what the crawl recorded, as it did
    message: str = ""


def crawl_command(
    config: Config,
    run_id: int,
    *,
    full: bool,
    sections: Sequence[str],
    settings: dict[str, Any],
    log_file: Path,
    progress: bool,
) -> list[str]:
    """The child process's argv (the crawl runs under the same interpreter)."""
    cmd = [
        sys.executable,
        "-m",
        "portalcrawl.crawl",
        "--db",
        str(config.db),
        "--portal-url",
        config.portal_url,
        "--run-id",
        str(run_id),
        "--revisit-hours",
        str(config.revisit_hours),
        "--log-file",
        str(log_file),
        "--supervised-by",
        str(os.getpid()),
    ]
    if config.profile:
        cmd += ["--profile", config.profile]
    if full:
        cmd.append("--full")
    if progress:
        cmd.append("--progress")
    for section in sections:
        cmd += ["--section", section]
    ours = {**field_settings(config), **config.archive.crawl_settings()}
    for name, value in {**ours, **config.settings, **settings}.items():
        cmd += ["--set", f"{name}={value}"]
    return cmd


def time_budget(timeout: float) -> float:
    """Seconds the crawl gives itself: it closes cleanly (open batch committed, run partial)
    before the monitor's hard limit, leaving time for in-flight requests and the run's end."""
    return max(timeout / 2, timeout - min(0.15 * timeout + 5, 90.0))


def field_settings(config: Config) -> dict[str, Any]:
    """The run's budget and the field rules, as crawl settings (an operator's --set wins)."""
    return {
        "PORTALCRAWL_MAX_REQUESTS": config.max_requests,
        "PORTALCRAWL_TIME_BUDGET": f"{time_budget(config.crawl_timeout_seconds):g}",
        "PORTALCRAWL_AUDIT_CYCLE_HOURS": f"{config.audit_cycle_days * 24:g}",
        "PORTALCRAWL_REMOVAL_CONFIRM_MINUTES": f"{config.removal_confirm_minutes:g}",
    }


# What the monitor sets for each run itself: a --set of one would crawl into another store, as
# another run, or log where the monitor does not read (the option to use instead, if any).
OWNED_SETTINGS = {
    "PORTALCRAWL_DB": "--db",
    "PORTALCRAWL_URL": "--portal-url",
    "PORTALCRAWL_SECTIONS": "--section",
    "PORTALCRAWL_PROFILE": "--profile",
    "PORTALCRAWL_FULL": "--full",
    "PORTALCRAWL_RUN_ID": None,
    "PORTALCRAWL_PROGRESS": None,
    "LOG_FILE": None,
}


def check_run_options(config: Config, sections: Sequence[str], settings: Sequence[str]) -> dict:
    """Everything the operator typed is checked before anything starts, every setting the crawl
    will be given by the crawl's own check (portalcrawl.settingscheck), as the text it will
    receive: a value accepted here does not fail every crawl."""
    check_portal_url(config.portal_url)
    try:
        profile_sections(config.profile, sections)
        extra = parse_set(list(settings))
        for name in OWNED_SETTINGS.keys() & {*extra, *config.settings}:
            option = OWNED_SETTINGS[name]
            raise ConfigError(
                f"{name} is set by the monitor for each run" + (f": use {option}" if option else "")
            )
        passed = {
            "PORTALCRAWL_URL": config.portal_url,
            "PORTALCRAWL_DB": config.db,
            "PORTALCRAWL_REVISIT_HOURS": config.revisit_hours,
            **field_settings(config),
            **config.archive.crawl_settings(),
            **config.settings,
        }
        check_settings({name: str(value) for name, value in passed.items()})  # crawl_command's
        return extra
    except (ProfileError, ValueError) as exc:
        raise ConfigError(str(exc)) from None


def run_channels(config: Config, notify: Sequence[str]) -> list[Channel]:
    """The run's channels, every URL checked before the crawl; a bad one is named.

    `--notify` URLs take ${NAME} from the environment too, so a password given that way
    never shows in the process list.
    """
    channels = []
    for index, channel in enumerate(config.channels):
        try:
            channels.append(Channel.from_config(channel))
        except ConfigError as exc:
            raise ConfigError(f"channels[{index}] ({channel.name}): {exc}") from None
    urls = [expand_env(url, "--notify") for url in notify]
    return channels + build_channels((), urls, functools.partial(channel_key, config.db))


@contextlib.contextmanager
def _store(db: str) -> Iterator[Store]:
    """The store for the monitor's own writes: an SQLite failure is a one-line StoreError."""
    try:
        with Store(db) as store:
            yield store
    except sqlite3.Error as exc:
        raise store_error(db, exc, "write") from None
    except RunInProgress as exc:
        raise StoreError(f"store {db}: {exc}") from None


async def run_cycle_async(
    config: Config,
    *,
    full: bool = False,
    sections: Sequence[str] | None = None,
    notify: Sequence[str] = (),
    settings: Sequence[str] = (),
    progress: bool = False,
    show: Callable[[str], None] | None = None,
    stop: Stop | None = None,
) -> RunOutcome:
    """Crawl, record, announce: one cycle, awaited to its end (the scheduler relies on it).

    `stop` (the CLI's signals) ends the crawl early: the run is `aborted`, still announced.
    Cancelled (the scheduler's stop), the crawl is stopped and the run recorded `aborted`
    with its crawler alert before the cancellation goes on.
    """
    sections = list(sections or config.sections)
    extra = check_run_options(config, sections, settings)
    channels = run_channels(config, notify)
    with _store(config.db) as store:
        aborted = store.mark_aborted_runs()
        if aborted:
            logger.warning("runs %s were killed before they finished: marked aborted", aborted)
        run_id = store.start_run(
            mode="full" if full else "incremental",
            sections=sections,
            portal_url=config.portal_url,
            pid=os.getpid(),  # owned by this process from the moment it exists
        )
    log_dir = Path(config.db).resolve().parent / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / f"run-{run_id}.log"
    cmd = crawl_command(
        config,
        run_id,
        full=full,
        sections=sections,
        settings=extra,
        log_file=log_file,
        progress=progress and bool(show),
    )
    logger.info("run %s: %s", run_id, " ".join(cmd[1:4]))
    try:
        code, problem, status = await run_child(
            cmd, config.crawl_timeout_seconds, show if progress else None, log_file, stop
        )
    except asyncio.CancelledError:
        with _store(config.db) as store:
            store.record_unfinished(run_id, "aborted", "stopped by the scheduler or the operator")
            check_health(store, run_id, config.health)
        raise
    with _store(config.db) as store:
        return _after_crawl(store, config, run_id, code, (problem, status), channels, log_file)


def _after_crawl(
    store: Store,
    config: Config,
    run_id: int,
    code: int | None,
    stopped: tuple[str, str],
    channels: list[Any],
    log_file: Path,
) -> RunOutcome:
    problem, status = stopped
    if (store.run(run_id) or {}).get("status") == "running":  # the crawl could not say
        why = last_error(log_file)
        reason = problem or (
            f"crawl process exited with status {code} before it finished"
            + (f": {why}" if why else "")
            + f" (see {log_file})"
        )
        store.record_unfinished(run_id, status or "failed", reason)
    run = store.run(run_id) or {}
    create_notices(
        store, run_id, history_hours=config.revisit_hours, site_base_url=config.site.base_url
    )
    alerts = check_health(store, run_id, config.health)
    report = deliver(store, channels, run_id=run_id)
    if config.site.out:
        rebuild_site(store, config)
    by_kind = store.notice_counts(run_id)
    stats = RunReport.from_json(run.get("stats"))
    outcome = RunOutcome(
        run_id=run_id,
        status=run.get("status", "failed"),
        new=by_kind.get("new", 0),
        edited=by_kind.get("edited", 0),
        removed=by_kind.get("removed", 0),
        restored=by_kind.get("restored", 0),
        alerts=len(alerts),
        delivered=report.delivered,
        pending=report.pending,
        stats=stats,
    )
    outcome.message = summary_line(outcome, run)
    return outcome


def rebuild_site(store: Store, config: Config) -> None:
    """[site] out: the static site follows every run; if it cannot be written, the run stands
    and the log says why (the next run's build catches up: it is incremental)."""
    from monitor.site.build import build_site

    assert config.site.out
    try:
        sections = [(s.path, s.name) for s in load_profile(config.profile).sections]
        report = build_site(
            store, config.site.out, sections=sections, base_url=config.site.base_url
        )
    except (OSError, sqlite3.Error, ProfileError) as exc:
        logger.error("site %s not rebuilt: %s", config.site.out, exc)
        return
    logger.info("site %s: %d files written", config.site.out, report.written)


def summary_line(outcome: RunOutcome, run: dict[str, Any]) -> str:
    """The one line an operator (or cron's mail) reads after each run."""
    parts = [
        f"run {outcome.run_id} {outcome.status} ({run.get('mode', '?')})",
        f"{run.get('pages', 0)} listing pages, {run.get('articles', 0)} articles fetched, "
        f"{run.get('requests', 0)} requests, {run.get('errors', 0)} errors",
        f"{outcome.new} new, {outcome.edited} edited, {outcome.removed} removed"
        + (f", {outcome.restored} restored" if outcome.restored else ""),
    ]
    if outcome.alerts:
        parts.append(f"{outcome.alerts} crawler alerts")
    if outcome.delivered or outcome.pending:
        parts.append(f"{outcome.delivered} delivered, {outcome.pending} pending")
    if run.get("error"):
        parts.append(str(run["error"]))
    backfill = outcome.stats.backfill
    if backfill and (outcome.stats.events.get("new") or not backfill.get("done")):
        parts.append(progress_line(backfill))
    return "; ".join(parts)


def run_cycle(config: Config, **kwargs: Any) -> RunOutcome:
    """The CLI's cycle: SIGINT/SIGTERM stop its crawl (the run ends `aborted`, announced)."""

    async def cycle() -> RunOutcome:
        stop = Stop()
        with stop_on_signals(stop):
            return await run_cycle_async(config, stop=stop, **kwargs)

    return asyncio.run(cycle())
