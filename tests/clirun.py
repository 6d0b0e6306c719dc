"""The monitor's command line run as an operator runs it, against the local copy of the portal."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

from monitor.localportal import PortalServer

ROOT = Path(__file__).resolve().parent.parent
LOCAL_COPY = [
    "--set",
    "DOWNLOAD_DELAY=0",
    "--set",
    "AUTOTHROTTLE_ENABLED=0",
    "--set",
    "CONCURRENT_REQUESTS=8",
    "--set",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "--set",
    "RETRY_BACKOFF_BASE=0.05",
]


def monitor_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m monitor ARGS` as an operator runs it: a real process, real exit status."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    full_env.pop("PORTALCRAWL_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        cwd=cwd or ROOT,
    )


def monitor_on_terminal(*args: str, timeout: float = 120) -> tuple[int, str]:
    """`python -m monitor ARGS` with its stdout on a terminal (a pseudo-terminal): (exit
    status, what the terminal got, line ends as the terminal's \\r\\n)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PORTALCRAWL_CONFIG", None)
    leader, follower = pty.openpty()
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "monitor", *args],
            stdout=follower,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=ROOT,
        )
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed its side
                break
            if not chunk:
                break
            chunks.append(chunk)
        return child.wait(timeout), b"".join(chunks).decode("utf-8")
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)


def run_main(monkeypatch: Any, capsys: Any, *args: str) -> tuple[int, str, str]:
    """`python -m monitor ARGS` in this process through main(), as the console script runs it
    (no interpreter start: for commands that fail or only read): (exit status, stdout, stderr)."""
    from monitor.cli import main

    monkeypatch.setattr(sys, "argv", ["monitor", *args])
    capsys.readouterr()
    code: Any = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def crawl(portal: PortalServer, db: Path, *extra: str, check: bool = True, **kwargs) -> dict:
    """One monitor cycle against the local copy; returns the outcome JSON."""
    result = monitor_cli(
        "run",
        "--portal-url",
        portal.base_url,
        "--db",
        str(db),
        "--json",
        *LOCAL_COPY,
        *extra,
        **kwargs,
    )
    if check:
        assert result.returncode == 0, result.stderr + result.stdout
    lines = [ln for ln in result.stdout.splitlines() if ln.startswith("{")]
    return (
        json.loads(lines[-1])
        if lines
        else {"stderr": result.stderr, "returncode": result.returncode}
    )
