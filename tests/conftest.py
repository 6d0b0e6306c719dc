"""Shared fixtures: the local copy of the portal on 127.0.0.1, stores in tmp_path.

Helpers (the CLI runner, the receivers, the store factory) live in plain modules beside this one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from monitor.localportal import PortalServer, build_corpus

# Speed is the benchmarks' business: under load (two cores, parallel workers) one example can
# outlast Hypothesis's 200 ms deadline and fail a property test that holds.
settings.register_profile("portalcrawl", deadline=None)
settings.load_profile("portalcrawl")

pytest_plugins = ["tests.receivers"]


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
