"""The foreground scheduler: no overlapping crawls, coalescing, clean stops, config errors."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
import types
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_SUBMITTED
from click.testing import CliRunner

from monitor import runner
from monitor.cli import cli
from monitor.config import ConfigError, JobConfig, parse_config
from monitor.crontab import cron_trigger
from monitor.scheduler import MIN_MISFIRE_GRACE_SECONDS, Scheduler
from tests.clirun import ROOT
from tests.faultkit import wait_for


def outcome(run_id: int = 1, status: str = "ok") -> types.SimpleNamespace:
    return types.SimpleNamespace(
        run_id=run_id, status=status, new=2, edited=1, removed=0, alerts=0, message="boom"
    )


def jobs_config(*jobs: dict) -> object:
    return parse_config({"schedule": {"jobs": list(jobs)}})


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


def test_crontab_weekdays_and_either_day_rule() -> None:
    wednesday = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    sunday = cron_trigger("0 2 * * 0").get_next_fire_time(None, wednesday)
    assert sunday.strftime("%a %H:%M") == "Sun 02:00"
    assert cron_trigger("0 2 * * 7").get_next_fire_time(None, wednesday) == sunday
    weekday = cron_trigger("0 2 * * 1-5").get_next_fire_time(None, wednesday)
    assert weekday.strftime("%a") == "Thu"
    either = cron_trigger("0 0 13 * 5").get_next_fire_time(None, wednesday)
    assert either.strftime("%a %d") == "Fri 27"


def test_cron_lines_read_in_the_configured_time_zone() -> None:
    config = parse_config(
        {
            "schedule": {
                "timezone": "Asia/Ho_Chi_Minh",
                "jobs": [{"name": "audit", "cron": "0 2 * * *", "full": True}],
            }
        }
    )
    assert config.timezone == "Asia/Ho_Chi_Minh"
    scheduler = Scheduler(config)
    trigger = scheduler.aps.get_job("audit").trigger
    noon_utc = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    fire = trigger.get_next_fire_time(None, noon_utc)
    assert fire.astimezone(UTC) == datetime(2026, 11, 25, 19, 0, tzinfo=UTC)  # 02:00 +07:00
    assert str(scheduler.aps.timezone) == "Asia/Ho_Chi_Minh"


def test_unknown_time_zone_is_refused_when_the_config_is_read() -> None:
    with pytest.raises(ConfigError, match=r"schedule\.timezone: unknown time zone 'Asia/Saigon2'"):
        parse_config({"schedule": {"timezone": "Asia/Saigon2", "jobs": []}})


@pytest.mark.parametrize(
    "expr", ["61 2 * * *", "0 2 * *", "0 2 * * 8", "0 2 * * 5-1", "0 2 * * */0", "0 2 32 * *"]
)
def test_bad_cron_is_refused_when_the_config_is_read(expr: str) -> None:
    with pytest.raises(ConfigError, match=r"schedule\.jobs\[0\]\.cron: bad cron expression"):
        jobs_config({"name": "audit", "cron": expr})


def write_config(tmp_path: Path, jobs: str) -> Path:
    path = tmp_path / "cfg.toml"
    path.write_text(f'[portal]\ndb = "{tmp_path / "portal.sqlite3"}"\n{jobs}', encoding="utf-8")
    return path


def test_cli_bad_cron_is_a_one_line_error(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, '[[schedule.jobs]]\nname = "audit"\ncron = "0 25 * * *"\n')
    result = CliRunner().invoke(cli, ["schedule", "--config", str(cfg)])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: schedule.jobs[0].cron: bad cron expression '0 25")


def test_cli_without_jobs_says_how_to_add_one(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "schedule"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "[[schedule.jobs]]" in result.stderr


def test_cli_unknown_job_section_is_refused_when_the_config_is_read(tmp_path: Path) -> None:
    cfg = write_config(
        tmp_path, '[[schedule.jobs]]\nname = "news"\nsections = ["tin-tuc"]\ninterval_minutes = 5\n'
    )
    result = CliRunner().invoke(cli, ["schedule", "--config", str(cfg), "--once"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: schedule.jobs[0].sections: ")
    assert "tin-tuc" in result.stderr


def test_cli_bad_channel_url_is_refused_before_the_first_run(
    tmp_path: Path, fake_runner: list
) -> None:
    cfg = write_config(
        tmp_path,
        '[[channels]]\nname = "ops"\nurl = "nosuchscheme://user:Hunter-22@example.com/"\n'
        '[[schedule.jobs]]\nname = "news"\ninterval_minutes = 5\n',
    )
    result = CliRunner().invoke(cli, ["schedule", "--config", str(cfg), "--once"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: bad notifier URL")
    assert "Hunter-22" not in result.stderr
    assert fake_runner == []


def test_duplicate_job_names_are_refused() -> None:
    config = jobs_config({"name": "a", "interval_seconds": 5}, {"name": "a", "cron": "0 2 * * *"})
    with pytest.raises(ConfigError, match="duplicate name 'a'"):
        Scheduler(config)


@pytest.fixture
def fake_runner(monkeypatch: pytest.MonkeyPatch) -> list:
    """runner.run_cycle_async replaced by a stand-in that records its arguments."""
    calls: list = []

    async def run_cycle_async(config, *, full=False, sections=None, **kwargs):
        calls.append((full, sections))
        return outcome(len(calls), "failed" if sections == ["nguoi-phat-ngon"] else "ok")

    monkeypatch.setattr(runner, "run_cycle_async", run_cycle_async)
    return calls


def test_cli_once_runs_every_job_with_the_runner(tmp_path: Path, fake_runner: list) -> None:
    cfg = write_config(
        tmp_path,
        '[[schedule.jobs]]\nname = "news"\nsections = ["tin-hoat-dong"]\ninterval_minutes = 10\n'
        '[[schedule.jobs]]\nname = "audit"\ncron = "0 2 * * *"\nfull = true\n',
    )
    result = CliRunner().invoke(cli, ["schedule", "--config", str(cfg), "--once"])
    assert result.exit_code == 0, result.output
    assert fake_runner == [(False, ["tin-hoat-dong"]), (True, None)]


def test_cli_once_fails_when_a_run_is_not_ok(tmp_path: Path, fake_runner: list) -> None:
    cfg = write_config(
        tmp_path,
        '[[schedule.jobs]]\nname = "news"\ninterval_minutes = 10\n'
        '[[schedule.jobs]]\nname = "odd"\nsections = ["nguoi-phat-ngon"]\ninterval_minutes = 10\n',
    )
    result = CliRunner().invoke(cli, ["schedule", "--config", str(cfg), "--once"])
    assert result.exit_code == 1
    assert result.stderr == "error: 1 of 2 runs did not end ok: odd (failed)\n"


# The real command in its own process, with the runner's cycle swapped for a stand-in that
# runs until the test, having sent SIGTERM, lets it end (or 60 s pass).
FAKE_MAIN = """
import asyncio, pathlib, sys, time, types

from monitor import runner

marker = pathlib.Path(sys.argv.pop(1))
release = marker.with_name("release")

async def run_cycle_async(config, *, full=False, sections=None, **kwargs):
    marker.write_text("started")
    deadline = time.monotonic() + 60
    while not release.exists() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return types.SimpleNamespace(run_id=7, status="ok", new=3, edited=1, removed=0, alerts=0,
                                 message="")

runner.run_cycle_async = run_cycle_async
from monitor.cli import main
main()
"""


def test_sigterm_stops_the_command_cleanly(tmp_path: Path) -> None:
    script = tmp_path / "fake_main.py"
    script.write_text(textwrap.dedent(FAKE_MAIN), encoding="utf-8")
    marker = tmp_path / "started"
    cfg = write_config(tmp_path, '[[schedule.jobs]]\nname = "news"\ninterval_minutes = 10\n')
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    log = tmp_path / "stderr.log"
    with log.open("w", encoding="utf-8") as err:
        proc = subprocess.Popen(
            [
                sys.executable,
                str(script),
                str(marker),
                "schedule",
                "--config",
                str(cfg),
                "--run-now",
            ],
            stdout=subprocess.DEVNULL,
            stderr=err,
            text=True,
            env=env,
            cwd=tmp_path,
        )
    try:
        wait_for(lambda: marker.exists() or proc.poll() is not None, what="the run to start")
        assert marker.exists(), log.read_text(encoding="utf-8")
        proc.send_signal(signal.SIGTERM)  # while the run is still going
        wait_for(lambda: "SIGTERM: stopping" in log.read_text(encoding="utf-8"), what="SIGTERM")
        (tmp_path / "release").write_text("go", encoding="utf-8")
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = log.read_text(encoding="utf-8")
    assert proc.returncode == 0, stderr
    assert "job news: every 600 s, incremental, sections: all; next run" in stderr
    assert "SIGTERM: stopping, no new runs" in stderr
    assert "run 7 ok: 3 new, 1 edited, 0 removed, 0 alerts (job news" in stderr
    assert stderr.rstrip().endswith("stopped")
