"""Operator input is checked up front: a bad argument, config value, cron line, setting or
notifier URL is one line on stderr naming the bad value, a non-zero exit, and nothing started.
Credentials given through ${ENV} never show in output, errors, logs or the store.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import click
import pytest

from monitor.cli import cli as monitor_group
from portalcrawl.store.database import Store
from tests.clirun import LOCAL_COPY, monitor_cli, run_main

Invoke = Callable[..., tuple[int, str, str]]
PASSWORD, TOKEN, SMTP_PASSWORD = "Hook-Pass-7731", "tok-99887766", "Smtp%2FPass-5521"
SECRETS_ENV = {"HOOK_PASSWORD": PASSWORD, "HOOK_TOKEN": TOKEN, "SMTP_PASSWORD": SMTP_PASSWORD}


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> Invoke:
    """`python -m monitor ARGS` run in this process through main(), as the console runs it."""
    monkeypatch.delenv("PORTALCRAWL_CONFIG", raising=False)
    monkeypatch.setenv("PORTALCRAWL_URL", "http://127.0.0.1:9")  # never the real portal
    monkeypatch.setenv("PORTALCRAWL_DB", str(tmp_path / "default.sqlite3"))
    for name, value in SECRETS_ENV.items():
        monkeypatch.setenv(name, value)

    def invoke(*args: str, config: str | None = None) -> tuple[int, str, str]:
        if config is not None:
            path = tmp_path / "portalcrawl.toml"
            path.write_text(config, encoding="utf-8")
            args = ("--config", str(path), *args)
        return run_main(monkeypatch, capsys, *args)

    return invoke


def one_line(code: int, err: str) -> str:
    assert code not in (0, None), err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


LOOPBACK = ("--portal-url", "http://127.0.0.1:9")
BAD_ARGUMENTS = [
    (("run", "--portal-url", "http://"), "'http://'"),
    (("run", "--portal-url", "http://h:99999"), "'http://h:99999'"),
    (("run", "--portal-url", "javascript:alert(1)"), "'javascript:alert(1)'"),
    (("run", *LOOPBACK, "--set", "DOWNLOAD_DELAYY=1"), "'DOWNLOAD_DELAYY'"),
    (("run", *LOOPBACK, "--set", "DOWNLOAD_DELAY=soon"), "'soon'"),
    (("run", *LOOPBACK, "--set", "AUTOTHROTTLE_ENABLED=maybe"), "'maybe'"),
    (("run", *LOOPBACK, "--set", "=1"), "'=1'"),
    (("run", *LOOPBACK, "--section", "../etc"), "'../etc'"),
    (("run", *LOOPBACK, "--notify", "foo://bar"), "'foo://bar'"),
    (("run", *LOOPBACK, "--notify", "jsonl://"), "'jsonl://'"),
    (("run", *LOOPBACK, "--notify", "json://h/x?rto=inf"), "rto"),
    (("run", *LOOPBACK, "--notify", "json://u:${NO_SUCH_VAR}@h/x"), "NO_SUCH_VAR is not set"),
    (("run", *LOOPBACK, "--bogus"), "'--bogus'"),
    (("notices", "--kind", "bogus"), "'bogus'"),
    (("notices", "--since", "2026-13-45"), "'2026-13-45'"),
    (("search", "x", "--limit", "0"), "--limit"),
    (("export", "--format", "xml", "--out", "-"), "'xml'"),
    (("feed", "--out", "-", "--kind", "rumour"), "'rumour'"),
    (("schedule", "--grace", "-1"), "--grace"),
    (("schedule", "--grace", "nan"), "'nan'"),
    (("profile", "discover", "http://127.0.0.1:9", "--out", "p.toml", "--delay", "inf"), "'inf'"),
    (("run", *LOOPBACK, "--set", "PORTALCRAWL_REVISIT_HOURS=nan"), "PORTALCRAWL_REVISIT_HOURS"),
    (("run", *LOOPBACK, "--set", "PORTALCRAWL_PAGE_SIZE=1e9"), "'1e9'"),
    (("run", *LOOPBACK, "--set", "LOG_LEVEL=BOGUS"), "'BOGUS'"),
    (("run", *LOOPBACK, "--set", "CONCURRENT_REQUESTS=0"), "CONCURRENT_REQUESTS"),
    (("run", *LOOPBACK, "--set", "DOWNLOAD_DELAY=inf"), "DOWNLOAD_DELAY"),
    (("run", *LOOPBACK, "--set", "ITEM_PIPELINES=0"), "ITEM_PIPELINES"),
    (("run", *LOOPBACK, "--max-requests", str(10**20)), "PORTALCRAWL_MAX_REQUESTS"),
    (("run", *LOOPBACK, "--db", ""), "--db: empty store path"),
    (("status", "--db", ""), "--db: empty store path"),
    (("demo", "--db", ""), "--db: empty store path"),
    (("--config", "", "status"), "--config: empty config path"),
    (("run", "--portal-url", "http://[::1"), "'http://[::1'"),
    (("run", *LOOPBACK, "--notify", "json://u:Pw-4471@[::1/x"), "bad notifier URL json://..."),
    (("site", "--out", "site", "--base-url", "http://[x"), "'http://[x'"),
    (("site", "--out", ""), "--out: empty site path"),  # would write into the working directory
    (("run", *LOOPBACK, "--set", "PORTALCRAWL_DB=other.sqlite3"), "PORTALCRAWL_DB is set by"),
    (("run", *LOOPBACK, "--set", "PORTALCRAWL_RUN_ID=3"), "PORTALCRAWL_RUN_ID is set by"),
    (("run", *LOOPBACK, "--set", "REMOTE_CONTROL_ENABLED=1"), "REMOTE_CONTROL_ENABLED"),
    (("schedule", "--config", "", "--once"), "--config: empty config path"),
]


@pytest.mark.parametrize(("args", "named"), BAD_ARGUMENTS, ids=lambda v: " ".join(v[:3]))
def test_a_bad_argument_is_one_line_naming_it(cli: Invoke, args: tuple, named: str) -> None:
    code, _, err = cli(*args)
    assert named in one_line(code, err)


def test_a_store_under_a_file_is_one_line(cli: Invoke, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    code, _, err = cli("run", *LOOPBACK, "--db", str(blocker / "portal.sqlite3"))
    assert (
        one_line(code, err)
        == f"error: cannot create store {blocker}/portal.sqlite3: not a directory"
    )


JOB = "[[schedule.jobs]]\n"
BAD_NUMBERS = ["1e308", "nan", "inf", "-inf"]
CHANNEL = "[[channels]]\n"
BAD_CONFIGS = [
    ("[portal\nurl = 1", "config file"),
    ("[portal]\nurll = 'x'", "'urll'"),
    ("[portal]\nurl = 'ftp://x'", "'ftp://x'"),
    ("[portal]\nsections = ['tin-hoat-dong', 'tin-hoat-dongg']", "'tin-hoat-dongg'"),
    ("[portal]\nprofile = 'nowhere'", "nowhere"),
    ("[portal]\nrevisit_hours = -1", "revisit_hours"),
    ("[crawl]\ntimeout_minutes = 0", "timeout_minutes"),
    ("[crawl]\nsettings = { DOWNLOAD_DELAY = 'x' }", "DOWNLOAD_DELAY"),
    ("[crawl]\nsettings = { CONCURENT_REQUESTS = 4 }", "'CONCURENT_REQUESTS'"),
    ("[health]\nerror_share = 2", "error_share"),
    ("[health]\nmax_errors = -5", "-5"),
    (CHANNEL + "url = 'json://u:${NO_SUCH_VAR}@h/x'", "NO_SUCH_VAR"),
    (CHANNEL + "url = 'bogus://x'", "'bogus://x'"),
    (CHANNEL + "url = 'json://h/x'\nkinds = ['nope']", "'nope'"),
    (CHANNEL + "url = 'json://h/x'\nsections = ['nope']", "'nope'"),
    (CHANNEL + "url = 'json://h/x'\ndigest = 'yes'", "digest: expected true or false, got 'yes'"),
    (CHANNEL + "url = 'json://h/x'\ntimeout_seconds = 0", "timeout_seconds"),
    (CHANNEL + "url = 'json://h/x'\ntimeout_seconds = nan", "timeout_seconds"),
    (
        CHANNEL + "name = 'a'\nurl = 'json://h/x'\n" + CHANNEL + "name = 'a'\nurl = 'json://h/y'",
        "'a'",
    ),
    (JOB + "cron = '61 * * * *'", "'61 * * * *'"),
    (JOB + "cron = '* * * *'", "'* * * *'"),
    (JOB + "cron = '0 2 * * 8'", "'8'"),
    (JOB + "cron = '0 2 31 2 *'", "'0 2 31 2 *' never fires"),
    (JOB + "cron = '0 2 * * *'\ninterval_minutes = 5", "exactly one"),
    (JOB + "interval_minutes = -1", "interval"),
    (JOB + "interval_minutes = 5\njitter_seconds = -3", "jitter_seconds"),
    *[(JOB + f"interval_minutes = {v}", "interval_minutes") for v in BAD_NUMBERS + ["0.01"]],
    (JOB + "interval_seconds = 0.5", "interval_seconds"),
    *[(JOB + f"interval_minutes = 5\njitter_seconds = {v}", "jitter") for v in BAD_NUMBERS],
    (JOB + "interval_minutes = 5\njitter_seconds = 0.5", "jitter_seconds"),
    *[("[portal]\nrevisit_hours = " + v, "portal.revisit_hours") for v in BAD_NUMBERS],
    ("[crawl]\ntimeout_minutes = 1e308", "timeout_minutes"),
    ("[audit]\ncycle_days = nan", "cycle_days"),
    ("[notices]\nremoval_confirm_minutes = inf", "removal_confirm_minutes"),
    ("[archive]\nmax_file_mb = nan", "max_file_mb"),
    ("[crawl]\nsettings = { PORTALCRAWL_PAGE_SIZE = 1e9 }", "PORTALCRAWL_PAGE_SIZE"),
    ("[crawl]\nsettings = { LOG_LEVEL = 'BOGUS' }", "'BOGUS'"),
    ("[crawl]\nsettings = { LOG_LEVEL = 10 }", "LOG_LEVEL"),  # the crawl would get "10"
    ("[crawl]\nsettings = { PORTALCRAWL_PAGE_SIZE = 20.0 }", "'20.0'"),
    ("[crawl]\nsettings = { RETRY_HTTP_CODES = [500, 503] }", "as text"),
    ("[crawl]\nsettings = { LOG_FILE = 'x.log' }", "LOG_FILE is set by the monitor"),
    ("[crawl]\nsettings = { TELNETCONSOLE_ENABLED = true }", "TELNETCONSOLE_ENABLED"),
    ("[portal]\ndb = ''", "portal.db: empty store path"),
    ("[site]\nout = ''", "site.out: empty site path"),
    ("[portal]\nurl = 'http://desk:Pw-4471@127.0.0.1:9'", "credentials"),
    (JOB + "interval_minutes = 5\nfull = 'yes'", "full: expected true or false"),
]


@pytest.mark.parametrize(("config", "named"), BAD_CONFIGS, ids=lambda v: v.split("\n")[-1])
def test_a_bad_config_is_one_line_before_any_run_starts(
    cli: Invoke, config: str, named: str, tmp_path: Path
) -> None:
    code, out, err = cli("run", *LOOPBACK, config=config)
    assert named in one_line(code, err) and out == ""
    assert not (tmp_path / "default.sqlite3").exists()


def test_a_bad_environment_value_is_one_line(cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTALCRAWL_URL", "gopher://x")
    code, _, err = cli("status")
    assert "'gopher://x'" in one_line(code, err)


def test_a_bad_notifier_url_is_named_with_its_password_masked(cli: Invoke) -> None:
    config = CHANNEL + "name = 'desk'\nurl = 'json://reporter:${HOOK_PASSWORD}@h:port/x'"
    code, _, err = cli("run", *LOOPBACK, config=config)
    line = one_line(code, err)
    assert "desk" in line and "json://reporter:****@h:port/x" in line and PASSWORD not in line
    code, _, err = cli("run", *LOOPBACK, "--notify", "json://reporter:${HOOK_PASSWORD}@h:port/x")
    line = one_line(code, err)
    assert "json://reporter:****@h:port/x" in line and PASSWORD not in line


def test_credentials_from_the_environment_never_show(tmp_path: Path) -> None:
    """A failing run delivers its crawler alert to channels that are down: the errors, the
    outputs of `run -vv` and `status`, the crawl logs and the store carry no credential."""
    db, config = tmp_path / "portal.sqlite3", tmp_path / "portalcrawl.toml"
    config.write_text(
        CHANNEL + 'name = "desk-hook"\n'
        'url = "json://reporter:${HOOK_PASSWORD}@127.0.0.1:1/hook?+X-Token=${HOOK_TOKEN}"\n'
        + CHANNEL
        + 'name = "desk-mail"\n'
        'url = "mailto://reporter:${SMTP_PASSWORD}@127.0.0.1:2?from=bot@example.com&to=d@example.com"\n',
        encoding="utf-8",
    )
    conf = ("--config", str(config))
    run = monitor_cli(
        "-vv",
        *conf,
        "run",
        *LOOPBACK,
        "--db",
        str(db),
        *LOCAL_COPY,
        "--set",
        "RETRY_TIMES=0",
        "--notify",
        "json://reporter:${HOOK_PASSWORD}@127.0.0.1:1/adhoc",
        env=SECRETS_ENV,
    )
    status = monitor_cli(*conf, "status", "--db", str(db), env=SECRETS_ENV)
    status_json = monitor_cli(*conf, "status", "--json", "--db", str(db), env=SECRETS_ENV)

    assert run.returncode == 1 and run.stderr.splitlines()[-1].startswith("error: run 1 failed")
    assert status.returncode == 0 and "json://reporter:****@127.0.0.1:1/hook" in status.stdout
    channels = json.loads(status_json.stdout)["channels"]
    assert [c["pending"] for c in channels] == [1, 1, 1] and all(c["last_error"] for c in channels)
    shown = [run.stdout, run.stderr, status.stdout, status.stderr, status_json.stdout]
    shown += [p.read_text(errors="replace") for p in (tmp_path / "logs").iterdir()]
    conn = sqlite3.connect(db)
    for table in ("deliveries", "notices", "runs", "channel_state"):
        shown += [repr(row) for row in conn.execute(f"SELECT * FROM {table}")]
    conn.close()
    for secret in (PASSWORD, TOKEN, SMTP_PASSWORD, "Smtp/Pass-5521"):
        assert not [text for text in shown if secret in text], secret


def test_an_unparsable_channel_url_is_shown_masked(cli: Invoke, tmp_path: Path) -> None:
    Store(tmp_path / "default.sqlite3").close()
    config = CHANNEL + "name = 'desk'\nurl = 'json://desk:Pw-4471@[::1/x'"
    code, out, err = cli("status", config=config)
    assert code == 0 and "json://****" in out and "Pw-4471" not in out + err, err


def test_credentials_in_the_portal_url_are_refused_unshown(cli: Invoke) -> None:
    for args in (("run", "--portal-url", "http://desk:Pw-4471@127.0.0.1:9"), ("status",)):
        code, _, err = cli(*args, config="[portal]\nurl = 'https://desk:Pw-4471@h.example'")
        line = one_line(code, err)
        assert "credentials" in line and "Pw-4471" not in line and "desk" not in line


@pytest.mark.parametrize("value", ["", " "])
def test_an_empty_store_or_portal_in_the_environment_is_refused(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """An unset variable passed on (`PORTALCRAWL_DB=$DB`) is not the default store."""
    monkeypatch.setenv("PORTALCRAWL_DB", value)
    assert "PORTALCRAWL_DB: empty store path" in one_line(*cli("status")[::2])
    monkeypatch.setenv("PORTALCRAWL_DB", "x.sqlite3")
    monkeypatch.setenv("PORTALCRAWL_URL", value)
    assert "bad portal URL" in one_line(*cli("run")[::2])
    monkeypatch.setenv("PORTALCRAWL_CONFIG", value)
    assert "PORTALCRAWL_CONFIG: empty config path" in one_line(*cli("status")[::2])


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "1e308", "soon"])
def test_a_bad_busy_timeout_is_one_line(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str
) -> None:
    Store(tmp_path / "default.sqlite3").close()
    monkeypatch.setenv("PORTALCRAWL_BUSY_TIMEOUT", value)
    for args in (("status",), ("run", *LOOPBACK), ("schedule", "--once")):
        assert "PORTALCRAWL_BUSY_TIMEOUT" in one_line(*cli(*args)[::2])


ASSET_IDS = ["9" * 20, "١٢٣", "１２３", "²"]
CONTENT = "http://127.0.0.1:9/web/guest/tin/-/asset_publisher/AbC/content/id/"


@pytest.mark.parametrize("ref", [*ASSET_IDS, CONTENT + "9" * 20, CONTENT + "١٢٣", "http://[::1/x"])
def test_a_bad_asset_id_is_one_line(cli: Invoke, tmp_path: Path, ref: str) -> None:
    Store(tmp_path / "default.sqlite3").close()
    assert "'" in one_line(*cli("history", ref)[::2])


# Every command that takes --since, with what else it needs; the test below finds them all.
SINCE = {
    "search": ("search", "x"),
    "export": ("export", "--format", "csv", "--out", "-"),
    "notices": ("notices",),
    "reextract": ("reextract", "--dry-run"),
}


def _since_commands(group: click.Group, prefix: str = "") -> set[str]:
    found = set()
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            found |= _since_commands(command, f"{prefix}{name} ")
        elif any("--since" in p.opts for p in command.params):
            found.add(prefix + name)
    return found


def test_every_since_command_is_covered() -> None:
    assert _since_commands(monitor_group) == set(SINCE)


@pytest.mark.parametrize(
    "since", ["0001-01-01", "9999-12-31T23:59-12:00", "0001-01-01T00:00", "9999-12-31T23:59Z"]
)
@pytest.mark.parametrize("command", sorted(SINCE))
def test_a_since_out_of_range_is_one_line(
    cli: Invoke, tmp_path: Path, command: str, since: str
) -> None:
    Store(tmp_path / "default.sqlite3").close()
    assert "out of range" in one_line(*cli(*SINCE[command], "--since", since)[::2])
