"""Shared fixtures: the local copy of the portal on 127.0.0.1, stores in tmp_path, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.localportal import PortalServer, build_corpus

pytest_plugins = ["tests.receivers"]

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


@pytest.fixture
def corpus():
    return build_corpus(seed=11, n=120)


@pytest.fixture
def portal(corpus) -> Iterator[PortalServer]:
    with PortalServer(corpus) as server:
        yield server


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store" / "portal.sqlite3"


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
