"""The config's [[schedule.jobs]] on APScheduler in the foreground, one crawl at a time.

Overlap policy: every job, whatever its schedule, runs under one asyncio.Lock, so a news job and
the nightly full audit never crawl the store together. A job that fires while another holds the
lock waits for it (in firing order), and says so in the log; it cannot pile up, because each job
has at most one instance running or waiting (`max_instances=1`) and missed fire times are
coalesced into one run.

Stopping: on SIGINT/SIGTERM no new run starts and waiting jobs are dropped; the run in progress
gets `grace_seconds` to finish, then it is cancelled (the runner terminates its crawl
subprocess). A second signal cancels it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import signal
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor import runner
from monitor.config import Config, ConfigError, JobConfig
from monitor.crontab import cron_trigger
from monitor.notify.channels import build_channels

log = logging.getLogger(__name__)

DEFAULT_GRACE_SECONDS = 30.0
MIN_MISFIRE_GRACE_SECONDS = 3600
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Outcome(Protocol):
    """What the scheduler reads from a finished run (runner.RunOutcome or a test's stand-in)."""

    run_id: int | None
    status: str
    new: int
    edited: int
    removed: int
    alerts: int
    message: str


RunJob = Callable[[JobConfig], Awaitable[Outcome]]


async def run_with_runner(config: Config, job: JobConfig) -> Outcome:
    """The real run: one monitor cycle (time-limited crawl subprocess, notices, delivery)."""
    return await runner.run_cycle_async(config, full=job.full, sections=job.sections or None)


def job_trigger(job: JobConfig, timezone: str | None = None) -> BaseTrigger:
    """The APScheduler trigger for a job: its interval or its crontab line, with its jitter."""
    jitter = job.jitter_seconds or None
    if job.cron is not None:
        return cron_trigger(job.cron, jitter=jitter, timezone=timezone)
    assert job.interval_seconds is not None  # config guarantees exactly one of the two
    return IntervalTrigger(seconds=job.interval_seconds, jitter=jitter)


def misfire_grace_seconds(job: JobConfig) -> int:
    """How late a run may still start: APScheduler's 1 s default drops runs after a busy spell."""
    return max(MIN_MISFIRE_GRACE_SECONDS, math.ceil(job.interval_seconds or 0))


def describe_job(job: JobConfig) -> str:
    """One line saying when and what a job crawls, for the start-up listing."""
    when = f"cron {job.cron!r}" if job.cron is not None else f"every {job.interval_seconds:g} s"
    if job.jitter_seconds:
        when += f" (+ up to {job.jitter_seconds:g} s jitter)"
    kind = "full audit" if job.full else "incremental"
    return f"{when}, {kind}, sections: {', '.join(job.sections) or 'all'}"


def no_jobs_message(config: Config) -> str:
    """The one-line error for a config without jobs, saying how to add one."""
    where = config.source or "the config file (portalcrawl.toml or --config FILE)"
    return (
        f"no jobs to schedule: add to {where} a table such as "
        '[[schedule.jobs]] name = "news" interval_minutes = 15 '
        '(or cron = "0 2 * * *" with full = true for a nightly audit)'
    )


class Scheduler:
    """Runs the config's jobs on their schedules in this process; one use per instance."""

    def __init__(
        self,
        config: Config,
        run_job: RunJob | None = None,
        *,
        grace_seconds: float = DEFAULT_GRACE_SECONDS,
    ) -> None:
        if not config.jobs:
            raise ConfigError(no_jobs_message(config))
        names = [job.name for job in config.jobs]
        dupes = sorted({name for name in names if names.count(name) > 1})
        if dupes:
            raise ConfigError(f"schedule.jobs: duplicate name {dupes[0]!r}")
        build_channels(config.channels)  # a notifier URL Apprise cannot use: said now, not at 2 am
        self.config = config
        self.grace_seconds = grace_seconds
        self._run_job = run_job or functools.partial(run_with_runner, config)
        self._lock = asyncio.Lock()
        self._stop = asyncio.Event()
        self._force = asyncio.Event()
        self._holder: JobConfig | None = None
        self._current: asyncio.Task | None = None
        self._waiting: set[asyncio.Task] = set()
        self.aps = AsyncIOScheduler(**({"timezone": config.timezone} if config.timezone else {}))
        for job in config.jobs:
            self.aps.add_job(
                self._execute,
                trigger=job_trigger(job, config.timezone),
                args=[job],
                id=job.name,
                name=job.name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=misfire_grace_seconds(job),
            )

    @property
    def stop_requested(self) -> bool:
        """Whether stop() or a signal asked this scheduler to stop."""
        return self._stop.is_set()

    def stop(self) -> None:
        """Start no new run; serve() and run_once() then drain and return."""
        self._stop.set()

    async def serve(self, *, run_now: bool = False) -> None:
        """Run the jobs on their schedules until SIGINT/SIGTERM or stop(), then drain."""
        with self._signal_handlers():
            self.aps.start()
            if run_now:
                first = min(self.aps.get_jobs(), key=lambda job: job.next_run_time)
                first.modify(next_run_time=datetime.now(self.aps.timezone))
            for job in self.config.jobs:
                next_run = self.aps.get_job(job.name).next_run_time
                log.info(
                    "job %s: %s; next run %s",
                    job.name,
                    describe_job(job),
                    next_run.isoformat(sep=" ", timespec="seconds"),
                )
            await self._stop.wait()
            self.aps.pause()
            await self._drain()
            self.aps.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler queues its shutdown on the loop: let it run
        log.info("stopped")

    async def run_once(self) -> dict[str, Outcome | None]:
        """Every job once, now, in config order (None: crashed or cut short by a signal)."""
        outcomes: dict[str, Outcome | None] = {}

        async def run_all() -> None:
            for job in self.config.jobs:
                if self.stop_requested:
                    break
                outcomes[job.name] = await self._execute(job)

        with self._signal_handlers():
            work = asyncio.create_task(run_all())
            stopped = asyncio.create_task(self._stop.wait())
            await asyncio.wait({work, stopped}, return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            if not work.done():
                await self._drain()
            await work
        if self.stop_requested:
            log.info("stopped")
        return outcomes

    async def _execute(self, job: JobConfig) -> Outcome | None:
        """One run of a job, under the lock every job shares, so crawls never overlap."""
        if self.stop_requested:
            return None
        task = asyncio.current_task()
        assert task is not None
        if self._lock.locked():
            running = self._holder.name if self._holder else "another job"
            log.info("job %s waits: job %s is running", job.name, running)
        self._waiting.add(task)
        try:
            await self._lock.acquire()
        except asyncio.CancelledError:
            if not self.stop_requested:
                raise
            log.info("job %s: not run, stopping", job.name)
            return None
        finally:
            self._waiting.discard(task)
        self._holder, self._current = job, task
        try:
            return await self._run_logged(job)
        except asyncio.CancelledError:
            if not self.stop_requested:
                raise
            log.warning("job %s: run cancelled on stop", job.name)
            return None
        finally:
            self._holder = self._current = None
            self._lock.release()

    async def _run_logged(self, job: JobConfig) -> Outcome | None:
        """Run a job's cycle with one log line at its start and one at its end."""
        kind = "full audit" if job.full else "incremental"
        log.info(
            "job %s: run started (%s, sections: %s)",
            job.name,
            kind,
            ", ".join(job.sections) or "all",
        )
        started = time.monotonic()
        try:
            outcome = await self._run_job(job)
        except Exception as exc:
            log.error(
                "job %s: run crashed after %.1f s: %s",
                job.name,
                time.monotonic() - started,
                exc,
                exc_info=log.isEnabledFor(logging.DEBUG),
            )
            return None
        ok = outcome.status in runner.SUCCEEDED
        log.log(
            logging.INFO if ok else logging.WARNING,
            "run %s %s: %d new, %d edited, %d removed, %d alerts (job %s, %.1f s)%s",
            "?" if outcome.run_id is None else outcome.run_id,
            outcome.status,
            outcome.new,
            outcome.edited,
            outcome.removed,
            outcome.alerts,
            job.name,
            time.monotonic() - started,
            "" if ok else f": {outcome.message}",
        )
        return outcome

    async def _drain(self) -> None:
        """Drop waiting jobs; give the run in progress its grace period, then cancel it."""
        await asyncio.sleep(0)  # jobs APScheduler just submitted see the stop and return
        waiting = set(self._waiting)
        for task in waiting:
            task.cancel()
        current = self._current
        if current is not None and self._holder is not None:
            log.info(
                "stopping: waiting up to %g s for job %s to finish (signal again to cancel it)",
                self.grace_seconds,
                self._holder.name,
            )
            forced = asyncio.create_task(self._force.wait())
            await asyncio.wait(
                {current, forced}, timeout=self.grace_seconds, return_when=asyncio.FIRST_COMPLETED
            )
            forced.cancel()
            current.cancel()  # no-op when it has finished
            waiting.add(current)
        if waiting:
            await asyncio.wait(waiting)

    def _on_signal(self, signum: int) -> None:
        """First signal: stop gracefully; second: cancel the run in progress now."""
        name = signal.Signals(signum).name
        if self.stop_requested:
            log.warning("%s again: cancelling the run in progress", name)
            self._force.set()
        else:
            log.info("%s: stopping, no new runs", name)
            self.stop()

    @contextlib.contextmanager
    def _signal_handlers(self) -> Iterator[None]:
        """SIGINT/SIGTERM go to _on_signal while the scheduler runs, not to KeyboardInterrupt."""
        loop = asyncio.get_running_loop()
        for signum in _SIGNALS:
            loop.add_signal_handler(signum, self._on_signal, signum)
        try:
            yield
        finally:
            for signum in _SIGNALS:
                loop.remove_signal_handler(signum)
