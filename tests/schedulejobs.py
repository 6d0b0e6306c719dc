"""Stand-ins for the scheduler tests: the outcome a run reports, and a config of jobs."""

from __future__ import annotations

import types

from monitor.config import parse_config


def outcome(run_id: int = 1, status: str = "ok") -> types.SimpleNamespace:
    return types.SimpleNamespace(
        run_id=run_id, status=status, new=2, edited=1, removed=0, alerts=0, message="boom"
    )


def jobs_config(*jobs: dict) -> object:
    return parse_config({"schedule": {"jobs": list(jobs)}})
