"""The foreground scheduler serving its jobs: no overlapping crawls within or across jobs, missed
fire times coalesced into one run, one instance per job, run-now, and clean stops (SIGTERM lets
the run in progress finish; the grace period or a second signal cancels it); a crash in a run is
logged and scheduling goes on. Runs are stand-ins that sleep, so only the scheduling is tested.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
import types
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.events import EVENT_JOB_SUBMITTED

from monitor.config import JobConfig
from monitor.scheduler import MIN_MISFIRE_GRACE_SECONDS, Scheduler
from tests.schedulejobs import jobs_config, outcome


class FakeRuns:
    """A run_job stand-in that sleeps and records (job, start, end) for every run."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.runs: list[tuple[JobConfig, float, float]] = []
        self.cancelled = 0

    async def __call__(self, job: JobConfig) -> types.SimpleNamespace:
        start = time.monotonic()
        try:
            await asyncio.sleep(self.seconds)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.runs.append((job, start, time.monotonic()))
        return outcome(len(self.runs))


def serve_for(scheduler: Scheduler, seconds: float, **kwargs: bool) -> None:
    async def main() -> None:
        asyncio.get_running_loop().call_later(seconds, scheduler.stop)
        await scheduler.serve(**kwargs)

    asyncio.run(main())


def test_runs_never_overlap_within_or_across_jobs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="monitor.scheduler")
    config = jobs_config(
        {"name": "news", "interval_seconds": 1, "sections": ["tin-hoat-dong"]},
        {"name": "audit", "interval_seconds": 1, "full": True},
    )
    fake = FakeRuns(1.5)
    serve_for(Scheduler(config, fake, grace_seconds=0), 4.2)

    spans = sorted((start, end) for _, start, end in fake.runs)
    assert len(spans) >= 2
    assert all(later[0] >= earlier[1] for earlier, later in zip(spans, spans[1:], strict=False))
    # No pile-up: 1.5 s runs back to back fit at most three times between t=1 s and t=4.2 s,
    # and at the stop at most one job (the other one) was waiting for the lock.
    assert len(spans) <= 3
    assert caplog.text.count("not run, stopping") <= 1
    assert {job.name for job, _, _ in fake.runs} == {"news", "audit"}
    assert {(job.name, job.full, tuple(job.sections)) for job, _, _ in fake.runs} == {
        ("news", False, ("tin-hoat-dong",)),
        ("audit", True, ()),
    }
    assert "waits: job" in caplog.text
    assert "run 1 ok: 2 new, 1 edited, 0 removed, 0 alerts (job" in caplog.text
    assert "run cancelled on stop" in caplog.text
    assert caplog.messages[-1] == "stopped"


def test_missed_fire_times_are_coalesced_into_one_run() -> None:
    """Fire times missed while the loop was blocked give one late run, not one run each.

    Read from APScheduler's submissions, not from timings: each submission carries the fire
    times it stands for, and each must be one run of the job for one fire time."""
    config = jobs_config({"name": "news", "interval_seconds": 1})
    calls: list[datetime] = []
    blocked_until: list[datetime] = []
    submitted: list[list[datetime]] = []
    scheduler: Scheduler

    async def run_job(job: JobConfig) -> types.SimpleNamespace:
        calls.append(datetime.now(UTC))
        if len(calls) == 1:
            time.sleep(2.3)  # block the loop: at least two fire times go by unprocessed
            blocked_until.append(datetime.now(UTC))
        elif len(calls) == 3:
            scheduler.stop()
        return outcome(len(calls))

    scheduler = Scheduler(config, run_job)
    scheduler.aps.add_listener(
        lambda event: submitted.append(list(event.scheduled_run_times)), EVENT_JOB_SUBMITTED
    )
    serve_for(scheduler, 60)
    assert len(calls) == 3, "the job ran once after the block and once more on time"
    assert [len(times) for times in submitted] == [1, 1, 1]  # coalesced: one time each
    late = submitted[1][0]
    assert late < blocked_until[0] <= calls[1]  # the run after the block is for a missed time
    assert late - submitted[0][0] >= timedelta(seconds=2)  # the latest of those missed


def test_jobs_get_one_instance_coalescing_and_a_generous_misfire_grace() -> None:
    config = jobs_config(
        {"name": "news", "interval_seconds": 1, "jitter_seconds": 5},
        {"name": "slow", "interval_minutes": 120},
        {"name": "audit", "cron": "0 2 * * *", "full": True},
    )
    jobs = {job.id: job for job in Scheduler(config).aps.get_jobs()}
    assert {job.max_instances for job in jobs.values()} == {1}
    assert all(job.coalesce for job in jobs.values())
    assert jobs["news"].misfire_grace_time == MIN_MISFIRE_GRACE_SECONDS
    assert jobs["slow"].misfire_grace_time == 7200
    assert jobs["audit"].misfire_grace_time == MIN_MISFIRE_GRACE_SECONDS
    assert jobs["news"].trigger.jitter == 5


def test_run_now_starts_the_first_due_job_at_once() -> None:
    config = jobs_config(
        {"name": "later", "interval_minutes": 120},
        {"name": "sooner", "interval_minutes": 60},
    )
    fake = FakeRuns(0.1)
    scheduler = Scheduler(config, fake)
    serve_for(scheduler, 1.0, run_now=True)
    assert [job.name for job, _, _ in fake.runs] == ["sooner"]


def _signal_self(delays: list[float]) -> None:
    loop = asyncio.get_running_loop()
    for delay in delays:
        loop.call_later(delay, os.kill, os.getpid(), signal.SIGTERM)


def test_sigterm_lets_the_run_in_progress_finish(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="monitor.scheduler")
    fake = FakeRuns(0.8)

    async def run_job(job: JobConfig) -> types.SimpleNamespace:
        _signal_self([0.1])
        return await fake(job)

    scheduler = Scheduler(jobs_config({"name": "news", "interval_minutes": 60}), run_job)
    asyncio.run(scheduler.serve(run_now=True))
    assert len(fake.runs) == 1 and fake.cancelled == 0
    assert "SIGTERM: stopping, no new runs" in caplog.messages
    assert "run 1 ok: 2 new, 1 edited, 0 removed, 0 alerts" in caplog.text
    assert caplog.messages[-1] == "stopped"


@pytest.mark.parametrize(("grace", "signals"), [(0.3, [0.1]), (30, [0.1, 0.3])])
def test_run_is_cancelled_after_the_grace_period_or_a_second_signal(
    grace: float, signals: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="monitor.scheduler")
    fake = FakeRuns(30)

    async def run_job(job: JobConfig) -> types.SimpleNamespace:
        _signal_self(signals)
        return await fake(job)

    scheduler = Scheduler(
        jobs_config({"name": "news", "interval_minutes": 60}), run_job, grace_seconds=grace
    )
    started = time.monotonic()
    asyncio.run(scheduler.serve(run_now=True))
    assert time.monotonic() - started < 3
    assert fake.cancelled == 1
    assert "job news: run cancelled on stop" in caplog.messages
    assert caplog.messages[-1] == "stopped"


def test_crash_in_a_run_is_logged_and_scheduling_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls = []

    async def run_job(job: JobConfig) -> types.SimpleNamespace:
        calls.append(job.name)
        raise RuntimeError("no store")

    scheduler = Scheduler(
        jobs_config({"name": "a", "cron": "0 2 * * *"}, {"name": "b", "cron": "0 3 * * *"}), run_job
    )
    assert asyncio.run(scheduler.run_once()) == {"a": None, "b": None}
    assert calls == ["a", "b"]
    assert "job a: run crashed after" in caplog.text
