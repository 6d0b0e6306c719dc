"""check_setting judges names and values as the crawl's own Settings getters read them, without
importing Scrapy (the monitor checks every --set before it starts, and importing Scrapy costs each
run 0.25 s): it never accepts a value the crawl cannot run with."""

from __future__ import annotations

import importlib.util
import itertools
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.settings import Settings

from monitor.config import Config, ConfigError
from monitor.runner import check_run_options
from portalcrawl.settingscheck import (
    Number,
    SettingError,
    _defaults,
    as_bool,
    check_setting,
    check_settings,
    mapping,
    rule_for,
    switched_off,
)

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


def _getter(name: str) -> str:
    """The Settings getter the crawl reads `name` with, as the name's rule says."""
    rule = rule_for(name)
    if isinstance(rule, Number):
        return "getint" if rule.integer else "getfloat"
    return {as_bool: "getbool", switched_off: "getbool", mapping: "getdict"}.get(rule, "get")


def _crawl_reads(name: str, value: Any) -> bool:
    """Whether the crawl's own getter reads the value without failing (a number: finitely)."""
    try:
        read = getattr(Settings({name: value}), _getter(name))(name)
    except (TypeError, ValueError, OverflowError):
        return False
    return not isinstance(read, float) or math.isfinite(read)


def _verdict(name: str, value: Any) -> str:
    try:
        check_setting(name, value)
    except SettingError as exc:
        return str(exc)
    return "ok"


NAMES = ["DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED", "USER_AGENT", "PORTALCRAWL_FULL"]
NAMES += ["RETRY_TIMES", "ITEM_PIPELINES", "DOWNLOAD_MAXSIZE", "PORTALCRAWL_REVISIT_HOURS"]
NAMES += ["PORTALCRAWL_PAGE_SIZE", "CONCURRENT_REQUESTS", "DEPTH_PRIORITY", "LOGSTATS_INTERVAL"]
VALUES = ["0", "1", "2", "true", "True", "false", "yes", "1.5", "", "x", True, False, 3, 2.5]
VALUES += [None, [1], "-1", " 1", "1e3", "nan", "inf", "-inf", "1e308", "1e9", 10**30]


@pytest.mark.parametrize("name,value", list(itertools.product(NAMES, VALUES)))
def test_never_accepts_what_the_crawl_cannot_read(name: str, value: Any) -> None:
    verdict = _verdict(name, value)
    if verdict == "ok" and value is not None:
        assert _crawl_reads(name, value), (name, value)
    elif verdict != "ok":
        assert verdict.startswith(f"bad value {value!r} for {name}: expected ")


def test_an_unknown_name_is_named() -> None:
    assert _verdict("NOPE", "1") == "unknown setting 'NOPE'"


NUMBERS = sorted(n for n in _defaults() if isinstance(rule_for(n), Number))
NUMBER_TEXT = st.one_of(
    st.floats().map(repr),
    st.floats().map(str),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.from_regex(r"\A\s?-?[0-9]{0,12}(\.[0-9]{0,4})?([eE][+-]?[0-9]{1,3})?\s?\Z"),
)


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(NUMBERS), value=NUMBER_TEXT)
def test_a_number_accepted_is_one_the_crawl_runs_with(name: str, value: str) -> None:
    """Any float string: what the monitor accepts, the crawl's getter reads as a finite number
    within the rule's range, and the crawl's own check (the same function) accepts again."""
    if _verdict(name, value) != "ok":
        return
    assert _crawl_reads(name, value), (name, value)
    rule = rule_for(name)
    assert isinstance(rule, Number)
    read = getattr(Settings({name: value}), _getter(name))(name)
    assert rule.low <= read <= rule.high
    check_settings({name: read})


def test_the_monitor_does_not_import_scrapy() -> None:
    code = (
        "import sys; from monitor import cli; from portalcrawl.settingscheck import parse_set; "
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


CRAWL_REFUSES = [
    (["--set", "LOG_LEVEL=BOGUS"], "LOG_LEVEL", "BOGUS"),
    (["--set", "PORTALCRAWL_PAGE_SIZE=1e9"], "PORTALCRAWL_PAGE_SIZE", "1e9"),
    (["--revisit-hours", "nan"], "PORTALCRAWL_REVISIT_HOURS", math.nan),
]


@pytest.mark.parametrize(("args", "name", "value"), CRAWL_REFUSES, ids=lambda v: str(v))
def test_the_crawl_runs_the_same_check(tmp_path: Path, args: list, name: str, value: Any) -> None:
    """The crawl started by hand (or by a monitor that skipped the check) refuses the value
    with the monitor's own message, before anything is created."""
    db = tmp_path / "portal.sqlite3"
    cmd = [sys.executable, "-m", "portalcrawl.crawl", "--db", str(db)]
    cmd += ["--portal-url", "http://127.0.0.1:9", *args]
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    with pytest.raises(SettingError) as refused:
        check_setting(name, value)
    message = str(refused.value)
    assert done.returncode == 2 and done.stderr.strip().endswith(message), done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("error: ")
    assert not db.exists()


NAN, INF = math.nan, math.inf
CONFIGS = [
    {"revisit_hours": NAN},
    {"revisit_hours": 1e308},
    {"crawl_timeout_seconds": INF},
    {"audit_cycle_days": NAN},
    {"removal_confirm_minutes": -1},
    {"max_requests": 10**20},
    {"settings": {"LOG_LEVEL": "BOGUS"}},
    {"settings": {"CONCURRENT_REQUESTS": "1.5"}},
    {"portal_url": "http://desk:pw@127.0.0.1:9"},
    {"db": ""},
]


@pytest.mark.parametrize("change", CONFIGS, ids=str)
def test_the_up_front_check_covers_every_setting_the_crawl_is_given(change: dict) -> None:
    """A Config built in code (the demo's, a library caller's) is held to the crawl's check
    too, not only what the config parser and --set let through."""
    config = Config(**{"portal_url": "http://127.0.0.1:9", **change})
    with pytest.raises(ConfigError):
        check_run_options(config, [], [])
    check_run_options(Config(portal_url="http://127.0.0.1:9"), [], [])


GETTER = re.compile(r'\.get(int|float)\(\s*"([A-Z_][A-Z0-9_]*)"')
NOT_IN_DEFAULTS = {"AWS_MAX_POOL_CONNECTIONS", "CONCURRENT_REQUESTS_PER_IP"}  # no default to --set


def test_every_number_is_checked_as_the_code_reads_it() -> None:
    """Every `getint("NAME")` / `getfloat("NAME")` in portalcrawl and in Scrapy has a rule that
    converts as that getter does: a setting added without a rule of its own is still caught."""
    spec = importlib.util.find_spec("scrapy")
    assert spec is not None and spec.submodule_search_locations
    roots = [ROOT / "portalcrawl", Path(spec.submodule_search_locations[0])]
    reads = {
        (name, kind)
        for root in roots
        for source in root.rglob("*.py")
        for kind, name in GETTER.findall(source.read_text(encoding="utf-8", errors="replace"))
        if name not in NOT_IN_DEFAULTS
    }
    assert ("PORTALCRAWL_PAGE_SIZE", "int") in reads and ("DOWNLOAD_DELAY", "float") in reads
    wrong = []
    for name, kind in sorted(reads):
        rule = rule_for(name)
        if not isinstance(rule, Number) or rule.integer != (kind == "int"):
            wrong.append((name, kind, rule))
    assert wrong == []
