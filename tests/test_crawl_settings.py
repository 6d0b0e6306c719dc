"""check_setting judges names and values as Scrapy's own Settings would, without importing Scrapy
(the monitor checks every --set before it starts, and importing Scrapy costs each run 0.25 s)."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from scrapy.settings import Settings

from portalcrawl.crawl import _defaults, check_setting

ROOT = Path(__file__).resolve().parent.parent


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    return "number" if isinstance(value, int | float) else "other"


def _scrapy() -> Settings:
    settings = Settings()
    settings.setmodule("portalcrawl.settings")
    return settings


def test_the_same_names_and_kinds_as_scrapy_settings() -> None:
    scrapy_settings = _scrapy()
    known = _defaults()
    assert set(known) == set(scrapy_settings.keys())
    assert {n: _kind(v) for n, v in known.items()} == {n: _kind(scrapy_settings[n]) for n in known}


def _scrapy_verdict(name: str, value: Any) -> str:
    """What check_setting did when it asked Scrapy's Settings."""
    known = _scrapy()
    if name not in known:
        return f"unknown setting {name!r}"
    kind = _kind(known[name])
    if kind == "other":
        return "ok"
    getter, wanted = ("getbool", "true or false") if kind == "bool" else ("getfloat", "a number")
    try:
        getattr(Settings({name: value}), getter)(name)
    except (TypeError, ValueError):
        return f"bad value {value!r} for {name}: expected {wanted}"
    return "ok"


NAMES = ["DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED", "USER_AGENT", "NOPE", "PORTALCRAWL_FULL"]
NAMES += ["RETRY_TIMES", "ITEM_PIPELINES", "DOWNLOAD_MAXSIZE", "PORTALCRAWL_REVISIT_HOURS"]
VALUES = ["0", "1", "2", "true", "True", "false", "yes", "1.5", "", "x", True, False, 3, 2.5]
VALUES += [None, [1], "-1", " 1", "1e3", "nan"]


@pytest.mark.parametrize("name,value", list(itertools.product(NAMES, VALUES)))
def test_same_verdict_as_scrapy(name: str, value: Any) -> None:
    try:
        check_setting(name, value)
        verdict = "ok"
    except ValueError as exc:
        verdict = str(exc)
    assert verdict == _scrapy_verdict(name, value)


def test_the_monitor_does_not_import_scrapy() -> None:
    code = (
        "import sys; from monitor import cli; from portalcrawl.crawl import parse_set; "
        "parse_set(['DOWNLOAD_DELAY=0', 'AUTOTHROTTLE_ENABLED=0']); "
        "print(sorted(m for m in sys.modules if m == 'scrapy' or m.startswith('scrapy.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
