"""The `schedule` command: --once runs every job with the runner and fails when a run is not
ok; config errors (a bad cron line, no jobs, an unknown section, a bad channel URL) are one-line
errors before the first run; and the real command, in its own process, stops cleanly on SIGTERM.
The runner's cycle is a stand-in, so only the command is tested."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from monitor import runner
from monitor.cli import cli
from tests.clirun import ROOT
from tests.faultkit import wait_for
from tests.schedulejobs import outcome


def write_config(tmp_path: Path, jobs: str) -> Path:
    path = tmp_path / "cfg.toml"
    path.write_text(f'[portal]\ndb = "{tmp_path / "portal.sqlite3"}"\n{jobs}', encoding="utf-8")
    return path


def schedule(tmp_path: Path, jobs: str, *options: str) -> Result:
    """`schedule` run in process over a config holding `jobs` (channels too)."""
    cfg = write_config(tmp_path, jobs)
    return CliRunner().invoke(cli, ["schedule", "--config", str(cfg), *options])


def test_cli_bad_cron_is_a_one_line_error(tmp_path: Path) -> None:
    result = schedule(tmp_path, '[[schedule.jobs]]\nname = "audit"\ncron = "0 25 * * *"\n')
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
    result = schedule(
        tmp_path,
        '[[schedule.jobs]]\nname = "news"\nsections = ["tin-tuc"]\ninterval_minutes = 5\n',
        "--once",
    )
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: schedule.jobs[0].sections: ")
    assert "tin-tuc" in result.stderr


def test_cli_bad_channel_url_is_refused_before_the_first_run(
    tmp_path: Path, fake_runner: list
) -> None:
    result = schedule(
        tmp_path,
        '[[channels]]\nname = "ops"\nurl = "nosuchscheme://user:Hunter-22@example.com/"\n'
        '[[schedule.jobs]]\nname = "news"\ninterval_minutes = 5\n',
        "--once",
    )
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: bad notifier URL")
    assert "Hunter-22" not in result.stderr
    assert fake_runner == []


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
    result = schedule(
        tmp_path,
        '[[schedule.jobs]]\nname = "news"\nsections = ["tin-hoat-dong"]\ninterval_minutes = 10\n'
        '[[schedule.jobs]]\nname = "audit"\ncron = "0 2 * * *"\nfull = true\n',
        "--once",
    )
    assert result.exit_code == 0, result.output
    assert fake_runner == [(False, ["tin-hoat-dong"]), (True, None)]


def test_cli_once_fails_when_a_run_is_not_ok(tmp_path: Path, fake_runner: list) -> None:
    result = schedule(
        tmp_path,
        '[[schedule.jobs]]\nname = "news"\ninterval_minutes = 10\n'
        '[[schedule.jobs]]\nname = "odd"\nsections = ["nguoi-phat-ngon"]\ninterval_minutes = 10\n',
        "--once",
    )
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
